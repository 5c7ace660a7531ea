"""Quality-evaluation metrics (../shared/METRICS.md, ``qa_score``): the measures of
``qa_evaluations`` and ``qa_answers``, the derived fact ``qa_calibration``, and their
metrics.

=============================  =================================================================
metric                         formula
=============================  =================================================================
``qa_evaluations``             evaluations in the period
``qa_score``                   mean score (0-100) of the evaluations with a score; per agent and
                               period with ``by agent,month``
``qa_critical_fail_rate``      evaluations with a failed critical item / evaluations
``qa_item_pass_rate``          items passed / items answered (not N/A); per item with ``by item``
``qa_calibration_spread``      mean, over contacts scored by two evaluators or more, of the
                               spread (highest - lowest score) of their evaluations
=============================  =================================================================

An evaluation's score is computed when it is loaded, from its form
(:mod:`contactcenter.sources._qa_forms`): weighted, N/A items out of the denominator, 0
when a critical item failed.
"""

from __future__ import annotations

import ibis.expr.types as ir
import pyarrow as pa

from contactcenter.facts.qa import QA_ANSWERS, QA_EVALUATIONS
from contactcenter.facts.registry import TIMESTAMP, TableSpec, register
from contactcenter.metrics.catalog import Metric, register_metric
from contactcenter.metrics.measures import Context, Flag, Measures, Source, register_measures

QA_CALIBRATION = register(
    TableSpec(
        name="qa_calibration",
        schema=pa.schema(
            [
                pa.field("source", pa.string(), nullable=False),
                pa.field("contact_id", pa.string(), nullable=False),
                pa.field("agent_id", pa.string()),
                pa.field("evaluated_at", TIMESTAMP, nullable=False),
                pa.field("evaluations", pa.int64(), nullable=False),
                pa.field("evaluators", pa.int64(), nullable=False),
                pa.field("spread", pa.float64(), nullable=False),
            ]
        ),
        key=("source", "contact_id"),
        write="upsert",
        time="evaluated_at",
        keys={"agent": "agent_id"},
        description="per contact scored by two evaluators or more: the spread of the scores",
        derived_from=(QA_EVALUATIONS.name,),
    )
)


def calibration(source: Source, ctx: Context) -> ir.Table:
    """The rows of ``qa_calibration``: contacts with scored evaluations by at least two
    evaluators, placed at their latest evaluation (the agent of the contact's first
    evaluation in name order, for ``by agent``)."""
    t = source(QA_EVALUATIONS.name)
    t = t.filter(t.contact_id.notnull() & t.score.notnull())
    grouped = t.group_by(["source", "contact_id"]).aggregate(
        agent_id=t.agent_id.min(),
        evaluated_at=t.evaluated_at.max(),
        evaluations=t.count(),
        evaluators=t.evaluator_id.nunique(),
        spread=(t.score.max() - t.score.min()).cast("float64"),
    )
    return grouped.filter(grouped.evaluators >= 2).select(
        "source",
        "contact_id",
        "agent_id",
        "evaluated_at",
        grouped.evaluations.cast("int64").name("evaluations"),
        grouped.evaluators.cast("int64").name("evaluators"),
        "spread",
    )


register_measures(
    Measures(
        fact=QA_EVALUATIONS.name,
        flags={
            "scored": Flag(None, ("scored",)),
            "critical_failed": Flag(None, ("critical_failed",)),
        },
        conditions={
            "scored": lambda t, ctx: t.score.notnull(),
            "critical_failed": lambda t, ctx: t.critical_failed,
        },
    )
)

register_measures(
    Measures(
        fact=QA_ANSWERS.name,
        flags={
            "item_answered": Flag(None, ("answered",)),
            "item_passed": Flag(None, ("answered", "passed")),
        },
        conditions={
            "answered": lambda t, ctx: t.passed.notnull(),
            "passed": lambda t, ctx: t.passed.fill_null(False),
        },
    )
)

register_measures(Measures(fact=QA_CALIBRATION.name, derive=calibration))

QA_METRICS: tuple[Metric, ...] = (
    Metric(
        name="qa_evaluations",
        kind="count",
        unit="count",
        formula="count of evaluations",
        description="Quality evaluations in the period (by the time they were made).",
        fact=QA_EVALUATIONS.name,
        default=False,
    ),
    Metric(
        name="qa_score",
        kind="mean",
        unit="score",
        formula="mean(score) over evaluations with a score",
        description=(
            "Mean quality score, 0-100 (per evaluation: weighted points of the items "
            "answered, N/A items out of the denominator, 0 when a critical item failed)."
        ),
        fact=QA_EVALUATIONS.name,
        where="scored",
        of="score",
        default=False,
    ),
    Metric(
        name="qa_critical_fail_rate",
        kind="ratio",
        unit="fraction",
        formula="critical_failed / evaluations",
        description="Share of evaluations with a failed critical item (scored 0).",
        fact=QA_EVALUATIONS.name,
        numerator="critical_failed",
        denominator="all",
        default=False,
    ),
    Metric(
        name="qa_item_pass_rate",
        kind="ratio",
        unit="fraction",
        formula="item_passed / item_answered",
        description=(
            "Items passed over items answered (N/A left out); per item with --by item "
            "(yes passes; a scale item passes at its pass_at, by default the top)."
        ),
        fact=QA_ANSWERS.name,
        numerator="item_passed",
        denominator="item_answered",
        default=False,
    ),
    Metric(
        name="qa_calibration_spread",
        kind="mean",
        unit="score",
        formula="mean(max(score) − min(score)) over contacts scored by ≥ 2 evaluators",
        description=(
            "Evaluator calibration: for contacts scored by several evaluators, the mean "
            "spread of their scores in points (0 = the evaluators agree)."
        ),
        fact=QA_CALIBRATION.name,
        of="spread",
        default=False,
    ),
)

for _metric in QA_METRICS:
    register_metric(_metric)
