"""Format ``schedule_csv``: agents' schedules, into the ``schedules`` fact.

A CSV file with a header and the columns ``agent,activity,start,end`` (any order; another
column stops the load). ``activity`` is one of work, break, lunch, meeting, training,
off. ``start`` and ``end`` are ISO 8601 times with an offset, or naive in
``--source-tz`` (default UTC).

Every line is accounted for:

===========================================  ==============================================
line                                         fate
===========================================  ==============================================
header; empty line                           ignored (``header``, ``blank line``)
a line equal to an earlier one               ignored, ``duplicate line``
start equal to end                           ignored, ``activity of no length``
agent empty, activity unknown, time          rejected, naming the field
unreadable or empty
end before start                             rejected, ``end is before start``
overlaps another activity of the agent       rejected, naming the line it overlaps
anything else                                used
===========================================  ==============================================

The file is the truth for its agents over the span it covers: per agent, the stored
schedule pieces (of the same source) that start within [first start, last end) of the
file are replaced, so loading it again changes nothing and a new version of a roster
replaces the old one. Activities are cut every 15 minutes of UTC. After writing, the
``adherence`` of every scheduled agent is derived again
(:mod:`contactcenter.sources._adherence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa

from contactcenter.errors import InputError
from contactcenter.facts import ACTIVITIES, PAID, SCHEDULES_SCHEMA
from contactcenter.metrics.timezones import zone
from contactcenter.sources._adherence import refresh_adherence
from contactcenter.sources._agent_sessions import US, cut
from contactcenter.sources._text import reject_text
from contactcenter.sources.agent_states_file import (
    CellError,
    Row,
    check_files,
    instant,
    read_rows,
)
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "schedule_csv"
FIELDS = ("agent", "activity", "start", "end")
I_EMPTY = "activity of no length"
I_DUPLICATE = "duplicate line"
EXPECTED = "a schedule_csv file"


def _span(row: Row, tz: ZoneInfo | None) -> tuple[str, str, int, int] | None:
    c = row.cells
    agent = c.get("agent")
    if not agent:
        raise CellError("agent is empty")
    activity = (c.get("activity") or "").strip().lower()
    if activity not in ACTIVITIES:
        raise CellError(f"activity {c.get('activity')!r} is not one of {', '.join(ACTIVITIES)}")
    for name in ("start", "end"):
        if not c.get(name):
            raise CellError(f"{name} is empty")
    start = instant(str(c["start"]), "start", tz, None)
    end = instant(str(c["end"]), "end", tz, None)
    if end < start:
        raise CellError("end is before start")
    if end == start:
        return None
    return agent, activity, start, end


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load schedule files (see the module docstring)."""
    if options.mapping is not None:
        raise InputError("{field} does not apply to schedule_csv (fixed columns)", field="mapping")
    tz = zone(options.source_tz) if options.source_tz else None
    source = options.source or SOURCE
    acc = session.account
    rows: list[Row] = []
    for path in files:
        rows += read_rows(
            session,
            Path(path),
            columns=None,
            expected=EXPECTED,
            fields=FIELDS,
            required=FIELDS,
        )
    spans: list[tuple[str, str, int, int, Row]] = []
    for row in rows:
        try:
            got = _span(row, tz)
        except CellError as exc:
            acc.reject(row.file, row.line_no, str(exc), reject_text(row.text))
            continue
        if got is None:
            acc.ignore(I_EMPTY)
        else:
            spans.append((*got, row))
    kept: list[tuple[str, str, int, int]] = []
    seen: set[tuple[str, str, int, int]] = set()
    last: dict[str, tuple[int, Row]] = {}
    ranges: dict[str, tuple[int, int]] = {}
    for agent, activity, start, end, row in sorted(
        spans, key=lambda s: (s[0], s[2], s[4].file, s[4].line_no)
    ):
        if (agent, activity, start, end) in seen:
            acc.ignore(I_DUPLICATE)
            continue
        before = last.get(agent)
        if before is not None and before[0] > start:
            other = before[1]
            acc.reject(
                row.file,
                row.line_no,
                f"overlaps the agent's activity of {other.file} line {other.line_no}",
                reject_text(row.text),
            )
            continue
        seen.add((agent, activity, start, end))
        last[agent] = (end, row)
        kept.append((agent, activity, start, end))
        acc.used += 1
        lo, hi = ranges.get(agent, (start, end))
        ranges[agent] = (min(lo, start), max(hi, end))
    check_files(session, rows, EXPECTED)
    if not kept:
        return
    cols: dict[str, list[object]] = {name: [] for name in SCHEDULES_SCHEMA.names}
    for agent, activity, start, end in kept:
        for s, e in cut(start, end):
            cols["source"].append(source)
            cols["agent_id"].append(agent)
            cols["activity"].append(activity)
            cols["start_at"].append(s)
            cols["end_at"].append(e)
            cols["duration_s"].append((e - s) / US)
            cols["paid"].append(activity in PAID)
    ts = pa.timestamp("us", tz="UTC")
    table = pa.Table.from_arrays(
        [
            pa.array(cols[f.name], pa.int64()).cast(ts)
            if f.type == ts
            else pa.array(cols[f.name], f.type)
            for f in SCHEDULES_SCHEMA
        ],
        schema=SCHEDULES_SCHEMA,
    )
    agents = list(ranges)
    scope = pa.table(
        {
            "source": pa.array([source] * len(agents), pa.string()),
            "agent_id": pa.array(agents, pa.string()),
            "_from": pa.array([ranges[a][0] for a in agents], pa.int64()).cast(ts),
            "_until": pa.array([ranges[a][1] for a in agents], pa.int64()).cast(ts),
        }
    )
    session.write("schedules", table, replace=scope)
    acc.notes.append(
        f"schedules of {len(agents)} agents written; each agent's stored schedule in the "
        "span of the file was replaced"
    )
    refresh_adherence(session)
