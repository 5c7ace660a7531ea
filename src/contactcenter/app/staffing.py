"""``staff``, ``plan`` and ``simulate``: how many agents, per interval, and what they deliver.

The keywords are the options of ``contactcenter staff``, ``plan`` and ``simulate``
(docs/cli.md): ``--max-occupancy`` is ``max_occupancy``, ``--sl-definition`` is
``sl_definition``. Numbers may be given as numbers or text, durations as seconds or text
(``"30m"``). Every bad value is an :class:`~contactcenter.errors.InputError` whose
``field`` is the keyword. Models and definitions: docs/staffing.md.

>>> from contactcenter import staff
>>> staff(calls=100, period="30m", aht="3m", max_occupancy=0.85).agents
14
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from contactcenter import limits
from contactcenter.app import _options as opt
from contactcenter.app._options import Duration, Number
from contactcenter.errors import FormatError, InputError
from contactcenter.reports import writers
from contactcenter.staffing import (
    SL_DEFINITIONS,
    chat,
    chat_required_agents,
    gross_agents,
    queue_metrics,
    required_agents,
)
from contactcenter.standards import DEFAULT_TARGET
from contactcenter.units import format_duration

if TYPE_CHECKING:
    import pandas as pd

    from contactcenter.app.forecast import Forecast
    from contactcenter.simulation import SimulationResult
    from contactcenter.simulation.team import Behaviour, Team
    from contactcenter.staffing.plan_file import PlanFile

PLAN_FORMATS = ("csv", "json", "table", "xlsx")
"""The formats a :class:`StaffingPlan` is written in."""
SERVICE_KINDS = ("exponential", "lognormal")
"""Handle-time distributions ``simulate`` offers."""


def _clean(value: Any) -> Any:
    """A JSON-safe number: numpy scalars as Python numbers, inf and NaN as None."""
    return writers.plain(value)


def _max_load(concurrency: int) -> float:
    return limits.MAX_CHAT_LOAD_ERL if concurrency > 1 else limits.MAX_LOAD_ERL


def _check_load(load: float, calls: float, period_s: float, aht_s: float, k: int) -> None:
    """Refuse a load above the documented bound (before any allocation), naming calls."""
    most = _max_load(k)
    if load > most:
        kind = "chat " if k > 1 else ""
        raise InputError(
            f"{{field}} {calls:g} per {format_duration(period_s)} with a handle time of "
            f"{format_duration(aht_s)} is a {kind}load of {load:.4g} Erlangs; at most "
            f"{most:,.0f} (docs/cli.md, bounds)",
            field="calls",
        )


# --------------------------------------------------------------------------- staff
@dataclass(frozen=True)
class Staffing:
    """The answer of :func:`staff` for one queue.

    model: ``erlang_c``, ``erlang_a`` (with a patience) or ``chat`` (concurrency > 1).
    calls: contacts offered in the period; period_s: its length; aht_s: the handle time,
    or one per concurrency level (chat). threshold_s: the answer threshold T of the
    service level; sl_definition: offered, answered or virtual. concurrency: contacts an
    agent holds at once. load_erl: offered load in Erlangs (chat: conversation-Erlangs
    at full concurrency). agents: productive agents (found, or given); gross_agents:
    agents to schedule, ceil(agents / (1 - shrinkage)). service_level, p_wait, asa_s (mean
    wait of all arrivals, None when the queue is unstable), occupancy: the predicted KPIs,
    None when nothing is offered. mean_open_per_agent: conversations an agent holds on
    average (chat only). patience_s and p_abandon: with a patience only. target: the
    service-level target met (None when ``agents`` was given and only evaluated).
    """

    model: str
    calls: float
    period_s: float
    aht_s: float | tuple[float, ...]
    threshold_s: float
    sl_definition: str
    concurrency: int
    load_erl: float
    agents: int
    gross_agents: int
    service_level: float | None
    p_wait: float | None
    asa_s: float | None
    occupancy: float | None
    shrinkage: float
    mean_open_per_agent: float | None = None
    patience_s: float | None = None
    p_abandon: float | None = None
    target: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``contactcenter staff --format json`` (same keys, same order)."""
        out: dict[str, Any] = {
            "model": self.model,
            "calls": self.calls,
            "period_s": self.period_s,
            "aht_s": list(self.aht_s) if isinstance(self.aht_s, tuple) else self.aht_s,
            "threshold_s": self.threshold_s,
            "sl_definition": self.sl_definition,
        }
        if self.model == "chat":
            out["concurrency"] = self.concurrency
        out.update(
            load_erl=self.load_erl,
            agents=self.agents,
            gross_agents=self.gross_agents,
            service_level=self.service_level,
            p_wait=self.p_wait,
            asa_s=self.asa_s,
            occupancy=self.occupancy,
        )
        if self.model == "chat":
            out["mean_open_per_agent"] = self.mean_open_per_agent
        if self.patience_s is not None:
            out["patience_s"] = self.patience_s
            out["p_abandon"] = self.p_abandon
        out["shrinkage"] = self.shrinkage
        if self.target is not None:
            out["target"] = self.target
        return out

    def to_text(self, format: str = "json") -> str:
        """The answer as ``json`` or as a ``table`` for people."""
        if opt.choice(format, "format", ("json", "table")) == "json":
            return writers.json_text(self.as_dict())
        return writers.text_pairs(self.as_dict(), title=f"staffing ({self.model})")


def staff(
    *,
    calls: Number,
    period: Duration,
    aht: Duration | Sequence[Duration],
    threshold: Duration | None = None,
    target: Number = DEFAULT_TARGET,
    patience: Duration | None = None,
    agents: Number | None = None,
    max_occupancy: Number | None = None,
    shrinkage: Number = 0.0,
    asa_target: Duration | None = None,
    max_abandon: Number | None = None,
    concurrency: Number = 1,
    sl_definition: str = "offered",
) -> Staffing:
    """Agents needed for ``calls`` contacts in ``period`` with handle time ``aht`` (or, with
    ``agents``, what that staffing delivers).

    Without ``agents``: the fewest agents meeting every target given together: service
    level ``target`` at ``threshold`` (always), mean wait ``asa_target``, P(abandon)
    ``max_abandon`` and occupancy ``max_occupancy`` (when given). ``patience`` (mean
    patience) switches Erlang C to Erlang A; ``concurrency`` > 1 uses the chat model, where
    ``aht`` may give one handle time per concurrency level (``"5m,6m,7m"`` or a list).
    ``threshold`` defaults to 20 s, 90 s for chat (:mod:`contactcenter.standards`);
    ``shrinkage`` turns agents into ``gross_agents``.
    """
    n_calls = opt.non_negative(calls, "calls")
    period_s = opt.positive_duration(
        period, "period", maximum=limits.MAX_PERIOD_S, minimum=limits.MIN_DURATION_S
    )
    k = opt.whole(concurrency, "concurrency", 1, limits.MAX_CONCURRENCY)
    levels = opt.aht_levels(
        aht, "aht", k, maximum=limits.MAX_DURATION_S, minimum=limits.MIN_DURATION_S
    )
    threshold_s = opt.threshold(
        threshold, "threshold", concurrency=k, maximum=limits.MAX_DURATION_S
    )
    target_sl = opt.fraction(target, "target", closed_top=False)
    patience_s = opt.optional_duration(
        patience, "patience", maximum=limits.MAX_DURATION_S, minimum=limits.MIN_DURATION_S
    )
    cap = opt.fraction(max_occupancy, "max_occupancy", closed_top=True)
    shrink = opt.share(shrinkage, "shrinkage", maximum=limits.MAX_SHRINKAGE)
    asa_s = opt.optional_duration(asa_target, "asa_target", maximum=limits.MAX_DURATION_S)
    ab_cap = opt.fraction(max_abandon, "max_abandon", closed_top=True)
    definition = opt.choice(sl_definition, "sl_definition", SL_DEFINITIONS)
    n_agents = None
    if agents is not None:
        most = limits.MAX_AGENTS if k == 1 else limits.MAX_CHAT_SLOTS // k
        n_agents = opt.whole(agents, "agents", 1, most)
    _check_load(n_calls / period_s * levels[-1], n_calls, period_s, levels[-1], k)

    lam = n_calls / period_s
    common: dict[str, Any] = {
        "calls": n_calls,
        "period_s": period_s,
        "aht_s": levels[0] if len(levels) == 1 else tuple(levels),
        "threshold_s": threshold_s,
        "sl_definition": definition,
        "concurrency": k,
        "shrinkage": shrink,
        "patience_s": patience_s,
        "target": target_sl if n_agents is None else None,
    }
    if k > 1:
        if n_agents is None:
            m = chat_required_agents(
                arrival_rate_per_s=lam,
                aht_s=levels,
                concurrency=k,
                patience_s=patience_s,
                threshold_s=threshold_s,
                target_sl=target_sl,
                max_asa_s=asa_s,
                max_abandon=ab_cap,
                max_occupancy=cap,
                sl_definition=definition,
            )
        else:
            m = chat(
                agents=n_agents,
                arrival_rate_per_s=lam,
                aht_s=levels,
                concurrency=k,
                patience_s=patience_s,
                threshold_s=threshold_s,
                sl_definition=definition,
            )
        values = m.as_dict()
        n_final = int(values["agents"])
        return Staffing(
            model="chat",
            load_erl=_clean(values["load_erl"]),
            agents=n_final,
            gross_agents=int(gross_agents(agents=n_final, shrinkage=shrink)),
            service_level=_clean(values["service_level"]),
            p_wait=_clean(values["p_wait"]),
            asa_s=_clean(values["asa_s"]),
            occupancy=_clean(values["occupancy"]),
            mean_open_per_agent=_clean(values["mean_open_per_agent"]),
            p_abandon=None if n_final == 0 or patience_s is None else _clean(values["p_abandon"]),
            **common,
        )
    load = lam * levels[0]
    if n_agents is None:
        req = required_agents(
            load_erl=load,
            aht_s=levels[0],
            threshold_s=threshold_s,
            target_sl=target_sl,
            patience_s=patience_s,
            max_asa_s=asa_s,
            max_abandon=ab_cap,
            max_occupancy=cap,
            sl_definition=definition,
        )
        n_final = int(req.agents)
        row = req.metrics.row()
    else:
        n_final = n_agents
        row = queue_metrics(
            agents=n_agents,
            load_erl=load,
            aht_s=levels[0],
            threshold_s=threshold_s,
            patience_s=patience_s,
            sl_definition=definition,
        ).row()
    empty = n_final == 0  # no calls: every ratio is undefined
    return Staffing(
        model="erlang_a" if patience_s is not None else "erlang_c",
        load_erl=_clean(load),
        agents=n_final,
        gross_agents=int(gross_agents(agents=n_final, shrinkage=shrink)),
        service_level=None if empty else _clean(row["service_level"]),
        p_wait=None if empty else _clean(row["p_wait"]),
        asa_s=None if empty else _clean(row["asa_s"]),
        occupancy=None if empty else _clean(row["occupancy"]),
        p_abandon=None if empty or patience_s is None else _clean(row["p_abandon"]),
        **common,
    )


# --------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class StaffingPlan:
    """The answer of :func:`plan`: agents per interval and queue with the predicted KPIs.

    table: one row per forecast row with the columns of the plan file
    (:data:`contactcenter.staffing.plan_file.PLAN_COLUMNS`): the forecast's
    interval_start, queue, calls, aht_s (and patience_s when there is one), then load_erl,
    agents, gross_agents, service_level, p_wait, asa_s, occupancy, p_abandon (0 for rows
    without patience; the ratios are null where nothing is offered). interval_s,
    threshold_s: the interval length and answer threshold used.
    """

    table: pa.Table
    interval_s: float
    threshold_s: float

    def as_dict(self) -> list[dict[str, Any]]:
        """The JSON of ``contactcenter plan --format json``: a list with one object per
        row (the command has always printed a list, not an object)."""
        return writers.records(self.table)

    def to_text(self, format: str = "csv") -> str:
        """The plan as ``csv``, ``json`` or a ``table`` for people."""
        fmt = opt.choice(format, "format", ("csv", "json", "table"))
        if fmt == "csv":
            return writers.csv_text(self.table, dialect="arrow")
        if fmt == "json":
            return writers.json_text(self.as_dict(), indent=None)
        return writers.text_table(self.table, title="staffing plan")

    def file_data(self, path: str | Path, *, format: str | None = None) -> str | bytes:
        """What :meth:`write` puts in ``path`` (format: default from the suffix)."""
        fmt = opt.file_format(path, PLAN_FORMATS, format)
        return writers.xlsx_bytes({"plan": self.table}) if fmt == "xlsx" else self.to_text(fmt)

    def write(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the plan to ``path`` (whole or not at all) as ``format`` (csv, json,
        table, xlsx; default: from the file's suffix). A CSV is the plan file that
        ``simulate`` and ``schedule`` read."""
        return writers.write_file(path, self.file_data(path, format=format))


def plan(
    *,
    forecast: str | Path | pa.Table | pd.DataFrame | Forecast,
    interval: Duration = "30m",
    threshold: Duration | None = None,
    target: Number = DEFAULT_TARGET,
    patience: Duration | None = None,
    max_occupancy: Number | None = None,
    shrinkage: Number = 0.0,
    asa_target: Duration | None = None,
    max_abandon: Number | None = None,
    concurrency: Number = 1,
    sl_definition: str = "offered",
) -> StaffingPlan:
    """Agents for every row of a forecast (the file ``contactcenter forecast`` writes, a
    CSV with interval_start, queue, calls, aht_s and optionally patience_s; such a table;
    or a :class:`~contactcenter.app.forecast.Forecast`), with the predicted KPIs.

    ``interval`` is the length of one row's interval. Rows with a ``patience_s`` use
    Erlang A, the others ``patience`` if given, else Erlang C. The targets and defaults
    are those of :func:`staff`. A bad cell is a FormatError naming the file and line.
    """
    from contactcenter.forecasting.files import read_forecast

    k = opt.whole(concurrency, "concurrency", 1, limits.MAX_CONCURRENCY)
    threshold_s = opt.threshold(
        threshold, "threshold", concurrency=k, maximum=limits.MAX_DURATION_S
    )
    interval_s = opt.positive_duration(
        interval, "interval", maximum=limits.MAX_DURATION_S, minimum=limits.MIN_DURATION_S
    )
    target_sl = opt.fraction(target, "target", closed_top=False)
    patience_s = opt.optional_duration(
        patience, "patience", maximum=limits.MAX_DURATION_S, minimum=limits.MIN_DURATION_S
    )
    cap = opt.fraction(max_occupancy, "max_occupancy", closed_top=True)
    shrink = opt.share(shrinkage, "shrinkage", maximum=limits.MAX_SHRINKAGE)
    asa_s = opt.optional_duration(asa_target, "asa_target", maximum=limits.MAX_DURATION_S)
    ab_cap = opt.fraction(max_abandon, "max_abandon", closed_top=True)
    definition = opt.choice(sl_definition, "sl_definition", SL_DEFINITIONS)
    source = opt.tabular(forecast)
    rows = read_forecast(source, field="forecast")
    _check_rows(rows, source, interval_s, k)
    table = _plan_table(
        rows,
        interval_s=interval_s,
        threshold_s=threshold_s,
        target_sl=target_sl,
        patience_s=patience_s,
        cap=cap,
        shrink=shrink,
        asa_s=asa_s,
        ab_cap=ab_cap,
        k=k,
        definition=definition,
    )
    return StaffingPlan(table=table, interval_s=interval_s, threshold_s=threshold_s)


def _check_rows(table: pa.Table, source: Any, interval_s: float, k: int) -> None:
    """Refuse, naming the file and line, a row whose AHT or patience is longer than a day
    or whose load is above the documented bound (before any allocation)."""
    is_file = isinstance(source, str | Path)

    def where(i: int) -> tuple[str, int | None, str]:
        return (str(source), i + 2, "") if is_file else ("<forecast>", None, f"row {i + 1}: ")

    day = limits.MAX_DURATION_S
    least = limits.MIN_DURATION_S
    for name in ("aht_s", "patience_s"):
        if name not in table.column_names:
            continue
        values = table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
        bad = np.flatnonzero(values > day)
        if bad.size:
            path, line, row = where(int(bad[0]))
            raise FormatError(
                path, line, f"{row}{name} must be at most {day:g} s (a day), got {values[bad[0]]:g}"
            )
        bad = np.flatnonzero((values > 0) & (values < least))
        if bad.size:
            path, line, row = where(int(bad[0]))
            raise FormatError(
                path, line, f"{row}{name} must be at least {least:g} s, got {values[bad[0]]:g}"
            )
    calls = table.column("calls").to_numpy(zero_copy_only=False).astype(np.float64)
    aht = table.column("aht_s").to_numpy(zero_copy_only=False).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        load = np.where(calls > 0, calls / interval_s * aht, 0.0)
    most = _max_load(k)
    bad = np.flatnonzero(load > most)
    if bad.size:
        i = int(bad[0])
        path, line, row = where(i)
        raise FormatError(
            path,
            line,
            f"{row}{calls[i]:g} calls per {format_duration(interval_s)} with aht_s "
            f"{aht[i]:g} is a load of {load[i]:.4g} Erlangs; at most {most:,.0f} "
            "(docs/cli.md, bounds)",
        )


def _plan_table(
    table: pa.Table,
    *,
    interval_s: float,
    threshold_s: float,
    target_sl: float | None,
    patience_s: float | None,
    cap: float | None,
    shrink: float,
    asa_s: float | None,
    ab_cap: float | None,
    k: int,
    definition: str,
) -> pa.Table:
    """The plan's rows: the forecast's columns plus the staffing columns."""
    n_rows = table.num_rows
    calls = table.column("calls").to_numpy(zero_copy_only=False).astype(np.float64)
    aht_raw = table.column("aht_s").to_numpy(zero_copy_only=False).astype(np.float64)
    aht = np.where(aht_raw > 0, aht_raw, 1.0)  # rows without calls need no AHT
    has_patience = "patience_s" in table.column_names
    patience = np.full(n_rows, np.nan if patience_s is None else patience_s)
    if has_patience:
        given = table.column("patience_s").to_numpy(zero_copy_only=False).astype(np.float64)
        patience = np.where(np.isnan(given), patience, given)
    load = calls / interval_s * aht
    if k > 1:
        results = [
            chat_required_agents(
                arrival_rate_per_s=calls[i] / interval_s,
                aht_s=float(aht[i]),
                concurrency=k,
                patience_s=None if math.isnan(patience[i]) else float(patience[i]),
                threshold_s=threshold_s,
                target_sl=target_sl,
                max_asa_s=asa_s,
                max_abandon=ab_cap,
                max_occupancy=cap,
                sl_definition=definition,
            ).as_dict()
            for i in range(n_rows)
        ]
        agents = np.array([int(r["agents"]) for r in results], dtype=np.int64)
        metric = {
            key: np.array([float(r[key]) for r in results])
            for key in ("service_level", "p_wait", "asa_s", "occupancy", "p_abandon")
        }
    else:
        req = required_agents(
            load_erl=load,
            aht_s=aht,
            threshold_s=threshold_s,
            target_sl=target_sl,
            patience_s=patience,
            max_asa_s=asa_s,
            max_abandon=ab_cap,
            max_occupancy=cap,
            sl_definition=definition,
        )
        agents = req.agents
        metric = {
            "service_level": req.metrics.service_level,
            "p_wait": req.metrics.p_wait,
            "asa_s": req.metrics.asa_s,
            "occupancy": req.metrics.occupancy,
            "p_abandon": req.metrics.p_abandon,
        }
    columns: dict[str, Any] = {
        "interval_start": table.column("interval_start"),
        "queue": table.column("queue"),
        "calls": pa.array(calls),
        "aht_s": pa.array(aht_raw, mask=np.isnan(aht_raw)),
    }
    if has_patience or patience_s is not None:
        columns["patience_s"] = pa.array(patience, mask=np.isnan(patience))
    columns["load_erl"] = pa.array(load)
    columns["agents"] = pa.array(agents)
    columns["gross_agents"] = pa.array(gross_agents(agents=agents, shrinkage=shrink))
    undefined = agents == 0  # nothing offered: every ratio is null
    for key, values in metric.items():
        values = np.asarray(values, dtype=np.float64)
        columns[key] = pa.array(values, mask=undefined | ~np.isfinite(values))
    return pa.table(columns)


# --------------------------------------------------------------------------- simulate
def _check_span(first: dt.datetime, length_s: float) -> None:
    """Refuse a run that starts before 1970 or whose periods end after 9999-12-31."""
    if first < limits.EARLIEST_START:
        raise InputError(
            f"{{field}} must be 1970-01-01T00:00Z or later, got {first.isoformat()}",
            field="start",
        )
    latest = limits.LATEST_END - first
    if length_s > latest.total_seconds():
        raise InputError(
            f"{{field}} {first.isoformat()}: a run of {length_s:.6g} s would end after "
            "9999-12-31; start earlier or simulate fewer periods",
            field="start",
        )


def _check_plan_run(plan_rows: PlanFile, series: Any) -> None:
    """Refuse a plan whose queue has more rows, contacts or agents than one run takes."""
    if series.calls.size > limits.MAX_PERIODS:
        raise FormatError(
            plan_rows.source,
            None,
            f"queue {series.queue!r} has {series.calls.size:,} intervals; at most "
            f"{limits.MAX_PERIODS:,} in one run",
            field="plan",
        )
    expected = float(np.sum(series.calls))
    if expected > limits.MAX_SIM_CONTACTS:
        raise FormatError(
            plan_rows.source,
            None,
            f"queue {series.queue!r} expects {expected:.4g} contacts; at most "
            f"{limits.MAX_SIM_CONTACTS:,} in one run",
            field="plan",
        )
    for name, values, most in (
        ("agents", series.agents, float(limits.MAX_SIM_SLOTS)),
        ("aht_s", series.aht_s, limits.MAX_DURATION_S),
    ):
        bad = np.flatnonzero(values > most)
        if bad.size:
            raise FormatError(
                plan_rows.source,
                None,
                f"queue {series.queue!r}, interval {int(bad[0]) + 1}: {name} "
                f"{values[bad[0]]:g} is more than {most:,.0f}",
                field="plan",
            )
    least = limits.MIN_DURATION_S
    bad = np.flatnonzero((series.aht_s > 0) & (series.aht_s < least))
    if bad.size:
        raise FormatError(
            plan_rows.source,
            None,
            f"queue {series.queue!r}, interval {int(bad[0]) + 1}: aht_s "
            f"{series.aht_s[bad[0]]:g} is less than {least:g} s",
            field="plan",
        )


@dataclass(frozen=True)
class Simulation:
    """The answer of :func:`simulate`: the run's KPIs. offered, answered, abandoned,
    service_level, asa_s and p_abandon are computed by the metric catalog over the run's
    contacts (:data:`SIMULATION_METRICS`, S = 0); p_wait, occupancy and mean_wait_s by
    the simulator (:mod:`contactcenter.simulation.output`).

    offered, answered, abandoned: contacts; threshold_s: T; service_level: answered within
    T / offered; p_wait: share that waited; asa_s: mean wait of answered contacts;
    p_abandon: abandoned / offered; occupancy: busy / on-duty agent time; mean_wait_s:
    mean wait of all arrivals (the models' ASA); contacts: rows of the contacts table;
    seed, start: the run's seed and first instant; output: where the contacts were
    written (None when not). The ratios are None when nothing was offered. queue and
    channel name the contacts; run is the simulator's own result.
    """

    offered: int
    answered: int
    abandoned: int
    threshold_s: float
    service_level: float | None
    p_wait: float | None
    asa_s: float | None
    p_abandon: float | None
    occupancy: float | None
    mean_wait_s: float | None
    contacts: int
    seed: int
    start: dt.datetime
    queue: str
    channel: str
    output: str | None = None
    summary: dict[str, Any] = field(default_factory=dict, repr=False)
    run: SimulationResult | None = field(default=None, repr=False, compare=False)
    agents: list[dict[str, Any]] | None = field(default=None, repr=False)
    """With a simulated team: each agent's own figures (agent, logged_in_s, available_s,
    handling_s, not_ready_s, contacts_handled, occupancy, scheduled_s, late_login_s,
    out_of_adherence_s, adherence; docs/staffing.md, "A simulated team")."""
    queue_log: str | None = None
    schedule_output: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``contactcenter simulate --format json`` (same keys, same order;
        with a team also ``agents``, ``queue_log``, ``schedule_output``)."""
        out = {key: _clean(value) for key, value in self.summary.items()}
        out["seed"] = self.seed
        out["start"] = self.start.isoformat()
        if self.output is not None:
            out["output"] = self.output
        if self.queue_log is not None:
            out["queue_log"] = self.queue_log
        if self.schedule_output is not None:
            out["schedule_output"] = self.schedule_output
        if self.agents is not None:
            out["agents"] = [{k: _clean(v) for k, v in row.items()} for row in self.agents]
        return out

    @functools.cached_property
    def table(self) -> pa.Table:
        """The simulated contacts as canonical ``contacts`` rows (what the store loads)."""
        from contactcenter.simulation import to_contacts

        if self.run is None:
            raise InputError("{field}: this result has no run to turn into contacts", field="run")
        return to_contacts(self.run, start=self.start, queue=self.queue, channel=self.channel)

    def to_text(self, format: str = "json") -> str:
        """The KPIs as ``json`` or as a ``table`` for people."""
        if opt.choice(format, "format", ("json", "table")) == "json":
            return writers.json_text(self.as_dict())
        pairs = self.as_dict()
        pairs.pop("agents", None)
        text = writers.text_pairs(pairs, title="simulation")
        if self.agents:
            import pandas as pd

            text += "\n" + pd.DataFrame(self.agents).to_string(index=False) + "\n"
        return text


SIMULATION_METRICS: dict[str, str] = {
    "offered": "offered",
    "answered": "answered",
    "abandoned": "abandoned",
    "service_level": "service_level",
    "asa_s": "asa_s",
    "p_abandon": "abandon_rate_raw",
}
"""Keys of a simulation's summary that the metric catalog computes -> the catalog metric."""


def _measured(contacts: pa.Table, threshold_s: float) -> dict[str, Any]:
    """The catalog's metrics of :data:`SIMULATION_METRICS` over a run's contacts, with
    T = ``threshold_s`` and no short abandons (S = 0: the queueing models count every
    abandon), so that loading the contacts and reporting them gives the same numbers.
    Counts are 0 and ratios None for an empty run."""
    from contactcenter.app.report import request_of
    from contactcenter.engines.duckdb_engine import open_memory
    from contactcenter.reports.query import run_report

    request = request_of(
        metrics=list(SIMULATION_METRICS.values()), threshold=threshold_s, short_abandon=0
    )
    engine = open_memory({"contacts": contacts})
    try:
        rows = run_report(engine, request).table.to_pylist()
    finally:
        engine.close()
    row = rows[0] if rows else {}
    out = {key: row.get(metric) for key, metric in SIMULATION_METRICS.items()}
    for count in ("offered", "answered", "abandoned"):
        out[count] = int(out[count] or 0)
    return out


def simulate(
    *,
    calls: Number | None = None,
    period: Duration | None = None,
    aht: Duration | Sequence[Duration] | None = None,
    agents: Number | None = None,
    plan: str | Path | pa.Table | pd.DataFrame | PlanFile | StaffingPlan | None = None,
    interval: Duration = "30m",
    patience: Duration | None = None,
    threshold: Duration | None = None,
    periods: Number = 1,
    seed: Number = 0,
    service: str = "exponential",
    service_cv: Number = 1.0,
    concurrency: Number = 1,
    start: str | dt.datetime | None = None,
    queue: str | None = None,
    output: str | Path | None = None,
    schedule: str | Path | None = None,
    queue_log: str | Path | None = None,
    schedule_output: str | Path | None = None,
    late_login_share: Number = 0,
    late_login_mean: Duration = "5m",
    overrun_share: Number = 0,
    overrun_mean: Duration = "3m",
    pause_rate: Number = 0,
    pause_mean: Duration = "3m",
    tolerance: Duration = "60s",
) -> Simulation:
    """Simulate a queue (seeded: same inputs, same run) and summarize it.

    Either ``calls`` (expected arrivals per period), ``period``, ``aht`` and ``agents``
    for ``periods`` periods, or ``plan``: one queue (``queue``, or the only one) of a
    staffing plan (the file ``plan`` writes, such a table or a :class:`StaffingPlan`),
    whose rows are
    ``interval`` apart, each with its Poisson arrivals, AHT and agents. ``patience`` is
    the mean of exponential patience (none: nobody abandons); ``service`` exponential
    or lognormal handle times with coefficient of variation ``service_cv``;
    ``concurrency`` > 1 simulates chat. ``start`` is the first instant (default
    2025-01-06T08:00Z, or the plan's first interval; naive times are UTC). ``output``
    writes the canonical contacts there as Parquet (whole or not at all).

    A **simulated team** (docs/staffing.md, "A simulated team") answers the calls when
    ``schedule`` (a ``schedule_csv`` file naming the agents; then not ``agents``),
    ``queue_log`` or ``schedule_output`` is given: without a schedule, agent i works
    every period with more than i agents. Agents log in late (``late_login_share`` of the
    shifts, by an exponential time of mean ``late_login_mean``), overrun breaks and
    lunches (``overrun_share``, ``overrun_mean``) and pause unscheduled
    (``pause_rate`` per hour available, of mean ``pause_mean``). ``queue_log`` writes the
    run as an Asterisk queue_log (agent and call events), ``schedule_output`` the team's
    schedule as ``schedule_csv``; ``agents`` of the answer holds each agent's own
    figures (adherence with runs of ``tolerance`` or shorter ignored).
    """
    from contactcenter.simulation import DEFAULT_START, summarize, to_contacts
    from contactcenter.simulation import simulate as run_queue
    from contactcenter.simulation.output import team_rows, to_queue_log, to_schedule_csv

    for name, target in (
        ("output", output), ("queue_log", queue_log), ("schedule_output", schedule_output)
    ):  # fmt: skip
        if target is not None:
            writers.check_target(target, name)
    team_mode = schedule is not None or queue_log is not None or schedule_output is not None
    behaviour = _behaviour(
        team_mode,
        late_login_share=late_login_share,
        late_login_mean=late_login_mean,
        overrun_share=overrun_share,
        overrun_mean=overrun_mean,
        pause_rate=pause_rate,
        pause_mean=pause_mean,
    )
    tolerance_s = opt.duration(tolerance, "tolerance", maximum=limits.MAX_DURATION_S)
    schedule_rows = _schedule_rows(schedule) if schedule is not None else None
    k = opt.whole(concurrency, "concurrency", 1, limits.MAX_CONCURRENCY)
    patience_s = opt.optional_duration(
        patience, "patience", maximum=limits.MAX_DURATION_S, minimum=limits.MIN_DURATION_S
    )
    threshold_s = opt.threshold(
        threshold, "threshold", concurrency=k, maximum=limits.MAX_DURATION_S
    )
    seed_value = opt.whole(seed, "seed", 0, limits.MAX_SEED)
    kind = opt.choice(service, "service", SERVICE_KINDS)
    cv = opt.positive(service_cv, "service_cv")
    if cv > limits.MAX_SERVICE_CV:
        raise InputError(
            f"{{field}} must be at most {limits.MAX_SERVICE_CV:g}, got {service_cv}",
            field="service_cv",
        )
    first = opt.instant(start, "start") if start is not None else None
    common: dict[str, Any] = {
        "patience_s": patience_s,
        "service": kind,
        "service_cv": cv,
        "seed": seed_value,
    }
    if team_mode and k != 1:
        raise InputError(
            "{field}: a simulated team answers calls (voice); leave concurrency at 1",
            field="concurrency",
        )
    if schedule_rows is not None and agents is not None:
        raise InputError(
            "{field} comes from the schedule, which names the agents; leave it out",
            field="agents",
        )
    if schedule_rows is not None and first is None and plan is None:
        first = min((row[2] for row in schedule_rows), default=None)
    if plan is not None:
        from contactcenter.staffing.plan_file import queue_series, read_plan

        given = [
            name
            for name, value in (
                ("calls", calls), ("period", period), ("aht", aht),
                ("agents", agents), ("concurrency", None if k == 1 else concurrency),
            )
            if value is not None
        ]  # fmt: skip
        if given:
            raise InputError(
                "{field} comes from the plan, which gives calls, AHT and agents; leave it out",
                field=given[0],
            )
        interval_s = opt.positive_duration(
            interval, "interval", maximum=limits.MAX_DURATION_S, minimum=limits.MIN_DURATION_S
        )
        plan_rows = read_plan(opt.tabular(plan), field="plan")
        series = queue_series(plan_rows, queue=queue, interval_s=interval_s)
        _check_plan_run(plan_rows, series)
        first = first or series.start
        _check_span(first, series.calls.size * interval_s)
        team = _team(
            team_mode, schedule_rows, series.agents, interval_s, first, schedule, "interval"
        )
        run = run_queue(
            calls_per_interval=series.calls,
            interval_s=interval_s,
            agents_per_interval=series.agents if team is None else 0,
            aht_s=float(np.mean(series.aht_s)),
            interval_aht_s=series.aht_s,
            team=team,
            behaviour=behaviour,
            **common,
        )
        queue_name = series.queue
    else:
        described = {"calls": calls, "period": period, "aht": aht, "agents": agents}
        if schedule_rows is not None:
            described.pop("agents")
        missing = [name for name, value in described.items() if value is None]
        if missing:
            raise InputError(
                "{field} is required (or give a plan): calls, period, aht and agents "
                "describe the queue",
                field=missing[0],
            )
        assert calls is not None
        assert period is not None
        assert aht is not None
        n_calls = opt.non_negative(calls, "calls")
        period_s = opt.positive_duration(
            period, "period", maximum=limits.MAX_PERIOD_S, minimum=limits.MIN_DURATION_S
        )
        levels = opt.aht_levels(
            aht, "aht", k, maximum=limits.MAX_DURATION_S, minimum=limits.MIN_DURATION_S
        )
        n_agents = (
            0 if agents is None else opt.whole(agents, "agents", 1, limits.MAX_SIM_SLOTS // k)
        )
        n_periods = opt.whole(periods, "periods", 1, limits.MAX_PERIODS)
        expected = n_calls * n_periods
        if expected > limits.MAX_SIM_CONTACTS:
            raise InputError(
                f"{{field}} {n_calls:g} per period for {n_periods:,} periods is about "
                f"{expected:.4g} contacts; at most {limits.MAX_SIM_CONTACTS:,} in one run",
                field="calls",
            )
        first = first or DEFAULT_START
        _check_span(first, n_periods * period_s)
        team = _team(
            team_mode,
            schedule_rows,
            np.full(n_periods, n_agents),
            period_s,
            first,
            schedule,
            "period",
        )
        run = run_queue(
            calls_per_interval=np.full(n_periods, n_calls),
            interval_s=period_s,
            agents_per_interval=n_agents,
            aht_s=levels,
            concurrency=k,
            team=team,
            behaviour=behaviour,
            **common,
        )
        queue_name = queue or "simulated"
    channel = "chat" if k > 1 else "voice"
    with opt.renamed(start="start"):  # refuses contacts past the last date-time
        contacts = to_contacts(run, start=first, queue=queue_name, channel=channel)
    own = summarize(run)
    measured = _measured(contacts, threshold_s)
    summary: dict[str, Any] = {
        "offered": measured["offered"],
        "answered": measured["answered"],
        "abandoned": measured["abandoned"],
        "threshold_s": threshold_s,
        "service_level": measured["service_level"],
        "p_wait": own["p_wait"],
        "asa_s": measured["asa_s"],
        "p_abandon": measured["p_abandon"],
        "occupancy": own["occupancy"],
        "mean_wait_s": own["mean_wait_s"],
        "contacts": own["contacts"],
    }
    result = Simulation(
        offered=int(summary["offered"]),
        answered=int(summary["answered"]),
        abandoned=int(summary["abandoned"]),
        threshold_s=float(summary["threshold_s"]),
        service_level=_clean(summary["service_level"]),
        p_wait=_clean(summary["p_wait"]),
        asa_s=_clean(summary["asa_s"]),
        p_abandon=_clean(summary["p_abandon"]),
        occupancy=_clean(summary["occupancy"]),
        mean_wait_s=_clean(summary["mean_wait_s"]),
        contacts=int(summary["contacts"]),
        seed=seed_value,
        start=first,
        queue=queue_name,
        channel=channel,
        output=None if output is None else str(output),
        summary=summary,
        run=run,
        agents=team_rows(run, tolerance_s=tolerance_s) if run.team is not None else None,
        queue_log=None if queue_log is None else str(queue_log),
        schedule_output=None if schedule_output is None else str(schedule_output),
    )
    files: list[tuple[str | Path, str | bytes, str]] = []
    if output is not None:
        import pyarrow.parquet as pq

        buffer = io.BytesIO()
        pq.write_table(contacts, buffer)
        files.append((output, buffer.getvalue(), "output"))
    if queue_log is not None:
        with opt.renamed(start="start"):
            files.append((queue_log, to_queue_log(run, start=first, queue=queue_name), "queue_log"))
    if schedule_output is not None:
        files.append((schedule_output, to_schedule_csv(run, start=first), "schedule_output"))
    if files:
        writers.write_files(files)  # all of them or none
    return result


def _behaviour(
    team_mode: bool,
    *,
    late_login_share: Number,
    late_login_mean: Duration,
    overrun_share: Number,
    overrun_mean: Duration,
    pause_rate: Number,
    pause_mean: Duration,
) -> Behaviour:
    """The team's departures from the schedule; refused without a team."""
    from contactcenter.simulation.team import Behaviour

    def probability(value: Number, name: str) -> float:
        p = opt.number(value, name, allowed="a probability in [0, 1]")
        if not 0 <= p <= 1:
            raise InputError(f"{{field}} must be in [0, 1], got {value}", field=name)
        return p

    def mean(value: Duration, name: str) -> float:
        return opt.positive_duration(value, name, maximum=limits.MAX_DURATION_S, minimum=1.0)

    rate = opt.non_negative(pause_rate, "pause_rate")
    if rate > limits.MAX_PAUSE_RATE_PER_H:
        raise InputError(
            f"{{field}} must be at most {limits.MAX_PAUSE_RATE_PER_H:g} per hour, got {pause_rate}",
            field="pause_rate",
        )
    result = Behaviour(
        late_login_share=probability(late_login_share, "late_login_share"),
        late_login_mean_s=mean(late_login_mean, "late_login_mean"),
        overrun_share=probability(overrun_share, "overrun_share"),
        overrun_mean_s=mean(overrun_mean, "overrun_mean"),
        pause_rate_per_h=rate,
        pause_mean_s=mean(pause_mean, "pause_mean"),
    )
    if not team_mode:
        for name, value in (
            ("late_login_share", result.late_login_share),
            ("overrun_share", result.overrun_share),
            ("pause_rate", result.pause_rate_per_h),
        ):
            if value:
                raise InputError(
                    "{field} applies to a simulated team: give a schedule, a queue_log or a "
                    "schedule_output",
                    field=name,
                )
    return result


def _schedule_rows(schedule: str | Path) -> list[tuple[str, str, dt.datetime, dt.datetime]]:
    """The rows of a schedule_csv file (errors name the file and line)."""
    from contactcenter.simulation.team import read_schedule

    path = Path(schedule)
    if not path.is_file():
        raise InputError(f"{{field}}: no such file {str(path)!r}", field="schedule")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(str(path), None, f"not UTF-8 text (byte offset {exc.start})",
                          field="schedule") from None  # fmt: skip
    return read_schedule(text, source=str(path))


def _team(
    team_mode: bool,
    rows: list[tuple[str, str, dt.datetime, dt.datetime]] | None,
    agents_per_interval: Any,
    interval_s: float,
    first: dt.datetime,
    source: str | Path | None,
    interval_field: str,
) -> Team | None:
    """The simulated team: the schedule's agents, or the staffing's (agent i works the
    periods with more than i agents); None without a team."""
    from contactcenter.simulation.team import team_from_rows, team_from_staffing

    if not team_mode:
        return None
    if first.timestamp() != int(first.timestamp()):
        raise InputError(
            f"{{field}} {first.isoformat()} must be a whole second for a simulated team",
            field="start",
        )
    if rows is not None:
        team = team_from_rows(rows, first, source=str(source))
    else:
        counts = np.asarray(agents_per_interval, dtype=np.int64)
        if interval_s != int(interval_s):
            raise InputError(
                f"{{field}} must be whole seconds for a simulated team, got {interval_s:g}",
                field=interval_field,
            )
        cells = int(counts.max(initial=0)) * counts.size
        if cells > limits.MAX_TEAM_CELLS:
            raise InputError(
                f"{{field}}: {int(counts.max(initial=0)):,} agents over {counts.size:,} periods "
                f"is more than {limits.MAX_TEAM_CELLS:,} agent-periods for a simulated team",
                field="agents",
            )
        team = team_from_staffing(counts.tolist(), int(interval_s))
    if len(team.names) > limits.MAX_TEAM_AGENTS:
        raise InputError(
            f"{{field}}: {len(team.names):,} agents; a simulated team has at most "
            f"{limits.MAX_TEAM_AGENTS:,}",
            field="schedule" if rows is not None else "agents",
        )
    return team
