"""Two derived facts of resolution (built at report time, not stored):

``conversation_resolutions``: one row per conversation resolved at least once, placed in
the period of its *first resolution* (``resolution_rate`` counts conversations resolved in
the period over those created in it).

=================  ==========  ==============================================================
column             type        meaning
=================  ==========  ==============================================================
source             string      as in conversations
conversation_id    string      the conversation
channel, queue     string      the conversation's
customer_id        string      its customer
agent_id           string      its first responder
first_resolved_at  timestamp   its first resolution (places the row in a period)
=================  ==========  ==============================================================

``declared_resolutions``: one row per answered contact or responded conversation that a
source declares resolved or not (``fcr_declared``).

=================  ==========  ==============================================================
column             type        meaning
=================  ==========  ==============================================================
fact               string      ``contacts`` or ``conversations``
source, contact_id string      the contact (a conversation: its conversation_id) as stored
channel, queue     string      the contact's
customer_id        string      its customer
agent_id           string      the agent who answered (first responder)
offered_at         timestamp   when it was offered (a conversation: created)
resolved           bool        declared resolved (true) or not (false)
declared_by        string      ``source``: the contact's own ``resolved`` column (a contacts
                               file, a mapped CSV); ``survey``: survey answers of kind
                               ``resolved`` about it (resolved when every such answer is the
                               top of its scale). The source's flag wins where both exist.
=================  ==========  ==============================================================
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

_KEYS = {"queue": "queue", "channel": "channel", "agent": "agent_id", "customer": "customer_id"}

CONVERSATION_RESOLUTIONS = register(
    TableSpec(
        name="conversation_resolutions",
        schema=pa.schema(
            [
                pa.field("source", pa.string(), nullable=False),
                pa.field("conversation_id", pa.string(), nullable=False),
                pa.field("channel", pa.string(), nullable=False),
                pa.field("queue", pa.string()),
                pa.field("customer_id", pa.string()),
                pa.field("agent_id", pa.string()),
                pa.field("first_resolved_at", TIMESTAMP, nullable=False),
            ]
        ),
        key=("source", "conversation_id"),
        write="upsert",
        time="first_resolved_at",
        keys=_KEYS,
        description="per conversation resolved at least once, at its first resolution",
        derived_from=("conversations",),
    )
)

DECLARATIONS = ("source", "survey")
"""Where a declared resolution comes from (``declared_by``)."""

DECLARED_RESOLUTIONS = register(
    TableSpec(
        name="declared_resolutions",
        schema=pa.schema(
            [
                pa.field("fact", pa.string(), nullable=False),
                pa.field("source", pa.string(), nullable=False),
                pa.field("contact_id", pa.string(), nullable=False),
                pa.field("channel", pa.string(), nullable=False),
                pa.field("queue", pa.string()),
                pa.field("customer_id", pa.string()),
                pa.field("agent_id", pa.string()),
                pa.field("offered_at", TIMESTAMP, nullable=False),
                pa.field("resolved", pa.bool_(), nullable=False),
                pa.field("declared_by", pa.string(), nullable=False),
            ]
        ),
        key=("fact", "source", "contact_id"),
        write="upsert",
        time="offered_at",
        keys=_KEYS,
        description="per answered contact a source declares resolved or not",
        derived_from=("contacts", "conversations"),
    )
)
