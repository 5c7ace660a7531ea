"""Arrow schemas of the canonical tables and a function that conforms a table to one.

contacts (one row per contact; key: source + contact_id)
    contact_id      string      unique within ``source`` (scheme per format: docs/ingestion.md)
    source          string      the system or format the contact came from (queue_log, ...)
    channel         string      voice | chat | email | ticket | social
    queue           string      queue name (null only for IVR-only contacts without one)
    customer_id     string      caller id / customer number; null when unknown
    offered_at      timestamp   UTC instant the contact entered the queue (IVR exit for IVR-only)
    answered_at     timestamp   UTC instant an agent took it; null if never
    ended_at        timestamp   UTC instant it ended; null while in progress
    outcome         string      answered | abandoned | timed_out | ivr_abandoned | in_progress
    wait_s          float64     seconds in queue before answer / abandon / removal
    talk_s, hold_s, acw_s float64  null where the source does not record them
    agent_id        string      the agent who answered; null if unanswered
    transferred     bool        the agent transferred the contact
    ring_no_answer  int32       offers to agents that rang out unanswered
    source_tz       string      declared IANA zone of a naive-local source; null for UTC ones
    source_file     string      file (base name) of the line that opened the contact
    source_line     int64       1-based line number of that line

agent_events (as the sources give them; key: source + source_file + source_line)
    source, at (UTC), agent_id, queue (null for all-queue events), kind (see
    AGENT_EVENT_KINDS), reason (pause reason, or null), source_event (the source's own verb),
    source_tz, source_file, source_line
"""

from __future__ import annotations

from enum import StrEnum

import pyarrow as pa

from contactcenter.errors import InputError


class Outcome(StrEnum):
    """How a contact ended (``in_progress`` while it has not)."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMED_OUT = "timed_out"
    IVR_ABANDONED = "ivr_abandoned"
    IN_PROGRESS = "in_progress"


OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)
CHANNELS: tuple[str, ...] = ("voice", "chat", "email", "ticket", "social")
AGENT_EVENT_KINDS: tuple[str, ...] = (
    "login",
    "logout",
    "pause",
    "unpause",
    "added_to_queue",
    "removed_from_queue",
)

_TS = pa.timestamp("us", tz="UTC")

CONTACTS_SCHEMA = pa.schema(
    [
        pa.field("contact_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("offered_at", _TS, nullable=False),
        pa.field("answered_at", _TS),
        pa.field("ended_at", _TS),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("wait_s", pa.float64()),
        pa.field("talk_s", pa.float64()),
        pa.field("hold_s", pa.float64()),
        pa.field("acw_s", pa.float64()),
        pa.field("agent_id", pa.string()),
        pa.field("transferred", pa.bool_(), nullable=False),
        pa.field("ring_no_answer", pa.int32(), nullable=False),
        pa.field("source_tz", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

AGENT_EVENTS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("at", _TS, nullable=False),
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


def conform(table: pa.Table, schema: pa.Schema, *, what: str = "table") -> pa.Table:
    """Return ``table`` with exactly ``schema``'s columns, in order, cast to its types.

    Columns missing from ``table`` that are nullable are added as nulls; ``transferred``
    and ``ring_no_answer`` default to false / 0. Extra columns are an error (nothing is
    silently dropped), as is a missing required column.
    """
    extra = [name for name in table.column_names if name not in schema.names]
    if extra:
        raise InputError(f"{what}: unknown columns {extra}; allowed: {schema.names}")
    columns = []
    for field in schema:
        if field.name in table.column_names:
            col = table.column(field.name)
            if not col.type.equals(field.type):
                col = col.cast(field.type)
        elif field.name == "transferred":
            col = pa.array([False] * table.num_rows, pa.bool_())
        elif field.name == "ring_no_answer":
            col = pa.array([0] * table.num_rows, pa.int32())
        elif field.nullable:
            col = pa.nulls(table.num_rows, field.type)
        else:
            raise InputError(f"{what}: required column {field.name!r} is missing")
        if not field.nullable and col.null_count:
            raise InputError(f"{what}: column {field.name!r} has {col.null_count} empty values")
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=schema)
