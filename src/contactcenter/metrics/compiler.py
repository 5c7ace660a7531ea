"""Compile a list of catalog metrics plus group keys into one Ibis expression.

The expression runs unchanged on every Ibis engine (DuckDB, PySpark). Time keys are
computed with integer arithmetic on epoch seconds shifted to the report's time zone (see
:mod:`contactcenter.metrics.timezones`), because engines disagree on time functions:
Ibis's ``bucket()`` is not defined for PySpark and DuckDB's ``time_bucket`` has no Spark
equivalent.

Group keys (raw values in the query; :func:`contactcenter.reports.result.finish` turns
them into the documented strings):

============  ==========================================================  ==============
key           raw value                                                   shown as
============  ==========================================================  ==============
interval      local epoch // interval_s * interval_s                      interval_start
                                                                          YYYY-MM-DD HH:MM:SS
hour          hour of day 0..23 of the local time                          hour (int)
day           local days since 1970-01-01                                  day YYYY-MM-DD
week          local day number of that ISO week's Monday                   week YYYY-Www
month         year * 100 + month (civil calendar from the day number)      month YYYY-MM
queue         queue                                                        queue
channel       channel                                                      channel
agent         agent_id                                                     agent
============  ==========================================================  ==============

A contact belongs to the period of its ``offered_at``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from contactcenter.errors import InputError
from contactcenter.metrics.catalog import CONDITIONS, FLAG_PARTS, Metric, linear_terms
from contactcenter.metrics.thresholds import Thresholds

GROUP_KEYS: dict[str, str] = {
    "interval": "interval_start",
    "hour": "hour",
    "day": "day",
    "week": "week",
    "month": "month",
    "queue": "queue",
    "channel": "channel",
    "agent": "agent",
}
"""Accepted ``--by`` keys and the output column each becomes."""

STRING_KEYS = ("queue", "channel", "agent")
NULL_KEY = "\u2205"
"""Stands for a null string key inside the query (so joins match it); shown as null."""

SHARE_COLUMNS = ("offered_at", "outcome", "wait_s", "queue", "channel", "agent_id")
"""The contacts columns sl_target_met_share needs (time, outcome, wait, levels, keys)."""
SUMMED_VALUES: dict[str, tuple[str, ...]] = {"handle_s": ("talk_s", "hold_s", "acw_s")}
"""Row values that are sums of other values with nulls counted as 0: never null, and
their mean is the sum of their parts' sums over the contacts' count (no per-row sum)."""
COVERAGE_COLUMNS = (
    "_answered_total",
    "_answered_with_talk",
    "_answered_with_hold",
    "_answered_with_acw",
)
"""Hidden columns: how many answered contacts record each handle-time component."""


@dataclass(frozen=True)
class ReportSpec:
    """What to compute: metrics, keys, interval, thresholds, time zone and filters.

    ``start_epoch``/``end_epoch`` filter offered_at to [start, end) in UTC epoch seconds.
    ``tz_segments`` are the report zone's (from_epoch, offset_s) pairs for the data range.
    ``engine`` names the engine the expression will run on (for engine-specific fast paths
    that give the same values).
    """

    metrics: tuple[Metric, ...]
    by: tuple[str, ...] = ()
    interval_s: int = 1800
    thresholds: Thresholds = field(default_factory=Thresholds)
    tz_segments: tuple[tuple[int, int], ...] = ((0, 0),)
    start_epoch: int | None = None
    end_epoch: int | None = None
    queues: tuple[str, ...] = ()
    engine: str = "duckdb"

    def __post_init__(self) -> None:
        unknown = [k for k in self.by if k not in GROUP_KEYS]
        if unknown:
            raise InputError(
                f"--by: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(GROUP_KEYS)}"
            )
        if len(set(self.by)) != len(self.by):
            raise InputError(f"--by: a key is repeated in {','.join(self.by)}")
        if self.interval_s <= 0 or 86400 % self.interval_s:
            raise InputError(
                f"--interval must divide a day evenly (15m, 30m, 60m, ...), got {self.interval_s} s"
            )


def _epoch_us_stub(ts: Any) -> Any:
    """DuckDB's built-in epoch_us(TIMESTAMPTZ): microseconds since 1970-01-01 UTC."""
    raise NotImplementedError  # never called: DuckDB runs its own function


_duckdb_epoch_us: Any = ibis.udf.scalar.builtin(
    _epoch_us_stub, name="epoch_us", signature=((dt.Timestamp(timezone="UTC"),), dt.int64)
)


def utc_epoch(ts: ir.TimestampValue, engine: str) -> ir.IntegerValue:
    """Whole seconds since 1970-01-01 UTC of an instant (floor, for instants after 1970).

    Ibis's ``epoch_seconds()`` casts to a naive TIMESTAMP first; on DuckDB that cast of a
    TIMESTAMPTZ goes through ICU time-zone conversion and costs more than all the rest of
    the key arithmetic (about 2.4 s of CPU per 10M rows), so DuckDB reads the stored
    microseconds instead (docs/benchmarks.md). Other engines keep the portable form.
    """
    if engine == "duckdb":
        return (_duckdb_epoch_us(ts) // 1_000_000).cast("int64")
    return ts.epoch_seconds().floor().cast("int64")


def _flag(expr: ir.BooleanValue) -> ir.BooleanValue:
    return expr.fill_null(False)


def _constant(thresholds: Thresholds, attr: str) -> float | None:
    """The threshold/target every contact gets when no queue rule or channel differs."""
    values = {float(getattr(level, attr)) for level in thresholds.channels.values()}
    values |= {float(v) for r in thresholds.queues if (v := getattr(r, attr)) is not None}
    return values.pop() if len(values) == 1 else None


def _level_expr(t: ir.Table, thresholds: Thresholds, attr: str) -> ir.FloatingValue:
    """Per-row threshold/target as a CASE over queue rules, then channel levels."""
    cases: list[tuple[ir.BooleanValue, float]] = []
    for rule in thresholds.queues:
        value = getattr(rule, attr)
        if value is None:  # the row's channel level applies, as below
            continue
        cond = t.queue == rule.queue
        if rule.channel is not None:
            cond = cond & (t.channel == rule.channel)
        cases.append((_flag(cond), float(value)))
    default = float(getattr(thresholds.channels["voice"], attr))
    # Channel cases come last and exclude each other, so one whose level equals the
    # default can be left out: its rows fall through to the same value.
    for channel, level in thresholds.channels.items():
        if float(getattr(level, attr)) != default:
            cases.append((t.channel == channel, float(getattr(level, attr))))
    if not cases:
        return ibis.literal(default)
    return ibis.cases(*((c, ibis.literal(v)) for c, v in cases), else_=ibis.literal(default))


def _local_epoch(
    t: ir.Table, segments: tuple[tuple[int, int], ...], engine: str
) -> ir.IntegerValue:
    utc = utc_epoch(t.offered_at, engine)
    if len({off for _, off in segments}) == 1:
        return utc + segments[0][1]
    cases = [(utc < nxt, ibis.literal(off)) for (_, off), (nxt, _) in itertools.pairwise(segments)]
    offset = ibis.cases(*cases, else_=ibis.literal(segments[-1][1]))
    return utc + offset.cast("int64")


def _month_key(day: ir.IntegerValue) -> ir.IntegerValue:
    """year * 100 + month from days since 1970-01-01 (H. Hinnant's civil_from_days)."""
    z = day + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = ibis.ifelse(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + ibis.ifelse(month <= 2, 1, 0)
    return (year * 100 + month).cast("int64")


def _prepare(table: ir.Table, spec: ReportSpec) -> ir.Table:
    """Filter, then add the local epoch, the target and every key column."""
    t = table
    if spec.queues:
        t = t.filter(t.queue.isin(list(spec.queues)))
    utc = utc_epoch(t.offered_at, spec.engine)
    if spec.start_epoch is not None:
        t = t.filter(utc >= spec.start_epoch)
    if spec.end_epoch is not None:
        t = t.filter(utc < spec.end_epoch)
    local = _local_epoch(t, spec.tz_segments, spec.engine)
    t = t.mutate(_local=local, _target=_level_expr(t, spec.thresholds, "target"))
    day = t._local // 86400
    keys: dict[str, Any] = {
        "interval_start": t._local // spec.interval_s * spec.interval_s,
        "hour": (t._local // 3600) % 24,
        "day": day,
        "week": day - (day + 3) % 7,
        "month": _month_key(day),
        # string keys stay as stored here (a computed string defeats the engine's
        # dictionary-encoded grouping); nulls become NULL_KEY after aggregating
        "queue": t.queue,
        "channel": t.channel,
        "agent": t.agent_id,
    }
    return t.mutate(
        **{GROUP_KEYS[k]: keys[GROUP_KEYS[k]] for k in spec.by}, _bucket=keys["interval_start"]
    )


CONDITION_EXPRS: dict[str, Callable[[ir.Table, Thresholds], ir.BooleanValue]] = {
    "wait_below_short_abandon": lambda t, th: t.wait_s < _level_expr(t, th, "short_abandon_s"),
    "wait_within_threshold": lambda t, th: t.wait_s <= _level_expr(t, th, "threshold_s"),
    "transferred": lambda t, th: t.transferred,
}
"""The catalog's row conditions (:data:`CONDITIONS`) as expressions on the prepared rows."""
assert set(CONDITION_EXPRS) == set(CONDITIONS)


Combine = Callable[[ir.Table], ir.Value]
"""Builds a second-level aggregate from the first-level table of partials."""


class _Partials:
    """The first level of a report: plain aggregates per (keys, outcome) of the prepared
    rows, registered by what the metrics need and shared between them.

    Each registration returns how the second level combines the partials of the outcomes
    a flag names (:data:`~contactcenter.metrics.catalog.FLAG_PARTS`): sums of counts and
    sums, sums over sums of non-null counts for means, maxima of maxima. A percentile
    names one outcome, so its quantiles are final at the first level. Every row updates
    one first-level group with no per-metric filter, which is what makes the report fast
    (docs/benchmarks.md); the numbers are those of aggregating the rows directly.
    """

    def __init__(self, t: ir.Table, thresholds: Thresholds) -> None:
        self.t = t
        self.thresholds = thresholds
        self.constant_target = _constant(thresholds, "target")
        self.aggs: dict[str, ir.Value] = {}
        self.arrays: dict[str, int] = {}

    def _add(self, name: str, make: Callable[[], ir.Value]) -> str:
        if name not in self.aggs:
            self.aggs[name] = make()
        return name

    def _condition(self, cond: str | None) -> ir.BooleanValue | None:
        if cond is None:
            return None
        return _flag(CONDITION_EXPRS[cond](self.t, self.thresholds))

    def _value(self, of: str) -> ir.Value:
        if of in SUMMED_VALUES:
            parts = [self.t[part].fill_null(0) for part in SUMMED_VALUES[of]]
            total = parts[0]
            for part in parts[1:]:
                total = total + part
            return total
        return self.t[of]

    def count(self, flag: str) -> Combine:
        """Contacts with ``flag``."""
        outcomes, cond = FLAG_PARTS[flag]
        c = self._condition(cond)
        name = self._add(
            f"_n_{cond or 'all'}",
            lambda: self.t.count() if c is None else c.cast("int64").sum(),
        )
        return lambda p: p[name].sum(where=_among(p, outcomes)).fill_null(0)

    def sum(self, of: str, flag: str) -> Combine:
        """Sum of ``of`` (as an integer) over contacts with ``flag``; 0 when none."""
        outcomes, cond = FLAG_PARTS[flag]
        c = self._condition(cond)
        name = self._add(
            f"_isum_{of}_{cond or 'all'}", lambda: self._value(of).cast("int64").sum(where=c)
        )
        return lambda p: p[name].sum(where=_among(p, outcomes)).fill_null(0)

    def non_null(self, of: str, flag: str) -> Combine:
        """Contacts with ``flag`` whose ``of`` is recorded."""
        if of in SUMMED_VALUES:
            return self.count(flag)
        outcomes, cond = FLAG_PARTS[flag]
        c = self._condition(cond)
        name = self._add(f"_nn_{of}_{cond or 'all'}", lambda: self._value(of).count(where=c))
        return lambda p: p[name].sum(where=_among(p, outcomes)).fill_null(0)

    def mean(self, of: str, flag: str) -> Combine:
        """Mean of ``of`` over contacts with ``flag`` (nulls skipped); null when none."""
        if of in SUMMED_VALUES:
            sums = [self._float_sum(part, flag) for part in SUMMED_VALUES[of]]
            count = self.count(flag)

            def summed_mean(p: ir.Table) -> ir.Value:
                total = sums[0](p).fill_null(0)
                for part_sum in sums[1:]:
                    total = total + part_sum(p).fill_null(0)
                return total / count(p).nullif(0).cast("float64")

            return summed_mean
        total = self._float_sum(of, flag)
        n = self.non_null(of, flag)
        return lambda p: total(p) / n(p).nullif(0).cast("float64")

    def _float_sum(self, of: str, flag: str) -> Combine:
        """Sum of ``of`` as a float over contacts with ``flag``; null when none recorded."""
        outcomes, cond = FLAG_PARTS[flag]
        c = self._condition(cond)
        total = self._add(
            f"_fsum_{of}_{cond or 'all'}", lambda: self._value(of).cast("float64").sum(where=c)
        )
        return lambda p: p[total].sum(where=_among(p, outcomes))

    def max(self, of: str, flag: str) -> Combine:
        """Maximum of ``of`` over contacts with ``flag``."""
        outcomes, cond = FLAG_PARTS[flag]
        c = self._condition(cond)
        name = self._add(f"_max_{of}_{cond or 'all'}", lambda: self._value(of).max(where=c))
        return lambda p: p[name].max(where=_among(p, outcomes))

    def quantiles(self, of: str, flag: str, qs: list[float]) -> list[Combine]:
        """Quantiles ``qs`` (linear interpolation) of ``of`` over contacts with ``flag``,
        which names one outcome; one sort of the values for all of them."""
        outcomes, cond = FLAG_PARTS[flag]
        (outcome,) = outcomes
        c = self._condition(cond)
        where = self.t.outcome == outcome if c is None else (self.t.outcome == outcome) & c
        name = f"_q{len(self.arrays)}"
        self.aggs[name] = self._value(of).cast("float64").quantile(qs, where=where)
        self.arrays[name] = len(qs)

        def element(j: int) -> Combine:
            return lambda p: p[f"{name}_{j}"].max(where=p.outcome == outcome)

        return [element(j) for j in range(len(qs))]

    def target(self) -> Combine:
        """The strictest service-level target of the group's contacts."""
        if self.constant_target is not None:
            value = self.constant_target
            return lambda p: ibis.literal(value)
        name = self._add("_target_max", lambda: self.t._target.max())
        return lambda p: p[name].max()

    def table(self, keys: list[str]) -> ir.Table:
        """The first level: one row per (keys, outcome), quantile lists unpacked."""
        grouped = self.t.group_by([*keys, "outcome"]).aggregate(**self.aggs)
        unpack = {
            f"{name}_{j}": grouped[name][j] for name, n in self.arrays.items() for j in range(n)
        }
        return grouped.mutate(**unpack) if unpack else grouped


def _among(p: ir.Table, outcomes: tuple[str, ...]) -> ir.BooleanValue:
    if len(outcomes) == 1:
        return p.outcome == outcomes[0]
    return p.outcome.isin(list(outcomes))


def _combine(parts: _Partials, metric: Metric) -> Combine:
    """Register the partials ``metric`` needs; return how the second level computes it."""
    if metric.kind == "count":
        assert metric.where is not None
        return parts.count(metric.where)
    if metric.kind == "ratio":
        assert metric.numerator is not None
        assert metric.denominator is not None
        num = _linear(parts, metric.numerator)
        den = _linear(parts, metric.denominator)
        return lambda p: num(p).cast("float64") / den(p).nullif(0).cast("float64")
    assert metric.of is not None
    assert metric.where is not None
    if metric.kind == "sum":
        return parts.sum(metric.of, metric.where)
    if metric.kind == "mean":
        return parts.mean(metric.of, metric.where)
    if metric.kind == "max":
        return parts.max(metric.of, metric.where)
    raise AssertionError(f"unhandled kind {metric.kind}")


def _linear(parts: _Partials, text: str) -> Combine:
    terms = [(sign, parts.count(name)) for sign, name in linear_terms(text)]

    def combine(p: ir.Table) -> ir.Value:
        total: ir.IntegerValue | None = None
        for sign, count in terms:
            term = count(p)
            if total is None:
                total = term if sign > 0 else -term
            else:
                total = total + term if sign > 0 else total - term
        assert total is not None
        return total

    return combine


def _aggregate(p: ir.Table, keys: list[str], combines: dict[str, Combine]) -> ir.Table:
    aggs = {name: combine(p) for name, combine in combines.items()}
    return p.group_by(keys).aggregate(**aggs) if keys else p.aggregate(**aggs)


def _interval_counts(parts: _Partials) -> dict[str, Combine]:
    offered, in_threshold = parts.count("offered"), parts.count("answered_in_threshold")
    short = parts.count("short_abandoned")
    return {
        "_offered": offered,
        "_sl_num": in_threshold,
        "_sl_den": lambda p: offered(p) - short(p),
        "_target": parts.target(),
    }


def compile_report(table: ir.Table, spec: ReportSpec) -> ir.Table:
    """One expression: the metrics of ``spec`` per group of ``spec.by`` over ``table``.

    ``table`` has the canonical contacts columns. Key columns come first (raw values, see
    the module docstring), then one column per metric in the order given, then the
    hidden coverage columns (:data:`COVERAGE_COLUMNS`). The expression aggregates in two
    levels (:class:`_Partials`): per (keys, outcome), then per keys.
    """
    t = _prepare(table, spec)
    keys = [GROUP_KEYS[k] for k in spec.by]
    parts = _Partials(t, spec.thresholds)
    combines: dict[str, Combine] = {
        m.name: _combine(parts, m)
        for m in spec.metrics
        if m.kind not in ("interval_share", "percentile")
    }
    # Percentiles of the same values share one sort: one multi-quantile aggregate per
    # (of, where).
    quantiles: dict[tuple[str, str], list[Metric]] = {}
    for m in spec.metrics:
        if m.kind == "percentile":
            assert m.of is not None
            assert m.where is not None
            quantiles.setdefault((m.of, m.where), []).append(m)
    for (of, where), ms in quantiles.items():
        qs = [m.q for m in ms if m.q is not None]
        combines.update(zip((m.name for m in ms), parts.quantiles(of, where, qs), strict=True))
    combines["_answered_total"] = parts.count("answered")
    for part in ("talk", "hold", "acw"):
        combines[f"_answered_with_{part}"] = parts.non_null(f"{part}_s", "answered")
    shares = [m.name for m in spec.metrics if m.kind == "interval_share"]
    one_interval = bool(shares) and "interval_start" in keys
    if one_interval:
        # Each group is one interval: its share comes from its own counts, in the same
        # aggregation (no second pass over the rows, no join).
        combines.update(_interval_counts(parts))
    grouped = _null_keys(_aggregate(parts.table(keys), keys, combines), keys)
    if one_interval:
        grouped = grouped.mutate(**dict.fromkeys(shares, _share(grouped)))
    if shares and not one_interval:
        grouped = _with_interval_share(table, spec, grouped, keys, shares)
    order = [*keys, *(m.name for m in spec.metrics), *COVERAGE_COLUMNS]
    return grouped.select(*order)


def _null_keys(grouped: ir.Table, keys: list[str]) -> ir.Table:
    """Null string keys as :data:`NULL_KEY`, so that joins on the keys match them."""
    fill = {k: grouped[k].fill_null(NULL_KEY) for k in keys if k in STRING_KEYS}
    return grouped.mutate(**fill) if fill else grouped


def _measured_and_met(per_interval: ir.Table) -> tuple[ir.BooleanValue, ir.BooleanValue]:
    """Per interval row: whether it has a service level (offered > 0 and a non-empty
    denominator), and whether that service level meets the target."""
    sl = per_interval._sl_num.cast("float64") / per_interval._sl_den.nullif(0).cast("float64")
    measured = (per_interval._offered > 0) & sl.notnull()
    return measured, _flag(measured & (sl >= per_interval._target))


def _share(per_interval: ir.Table) -> ir.FloatingValue:
    """Share of the intervals meeting the target when each row is one interval (met /
    measured: 1, 0, or null when the interval has no service level)."""
    measured, met = _measured_and_met(per_interval)
    return met.cast("int64").cast("float64") / measured.cast("int64").nullif(0).cast("float64")


def _with_interval_share(
    table: ir.Table, spec: ReportSpec, grouped: ir.Table, keys: list[str], names: list[str]
) -> ir.Table:
    """Join the share of intervals meeting the target, computed one level below ``keys``
    (keys + interval bucket), for groups that span several intervals.

    It prepares its own rows from a narrow projection of the contacts: were both parts of
    the query to share one prepared table, DuckDB would materialise all its rows (about
    1 GB at 10M contacts) instead of scanning the table twice.
    """
    t = _prepare(table.select(*SHARE_COLUMNS), spec)
    parts = _Partials(t, spec.thresholds)
    interval_keys = [*keys, "_bucket"]
    counts = _interval_counts(parts)  # registers the partials before the table is built
    per_interval = _aggregate(parts.table(interval_keys), interval_keys, counts)
    measured, met = _measured_and_met(per_interval)
    per_interval = per_interval.mutate(_measured=measured.cast("int64"), _met=met.cast("int64"))
    summary_aggs = {
        "_share": per_interval._met.sum().cast("float64")
        / per_interval._measured.sum().nullif(0).cast("float64")
    }
    if keys:
        summary = _null_keys(per_interval.group_by(keys).aggregate(**summary_aggs), keys)
        joined = grouped.join(summary, keys)
    else:
        summary = per_interval.aggregate(**summary_aggs)
        joined = grouped.cross_join(summary)
    return joined.mutate(**dict.fromkeys(names, joined._share)).drop("_share")
