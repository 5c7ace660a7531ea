"""The survey metrics of ../shared/METRICS.md ("Outcome and quality"): the measures of
``survey_answers`` (the stored ``surveys`` with the queue and channel of the contact or
conversation each answer is about, so that every survey metric groups by queue and
channel too) and their metrics.

=========================  =====================================================================
metric                     formula
=========================  =====================================================================
``csat``                   csat answers in the top box / csat answers on a scale with a top box
                           (top 1 of a 2- or 3-point scale, top 2 of 4 to 7 points, top 3 of
                           10 or 11; ``csat_top_box`` sets others)
``csat_mean``              mean score of the csat answers (points of their scale)
``surveys_answered``       distinct survey responses (survey_id) answered in the period
``survey_response_rate``   surveys_answered / answered contacts in the period (derived)
``nps``                    (promoters (9-10) - detractors (0-6)) / nps answers on the 0-10
                           scale, in [-1, 1] (shown as points, -100 to +100)
``ces``                    ces answers >= 5 / ces answers on the 1-7 scale
``ces_mean``               mean score of the ces answers on the 1-7 scale
``agent_rating``           mean score of the agent_rating answers (per agent with ``by agent``)
=========================  =====================================================================

Flags of a survey answer (one row; the fact has no partition column, so ``distinct``
counts are final at the first aggregation level):

=====================  ==========================================================
flag                   the answer is ...
=====================  ==========================================================
``csat``               kind csat
``csat_rated``         kind csat, on a scale whose size has a top box
``csat_top_box``       csat_rated and score >= scale_max - top + 1
``nps``                kind nps; ``nps_rated`` on the 0-10 scale
``nps_promoter``       nps_rated and score >= 9
``nps_detractor``      nps_rated and score <= 6
``ces``                kind ces; ``ces_rated`` on the 1-7 scale
``ces_agree``          ces_rated and score >= 5
``agent_rating``       kind agent_rating
=====================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from contactcenter.facts.surveys import SURVEY_ANSWERS
from contactcenter.metrics import voice as _voice  # noqa: F401  (survey_response_rate reads answered)
from contactcenter.metrics.catalog import Metric, register_metric
from contactcenter.metrics.measures import (
    Context,
    Flag,
    Hidden,
    Measures,
    Source,
    register_measures,
)


def _size(t: ir.Table) -> ir.IntegerValue:
    return t.scale_max - t.scale_min + 1


def _has_top_box(t: ir.Table, ctx: Context) -> ir.BooleanValue:
    sizes = sorted(ctx.outcomes.top_box)
    if not sizes:
        return ibis.literal(False)
    return _size(t).isin(sizes)


def _in_top_box(t: ir.Table, ctx: Context) -> ir.BooleanValue:
    box = ctx.outcomes.top_box
    if not box:
        return ibis.literal(False)
    size = _size(t)
    top = ibis.cases(*((size == k, ibis.literal(v)) for k, v in sorted(box.items())), else_=None)
    return t.score >= (t.scale_max - top + 1).cast("float64")


CONDITIONS = {
    "kind_csat": lambda t, ctx: t.kind == "csat",
    "kind_nps": lambda t, ctx: t.kind == "nps",
    "kind_ces": lambda t, ctx: t.kind == "ces",
    "kind_agent_rating": lambda t, ctx: t.kind == "agent_rating",
    "has_top_box": _has_top_box,
    "in_top_box": _in_top_box,
    "nps_scale": lambda t, ctx: (t.scale_min == 0) & (t.scale_max == 10),
    "promoter": lambda t, ctx: t.score >= 9,
    "detractor": lambda t, ctx: t.score <= 6,
    "ces_scale": lambda t, ctx: (t.scale_min == 1) & (t.scale_max == 7),
    "ces_agree": lambda t, ctx: t.score >= 5,
}

FLAGS: dict[str, Flag] = {
    "csat": Flag(None, ("kind_csat",)),
    "csat_rated": Flag(None, ("kind_csat", "has_top_box")),
    "csat_top_box": Flag(None, ("kind_csat", "has_top_box", "in_top_box")),
    "nps": Flag(None, ("kind_nps",)),
    "nps_rated": Flag(None, ("kind_nps", "nps_scale")),
    "nps_promoter": Flag(None, ("kind_nps", "nps_scale", "promoter")),
    "nps_detractor": Flag(None, ("kind_nps", "nps_scale", "detractor")),
    "ces": Flag(None, ("kind_ces",)),
    "ces_rated": Flag(None, ("kind_ces", "ces_scale")),
    "ces_agree": Flag(None, ("kind_ces", "ces_scale", "ces_agree")),
    "agent_rating": Flag(None, ("kind_agent_rating",)),
}


def survey_notes(hidden: Mapping[str, int], metrics: frozenset[str], ctx: Context) -> list[str]:
    """Answers a survey metric leaves out, and why."""
    notes: list[str] = []
    no_box = hidden.get("csat", 0) - hidden.get("csat_rated", 0)
    if no_box and metrics & {"csat", "csi"}:
        sizes = ", ".join(str(k) for k in sorted(ctx.outcomes.top_box))
        notes.append(
            f"{no_box} csat answers are on a scale with no top box (top boxes are set for "
            f"scales of {sizes} points); csat leaves them out (set one with csat_top_box)"
        )
    off = hidden.get("nps", 0) - hidden.get("nps_rated", 0)
    if off and metrics & {"nps", "csi"}:
        notes.append(f"{off} nps answers are not on the 0-10 scale; nps leaves them out")
    off = hidden.get("ces", 0) - hidden.get("ces_rated", 0)
    if off and metrics & {"ces", "ces_mean", "csi"}:
        notes.append(f"{off} ces answers are not on the 1-7 scale; ces and ces_mean leave them out")
    return notes


def survey_answers(source: Source, ctx: Context) -> ir.Table:
    """The rows of ``survey_answers``: each answer with the queue and channel of its
    contact (by contact_id), else of its conversation (by conversation_id)."""
    s = source("surveys")

    def lookup(fact: str, column: str) -> ir.Table:
        t = source(fact)
        t = t.filter(t[column].isin(s[column]))
        return t.group_by(_id=t[column]).aggregate(_q=t.queue.min(), _c=t.channel.min())

    contacts = lookup("contacts", "contact_id")
    conversations = lookup("conversations", "conversation_id")
    j = s.left_join(contacts, s.contact_id == contacts._id)
    j = j.select(*s.columns, _q1=j._q, _c1=j._c)
    k = j.left_join(conversations, j.conversation_id == conversations._id)
    known = k._c1.notnull()
    return k.select(
        *s.columns,
        queue=ibis.ifelse(known, k._q1, k._q),
        channel=ibis.coalesce(k._c1, k._c),
    )


SURVEY_MEASURES = register_measures(
    Measures(
        fact=SURVEY_ANSWERS.name,
        flags=FLAGS,
        conditions=CONDITIONS,
        hidden={name: Hidden(name) for name in ("csat", "csat_rated", "nps", "nps_rated")}
        | {name: Hidden(name) for name in ("ces", "ces_rated")},
        context_notes=survey_notes,
        derive=survey_answers,
    )
)

SURVEY_METRICS: tuple[Metric, ...] = (
    Metric(
        name="csat",
        kind="ratio",
        unit="fraction",
        formula="csat_top_box / csat_rated",
        description=(
            "Customer satisfaction: share of csat answers in the top box of their scale "
            "(top 1 of 2-3 points, top 2 of 4-7, top 3 of 10-11; csat_top_box sets others)."
        ),
        fact=SURVEY_ANSWERS.name,
        numerator="csat_top_box",
        denominator="csat_rated",
        default=False,
    ),
    Metric(
        name="csat_mean",
        kind="mean",
        unit="score",
        formula="mean(score) over csat answers",
        description="Mean csat score, in points of the answers' scale (one scale at a time).",
        fact=SURVEY_ANSWERS.name,
        where="csat",
        of="score",
        default=False,
    ),
    Metric(
        name="surveys_answered",
        kind="distinct",
        unit="count",
        formula="distinct survey_id over survey answers",
        description="Survey responses answered in the period (a response may hold several kinds).",
        fact=SURVEY_ANSWERS.name,
        of="survey_id",
        default=False,
    ),
    Metric(
        name="nps",
        kind="ratio",
        unit="balance",
        formula="(nps_promoter − nps_detractor) / nps_rated",
        description=(
            "Net promoter score: % promoters (9-10) − % detractors (0-6) of the answers on "
            "the 0-10 scale; a fraction in [-1, 1], shown as points (-100 to +100)."
        ),
        fact=SURVEY_ANSWERS.name,
        numerator="nps_promoter - nps_detractor",
        denominator="nps_rated",
        default=False,
    ),
    Metric(
        name="ces",
        kind="ratio",
        unit="fraction",
        formula="ces_agree / ces_rated",
        description="Customer effort: share of ces answers of 5 or more on the 1-7 scale.",
        fact=SURVEY_ANSWERS.name,
        numerator="ces_agree",
        denominator="ces_rated",
        default=False,
    ),
    Metric(
        name="ces_mean",
        kind="mean",
        unit="score",
        formula="mean(score) over ces_rated",
        description="Mean customer-effort score on the 1-7 scale.",
        fact=SURVEY_ANSWERS.name,
        where="ces_rated",
        of="score",
        default=False,
    ),
    Metric(
        name="agent_rating",
        kind="mean",
        unit="score",
        formula="mean(score) over agent_rating answers",
        description="Mean rating of the agent by the customer (group by agent).",
        fact=SURVEY_ANSWERS.name,
        where="agent_rating",
        of="score",
        default=False,
    ),
)

for _metric in SURVEY_METRICS:
    register_metric(_metric)

SURVEY_RESPONSE_RATE = register_metric(
    Metric(
        name="survey_response_rate",
        kind="derived",
        unit="fraction",
        formula="surveys_answered / answered",
        description=(
            "Survey responses over the contacts an agent answered in the period (surveys "
            "placed by answered_at, contacts by offered_at)."
        ),
        fact=None,
        numerator="surveys_answered",
        denominator="answered",
        default=False,
    )
)
