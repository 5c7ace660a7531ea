"""``schedules``: what each agent is scheduled to do, cut at 15-minute boundaries.

==============  ==========  ===========================================================
column          type        meaning
==============  ==========  ===========================================================
source          string      the source of the schedule (``schedule_csv``, or --source)
agent_id        string      the agent, named as in contacts and agent_states
activity        string      one of :data:`ACTIVITIES`
start_at        timestamp   start of the piece (UTC)
end_at          timestamp   end of the piece (UTC)
duration_s      float64     end_at - start_at in seconds
paid            bool        the activity is paid time (:data:`PAID`: all but lunch, off)
==============  ==========  ===========================================================

Key (source, agent_id, start_at). A schedule file is the truth for its agents over the
span it covers (the stored pieces of those agents in that span are replaced).
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.agent_states import GRAIN_S
from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

ACTIVITIES: tuple[str, ...] = ("work", "break", "lunch", "meeting", "training", "off")
"""Scheduled activities. ``work``: on the phones (logged in, not paused); the others are
away from the queue (paused or logged out)."""

PAID: tuple[str, ...] = ("work", "break", "meeting", "training")
"""Activities that are paid time (shrinkage's denominator); lunch and off are not."""

SCHEDULES_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("activity", pa.string(), nullable=False),
        pa.field("start_at", TIMESTAMP, nullable=False),
        pa.field("end_at", TIMESTAMP, nullable=False),
        pa.field("duration_s", pa.float64(), nullable=False),
        pa.field("paid", pa.bool_(), nullable=False),
    ]
)

SCHEDULES = register(
    TableSpec(
        name="schedules",
        schema=SCHEDULES_SCHEMA,
        key=("source", "agent_id", "start_at"),
        write="upsert",
        time="start_at",
        keys={"agent": "agent_id"},
        order="start_at",
        description="agents' scheduled activities (work, break, lunch, ...), cut at "
        "15-minute boundaries",
        grain_s=GRAIN_S,
    )
)
