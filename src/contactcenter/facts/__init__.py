"""Canonical tables ("facts"): the one shape every source is turned into.

Each module declares one table (:class:`~contactcenter.facts.registry.TableSpec`) and
registers it; the store, the engines and the metric compiler know tables only through
the registry (:func:`table_spec`, :func:`tables`). See docs/data-model.md.

=======================  ====================================================================
table                    one row per
=======================  ====================================================================
``contacts``             contact offered to a queue (or ended in the IVR/bot)
``agent_events``         agent state change as a source gives it
``ring_outs``            contact and agent whose offer rang out unanswered
``agent_states``         piece of an agent's state (handling, acw, not_ready, available)
``schedules``            piece of an agent's scheduled activity (work, break, lunch, ...)
``adherence``            piece of a scheduled agent's time: scheduled against actual
``messages``             message of a chat, e-mail, ticket or social thread
``conversation_events``  status change of a conversation (responded, resolved, ...)
``conversations``        chat, e-mail thread, ticket or social thread (derived)
``responses``            customer turn of a conversation and the reply it got (derived)
``agent_conversations``  agent who took part in a conversation (derived)
``agent_load``           span of constant count of an agent's open conversations (derived)
``surveys``              answer a customer gave to a survey question (CSAT, NPS, ...)
``qa_evaluations``       quality evaluation of a contact, scored on its form
``qa_answers``           item answered in a quality evaluation
=======================  ====================================================================

Derived (built at report time, not stored): ``contact_repeats``, one row per contact or
conversation with whether its customer came back within the repeat window (first-contact
resolution); ``conversation_resolutions`` (conversations at their first resolution);
``declared_resolutions`` (answered contacts a source or a survey declares resolved or
not); ``survey_answers`` (survey answers with their contact's queue and channel).
"""

from contactcenter.facts.adherence import ADHERENCE, ADHERENCE_SCHEMA, DEVIATIONS
from contactcenter.facts.agent_conversations import (
    AGENT_CONVERSATIONS,
    AGENT_CONVERSATIONS_SCHEMA,
)
from contactcenter.facts.agent_events import AGENT_EVENT_KINDS, AGENT_EVENTS, AGENT_EVENTS_SCHEMA
from contactcenter.facts.agent_load import AGENT_LOAD, AGENT_LOAD_SCHEMA
from contactcenter.facts.agent_states import (
    AGENT_STATES,
    AGENT_STATES_SCHEMA,
    AGENT_STATES_TABLE,
    GRAIN_S,
    SCOPES,
)
from contactcenter.facts.contact_repeats import CONTACT_REPEATS, CONTACT_REPEATS_SCHEMA
from contactcenter.facts.contacts import CHANNELS, CONTACTS, CONTACTS_SCHEMA, OUTCOMES, Outcome
from contactcenter.facts.conversation_events import (
    CONVERSATION_EVENTS,
    CONVERSATION_EVENTS_SCHEMA,
    EVENT_KINDS,
)
from contactcenter.facts.conversations import (
    CONVERSATION_STATUSES,
    CONVERSATIONS,
    CONVERSATIONS_SCHEMA,
)
from contactcenter.facts.messages import (
    CONVERSATION_CHANNELS,
    DIRECTIONS,
    MESSAGES,
    MESSAGES_SCHEMA,
    SENDER_KINDS,
)
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
from contactcenter.facts.resolutions import CONVERSATION_RESOLUTIONS, DECLARED_RESOLUTIONS
from contactcenter.facts.responses import RESPONSES, RESPONSES_SCHEMA
from contactcenter.facts.ring_outs import RING_OUTS, RING_OUTS_SCHEMA
from contactcenter.facts.schedules import ACTIVITIES, PAID, SCHEDULES, SCHEDULES_SCHEMA
from contactcenter.facts.surveys import SURVEY_ANSWERS, SURVEY_KINDS, SURVEYS, SURVEYS_SCHEMA

__all__ = [
    "ACTIVITIES",
    "ADHERENCE",
    "ADHERENCE_SCHEMA",
    "AGENT_CONVERSATIONS",
    "AGENT_CONVERSATIONS_SCHEMA",
    "AGENT_EVENTS",
    "AGENT_EVENTS_SCHEMA",
    "AGENT_EVENT_KINDS",
    "AGENT_LOAD",
    "AGENT_LOAD_SCHEMA",
    "AGENT_STATES",
    "AGENT_STATES_SCHEMA",
    "AGENT_STATES_TABLE",
    "CHANNELS",
    "CONTACTS",
    "CONTACTS_SCHEMA",
    "CONTACT_REPEATS",
    "CONTACT_REPEATS_SCHEMA",
    "CONVERSATIONS",
    "CONVERSATIONS_SCHEMA",
    "CONVERSATION_CHANNELS",
    "CONVERSATION_EVENTS",
    "CONVERSATION_EVENTS_SCHEMA",
    "CONVERSATION_RESOLUTIONS",
    "CONVERSATION_STATUSES",
    "DECLARED_RESOLUTIONS",
    "DEVIATIONS",
    "DIRECTIONS",
    "EVENT_KINDS",
    "GRAIN_S",
    "GROUP_COLUMNS",
    "MESSAGES",
    "MESSAGES_SCHEMA",
    "OUTCOMES",
    "PAID",
    "QA_ANSWERS",
    "QA_EVALUATIONS",
    "RESPONSES",
    "RESPONSES_SCHEMA",
    "RING_OUTS",
    "RING_OUTS_SCHEMA",
    "SCHEDULES",
    "SCHEDULES_SCHEMA",
    "SCOPES",
    "SENDER_KINDS",
    "SURVEYS",
    "SURVEYS_SCHEMA",
    "SURVEY_ANSWERS",
    "SURVEY_KINDS",
    "TIMESTAMP",
    "Outcome",
    "TableSpec",
    "register",
    "table_spec",
    "tables",
    "unregister",
]
