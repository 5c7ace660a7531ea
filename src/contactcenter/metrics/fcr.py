"""First-contact resolution and repeat contacts (../shared/METRICS.md, "Outcome and
quality"): how the derived fact ``contact_repeats`` is built, its measures and metrics.

=========================  =====================================================================
metric                     formula
=========================  =====================================================================
``fcr``                    fcr_resolved / fcr_eligible: answered contacts of identified
                           customers not repeated within the window, over those whose window
                           has elapsed (pending ones are left out of both and counted)
``repeat_contact_rate``    fcr_repeated / fcr_eligible (= 1 - fcr)
``resolution_rate``        fcr_resolved / received: contacts resolved (answered, not repeated)
                           over contacts received (answered, abandoned or timed out) of
                           identified customers whose window has elapsed
``fcr_declared``           declared_resolved / declared_known: answered contacts the source
                           marks resolved, over those it marks at all
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
marker the first start at or after it, which is B. One sort per report, no self-join.

**Hook for other facts** (conversations of the messaging channels):
:func:`register_repeat_source` adds a function giving a fact's rows in the shape of
:data:`REPEAT_COLUMNS` (an answered conversation is ``outcome`` answered, its
``ended_at`` when it was closed, ``resolved_declared`` its resolution flag); the union of
every registered source is what repeats are looked for in, so a chat after a call is a
repeat of the call. Only ``contacts`` is registered today.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ibis
import ibis.expr.types as ir

from contactcenter.facts import CONTACT_REPEATS
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
    "source",
    "contact_id",
    "channel",
    "queue",
    "customer_id",
    "agent_id",
    "offered_at",
    "ended_at",
    "outcome",
    "resolved_declared",
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


def _contacts(source: Source) -> ir.Table:
    t = source("contacts")
    return t.select(*REPEAT_COLUMNS[:-1], resolved_declared=ibis.null().cast("boolean"))


register_repeat_source("contacts", _contacts)


def identified(customer: ir.StringValue) -> ir.BooleanValue:
    """Whether a customer id is reliable: not empty, not all zeros, not scientific."""
    text = customer.strip()
    return (
        customer.notnull()
        & (text != "")
        & ~text.re_search(r"^0+$")
        & ~text.re_search(UNRELIABLE_ID)
    ).fill_null(False)


def _micros(seconds: float) -> ir.IntervalValue:
    return ibis.interval(microseconds=round(seconds * 1_000_000))


def contact_repeats(source: Source, ctx: Context) -> ir.Table:
    """The rows of ``contact_repeats`` (see the module docstring) with the options of
    ``ctx``."""
    opts = ctx.outcomes
    parts = [rows(source) for rows in _SOURCES.values()]
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
    marks = base.filter(needs).mutate(
        _t=(base.ended_at + gap).cast(ts), _k=ibis.literal(0), _s=null_ts
    )
    starts = base.filter(base.identified & base.outcome.isin(list(REPEATING))).mutate(
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
    repeated = (rows._next.notnull() & (rows._next <= reach)).fill_null(False)
    return rows.select(
        *REPEAT_COLUMNS[:-1],
        identified=rows.identified,
        pending=pending,
        repeated=repeated & rows.identified & (rows.outcome == "answered"),
        next_contact_at=rows._next,
        resolved_declared=rows.resolved_declared,
    )


CONDITIONS = {
    "identified": lambda t, ctx: t.identified,
    "unidentified": lambda t, ctx: ~t.identified,
    "settled": lambda t, ctx: ~t.pending,
    "pending": lambda t, ctx: t.pending,
    "repeated": lambda t, ctx: t.repeated,
    "not_repeated": lambda t, ctx: ~t.repeated,
    "declared": lambda t, ctx: t.resolved_declared.notnull(),
    "declared_resolved": lambda t, ctx: t.resolved_declared,
}

FLAGS: dict[str, Flag] = {
    "fcr_answered": Flag(("answered",)),
    "fcr_unidentified": Flag(("answered",), ("unidentified",)),
    "fcr_pending": Flag(("answered",), ("identified", "pending")),
    "fcr_eligible": Flag(("answered",), ("identified", "settled")),
    "fcr_resolved": Flag(("answered",), ("identified", "settled", "not_repeated")),
    "fcr_repeated": Flag(("answered",), ("identified", "settled", "repeated")),
    "received": Flag(RECEIVED, ("identified", "settled")),
    "received_pending": Flag(RECEIVED, ("identified", "pending")),
    "declared_known": Flag(("answered",), ("declared",)),
    "declared_resolved": Flag(("answered",), ("declared", "declared_resolved")),
}

FCR_RATIOS = frozenset({"fcr", "repeat_contact_rate", "resolution_rate", "csi"})


def repeat_notes(hidden: Mapping[str, int], metrics: frozenset[str], ctx: Context) -> list[str]:
    """The repeat rules in force and the contacts the FCR ratios leave out."""
    if not metrics & (FCR_RATIOS | {"fcr_declared"}) or not hidden:
        return []
    opts = ctx.outcomes
    notes: list[str] = []
    window = format_duration(opts.repeat_window_s)
    if metrics & FCR_RATIOS:
        rules = f"repeat window {window}, {'same channel' if opts.same_channel else 'any channel'}"
        if opts.min_gap_s:
            rules += f", contacts within {format_duration(opts.min_gap_s)} of the end continue it"
        notes.append(
            f"fcr: an answered contact is resolved when its customer has no other contact "
            f"within the repeat window of its end ({rules}); resolution_rate counts resolved "
            "contacts over received ones (no source gives a resolution flag to use instead)"
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
    if "fcr_declared" in metrics and not hidden.get("declared_known", 0):
        notes.append("fcr_declared: no contact has a resolution flag from its source")
    return notes


REPEAT_MEASURES = register_measures(
    Measures(
        fact=CONTACT_REPEATS.name,
        partition="outcome",
        flags=FLAGS,
        conditions=CONDITIONS,
        hidden={
            name: Hidden(name)
            for name in ("fcr_pending", "fcr_unidentified", "received_pending", "declared_known")
        },
        context_notes=repeat_notes,
        derive=contact_repeats,
    )
)

FCR_METRICS: tuple[Metric, ...] = (
    Metric(
        name="fcr",
        kind="ratio",
        unit="fraction",
        formula="fcr_resolved / fcr_eligible",
        description=(
            "First-contact resolution: answered contacts of identified customers with no "
            "other contact of the customer starting after the end and within the repeat "
            "window (default 7 days), over such contacts whose window has elapsed."
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
    Metric(
        name="resolution_rate",
        kind="ratio",
        unit="fraction",
        formula="fcr_resolved / received",
        description=(
            "Resolved over received: answered contacts not repeated within the window, over "
            "the answered, abandoned and timed-out contacts of identified customers whose "
            "window has elapsed."
        ),
        fact=CONTACT_REPEATS.name,
        numerator="fcr_resolved",
        denominator="received",
        default=False,
    ),
    Metric(
        name="fcr_declared",
        kind="ratio",
        unit="fraction",
        formula="declared_resolved / declared_known",
        description=(
            "First-contact resolution as the source declares it: answered contacts it marks "
            "resolved over those it marks at all (empty where no source gives the flag)."
        ),
        fact=CONTACT_REPEATS.name,
        numerator="declared_resolved",
        denominator="declared_known",
        default=False,
    ),
)

for _metric in FCR_METRICS:
    register_metric(_metric)
