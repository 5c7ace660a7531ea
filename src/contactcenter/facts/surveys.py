"""``surveys``: one row per answer a customer gave to a survey question after a contact.

=================  ==========  ==============================================================
column             type        meaning
=================  ==========  ==============================================================
survey_id          string      the survey response, unique within ``source`` (one response
                               may hold one answer of each kind)
source             string      the system or format the answer came from
kind               string      csat | nps | ces | agent_rating | resolved | custom
                               (resolved: was the matter resolved? yes is the top of the
                               scale, e.g. 1 on 0-1)
contact_id         string      the contact surveyed (null when it was a conversation or is
                               not known)
conversation_id    string      the conversation surveyed (messaging channels), or null
customer_id        string      the customer who answered; null when unknown
agent_id           string      the agent rated: the one who handled the contact, as of the
                               rating (a later change of team does not move it)
answered_at        timestamp   UTC instant the customer answered (places it in a period)
score              float64     the answer, on its scale: scale_min <= score <= scale_max
scale_min          int64       lowest point of the question's scale (0 or 1 usually)
scale_max          int64       highest point of the scale (scale_max > scale_min)
comment            string      free text the customer added, or null
source_tz          string      declared IANA zone of a naive-local source; null for UTC ones
source_file        string      file (base name) of the line
source_line        int64       1-based line number of that line
=================  ==========  ==============================================================

Key (source, survey_id, kind), written by upsert: a later load of the same response
replaces the answer when it changed (a corrected score, a comment added).

``survey_answers`` (derived at report time, not stored; the survey metrics read it): the
answers with the ``queue`` and ``channel`` of the contact or conversation they are about
(looked up by ``contact_id`` in contacts, else by ``conversation_id`` in conversations,
whatever their source; when an id is stored under several sources, the first queue and
channel in name order), null when the answer names neither or it is not in the store.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

SURVEY_KINDS: tuple[str, ...] = ("csat", "nps", "ces", "agent_rating", "resolved", "custom")
"""What a survey question measures."""

SURVEYS_SCHEMA = pa.schema(
    [
        pa.field("survey_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("contact_id", pa.string()),
        pa.field("conversation_id", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("agent_id", pa.string()),
        pa.field("answered_at", TIMESTAMP, nullable=False),
        pa.field("score", pa.float64(), nullable=False),
        pa.field("scale_min", pa.int64(), nullable=False),
        pa.field("scale_max", pa.int64(), nullable=False),
        pa.field("comment", pa.string()),
        pa.field("source_tz", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

SURVEYS = register(
    TableSpec(
        name="surveys",
        schema=SURVEYS_SCHEMA,
        key=("source", "survey_id", "kind"),
        write="upsert",
        time="answered_at",
        keys={"agent": "agent_id", "customer": "customer_id"},
        order="answered_at",
        description="one row per answer a customer gave to a survey question",
    )
)

SURVEY_ANSWERS = register(
    TableSpec(
        name="survey_answers",
        schema=pa.schema(
            [
                *SURVEYS_SCHEMA,
                pa.field("queue", pa.string()),
                pa.field("channel", pa.string()),
            ]
        ),
        key=("source", "survey_id", "kind"),
        write="upsert",
        time="answered_at",
        keys={
            "agent": "agent_id",
            "customer": "customer_id",
            "queue": "queue",
            "channel": "channel",
        },
        description="survey answers with the queue and channel of their contact",
        derived_from=("surveys",),
    )
)
