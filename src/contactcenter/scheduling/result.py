"""The roster a solve returns, and its tabular / JSON forms.

JSON keys (``ScheduleResult.to_dict``): status (optimal | feasible | partial), paid_hours,
cost, uncovered_agent_intervals, over_agent_intervals, optimality_gap, objective,
best_bound, interval_s, solve_time_s, shifts (template, start, end, count, paid_hours,
breaks: [{start, end, paid}]), coverage (interval_start, required, scheduled, gap).

``gap = required - scheduled``: positive where the roster falls short (under-staffed),
negative where it has agents to spare (over-staffed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class PlacedBreak:
    """A break as taken: start and end instants, paid or not."""

    start: pd.Timestamp
    end: pd.Timestamp
    paid: bool


@dataclass(frozen=True)
class PlacedShift:
    """``count`` identical shifts of one template: same start and same breaks."""

    template: str
    start: pd.Timestamp
    end: pd.Timestamp
    count: int
    paid_hours: float
    cost: float
    breaks: tuple[PlacedBreak, ...]


def _iso(ts: pd.Timestamp) -> str:
    return ts.isoformat(sep=" ")


def _breaks_text(breaks: tuple[PlacedBreak, ...]) -> str:
    return "; ".join(
        f"{b.start.strftime('%H:%M')}-{b.end.strftime('%H:%M')} {'paid' if b.paid else 'unpaid'}"
        for b in breaks
    )


@dataclass(frozen=True)
class ScheduleResult:
    """A roster: the shifts, the coverage per grid slot and the solve's figures.

    status: ``optimal`` | ``feasible`` | ``partial`` (see :func:`~.model.solve`).
    optimality_gap: ``(objective - best_bound) / objective`` (0 when proved optimal).
    objective: shift cost + penalty x uncovered agent-intervals.
    """

    status: str
    paid_hours: float
    cost: float
    uncovered_agent_intervals: int
    over_agent_intervals: int
    optimality_gap: float
    objective: float
    best_bound: float
    shifts: list[PlacedShift]
    coverage: pd.DataFrame
    interval_s: int
    penalty: float
    solve_time_s: float
    unsolved_groups: int = 0
    """Groups of days the solver had no time (or found nothing) for: they keep the greedy
    roster, and count 0 in ``best_bound`` (not part of the JSON)."""

    def shifts_frame(self) -> pd.DataFrame:
        """One row per group of identical shifts (breaks as text)."""
        return pd.DataFrame(
            [
                {
                    "template": s.template,
                    "start": _iso(s.start),
                    "end": _iso(s.end),
                    "count": s.count,
                    "paid_hours": s.paid_hours,
                    "breaks": _breaks_text(s.breaks),
                }
                for s in self.shifts
            ],
            columns=["template", "start", "end", "count", "paid_hours", "breaks"],
        )

    def summary(self) -> dict[str, Any]:
        """The scalar figures, plus under/over-staffing by day."""
        cov = self.coverage
        days = cov["interval_start"].dt.normalize()
        short = cov["gap"].clip(lower=0)
        spare = (-cov["gap"]).clip(lower=0)
        per_day = (
            pd.DataFrame({"day": days, "under": short, "over": spare, "req": cov["required"]})
            .groupby("day")
            .agg(
                required_agent_intervals=("req", "sum"),
                under_agent_intervals=("under", "sum"),
                over_agent_intervals=("over", "sum"),
            )
        )
        hours = self.interval_s / 3600.0
        return {
            "status": self.status,
            "paid_hours": round(self.paid_hours, 4),
            "cost": round(self.cost, 4),
            "uncovered_agent_intervals": self.uncovered_agent_intervals,
            "over_agent_intervals": self.over_agent_intervals,
            "under_staffed_hours": round(self.uncovered_agent_intervals * hours, 4),
            "over_staffed_hours": round(self.over_agent_intervals * hours, 4),
            "short_intervals": int((cov["gap"] > 0).sum()),
            "optimality_gap": round(self.optimality_gap, 6),
            "objective": round(self.objective, 4),
            "best_bound": round(self.best_bound, 4),
            "shift_count": int(sum(s.count for s in self.shifts)),
            "solve_time_s": round(self.solve_time_s, 3),
            "by_day": [
                {
                    "day": pd.Timestamp(day).date().isoformat(),
                    "required_agent_intervals": int(req),
                    "under_agent_intervals": int(under),
                    "over_agent_intervals": int(over),
                }
                for day, req, under, over in zip(
                    per_day.index.tolist(),
                    per_day["required_agent_intervals"].tolist(),
                    per_day["under_agent_intervals"].tolist(),
                    per_day["over_agent_intervals"].tolist(),
                    strict=True,
                )
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see the module docstring for the keys)."""
        out = self.summary()
        out["interval_s"] = self.interval_s
        out["shifts"] = [
            {
                "template": s.template,
                "start": _iso(s.start),
                "end": _iso(s.end),
                "count": s.count,
                "paid_hours": s.paid_hours,
                "breaks": [
                    {"start": _iso(b.start), "end": _iso(b.end), "paid": b.paid} for b in s.breaks
                ],
            }
            for s in self.shifts
        ]
        cov = self.coverage
        out["coverage"] = [
            {
                "interval_start": _iso(pd.Timestamp(t)),
                "required": int(a),
                "scheduled": int(b),
                "gap": int(g),
            }
            for t, a, b, g in zip(
                cov["interval_start"].tolist(),
                cov["required"].tolist(),
                cov["scheduled"].tolist(),
                cov["gap"].tolist(),
                strict=True,
            )
        ]
        return out
