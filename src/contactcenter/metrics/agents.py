"""The agent metrics of ../shared/METRICS.md ("Agents"): time in states, read from
``agent_states``, and contacts handled, read from ``contacts``.

The partition of ``agent_states`` is its ``state``. A report reads only the rows of its
scope (condition ``in_scope``, :attr:`Measures.rows`): the agent's own time line (scope
``agent``), or the time line of each queue membership (scope ``queue``) when the report
groups or filters by queue. Values: ``duration_s`` (null while a state is still open, so an open
state counts no time; the notes count such states).

==============  ==============================================================
flag            the piece of state is ...
==============  ==============================================================
``logged_in``   any state (the agent is logged in)
``available``   available: logged in, not paused, not on a contact, not in ACW
``handling``    on a contact (a call, or a chat conversation open) or in after-contact
                work (handling, acw)
``acw``         after-contact work
``not_ready``   paused, not on a contact (by reason: ``--by reason``)
``open``        still open at the end of the data (no end yet)
==============  ==============================================================

These metrics are not in the default set of a report: name them with ``--metrics``.
``acw_s`` is the mean after-contact work of a contact (voice); the agents' time in
after-contact work is ``acw_time_s``.
"""

from __future__ import annotations

from collections.abc import Mapping

from contactcenter.facts import AGENT_STATES
from contactcenter.metrics import voice as _voice  # noqa: F401  (contacts' flags first)
from contactcenter.metrics.catalog import Metric, register_metric
from contactcenter.metrics.measures import Flag, Hidden, Measures, register_measures

AGENT_FLAGS: dict[str, Flag] = {
    "logged_in": Flag(AGENT_STATES),
    "available": Flag(("available",)),
    "handling": Flag(("handling", "acw")),
    "acw": Flag(("acw",)),
    "not_ready": Flag(("not_ready",)),
    "open": Flag(None, ("open",)),
}


def agent_notes(hidden: Mapping[str, int], metrics: frozenset[str]) -> list[str]:
    """What the reader of agent metrics must know: states without an end yet."""
    n = int(hidden.get("open", 0))
    if not n:
        return []
    return [
        f"{n} agent states are still open at the end of the data (no end yet); their "
        "time is not counted until a later load brings the end"
    ]


register_measures(
    Measures(
        fact="agent_states",
        partition="state",
        flags=AGENT_FLAGS,
        conditions={
            "in_scope": lambda t, ctx: t.scope == ("queue" if ctx.by_queue else "agent"),
            "open": lambda t, ctx: t.end_at.isnull(),
        },
        hidden={"open": Hidden("open")},
        notes=agent_notes,
        rows="in_scope",
    )
)


def _time(name: str, flag: str, formula: str, description: str) -> Metric:
    return Metric(
        name=name,
        kind="sum",
        unit="seconds",
        formula=formula,
        description=description,
        fact="agent_states",
        where=flag,
        of="duration_s",
        default=False,
    )


AGENT_METRICS: tuple[Metric, ...] = (
    _time(
        "logged_in_s",
        "logged_in",
        "sum of duration_s of the agent's states (any state)",
        "Time logged in: from login (or joining a queue) to logout (or leaving the last "
        "queue), in the period.",
    ),
    _time(
        "available_s",
        "available",
        "sum of duration_s of state available",
        "Time logged in, not paused, not on a call or chat and not in after-contact work.",
    ),
    _time(
        "handling_s",
        "handling",
        "sum of duration_s of states handling and acw",
        "Time on calls (answered to ended) or with at least one chat conversation open "
        "(assignment to resolution or transfer), overlaps counted once, plus after-contact "
        "work where the source records it.",
    ),
    _time(
        "acw_time_s",
        "acw",
        "sum of duration_s of state acw",
        "Time in after-contact work (ended_at to ended_at + acw_s, cut short by the next "
        "contact); 0 where the source does not record it (queue_log).",
    ),
    _time(
        "not_ready_s",
        "not_ready",
        "sum of duration_s of state not_ready",
        "Time paused and not on a contact; per pause reason with --by reason.",
    ),
    Metric(
        name="contacts_handled",
        kind="count",
        unit="contacts",
        formula="count of answered contacts (by the agent who answered)",
        description="Contacts the agent answered in the period (the contact's offered_at "
        "places it), still talking or ended.",
        where="answered",
        default=False,
    ),
    Metric(
        name="contacts_per_hour",
        kind="derived",
        unit="count",
        formula="contacts_handled / logged_in_s * 3600",
        description="Contacts answered per hour logged in; null without logged-in time.",
        fact=None,
        numerator="contacts_handled",
        denominator="logged_in_s",
        scale=3600.0,
        default=False,
    ),
    Metric(
        name="occupancy",
        kind="derived",
        unit="fraction",
        formula="handling_s / (handling_s + available_s)",
        description="Share of the time ready for work that was spent on contacts; null "
        "without either.",
        fact=None,
        numerator="handling_s",
        denominator="handling_s + available_s",
        default=False,
    ),
    Metric(
        name="utilization",
        kind="derived",
        unit="fraction",
        formula="handling_s / logged_in_s",
        description="Share of the logged-in time spent on contacts (pauses count against "
        "it); null without logged-in time.",
        fact=None,
        numerator="handling_s",
        denominator="logged_in_s",
        default=False,
    ),
)

for _metric in AGENT_METRICS:
    register_metric(_metric)
