"""Format ``agent_states``: agent state intervals as an ACD export gives them (canonical
columns), into the ``agent_states`` fact.

A CSV file with a header and the columns ``agent,state,start,end`` and optionally
``reason`` and ``queue`` (any order; another column stops the load, nothing is silently
dropped). ``state`` is one of handling, acw, not_ready, available, or ``logged_out`` (a
line that counts no time, ignored). ``start`` and ``end`` are ISO 8601 times with an
offset, or naive in ``--source-tz`` (default UTC); an empty ``end`` is a state still open.
The format ``agent_states_csv`` (:mod:`contactcenter.sources.agent_states_csv`) reads any
export through a YAML mapping and shares these rules.

Every line is accounted for:

===========================================  ==============================================
line                                         fate
===========================================  ==============================================
header; empty line                           ignored (``header``, ``blank line``)
state ``logged_out``                         ignored, ``logged out (no time counted)``
start equal to end                           ignored, ``state of no length``
agent empty, state unknown, time unreadable  rejected, naming the field
end before start                             rejected, ``end is before start``
overlaps another state of the agent          rejected, naming the line it overlaps
a line of the same state as a line before    ignored, ``duplicate line``
anything else                                used
===========================================  ==============================================

A row with a queue gives the agent's own time line (scope ``agent``) and its time line in
that queue (scope ``queue``); the same state given for several queues is one state of the
agent. The file is the truth for its agents over the span it covers: per agent, the
stored states (of the same source) that start within [first start, last end) of the
file are replaced by the file's (so loading it again changes nothing, and a corrected
export replaces the old one). Closed states are cut every 15 minutes of UTC, like the
derived ones (docs/data-model.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa

from contactcenter.errors import FormatError, InputError
from contactcenter.facts import AGENT_STATES
from contactcenter.metrics.timezones import zone
from contactcenter.sources._adherence import refresh_adherence
from contactcenter.sources._agent_sessions import US, Derived, rows_table
from contactcenter.sources._csv import iter_records
from contactcenter.sources._instants import in_range, range_reason
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "agent_states"
FIELDS = ("agent", "state", "start", "end", "reason", "queue")
REQUIRED = ("agent", "state", "start", "end")
LOGGED_OUT = "logged_out"
STATE_VALUES = (*AGENT_STATES, LOGGED_OUT)

I_HEADER = "header"
I_BLANK = "blank line"
I_LOGGED_OUT = "logged out (no time counted)"
I_EMPTY = "state of no length"
I_DUPLICATE = "duplicate line"
R_ORDER = "end is before start"


class CellError(ValueError):
    """A cell that cannot be read as its field says (the line is rejected)."""


@dataclass(frozen=True)
class Row:
    """One line read: where it is, and its cells by canonical field (None when empty)."""

    file: str
    line_no: int
    text: str
    cells: dict[str, str | None]


@dataclass
class _Span:
    row: Row
    agent: str
    state: str
    reason: str | None
    queue: str | None
    start: int
    end: int | None


def instant(text: str, field: str, tz: ZoneInfo | None, fmt: str | None) -> int:
    """µs since 1970 UTC of the time ``text`` (ISO 8601, or ``fmt``; naive in ``tz``);
    raises :class:`CellError` naming ``field`` when unreadable or out of range."""
    try:
        t = dt.datetime.strptime(text, fmt) if fmt else dt.datetime.fromisoformat(text)
    except ValueError:
        how = f"format {fmt!r}" if fmt else "ISO 8601"
        raise CellError(f"{field} is not a time ({how}): {text!r}") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz or dt.UTC)
    try:
        utc = t.astimezone(dt.UTC)
    except OverflowError:
        raise CellError(range_reason(field)) from None
    if not in_range(utc):
        raise CellError(range_reason(field))
    delta = utc - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def _span(
    row: Row, states: dict[str, str] | None, tz: ZoneInfo | None, fmt: str | None
) -> _Span | str:
    """The span of ``row``, or the reason to ignore it (raises CellError to reject)."""
    c = row.cells
    agent = c.get("agent")
    if not agent:
        raise CellError("agent is empty")
    raw = c.get("state") or ""
    state = states.get(raw) if states is not None else raw.strip().lower()
    if state not in STATE_VALUES:
        allowed = ", ".join(sorted(states)) if states is not None else ", ".join(STATE_VALUES)
        raise CellError(f"state {raw!r} is not one of {allowed}")
    if state == LOGGED_OUT:
        return I_LOGGED_OUT
    if not c.get("start"):
        raise CellError("start is empty")
    start = instant(str(c["start"]), "start", tz, fmt)
    end = instant(str(c["end"]), "end", tz, fmt) if c.get("end") else None
    if end is not None and end < start:
        raise CellError(R_ORDER)
    if end == start:
        return I_EMPTY
    reason = c.get("reason") if state == "not_ready" else None
    return _Span(row, agent, state, reason or None, c.get("queue") or None, start, end)


def write_states(
    session: LoadSession,
    rows: Iterable[Row],
    *,
    source: str,
    tz: ZoneInfo | None,
    timestamp_format: str | None = None,
    states: dict[str, str] | None = None,
) -> None:
    """Check ``rows`` (see the module docstring), account for each, and write the states
    of their agents, replacing the stored ones over the span the rows cover."""
    acc = session.account
    spans: list[_Span] = []
    for row in rows:
        try:
            got = _span(row, states, tz, timestamp_format)
        except CellError as exc:
            acc.reject(row.file, row.line_no, str(exc), reject_text(row.text))
            continue
        if isinstance(got, str):
            acc.ignore(got)
        else:
            spans.append(got)
    per_agent: dict[str, Derived] = {}
    ranges: dict[str, tuple[int, int]] = {}
    seen: set[tuple[object, ...]] = set()
    last: dict[tuple[str, str, str | None], _Span] = {}
    for sp in sorted(spans, key=lambda s: (s.agent, s.start, s.row.file, s.row.line_no)):
        lanes = [("agent", None)] + ([("queue", sp.queue)] if sp.queue else [])
        new = [
            (scope, queue)
            for scope, queue in lanes
            if (sp.agent, scope, queue, sp.state, sp.reason, sp.start, sp.end) not in seen
        ]
        if not new:
            acc.ignore(I_DUPLICATE)
            continue
        clash = next(
            (
                before
                for scope, queue in new
                if (before := last.get((sp.agent, scope, queue))) is not None
                and (before.end is None or before.end > sp.start)
            ),
            None,
        )
        if clash is not None:
            acc.reject(
                sp.row.file,
                sp.row.line_no,
                f"overlaps the agent's state of {clash.row.file} line {clash.row.line_no}",
                reject_text(sp.row.text),
            )
            continue
        derived = per_agent.setdefault(sp.agent, Derived())
        for scope, queue in new:
            seen.add((sp.agent, scope, queue, sp.state, sp.reason, sp.start, sp.end))
            last[(sp.agent, scope, queue)] = sp
            derived.rows.append((scope, queue, sp.state, sp.reason, sp.start, sp.end))
        acc.used += 1
        lo, hi = ranges.get(sp.agent, (sp.start, sp.start + 1))
        ranges[sp.agent] = (min(lo, sp.start), max(hi, (sp.end or sp.start) + 1))
    per_agent = {a: d for a, d in per_agent.items() if d.rows}
    if not per_agent:
        return
    table = rows_table(source, per_agent)
    agents = list(ranges)
    scope = pa.table(
        {
            "source": pa.array([source] * len(agents), pa.string()),
            "agent_id": pa.array(agents, pa.string()),
            "_from": pa.array([ranges[a][0] for a in agents], pa.int64()).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "_until": pa.array([ranges[a][1] for a in agents], pa.int64()).cast(
                pa.timestamp("us", tz="UTC")
            ),
        }
    )
    session.write("agent_states", table, replace=scope)
    session.account.notes.append(
        f"agent states of {len(agents)} agents written; each agent's stored states in the "
        "span of the file were replaced"
    )
    refresh_adherence(session)


def read_rows(
    session: LoadSession,
    path: Path,
    *,
    columns: dict[str, str] | None,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    expected: str,
    fields: tuple[str, ...] = FIELDS,
    required: tuple[str, ...] = REQUIRED,
) -> list[Row]:
    """The data lines of ``path`` with their cells by canonical field. ``columns`` maps a
    field to its header name (None: the header names are the canonical ``fields``, and
    any other column stops the load; ``required`` must be there). Header and blank lines
    are accounted here."""
    acc = session.account
    out: list[Row] = []
    index: dict[str, int] | None = None
    bad_utf8 = LinePlaces()
    width = 0
    for rec in iter_records(path, delimiter=delimiter, encoding=encoding):
        acc.read += 1
        if rec.bad_utf8:
            bad_utf8.add(path.name, rec.line_no)
        if rec.blank:
            acc.ignore(I_BLANK)
            continue
        if rec.fields is None:
            if index is None:
                raise FormatError(str(path), rec.line_no, f"not {expected}: {rec.error}")
            acc.reject(path.name, rec.line_no, rec.error or "unreadable", reject_text(rec.text))
            continue
        if index is None:
            header = [h.strip() for h in rec.fields]
            index = _index(path, rec.line_no, header, columns, expected, fields, required)
            width = len(header)
            acc.ignore(I_HEADER)
            continue
        if len(rec.fields) != width:
            acc.reject(
                path.name,
                rec.line_no,
                "number of fields differs from the header",
                reject_text(rec.text),
            )
            continue
        cells = {f: (rec.fields[i].strip() or None) for f, i in index.items()}
        out.append(Row(path.name, rec.line_no, rec.text, cells))
    if index is None:
        raise FormatError(str(path), None, "empty file: no header line")
    note = not_utf8_note(bad_utf8)
    if note:
        acc.notes.append(note)
    return out


def _index(
    path: Path,
    line_no: int,
    header: list[str],
    columns: dict[str, str] | None,
    expected: str,
    fields: tuple[str, ...],
    required: tuple[str, ...],
) -> dict[str, int]:
    if columns is None:
        extra = [h for h in header if h not in fields]
        if extra:
            raise FormatError(
                str(path),
                line_no,
                f"not {expected}: unknown columns {extra}; allowed: {', '.join(fields)}",
            )
        columns = {h: h for h in header}
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise FormatError(str(path), line_no, f"not {expected}: repeated columns {dup}")
    missing = [f for f in required if f not in columns or columns[f] not in header]
    if missing:
        names = [columns.get(f, f) for f in missing]
        raise FormatError(str(path), line_no, f"not {expected}: missing columns {names}")
    return {f: header.index(name) for f, name in columns.items() if name in header}


def check_files(session: LoadSession, rows: Sequence[Row], expected: str) -> None:
    """Raise FormatError for a file whose every data line was rejected (naming the first)."""
    data: dict[str, int] = {}
    for row in rows:
        data[row.file] = data.get(row.file, 0) + 1
    rejected: dict[str, list[tuple[int, str]]] = {}
    for r in session.account.rejects:
        rejected.setdefault(r.file, []).append((r.line_no, r.reason))
    for file, n in data.items():
        bad = sorted(rejected.get(file, []))
        if n and len(bad) >= n:
            line_no, why = bad[0]
            raise FormatError(file, line_no, f"not {expected}: {why}")


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load canonical agent state files (see the module docstring)."""
    tz = zone(options.source_tz) if options.source_tz else None
    if options.mapping is not None:
        raise InputError(
            "{field}: the agent_states format has fixed columns; use agent_states_csv "
            "for a mapping",
            field="mapping",
        )
    rows: list[Row] = []
    for path in files:
        rows += read_rows(session, Path(path), columns=None, expected="an agent_states file")
    write_states(session, rows, source=options.source or SOURCE, tz=tz)
    check_files(session, rows, "an agent_states file")
