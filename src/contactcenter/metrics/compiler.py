"""Compile a list of catalog metrics plus group keys into one Ibis expression.

The expression runs unchanged on every Ibis engine (DuckDB, PySpark). Time keys are
computed with integer arithmetic on epoch seconds shifted to the report's time zone (see
:mod:`contactcenter.metrics.timezones`), because engines disagree on time functions:
Ibis's ``bucket()`` is not defined for PySpark and DuckDB's ``time_bucket`` has no Spark
equivalent.

Group keys (raw values in the query; :func:`contactcenter.report.result.finish` turns
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
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from contactcenter.errors import InputError
from contactcenter.metrics.catalog import Metric, linear_terms
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

FINISHED = ("answered", "abandoned", "timed_out")
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


def _level_expr(t: ir.Table, thresholds: Thresholds, attr: str) -> ir.FloatingValue:
    """Per-row threshold/target as a CASE over queue rules, then channel levels."""
    cases: list[tuple[ir.BooleanValue, Any]] = []
    for rule in thresholds.queues:
        value = getattr(rule, attr)
        if value is None:  # the row's channel level applies, as below
            continue
        cond = t.queue == rule.queue
        if rule.channel is not None:
            cond = cond & (t.channel == rule.channel)
        cases.append((_flag(cond), ibis.literal(float(value))))
    for channel, level in thresholds.channels.items():
        cases.append((t.channel == channel, ibis.literal(float(getattr(level, attr)))))
    default = float(getattr(thresholds.channels["voice"], attr))
    return ibis.cases(*cases, else_=ibis.literal(default))


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
    """Filter, then add the local epoch, the row flags, values and every key column."""
    t = table
    if spec.queues:
        t = t.filter(t.queue.isin(list(spec.queues)))
    utc = utc_epoch(t.offered_at, spec.engine)
    if spec.start_epoch is not None:
        t = t.filter(utc >= spec.start_epoch)
    if spec.end_epoch is not None:
        t = t.filter(utc < spec.end_epoch)
    local = _local_epoch(t, spec.tz_segments, spec.engine)
    threshold = _level_expr(t, spec.thresholds, "threshold_s")
    short = _level_expr(t, spec.thresholds, "short_abandon_s")
    target = _level_expr(t, spec.thresholds, "target")
    answered = t.outcome == "answered"
    abandoned = t.outcome == "abandoned"
    t = t.mutate(
        _local=local,
        _target=target,
        offered=t.outcome.isin(list(FINISHED)),
        answered=answered,
        abandoned=abandoned,
        timed_out=t.outcome == "timed_out",
        ivr_abandoned=t.outcome == "ivr_abandoned",
        in_progress=t.outcome == "in_progress",
        short_abandoned=_flag(abandoned & (t.wait_s < short)),
        answered_in_threshold=_flag(answered & (t.wait_s <= threshold)),
        abandoned_in_threshold=_flag(abandoned & (t.wait_s <= threshold)),
        transferred_flag=_flag(answered & t.transferred),
        handle_s=t.talk_s.fill_null(0) + t.hold_s.fill_null(0) + t.acw_s.fill_null(0),
    )
    day = t._local // 86400
    keys: dict[str, Any] = {
        "interval_start": t._local // spec.interval_s * spec.interval_s,
        "hour": (t._local // 3600) % 24,
        "day": day,
        "week": day - (day + 3) % 7,
        "month": _month_key(day),
        "queue": t.queue.fill_null(NULL_KEY),
        "channel": t.channel.fill_null(NULL_KEY),
        "agent": t.agent_id.fill_null(NULL_KEY),
    }
    return t.mutate(
        **{GROUP_KEYS[k]: keys[GROUP_KEYS[k]] for k in spec.by}, _bucket=keys["interval_start"]
    )


def _count(t: ir.Table, flag: str) -> ir.IntegerValue:
    column = "transferred_flag" if flag == "transferred" else flag
    return t[column].cast("int64").sum()


def _aggregate(t: ir.Table, metric: Metric) -> ir.Value:
    if metric.kind == "count":
        assert metric.where is not None
        return _count(t, metric.where)
    if metric.kind == "ratio":
        assert metric.numerator is not None
        assert metric.denominator is not None
        num = _linear(t, metric.numerator)
        den = _linear(t, metric.denominator)
        return num.cast("float64") / den.nullif(0).cast("float64")
    assert metric.of is not None
    assert metric.where is not None
    where = t[metric.where]
    value = t[metric.of]
    if metric.kind == "sum":
        return value.cast("int64").sum(where=where).fill_null(0)
    if metric.kind == "mean":
        return value.cast("float64").mean(where=where)
    if metric.kind == "max":
        return value.max(where=where)
    if metric.kind == "percentile":
        assert metric.q is not None
        return value.cast("float64").quantile(metric.q, where=where)
    raise AssertionError(f"unhandled kind {metric.kind}")


def _linear(t: ir.Table, text: str) -> ir.IntegerValue:
    total: ir.IntegerValue | None = None
    for sign, name in linear_terms(text):
        term = _count(t, name)
        if total is None:
            total = term if sign > 0 else -term
        else:
            total = total + term if sign > 0 else total - term
    assert total is not None
    return total


def compile_report(table: ir.Table, spec: ReportSpec) -> ir.Table:
    """One expression: the metrics of ``spec`` per group of ``spec.by`` over ``table``.

    ``table`` has the canonical contacts columns. Key columns come first (raw values, see
    the module docstring), then one column per metric in the order given, then the
    hidden coverage columns (:data:`COVERAGE_COLUMNS`).
    """
    t = _prepare(table, spec)
    keys = [GROUP_KEYS[k] for k in spec.by]
    plain = [m for m in spec.metrics if m.kind not in ("interval_share", "percentile")]
    aggs: dict[str, ir.Value] = {m.name: _aggregate(t, m) for m in plain}
    # Percentiles of the same values share one sort: one multi-quantile aggregate per
    # (of, where), unpacked after the aggregation.
    quantiles: dict[tuple[str, str], list[Metric]] = {}
    for m in spec.metrics:
        if m.kind == "percentile":
            assert m.of is not None
            assert m.where is not None
            quantiles.setdefault((m.of, m.where), []).append(m)
    unpack: dict[str, ir.Value] = {}
    for i, ((of, where), ms) in enumerate(quantiles.items()):
        qs = [m.q for m in ms]
        aggs[f"_q{i}"] = t[of].cast("float64").quantile(qs, where=t[where])
    aggs["_answered_total"] = _count(t, "answered")
    aggs["_answered_with_talk"] = t.talk_s.notnull().cast("int64").sum(where=t.answered)
    aggs["_answered_with_hold"] = t.hold_s.notnull().cast("int64").sum(where=t.answered)
    aggs["_answered_with_acw"] = t.acw_s.notnull().cast("int64").sum(where=t.answered)
    shares = [m.name for m in spec.metrics if m.kind == "interval_share"]
    one_interval = bool(shares) and "interval_start" in keys
    if one_interval:
        # Each group is one interval: its share comes from its own counts, in the same
        # aggregation (no second pass over the rows, no join).
        aggs.update(_interval_counts(t))
    grouped = t.group_by(keys).aggregate(**aggs) if keys else t.aggregate(**aggs)
    for i, (_, ms) in enumerate(quantiles.items()):
        for j, m in enumerate(ms):
            unpack[m.name] = grouped[f"_q{i}"][j]
    if one_interval:
        share = _share(grouped)
        unpack.update(dict.fromkeys(shares, share))
    if unpack:
        grouped = grouped.mutate(**unpack)
    if shares and not one_interval:
        grouped = _with_interval_share(t, grouped, keys, shares)
    order = [*keys, *(m.name for m in spec.metrics), *COVERAGE_COLUMNS]
    return grouped.select(*order)


def _interval_counts(t: ir.Table) -> dict[str, ir.Value]:
    return {
        "_offered": _count(t, "offered"),
        "_sl_num": _count(t, "answered_in_threshold"),
        "_sl_den": _count(t, "offered") - _count(t, "short_abandoned"),
        "_target": t._target.max(),
    }


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
    t: ir.Table, grouped: ir.Table, keys: list[str], names: list[str]
) -> ir.Table:
    """Join the share of intervals meeting the target, computed one level below ``keys``
    (keys + interval bucket), for groups that span several intervals."""
    per_interval = t.group_by([*keys, "_bucket"]).aggregate(**_interval_counts(t))
    measured, met = _measured_and_met(per_interval)
    per_interval = per_interval.mutate(_measured=measured.cast("int64"), _met=met.cast("int64"))
    summary_aggs = {
        "_share": per_interval._met.sum().cast("float64")
        / per_interval._measured.sum().nullif(0).cast("float64")
    }
    if keys:
        summary = per_interval.group_by(keys).aggregate(**summary_aggs)
        joined = grouped.join(summary, keys)
    else:
        summary = per_interval.aggregate(**summary_aggs)
        joined = grouped.cross_join(summary)
    return joined.mutate(**dict.fromkeys(names, joined._share)).drop("_share")
