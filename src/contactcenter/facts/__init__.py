"""Canonical tables ("facts"): the one shape every source is turned into.

Each module declares one table (:class:`~contactcenter.facts.registry.TableSpec`) and
registers it; the store, the engines and the metric compiler know tables only through
the registry (:func:`table_spec`, :func:`tables`). See docs/data-model.md.

=================  ==========================================================
table              one row per
=================  ==========================================================
``contacts``       contact offered to a queue (or ended in the IVR/bot)
``agent_events``   agent state change as a source gives it
``ring_outs``      contact and agent whose offer rang out unanswered
``agent_states``   piece of an agent's state (handling, acw, not_ready, available)
``schedules``      piece of an agent's scheduled activity (work, break, lunch, ...)
``adherence``      piece of a scheduled agent's time: scheduled against actual
=================  ==========================================================
"""

from contactcenter.facts.adherence import ADHERENCE, ADHERENCE_SCHEMA, DEVIATIONS
from contactcenter.facts.agent_events import AGENT_EVENT_KINDS, AGENT_EVENTS, AGENT_EVENTS_SCHEMA
from contactcenter.facts.agent_states import (
    AGENT_STATES,
    AGENT_STATES_SCHEMA,
    AGENT_STATES_TABLE,
    GRAIN_S,
    SCOPES,
)
from contactcenter.facts.contacts import CHANNELS, CONTACTS, CONTACTS_SCHEMA, OUTCOMES, Outcome
from contactcenter.facts.registry import (
    GROUP_COLUMNS,
    TIMESTAMP,
    TableSpec,
    register,
    table_spec,
    tables,
    unregister,
)
from contactcenter.facts.ring_outs import RING_OUTS, RING_OUTS_SCHEMA
from contactcenter.facts.schedules import ACTIVITIES, PAID, SCHEDULES, SCHEDULES_SCHEMA

__all__ = [
    "ACTIVITIES",
    "ADHERENCE",
    "ADHERENCE_SCHEMA",
    "AGENT_EVENTS",
    "AGENT_EVENTS_SCHEMA",
    "AGENT_EVENT_KINDS",
    "AGENT_STATES",
    "AGENT_STATES_SCHEMA",
    "AGENT_STATES_TABLE",
    "CHANNELS",
    "CONTACTS",
    "CONTACTS_SCHEMA",
    "DEVIATIONS",
    "GRAIN_S",
    "GROUP_COLUMNS",
    "OUTCOMES",
    "PAID",
    "RING_OUTS",
    "RING_OUTS_SCHEMA",
    "SCHEDULES",
    "SCHEDULES_SCHEMA",
    "SCOPES",
    "TIMESTAMP",
    "Outcome",
    "TableSpec",
    "register",
    "table_spec",
    "tables",
    "unregister",
]
