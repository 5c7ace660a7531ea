"""``ring_outs``: offers of a contact to an agent that rang out unanswered, per agent.

==============  ==========  ===========================================================
column          type        meaning
==============  ==========  ===========================================================
source          string      as in contacts
contact_id      string      the contact that was offered
agent_id        string      the member the offer rang (the RINGNOANSWER line's agent);
                            null when the source gives only a count per contact
queue           string      the contact's queue
channel         string      the contact's channel
offered_at      timestamp   the contact's offered_at: a ring-out counts in the period its
                            contact was offered, like every other contact metric
rings           int32       offers to that agent that rang out (>= 0)
==============  ==========  ===========================================================

Key (source, contact_id, agent_id), written by upsert with the contact: the ring-outs of
a contact re-derived by a later load replace the stored ones. Ring-outs belong to the
member who let the phone ring, so ``--by agent`` shows them on that member's row even
when the call was answered by someone else or abandoned.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

RING_OUTS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("contact_id", pa.string(), nullable=False),
        pa.field("agent_id", pa.string()),
        pa.field("queue", pa.string()),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("offered_at", TIMESTAMP, nullable=False),
        pa.field("rings", pa.int32(), nullable=False),
    ]
)

RING_OUTS = register(
    TableSpec(
        name="ring_outs",
        schema=RING_OUTS_SCHEMA,
        key=("source", "contact_id", "agent_id"),
        write="upsert",
        time="offered_at",
        keys={"queue": "queue", "channel": "channel", "agent": "agent_id"},
        order="offered_at",
        description="offers of a contact that rang out unanswered, per agent",
    )
)


def from_contacts(contacts: pa.Table) -> pa.Table:
    """Ring-outs of contacts whose source gives only a count per contact (the contacts
    column ``ring_no_answer``): one row per contact with rings > 0, agent unknown."""
    import pyarrow.compute as pc

    kept = contacts.filter(pc.greater(contacts.column("ring_no_answer"), 0))
    return RING_OUTS.conform(
        pa.table(
            {
                "source": kept.column("source"),
                "contact_id": kept.column("contact_id"),
                "agent_id": pa.nulls(kept.num_rows, pa.string()),
                "queue": kept.column("queue"),
                "channel": kept.column("channel"),
                "offered_at": kept.column("offered_at"),
                "rings": kept.column("ring_no_answer"),
            }
        )
    )
