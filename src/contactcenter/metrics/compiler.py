"""Compile catalog metrics plus group keys into one Ibis expression over several facts.

The expression runs unchanged on every Ibis engine (DuckDB, PySpark). Its parts:

* **Flow part, one per fact** the metrics read (count, sum, ratio, mean, max, percentile,
  interval_share): the fact's rows filtered by queue and time, keyed (interval, day, ...
  from the fact's time column in the report's zone, queue/channel/agent from the columns
  the fact declares), aggregated in two levels: per (keys, partition value) with plain
  aggregates every row updates, then per keys combining the partials
  (docs/decisions/0003-report-speed.md). Hidden counts for the fact's notes ride along.
* **Snapshot part, one per snapshot metric**: rows open at the end of each period (a
  running sum of +1 at ``since`` and -1 at ``until`` over the period grid), or at the
  end of the selection when no period key is asked for.
* The parts are **joined on the group keys** (full outer join; a group one fact lacks
  has 0 for its counts and null for its means), then **derived** metrics combine
  metrics of different facts (occupancy = handling / (handling + available)).

A report that reads one fact is one aggregation, as fast as a hand-written query.
Group keys are declared and decoded in :mod:`contactcenter.metrics.keys`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from contactcenter.errors import InputError
from contactcenter.facts import table_spec
from contactcenter.metrics.catalog import BY_NAME, PART_KINDS, STAND_INS, Metric, linear_terms
from contactcenter.metrics.keys import (
    KEYS,
    NULL_KEY,
    PERIOD_KEYS,
    STRING_KEYS,
    TIME_KEYS,
    period_bounds,
    periods,
    python_key,
    time_key,
)
from contactcenter.metrics.measures import Context, Measures, Source, measures_of, with_added
from contactcenter.metrics.options import OutcomeOptions
from contactcenter.metrics.thresholds import Thresholds, constant_level, level_expr
from contactcenter.units import DAY_S, check_interval

GROUP_KEYS = KEYS
"""Accepted ``by`` keys and the output column each becomes (see :mod:`.keys`)."""

ADDITIVE = ("count", "sum", "snapshot", "overlap", "distinct")
"""Kinds whose value for a group no fact row reached is 0 (not null)."""


@dataclass(frozen=True)
class ReportSpec:
    """What to compute: metrics, keys, interval, thresholds, time zone and filters.

    ``start_epoch``/``end_epoch`` filter each fact's time column to [start, end) in UTC
    epoch seconds; ``queues``, ``channels`` and ``agents`` keep only those queues,
    channels and agents.
    ``tz_segments`` are the report zone's (from_epoch, offset_s) pairs for the data
    range. ``period_range`` is the local-time range [lo, hi] whose periods snapshot and
    overlap metrics report (default: the filter range), ``part_ranges`` the same per
    fact where it differs (None: the fact has no rows to report); ``empty_facts`` the
    facts known to hold no rows of the selection; ``snapshot_at`` the UTC epoch
    a snapshot without a period key is taken at. ``tolerance_s``: deviations from the
    schedule this long or shorter are not out of adherence. ``engine`` names the engine the
    expression will run on (for engine-specific fast paths that give the same values).
    ``outcomes`` are the options of the outcome metrics (repeat window, top box, CSI
    weights).
    """

    metrics: tuple[Metric, ...]
    by: tuple[str, ...] = ()
    interval_s: int = 1800
    thresholds: Thresholds = field(default_factory=Thresholds)
    tz_segments: tuple[tuple[int, int], ...] = ((0, 0),)
    start_epoch: int | None = None
    end_epoch: int | None = None
    queues: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    engine: str = "duckdb"
    period_range: tuple[int, int] | None = None
    part_ranges: Mapping[str, tuple[int, int] | None] = field(default_factory=dict)
    empty_facts: frozenset[str] = frozenset()
    snapshot_at: int | None = None
    tolerance_s: float = 60.0
    outcomes: OutcomeOptions = field(default_factory=OutcomeOptions)

    def __post_init__(self) -> None:
        unknown = [k for k in self.by if k not in KEYS]
        if unknown:
            raise InputError(
                f"{{field}}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}",
                field="by",
            )
        if len(set(self.by)) != len(self.by):
            raise InputError(f"{{field}}: a key is repeated in {','.join(self.by)}", field="by")
        check_interval(self.interval_s, field="interval")


def unsupported(
    metric: Metric,
    by: tuple[str, ...],
    queues: tuple[str, ...],
    channels: tuple[str, ...] = (),
    interval_s: int = 1800,
    *,
    agents: tuple[str, ...] = (),
) -> str | None:
    """Why ``metric`` cannot be reported by ``by`` (or filtered by queue, channel or
    agent), or None."""
    for fact in metric.facts:
        keys = table_spec(fact).keys
        missing = [k for k in by if k not in TIME_KEYS and k not in keys]
        if queues and "queue" not in keys:
            missing.append("queue")
        if channels and "channel" not in keys:
            missing.append("channel")
        if agents and "agent" not in keys:
            missing.append("agent")
        if missing:
            return f"{metric.name} reads {fact}, which has no {', '.join(dict.fromkeys(missing))}"
    kinds = {metric.kind} | {BY_NAME[p].kind for p in metric.parts if metric.kind == "derived"}
    times = [k for k in by if k in TIME_KEYS]
    if "snapshot" in kinds and not snapshot_keys_ok(times, interval_s):
        return (
            f"{metric.name} is a count at the end of each period: group it by one of "
            f"{', '.join(PERIOD_KEYS)}, or by day and hour (and queue, channel, agent)"
        )
    return None


def unsupported_interval(metric: Metric, by: tuple[str, ...], interval_s: int) -> str | None:
    """Why ``metric`` cannot be reported per interval of ``interval_s`` seconds, or None
    (a fact of time spans cut at ``grain_s`` needs intervals that are multiples of it)."""
    if "interval" not in by:
        return None
    for fact in metric.facts:
        grain = table_spec(fact).grain_s
        if grain is not None and interval_s % grain:
            return (
                f"{metric.name} reads {fact}, whose rows are cut every {grain} s: use an "
                f"interval that is a multiple of {grain} s"
            )
    return None


def _context(spec: ReportSpec) -> Context:
    """What flag conditions may read besides the row (thresholds, queue scope, tolerance)."""
    return Context(
        spec.thresholds,
        by_queue="queue" in spec.by or bool(spec.queues),
        tolerance_s=spec.tolerance_s,
        outcomes=spec.outcomes,
        engine=spec.engine,
    )


# ----------------------------------------------------------------------------- time
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


def _local_epoch(utc: ir.IntegerValue, segments: tuple[tuple[int, int], ...]) -> ir.IntegerValue:
    if len({off for _, off in segments}) == 1:
        return utc + segments[0][1]
    cases = [(utc < nxt, ibis.literal(off)) for (_, off), (nxt, _) in itertools.pairwise(segments)]
    offset = ibis.cases(*cases, else_=ibis.literal(segments[-1][1]))
    return utc + offset.cast("int64")


def _flag(expr: ir.BooleanValue) -> ir.BooleanValue:
    return expr.fill_null(False)


# ----------------------------------------------------------------------------- flows
def fact_rows(source: Source, fact: str, ctx: Context) -> ir.Table:
    """The rows of ``fact``: the stored table, or for a derived fact the rows its
    measures build from the stored facts (before any filter: a derived row may depend on
    rows outside the report's selection, as a repeat after the period's end does)."""
    derive = measures_of(fact).derive
    return source(fact) if derive is None else derive(source, ctx)


class _Fact:
    """One fact's rows prepared for a report: filtered, keyed, with its vocabulary."""

    def __init__(self, source: Source, fact: str, spec: ReportSpec, *, target: bool) -> None:
        self.fact = fact
        self.spec = spec
        self.table_spec = table_spec(fact)
        self.measures: Measures = measures_of(fact)
        self.ctx = _context(spec)
        self.keys = [KEYS[k] for k in spec.by]
        self.t = self._prepare(fact_rows(source, fact, self.ctx), target=target)

    def column(self, key: str) -> str:
        """The fact's column for group key ``key``."""
        return self.table_spec.keys[key]

    def _prepare(self, table: ir.Table, *, target: bool) -> ir.Table:
        spec = self.spec
        t = table
        if self.measures.rows is not None:
            t = t.filter(_flag(self.measures.conditions[self.measures.rows](t, self.ctx)))
        if spec.queues:
            t = t.filter(t[self.column("queue")].isin(list(spec.queues)))
        if spec.channels:
            t = t.filter(t[self.column("channel")].isin(list(spec.channels)))
        if spec.agents:
            t = t.filter(t[self.column("agent")].isin(list(spec.agents)))
        time = t[self.table_spec.time]
        utc = utc_epoch(time, spec.engine)
        if spec.start_epoch is not None:
            t = t.filter(utc >= spec.start_epoch)
        if spec.end_epoch is not None:
            t = t.filter(utc < spec.end_epoch)
        local = _local_epoch(utc_epoch(t[self.table_spec.time], spec.engine), spec.tz_segments)
        t = t.mutate(_local=local)
        if target:
            t = t.mutate(_target=self.level(t, "target"))
        keys: dict[str, Any] = {}
        for k in spec.by:
            if k in TIME_KEYS:
                keys[KEYS[k]] = time_key(t._local, k, spec.interval_s)
            else:
                # string keys stay as stored here (a computed string defeats the engine's
                # dictionary-encoded grouping); nulls become NULL_KEY after aggregating
                keys[KEYS[k]] = t[self.column(k)]
        return t.mutate(**keys, _bucket=time_key(t._local, "interval", spec.interval_s))

    def level(self, t: ir.Table, attr: str) -> ir.FloatingValue:
        """The per-row threshold level ``attr`` (queue rule, else channel level)."""
        keys = self.table_spec.keys
        return level_expr(
            t,
            self.spec.thresholds,
            attr,
            queue=keys.get("queue", "queue"),
            channel=keys.get("channel", "channel"),
        )


Combine = Callable[[ir.Table], ir.Value]
"""Builds a second-level aggregate from the first-level table of partials."""


class _Partials:
    """The first level of a fact's part: plain aggregates per (keys, partition value) of
    the prepared rows, registered by what the metrics need and shared between them.

    Each registration returns how the second level combines the partials of the
    partition values a flag names: sums of counts and sums, sums over sums of non-null
    counts for means, maxima of maxima. A percentile names one partition value, so its
    quantiles are final at the first level. Every row updates one first-level group with
    no per-metric filter, which is what makes the report fast (docs/benchmarks.md); the
    numbers are those of aggregating the rows directly.
    """

    def __init__(self, fact: _Fact) -> None:
        self.fact = fact
        self.t = fact.t
        self.measures = fact.measures
        self.partition = fact.measures.partition
        self.aggs: dict[str, ir.Value] = {}
        self.arrays: dict[str, int] = {}

    def _add(self, name: str, make: Callable[[], ir.Value]) -> str:
        if name not in self.aggs:
            self.aggs[name] = make()
        return name

    def _condition(self, conds: tuple[str, ...]) -> tuple[str, ir.BooleanValue | None]:
        if not conds:
            return "all", None
        expr: ir.BooleanValue | None = None
        for name in conds:
            part = _flag(self.measures.conditions[name](self.t, self.fact.ctx))
            expr = part if expr is None else expr & part
        return "+".join(conds), expr

    def _among(self, p: ir.Table, values: tuple[str, ...] | None) -> ir.BooleanValue | None:
        if values is None or self.partition is None:
            return None
        if len(values) == 1:
            return p[self.partition] == values[0]
        return p[self.partition].isin(list(values))

    def _value(self, of: str) -> ir.Value:
        if of in self.measures.summed:
            parts = [self.t[part].fill_null(0) for part in self.measures.summed[of]]
            total = parts[0]
            for part in parts[1:]:
                total = total + part
            return total
        return self.t[of]

    def count(self, flag_name: str | None) -> Combine:
        """Rows with the flag."""
        flag = self.measures.flag(flag_name)
        label, c = self._condition(flag.conditions)
        name = self._add(
            f"_n_{label}", lambda: self.t.count() if c is None else c.cast("int64").sum()
        )
        return lambda p: p[name].sum(where=self._among(p, flag.partition)).fill_null(0)

    def sum(self, of: str, flag_name: str | None) -> Combine:
        """Sum of ``of`` over rows with the flag; 0 when none (floats stay floats)."""
        flag = self.measures.flag(flag_name)
        label, c = self._condition(flag.conditions)
        value = self._value(of)
        kind = "int64" if value.type().is_integer() else "float64"
        name = self._add(f"_sum_{of}_{label}", lambda: value.cast(kind).sum(where=c))
        return lambda p: p[name].sum(where=self._among(p, flag.partition)).fill_null(0)

    def non_null(self, of: str, flag_name: str | None) -> Combine:
        """Rows with the flag whose ``of`` is recorded."""
        if of in self.measures.summed:
            return self.count(flag_name)
        flag = self.measures.flag(flag_name)
        label, c = self._condition(flag.conditions)
        name = self._add(f"_nn_{of}_{label}", lambda: self._value(of).count(where=c))
        return lambda p: p[name].sum(where=self._among(p, flag.partition)).fill_null(0)

    def mean(self, of: str, flag_name: str | None) -> Combine:
        """Mean of ``of`` over rows with the flag (nulls skipped); null when none."""
        if of in self.measures.summed:
            sums = [self._float_sum(part, flag_name) for part in self.measures.summed[of]]
            count = self.count(flag_name)

            def summed_mean(p: ir.Table) -> ir.Value:
                total = sums[0](p).fill_null(0)
                for part_sum in sums[1:]:
                    total = total + part_sum(p).fill_null(0)
                return total / count(p).nullif(0).cast("float64")

            return summed_mean
        total = self._float_sum(of, flag_name)
        n = self.non_null(of, flag_name)
        return lambda p: total(p) / n(p).nullif(0).cast("float64")

    def _float_sum(self, of: str, flag_name: str | None) -> Combine:
        """Sum of ``of`` as a float over rows with the flag; null when none recorded."""
        flag = self.measures.flag(flag_name)
        label, c = self._condition(flag.conditions)
        total = self._add(
            f"_fsum_{of}_{label}", lambda: self._value(of).cast("float64").sum(where=c)
        )
        return lambda p: p[total].sum(where=self._among(p, flag.partition))

    def distinct(self, of: str, flag_name: str | None) -> Combine:
        """Distinct values of ``of`` over rows with the flag (a fact without a partition:
        the first level has one row per group, so its count is final)."""
        flag = self.measures.flag(flag_name)
        label, c = self._condition(flag.conditions)
        name = self._add(f"_nd_{of}_{label}", lambda: self.t[of].nunique(where=c))
        return lambda p: p[name].sum().fill_null(0)

    def max(self, of: str, flag_name: str | None) -> Combine:
        """Maximum of ``of`` over rows with the flag."""
        flag = self.measures.flag(flag_name)
        label, c = self._condition(flag.conditions)
        name = self._add(f"_max_{of}_{label}", lambda: self._value(of).max(where=c))
        return lambda p: p[name].max(where=self._among(p, flag.partition))

    def quantiles(self, of: str, flag_name: str | None, qs: list[float]) -> list[Combine]:
        """Quantiles ``qs`` (linear interpolation) of ``of`` over rows with the flag, which
        names one partition value; one sort of the values for all of them."""
        flag = self.measures.flag(flag_name)
        _, c = self._condition(flag.conditions)
        where = c
        if self.partition is not None and flag.partition is not None:
            (value,) = flag.partition
            own = self.t[self.partition] == value
            where = own if c is None else own & c
        name = f"_q{len(self.arrays)}"
        self.aggs[name] = self._value(of).cast("float64").quantile(qs, where=where)
        self.arrays[name] = len(qs)

        def element(j: int) -> Combine:
            return lambda p: p[f"{name}_{j}"].max(where=self._among(p, flag.partition))

        return [element(j) for j in range(len(qs))]

    def target(self) -> Combine:
        """The strictest target of the group's rows."""
        constant = constant_level(self.fact.spec.thresholds, "target")
        if constant is not None:
            return lambda p: ibis.literal(constant)
        name = self._add("_target_max", lambda: self.t._target.max())
        return lambda p: p[name].max()

    def table(self, keys: list[str]) -> ir.Table:
        """The first level: one row per (keys, partition value), quantile lists unpacked."""
        by = [*keys, self.partition] if self.partition else keys
        aggs = self.aggs or {"_rows": self.t.count()}
        grouped = self.t.group_by(by).aggregate(**aggs) if by else self.t.aggregate(**aggs)
        unpack = {
            f"{name}_{j}": grouped[name][j] for name, n in self.arrays.items() for j in range(n)
        }
        return grouped.mutate(**unpack) if unpack else grouped


def _combine(parts: _Partials, metric: Metric) -> Combine:
    """Register the partials ``metric`` needs; return how the second level computes it."""
    if metric.kind == "count":
        return parts.count(metric.where)
    if metric.kind == "ratio":
        assert metric.numerator is not None
        assert metric.denominator is not None
        num = _linear(parts, metric.numerator)
        den = _linear(parts, metric.denominator)
        return lambda p: num(p).cast("float64") / den(p).nullif(0).cast("float64")
    assert metric.of is not None
    if metric.kind == "sum":
        return parts.sum(metric.of, metric.where)
    if metric.kind == "distinct":
        return parts.distinct(metric.of, metric.where)
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


def _share_counts(parts: _Partials, metric: Metric) -> dict[str, Combine]:
    """An interval's numerator, denominator and target of the ratio ``metric.of``."""
    base = BY_NAME[metric.of or ""]
    assert base.numerator is not None
    assert base.denominator is not None
    return {
        "_sl_num": _linear(parts, base.numerator),
        "_sl_den": _linear(parts, base.denominator),
        "_target": parts.target(),
    }


HIDDEN_PREFIX = "_h_"


def hidden_column(fact: str, name: str) -> str:
    """The output column of a fact's hidden count (summed into the report's notes)."""
    return f"{HIDDEN_PREFIX}{fact}__{name}"


def split_hidden(column: str) -> tuple[str, str]:
    """The (fact, name) of a hidden column (:func:`hidden_column`)."""
    fact, _, name = column.removeprefix(HIDDEN_PREFIX).partition("__")
    return fact, name


def _flow_part(
    source: Source, fact: str, metrics: list[Metric], spec: ReportSpec
) -> tuple[ir.Table, list[str]]:
    """One fact's metrics per group (see the module docstring) and its hidden columns."""
    shares = [m for m in metrics if m.kind == "interval_share"]
    prepared = _Fact(source, fact, spec, target=bool(shares))
    keys = prepared.keys
    parts = _Partials(prepared)
    combines: dict[str, Combine] = {
        m.name: _combine(parts, m)
        for m in metrics
        if m.kind not in ("interval_share", "percentile")
    }
    # Percentiles of the same values share one sort: one multi-quantile aggregate per
    # (of, where).
    quantiles: dict[tuple[str, str | None], list[Metric]] = {}
    for m in metrics:
        if m.kind == "percentile":
            assert m.of is not None
            quantiles.setdefault((m.of, m.where), []).append(m)
    for (of, where), ms in quantiles.items():
        qs = [m.q for m in ms if m.q is not None]
        combines.update(zip((m.name for m in ms), parts.quantiles(of, where, qs), strict=True))
    hidden = []
    for name, h in prepared.measures.hidden.items():
        column = hidden_column(fact, name)
        combines[column] = parts.count(h.flag) if h.of is None else parts.non_null(h.of, h.flag)
        hidden.append(column)
    one_interval = bool(shares) and "interval_start" in keys
    if one_interval:
        # Each group is one interval: its share comes from its own counts, in the same
        # aggregation (no second pass over the rows, no join).
        for m in shares:
            combines.update(_share_counts(parts, m))
    grouped = _null_keys(_aggregate(parts.table(keys), keys, combines), keys)
    if one_interval:
        grouped = grouped.mutate(**{m.name: _share(grouped) for m in shares})
        grouped = grouped.drop("_sl_num", "_sl_den", "_target")
    for m in shares if not one_interval else []:
        grouped = _with_interval_share(source, fact, spec, grouped, keys, m)
    return grouped, hidden


def _null_keys(grouped: ir.Table, keys: list[str]) -> ir.Table:
    """Null string keys as :data:`NULL_KEY`, so that joins on the keys match them."""
    fill = {k: grouped[k].fill_null(NULL_KEY) for k in keys if k in STRING_KEYS}
    return grouped.mutate(**fill) if fill else grouped


def _measured_and_met(per_interval: ir.Table) -> tuple[ir.BooleanValue, ir.BooleanValue]:
    """Per interval row: whether the ratio has a value (a non-empty denominator), and
    whether that value meets the target."""
    sl = per_interval._sl_num.cast("float64") / per_interval._sl_den.nullif(0).cast("float64")
    measured = sl.notnull()
    return measured, _flag(measured & (sl >= per_interval._target))


def _share(per_interval: ir.Table) -> ir.FloatingValue:
    """Share of the intervals meeting the target when each row is one interval (met /
    measured: 1, 0, or null when the interval has no value)."""
    measured, met = _measured_and_met(per_interval)
    return met.cast("int64").cast("float64") / measured.cast("int64").nullif(0).cast("float64")


def _with_interval_share(
    source: Source,
    fact: str,
    spec: ReportSpec,
    grouped: ir.Table,
    keys: list[str],
    metric: Metric,
) -> ir.Table:
    """Join the share of intervals meeting the target, computed one level below ``keys``
    (keys + interval bucket), for groups that span several intervals.

    It prepares its own rows from a projection of the fact on the columns it uses: were
    both parts of the query to share one prepared table, DuckDB would materialise all its
    rows (about 1 GB at 10M contacts) instead of scanning the table twice.
    """
    interval_keys = [*keys, "_bucket"]

    def per_interval_of(rows: Source) -> ir.Table:
        parts = _Partials(_Fact(rows, fact, spec, target=True))
        counts = _share_counts(parts, metric)  # registers the partials before the table
        return _aggregate(parts.table(interval_keys), interval_keys, counts)

    schema = table_spec(fact).schema.names
    used = {f.name for f in per_interval_of(source).op().find(ops.Field)} & set(schema)
    narrow = source(fact).select(*(c for c in schema if c in used))
    per_interval = per_interval_of(lambda name: narrow)
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
    return joined.mutate(**{metric.name: joined._share}).drop("_share")


# ----------------------------------------------------------------------------- snapshots
def _part_rows(
    source: Source, metric: Metric, spec: ReportSpec, *, ended: bool = False
) -> tuple[ir.Table, dict[str, ir.Value]]:
    """The rows of a snapshot or overlap metric's fact in the selection with its flag,
    and the group key expressions. ``ended`` keeps only rows whose ``until`` is set, a
    filter applied first: the rows of a snapshot's ends are then another expression than
    those of its starts, so that no engine is asked to materialise the shared rows."""
    assert metric.fact is not None
    assert metric.until is not None
    fact_spec = table_spec(metric.fact)
    measures = measures_of(metric.fact)
    t = source(metric.fact)
    if ended:
        t = t.filter(t[metric.until].notnull())
    if metric.since is not None:
        t = t.filter(t[metric.since].notnull())
    t = _selected(t, fact_spec.keys, spec)
    ctx = _context(spec)
    if measures.rows is not None:
        t = t.filter(_flag(measures.conditions[measures.rows](t, ctx)))
    flag = measures.flag(metric.where)
    if flag.partition is not None and measures.partition is not None:
        t = t.filter(t[measures.partition].isin(list(flag.partition)))
    for name in flag.conditions:
        t = t.filter(_flag(measures.conditions[name](t, ctx)))
    groups = {
        KEYS[k]: t[fact_spec.keys[k]].fill_null(NULL_KEY) for k in spec.by if k not in TIME_KEYS
    }
    return t, groups


def _snapshot_part(source: Source, metric: Metric, spec: ReportSpec) -> ir.Table:
    """Rows of the fact with ``where`` open at the end of each period (or of the
    selection): since <= end < until, ``until`` null meaning still open."""
    assert metric.since is not None
    assert metric.until is not None
    t, groups = _part_rows(source, metric, spec)
    gcols = list(groups)
    times = [k for k in spec.by if k in TIME_KEYS]
    since = utc_epoch(t[metric.since], spec.engine)
    until = utc_epoch(t[metric.until], spec.engine)
    if not times:
        at = spec.snapshot_at
        if at is None:  # open now: after every event the store holds
            alive = t[metric.until].isnull()
        else:
            alive = (since < at) & (t[metric.until].isnull() | (until >= at))
        kept = t.filter(alive).mutate(**groups)
        count = kept.count()
        if gcols:
            return kept.group_by(gcols).aggregate(**{metric.name: count})
        return kept.aggregate(**{metric.name: count})
    cell, size = cells(times, spec.interval_s)
    span = _part_range(spec, metric)
    if span is None:
        return _empty_part(gcols, times, [metric.name], "int64")
    grid = periods(cell, *span, size)
    starts = t.select(**groups, _at=since, _d=ibis.literal(1))
    done, done_groups = _part_rows(source, metric, spec, ended=True)
    ends = done.select(
        **done_groups, _at=utc_epoch(done[metric.until], spec.engine), _d=ibis.literal(-1)
    )
    events = starts.union(ends)
    local = _local_epoch(events._at, spec.tz_segments)
    events = events.mutate(_p=ibis.greatest(time_key(local, cell, size), grid[0]))
    events = events.filter(events._p <= grid[-1])
    net = events.group_by([*gcols, "_p"]).aggregate(_net=events._d.sum())
    grid_table = ibis.memtable({"_p": grid})
    base = net.select(*gcols).distinct().cross_join(grid_table) if gcols else grid_table
    frame = base.left_join(net, [*gcols, "_p"]).select(*gcols, "_p", "_net")
    frame = frame.mutate(_net=frame._net.fill_null(0))
    window = ibis.cumulative_window(group_by=gcols or None, order_by="_p")
    frame = frame.mutate(**{metric.name: frame._net.sum().over(window)})
    if times == [cell] and size == spec.interval_s:
        frame = frame.filter(frame[metric.name] != 0)
        return _cell_keys(frame, gcols, times, cell, size, grid, spec, [metric.name])
    # several keys: a group of them is a run of cells (a week within a month, an hour
    # of a day); its value is that at the end of its last cell
    keyed = _cell_keys(frame, gcols, times, cell, size, grid, spec, [metric.name, "_p"])
    keys = [KEYS[k] for k in times]
    last = keyed.group_by([*gcols, *keys]).aggregate(
        **{metric.name: keyed[metric.name].argmax(keyed._p)}
    )
    return last.filter(last[metric.name] != 0)


MAX_CELLS = 1_000_000
"""Most periods a snapshot or overlap metric is computed for (a grid is built for them)."""


def _part_range(spec: ReportSpec, metric: Metric) -> tuple[int, int] | None:
    """The local range whose periods a snapshot or overlap metric reports, or None when
    its fact has nothing to report."""
    assert metric.fact is not None
    if metric.fact in spec.part_ranges:
        return spec.part_ranges[metric.fact]
    return spec.period_range or (0, 0)


def grid_cells(times: list[str], interval_s: int, span: tuple[int, int]) -> int:
    """How many cells (:func:`cells`) the local range ``span`` holds (an estimate from
    above for months, quarters and years)."""
    if not times:
        return 0
    cell, size = cells(times, interval_s)
    length = max(span[1] - span[0], 0)
    per = {"interval": size, "day": DAY_S, "week": 7 * DAY_S}.get(cell, 28 * DAY_S)
    return length // per + 2


def _empty_part(gcols: list[str], times: list[str], names: list[str], kind: str) -> ir.Table:
    """A part with no rows (its fact has none in the selection)."""
    schema = {
        **dict.fromkeys(gcols, "string"),
        **{KEYS[k]: "int64" for k in times},
        **dict.fromkeys(names, kind),
    }
    return ibis.memtable({c: [] for c in schema}, schema=schema)


def cells(times: list[str], interval_s: int) -> tuple[str, int]:
    """The finest periods the periods of every time key in ``times`` are made of, as
    (key, size): a cell lies in exactly one period of each key. One period key is its
    own cell; hours of the day come in cells of an hour (of an interval dividing one)."""
    if "interval" in times:
        return "interval", math.gcd(interval_s, 3600) if "hour" in times else interval_s
    if "hour" in times:
        return "interval", 3600
    if "day" in times or ("week" in times and {"month", "quarter", "year"} & set(times)):
        return "day", interval_s
    return next(k for k in ("week", "month", "quarter", "year") if k in times), interval_s


def snapshot_keys_ok(times: list[str], interval_s: int) -> bool:
    """Whether a snapshot (a count at the end of each period) can be grouped by
    ``times``: each group of their values must be one stretch of time (a week within a
    month, ``day,hour``), so ``hour`` (of the day) needs ``day`` or ``interval`` beside it."""
    if "hour" in times:
        return "day" in times or "interval" in times
    return True


def _cell_keys(
    frame: ir.Table,
    gcols: list[str],
    times: list[str],
    cell: str,
    size: int,
    grid: list[int],
    spec: ReportSpec,
    names: list[str],
) -> ir.Table:
    """``frame`` (values per group and cell ``_p``) with the report's time keys: the cell
    itself when it is the one key, else the keys of each cell joined from the grid."""
    if times == [cell] and size == spec.interval_s:
        return frame.select(*gcols, frame._p.name(KEYS[cell]), *names)
    mapping: dict[str, list[int]] = {"_p": list(grid)}
    for k in times:
        mapping[f"_k_{k}"] = [
            python_key(k, period_bounds(cell, c, size)[0], spec.interval_s) for c in grid
        ]
    table = ibis.memtable(mapping, schema=dict.fromkeys(mapping, "int64"))
    joined = frame.join(table, "_p")
    return joined.select(*gcols, *(joined[f"_k_{k}"].name(KEYS[k]) for k in times), *names)


def _selected(t: ir.Table, keys: Any, spec: ReportSpec) -> ir.Table:
    """Rows of the report's queues, channels and agents."""
    if spec.queues:
        t = t.filter(t[keys["queue"]].isin(list(spec.queues)))
    if spec.channels:
        t = t.filter(t[keys["channel"]].isin(list(spec.channels)))
    if spec.agents:
        t = t.filter(t[keys["agent"]].isin(list(spec.agents)))
    return t


def utc_of_local(local: int, segments: tuple[tuple[int, int], ...]) -> int:
    """The UTC epoch of local epoch seconds ``local`` in the zone of ``segments`` (the
    earlier instant when the local time occurs twice; a local time that does not exist is
    read with the offset before the change)."""
    for i, (since, offset) in enumerate(segments):
        utc = local - offset
        nxt = segments[i + 1][0] if i + 1 < len(segments) else None
        if (i == 0 or utc >= since) and (nxt is None or utc < nxt):
            return utc
    return local - segments[-1][1]


def _overlap_part(source: Source, metrics: list[Metric], spec: ReportSpec) -> ir.Table:
    """Seconds of each row's span [since, until) inside each period (UTC instants, so a
    day with a DST change has its real length), times each metric's ``of``, summed per
    group; with no period key, inside the selection [start, end). ``metrics`` share their
    fact, flag and span columns, and are computed in one pass."""
    metric = metrics[0]
    assert metric.since is not None
    assert metric.until is not None
    t, groups = _part_rows(source, metric, spec, ended=True)
    gcols = list(groups)
    weights = {
        f"_w{i}": t[m.of].cast("float64") if m.of else ibis.literal(1.0)
        for i, m in enumerate(metrics)
    }
    rows = t.select(
        **groups,
        _s=utc_epoch(t[metric.since], spec.engine),
        _e=utc_epoch(t[metric.until], spec.engine),
        **weights,
    )
    names = [m.name for m in metrics]
    times = [k for k in spec.by if k in TIME_KEYS]
    if not times:
        start = rows._s if spec.start_epoch is None else ibis.greatest(rows._s, spec.start_epoch)
        end = rows._e if spec.end_epoch is None else ibis.least(rows._e, spec.end_epoch)
        rows = rows.mutate(_sec=ibis.greatest(end - start, 0).cast("float64"))
        aggs = {
            name: (rows._sec * rows[f"_w{i}"]).sum().fill_null(0.0) for i, name in enumerate(names)
        }
        return rows.group_by(gcols).aggregate(**aggs) if gcols else rows.aggregate(**aggs)
    cell, size = cells(times, spec.interval_s)
    span = _part_range(spec, metric)
    if span is None:
        return _empty_part(gcols, times, names, "float64")
    grid: dict[str, list[int]] = {"_p": [], "_lo": [], "_hi": []}
    for value in periods(cell, *span, size):
        first, last = period_bounds(cell, value, size)
        a, b = utc_of_local(first, spec.tz_segments), utc_of_local(last, spec.tz_segments)
        if spec.start_epoch is not None:
            a = max(a, spec.start_epoch)
        if spec.end_epoch is not None:
            b = min(b, spec.end_epoch)
        if a < b:
            grid["_p"].append(value)
            grid["_lo"].append(a)
            grid["_hi"].append(b)
    if not grid["_p"]:
        return _empty_part(gcols, times, names, "float64")
    grid_table = ibis.memtable(grid, schema={"_p": "int64", "_lo": "int64", "_hi": "int64"})
    joined = rows.join(grid_table, [rows._s < grid_table._hi, rows._e > grid_table._lo])
    seconds = ibis.least(joined._e, joined._hi) - ibis.greatest(joined._s, joined._lo)
    joined = joined.mutate(_sec=seconds.cast("float64"))
    per_cell = joined.group_by([*gcols, "_p"]).aggregate(
        **{name: (joined._sec * joined[f"_w{i}"]).sum() for i, name in enumerate(names)}
    )
    keyed = _cell_keys(per_cell, gcols, times, cell, size, grid["_p"], spec, names)
    keys = [KEYS[k] for k in times]
    return keyed.group_by([*gcols, *keys]).aggregate(**{n: keyed[n].sum() for n in names})


# ----------------------------------------------------------------------------- assembly
def index_parts(metric: Metric, outcomes: OutcomeOptions) -> tuple[tuple[str, float], ...]:
    """The (metric, weight) pairs an ``index`` metric combines with these options: the
    parts it lists whose weight is above 0."""
    listed = {name for _, name in linear_terms(metric.numerator or "")}
    return tuple((name, w) for name, w in outcomes.csi_parts() if name in listed)


def plan_facts(
    metrics: tuple[Metric, ...], outcomes: OutcomeOptions | None = None
) -> dict[str, list[Metric]]:
    """The flow metrics per fact that ``metrics`` need (derived metrics' and indexes'
    parts too)."""
    flows: dict[str, list[Metric]] = {}
    wanted = list(metrics)
    for m in metrics:
        if m.kind == "derived":
            wanted.extend(BY_NAME[name] for name in m.parts)
        if m.kind == "index":
            parts = index_parts(m, outcomes or OutcomeOptions())
            wanted.extend(BY_NAME[name] for name, _ in parts)
    seen: set[str] = set()
    for m in wanted:
        if m.name in seen or m.kind in ("derived", "index") or m.kind in PART_KINDS:
            continue
        seen.add(m.name)
        assert m.fact is not None
        flows.setdefault(m.fact, []).append(m)
    return flows


def compile_report(source: Source, spec: ReportSpec) -> ir.Table:
    """One expression: the metrics of ``spec`` per group of ``spec.by``.

    ``source`` gives each fact's Ibis table (``engine.table``). Key columns come first
    (raw values, see :mod:`.keys`), then one column per metric in the order given, then
    the hidden columns of the facts read (:func:`hidden_column`). Metrics that read only
    facts of ``spec.empty_facts`` are constants (0 for counts, sums, snapshots and
    overlaps, null for the others) and their facts are not read.
    """
    for m in spec.metrics:
        reason = unsupported(
            m, spec.by, spec.queues, spec.channels, spec.interval_s, agents=spec.agents
        )
        if reason is not None:
            raise InputError(f"{{field}}: {reason}", field="by")
        reason = unsupported_interval(m, spec.by, spec.interval_s)
        if reason is not None:
            raise InputError(f"{{field}}: {reason}", field="interval")
    keys = [KEYS[k] for k in spec.by]
    names = {m.name for m in spec.metrics}
    empty = spec.empty_facts
    source = _adding(source)

    if all(set(m.facts) <= empty for m in _with_parts(spec.metrics)):
        empty = frozenset()  # nothing to read: compute over the (empty) facts as usual

    def constant(m: Metric) -> bool:
        return m.kind not in ("derived", "index") and bool(empty) and set(m.facts) <= empty

    stand_ins: dict[str, str] = {}
    if "channel" in spec.by:
        for m in spec.metrics:
            other = STAND_INS.get(m.name)
            if other is None or constant(BY_NAME[other]):
                continue
            if (
                unsupported(BY_NAME[other], spec.by, spec.queues, spec.channels, agents=spec.agents)
                is None
            ):
                stand_ins[m.name] = other
    wanted = (*spec.metrics, *(BY_NAME[o] for o in stand_ins.values() if o not in names))
    read = tuple(m for m in wanted if not constant(m))
    tables: list[ir.Table] = []
    hidden: list[str] = []
    for fact, metrics in plan_facts(read, spec.outcomes).items():
        metrics = [m for m in metrics if not constant(m)]
        if not metrics:
            continue
        part, part_hidden = _flow_part(source, fact, metrics, spec)
        tables.append(part)
        hidden.extend(part_hidden)
    derived = {m.name: m for m in wanted if m.kind == "derived"}
    parts_needed = {name for m in derived.values() for name in m.parts}
    own_parts = [*read, *(BY_NAME[n] for n in sorted(parts_needed))]
    done: set[str] = set()
    overlaps: dict[tuple[str | None, ...], list[Metric]] = {}
    for m in own_parts:
        if m.kind in PART_KINDS and m.name not in done and not constant(m):
            done.add(m.name)
            if m.kind == "snapshot":
                tables.append(_snapshot_part(source, m, spec))
            else:
                overlaps.setdefault((m.fact, m.where, m.since, m.until), []).append(m)
    tables.extend(_overlap_part(source, ms, spec) for ms in overlaps.values())
    if not tables:
        raise InputError("{field}: no metric to compute", field="metrics")
    joined = _join(tables, keys)
    constants = {
        m.name: _constant(m)
        for m in (*wanted, *(BY_NAME[n] for n in sorted(parts_needed)))
        if constant(m)
    }
    if constants:
        joined = joined.mutate(**constants)
    fill: dict[str, ir.Value] = {}
    for name in [*(m.name for m in wanted), *parts_needed, *hidden]:
        metric = BY_NAME.get(name)
        if name in constants:
            continue
        if name in joined.columns and (metric is None or metric.kind in ADDITIVE):
            fill[name] = joined[name].fill_null(0)
    if len(tables) > 1 and fill:
        joined = joined.mutate(**fill)
    if derived:
        joined = joined.mutate(**{name: _derived(joined, m) for name, m in derived.items()})
    indexes = {m.name: m for m in spec.metrics if m.kind == "index"}
    if indexes:
        joined = joined.mutate(
            **{name: _index(joined, index_parts(m, spec.outcomes)) for name, m in indexes.items()}
        )
    if stand_ins:
        joined = joined.mutate(
            **{name: ibis.coalesce(joined[name], joined[o]) for name, o in stand_ins.items()}
        )
    order = [*keys, *dict.fromkeys(m.name for m in spec.metrics), *hidden]
    return joined.select(*order)


def _adding(source: Source) -> Source:
    """``source`` giving each fact with the columns its measures say a report adds (null
    where the caller did not add them)."""

    def add(name: str) -> ir.Table:
        return with_added(source(name), name)

    return add


def _with_parts(metrics: tuple[Metric, ...]) -> list[Metric]:
    """The metrics and the parts of the derived ones, without the derived ones."""
    out: list[Metric] = []
    for m in metrics:
        if m.kind in ("derived", "index"):
            out.extend(BY_NAME[p] for p in m.parts)
        else:
            out.append(m)
    return out


def _constant(metric: Metric) -> ir.Value:
    """The value of ``metric`` over a fact with no rows: 0 for the additive kinds (of the
    type they would have), null for the others."""
    of_type = "float64"
    if metric.of is not None and metric.fact is not None:
        schema = table_spec(metric.fact).schema
        if metric.of in schema.names and pa.types.is_integer(schema.field(metric.of).type):
            of_type = "int64"
    if metric.kind in ("count", "snapshot"):
        return ibis.literal(0, type="int64")
    if metric.kind == "sum":
        return ibis.literal(0, type=of_type)
    if metric.kind == "overlap":
        return ibis.literal(0.0, type="float64")
    if metric.kind == "max":
        return ibis.null(of_type)
    return ibis.null("float64")


def _derived(t: ir.Table, metric: Metric) -> ir.Value:
    def side(text: str) -> ir.Value:
        total: ir.Value | None = None
        for sign, name in linear_terms(text):
            term = t[name].fill_null(0).cast("float64")
            if total is None:
                total = term if sign > 0 else -term
            else:
                total = total + term if sign > 0 else total - term
        assert total is not None
        return total

    assert metric.numerator is not None
    assert metric.denominator is not None
    quotient = side(metric.numerator) / side(metric.denominator).nullif(0)
    if metric.scale != 1.0:
        quotient = quotient * metric.scale
    if metric.floor is not None:
        # a null quotient stays null (greatest() would skip it)
        quotient = ibis.ifelse(quotient < metric.floor, metric.floor, quotient)
    return quotient


def _index(t: ir.Table, parts: tuple[tuple[str, float], ...]) -> ir.Value:
    """Weighted mean of the parts that have a value; a ``balance`` part (in [-1, 1]) is
    mapped to [0, 1] as (x + 1) / 2."""
    total: ir.Value = ibis.literal(0.0)
    weight: ir.Value = ibis.literal(0.0)
    for name, w in parts:
        value = t[name].cast("float64")
        if BY_NAME[name].unit == "balance":
            value = (value + 1.0) / 2.0
        total = total + value.fill_null(0.0) * w
        weight = weight + value.notnull().cast("float64") * w
    return total / weight.nullif(0.0)


def _join(tables: list[ir.Table], keys: list[str]) -> ir.Table:
    """Full outer join of the parts on the keys (a cross join of one-row parts)."""
    out = tables[0]
    for other in tables[1:]:
        if not keys:
            out = out.cross_join(other)
            continue
        joined = out.join(other, keys, how="outer")
        merged = {k: ibis.coalesce(joined[k], joined[f"{k}_right"]) for k in keys}
        out = joined.mutate(**merged).drop(*(f"{k}_right" for k in keys))
    return out
