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
``surveys``        answer a customer gave to a survey question (CSAT, NPS, ...)
``qa_evaluations`` quality evaluation of a contact, scored on its form
``qa_answers``     item answered in a quality evaluation
=================  ==========================================================

Derived (built at report time, not stored): ``contact_repeats``, one row per contact with
whether its customer came back within the repeat window (first-contact resolution).
"""

from contactcenter.facts.agent_events import AGENT_EVENT_KINDS, AGENT_EVENTS, AGENT_EVENTS_SCHEMA
from contactcenter.facts.contact_repeats import CONTACT_REPEATS, CONTACT_REPEATS_SCHEMA
from contactcenter.facts.contacts import CHANNELS, CONTACTS, CONTACTS_SCHEMA, OUTCOMES, Outcome
from contactcenter.facts.qa import QA_ANSWERS, QA_EVALUATIONS
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
from contactcenter.facts.surveys import SURVEY_KINDS, SURVEYS, SURVEYS_SCHEMA

__all__ = [
    "AGENT_EVENTS",
    "AGENT_EVENTS_SCHEMA",
    "AGENT_EVENT_KINDS",
    "CHANNELS",
    "CONTACTS",
    "CONTACTS_SCHEMA",
    "CONTACT_REPEATS",
    "CONTACT_REPEATS_SCHEMA",
    "GROUP_COLUMNS",
    "OUTCOMES",
    "QA_ANSWERS",
    "QA_EVALUATIONS",
    "RING_OUTS",
    "RING_OUTS_SCHEMA",
    "SURVEYS",
    "SURVEYS_SCHEMA",
    "SURVEY_KINDS",
    "TIMESTAMP",
    "Outcome",
    "TableSpec",
    "register",
    "table_spec",
    "tables",
    "unregister",
]
