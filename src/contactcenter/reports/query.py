"""Run a KPI report: pick the time zone, compile the catalog, execute, format the keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.engines import Engine
from contactcenter.errors import InputError
from contactcenter.metrics import GROUP_KEYS, Metric, ReportSpec, Thresholds, compile_report
from contactcenter.metrics.compiler import COVERAGE_COLUMNS, NULL_KEY, STRING_KEYS
from contactcenter.metrics.timezones import offset_segments, to_epoch, zone


@dataclass(frozen=True)
class ReportRequest:
    """A report as the user asks for it (the CLI's options, parsed)."""

    metrics: tuple[Metric, ...]
    by: tuple[str, ...] = ()
    interval_s: int = 1800
    thresholds: Thresholds = field(default_factory=Thresholds)
    tz: str | None = None
    start: str | None = None
    end: str | None = None
    queues: tuple[str, ...] = ()


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


def parse_when(value: str, *, option: str) -> dt.datetime:
    """Read ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM[:SS]`` (optionally with an offset)."""
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"{option}: cannot read {value!r} as a date or time; "
            "use YYYY-MM-DD or 'YYYY-MM-DD HH:MM'"
        ) from None


def _data_profile(engine: Engine, request: ReportRequest) -> dict[str, Any]:
    """Rows, first and last offered_at (epoch seconds) and the declared time zones of the
    selection: ``zones`` (0, 1, or 2 for several), ``zone`` (one of them) and
    ``absolute`` (rows with no declared zone). Only cheap aggregates: min/max of the
    instant first, then one conversion each (not one per row), and min/max of the zone
    rather than a distinct count."""
    c = engine.contacts
    if request.queues:
        c = c.filter(c.queue.isin(list(request.queues)))
    expr = c.aggregate(
        n=c.count(),
        lo=c.offered_at.min().epoch_seconds().floor().cast("int64"),
        hi=c.offered_at.max().epoch_seconds().floor().cast("int64"),
        zone_min=c.source_tz.min(),
        zone=c.source_tz.max(),
        with_zone=c.source_tz.count(),
    )
    row: dict[str, Any] = engine.execute(expr).to_pylist()[0]
    with_zone = int(row.pop("with_zone") or 0)
    zone_min = row.pop("zone_min")
    row["absolute"] = int(row["n"] or 0) - with_zone
    row["zones"] = 0 if not with_zone else 1 if zone_min == row["zone"] else 2
    return row


def run_report(engine: Engine, request: ReportRequest) -> ReportResult:
    """Compute ``request`` on ``engine`` in one query and return finished rows."""
    profile = _data_profile(engine, request)
    notes: list[str] = []
    if request.tz:
        tz = request.tz
        zone(tz)
    elif profile["zones"] == 1 and not profile["absolute"]:
        tz = str(profile["zone"])
    else:
        tz = "UTC"
        if profile["zones"]:
            notes.append(
                "the data mixes sources with different time zones; times are shown in UTC "
                "(choose one with --tz)"
            )
    start = to_epoch(parse_when(request.start, option="--from"), tz) if request.start else None
    end = to_epoch(parse_when(request.end, option="--to"), tz) if request.end else None
    if start is not None and end is not None and end <= start:
        raise InputError(f"--to ({request.end}) must be after --from ({request.start})")
    lo = int(profile["lo"] or 0) - 86400
    hi = int(profile["hi"] or 0) + 86400
    spec = ReportSpec(
        metrics=request.metrics,
        by=request.by,
        interval_s=request.interval_s,
        thresholds=request.thresholds,
        tz_segments=tuple(offset_segments(tz, lo, hi)),
        start_epoch=start,
        end_epoch=end,
        queues=request.queues,
        engine=engine.name,
    )
    raw = engine.execute(compile_report(engine.contacts, spec))
    keys = tuple(GROUP_KEYS[k] for k in request.by)
    table, coverage = finish(raw, keys)
    notes.extend(_coverage_notes(coverage, request.metrics))
    if profile["n"] == 0:
        notes.append("the store holds no contacts for this selection")
    parameters = {
        "by": list(request.by),
        "interval_s": request.interval_s,
        "tz": tz,
        "from": request.start,
        "to": request.end,
        "queues": list(request.queues),
        "engine": engine.name,
    }
    return ReportResult(table, keys, request.metrics, tz, tuple(notes), parameters)


def _fmt_epoch(values: pa.ChunkedArray, fmt: str) -> pa.ChunkedArray:
    """Epoch seconds (the local wall clock counted as if UTC) as text in ``fmt``."""
    seconds = values.cast(pa.int64()).cast(pa.timestamp("s"))
    formatted: pa.ChunkedArray = pc.strftime(seconds, format=fmt)
    return formatted


def _fmt_week(values: pa.ChunkedArray) -> pa.Array:
    out: list[str | None] = []
    for v in values.to_pylist():
        if v is None:
            out.append(None)
            continue
        year, week, _ = (dt.date(1970, 1, 1) + dt.timedelta(days=int(v))).isocalendar()
        out.append(f"{year}-W{week:02d}")
    return pa.array(out, pa.string())


def finish(raw: pa.Table, keys: tuple[str, ...]) -> tuple[pa.Table, dict[str, int]]:
    """Turn raw key values into their documented form, sort by the keys (nulls last), and
    split off the hidden coverage columns (returned as totals)."""
    for name in STRING_KEYS:
        if name in keys:
            col = raw.column(name)
            raw = raw.set_column(
                raw.column_names.index(name), name, pc.if_else(pc.equal(col, NULL_KEY), None, col)
            )
    if keys:
        raw = raw.sort_by([(k, "ascending") for k in keys])
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in raw.column_names:
        if name in COVERAGE_COLUMNS:
            continue
        col = raw.column(name)
        if name == "interval_start":
            col = _fmt_epoch(col, "%Y-%m-%d %H:%M:%S")
        elif name == "day":
            col = _fmt_epoch(pc.multiply(col.cast(pa.int64()), 86400), "%Y-%m-%d")
        elif name == "week":
            col = _fmt_week(col)
        elif name == "month":
            col = pa.array(
                [None if v is None else f"{v // 100:04d}-{v % 100:02d}" for v in col.to_pylist()],
                pa.string(),
            )
        elif name == "hour":
            col = col.cast(pa.int32())
        columns[name] = col
    coverage = {
        name: int(pc.sum(raw.column(name)).as_py() or 0)
        for name in COVERAGE_COLUMNS
        if name in raw.column_names
    }
    return pa.table(columns), coverage


def _coverage_notes(coverage: dict[str, int], metrics: tuple[Metric, ...]) -> list[str]:
    names = {m.name for m in metrics}
    if "aht_s" not in names and not names & {"talk_s", "hold_s", "acw_s"}:
        return []
    total = coverage.get("_answered_total", 0)
    if not total:
        return []
    parts = []
    for part in ("talk_s", "hold_s", "acw_s"):
        have = coverage.get(f"_answered_with_{part.removesuffix('_s')}", 0)
        if have == 0:
            parts.append(f"{part} is not recorded by the source")
        elif have < total:
            parts.append(f"{part} is recorded for {have} of {total} answered contacts")
    if not parts:
        return []
    suffix = "; aht_s counts what is missing as 0" if "aht_s" in names else ""
    return ["; ".join(parts) + suffix]
