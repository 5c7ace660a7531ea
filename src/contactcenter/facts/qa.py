"""``qa_evaluations`` and ``qa_answers``: quality evaluations of contacts against a form.

``qa_evaluations``, one row per evaluation:

=================  ==========  ==============================================================
column             type        meaning
=================  ==========  ==============================================================
evaluation_id      string      unique within ``source``
source             string      the system or format the evaluation came from
form               string      the name of the form it was scored on
contact_id         string      the contact evaluated, or null
conversation_id    string      the conversation evaluated (messaging channels), or null
agent_id           string      the agent evaluated
evaluator_id       string      who evaluated
evaluated_at       timestamp   UTC instant of the evaluation (places it in a period)
score              float64     0-100: weighted share of the points of the items answered;
                               0 when a critical item failed; null when every item is N/A
critical_failed    bool        a critical item failed
items_answered     int64       items answered (not N/A)
items_na           int64       items answered N/A
source_tz, source_file, source_line   as in contacts
=================  ==========  ==============================================================

``qa_answers``, one row per item of an evaluation: evaluation_id, source, form, section,
item, answer (the text as given), value (0-1: yes 1, no 0, a scale answer mapped to its
range; null for N/A), weight, critical, passed (null for N/A), and the evaluation's
agent_id, evaluator_id and evaluated_at.

Keys (source, evaluation_id) and (source, evaluation_id, item), written by upsert: a
re-scored evaluation replaces the stored one.
"""

from __future__ import annotations

import pyarrow as pa

from contactcenter.facts.registry import TIMESTAMP, TableSpec, register

QA_EVALUATIONS_SCHEMA = pa.schema(
    [
        pa.field("evaluation_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("form", pa.string(), nullable=False),
        pa.field("contact_id", pa.string()),
        pa.field("conversation_id", pa.string()),
        pa.field("agent_id", pa.string()),
        pa.field("evaluator_id", pa.string()),
        pa.field("evaluated_at", TIMESTAMP, nullable=False),
        pa.field("score", pa.float64()),
        pa.field("critical_failed", pa.bool_(), nullable=False),
        pa.field("items_answered", pa.int64(), nullable=False),
        pa.field("items_na", pa.int64(), nullable=False),
        pa.field("source_tz", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

QA_EVALUATIONS = register(
    TableSpec(
        name="qa_evaluations",
        schema=QA_EVALUATIONS_SCHEMA,
        key=("source", "evaluation_id"),
        write="upsert",
        time="evaluated_at",
        keys={"agent": "agent_id", "evaluator": "evaluator_id"},
        order="evaluated_at",
        description="one row per quality evaluation of a contact, scored on its form",
    )
)

QA_ANSWERS_SCHEMA = pa.schema(
    [
        pa.field("evaluation_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("form", pa.string(), nullable=False),
        pa.field("section", pa.string(), nullable=False),
        pa.field("item", pa.string(), nullable=False),
        pa.field("answer", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("weight", pa.float64(), nullable=False),
        pa.field("critical", pa.bool_(), nullable=False),
        pa.field("passed", pa.bool_()),
        pa.field("agent_id", pa.string()),
        pa.field("evaluator_id", pa.string()),
        pa.field("evaluated_at", TIMESTAMP, nullable=False),
    ]
)

QA_ANSWERS = register(
    TableSpec(
        name="qa_answers",
        schema=QA_ANSWERS_SCHEMA,
        key=("source", "evaluation_id", "item"),
        write="upsert",
        time="evaluated_at",
        keys={"agent": "agent_id", "evaluator": "evaluator_id", "item": "item"},
        order="evaluated_at",
        description="one row per item answered in a quality evaluation",
    )
)
