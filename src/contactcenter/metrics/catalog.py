"""The metric catalog: every KPI defined once, as data.

A metric is a frozen record (name, kind, formula, unit, description and the fields its
kind needs). The compiler (:mod:`contactcenter.metrics.compiler`) turns a list of metrics
plus group keys into one query. Names follow ../shared/METRICS.md (voice section).

Row flags the definitions refer to (one contact, one row; T and S per channel/queue):

=========================  ================================================================
flag                       contact is ...
=========================  ================================================================
``offered``                outcome in (answered, abandoned, timed_out): entered a queue and
                           finished there (``in_progress`` is reported apart until it ends)
``answered``               outcome = answered
``abandoned``              outcome = abandoned (Asterisk ABANDON and EXITWITHKEY)
``timed_out``              outcome = timed_out (EXITWITHTIMEOUT, EXITEMPTY)
``ivr_abandoned``          outcome = ivr_abandoned (never in ``offered``)
``in_progress``            outcome = in_progress (no final event yet)
``short_abandoned``        abandoned and wait_s < S
``answered_in_threshold``  answered and wait_s <= T
``abandoned_in_threshold`` abandoned and wait_s <= T
``transferred``            answered and transferred
=========================  ================================================================

Kinds
    count       sum over contacts of the flag ``where``
    sum         sum of ``of`` over contacts with ``where``
    ratio       numerator / denominator, each a sum/difference of counts; null when the
                denominator is 0
    mean        mean of ``of`` over contacts with ``where`` (nulls skipped); null if none
    max         maximum of ``of`` over contacts with ``where``
    percentile  quantile ``q`` (linear interpolation) of ``of`` over contacts with ``where``
    interval_share  share of the report's intervals (``--interval``) with offered > 0 whose
                service_level >= target
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from contactcenter.errors import InputError

Kind = Literal["count", "sum", "ratio", "mean", "max", "percentile", "interval_share"]
Unit = Literal["contacts", "seconds", "fraction"]

FINISHED: tuple[str, ...] = ("answered", "abandoned", "timed_out")
"""The outcomes of an offered contact."""

CONDITIONS: dict[str, str] = {
    "wait_below_short_abandon": "wait_s < S",
    "wait_within_threshold": "wait_s <= T",
    "transferred": "transferred",
}
"""Row conditions a flag may add to its outcomes (T and S of the contact's channel/queue)."""

FLAG_PARTS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "offered": (FINISHED, None),
    "answered": (("answered",), None),
    "abandoned": (("abandoned",), None),
    "timed_out": (("timed_out",), None),
    "ivr_abandoned": (("ivr_abandoned",), None),
    "in_progress": (("in_progress",), None),
    "short_abandoned": (("abandoned",), "wait_below_short_abandon"),
    "answered_in_threshold": (("answered",), "wait_within_threshold"),
    "abandoned_in_threshold": (("abandoned",), "wait_within_threshold"),
    "transferred": (("answered",), "transferred"),
}
"""Every flag as (outcomes, optional row condition): the contact has one of the outcomes
and meets the condition. The compiler aggregates per outcome first and combines the
outcomes' partial aggregates second, so a flag must be expressible this way."""

FLAGS: tuple[str, ...] = tuple(FLAG_PARTS)
"""Row flags (booleans per contact) that ``where`` and count metrics may name."""

VALUES: tuple[str, ...] = ("wait_s", "talk_s", "hold_s", "acw_s", "handle_s", "ring_no_answer")
"""Row values that ``of`` may name; ``handle_s`` = coalesce(talk, 0) + coalesce(hold, 0) +
coalesce(acw, 0)."""

_TERM = re.compile(r"\s*([+-])?\s*([a-z_]+)\s*")


@dataclass(frozen=True)
class Metric:
    """One KPI definition. ``formula`` is what people read; the other fields are what runs."""

    name: str
    kind: Kind
    unit: Unit
    formula: str
    description: str
    where: str | None = None
    of: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    q: float | None = None


def linear_terms(text: str) -> list[tuple[int, str]]:
    """Parse ``"a - b + c"`` into ``[(1, 'a'), (-1, 'b'), (1, 'c')]``."""
    terms: list[tuple[int, str]] = []
    pos = 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        if not match or match.end() == pos:
            raise InputError(f"cannot read {text!r} as a sum of counts")
        sign = -1 if match.group(1) == "-" else 1
        terms.append((sign, match.group(2)))
        pos = match.end()
    return terms


def _count(name: str, description: str, formula: str | None = None) -> Metric:
    return Metric(
        name=name,
        kind="count",
        unit="contacts",
        formula=formula or f"count of contacts that are {name.replace('_', ' ')}",
        description=description,
        where=name,
    )


CATALOG: tuple[Metric, ...] = (
    _count(
        "offered",
        "Contacts that entered a queue and finished there (answered, abandoned or timed "
        "out). IVR-only contacts are never offered; contacts still in progress are "
        "counted apart in in_progress until a later load brings their end.",
        "answered + abandoned + timed_out",
    ),
    _count("answered", "Offered contacts an agent took (call connected, chat accepted)."),
    _count(
        "abandoned",
        "Offered contacts the customer left before an answer (Asterisk ABANDON and EXITWITHKEY).",
    ),
    _count(
        "timed_out",
        "Offered contacts the system removed unanswered (EXITWITHTIMEOUT, EXITEMPTY); not "
        "answered in every SL variant, reported apart.",
    ),
    _count(
        "ivr_abandoned",
        "Contacts that ended in the IVR/bot before reaching a queue; never in offered.",
    ),
    _count(
        "in_progress",
        "Contacts that entered a queue and have no final event yet at the end of the data.",
    ),
    _count(
        "short_abandoned",
        "Abandoned contacts that waited less than the short-abandon threshold S.",
        "abandoned with wait_s < S",
    ),
    _count(
        "answered_in_threshold",
        "Answered contacts that waited at most T.",
        "answered with wait_s <= T",
    ),
    _count(
        "abandoned_in_threshold",
        "Abandoned contacts that waited at most T.",
        "abandoned with wait_s <= T",
    ),
    _count(
        "transferred",
        "Answered contacts the agent transferred (TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER).",
        "answered and transferred",
    ),
    Metric(
        name="ring_no_answer",
        kind="sum",
        unit="contacts",
        formula="sum of ring_no_answer over offered contacts",
        description="Offers to an agent that the agent let ring out (RINGNOANSWER).",
        where="offered",
        of="ring_no_answer",
    ),
    Metric(
        name="service_level",
        kind="ratio",
        unit="fraction",
        formula="answered_in_threshold / (offered − short_abandoned)",
        description="The default service level (the seeds' formula): short abandons are "
        "taken out of the denominator.",
        numerator="answered_in_threshold",
        denominator="offered - short_abandoned",
    ),
    Metric(
        name="service_level_answered",
        kind="ratio",
        unit="fraction",
        formula="answered_in_threshold / answered",
        description="Answered-only service level (QueueMetrics, Asternic).",
        numerator="answered_in_threshold",
        denominator="answered",
    ),
    Metric(
        name="service_level_abandons_favourable",
        kind="ratio",
        unit="fraction",
        formula="(answered_in_threshold + abandoned_in_threshold) / offered",
        description='Cisco "abandons count positively".',
        numerator="answered_in_threshold + abandoned_in_threshold",
        denominator="offered",
    ),
    Metric(
        name="service_level_abandons_ignored",
        kind="ratio",
        unit="fraction",
        formula="answered_in_threshold / (offered − abandoned_in_threshold)",
        description='Cisco "ignore abandons within T".',
        numerator="answered_in_threshold",
        denominator="offered - abandoned_in_threshold",
    ),
    Metric(
        name="abandon_rate",
        kind="ratio",
        unit="fraction",
        formula="(abandoned − short_abandoned) / (offered − short_abandoned)",
        description="Abandon rate with short abandons taken out of both sides.",
        numerator="abandoned - short_abandoned",
        denominator="offered - short_abandoned",
    ),
    Metric(
        name="abandon_rate_raw",
        kind="ratio",
        unit="fraction",
        formula="abandoned / offered",
        description="Abandon rate counting every abandon.",
        numerator="abandoned",
        denominator="offered",
    ),
    Metric(
        name="asa_s",
        kind="mean",
        unit="seconds",
        formula="mean wait_s of answered contacts",
        description="Average speed of answer.",
        where="answered",
        of="wait_s",
    ),
    Metric(
        name="avg_abandon_wait_s",
        kind="mean",
        unit="seconds",
        formula="mean wait_s of abandoned contacts",
        description="How long abandoning customers waited on average.",
        where="abandoned",
        of="wait_s",
    ),
    Metric(
        name="max_wait_s",
        kind="max",
        unit="seconds",
        formula="max wait_s of offered contacts",
        description="The longest wait of any offered contact.",
        where="offered",
        of="wait_s",
    ),
    *(
        Metric(
            name=f"wait_p{p}_s",
            kind="percentile",
            unit="seconds",
            formula=f"{p}th percentile of wait_s of answered contacts (linear interpolation)",
            description=f"{p} % of answered contacts waited at most this long.",
            where="answered",
            of="wait_s",
            q=p / 100,
        )
        for p in (50, 90, 95)
    ),
    *(
        Metric(
            name=col,
            kind="mean",
            unit="seconds",
            formula=f"mean {col} of answered contacts where the source records it",
            description=f"Average {label} per answered contact; null where the source "
            "does not record it.",
            where="answered",
            of=col,
        )
        for col, label in (
            ("talk_s", "talk time"),
            ("hold_s", "hold time"),
            ("acw_s", "after-call work"),
        )
    ),
    Metric(
        name="aht_s",
        kind="mean",
        unit="seconds",
        formula="mean (talk_s + hold_s + acw_s) of answered contacts; missing parts count 0",
        description="Average handle time. Components the source does not record count as 0; "
        "the report says which were missing.",
        where="answered",
        of="handle_s",
    ),
    Metric(
        name="transfer_rate",
        kind="ratio",
        unit="fraction",
        formula="transferred / answered",
        description="Share of answered contacts the agent transferred.",
        numerator="transferred",
        denominator="answered",
    ),
    Metric(
        name="sl_target_met_share",
        kind="interval_share",
        unit="fraction",
        formula="intervals with service_level >= target / intervals with offered > 0",
        description="A day's or a month's compliance: the share of its intervals "
        "(--interval) that met the service-level target.",
    ),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in CATALOG}


def validate_catalog(catalog: tuple[Metric, ...]) -> None:
    """Check every definition at once; raise one error listing all problems by name."""
    problems: list[str] = []
    seen: set[str] = set()
    for m in catalog:
        if m.name in seen:
            problems.append(f"{m.name}: duplicate name")
        seen.add(m.name)
        if m.where is not None and m.where not in FLAGS:
            problems.append(f"{m.name}: unknown flag {m.where!r} in where")
        if m.kind in ("sum", "mean", "max", "percentile") and m.of not in VALUES:
            problems.append(f"{m.name}: {m.kind} needs 'of' in {VALUES}, got {m.of!r}")
        if m.kind == "count" and m.where is None:
            problems.append(f"{m.name}: count needs a flag in 'where'")
        if m.kind == "percentile" and not (m.q is not None and 0 < m.q < 1):
            problems.append(f"{m.name}: percentile needs 0 < q < 1, got {m.q!r}")
        if m.kind == "percentile" and m.where in FLAG_PARTS and len(FLAG_PARTS[m.where][0]) != 1:
            # a quantile of one outcome's values is final at the first level; quantiles of
            # several outcomes' values cannot be combined from per-outcome quantiles
            problems.append(f"{m.name}: a percentile's flag must name a single outcome")
        if m.kind == "ratio":
            for side in (m.numerator, m.denominator):
                if side is None:
                    problems.append(f"{m.name}: ratio needs numerator and denominator")
                    continue
                try:
                    terms = linear_terms(side)
                except InputError as exc:
                    problems.append(f"{m.name}: {exc}")
                    continue
                for _, term in terms:
                    if term not in FLAGS:
                        problems.append(f"{m.name}: {term!r} is not a count flag")
    if problems:
        raise InputError("invalid metric catalog: " + "; ".join(problems))


def select_metrics(names: list[str] | None) -> list[Metric]:
    """The metrics named (all of them when ``names`` is None), in catalog order."""
    if not names:
        return list(CATALOG)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise InputError(
            f"--metrics: unknown metric(s) {', '.join(unknown)}; "
            "'contactcenter metrics' lists them all"
        )
    wanted = set(names)
    return [m for m in CATALOG if m.name in wanted]


validate_catalog(CATALOG)
