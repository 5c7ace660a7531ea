"""``contacts``: one row per contact offered to a queue (or ended in the IVR/bot).

=================  ==========  ==============================================================
column             type        meaning
=================  ==========  ==============================================================
contact_id         string      unique within ``source`` (scheme per format: docs/ingestion.md)
source             string      the system or format the contact came from (queue_log, ...)
channel            string      voice | chat | email | ticket | social | messaging
queue              string      queue name (null only for IVR-only contacts without one)
customer_id        string      caller id / customer number; null when unknown
offered_at         timestamp   UTC instant the contact entered the queue (IVR exit for IVR-only)
answered_at        timestamp   UTC instant an agent took it; null if never
ended_at           timestamp   UTC instant it ended; null while in progress (or still talking)
outcome            string      answered | abandoned | timed_out | ivr_abandoned | in_progress
talking            bool        answered and still talking at the end of the data: its end and
                               talk time are not known yet (a later load brings them)
wait_s             float64     seconds in queue before answer / abandon / removal; null if
                               the source does not record it
talk_s, hold_s,    float64     null where the source does not record them
acw_s
agent_id           string      the agent who answered; null if unanswered
transferred        bool        the agent transferred the contact
ring_no_answer     int32       offers to agents that rang out unanswered (all members; per
                               member in ``ring_outs``)
disposition        string      the wrap-up code the agent (or the system) gave the contact;
                               null where none was given
resolved           bool        the source's own first-contact resolution flag (the agent or
                               the system marked the contact resolved); null where the source
                               gives none
source_tz          string      declared IANA zone of a naive-local source; null for UTC ones
source_file        string      file (base name) of the line that opened the contact
source_line        int64       1-based line number of that line
=================  ==========  ==============================================================

Key (source, contact_id), written by upsert: a later load replaces a contact whose values
changed, so an ``in_progress`` contact becomes complete when its end arrives.
"""

from __future__ import annotations

from enum import StrEnum

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register
from contactcenter.standards import DEFAULT_THRESHOLD_S


class Outcome(StrEnum):
    """How a contact ended (``in_progress`` while it has not)."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMED_OUT = "timed_out"
    IVR_ABANDONED = "ivr_abandoned"
    IN_PROGRESS = "in_progress"


OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)
CHANNELS: tuple[str, ...] = tuple(DEFAULT_THRESHOLD_S)
"""Channels a contact may have (each has a default answer threshold)."""

CONTACTS_SCHEMA = pa.schema(
    [
        pa.field("contact_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("offered_at", TIMESTAMP, nullable=False),
        pa.field("answered_at", TIMESTAMP),
        pa.field("ended_at", TIMESTAMP),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("talking", pa.bool_(), nullable=False),
        pa.field("wait_s", pa.float64()),
        pa.field("talk_s", pa.float64()),
        pa.field("hold_s", pa.float64()),
        pa.field("acw_s", pa.float64()),
        pa.field("agent_id", pa.string()),
        pa.field("transferred", pa.bool_(), nullable=False),
        pa.field("ring_no_answer", pa.int32(), nullable=False),
        pa.field("disposition", pa.string()),
        pa.field("resolved", pa.bool_()),
        pa.field("source_tz", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

CONTACTS = register(
    TableSpec(
        name="contacts",
        schema=CONTACTS_SCHEMA,
        key=("source", "contact_id"),
        write="upsert",
        time="offered_at",
        keys={
            "queue": "queue",
            "channel": "channel",
            "agent": "agent_id",
            "customer": "customer_id",
            "disposition": "disposition",
        },
        defaults={"talking": False, "transferred": False, "ring_no_answer": 0},
        order="offered_at",
        description="one row per contact offered to a queue (or ended in the IVR/bot)",
    )
)
