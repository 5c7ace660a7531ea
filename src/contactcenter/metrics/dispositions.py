"""Dispositions and complaints (../shared/METRICS.md, "Outcome and quality"): the flags
they add to ``contacts`` and their metrics.

A disposition (wrap-up code) is the code the agent or the system gave a contact when it
ended (``contacts.disposition``: from a contacts file, a mapped CSV, or a queue_log event
named at ingest). Complaints are a category of dispositions: the codes listed by the
report option ``complaints`` (a YAML list; docs/metrics.md).

=========================  =====================================================================
metric                     formula
=========================  =====================================================================
``dispositioned``          answered contacts with a disposition
``complaints``             answered contacts whose disposition is a complaint code
``complaint_rate``         complaints / dispositioned, when complaint codes are given (null
                           without them: no contact can be told a complaint)
=========================  =====================================================================

Group by the code with ``by disposition`` (any contacts metric: ``offered`` per code).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from contactcenter.metrics import voice as _voice
from contactcenter.metrics.catalog import Metric, register_metric
from contactcenter.metrics.measures import Context, Flag, register_measures


def _complaint(t: ir.Table, ctx: Context) -> ir.BooleanValue:
    codes = sorted(ctx.outcomes.complaint_codes)
    if not codes:
        return t.disposition.notnull() & ibis.literal(False)  # a column, false on every row
    return t.disposition.isin(codes)


def _coded(t: ir.Table, ctx: Context) -> ir.BooleanValue:
    if not ctx.outcomes.complaint_codes:
        return t.disposition.notnull() & ibis.literal(False)
    return t.disposition.notnull()


CONDITIONS = {
    "dispositioned": lambda t, ctx: t.disposition.notnull(),
    "complaint_codes_given": _coded,
    "complaint": _complaint,
}

FLAGS: dict[str, Flag] = {
    "dispositioned": Flag(("answered",), ("dispositioned",)),
    "complaint_base": Flag(("answered",), ("complaint_codes_given",)),
    "complaints": Flag(("answered",), ("complaint",)),
}

COMPLAINT_METRICS = frozenset({"complaints", "complaint_rate"})


def disposition_notes(
    hidden: Mapping[str, int], metrics: frozenset[str], ctx: Context
) -> list[str]:
    """The complaint codes in force (or that none were given)."""
    if not metrics & COMPLAINT_METRICS:
        return []
    codes = sorted(ctx.outcomes.complaint_codes)
    if not codes:
        return [
            "complaints: no complaint codes were given (the complaints option: a YAML list "
            "of disposition codes); complaints is 0 and complaint_rate empty"
        ]
    return [
        "complaints: answered contacts whose disposition is one of "
        + ", ".join(codes)
        + "; complaint_rate divides them by the answered contacts with a disposition"
    ]


_base = _voice.CONTACT_MEASURES
CONTACT_MEASURES = register_measures(
    dataclasses.replace(
        _base,
        flags={**_base.flags, **FLAGS},
        conditions={**_base.conditions, **CONDITIONS},
        context_notes=disposition_notes,
    )
)

DISPOSITION_METRICS: tuple[Metric, ...] = (
    Metric(
        name="dispositioned",
        kind="count",
        unit="contacts",
        formula="answered contacts with a disposition",
        description="Answered contacts the agent or the system gave a wrap-up code.",
        fact="contacts",
        where="dispositioned",
        default=False,
    ),
    Metric(
        name="complaints",
        kind="count",
        unit="contacts",
        formula="answered contacts whose disposition is a complaint code",
        description="Answered contacts dispositioned as a complaint (codes of the complaints "
        "option).",
        fact="contacts",
        where="complaints",
        default=False,
    ),
    Metric(
        name="complaint_rate",
        kind="ratio",
        unit="fraction",
        formula="complaints / dispositioned (with complaint codes given)",
        description=(
            "Share of the answered contacts with a disposition that are complaints; empty "
            "when no complaint codes are given."
        ),
        fact="contacts",
        numerator="complaints",
        denominator="complaint_base",
        default=False,
    ),
)

for _metric in DISPOSITION_METRICS:
    register_metric(_metric)
