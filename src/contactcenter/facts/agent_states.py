"""``agent_states``: an agent's time as consecutive states, split at 15-minute boundaries.

==============  ==========  ===========================================================
column          type        meaning
==============  ==========  ===========================================================
source          string      as in contacts (the source of the events it came from)
agent_id        string      the agent (as in contacts and agent_events)
scope           string      ``agent``: the agent's own time line (one state at a time);
                            ``queue``: the time line of the agent's membership of
                            ``queue`` (one per queue the agent is a member of)
queue           string      the queue of a ``queue`` row; null on ``agent`` rows
state           string      one of :data:`AGENT_STATES`
reason          string      the pause reason of a ``not_ready`` row (null if none given)
start_at        timestamp   start of the piece (UTC)
end_at          timestamp   end of the piece; null while the state is still open at the
                            end of the data (a later load closes it)
duration_s      float64     end_at - start_at in seconds; null while open
==============  ==========  ===========================================================

States (mutually exclusive; an agent logged out has no row)

==============  ===========================================================================
state           the agent is logged in and ...
==============  ===========================================================================
``handling``    on at least one contact (answered_at to ended_at), paused or not
``acw``         in after-contact work (ended_at to ended_at + acw_s, where the source
                records acw_s), not on a contact
``not_ready``   paused (``reason``), neither on a contact nor in after-contact work
``available``   not paused, not on a contact, not in after-contact work
==============  ===========================================================================

Every state is cut at each multiple of :data:`GRAIN_S` seconds of UTC, so that the
pieces of one interval of any report whose interval is a multiple of 15 minutes (in any
time zone whose offset is a multiple of 15 minutes) add up to the time logged in during
that interval. A report asks for ``scope = 'queue'`` rows when it groups or filters by
queue, and for ``scope = 'agent'`` rows otherwise, so an agent in three queues counts
its hours once per agent and once per queue.

Key (source, agent_id, scope, queue, start_at), written by replacement per agent: each
load that brings events of an agent derives that agent's states again from all its
stored events and contacts, and the agent's stored rows are replaced by the new ones
from the 15-minute piece holding the load's first new event or contact of the agent
(and from its state still open) on: the earlier pieces cannot change.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

AGENT_STATES: tuple[str, ...] = ("handling", "acw", "not_ready", "available")
"""The states of a logged-in agent (see the module docstring)."""

SCOPES: tuple[str, ...] = ("agent", "queue")
"""``agent``: the agent's own time line; ``queue``: per queue membership."""

GRAIN_S = 900
"""States are cut at every multiple of this many seconds of UTC (15 minutes)."""

AGENT_STATES_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("scope", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("state", pa.string(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("start_at", TIMESTAMP, nullable=False),
        pa.field("end_at", TIMESTAMP),
        pa.field("duration_s", pa.float64()),
    ]
)

AGENT_STATES_TABLE = register(
    TableSpec(
        name="agent_states",
        schema=AGENT_STATES_SCHEMA,
        key=("source", "agent_id", "scope", "queue", "start_at"),
        write="upsert",
        time="start_at",
        keys={"queue": "queue", "agent": "agent_id", "reason": "reason"},
        order="start_at",
        description="agents' time as states (handling, acw, not_ready, available), "
        "cut at 15-minute boundaries",
        grain_s=GRAIN_S,
    )
)
