"""``adherence``: each scheduled agent's time, scheduled activity against what it did.

==============  ==========  ===========================================================
column          type        meaning
==============  ==========  ===========================================================
agent_id        string      the agent
activity        string      the scheduled activity (schedules), ``off`` when none
expected        string      ``work`` when the activity is work, else ``away``
actual          string      ``work`` when logged in and not paused (handling, acw or
                            available), else ``away`` (paused or logged out)
start_at        timestamp   start of the piece (UTC)
end_at          timestamp   end of the piece
duration_s      float64     end_at - start_at in seconds
episode_s       float64     when expected differs from actual: the length of the whole
                            run of such time the piece belongs to (a tolerance compares
                            it); null when in adherence
deviation       string      ``late_login``, ``early_logout``, ``break_overrun`` or null
==============  ==========  ===========================================================

Only agents with a schedule have rows; a row covers time that is scheduled (an activity
other than off) or worked. Derived by the loads that write schedules or agent states,
per agent, up to the end of what the store knows of the agent (the start of a state
still open, and no later than the last instant of any agent state). Key (agent_id,
start_at); cut every 15 minutes of UTC.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.agent_states import GRAIN_S
from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

DEVIATIONS: tuple[str, ...] = ("late_login", "early_logout", "break_overrun")
"""Named deviations from the schedule (docs/data-model.md, "Adherence")."""

ADHERENCE_SCHEMA = pa.schema(
    [
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("activity", pa.string(), nullable=False),
        pa.field("expected", pa.string(), nullable=False),
        pa.field("actual", pa.string(), nullable=False),
        pa.field("start_at", TIMESTAMP, nullable=False),
        pa.field("end_at", TIMESTAMP, nullable=False),
        pa.field("duration_s", pa.float64(), nullable=False),
        pa.field("episode_s", pa.float64()),
        pa.field("deviation", pa.string()),
    ]
)

ADHERENCE = register(
    TableSpec(
        name="adherence",
        schema=ADHERENCE_SCHEMA,
        key=("agent_id", "start_at"),
        write="upsert",
        time="start_at",
        keys={"agent": "agent_id"},
        order="start_at",
        description="scheduled agents' time: scheduled activity against what they did",
        grain_s=GRAIN_S,
    )
)
