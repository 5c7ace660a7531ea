"""First-contact resolution and repeat contacts (../shared/METRICS.md, "Outcome and
quality"): how the derived fact ``contact_repeats`` is built, its measures and metrics.

=========================  =====================================================================
metric                     formula
=========================  =====================================================================
``fcr``                    fcr_resolved / fcr_eligible: answered contacts of identified
                           customers not repeated within the window, over those whose window
                           has elapsed (pending ones are left out of both and counted)
``repeat_contact_rate``    fcr_repeated / fcr_eligible (= 1 - fcr)
``resolution_rate``        (contacts_resolved + resolved_in_period) / (contacts_received +
                           conversations): contacts resolved (answered, not repeated) over
                           contacts received (answered, abandoned or timed out) of identified
                           customers whose window has elapsed, plus conversations resolved in
                           the period over those created in it
``contacts_resolved``      answered contacts (of contacts) resolved by the repeat rule
``contacts_received``      received contacts (of contacts) of identified customers, settled
``resolved_in_period``     conversations whose first resolution is in the period
``fcr_declared``           declared_resolved / all of ``declared_resolutions``: answered
                           contacts declared resolved over those declared either way
=========================  =====================================================================

**The rules** (report options, :class:`~contactcenter.metrics.options.OutcomeOptions`):

* *Identity*: a contact's customer is identified when ``customer_id`` is not empty, not
  ``0`` (any number of zeros) and not in scientific notation (``6.02E+11``: digits lost,
  as in the Technion files). Other contacts are left out of every ratio here (counted in
  the notes).
* *Repeat*: an answered contact A of an identified customer, ended at E, is repeated when
  the same customer has another contact B — answered, abandoned, timed out or still
  waiting (``in_progress``: whatever its end, it was offered), of any channel (the same
  channel with ``same_channel``) — with ``E < start(B)``, ``start(B) - E >= min gap`` and
  ``start(B) - E <= window``. A contact starting within the minimum gap is a continuation
  (a call back after a dropped line), not a repeat.
* *Pending*: A is pending when its end is not known yet, or ``E + window`` is after the
  last contact offered in the data (any customer, any channel): whether it repeats is not
  known. Pending contacts are left out of the numerators and denominators, and the notes
  say how many. A contact placed in a period is judged on every contact in the store,
  including those after the period and in other queues.

**Computation** (portable: the same expression runs on DuckDB and Spark). The contacts of
identified customers are unioned with one *marker* per answered contact at
``E + max(min gap, 1 µs)``; per customer (and channel), in descending order of time with
markers after starts at the same instant, a running minimum of the start times gives each
marker the first start at or after it, which is B. One sort per report, no self-join. On
DuckDB (``Context.engine``) an ASOF join of the markers to the starts finds the same B,
faster.

**Conversations** are registered as contacts of their customer (``_conversations``):
offered at creation, ``answered`` when a person responded, ending at the first resolution
(null, so pending, while never resolved); a reopened one is repeated (the customer came
back in the same thread). So a chat after a call repeats the call.

**Hook for other facts**: :func:`register_repeat_source` adds a function giving a fact's
rows in the shape of :data:`REPEAT_COLUMNS`; the union of every registered source is what
repeats are looked for in.

**Resolution rate and declared resolution** (derived facts of
:mod:`contactcenter.facts.resolutions`): ``resolution_rate`` = (contacts_resolved +
resolved_in_period) / (contacts_received + conversations), the conversations by their
first resolution over those created in the period; ``fcr_declared`` reads
``declared_resolutions``: a contact's own ``resolved`` flag, else the survey answers of
kind ``resolved`` about it (resolved when every one is the top of its scale).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ibis
import ibis.expr.types as ir

from contactcenter.facts import CONTACT_REPEATS
from contactcenter.facts.resolutions import CONVERSATION_RESOLUTIONS, DECLARED_RESOLUTIONS
from contactcenter.metrics import conversations as _conversation_metrics  # noqa: F401
from contactcenter.metrics import voice as _voice  # noqa: F401  (registers contacts' measures)
from contactcenter.metrics.catalog import Metric, register_metric
from contactcenter.metrics.measures import (
    Context,
    Flag,
    Hidden,
    Measures,
    Source,
    register_measures,
)
from contactcenter.units import format_duration

REPEAT_COLUMNS: tuple[str, ...] = (
    "fact",
    "source",
    "contact_id",
    "channel",
    "queue",
    "customer_id",
    "agent_id",
    "offered_at",
    "ended_at",
    "outcome",
    "reopened",
)
"""The columns a repeat source gives (types as in ``contact_repeats``)."""

REPEATING: tuple[str, ...] = ("answered", "abandoned", "timed_out", "in_progress")
"""Outcomes of a later contact that make an earlier one repeated."""

RECEIVED: tuple[str, ...] = ("answered", "abandoned", "timed_out")
"""Outcomes of a received contact (``resolution_rate``'s denominator)."""

UNRELIABLE_ID = r"^[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$"
"""A customer id in scientific notation: its digits were lost (Technion files)."""

RepeatSource = Callable[[Source], ir.Table]

_SOURCES: dict[str, RepeatSource] = {}


def register_repeat_source(fact: str, rows: RepeatSource) -> None:
    """Let the contacts of ``fact`` repeat, and be repeated by, those of other facts:
    ``rows(source)`` gives its rows with exactly :data:`REPEAT_COLUMNS`."""
    _SOURCES[fact] = rows


def _nullable(table: ir.Table) -> ir.Table:
    """``table`` with every column's type nullable, so that sources union."""
    schema = table.schema()
    fix = {
        name: table[name].cast(kind.copy(nullable=True))
        for name, kind in schema.items()
        if not kind.nullable
    }
    return table.mutate(**fix) if fix else table


def _contacts(source: Source) -> ir.Table:
    t = source("contacts")
    return t.select(
        fact=ibis.literal("contacts"),
        source=t.source,
        contact_id=t.contact_id,
        channel=t.channel,
        queue=t.queue,
        customer_id=t.customer_id,
        agent_id=t.agent_id,
        offered_at=t.offered_at,
        ended_at=t.ended_at,
        outcome=t.outcome,
        reopened=ibis.literal(False),
    )


def _conversations(source: Source) -> ir.Table:
    """A conversation as a contact: created at ``created_at``; ``answered`` when a person
    responded, ending at its first resolution (null, so pending, while never resolved);
    ``abandoned`` when resolved with no response; ``in_progress`` otherwise."""
    t = source("conversations")
    outcome = ibis.cases(
        (t.first_response_at.notnull(), "answered"),
        (t.first_resolved_at.notnull(), "abandoned"),
        else_="in_progress",
    )
    return t.select(
        fact=ibis.literal("conversations"),
        source=t.source,
        contact_id=t.conversation_id,
        channel=t.channel,
        queue=t.queue,
        customer_id=t.customer_id,
        agent_id=t.agent_id,
        offered_at=t.created_at,
        ended_at=t.first_resolved_at,
        outcome=outcome,
        reopened=(t.reopened > 0).fill_null(False),
    )


register_repeat_source("contacts", _contacts)
register_repeat_source("conversations", _conversations)


NOT_IDENTIFIED = r"^\s*(0*|[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+)\s*$"
"""A customer id that identifies nobody: empty or blank, all zeros, or in scientific
notation (:data:`UNRELIABLE_ID`), spaces around it aside."""


def identified(customer: ir.StringValue) -> ir.BooleanValue:
    """Whether a customer id is reliable: not empty, not all zeros, not scientific (one
    regular expression, :data:`NOT_IDENTIFIED`: trimming first costs several times more)."""
    return (customer.notnull() & ~customer.re_search(NOT_IDENTIFIED)).fill_null(False)


def _micros(seconds: float) -> ir.IntervalValue:
    return ibis.interval(microseconds=round(seconds * 1_000_000))


def contact_repeats(source: Source, ctx: Context) -> ir.Table:
    """The rows of ``contact_repeats`` (see the module docstring) with the options of
    ``ctx``."""
    opts = ctx.outcomes
    parts = [_nullable(rows(source)) for rows in _SOURCES.values()]
    base = parts[0]
    for other in parts[1:]:
        base = base.union(other)
    base = base.mutate(identified=identified(base.customer_id))
    part = [base.customer_id, base.channel] if opts.same_channel else [base.customer_id]
    keys = {f"_p{i}": col for i, col in enumerate(part)}
    base = base.mutate(**keys)
    gap = _micros(max(opts.min_gap_s, 1e-6))
    window = _micros(opts.repeat_window_s)
    needs = base.identified & (base.outcome == "answered") & base.ended_at.notnull()
    ts = base.offered_at.type().copy(nullable=True)
    null_ts = ibis.null().cast(ts)
    is_start = base.identified & base.outcome.isin(list(REPEATING))
    if ctx.engine == "duckdb":
        # the same first start at or after each marker by DuckDB's ASOF join (a sort of
        # each side, no window over their union): about a third less time
        marks = base.filter(needs).mutate(_t=(base.ended_at + gap).cast(ts))
        firsts = base.filter(is_start).select(
            **{f"_q{i}": base[k] for i, k in enumerate(keys)}, _s=base.offered_at.cast(ts)
        )
        joined = marks.asof_join(
            firsts,
            on=marks._t <= firsts._s,
            predicates=[marks[k] == firsts[f"_q{i}"] for i, k in enumerate(keys)],
        )
        marked = joined.select(*base.columns, _next=joined._s.cast(ts))
    else:
        marks = base.filter(needs).mutate(
            _t=(base.ended_at + gap).cast(ts), _k=ibis.literal(0), _s=null_ts
        )
        starts = base.filter(is_start).mutate(
            _t=base.offered_at.cast(ts), _k=ibis.literal(1), _s=base.offered_at.cast(ts)
        )
        events = marks.union(starts)
        following = ibis.cumulative_window(
            group_by=list(keys), order_by=[ibis.desc("_t"), ibis.desc("_k")]
        )
        events = events.mutate(_next=events._s.min().over(following).cast(ts))
        marked = events.filter(events._k == 0).drop("_t", "_k", "_s")
    others = base.filter(~needs).mutate(_next=null_ts)
    rows = marked.union(others).drop(*keys)
    last = base.aggregate(_last=base.offered_at.max())
    rows = rows.cross_join(last)
    reach = rows.ended_at + window
    pending = (rows.ended_at.isnull() | (reach > rows._last)).fill_null(True)
    came_back = (rows._next.notnull() & (rows._next <= reach)).fill_null(False)
    repeated = (came_back | rows.reopened) & rows.identified & (rows.outcome == "answered")
    return rows.select(
        *REPEAT_COLUMNS,
        identified=rows.identified,
        pending=pending,
        repeated=repeated,
        next_contact_at=rows._next,
    )


CONDITIONS = {
    "identified": lambda t, ctx: t.identified,
    "unidentified": lambda t, ctx: ~t.identified,
    "settled": lambda t, ctx: ~t.pending,
    "pending": lambda t, ctx: t.pending,
    "repeated": lambda t, ctx: t.repeated,
    "not_repeated": lambda t, ctx: ~t.repeated,
    "of_contacts": lambda t, ctx: t.fact == "contacts",
    "of_conversations": lambda t, ctx: t.fact == "conversations",
    "reopened": lambda t, ctx: t.reopened,
}

FLAGS: dict[str, Flag] = {
    "fcr_answered": Flag(("answered",)),
    "fcr_unidentified": Flag(("answered",), ("unidentified",)),
    "fcr_pending": Flag(("answered",), ("identified", "pending")),
    "fcr_eligible": Flag(("answered",), ("identified", "settled")),
    "fcr_resolved": Flag(("answered",), ("identified", "settled", "not_repeated")),
    "fcr_repeated": Flag(("answered",), ("identified", "settled", "repeated")),
    "fcr_conversations": Flag(("answered",), ("identified", "settled", "of_conversations")),
    "fcr_reopened": Flag(("answered",), ("identified", "settled", "reopened")),
    "contacts_resolved": Flag(
        ("answered",), ("identified", "settled", "not_repeated", "of_contacts")
    ),
    "contacts_received": Flag(RECEIVED, ("identified", "settled", "of_contacts")),
    "received_pending": Flag(RECEIVED, ("identified", "pending", "of_contacts")),
}

FCR_RATIOS = frozenset({"fcr", "repeat_contact_rate", "resolution_rate", "csi"})


def repeat_notes(hidden: Mapping[str, int], metrics: frozenset[str], ctx: Context) -> list[str]:
    """The repeat rules in force and the contacts the FCR ratios leave out."""
    if not metrics & FCR_RATIOS or not hidden:
        return []
    opts = ctx.outcomes
    notes: list[str] = []
    window = format_duration(opts.repeat_window_s)
    rules = f"repeat window {window}, {'same channel' if opts.same_channel else 'any channel'}"
    if opts.min_gap_s:
        rules += f", contacts within {format_duration(opts.min_gap_s)} of the end continue it"
    notes.append(
        f"fcr: an answered contact (a responded conversation) is resolved when its customer "
        f"has no other contact of any kind within the repeat window of its end ({rules}) "
        "and, for a conversation, it was not reopened"
        + (
            "; resolution_rate: contacts resolved by that rule over contacts received, "
            "plus conversations resolved in the period over conversations created in it"
            if "resolution_rate" in metrics
            else ""
        )
    )
    conversations = hidden.get("fcr_conversations", 0)
    if conversations:
        notes.append(
            f"{conversations} of the answered contacts judged are conversations (ended at "
            f"their first resolution); {hidden.get('fcr_reopened', 0)} of them were reopened, "
            "so repeated"
        )
    pending = hidden.get("fcr_pending", 0)
    if pending:
        notes.append(
            f"{pending} answered contacts are pending: their end is unknown or their "
            f"{window} window reaches past the last contact in the data; fcr and "
            "repeat_contact_rate leave them out"
            + (
                f" (resolution_rate leaves out {hidden.get('received_pending', 0)} "
                "received contacts)"
                if "resolution_rate" in metrics
                else ""
            )
        )
    unidentified = hidden.get("fcr_unidentified", 0)
    if unidentified:
        notes.append(
            f"{unidentified} answered contacts have no reliable customer id (empty, 0 "
            "or in scientific notation); the fcr ratios leave them out"
        )
    return notes


REPEAT_MEASURES = register_measures(
    Measures(
        fact=CONTACT_REPEATS.name,
        partition="outcome",
        flags=FLAGS,
        conditions=CONDITIONS,
        hidden={
            name: Hidden(name)
            for name in (
                "fcr_pending",
                "fcr_unidentified",
                "received_pending",
                "fcr_conversations",
                "fcr_reopened",
            )
        },
        context_notes=repeat_notes,
        derive=contact_repeats,
    )
)


# ----------------------------------------------------------------------------- resolutions
def conversation_resolutions(source: Source, ctx: Context) -> ir.Table:
    """The rows of ``conversation_resolutions``: conversations resolved at least once, at
    their first resolution."""
    t = source("conversations")
    t = t.filter(t.first_resolved_at.notnull())
    return t.select(*CONVERSATION_RESOLUTIONS.schema.names)


register_measures(Measures(fact=CONVERSATION_RESOLUTIONS.name, derive=conversation_resolutions))

RESOLVED_KIND = "resolved"
"""The survey answer kind that says whether the contact resolved the customer's matter:
yes is the top of its scale (1 on 0-1)."""


def _said_resolved(source: Source, column: str) -> ir.Table:
    """Per ``column`` (contact_id or conversation_id) of the survey answers of kind
    ``resolved``: ``_said``, true when every such answer is the top of its scale."""
    s = source("surveys")
    s = s.filter((s.kind == RESOLVED_KIND) & s[column].notnull())
    yes = s.score >= s.scale_max.cast("float64")
    return s.group_by(_id=s[column]).aggregate(_said=yes.all())


def declared_resolutions(source: Source, ctx: Context) -> ir.Table:
    """The rows of ``declared_resolutions``: answered contacts with their own
    ``resolved`` flag or a survey answer of kind ``resolved`` (the flag wins), and
    responded conversations with such an answer."""
    names = DECLARED_RESOLUTIONS.schema.names
    c = source("contacts")
    c = c.filter(c.outcome == "answered")
    said = _said_resolved(source, "contact_id")
    j = c.left_join(said, c.contact_id == said._id)
    contacts = j.filter(j.resolved.notnull() | j._said.notnull()).select(
        fact=ibis.literal("contacts"),
        source=j.source,
        contact_id=j.contact_id,
        channel=j.channel,
        queue=j.queue,
        customer_id=j.customer_id,
        agent_id=j.agent_id,
        offered_at=j.offered_at,
        resolved=ibis.coalesce(j.resolved, j._said),
        declared_by=ibis.ifelse(j.resolved.notnull(), "source", "survey"),
    )
    v = source("conversations")
    v = v.filter(v.first_response_at.notnull())
    said = _said_resolved(source, "conversation_id")
    k = v.inner_join(said, v.conversation_id == said._id)
    conversations = k.select(
        fact=ibis.literal("conversations"),
        source=k.source,
        contact_id=k.conversation_id,
        channel=k.channel,
        queue=k.queue,
        customer_id=k.customer_id,
        agent_id=k.agent_id,
        offered_at=k.created_at,
        resolved=k._said,
        declared_by=ibis.literal("survey"),
    )
    return contacts.select(*names).union(conversations.select(*names))


def declared_notes(hidden: Mapping[str, int], metrics: frozenset[str]) -> list[str]:
    """How ``fcr_declared`` was measured: by whose declaration."""
    if "fcr_declared" not in metrics:
        return []
    by_source, by_survey = hidden.get("by_source", 0), hidden.get("by_survey", 0)
    if not by_source and not by_survey:
        return [
            "fcr_declared: no answered contact has a resolution flag from its source or a "
            "survey answer of kind resolved"
        ]
    return [
        f"fcr_declared: declared by the source's resolution flag for {by_source} answered "
        f"contacts, by survey answers of kind resolved for {by_survey} (the source's flag "
        "wins where both exist)"
    ]


register_measures(
    Measures(
        fact=DECLARED_RESOLUTIONS.name,
        flags={
            "declared_resolved": Flag(conditions=("resolved",)),
            "by_source": Flag(conditions=("by_source",)),
            "by_survey": Flag(conditions=("by_survey",)),
        },
        conditions={
            "resolved": lambda t, ctx: t.resolved,
            "by_source": lambda t, ctx: t.declared_by == "source",
            "by_survey": lambda t, ctx: t.declared_by == "survey",
        },
        hidden={"by_source": Hidden("by_source"), "by_survey": Hidden("by_survey")},
        notes=declared_notes,
        derive=declared_resolutions,
    )
)


def _count(name: str, fact: str, where: str | None, formula: str, description: str) -> Metric:
    return Metric(
        name=name,
        kind="count",
        unit="contacts",
        formula=formula,
        description=description,
        fact=fact,
        where=where,
        default=False,
    )


FCR_METRICS: tuple[Metric, ...] = (
    Metric(
        name="fcr",
        kind="ratio",
        unit="fraction",
        formula="fcr_resolved / fcr_eligible",
        description=(
            "First-contact resolution: answered contacts (and responded conversations) of "
            "identified customers with no other contact of the customer, on any channel, "
            "starting after the end and within the repeat window (default 7 days), and not "
            "reopened, over such contacts whose window has elapsed."
        ),
        fact=CONTACT_REPEATS.name,
        numerator="fcr_resolved",
        denominator="fcr_eligible",
        default=False,
    ),
    Metric(
        name="repeat_contact_rate",
        kind="ratio",
        unit="fraction",
        formula="fcr_repeated / fcr_eligible",
        description="Share of those contacts whose customer came back within the window (1 − fcr).",
        fact=CONTACT_REPEATS.name,
        numerator="fcr_repeated",
        denominator="fcr_eligible",
        default=False,
    ),
    _count(
        "contacts_resolved",
        CONTACT_REPEATS.name,
        "contacts_resolved",
        "answered contacts (of contacts) resolved: identified, window elapsed, not repeated",
        "Contacts resolved by the repeat rule (calls and the other rows of contacts; "
        "conversations count in resolved_in_period).",
    ),
    _count(
        "contacts_received",
        CONTACT_REPEATS.name,
        "contacts_received",
        "answered, abandoned and timed-out contacts (of contacts) of identified customers "
        "whose window has elapsed",
        "Contacts received, as resolution_rate counts them.",
    ),
    Metric(
        name="resolved_in_period",
        kind="count",
        unit="conversations",
        formula="conversations whose first resolution is in the period",
        description=(
            "Conversations resolved in the period (by their first resolution, whenever they "
            "were created)."
        ),
        fact=CONVERSATION_RESOLUTIONS.name,
        default=False,
    ),
    Metric(
        name="resolution_rate",
        kind="derived",
        unit="fraction",
        formula="(contacts_resolved + resolved_in_period) / (contacts_received + conversations)",
        description=(
            "Resolved over received: contacts resolved by the repeat rule over the answered, "
            "abandoned and timed-out contacts of identified customers whose window has "
            "elapsed; for conversations, those resolved in the period over those created in "
            "the period (it can exceed 1 where a period resolves a backlog)."
        ),
        fact=None,
        numerator="contacts_resolved + resolved_in_period",
        denominator="contacts_received + conversations",
        default=False,
    ),
    Metric(
        name="fcr_declared",
        kind="ratio",
        unit="fraction",
        formula="declared_resolved / all",
        description=(
            "First-contact resolution as declared: answered contacts their source marks "
            "resolved, or whose survey answers of kind resolved say yes, over those declared "
            "either way (the notes name the method; empty where nothing declares it)."
        ),
        fact=DECLARED_RESOLUTIONS.name,
        numerator="declared_resolved",
        denominator="all",
        default=False,
    ),
)

for _metric in FCR_METRICS:
    register_metric(_metric)
