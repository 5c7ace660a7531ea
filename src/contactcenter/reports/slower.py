""" "Slower than usual": each agent's handle and first-response times in a period against
the agent's own trailing baseline and against the team (``report --by agent,week --slow``).

For a metric m (``aht_s`` over the agent's answered, ended calls; ``first_response_s``
over the conversations the agent responded to first, when the store has conversations),
an agent a and a period [s, e) (the period key of the report, or [--from, --to)):

* the period's values x₁..xₙ: the contacts of a in [s, e) (n = ``m_n``; their mean is
  the report's m);
* the **baseline**: the contacts of a in the ``weeks`` before the period, [s − 7·weeks
  days, s) in the report's zone, with count nᵦ (``m_baseline_n``), mean x̄ᵦ
  (``m_baseline``) and sample standard deviation sᵦ;
* ``m_z`` = (x̄ − x̄ᵦ) / (sᵦ · √(1/n + 1/nᵦ)): the two-sample z statistic of the period's
  mean against the baseline, under the hypothesis that the period's contacts come from
  the agent's usual distribution (so a period of many contacts needs a smaller slowdown
  to be flagged than a day of three). Null when nᵦ < 2, sᵦ = 0 or n = 0;
* ``m_team_z`` = (x̄ − mean of the team) / standard deviation of the team, the team
  being the agents with a value of m in the same period (sample standard deviation;
  null with fewer than 3 agents or no spread);
* ``m_slow`` = ``m_z`` > z and ``m_team_slow`` = ``m_team_z`` > z (null where the z is).

An agent whose period is exactly their baseline (same mean) has ``m_z`` = 0 and is never
flagged; being faster than usual gives a negative z, never a flag.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa

from contactcenter.engines import Engine
from contactcenter.errors import InputError
from contactcenter.metrics.keys import KEYS
from contactcenter.metrics.timezones import to_epoch
from contactcenter.reports.query import ReportRequest, ReportResult, parse_when

SLOW_METRICS: tuple[str, ...] = ("aht_s", "first_response_s")
"""The metrics compared with the baseline (first_response_s only when the store has
conversations)."""

SLOW_PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")
"""Period keys a "slower than usual" report may group by."""

PARTS: tuple[str, ...] = ("n", "baseline", "baseline_n", "z", "team_z", "slow", "team_slow")
"""Column suffixes added per metric, in order."""


@dataclass(frozen=True)
class Baseline:
    """The trailing baseline's length in weeks and the z beyond which a value is slow."""

    weeks: int = 8
    z: float = 2.0

    def __post_init__(self) -> None:
        if not 1 <= self.weeks <= 520:
            raise InputError(
                f"{{field}} must be a whole number of weeks in 1..520, got {self.weeks}",
                field="baseline_weeks",
            )
        if not (self.z > 0 and math.isfinite(self.z)):
            raise InputError(f"{{field}} must be a number > 0, got {self.z}", field="z")


@dataclass
class _Series:
    """One agent's values in time order, with prefix sums for any window."""

    times: np.ndarray[Any, np.dtype[np.int64]]
    n: np.ndarray[Any, np.dtype[np.float64]]
    s: np.ndarray[Any, np.dtype[np.float64]]
    ss: np.ndarray[Any, np.dtype[np.float64]]

    @classmethod
    def of(cls, times: list[int], values: list[float]) -> _Series:
        order = np.argsort(np.asarray(times, dtype=np.int64), kind="stable")
        t = np.asarray(times, dtype=np.int64)[order]
        v = np.asarray(values, dtype=np.float64)[order]
        zero = np.zeros(1)
        return cls(
            times=t,
            n=np.concatenate([zero, np.arange(1, len(v) + 1, dtype=np.float64)]),
            s=np.concatenate([zero, np.cumsum(v)]),
            ss=np.concatenate([zero, np.cumsum(v * v)]),
        )

    def window(self, lo: int, hi: int) -> tuple[float, float, float]:
        """Count, sum and sum of squares of the values in [lo, hi)."""
        a = int(np.searchsorted(self.times, lo, side="left"))
        b = int(np.searchsorted(self.times, hi, side="left"))
        return (
            float(self.n[b] - self.n[a]),
            float(self.s[b] - self.s[a]),
            float(self.ss[b] - self.ss[a]),
        )


def _values(engine: Engine, metric: str, request: ReportRequest) -> dict[str, _Series]:
    """Per agent, the instants (epoch seconds) and values of ``metric``'s rows."""
    if metric == "aht_s":
        t = engine.table("contacts")
        t = t.filter((t.outcome == "answered") & ~t.talking & t.agent_id.notnull())
        value = t.talk_s.fill_null(0.0) + t.hold_s.fill_null(0.0) + t.acw_s.fill_null(0.0)
        when = t.offered_at
    else:
        t = engine.table("conversations")
        t = t.filter(t.first_response_s.notnull() & t.agent_id.notnull())
        value = t.first_response_s
        when = t.created_at
    if request.queues:
        t = t.filter(t.queue.isin(list(request.queues)))
    if request.channels:
        t = t.filter(t.channel.isin(list(request.channels)))
    rows = engine.execute(
        t.select(
            agent=t.agent_id,
            at=when.epoch_seconds().floor().cast("int64"),
            value=value.cast("float64"),
        )
    )
    per: dict[str, tuple[list[int], list[float]]] = {}
    for agent, at, v in zip(
        rows.column("agent").to_pylist(),
        rows.column("at").to_pylist(),
        rows.column("value").to_pylist(),
        strict=True,
    ):
        times, values = per.setdefault(agent, ([], []))
        times.append(int(at))
        values.append(float(v))
    return {a: _Series.of(ts, vs) for a, (ts, vs) in per.items()}


def baseline_z(
    period: tuple[float, float], baseline: tuple[float, float, float]
) -> tuple[float | None, float | None]:
    """The baseline's mean and the period's z against it, from the period's (count, sum)
    and the baseline's (count, sum, sum of squares): z = (x̄ − x̄ᵦ) / (sᵦ·√(1/n + 1/nᵦ))
    (None when nᵦ < 2, sᵦ = 0 or n = 0; the mean is None when nᵦ = 0).

    >>> round(baseline_z((2, 800.0), (3, 600.0, 140_000.0))[1], 6)  # 400 vs 100, 200, 300
    2.19089
    """
    n, s = period
    nb, sb, ssb = baseline
    if not nb:
        return None, None
    mean_b = sb / nb
    if nb < 2 or not n:
        return mean_b, None
    var = max(0.0, (ssb - sb * sb / nb) / (nb - 1))
    if var <= 1e-12 * max(1.0, mean_b * mean_b):  # no spread (up to rounding)
        return mean_b, None
    return mean_b, (s / n - mean_b) / (math.sqrt(var) * math.sqrt(1 / n + 1 / nb))


def _has_rows(engine: Engine, fact: str) -> bool:
    first = engine.table(fact).limit(1)
    return bool(engine.execute(first.aggregate(n=first.count())).to_pylist()[0]["n"])


def _local_bounds(key: str, label: str) -> tuple[dt.datetime, dt.datetime]:
    """The wall-clock start and end of the period ``label`` of ``key``."""
    if key == "day":
        first = dt.date.fromisoformat(label)
        return _midnight(first), _midnight(first + dt.timedelta(days=1))
    if key == "week":
        iso_year, iso_week = label.split("-W")
        first = dt.date.fromisocalendar(int(iso_year), int(iso_week), 1)
        return _midnight(first), _midnight(first + dt.timedelta(days=7))
    if key == "month":
        year, month = (int(x) for x in label.split("-"))
        first, months = dt.date(year, month, 1), 1
    elif key == "quarter":
        year_text, q = label.split("-Q")
        first, months = dt.date(int(year_text), (int(q) - 1) * 3 + 1, 1), 3
    else:
        first, months = dt.date(int(label), 1, 1), 12
    index = first.year * 12 + first.month - 1 + months
    return _midnight(first), _midnight(dt.date(index // 12, index % 12 + 1, 1))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def slow_metrics(engine: Engine) -> tuple[str, ...]:
    """The metrics a "slower than usual" report compares: ``aht_s``, and
    ``first_response_s`` when the store holds conversations."""
    return tuple(m for m in SLOW_METRICS if m == "aht_s" or _has_rows(engine, "conversations"))


def check_keys(by: tuple[str, ...], start: str | None) -> str | None:
    """The period key of ``by`` (None without one); InputError unless ``by`` is ``agent``
    and at most one of :data:`SLOW_PERIODS` (and, without a period key, ``start`` is
    given: the period is then [start, end))."""
    if "agent" not in by:
        raise InputError("{field}: --slow needs agent among the --by keys", field="slow")
    others = [k for k in by if k != "agent"]
    if len(others) > 1 or (others and others[0] not in SLOW_PERIODS):
        raise InputError(
            "{field}: --slow groups by agent and at most one of "
            f"{', '.join(SLOW_PERIODS)}, got {','.join(by)}",
            field="slow",
        )
    if not others and start is None:
        raise InputError(
            "{field}: --slow without a period key in --by needs --from (the period is "
            "[--from, --to), its baseline the weeks before --from)",
            field="slow",
        )
    return others[0] if others else None


def slower_than_usual(
    engine: Engine, result: ReportResult, request: ReportRequest, baseline: Baseline
) -> ReportResult:
    """``result`` (grouped by agent and at most one period key, holding the metrics of
    :func:`slow_metrics`) with the columns of the module docstring added per metric."""
    key = check_keys(request.by, request.start)
    column = KEYS[key] if key else None
    tz = result.tz
    metrics = [m for m in slow_metrics(engine) if m in result.table.column_names]
    rows = result.rows()
    end_all = to_epoch(parse_when(request.end, field="end"), tz) if request.end else None
    start_all = to_epoch(parse_when(request.start, field="start"), tz) if request.start else 0
    bounds: dict[Any, tuple[int, int, int]] = {}
    for row in rows:
        label = row[column] if column else None
        if label in bounds:
            continue
        if column is None:
            assert request.start is not None
            local = parse_when(request.start, field="start").replace(tzinfo=None)
            lo = start_all
            hi = end_all if end_all is not None else 2**62
        else:
            local, last = _local_bounds(str(key), str(label))
            lo, hi = to_epoch(local, tz), to_epoch(last, tz)
            lo, hi = max(lo, start_all), min(hi, end_all) if end_all is not None else hi
        back = to_epoch(local - dt.timedelta(days=7 * baseline.weeks), tz)
        bounds[label] = (back, lo, hi)
    added: dict[str, list[Any]] = {}
    for metric in metrics:
        series = _values(engine, metric, request)
        cols: dict[str, list[Any]] = {part: [] for part in PARTS}
        for row in rows:
            agent = row["agent"]
            got = series.get(agent) if agent is not None else None
            back, lo, hi = bounds[row[column] if column else None]
            n, s, _ = got.window(lo, hi) if got is not None else (0.0, 0.0, 0.0)
            nb, sb, ssb = got.window(back, lo) if got is not None else (0.0, 0.0, 0.0)
            mean_b, z = baseline_z((n, s), (nb, sb, ssb))
            cols["n"].append(int(n) if agent is not None else None)
            cols["baseline"].append(mean_b)
            cols["baseline_n"].append(int(nb) if agent is not None else None)
            cols["z"].append(z)
        teams: dict[Any, list[float]] = {}
        for row in rows:
            if row["agent"] is not None and row[metric] is not None:
                teams.setdefault(row[column] if column else None, []).append(float(row[metric]))
        for row, z in zip(rows, cols["z"], strict=True):
            team = teams.get(row[column] if column else None, [])
            team_z = None
            if row["agent"] is not None and row[metric] is not None and len(team) >= 3:
                sd = statistics.stdev(team)
                if sd > 0:
                    team_z = (float(row[metric]) - statistics.fmean(team)) / sd
            cols["team_z"].append(team_z)
            cols["slow"].append(None if z is None else z > baseline.z)
            cols["team_slow"].append(None if team_z is None else team_z > baseline.z)
        for part in PARTS:
            added[f"{metric}_{part}"] = cols[part]
    table = result.table
    for name, values in added.items():
        kind = (
            pa.bool_()
            if name.endswith("slow")
            else pa.int64()
            if name.endswith("_n")
            else pa.float64()
        )
        table = table.append_column(pa.field(name, kind), pa.array(values, kind))
    parameters = dict(result.parameters)
    parameters["slow"] = {"baseline_weeks": baseline.weeks, "z": baseline.z}
    note = (
        f"slower than usual: against each agent's previous {baseline.weeks} weeks "
        f"(two-sample z of the period's mean) and the team of the period; flagged above "
        f"z = {baseline.z:g}"
    )
    return replace(result, table=table, notes=(*result.notes, note), parameters=parameters)
