"""``responses``: one row per customer turn of a conversation and the reply it got.

A *turn* starts at a customer message that follows a reply, a resolution, or nothing
(the first turn); the customer's further messages belong to it until a person replies
(the turn is ``replied``) or the conversation is resolved first (the turn's clock stops:
``stopped_at``). Bot, system, private and deleted messages do not end a turn. Derived
with the conversation (``sources/_conversations.py``).

================  ==========  ===============================================================
column            type        meaning
================  ==========  ===============================================================
source            string      as in conversations
conversation_id   string      the conversation
turn              int32       1 for the first customer turn, 2, 3, ... for the later ones
channel, queue,   string      the conversation's
priority
started_at        timestamp   the turn's first customer message
replied_at        timestamp   the first reply by a person after it; null if none (yet)
agent_id          string      who replied
stopped_at        timestamp   the resolution that ended the turn before any reply; null
                              otherwise
response_s        float64     replied_at - started_at; null when not replied
================  ==========  ===============================================================

Key (source, conversation_id, turn). The turns of a conversation derived again by a later
load replace the stored ones (turns that no longer exist are removed).
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

RESPONSES_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("conversation_id", pa.string(), nullable=False),
        pa.field("turn", pa.int32(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("priority", pa.string()),
        pa.field("started_at", TIMESTAMP, nullable=False),
        pa.field("replied_at", TIMESTAMP),
        pa.field("agent_id", pa.string()),
        pa.field("stopped_at", TIMESTAMP),
        pa.field("response_s", pa.float64()),
    ]
)

RESPONSES = register(
    TableSpec(
        name="responses",
        schema=RESPONSES_SCHEMA,
        key=("source", "conversation_id", "turn"),
        write="upsert",
        time="started_at",
        keys={"queue": "queue", "channel": "channel", "agent": "agent_id"},
        order="started_at",
        description="one row per customer turn of a conversation and the reply it got",
    )
)
