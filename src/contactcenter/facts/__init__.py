"""Canonical tables: the one shape every source is turned into.

``contacts`` has one row per contact offered to a queue (or ended in the IVR), and
``agent_events`` keeps agent state changes as the sources give them. See docs/data-model.md.
"""

from contactcenter.facts.schemas import (
    AGENT_EVENT_KINDS,
    AGENT_EVENTS_SCHEMA,
    CHANNELS,
    CONTACTS_SCHEMA,
    OUTCOMES,
    Outcome,
    conform,
)

__all__ = [
    "AGENT_EVENTS_SCHEMA",
    "AGENT_EVENT_KINDS",
    "CHANNELS",
    "CONTACTS_SCHEMA",
    "OUTCOMES",
    "Outcome",
    "conform",
]
