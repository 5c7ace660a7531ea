"""Named agents on the shifts a solve chose: who works which shift (OR-Tools CP-SAT).

The agents file (CSV with a header; ``schedule --agents``)::

    agent,days,available_from,available_to,contracted_hours
    Ana,mon-fri,07:00,19:00,40
    Ben,mon wed fri,08:00,24:00,20
    Chen,,22:00,06:00,30

=====================  ======================================================================
column                 meaning
=====================  ======================================================================
agent                  the agent's name, as in the contacts and agent states (unique)
days                   days the agent may start a shift: names or ranges (``mon-fri``,
                       ``mon wed fri``, ``sat;sun``); empty: every day
available_from, _to    the window of the day the agent may work, ``HH:MM`` (``24:00`` for
                       midnight at the end); a shift must lie inside it; a window whose end
                       is not after its start runs past midnight (``22:00``-``06:00``);
                       both empty: the whole day
contracted_hours       the agent's paid hours per week (Monday to Sunday, by the day a shift
                       starts): never exceeded; the roster reports what each got
=====================  ======================================================================

Columns may come in any order; another column is an error. Every problem is a
:class:`~contactcenter.errors.FormatError` naming the file and line.

Rules: a shift goes to at most one agent; an agent works a shift only on its days and
inside its window, never two shifts that overlap or leave less than ``min_rest_s``
(default 11 h) between the end of one and the start of the next, and never more paid
hours in a week than its contract. The solver assigns the most paid shift time it can
(each assigned second counts the same); shifts that no agent can take are returned as
unassigned with the reason, never dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from contactcenter.errors import FormatError
from contactcenter.reports.writers import neutralise_cell
from contactcenter.scheduling.config import WEEKDAYS, ShiftConfig
from contactcenter.scheduling.result import PlacedShift
from contactcenter.units import DAY_S

AGENT_COLUMNS = ("agent", "days", "available_from", "available_to", "contracted_hours")
"""Columns of the agents file (``agent`` and ``contracted_hours`` are required)."""
DEFAULT_MIN_REST_S = 11 * 3600
"""Least rest between two shifts of one agent (the EU working-time directive's 11 h)."""
MAX_CONTRACT_HOURS = 168.0
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
WEEK_S = 7 * DAY_S


@dataclass(frozen=True)
class AgentAvailability:
    """One line of the agents file: when the agent may work and its weekly hours."""

    name: str
    days: tuple[int, ...]
    from_s: int
    to_s: int
    """Seconds after the start day's midnight; after ``from_s``, beyond a day when the
    window runs past midnight."""
    contracted_s: int
    line_no: int = 0


@dataclass(frozen=True)
class Duty:
    """One shift to staff (a :class:`PlacedShift` of count n gives n duties).

    start, end: seconds after the roster's first day; activities: (start, end, activity)
    in order, work and the breaks, covering [start, end)."""

    index: int
    template: str
    start: int
    end: int
    paid_s: int
    activities: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class Assignment:
    """Who works which duty: ``agent_of[i]`` is the agent of duty i, or None;
    ``reasons[i]`` why an unassigned duty has nobody; ``status``: optimal, feasible (the
    time limit ended first) or greedy (the solver found nothing in time: the greedy
    assignment, each shift in start order to the fitting agent with the most weekly
    hours left)."""

    duties: tuple[Duty, ...]
    agents: tuple[AgentAvailability, ...]
    agent_of: tuple[str | None, ...]
    reasons: tuple[str | None, ...]
    status: str
    first_day: pd.Timestamp

    def paid_s_by_week(self) -> dict[str, dict[int, int]]:
        """Assigned paid seconds per agent and week (weeks numbered from the Monday on or
        before the first day)."""
        out: dict[str, dict[int, int]] = {a.name: {} for a in self.agents}
        for duty, who in zip(self.duties, self.agent_of, strict=True):
            if who is not None:
                week = _week(duty.start, self.first_day)
                out[who][week] = out[who].get(week, 0) + duty.paid_s
        return out


def _fail(source: str, line_no: int | None, reason: str) -> FormatError:
    return FormatError(source, line_no, reason, field="agents")


def _time_of_day(text: str, column: str, source: str, line_no: int) -> int:
    match = _TIME.match(text.strip())
    hours, minutes = (int(match.group(1)), int(match.group(2))) if match else (99, 99)
    if not match or minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise _fail(source, line_no, f"{column} {text!r} is not a time of day HH:MM (00:00-24:00)")
    return hours * 3600 + minutes * 60


def _days(text: str, source: str, line_no: int) -> tuple[int, ...]:
    words = [w for w in re.split(r"[\s;,/]+", text.strip().lower()) if w]
    if not words:
        return tuple(range(7))
    out: set[int] = set()
    for word in words:
        ends = word.split("-")
        keys = [e[:3] for e in ends]
        if len(ends) > 2 or not all(k in WEEKDAYS for k in keys):
            raise _fail(
                source,
                line_no,
                f"days {text!r}: {word!r} is not a day or range of days "
                f"({', '.join(WEEKDAYS)}; e.g. mon-fri)",
            )
        first, last = WEEKDAYS.index(keys[0]), WEEKDAYS.index(keys[-1])
        span = (last - first) % 7
        out.update((first + k) % 7 for k in range(span + 1))
    return tuple(sorted(out))


def parse_agents(text: str, *, source: str = "<agents>") -> list[AgentAvailability]:
    """Read the agents file's text (see the module docstring)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise _fail(source, 1 if rows else None, "no header line (agent,contracted_hours,...)")
    header = [h.strip().lower() for h in rows[0]]
    unknown = [h for h in header if h not in AGENT_COLUMNS]
    if unknown:
        raise _fail(
            source, 1, f"unknown column {unknown[0]!r}; the columns are {', '.join(AGENT_COLUMNS)}"
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise _fail(source, 1, f"column {dupes[0]!r} appears twice")
    for need in ("agent", "contracted_hours"):
        if need not in header:
            raise _fail(source, 1, f"missing column {need!r}")
    agents: list[AgentAvailability] = []
    seen: dict[str, int] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise _fail(source, line_no, f"{len(row)} fields, the header has {len(header)}")
        cells = {h: v.strip() for h, v in zip(header, row, strict=True)}
        name = cells["agent"]
        if not name:
            raise _fail(source, line_no, "agent is empty")
        if neutralise_cell(name) != name:
            raise _fail(
                source,
                line_no,
                f"agent {name!r}: a name starting with =, +, -, @ or a quote before one of "
                "them would be written with a leading ' in the roster (CSV injection), and "
                "then differ from the agent states; rename the agent",
            )
        if name in seen:
            raise _fail(source, line_no, f"agent {name!r} is already on line {seen[name]}")
        seen[name] = line_no
        days = _days(cells.get("days", ""), source, line_no)
        raw_from, raw_to = cells.get("available_from", ""), cells.get("available_to", "")
        if bool(raw_from) != bool(raw_to):
            raise _fail(source, line_no, "give both available_from and available_to, or neither")
        start = _time_of_day(raw_from, "available_from", source, line_no) if raw_from else 0
        end = _time_of_day(raw_to, "available_to", source, line_no) if raw_to else DAY_S
        if start == DAY_S:
            raise _fail(source, line_no, "available_from 24:00 is not a start; use 00:00")
        if end <= start:
            end += DAY_S  # the window runs past midnight
        try:
            hours = float(cells["contracted_hours"])
        except ValueError:
            hours = float("nan")
        if not 0 <= hours <= MAX_CONTRACT_HOURS:  # NaN fails too
            raise _fail(
                source,
                line_no,
                f"contracted_hours {cells['contracted_hours']!r} is not a number of hours "
                f"from 0 to {MAX_CONTRACT_HOURS:g}",
            )
        agents.append(AgentAvailability(name, days, start, end, round(hours * 3600), line_no))
    if not agents:
        raise _fail(source, None, "no agent: the file has a header but no agent line")
    return agents


def read_agents(path: str | Path) -> list[AgentAvailability]:
    """Read and validate an agents file (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise _fail(str(p), None, "no such file" if not p.exists() else "not a file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(str(p), None, f"not UTF-8 text (byte offset {exc.start})") from None
    return parse_agents(text, source=str(p))


def _week(start: int, first_day: pd.Timestamp) -> int:
    monday = first_day.weekday() * DAY_S
    return (start + monday) // WEEK_S


def duties_of(
    shifts: Sequence[PlacedShift], config: ShiftConfig, first_day: pd.Timestamp
) -> list[Duty]:
    """One duty per shift of the roster (a group of count n gives n), in start order, with
    its work and breaks (each break named as its template's break rule)."""
    rules = {t.name: t for t in config.templates}

    def sec(ts: pd.Timestamp) -> int:
        return int((ts - first_day).total_seconds())

    out: list[Duty] = []
    for shift in sorted(shifts, key=lambda s: (s.start, s.template, [b.start for b in s.breaks])):
        template = rules[shift.template]
        start, end = sec(shift.start), sec(shift.end)
        acts: list[tuple[int, int, str]] = []
        at = start
        for k, brk in enumerate(shift.breaks):
            b0, b1 = sec(brk.start), sec(brk.end)
            if b0 > at:
                acts.append((at, b0, "work"))
            acts.append((b0, b1, template.breaks[k].activity))
            at = b1
        if end > at:
            acts.append((at, end, "work"))
        for _ in range(shift.count):
            out.append(Duty(len(out), shift.template, start, end, template.paid_s, tuple(acts)))
    return out


def _fits(duty: Duty, agent: AgentAvailability, first_day: pd.Timestamp) -> bool:
    day = duty.start // DAY_S
    for d in (day, day - 1):
        weekday = (first_day.weekday() + d) % 7
        base = d * DAY_S
        if (
            weekday in agent.days
            and base + agent.from_s <= duty.start
            and duty.end <= base + agent.to_s
        ):
            return True
    return False


def assign(
    duties: Sequence[Duty],
    agents: Sequence[AgentAvailability],
    first_day: pd.Timestamp,
    *,
    min_rest_s: int = DEFAULT_MIN_REST_S,
    time_limit_s: float = 60.0,
    workers: int | None = None,
) -> Assignment:
    """Assign agents to duties (rules in the module docstring), the most paid time first."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    eligible: list[list[int]] = [[] for _ in duties]
    for j, agent in enumerate(agents):
        intervals = []
        weekly: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        for duty in duties:
            if duty.paid_s > agent.contracted_s or not _fits(duty, agent, first_day):
                continue
            var = model.new_bool_var(f"x{duty.index}_{j}")
            x[(duty.index, j)] = var
            eligible[duty.index].append(j)
            intervals.append(
                model.new_optional_fixed_size_interval_var(
                    duty.start, duty.end - duty.start + min_rest_s, var, f"i{duty.index}_{j}"
                )
            )
            weekly.setdefault(_week(duty.start, first_day), []).append((duty.paid_s, var))
        if len(intervals) > 1:
            model.add_no_overlap(intervals)
        for terms in weekly.values():
            if sum(p for p, _ in terms) > agent.contracted_s:
                model.add(sum(p * v for p, v in terms) <= agent.contracted_s)
    for duty in duties:
        options = [x[(duty.index, j)] for j in eligible[duty.index]]
        if len(options) > 1:
            model.add_at_most_one(options)
    model.maximize(sum(duties[i].paid_s * v for (i, _), v in x.items()))
    hint = _greedy(duties, agents, eligible, min_rest_s, first_day)
    for (i, j), var in x.items():
        model.add_hint(var, hint[i] == j)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1e-3, float(time_limit_s))
    solver.parameters.num_workers = workers or 1
    solver.parameters.random_seed = 0
    code = solver.solve(model)
    found = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    agent_of: list[str | None] = [None] * len(duties)
    for i, given in enumerate(hint):
        if not found and given is not None:
            agent_of[i] = agents[given].name
    if found:
        for (i, j), var in x.items():
            if solver.value(var):
                agent_of[i] = agents[j].name
    reasons: list[str | None] = []
    for duty in duties:
        if agent_of[duty.index] is not None:
            reasons.append(None)
        elif not eligible[duty.index]:
            reasons.append("no agent is available on that day and time (days, window)")
        else:
            reasons.append(
                "every agent available then is at its contracted hours or works a shift "
                "too close to this one (rest)"
            )
    return Assignment(
        duties=tuple(duties),
        agents=tuple(agents),
        agent_of=tuple(agent_of),
        reasons=tuple(reasons),
        status="optimal" if code == cp_model.OPTIMAL else "feasible" if found else "greedy",
        first_day=first_day,
    )


def _greedy(
    duties: Sequence[Duty],
    agents: Sequence[AgentAvailability],
    eligible: list[list[int]],
    min_rest_s: int,
    first_day: pd.Timestamp,
) -> list[int | None]:
    """Each duty in start order to the eligible agent with the most weekly hours left
    (then the first in the file) whose other duties leave the rest; None when none can."""
    left: dict[tuple[int, int], int] = {}
    taken: list[list[tuple[int, int]]] = [[] for _ in agents]
    out: list[int | None] = [None] * len(duties)
    for duty in sorted(duties, key=lambda d: (d.start, d.index)):
        week = _week(duty.start, first_day)
        best: int | None = None
        best_hours = -1
        for j in eligible[duty.index]:
            hours = left.get((j, week), agents[j].contracted_s)
            if hours < duty.paid_s or any(
                duty.start < e + min_rest_s and s < duty.end + min_rest_s for s, e in taken[j]
            ):
                continue
            if hours > best_hours:
                best, best_hours = j, hours
        if best is not None:
            out[duty.index] = best
            left[(best, week)] = left.get((best, week), agents[best].contracted_s) - duty.paid_s
            taken[best].append((duty.start, duty.end))
    return out


def roster_rows(assignment: Assignment) -> list[tuple[str, str, str, str]]:
    """The named roster as ``schedule_csv`` rows (agent, activity, start, end), ordered by
    agent and start; times are the plan's local times, ISO 8601 without an offset."""
    base = assignment.first_day
    rows: list[tuple[str, str, str, str, int]] = []
    for duty, who in zip(assignment.duties, assignment.agent_of, strict=True):
        if who is None:
            continue
        for a, b, activity in duty.activities:
            rows.append(
                (
                    who,
                    activity,
                    (base + pd.Timedelta(seconds=a)).isoformat(),
                    (base + pd.Timedelta(seconds=b)).isoformat(),
                    a,
                )
            )
    order = {agent.name: k for k, agent in enumerate(assignment.agents)}
    rows.sort(key=lambda r: (order[r[0]], r[4]))
    return [r[:4] for r in rows]
