"""``agent_events``: agent state changes as the sources give them.

=============  ==========  ======================================================
column         type        meaning
=============  ==========  ======================================================
source         string      as in contacts
at             timestamp   UTC instant it happened
agent_id       string      member name / interface as the source writes it
queue          string      null for all-queue events (PAUSEALL, logins)
kind           string      one of :data:`AGENT_EVENT_KINDS`
reason         string      pause reason, or null
source_event   string      the source's own verb (PAUSE, ADDMEMBER, ...)
source_tz      string      as in contacts
source_file    string      file (base name) of the line
source_line    int64       1-based line number
=============  ==========  ======================================================

Written by append: an event is its content (every column but the line reference), so a
line seen again in another rotated file is one event.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

AGENT_EVENT_KINDS: tuple[str, ...] = (
    "login",
    "logout",
    "pause",
    "unpause",
    "added_to_queue",
    "removed_from_queue",
)

AGENT_EVENTS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("at", TIMESTAMP, nullable=False),
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("source_event", pa.string(), nullable=False),
        pa.field("source_tz", pa.string()),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_line", pa.int64(), nullable=False),
    ]
)

AGENT_EVENTS = register(
    TableSpec(
        name="agent_events",
        schema=AGENT_EVENTS_SCHEMA,
        key=("source", "at", "agent_id", "queue", "kind", "reason", "source_event", "source_tz"),
        write="append",
        time="at",
        keys={"queue": "queue", "agent": "agent_id"},
        order="at",
        description="agent state changes (login, pause, ...) as the sources give them",
    )
)
