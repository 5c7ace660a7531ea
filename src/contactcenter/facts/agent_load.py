"""``agent_load``: how many conversations an agent had open at once, as spans of constant
count (only spans with at least one).

Derived from ``agent_conversations`` (each row open from ``started_at`` to ``ended_at``)
per source, agent, channel and queue, again for every agent a load touched. The
``concurrency`` metric is the time-weighted mean of ``open`` over the spans inside each
period (docs/metrics.md).

===========  ==========  ==================================================================
column       type        meaning
===========  ==========  ==================================================================
source       string      as in conversations
agent_id     string      the agent
channel      string      the conversations' channel
queue        string      the conversations' queue (null: none)
since        timestamp   the span's start
until        timestamp   its end (the next change of the count)
open         int32       conversations open with the agent during the span (>= 1)
===========  ==========  ==================================================================

Key (source, agent_id, channel, queue, since). Spans derived again replace the stored ones
of the same agent, channel and queue.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

AGENT_LOAD_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("since", TIMESTAMP, nullable=False),
        pa.field("until", TIMESTAMP, nullable=False),
        pa.field("open", pa.int32(), nullable=False),
    ]
)

AGENT_LOAD = register(
    TableSpec(
        name="agent_load",
        schema=AGENT_LOAD_SCHEMA,
        key=("source", "agent_id", "channel", "queue", "since"),
        write="upsert",
        time="since",
        keys={"queue": "queue", "channel": "channel", "agent": "agent_id"},
        order="since",
        description="spans of constant count of conversations an agent had open at once",
    )
)
