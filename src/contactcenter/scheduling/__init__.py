"""Shift scheduling: turn a staffing plan into shifts with breaks (OR-Tools CP-SAT).

Public API::

    load_shifts("shifts.yaml") -> ShiftConfig          (parse_shifts(dict) for data)
    read_plan("plan.csv", interval_s=900, use="agents") -> Requirement
    solve(requirement, config, time_limit_s=60) -> ScheduleResult
    lp_bound(requirement, config) -> float               (linear-relaxation lower bound)
    coverage_of(shifts, requirement) -> agents working per slot

The model is shift counts per template and start (demand level);
:mod:`contactcenter.scheduling.assign` then hands the shifts to named agents (their
days, hours of availability and contracted weekly hours), see docs/scheduling.md.
"""

from __future__ import annotations

from contactcenter.scheduling.config import (
    BreakRule,
    ShiftConfig,
    ShiftTemplate,
    load_shifts,
    parse_shifts,
)
from contactcenter.scheduling.model import (
    ShiftColumn,
    build_columns,
    coverage_of,
    lp_bound,
    solve,
)
from contactcenter.scheduling.plan import (
    Requirement,
    read_plan,
    requirement_from_frame,
    requirement_from_plan,
)
from contactcenter.scheduling.result import PlacedBreak, PlacedShift, ScheduleResult

__all__ = [
    "BreakRule",
    "PlacedBreak",
    "PlacedShift",
    "Requirement",
    "ScheduleResult",
    "ShiftColumn",
    "ShiftConfig",
    "ShiftTemplate",
    "build_columns",
    "coverage_of",
    "load_shifts",
    "lp_bound",
    "parse_shifts",
    "read_plan",
    "requirement_from_frame",
    "requirement_from_plan",
    "solve",
]
