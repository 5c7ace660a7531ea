"""Run a KPI report: pick the time zone, compile the catalog, execute, decode the keys."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field, replace
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.engines import Engine
from contactcenter.errors import InputError
from contactcenter.facts import table_spec
from contactcenter.metrics import (
    BY_NAME,
    GROUP_KEYS,
    Metric,
    ReportSpec,
    Thresholds,
    compile_report,
)
from contactcenter.metrics.catalog import PART_KINDS
from contactcenter.metrics.compiler import (
    HIDDEN_PREFIX,
    MAX_CELLS,
    grid_cells,
    split_hidden,
    unsupported,
    unsupported_interval,
)
from contactcenter.metrics.keys import STRING_KEYS, TIME_KEYS, decode
from contactcenter.metrics.measures import Context, Source, measures_of
from contactcenter.metrics.options import OutcomeOptions
from contactcenter.metrics.sla import SlaConfig
from contactcenter.metrics.timezones import offset_segments, to_epoch, zone
from contactcenter.reports.sla import sla_tables, source_with
from contactcenter.units import DAY_S

NO_CONTACTS = "the store holds no contacts for this selection"
"""The note of a report that reads contacts when none are selected."""

METADATA_KEY = "contactcenter"
"""Schema metadata key of a report table (JSON: tz, notes, parameters, keys, metrics)."""


@dataclass(frozen=True)
class ReportRequest:
    """A report as the user asks for it (the options, parsed).

    ``explicit``: the metrics were named by the user. When they were not (the default
    selection), metrics that cannot be grouped by ``by`` (their fact has no such key)
    are left out with a note instead of failing the report.
    """

    metrics: tuple[Metric, ...]
    by: tuple[str, ...] = ()
    interval_s: int = 1800
    thresholds: Thresholds = field(default_factory=Thresholds)
    tz: str | None = None
    start: str | None = None
    end: str | None = None
    queues: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    explicit: bool = True
    tolerance_s: float = 60.0
    channels: tuple[str, ...] = ()
    sla: SlaConfig | None = None
    outcomes: OutcomeOptions = field(default_factory=OutcomeOptions)


@dataclass(frozen=True)
class ReportResult:
    """Finished rows (documented column names and values) plus what the reader must know."""

    table: pa.Table
    keys: tuple[str, ...]
    metrics: tuple[Metric, ...]
    tz: str
    notes: tuple[str, ...]
    parameters: dict[str, Any]

    def rows(self) -> list[dict[str, Any]]:
        """The rows as dicts."""
        rows: list[dict[str, Any]] = self.table.to_pylist()
        return rows

    def to_table(self) -> pa.Table:
        """The rows with the time zone, notes, parameters, keys and metric names in the
        schema's metadata (JSON under ``contactcenter``)."""
        meta = {
            "tz": self.tz,
            "notes": list(self.notes),
            "parameters": self.parameters,
            "keys": list(self.keys),
            "metrics": [m.name for m in self.metrics],
        }
        return self.table.replace_schema_metadata({METADATA_KEY: json.dumps(meta)})

    @classmethod
    def from_table(cls, table: pa.Table) -> ReportResult:
        """The result of a table made by :meth:`to_table`."""
        raw = (table.schema.metadata or {}).get(METADATA_KEY.encode())
        if raw is None:
            raise InputError("{field}: not a report table (no metadata)", field="table")
        meta = json.loads(raw)
        return cls(
            table=table.replace_schema_metadata(None),
            keys=tuple(meta["keys"]),
            metrics=tuple(BY_NAME[name] for name in meta["metrics"]),
            tz=str(meta["tz"]),
            notes=tuple(meta["notes"]),
            parameters=dict(meta["parameters"]),
        )


def parse_when(value: str, *, field: str) -> dt.datetime:
    """Read ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM[:SS]`` (optionally with an offset)."""
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"{{field}}: cannot read {value!r} as a date or time; "
            "use YYYY-MM-DD or 'YYYY-MM-DD HH:MM'",
            field=field,
        ) from None


@dataclass
class Profile:
    """What the selected rows of the facts a report reads look like: row count, first
    and last instant (epoch seconds), declared time zones: ``zones`` (0, 1, or 2 for
    several), ``zone`` (one of them) and ``absolute`` (rows with no declared zone)."""

    n: int = 0
    lo: int | None = None
    hi: int | None = None
    zones: int = 0
    zone: str | None = None
    absolute: int = 0
    facts: dict[str, tuple[int, int | None, int | None]] = field(default_factory=dict)
    """Per fact: rows, first and last instant."""

    def add(self, row: dict[str, Any], has_zone: bool) -> None:
        """Merge one fact's aggregates."""
        n = int(row["n"] or 0)
        self.n += n
        for attr, pick in (("lo", min), ("hi", max)):
            value = row[attr]
            if value is not None:
                current = getattr(self, attr)
                setattr(self, attr, int(value) if current is None else pick(current, int(value)))
        if not n:
            return
        with_zone = int(row.get("with_zone") or 0) if has_zone else 0
        self.absolute += n - with_zone
        if with_zone:
            found = {row["zone_min"], row["zone"]}
            if self.zone is not None:
                found.add(self.zone)
            self.zones = max(self.zones, len(found))
            self.zone = str(row["zone"])


def _data_profile(
    engine: Engine,
    facts: list[str],
    queues: tuple[str, ...],
    channels: tuple[str, ...] = (),
    agents: tuple[str, ...] = (),
) -> Profile:
    """The :class:`Profile` of the facts. Only cheap aggregates: min/max of the instant
    first, then one conversion each (not one per row), and min/max of the zone rather
    than a distinct count."""
    profile = Profile()
    stored: list[str] = []
    for fact in facts:
        for name in table_spec(fact).derived_from or (fact,):
            if name not in stored:
                stored.append(name)
    for fact in stored:
        key = ("profile", fact, queues, channels, agents)
        row = engine.run(
            key, functools.partial(_profile_query, engine, fact, queues, channels, agents)
        ).to_pylist()[0]
        profile.add(row, "source_tz" in table_spec(fact).schema.names)
        profile.facts[fact] = (int(row["n"] or 0), row["lo"], row["hi"])
    return profile


def _profile_query(
    engine: Engine,
    fact: str,
    queues: tuple[str, ...],
    channels: tuple[str, ...],
    agents: tuple[str, ...],
) -> ir.Table:
    """The aggregates of :class:`Profile` over the selected rows of the stored ``fact``."""
    spec = table_spec(fact)
    c = engine.table(fact)
    if queues and "queue" in spec.keys:
        c = c.filter(c[spec.keys["queue"]].isin(list(queues)))
    if channels and "channel" in spec.keys:
        c = c.filter(c[spec.keys["channel"]].isin(list(channels)))
    if agents and "agent" in spec.keys:
        c = c.filter(c[spec.keys["agent"]].isin(list(agents)))
    time = c[spec.time]
    aggs: dict[str, Any] = {
        "n": c.count(),
        "lo": time.min().epoch_seconds().floor().cast("int64"),
        "hi": time.max().epoch_seconds().floor().cast("int64"),
    }
    has_zone = "source_tz" in spec.schema.names
    if has_zone:
        aggs.update(
            zone_min=c.source_tz.min(), zone=c.source_tz.max(), with_zone=c.source_tz.count()
        )
    return c.aggregate(**aggs)


def run_report(engine: Engine, request: ReportRequest) -> ReportResult:
    """Compute ``request`` on ``engine`` in one query and return finished rows."""
    notes: list[str] = []
    metrics = request.metrics
    if not request.explicit:

        def why(m: Metric) -> str | None:
            return unsupported(
                m,
                request.by,
                request.queues,
                request.channels,
                request.interval_s,
                agents=request.agents,
            ) or unsupported_interval(m, request.by, request.interval_s)

        dropped = [m for m in metrics if why(m)]
        if dropped:
            metrics = tuple(m for m in metrics if m not in dropped)
            notes.append("not shown: " + "; ".join(str(why(m)) for m in dropped))
    facts = list(dict.fromkeys(f for m in metrics for f in m.facts))
    profile = _data_profile(engine, facts, request.queues, request.channels, request.agents)
    calendar_zones = _calendar_zones(request, facts)
    if request.tz:
        tz = request.tz
        zone(tz)
    elif len(calendar_zones) == 1:
        (tz,) = calendar_zones
        notes.append(f"times are in {tz}, the zone of the SLA policies' calendar")
    elif profile.zones == 1 and not profile.absolute and profile.zone is not None:
        tz = profile.zone
    else:
        tz = "UTC"
        if profile.zones:
            notes.append(
                "the data mixes sources with different time zones; times are shown in UTC "
                "(choose a zone with the tz option)"
            )
    start = to_epoch(parse_when(request.start, field="start"), tz) if request.start else None
    end = to_epoch(parse_when(request.end, field="end"), tz) if request.end else None
    if start is not None and end is not None and end <= start:
        raise InputError(
            f"{{field}} ({request.end}) must be after the start ({request.start})", field="end"
        )
    spans_end = _spans_end(engine, metrics)
    lo = (profile.lo or 0) - DAY_S
    hi = max(profile.hi or 0, max(spans_end.values(), default=0)) + DAY_S
    segments = tuple(offset_segments(tz, min(lo, start or lo), max(hi, end or hi)))
    first = start if start is not None else (profile.lo or 0)
    last = end - 1 if end is not None else max(profile.hi or 0, *spans_end.values(), 0)
    part_ranges: dict[str, tuple[int, int] | None] = {}
    for fact in {p.fact for m in metrics for p in _parts(m) if p.kind in PART_KINDS}:
        assert fact is not None
        n, fact_lo, fact_hi = profile.facts.get(fact, (0, None, None))
        if not n and start is None and end is None:
            part_ranges[fact] = None
            continue
        a = start if start is not None else (fact_lo or 0)
        b = end - 1 if end is not None else max(fact_hi or 0, spans_end.get(fact, 0))
        part_ranges[fact] = (_local(a, segments), _local(b, segments))
    metrics = _grids_that_fit(metrics, request, part_ranges, notes)
    spec = ReportSpec(
        metrics=metrics,
        by=request.by,
        interval_s=request.interval_s,
        thresholds=request.thresholds,
        tz_segments=segments,
        start_epoch=start,
        end_epoch=end,
        queues=request.queues,
        channels=request.channels,
        agents=request.agents,
        engine=engine.name,
        period_range=(_local(first, segments), _local(last, segments)),
        part_ranges=part_ranges,
        empty_facts=frozenset(f for f, (n, _, _) in profile.facts.items() if n == 0),
        snapshot_at=end,
        tolerance_s=request.tolerance_s,
        outcomes=request.outcomes,
    )
    source: Source = engine.table
    if request.sla is not None:
        tables = sla_tables(engine, request.sla, metrics, request.queues, request.channels)
        source = source_with(engine, tables)
    if request.sla is None:
        # the expression is a function of the spec alone: kept compiled by the engine
        raw = engine.run(("report", repr(spec)), lambda: compile_report(source, spec))
    else:  # SLA clocks are computed from the data into the source: built every time
        raw = engine.execute(compile_report(source, spec))
    keys = tuple(GROUP_KEYS[k] for k in request.by)
    table, hidden = finish(raw, keys)
    names = frozenset(m.name for m in metrics)
    ctx = Context(request.thresholds, outcomes=request.outcomes, tolerance_s=request.tolerance_s)
    for fact in facts:
        measures = measures_of(fact)
        if measures.notes is not None:
            notes.extend(measures.notes(hidden.get(fact, {}), names))
        if measures.context_notes is not None:
            notes.extend(measures.context_notes(hidden.get(fact, {}), names, ctx))
    if any(m.kind == "index" for m in metrics):
        notes.append(request.outcomes.csi_note())
    if profile.n == 0:
        notes.append(NO_CONTACTS)
    parameters = {
        "by": list(request.by),
        "interval_s": request.interval_s,
        "tz": tz,
        "from": request.start,
        "to": request.end,
        "queues": list(request.queues),
        "channels": list(request.channels),
        "agents": list(request.agents),
        "engine": engine.name,
    }
    return ReportResult(table, keys, metrics, tz, tuple(notes), parameters)


def _calendar_zones(request: ReportRequest, facts: list[str]) -> set[str]:
    """The zones of the SLA calendars when the report reads conversations or turns."""
    if request.sla is None or not {"conversations", "responses"} & set(facts):
        return set()
    return request.sla.zones()


def _parts(metric: Metric) -> tuple[Metric, ...]:
    """The metric and, for a derived one, the metrics it combines."""
    if metric.kind != "derived":
        return (metric,)
    return (metric, *(BY_NAME[p] for p in metric.parts))


def _last_end(t: ir.Table, column: str) -> ir.Table:
    return t.aggregate(hi=t[column].max().epoch_seconds().floor().cast("int64"))


def _spans_end(engine: Engine, metrics: tuple[Metric, ...]) -> dict[str, int]:
    """Per fact that overlap metrics read, the last end (UTC epoch) of its spans, so that
    their periods reach past the last start."""
    ends: set[tuple[str, str]] = set()
    for m in metrics:
        for part in _parts(m):
            if part.kind == "overlap" and part.fact is not None and part.until is not None:
                ends.add((part.fact, part.until))
    last: dict[str, int] = {}
    for fact, column in sorted(ends):
        row = engine.run(
            ("spans_end", fact, column), functools.partial(_last_end, engine.table(fact), column)
        ).to_pylist()[0]
        if row["hi"] is not None:
            last[fact] = max(last.get(fact, 0), int(row["hi"]) - 1)
    return last


def _grids_that_fit(
    metrics: tuple[Metric, ...],
    request: ReportRequest,
    ranges: dict[str, tuple[int, int] | None],
    notes: list[str],
) -> tuple[Metric, ...]:
    """The metrics whose snapshot or overlap parts have at most MAX_CELLS periods: the
    others are left out with a note (default selection) or refused (named metrics)."""
    times = [k for k in request.by if k in TIME_KEYS]
    too_big: list[str] = []
    for m in metrics:
        for part in _parts(m):
            span = ranges.get(part.fact or "") if part.kind in PART_KINDS else None
            if span is not None and grid_cells(times, request.interval_s, span) > MAX_CELLS:
                too_big.append(m.name)
                break
    if not too_big:
        return metrics
    why = (
        f"{', '.join(too_big)}: the selection spans more than {MAX_CELLS:,} periods of "
        f"{', '.join(times)}; narrow it (from, to) or group by a longer period"
    )
    if request.explicit:
        raise InputError(f"{{field}}: {why}", field="by")
    notes.append(f"not shown: {why}")
    return tuple(m for m in metrics if m.name not in too_big)


def _local(epoch: int, segments: tuple[tuple[int, int], ...]) -> int:
    offset = segments[0][1]
    for since, off in segments:
        if epoch >= since:
            offset = off
    return epoch + offset


def with_keys(request: ReportRequest, by: tuple[str, ...]) -> ReportRequest:
    """The same request grouped by ``by``."""
    return replace(request, by=by)


def finish(raw: pa.Table, keys: tuple[str, ...]) -> tuple[pa.Table, dict[str, dict[str, int]]]:
    """Turn raw key values into their documented form, sort by the keys (nulls last), and
    split off the hidden columns (returned as totals per fact and name)."""
    for name in keys:
        if name in STRING_KEYS:  # the null sentinel back to null, before sorting
            raw = raw.set_column(raw.column_names.index(name), name, decode(name, raw[name]))
    if keys:
        raw = raw.sort_by([(k, "ascending") for k in keys])
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    hidden: dict[str, dict[str, int]] = {}
    for name in raw.column_names:
        if name.startswith(HIDDEN_PREFIX):
            fact, label = split_hidden(name)
            total = pc.sum(raw.column(name)).as_py()
            hidden.setdefault(fact, {})[label] = int(total or 0)
            continue
        column = raw.column(name)
        columns[name] = decode(name, column) if name in keys and name not in STRING_KEYS else column
    return pa.table(columns), hidden
