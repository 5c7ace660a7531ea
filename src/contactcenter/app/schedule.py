"""``schedule``: shifts with breaks that cover a staffing plan, at the least cost.

The keywords are the options of ``contactcenter schedule`` (docs/cli.md): ``--use`` is
``use``, ``--time-limit`` is ``time_limit``. The plan may be the file ``plan`` writes
(CSV or Parquet), a pyarrow Table, a pandas DataFrame or a ``StaffingPlan``; the shift
templates a YAML file, the same structure as a dict, or a parsed
:class:`~contactcenter.scheduling.ShiftConfig`. A requirement the templates cannot meet
is not an error: the roster's status is ``partial`` and its coverage shows the gap.
Every bad value is an :class:`~contactcenter.errors.InputError` whose ``field`` is the
keyword. With ``agents`` (an agents file, see :mod:`contactcenter.scheduling.assign`)
the shifts go to named agents, and the roster's csv is what ``ingest --format
schedule_csv`` loads (agent, activity, start, end). The model: docs/scheduling.md.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
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
from contactcenter.scheduling.assign import (
    DEFAULT_MIN_REST_S,
    AgentAvailability,
    Assignment,
    assign,
    duties_of,
    read_agents,
    roster_rows,
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
    assignment: with named agents, who works which shift (else None); then ``roster``
    (agent, activity, start, end: the ``schedule_csv`` rows), ``agent_hours`` (agent,
    week, contracted_hours, scheduled_hours) and ``unassigned`` (template, start, end,
    reason) are tables.
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
    assignment: Assignment | None = field(default=None, repr=False, compare=False)

    @property
    def roster(self) -> pa.Table:
        """The named roster: agent, activity, start, end (empty without agents)."""
        rows = roster_rows(self.assignment) if self.assignment is not None else []
        names = ("agent", "activity", "start", "end")
        return pa.table(
            {n: pa.array([r[k] for r in rows], pa.string()) for k, n in enumerate(names)}
        )

    @property
    def unassigned(self) -> pa.Table:
        """Shifts no agent could take: template, start, end, reason."""
        out: dict[str, list[str]] = {"template": [], "start": [], "end": [], "reason": []}
        a = self.assignment
        if a is not None:
            base = a.first_day
            for duty, who, why in zip(a.duties, a.agent_of, a.reasons, strict=True):
                if who is None:
                    out["template"].append(duty.template)
                    out["start"].append((base + pd.Timedelta(seconds=duty.start)).isoformat())
                    out["end"].append((base + pd.Timedelta(seconds=duty.end)).isoformat())
                    out["reason"].append(why or "")
        return pa.table({k: pa.array(v, pa.string()) for k, v in out.items()})

    @property
    def agent_hours(self) -> pa.Table:
        """Per agent and week (its Monday): contracted and scheduled paid hours."""
        out: dict[str, list[Any]] = {
            "agent": [], "week": [], "contracted_hours": [], "scheduled_hours": []
        }  # fmt: skip
        a = self.assignment
        if a is not None:
            by_week = a.paid_s_by_week()
            monday = a.first_day - pd.Timedelta(days=a.first_day.weekday())
            weeks = sorted({w for hours in by_week.values() for w in hours}) or [0]
            for agent in a.agents:
                for w in weeks:
                    out["agent"].append(agent.name)
                    out["week"].append((monday + pd.Timedelta(weeks=w)).date().isoformat())
                    out["contracted_hours"].append(round(agent.contracted_s / 3600.0, 4))
                    out["scheduled_hours"].append(round(by_week[agent.name].get(w, 0) / 3600.0, 4))
        return pa.table(
            {
                "agent": pa.array(out["agent"], pa.string()),
                "week": pa.array(out["week"], pa.string()),
                "contracted_hours": pa.array(out["contracted_hours"], pa.float64()),
                "scheduled_hours": pa.array(out["scheduled_hours"], pa.float64()),
            }
        )

    def assignment_summary(self) -> dict[str, Any]:
        """With named agents: assignment_status, assigned_shifts, unassigned_shifts."""
        a = self.assignment
        if a is None:
            return {}
        unassigned = sum(1 for who in a.agent_of if who is None)
        return {
            "assignment_status": a.status,
            "assigned_shifts": len(a.duties) - unassigned,
            "unassigned_shifts": unassigned,
        }

    @property
    def unsolved_groups(self) -> int:
        """Groups of days the solver had no time for (they keep the greedy roster)."""
        return self.result.unsolved_groups

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``contactcenter schedule --format json`` (with agents, also
        assignment_status, assigned_shifts, unassigned_shifts, roster, agent_hours and
        unassigned)."""
        out = self.result.to_dict()
        if self.assignment is not None:
            out.update(self.assignment_summary())
            out["roster"] = self.roster.to_pylist()
            out["agent_hours"] = self.agent_hours.to_pylist()
            out["unassigned"] = self.unassigned.to_pylist()
        return out

    def summary(self) -> dict[str, Any]:
        """The scalar figures and the under/over-staffing by day."""
        out = self.result.summary()
        by_day = out.pop("by_day")
        out.update(self.assignment_summary())
        out["by_day"] = by_day
        return out

    def to_text(self, format: str = "table") -> str:
        """The roster as a ``table`` for people (summary, shifts, by day, short intervals),
        ``csv`` (the shifts; with named agents, the roster ``ingest --format
        schedule_csv`` loads) or ``json``."""
        fmt = opt.choice(format, "format", ("csv", "json", "table"))
        if fmt == "csv":
            table = self.roster if self.assignment is not None else self.table
            return writers.csv_text(table, dialect="python")
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
        if self.assignment is not None:
            text += "\nhours per agent and week:\n"
            text += self.agent_hours.to_pandas().to_string(index=False) + "\n"
            unassigned = self.unassigned.to_pandas()
            if not unassigned.empty:
                text += "\nshifts no agent could take:\n"
                text += unassigned.to_string(index=False) + "\n"
        return text

    def sheets(self) -> dict[str, pa.Table]:
        """The xlsx sheets: summary (metric, value), shifts, coverage, by_day; with named
        agents also roster, agent_hours, unassigned."""
        summary = self.summary()
        by_day = pa.Table.from_pylist(summary.pop("by_day"))
        facts = pa.table({"metric": list(summary), "value": [str(v) for v in summary.values()]})
        sheets = {
            "summary": facts, "shifts": self.table, "coverage": self.coverage, "by_day": by_day
        }  # fmt: skip
        if self.assignment is not None:
            sheets.update(
                roster=self.roster, agent_hours=self.agent_hours, unassigned=self.unassigned
            )
        return sheets

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
    agents: str | Path | Sequence[AgentAvailability] | None = None,
    min_rest: Duration | None = None,
) -> Roster:
    """Shifts and breaks that cover the plan's ``use`` column (agents, or gross_agents)
    at the least cost, pooling the plan's queues (or only ``queue``).

    ``time_limit`` bounds the whole call, reading the plan, building the model and
    solving it (the best roster found is returned with its status and optimality gap);
    ``workers`` sets the solver's threads (default: the CPUs, at most 8). ``started``
    (a :func:`time.monotonic` reading) counts the time limit from an earlier instant,
    such as the start of the command.

    ``agents`` (an agents file or its parsed lines) assigns named agents to the shifts
    within the same time limit (:mod:`contactcenter.scheduling.assign`), at least
    ``min_rest`` (default 11h) apart; shifts nobody can take are listed in
    ``unassigned``.
    """
    begun = time.monotonic() if started is None else started
    opt.choice(use, "use", REQUIREMENT_COLUMNS)
    limit_s = opt.positive_duration(time_limit, "time_limit", maximum=limits.MAX_TIME_LIMIT_S)
    n_workers = (
        opt.whole(workers, "workers", 1, limits.MAX_WORKERS) if workers is not None else None
    )
    rest_s = (
        DEFAULT_MIN_REST_S
        if min_rest is None
        else round(opt.duration(min_rest, "min_rest", maximum=7 * 86_400.0))
    )
    people: list[AgentAvailability] | None = None
    if agents is not None:
        people = read_agents(agents) if isinstance(agents, str | Path) else list(agents)
    config = _config(shifts)
    plan_file = read_plan(opt.tabular(plan), field="plan")
    requirement = requirement_from_plan(
        plan_file, interval_s=config.interval_s, use=use, queue=queue
    )
    left_s = max(1e-3, limit_s - (time.monotonic() - begun))
    with opt.renamed(time_limit_s="time_limit"):
        result = solve(requirement, config, time_limit_s=left_s, workers=n_workers)
    assignment = None
    if people is not None:
        duties = duties_of(result.shifts, config, requirement.first_day)
        left_s = max(1e-3, limit_s - (time.monotonic() - begun))
        assignment = assign(
            duties,
            people,
            requirement.first_day,
            min_rest_s=rest_s,
            time_limit_s=left_s,
            workers=n_workers,
        )
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
        assignment=assignment,
    )
