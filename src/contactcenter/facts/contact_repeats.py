"""``contact_repeats``: a derived fact, one row per contact with whether its customer came
back within the repeat window (first-contact resolution).

Not stored: a report builds its rows from the stored contacts and conversations (chats,
e-mail threads, tickets, social threads) with the report's repeat rules, before its
filters, because whether a contact was repeated depends on contacts after the report's
period (:mod:`contactcenter.metrics.fcr` says how).

=================  ==========  ==============================================================
column             type        meaning
=================  ==========  ==============================================================
fact               string      ``contacts`` or ``conversations``: the stored fact of the row
source, contact_id string      the contact (or conversation: its conversation_id) as stored
channel, queue     string      the contact's
customer_id        string      the contact's customer as stored
agent_id           string      the agent who answered
offered_at         timestamp   when it was offered (a conversation: created; places the row
                               in a period)
ended_at           timestamp   when it ended (a conversation: its first resolution); null
                               while it has not
outcome            string      as in contacts; a conversation is ``answered`` when a person
                               responded, ``abandoned`` when it was resolved without a
                               response, ``in_progress`` otherwise
reopened           bool        a conversation reopened after its first resolution (the
                               customer came back in the same thread); false for contacts
identified         bool        customer_id is a reliable id: not empty, not ``0``, not in
                               scientific notation (digits lost, as in the Technion files)
pending            bool        its end is unknown, or end + repeat window reaches past the
                               last contact in the data: whether it repeats is not known yet
repeated           bool        an identified, answered contact whose customer has another
                               contact (answered, abandoned, timed out or still waiting; same
                               channel with ``same_channel``) starting after its end plus the
                               minimum gap and within the repeat window of its end, or a
                               conversation that was reopened
next_contact_at    timestamp   the start of that first later contact, or null
=================  ==========  ==============================================================
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

CONTACT_REPEATS_SCHEMA = pa.schema(
    [
        pa.field("fact", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("contact_id", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("agent_id", pa.string()),
        pa.field("offered_at", TIMESTAMP, nullable=False),
        pa.field("ended_at", TIMESTAMP),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("reopened", pa.bool_(), nullable=False),
        pa.field("identified", pa.bool_(), nullable=False),
        pa.field("pending", pa.bool_(), nullable=False),
        pa.field("repeated", pa.bool_(), nullable=False),
        pa.field("next_contact_at", TIMESTAMP),
    ]
)

CONTACT_REPEATS = register(
    TableSpec(
        name="contact_repeats",
        schema=CONTACT_REPEATS_SCHEMA,
        key=("fact", "source", "contact_id"),
        write="upsert",
        time="offered_at",
        keys={
            "queue": "queue",
            "channel": "channel",
            "agent": "agent_id",
            "customer": "customer_id",
        },
        description="per contact: whether its customer came back within the repeat window",
        derived_from=("contacts", "conversations"),
    )
)
