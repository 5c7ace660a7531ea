"""``schedule``: shifts with breaks that cover a staffing plan, at the least cost.

The keywords are the options of ``contactcenter schedule`` (docs/cli.md): ``--use`` is
``use``, ``--time-limit`` is ``time_limit``. The plan may be the file ``plan`` writes
(CSV or Parquet), a pyarrow Table, a pandas DataFrame or a ``StaffingPlan``; the shift
templates a YAML file, the same structure as a dict, or a parsed
:class:`~contactcenter.scheduling.ShiftConfig`. A requirement the templates cannot meet
is not an error: the roster's status is ``partial`` and its coverage shows the gap.
Every bad value is an :class:`~contactcenter.errors.InputError` whose ``field`` is the
keyword. The model: docs/scheduling.md.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from contactcenter import limits
from contactcenter.app import _options as opt
from contactcenter.app._options import Duration, Number
from contactcenter.reports import writers
from contactcenter.scheduling import (
    ScheduleResult,
    ShiftConfig,
    load_shifts,
    parse_shifts,
    requirement_from_plan,
    solve,
)
from contactcenter.scheduling.plan import REQUIREMENT_COLUMNS
from contactcenter.staffing.plan_file import PlanFile, read_plan

if TYPE_CHECKING:
    from contactcenter.app.staffing import StaffingPlan

SCHEDULE_FORMATS = ("csv", "json", "table", "xlsx")
"""The formats a :class:`Roster` is written in (csv: the shifts)."""


def _coverage_frame(result: ScheduleResult) -> pd.DataFrame:
    cov = result.coverage.copy()
    cov["interval_start"] = cov["interval_start"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return cov


@dataclass(frozen=True)
class Roster:
    """The answer of :func:`schedule`.

    table: the shifts, one row per group of identical shifts: template, start, end,
    count, paid_hours, breaks (as ``10:00-10:15 paid; 12:00-12:30 unpaid``). coverage:
    interval_start, required, scheduled, gap (``required - scheduled``: positive where the
    roster is short) per grid slot. status: ``optimal``, ``feasible`` (the time limit ended
    before optimality was proved) or ``partial`` (some requirement is not covered).
    paid_hours, cost, uncovered_agent_intervals, over_agent_intervals, optimality_gap,
    shift_count: the solution's figures. result: the scheduler's own result.
    """

    table: pa.Table
    coverage: pa.Table
    status: str
    paid_hours: float
    cost: float
    uncovered_agent_intervals: int
    over_agent_intervals: int
    optimality_gap: float
    shift_count: int
    result: ScheduleResult = field(repr=False, compare=False)

    @property
    def unsolved_groups(self) -> int:
        """Groups of days the solver had no time for (they keep the greedy roster)."""
        return self.result.unsolved_groups

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``contactcenter schedule --format json``."""
        return self.result.to_dict()

    def summary(self) -> dict[str, Any]:
        """The scalar figures and the under/over-staffing by day."""
        return self.result.summary()

    def to_text(self, format: str = "table") -> str:
        """The roster as a ``table`` for people (summary, shifts, by day, short intervals),
        ``csv`` (the shifts) or ``json``."""
        fmt = opt.choice(format, "format", ("csv", "json", "table"))
        if fmt == "csv":
            return writers.csv_text(self.table, dialect="python")
        if fmt == "json":
            return writers.json_text(self.as_dict())
        summary = self.summary()
        by_day = pd.DataFrame(summary.pop("by_day"))
        text = "\n".join(f"{k}: {v}" for k, v in summary.items()) + "\n\n"
        text += self.result.shifts_frame().to_string(index=False) + "\n\n"
        text += by_day.to_string(index=False) + "\n"
        short = _coverage_frame(self.result)
        short = short[short["gap"] > 0]
        if not short.empty:
            text += "\nintervals short of the requirement:\n"
            text += short.to_string(index=False) + "\n"
        return text

    def sheets(self) -> dict[str, pa.Table]:
        """The xlsx sheets: summary (metric, value), shifts, coverage, by_day."""
        summary = self.summary()
        by_day = pa.Table.from_pylist(summary.pop("by_day"))
        facts = pa.table({"metric": list(summary), "value": [str(v) for v in summary.values()]})
        return {"summary": facts, "shifts": self.table, "coverage": self.coverage, "by_day": by_day}

    def file_data(self, path: str | Path, *, format: str | None = None) -> str | bytes:
        """What :meth:`write` puts in ``path``: the roster as ``format`` (default: from
        the suffix)."""
        fmt = opt.file_format(path, SCHEDULE_FORMATS, format)
        return writers.xlsx_bytes(self.sheets()) if fmt == "xlsx" else self.to_text(fmt)

    def coverage_csv(self) -> str:
        """The coverage table as CSV (what :meth:`write_coverage` writes)."""
        return writers.csv_text(self.coverage, dialect="python")

    def write(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the roster to ``path`` (whole or not at all) as ``format`` (csv: the
        shifts, json, table, xlsx; default: from the suffix)."""
        return writers.write_file(path, self.file_data(path, format=format))

    def write_coverage(self, path: str | Path) -> Path:
        """Write the coverage table to ``path`` as CSV (whole or not at all)."""
        return writers.write_file(path, self.coverage_csv(), field="coverage")


def _config(shifts: str | Path | Mapping[str, Any] | ShiftConfig) -> ShiftConfig:
    if isinstance(shifts, ShiftConfig):
        return shifts
    with opt.renamed(path="shifts"):
        if isinstance(shifts, Mapping):
            return parse_shifts(shifts)
        return load_shifts(shifts)


def schedule(
    *,
    plan: str | Path | pa.Table | pd.DataFrame | PlanFile | StaffingPlan,
    shifts: str | Path | Mapping[str, Any] | ShiftConfig,
    use: str = "agents",
    queue: str | None = None,
    time_limit: Duration = "60s",
    workers: Number | None = None,
    started: float | None = None,
) -> Roster:
    """Shifts and breaks that cover the plan's ``use`` column (agents, or gross_agents)
    at the least cost, pooling the plan's queues (or only ``queue``).

    ``time_limit`` bounds the whole call, reading the plan, building the model and
    solving it (the best roster found is returned with its status and optimality gap);
    ``workers`` sets the solver's threads (default: the CPUs, at most 8). ``started``
    (a :func:`time.monotonic` reading) counts the time limit from an earlier instant,
    such as the start of the command.
    """
    begun = time.monotonic() if started is None else started
    opt.choice(use, "use", REQUIREMENT_COLUMNS)
    limit_s = opt.positive_duration(time_limit, "time_limit", maximum=limits.MAX_TIME_LIMIT_S)
    n_workers = (
        opt.whole(workers, "workers", 1, limits.MAX_WORKERS) if workers is not None else None
    )
    config = _config(shifts)
    plan_file = read_plan(opt.tabular(plan), field="plan")
    requirement = requirement_from_plan(
        plan_file, interval_s=config.interval_s, use=use, queue=queue
    )
    left_s = max(1e-3, limit_s - (time.monotonic() - begun))
    with opt.renamed(time_limit_s="time_limit"):
        result = solve(requirement, config, time_limit_s=left_s, workers=n_workers)
    return Roster(
        table=pa.Table.from_pandas(result.shifts_frame(), preserve_index=False),
        coverage=pa.Table.from_pandas(_coverage_frame(result), preserve_index=False),
        status=result.status,
        paid_hours=float(result.paid_hours),
        cost=float(result.cost),
        uncovered_agent_intervals=int(result.uncovered_agent_intervals),
        over_agent_intervals=int(result.over_agent_intervals),
        optimality_gap=float(result.optimality_gap),
        shift_count=int(sum(s.count for s in result.shifts)),
        result=result,
    )
