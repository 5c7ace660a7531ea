"""``conversation_events``: status changes of conversations, with the agent.

=================  ==========  ==============================================================
column             type        meaning
=================  ==========  ==============================================================
source             string      as in messages
conversation_id    string      the conversation (ticket, chat, ...) it belongs to
at                 timestamp   UTC instant it happened
kind               string      one of :data:`EVENT_KINDS`
activity           string      the source's own name for it (``Take in charge ticket``)
agent_id           string      who did it (the event log's resource); null when unknown
channel            string      chat | email | ticket | social | messaging
queue              string      the queue the row names; null when none
customer_id        string      the customer the row names; null when none
priority           string      the priority the row gives; null when none
resolves           bool        derived: it resolved the conversation (a ``resolved`` or
                               ``closed`` event while the conversation was not resolved)
replied            bool        derived: a person had replied to the conversation before it
pending_until      timestamp   derived, ``pending`` events: when the pending period ended
                               (the conversation's next event or customer message); null
                               while it lasts (or when the event did not start one)
source_tz          string      declared IANA zone of naive local times; null otherwise
source_file        string      file (base name) of the line
source_line        int64       1-based line (CSV record) number
=================  ==========  ==============================================================

Key (source, conversation_id, at, activity, agent_id): an event is its content, so the same
row in two files is one event. Written by upsert with the conversation: each load that
brings rows of a conversation derives the three derived columns of all its events again.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

EVENT_KINDS: tuple[str, ...] = (
    "created",
    "assigned",
    "responded",
    "pending",
    "resumed",
    "resolved",
    "reopened",
    "closed",
    "updated",
)
"""Lifecycle events; ``updated`` is any other activity (it ends a pending period)."""

CONVERSATION_EVENTS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("conversation_id", pa.string(), nullable=False),
        pa.field("at", TIMESTAMP, nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("activity", pa.string(), nullable=False),
        pa.field("agent_id", pa.string()),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("priority", pa.string()),
        pa.field("resolves", pa.bool_(), nullable=False),
        pa.field("replied", pa.bool_(), nullable=False),
        pa.field("pending_until", TIMESTAMP),
        pa.field("source_tz", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

CONVERSATION_EVENTS = register(
    TableSpec(
        name="conversation_events",
        schema=CONVERSATION_EVENTS_SCHEMA,
        key=("source", "conversation_id", "at", "activity", "agent_id"),
        write="upsert",
        time="at",
        keys={
            "queue": "queue",
            "channel": "channel",
            "agent": "agent_id",
            "customer": "customer_id",
        },
        defaults={"resolves": False, "replied": False},
        order="at",
        description="status changes of conversations (created, responded, resolved, ...)",
    )
)
