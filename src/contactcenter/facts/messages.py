"""``messages``: one row per message of a chat, e-mail thread, ticket or social thread.

=================  ==========  ==============================================================
column             type        meaning
=================  ==========  ==============================================================
source             string      the system or format the message came from (twcs, ...)
conversation_id    string      the conversation it belongs to; null for a message that
                               belongs to no conversation (twcs: a brand's tweet in a thread
                               the brand started): it counts for its agent, makes no
                               conversation
message_id         string      unique within (source, conversation_id)
at                 timestamp   UTC instant it was sent
direction          string      ``in`` (from the customer) | ``out`` (to the customer)
sender_kind        string      customer | agent | bot | system
agent_id           string      the agent who sent it (agent messages; a brand account for
                               twcs); null otherwise
private            bool        an internal note, never shown to the customer
deleted            bool        deleted after it was sent
channel            string      chat | email | ticket | social | messaging
queue              string      the queue (inbox, team, brand account) the source names for
                               the message; null when it names none
customer_id        string      the customer; null when unknown
priority           string      the conversation's priority as the message's row gives it
source_tz          string      declared IANA zone of naive local times; null otherwise
source_file        string      file (base name) of the line
source_line        int64       1-based line (CSV record) or row (Parquet) number
=================  ==========  ==============================================================

Key (source, conversation_id, message_id), written by upsert: a later export that marks a
message deleted updates it, and loading the same data again changes nothing.

**A reply** is a message ``out`` by an ``agent`` that is neither private nor deleted. Bot,
system, private and deleted messages never count as a reply (docs/metrics.md).
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

DIRECTIONS: tuple[str, ...] = ("in", "out")
SENDER_KINDS: tuple[str, ...] = ("customer", "agent", "bot", "system")
CONVERSATION_CHANNELS: tuple[str, ...] = ("chat", "email", "ticket", "social", "messaging")
"""The channels of conversations (every channel but voice)."""

MESSAGES_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("conversation_id", pa.string()),
        pa.field("message_id", pa.string(), nullable=False),
        pa.field("at", TIMESTAMP, nullable=False),
        pa.field("direction", pa.string(), nullable=False),
        pa.field("sender_kind", pa.string(), nullable=False),
        pa.field("agent_id", pa.string()),
        pa.field("private", pa.bool_(), nullable=False),
        pa.field("deleted", pa.bool_(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("priority", pa.string()),
        pa.field("source_tz", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

MESSAGES = register(
    TableSpec(
        name="messages",
        schema=MESSAGES_SCHEMA,
        key=("source", "conversation_id", "message_id"),
        write="upsert",
        time="at",
        keys={
            "queue": "queue",
            "channel": "channel",
            "agent": "agent_id",
            "customer": "customer_id",
        },
        defaults={"private": False, "deleted": False},
        order="at",
        description="one row per message of a chat, e-mail, ticket or social thread",
    )
)
