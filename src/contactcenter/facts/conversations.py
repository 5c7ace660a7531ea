"""``conversations``: one row per chat, e-mail thread, ticket or social thread.

Derived inside each load from *all* stored messages and events of the conversations the
load brought rows for (``sources/_conversations.py``; the rules are in
docs/ingestion.md), so a conversation still open at the end of the data is completed by a
later load, and the order of files and loads does not change it.

=========================  ==========  ======================================================
column                     type        meaning
=========================  ==========  ======================================================
source                     string      as in messages
conversation_id            string      unique within ``source``
channel                    string      chat | email | ticket | social | messaging
queue                      string      the queue of its first agent message that names one,
                                       else of its first row that names one; null if none
customer_id                string      the first customer its rows name; null if none
priority                   string      the last priority its rows give; null if none
created_at                 timestamp   its first message or event
first_assigned_at          timestamp   its first ``assigned`` event; null if none
assignee_id                string      the agent of that event
first_response_at          timestamp   the first reply by a person (or ``responded`` event)
                                       before the first resolution; null if none
agent_id                   string      who sent that first response (the first responder)
first_response_s           float64     first_response_at - created_at (the clock starts at
                                       the first customer message of a conversation an agent
                                       opened)
first_response_incl_bot_s  float64     the same with bot replies counted
a1rt_s                     float64     first_assigned_at to the assignee's first reply
first_resolved_at          timestamp   its first resolution; null if never resolved
resolved_at                timestamp   its last resolution (start of the last resolved spell)
final_resolved_at          timestamp   resolved_at while it is resolved or closed; null while
                                       it is open or pending (after a reopen too)
resolution_s               float64     first_resolved_at - created_at (from handoff_at
                                       after a bot phase; null when a bot alone resolved it)
final_resolution_s         float64     resolved_at - created_at, while resolved or closed
                                       (from handoff_at after a bot phase, likewise)
handoff_at                 timestamp   when a bot answered first: the first assignment or
                                       reply of a person after it; null otherwise
bot_s                      float64     when a bot answered first: created_at to handoff_at
                                       (or to the first resolution or last row when no
                                       person came); null otherwise
reopened                   int32       times it was reopened after a resolution
status                     string      open | pending | resolved | closed at the end of its data
pending_s                  float64     seconds in pending periods that have ended
pending_since              timestamp   start of the pending period still running; null if none
last_activity_at           timestamp   its last message or event
source_tz                  string      declared zone of naive local times; null otherwise
source_file, source_line   string,int  where its first row is
=========================  ==========  ======================================================

Key (source, conversation_id), written by upsert.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

CONVERSATION_STATUSES: tuple[str, ...] = ("open", "pending", "resolved", "closed")

CONVERSATIONS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("conversation_id", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("priority", pa.string()),
        pa.field("created_at", TIMESTAMP, nullable=False),
        pa.field("first_assigned_at", TIMESTAMP),
        pa.field("assignee_id", pa.string()),
        pa.field("first_response_at", TIMESTAMP),
        pa.field("agent_id", pa.string()),
        pa.field("first_response_s", pa.float64()),
        pa.field("first_response_incl_bot_s", pa.float64()),
        pa.field("a1rt_s", pa.float64()),
        pa.field("first_resolved_at", TIMESTAMP),
        pa.field("resolved_at", TIMESTAMP),
        pa.field("final_resolved_at", TIMESTAMP),
        pa.field("resolution_s", pa.float64()),
        pa.field("final_resolution_s", pa.float64()),
        pa.field("handoff_at", TIMESTAMP),
        pa.field("bot_s", pa.float64()),
        pa.field("reopened", pa.int32(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("pending_s", pa.float64(), nullable=False),
        pa.field("pending_since", TIMESTAMP),
        pa.field("last_activity_at", TIMESTAMP, nullable=False),
        pa.field("source_tz", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

CONVERSATIONS = register(
    TableSpec(
        name="conversations",
        schema=CONVERSATIONS_SCHEMA,
        key=("source", "conversation_id"),
        write="upsert",
        time="created_at",
        keys={
            "queue": "queue",
            "channel": "channel",
            "agent": "agent_id",
            "customer": "customer_id",
        },
        defaults={"reopened": 0, "status": "open", "pending_s": 0.0},
        order="created_at",
        description="one row per chat, e-mail thread, ticket or social thread",
    )
)
