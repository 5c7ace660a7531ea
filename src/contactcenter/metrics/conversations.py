"""The chat, messaging, e-mail and ticket metrics of ../shared/METRICS.md: the measures of
``conversations`` and ``responses`` and their metrics.

A conversation counts in the period of its ``created_at``; a customer turn (``responses``)
in the period of its first message. Flags of a conversation (one row):

==================  ===========================================================
flag                the conversation ...
==================  ===========================================================
``responded``       got a reply from a person before its first resolution
``unanswered``      was resolved (or closed) with no reply from a person before
``resolved``        was resolved (or closed) at least once
``reopened``        was reopened after a resolution at least once
``assigned``        has an ``assigned`` event
==================  ===========================================================

Flags of a customer turn: ``replied`` (a person replied), ``later_turn`` (turn 2, 3, ...),
``later_replied`` (both). Bot, system, private and deleted messages are never a reply
(the derivation's rules: :mod:`contactcenter.sources._conversations`).

With SLA policies in the report's config, the report adds to each conversation its
business times and clocks (:data:`SLA_COLUMNS`; :mod:`contactcenter.reports.sla`), and to
each turn its next-response clock; the flags ``first_response_met`` ... and
``next_response_met`` ... read them, and ``first_response_within_t`` compares with the
policy's target where one applies (null columns, and the channel threshold, without).
"""

from __future__ import annotations

from contactcenter.metrics import voice as _voice  # noqa: F401  (the voice metrics come first)
from contactcenter.metrics.catalog import Metric, register_metric, register_stand_in
from contactcenter.metrics.measures import Condition, Flag, Measures, register_measures
from contactcenter.metrics.thresholds import level_expr


def _clock_is(clock: str, status: str) -> Condition:
    """Condition: the conversation's ``clock`` ended as ``status``."""
    return lambda t, ctx: t[f"{clock}_clock"] == status


CONVERSATION_CONDITIONS: dict[str, Condition] = {
    "responded": lambda t, ctx: t.first_response_at.notnull(),
    "no_response": lambda t, ctx: t.first_response_at.isnull(),
    "resolved": lambda t, ctx: t.first_resolved_at.notnull(),
    "reopened": lambda t, ctx: t.reopened > 0,
    "assigned": lambda t, ctx: t.first_assigned_at.notnull(),
    "first_response_within_t": lambda t, ctx: t.first_response_within.fill_null(
        t.first_response_s <= level_expr(t, ctx.thresholds, "threshold_s")
    ),
    **{
        f"{clock}_{status}": _clock_is(clock, status)
        for clock, statuses in (
            ("first_response", ("met", "breached", "active")),
            ("resolution", ("met", "breached", "active", "paused")),
        )
        for status in statuses
    },
}

CONVERSATION_FLAGS: dict[str, Flag] = {
    "responded": Flag(conditions=("responded",)),
    "unanswered": Flag(conditions=("resolved", "no_response")),
    "resolved": Flag(conditions=("resolved",)),
    "reopened": Flag(conditions=("reopened",)),
    "assigned": Flag(conditions=("assigned",)),
    "responded_within_t": Flag(conditions=("responded", "first_response_within_t")),
    **{
        name: Flag(conditions=(name,))
        for name in (
            "first_response_met",
            "first_response_breached",
            "first_response_active",
            "resolution_met",
            "resolution_breached",
            "resolution_active",
            "resolution_paused",
        )
    },
}

SLA_COLUMNS: dict[str, str] = {
    "first_response_bh_s": "float64",
    "resolution_bh_s": "float64",
    "first_response_within": "boolean",
    "first_response_clock": "string",
    "resolution_clock": "string",
    "due_at": "timestamp('UTC', 6)",
}
"""Columns a report with SLA policies adds to conversations (:mod:`contactcenter.reports.sla`):
business durations where a calendar applies, whether the first response met the policy's
target, the first-response and resolution clocks (met, breached, active, paused), and
the instant the resolution clock passed its target (the conversation is overdue from
then until it is resolved)."""

CONVERSATION_MEASURES = register_measures(
    Measures(
        fact="conversations",
        flags=CONVERSATION_FLAGS,
        conditions=CONVERSATION_CONDITIONS,
        added=SLA_COLUMNS,
    )
)

RESPONSE_MEASURES = register_measures(
    Measures(
        fact="responses",
        flags={
            "replied": Flag(conditions=("replied",)),
            "later_turn": Flag(conditions=("later",)),
            "later_replied": Flag(conditions=("later", "replied")),
            **{f"next_response_{s}": Flag(conditions=(s,)) for s in ("met", "breached", "active")},
        },
        conditions={
            "replied": lambda t, ctx: t.replied_at.notnull(),
            "later": lambda t, ctx: t.turn > 1,
            "met": lambda t, ctx: t.next_response_clock == "met",
            "breached": lambda t, ctx: t.next_response_clock == "breached",
            "active": lambda t, ctx: t.next_response_clock == "active",
        },
        added={"next_response_clock": "string"},
    )
)


MESSAGE_MEASURES = register_measures(
    Measures(
        fact="messages",
        flags={
            "sent": Flag(conditions=("by_agent", "public", "kept")),
            "deleted_by_agent": Flag(conditions=("by_agent", "deleted")),
        },
        conditions={
            "by_agent": lambda t, ctx: (t.direction == "out") & (t.sender_kind == "agent"),
            "public": lambda t, ctx: ~t.private,
            "kept": lambda t, ctx: ~t.deleted,
            "deleted": lambda t, ctx: t.deleted,
        },
    )
)

EVENT_MEASURES = register_measures(
    Measures(
        fact="conversation_events",
        flags={
            "closed_with_reply": Flag(conditions=("resolves", "replied")),
            "closed_without_reply": Flag(conditions=("resolves", "not_replied")),
        },
        conditions={
            "resolves": lambda t, ctx: t.resolves,
            "replied": lambda t, ctx: t.replied,
            "not_replied": lambda t, ctx: ~t.replied,
        },
    )
)

AGENT_CONVERSATION_MEASURES = register_measures(
    Measures(
        fact="agent_conversations",
        flags={"handled": Flag(conditions=("replied",))},
        conditions={"replied": lambda t, ctx: t.replies > 0},
    )
)
AGENT_LOAD_MEASURES = register_measures(Measures(fact="agent_load"))


def _count(name: str, formula: str, description: str) -> Metric:
    return Metric(
        name=name,
        kind="count",
        unit="conversations",
        fact="conversations",
        formula=formula,
        description=description,
        where=None if name == "conversations" else name,
    )


def _times(
    name: str,
    fact: str,
    of: str,
    where: str,
    what: str,
    description: str,
    percentiles: bool = True,
) -> list[Metric]:
    """A mean and, with ``percentiles``, its ``_p50_s`` and ``_p90_s`` companions."""
    base = name.removesuffix("_s")
    out = [
        Metric(
            name=name,
            kind="mean",
            unit="seconds",
            fact=fact,
            formula=f"mean {of} of {what}",
            description=description,
            where=where,
            of=of,
        )
    ]
    if percentiles:
        out += [
            Metric(
                name=f"{base}_p{p}_s",
                kind="percentile",
                unit="seconds",
                fact=fact,
                formula=f"{p}th percentile of {of} of {what} (linear interpolation)",
                description=f"{p} % of {what} took at most this long ({name}).",
                where=where,
                of=of,
                q=p / 100,
            )
            for p in (50, 90)
        ]
    return out


CONVERSATION_METRICS: tuple[Metric, ...] = (
    _count(
        "conversations",
        "count of conversations created in the period",
        "Chats, e-mail threads, tickets and social threads created in the period (by their "
        "first message or event).",
    ),
    _count(
        "responded",
        "conversations with first_response_at (a reply from a person before the first resolution)",
        "Conversations a person replied to. Bot, system, private and deleted messages are "
        "never a reply.",
    ),
    _count(
        "unanswered",
        "conversations resolved or closed with no reply from a person before",
        "Conversations closed or resolved without a reply from a person (a reply after a "
        "reopen does not make the first cycle answered).",
    ),
    _count(
        "resolved",
        "conversations with first_resolved_at",
        "Conversations resolved or closed at least once.",
    ),
    _count(
        "reopened",
        "conversations with reopened > 0",
        "Conversations reopened after a resolution (a customer message, a responded or a "
        "reopened event while resolved).",
    ),
    *_times(
        "first_response_s",
        "conversations",
        "first_response_s",
        "responded",
        "responded conversations",
        "Average response time (ART, seed 000): from creation, queue included, to the first "
        "reply by a person before the first resolution.",
    ),
    Metric(
        name="first_response_incl_bot_s",
        kind="mean",
        unit="seconds",
        fact="conversations",
        formula="mean first_response_incl_bot_s of conversations with a reply by a person or a bot",
        description="The customer's view with bot replies counted (seed 004: bots lower the "
        "first response time); compare with first_response_s.",
        of="first_response_incl_bot_s",
    ),
    *_times(
        "a1rt_s",
        "conversations",
        "a1rt_s",
        "assigned",
        "assigned conversations the assignee replied to",
        "A1RT (seed 000): from the first assignment to that agent's first reply; null where "
        "the source records no assignment.",
    ),
    *_times(
        "next_response_s",
        "responses",
        "response_s",
        "later_replied",
        "later customer turns a person replied to",
        "For each customer turn after the first, from its first message to the next reply "
        "by a person; a turn resolved before a reply stops its clock and is left out.",
    ),
    *_times(
        "resolution_s",
        "conversations",
        "resolution_s",
        "resolved",
        "resolved conversations",
        "From creation to the first resolution (calendar time, pending included); after a "
        "bot phase from the handoff to a person, so bot time is never counted, and a "
        "conversation a bot resolved alone has none.",
    ),
    *_times(
        "final_resolution_s",
        "conversations",
        "final_resolution_s",
        "resolved",
        "conversations resolved now",
        "From creation (after a bot phase: the handoff) to the last resolution, for "
        "conversations resolved or closed at the end of the data (a reopened conversation "
        "has none until it is resolved again).",
    ),
    Metric(
        name="first_response_within_t",
        kind="ratio",
        unit="fraction",
        fact="conversations",
        formula="responded_within_t / conversations (first_response_s <= T)",
        description="Conversations whose first response came within T, over all conversations "
        "of the period (an unanswered one is not within T). T is the channel's threshold "
        "(chat 90 s, email and ticket 4 h, social and messaging 1 h; per queue by --config). "
        "In a report by channel it is the service_level of chat, e-mail, ticket and social "
        "rows.",
        numerator="responded_within_t",
        denominator="all",
    ),
    Metric(
        name="first_response_bh_s",
        kind="mean",
        unit="seconds",
        fact="conversations",
        formula="mean business seconds from created_at to the first response, where a "
        "policy with a calendar applies",
        description="The first response time in business time (the calendar of the "
        "conversation's SLA policy, --config); null where no calendar applies.",
        where="responded",
        of="first_response_bh_s",
    ),
    Metric(
        name="resolution_bh_s",
        kind="mean",
        unit="seconds",
        fact="conversations",
        formula="mean business seconds from created_at (after a bot phase: handoff_at) to "
        "the first resolution, pending time taken out, where a policy with a calendar applies",
        description="The resolution time in business time, with the time the conversation "
        "was pending taken out (the policy's pause) and the bot phase left out; null where no "
        "calendar applies.",
        where="resolved",
        of="resolution_bh_s",
    ),
    *(
        Metric(
            name=f"{clock}_{status}"
            if (clock, status) != ("resolution", "breached")
            else "resolution_overdue",
            kind="count",
            unit="conversations",
            fact="conversations",
            formula=f"conversations whose {clock.replace('_', ' ')} clock is {status}",
            description=text,
            where=f"{clock}_{status}",
        )
        for clock, status, text in (
            (
                "first_response",
                "met",
                "First response (or a resolution with none) within the SLA policy's target.",
            ),
            (
                "first_response",
                "breached",
                "First response after the target, or none and the target passed.",
            ),
            (
                "first_response",
                "active",
                "No response yet, the target not passed at the end of the data.",
            ),
            (
                "resolution",
                "met",
                "Resolved within the SLA policy's resolution target (pending time taken out).",
            ),
            (
                "resolution",
                "breached",
                "Conversations whose resolution took longer than the "
                "SLA policy's target, or that are still open past it at the end of the data.",
            ),
            ("resolution", "active", "Not resolved yet, the target not passed."),
            (
                "resolution",
                "paused",
                "Not resolved, pending at the end of the data, the "
                "target not passed (the clock is paused).",
            ),
        )
    ),
    Metric(
        name="open_at_end",
        kind="snapshot",
        unit="conversations",
        fact="conversations",
        formula="conversations with created_at < end of period and not resolved by then",
        description="The backlog as of the end of each period (or of --to, or now): "
        "conversations created before it and not resolved or closed by then, whenever "
        "created. A conversation reopened later counts as open from its creation to its "
        "final resolution.",
        since="created_at",
        until="final_resolved_at",
    ),
    Metric(
        name="overdue_at_end",
        kind="snapshot",
        unit="conversations",
        fact="conversations",
        formula="conversations open at the end of the period and past their resolution due time",
        description="Of open_at_end, those past the SLA policy's resolution target (business "
        "time, pending taken out) at the end of each period.",
        since="due_at",
        until="final_resolved_at",
    ),
    *(
        Metric(
            name=f"next_response_{status}",
            kind="count",
            unit="count",
            fact="responses",
            formula=f"later customer turns whose next-response clock is {status}",
            description=text,
            where=f"next_response_{status}",
        )
        for status, text in (
            (
                "met",
                "Later customer turns answered (or resolved) within the SLA policy's "
                "next_response target.",
            ),
            ("breached", "Later customer turns answered after the target, or waiting past it."),
            ("active", "Later customer turns waiting, the target not passed."),
        )
    ),
    Metric(
        name="reopen_rate",
        kind="ratio",
        unit="fraction",
        fact="conversations",
        formula="reopened / resolved",
        description="Share of resolved conversations that were reopened.",
        numerator="reopened",
        denominator="resolved",
    ),
)

AGENT_METRICS: tuple[Metric, ...] = (
    Metric(
        name="messages_sent",
        kind="count",
        unit="messages",
        fact="messages",
        formula="messages out by an agent, neither private nor deleted",
        description="Replies an agent sent (seeds 003 and 004), in the period they were sent; "
        "internal notes and deleted messages are not sent replies.",
        where="sent",
    ),
    Metric(
        name="conversations_handled",
        kind="count",
        unit="conversations",
        fact="agent_conversations",
        formula="conversations the agent replied to, counted when the agent took them "
        "(first assignment or reply)",
        description="Dialogues an agent handled (seed 004): each conversation the agent "
        "replied to at least once, in the period the agent took it.",
        where="handled",
    ),
    Metric(
        name="closed_with_reply",
        kind="count",
        unit="conversations",
        fact="conversation_events",
        formula="resolving events (resolved or closed) after a reply by a person",
        description="Conversations the agent resolved or closed after a person had replied "
        "(seed 003), in the period of the closing.",
        where="closed_with_reply",
    ),
    Metric(
        name="closed_without_reply",
        kind="count",
        unit="conversations",
        fact="conversation_events",
        formula="resolving events (resolved or closed) with no reply by a person before",
        description="Conversations the agent resolved or closed with no reply from anybody "
        "(seed 003: closing unanswered dialogues), in the period of the closing.",
        where="closed_without_reply",
    ),
    Metric(
        name="deleted_messages",
        kind="count",
        unit="messages",
        fact="messages",
        formula="messages by an agent marked deleted",
        description="Messages an agent sent and that were deleted (seed 003), in the period "
        "they were sent.",
        where="deleted_by_agent",
    ),
    Metric(
        name="agent_busy_s",
        kind="overlap",
        unit="seconds",
        fact="agent_load",
        formula="seconds of the period with at least one conversation open with the agent",
        description="Time the agent had at least one conversation open (from taking it to "
        "its next resolution); the denominator of concurrency.",
        since="since",
        until="until",
    ),
    Metric(
        name="agent_conversation_s",
        kind="overlap",
        unit="seconds",
        fact="agent_load",
        formula="sum over the period's seconds of the conversations open with the agent",
        description="Conversation-seconds the agent had open; the numerator of concurrency.",
        since="since",
        until="until",
        of="open",
    ),
    Metric(
        name="concurrency",
        kind="derived",
        unit="count",
        fact=None,
        formula="agent_conversation_s / agent_busy_s",
        description="Mean number of conversations open at once while the agent has at least "
        "one (time-weighted, inside each period).",
        numerator="agent_conversation_s",
        denominator="agent_busy_s",
    ),
)

for _metric in (*CONVERSATION_METRICS, *AGENT_METRICS):
    register_metric(_metric)

register_stand_in("service_level", "first_response_within_t")
