"""The queue metrics of ../shared/METRICS.md (voice section, and any channel's queue):
the measures of ``contacts`` and ``ring_outs``, and their metrics.

Flags of a contact (one row; T and S per channel and queue):

==========================  ===============================================================
flag                        the contact is ...
==========================  ===============================================================
``offered``                 answered, abandoned or timed out: entered a queue and finished
                            there (``in_progress`` is reported apart until it ends)
``offered_timed``           offered, and its wait is recorded (service-level and abandon
                            ratios count only these: an unknown wait is not "outside T")
``answered``                outcome answered (``answered_timed``: with a recorded wait)
``answered_ended``          answered and not ``talking`` (its handle time is known)
``in_talk``                 answered and ``talking``: still talking at the end of the data
                            (no end, no talk time yet): left out of talk_s and aht_s
``abandoned``               outcome abandoned: Asterisk ABANDON and EXITWITHKEY
                            (``abandoned_timed``: with a recorded wait)
``timed_out``               outcome timed_out: EXITWITHTIMEOUT, EXITEMPTY
``ivr_abandoned``           ended in the IVR/bot (never in ``offered``)
``in_progress``             no final event yet
``short_abandoned``         abandoned and wait_s < S
``answered_in_threshold``   answered and wait_s <= T
``abandoned_in_threshold``  abandoned and wait_s <= T
``transferred``             answered and transferred
==========================  ===============================================================

Values: the contact's numeric columns, and ``handle_s`` = talk_s + hold_s + acw_s with a
component the source does not record counted as 0.
"""

from __future__ import annotations

from collections.abc import Mapping

from contactcenter.metrics.catalog import Metric, register_metric
from contactcenter.metrics.measures import Flag, Hidden, Measures, register_measures
from contactcenter.metrics.thresholds import level_expr

FINISHED: tuple[str, ...] = ("answered", "abandoned", "timed_out")
"""The outcomes of an offered contact."""


CONDITIONS = {
    "wait_recorded": lambda t, ctx: t.wait_s.notnull(),
    "wait_below_short_abandon": lambda t, ctx: (
        t.wait_s < level_expr(t, ctx.thresholds, "short_abandon_s")
    ),
    "wait_within_threshold": lambda t, ctx: (
        t.wait_s <= level_expr(t, ctx.thresholds, "threshold_s")
    ),
    "transferred": lambda t, ctx: t.transferred,
    "talking": lambda t, ctx: t.talking,
    "ended": lambda t, ctx: ~t.talking,
}

FLAGS: dict[str, Flag] = {
    "offered": Flag(FINISHED),
    "offered_timed": Flag(FINISHED, ("wait_recorded",)),
    "answered": Flag(("answered",)),
    "answered_timed": Flag(("answered",), ("wait_recorded",)),
    "answered_ended": Flag(("answered",), ("ended",)),
    "in_talk": Flag(("answered",), ("talking",)),
    "abandoned": Flag(("abandoned",)),
    "abandoned_timed": Flag(("abandoned",), ("wait_recorded",)),
    "timed_out": Flag(("timed_out",)),
    "ivr_abandoned": Flag(("ivr_abandoned",)),
    "in_progress": Flag(("in_progress",)),
    "short_abandoned": Flag(("abandoned",), ("wait_below_short_abandon",)),
    "answered_in_threshold": Flag(("answered",), ("wait_within_threshold",)),
    "abandoned_in_threshold": Flag(("abandoned",), ("wait_within_threshold",)),
    "transferred": Flag(("answered",), ("transferred",)),
}

HANDLE_PARTS = ("talk_s", "hold_s", "acw_s")


def contact_notes(hidden: Mapping[str, int], metrics: frozenset[str]) -> list[str]:
    """What the reader of a contacts report must know: contacts left out of a ratio and
    handle-time components the source does not record."""
    notes: list[str] = []
    untimed = hidden.get("offered", 0) - hidden.get("offered_timed", 0)
    ratios = {
        "service_level",
        "service_level_answered",
        "service_level_abandons_favourable",
        "service_level_abandons_ignored",
        "abandon_rate",
        "abandon_rate_raw",
        "sl_target_met_share",
    }
    if untimed and metrics & ratios:
        notes.append(
            f"{untimed} offered contacts have no recorded wait; the service-level and "
            "abandon ratios leave them out (neither within nor outside T)"
        )
    handle = {"aht_s", *HANDLE_PARTS}
    if not metrics & handle:
        return notes
    talking = hidden.get("in_talk", 0)
    if talking:
        notes.append(
            f"{talking} answered contacts were still talking at the end of the data; "
            "talk_s and aht_s leave them out (see in_talk)"
        )
    total = hidden.get("answered_ended", 0)
    if not total:
        return notes
    parts = []
    for part in HANDLE_PARTS:
        have = hidden.get(f"with_{part}", 0)
        if have == 0:
            parts.append(f"{part} is not recorded by the source")
        elif have < total:
            parts.append(f"{part} is recorded for {have} of {total} answered contacts")
    if parts:
        suffix = "; aht_s counts what is missing as 0" if "aht_s" in metrics else ""
        notes.append("; ".join(parts) + suffix)
    return notes


CONTACT_MEASURES = register_measures(
    Measures(
        fact="contacts",
        partition="outcome",
        flags=FLAGS,
        conditions=CONDITIONS,
        summed={"handle_s": HANDLE_PARTS},
        target="target",
        hidden={
            "offered": Hidden("offered"),
            "offered_timed": Hidden("offered_timed"),
            "in_talk": Hidden("in_talk"),
            "answered_ended": Hidden("answered_ended"),
            **{f"with_{part}": Hidden("answered_ended", part) for part in HANDLE_PARTS},
        },
        notes=contact_notes,
    )
)
RING_OUT_MEASURES = register_measures(Measures(fact="ring_outs"))


def _count(name: str, description: str, formula: str | None = None) -> Metric:
    return Metric(
        name=name,
        kind="count",
        unit="contacts",
        formula=formula or f"count of contacts that are {name.replace('_', ' ')}",
        description=description,
        where=name,
    )


VOICE_METRICS: tuple[Metric, ...] = (
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
        "in_talk",
        "Answered contacts still talking at the end of the data (connected, no end yet): "
        "their talk time is unknown, so talk_s and aht_s leave them out.",
        "answered and talking",
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
        fact="ring_outs",
        formula="sum of rings over ring_outs",
        description="Offers to an agent that the agent let ring out (RINGNOANSWER), counted "
        "on the row of the agent who let it ring (null agent when the source gives only a "
        "count per contact) and in the period the contact was offered.",
        of="rings",
    ),
    Metric(
        name="service_level",
        kind="ratio",
        unit="fraction",
        formula="answered_in_threshold / (offered_timed − short_abandoned)",
        description="The default service level (the seeds' formula): short abandons are "
        "taken out of the denominator; contacts whose wait is not recorded are left out.",
        numerator="answered_in_threshold",
        denominator="offered_timed - short_abandoned",
    ),
    Metric(
        name="service_level_answered",
        kind="ratio",
        unit="fraction",
        formula="answered_in_threshold / answered_timed",
        description="Answered-only service level (QueueMetrics, Asternic).",
        numerator="answered_in_threshold",
        denominator="answered_timed",
    ),
    Metric(
        name="service_level_abandons_favourable",
        kind="ratio",
        unit="fraction",
        formula="(answered_in_threshold + abandoned_in_threshold) / offered_timed",
        description='Cisco "abandons count positively".',
        numerator="answered_in_threshold + abandoned_in_threshold",
        denominator="offered_timed",
    ),
    Metric(
        name="service_level_abandons_ignored",
        kind="ratio",
        unit="fraction",
        formula="answered_in_threshold / (offered_timed − abandoned_in_threshold)",
        description='Cisco "ignore abandons within T".',
        numerator="answered_in_threshold",
        denominator="offered_timed - abandoned_in_threshold",
    ),
    Metric(
        name="abandon_rate",
        kind="ratio",
        unit="fraction",
        formula="(abandoned_timed − short_abandoned) / (offered_timed − short_abandoned)",
        description="Abandon rate with short abandons taken out of both sides.",
        numerator="abandoned_timed - short_abandoned",
        denominator="offered_timed - short_abandoned",
    ),
    Metric(
        name="abandon_rate_raw",
        kind="ratio",
        unit="fraction",
        formula="abandoned_timed / offered_timed",
        description="Abandon rate counting every abandon.",
        numerator="abandoned_timed",
        denominator="offered_timed",
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
            formula=f"mean {col} of answered, ended contacts where the source records it",
            description=f"Average {label} per answered contact; null where the source "
            "does not record it.",
            where="answered_ended",
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
        formula="mean (talk_s + hold_s + acw_s) of answered, ended contacts; missing parts count 0",
        description="Average handle time. Components the source does not record count as 0 "
        "and the report says which were missing; contacts still talking are left out.",
        where="answered_ended",
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
        formula="intervals with service_level >= target / intervals with a service level",
        description="A day's or a month's compliance: the share of its intervals (the "
        "report's interval length) that met the service-level target.",
        of="service_level",
    ),
)

for _metric in VOICE_METRICS:
    register_metric(_metric)
