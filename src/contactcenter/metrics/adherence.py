"""Adherence metrics over the ``adherence`` fact (and agent_states): ../shared/METRICS.md,
"Agents".

The partition of ``adherence`` is the scheduled ``activity`` (``off`` where none).

=====================  ===================================================================
flag                   the piece of a scheduled agent's time is ...
=====================  ===================================================================
``scheduled``          scheduled: an activity other than off
``scheduled_work``     scheduled work
``scheduled_paid``     scheduled paid time: work, break, meeting, training (not lunch)
``out_of_adherence``   in a run of time whose actual category (work: logged in and not
                       paused) differs from the scheduled one, longer than the tolerance
``late_login``         the start of a shift before the agent's first login in it
``early_logout``       the end of a shift after the agent's last logout in it
``break_overrun``      after a break or lunch, until the agent works again
``unscheduled_away``   scheduled work while the agent is away (paused or logged out), in a
                       run of out-of-adherence time longer than the tolerance
=====================  ===================================================================

The tolerance is the report's (``--tolerance``, default 60 s): a run of out-of-adherence
time of that length or shorter counts nothing, nor do the named deviations in it.
"""

from __future__ import annotations

import ibis.expr.types as ir

from contactcenter.facts import PAID
from contactcenter.metrics import agents as _agents  # noqa: F401  (available_s, handling_s)
from contactcenter.metrics.catalog import Metric, register_metric
from contactcenter.metrics.measures import Context, Flag, Measures, register_measures

SCHEDULED = ("work", "break", "lunch", "meeting", "training")


def _beyond(t: ir.Table, ctx: Context) -> ir.BooleanValue:
    """The piece's run of out-of-adherence time is longer than the tolerance."""
    return t.episode_s > ctx.tolerance_s


register_measures(
    Measures(
        fact="adherence",
        partition="activity",
        flags={
            "scheduled": Flag(SCHEDULED),
            "scheduled_work": Flag(("work",)),
            "scheduled_paid": Flag(PAID),
            "out_of_adherence": Flag(None, ("out", "beyond_tolerance")),
            "late_login": Flag(None, ("late_login", "beyond_tolerance")),
            "early_logout": Flag(None, ("early_logout", "beyond_tolerance")),
            "break_overrun": Flag(None, ("break_overrun", "beyond_tolerance")),
            "unscheduled_away": Flag(("work",), ("away", "beyond_tolerance")),
        },
        conditions={
            "out": lambda t, ctx: t.expected != t.actual,
            "beyond_tolerance": _beyond,
            "late_login": lambda t, ctx: t.deviation == "late_login",
            "early_logout": lambda t, ctx: t.deviation == "early_logout",
            "break_overrun": lambda t, ctx: t.deviation == "break_overrun",
            "away": lambda t, ctx: t.actual == "away",
        },
    )
)


def _time(name: str, flag: str, formula: str, description: str) -> Metric:
    return Metric(
        name=name,
        kind="sum",
        unit="seconds",
        formula=formula,
        description=description,
        fact="adherence",
        where=flag,
        of="duration_s",
        default=False,
    )


ADHERENCE_METRICS: tuple[Metric, ...] = (
    _time(
        "scheduled_s",
        "scheduled",
        "sum of duration_s of scheduled activities other than off",
        "Scheduled time (work, break, lunch, meeting, training) up to the end of the data.",
    ),
    _time(
        "scheduled_work_s",
        "scheduled_work",
        "sum of duration_s of scheduled work",
        "Scheduled work time up to the end of the data.",
    ),
    _time(
        "scheduled_paid_s",
        "scheduled_paid",
        "sum of duration_s of scheduled work, break, meeting and training",
        "Scheduled paid time (lunch and off are not paid) up to the end of the data.",
    ),
    _time(
        "out_of_adherence_s",
        "out_of_adherence",
        "sum of duration_s where the actual category differs from the scheduled one, in "
        "runs longer than the tolerance",
        "Time not doing what the schedule says: working (logged in, not paused) when "
        "scheduled away (break, lunch, meeting, training, off), or away when scheduled to "
        "work; runs of the tolerance or shorter are ignored.",
    ),
    _time(
        "late_login_s",
        "late_login",
        "sum of duration_s from each shift's start to the agent's first login in it",
        "Lateness at the start of shifts (an agent who never logs in during a shift is "
        "absent, not late).",
    ),
    _time(
        "early_logout_s",
        "early_logout",
        "sum of duration_s from the agent's last logout in each shift to its end",
        "Time left early at the end of shifts.",
    ),
    _time(
        "break_overrun_s",
        "break_overrun",
        "sum of duration_s from the end of a break or lunch to the agent's return to work",
        "Time breaks and lunches ran over into scheduled work.",
    ),
    _time(
        "unscheduled_away_s",
        "unscheduled_away",
        "sum of duration_s of scheduled work while the agent is away (paused or logged "
        "out), in runs longer than the tolerance",
        "Scheduled work time the agent was not available for contacts (late, absent, "
        "paused, a break run over): the time the impact model gives back (docs/metrics.md, "
        '"Impact").',
    ),
    Metric(
        name="adherence",
        kind="derived",
        unit="fraction",
        formula="max(0, 1 - out_of_adherence_s / scheduled_s)",
        description="Share of the scheduled time spent as scheduled; floored at 0 (time "
        "worked outside the schedule also counts against it).",
        fact=None,
        numerator="scheduled_s - out_of_adherence_s",
        denominator="scheduled_s",
        floor=0.0,
        default=False,
    ),
    Metric(
        name="conformance",
        kind="derived",
        unit="fraction",
        formula="(available_s + handling_s) / scheduled_work_s",
        description="Time logged in and working (not paused) over scheduled work time; "
        "above 1 with overtime.",
        fact=None,
        numerator="available_s + handling_s",
        denominator="scheduled_work_s",
        default=False,
    ),
    Metric(
        name="shrinkage_observed",
        kind="derived",
        unit="fraction",
        formula="1 - (available_s + handling_s) / scheduled_paid_s",
        description="Share of the scheduled paid time not available for or handling "
        "contacts (breaks, meetings, training, absence, pauses).",
        fact=None,
        numerator="scheduled_paid_s - available_s - handling_s",
        denominator="scheduled_paid_s",
        default=False,
    ),
)

for _metric in ADHERENCE_METRICS:
    register_metric(_metric)
