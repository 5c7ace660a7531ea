"""``agent_conversations``: one row per agent who took part in a conversation.

An agent takes part by an ``assigned`` event naming them or by a reply (a public,
undeleted message, or a ``responded`` event). Derived with the conversation
(``sources/_conversations.py``); it feeds ``conversations_handled`` and the agent's
concurrency (``agent_load``).

================  ==========  ================================================================
column            type        meaning
================  ==========  ================================================================
source            string      as in conversations
conversation_id   string      the conversation
agent_id          string      the agent
channel, queue    string      the conversation's
started_at        timestamp   the agent's first assignment to it or first reply, whichever
                              is first
first_reply_at    timestamp   the agent's first reply; null if the agent never replied
replies           int32       the agent's replies (messages and responded events)
ended_at          timestamp   the conversation's first resolution at or after started_at,
                              else its last message or event
================  ==========  ================================================================

Key (source, conversation_id, agent_id). A later load that derives the conversation
again replaces its rows (an agent whose only reply was since marked deleted is removed).
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

AGENT_CONVERSATIONS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("conversation_id", pa.string(), nullable=False),
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("started_at", TIMESTAMP, nullable=False),
        pa.field("first_reply_at", TIMESTAMP),
        pa.field("replies", pa.int32(), nullable=False),
        pa.field("ended_at", TIMESTAMP, nullable=False),
    ]
)

AGENT_CONVERSATIONS = register(
    TableSpec(
        name="agent_conversations",
        schema=AGENT_CONVERSATIONS_SCHEMA,
        key=("source", "conversation_id", "agent_id"),
        write="upsert",
        time="started_at",
        keys={"queue": "queue", "channel": "channel", "agent": "agent_id"},
        defaults={"replies": 0},
        order="started_at",
        description="one row per agent who took part in a conversation",
    )
)
