r"""Shift scheduling as integer set covering with implicit break placement (CP-SAT).

**Columns.** For every day ``d`` of the plan, template ``t`` allowed on ``d``'s weekday and
allowed start ``s``, an integer ``x[t,d,s] >= 0`` counts the shifts that start then. For
each break ``k`` of the template and each allowed break start ``p``, ``y[t,d,s,k,p] >= 0``
counts those shifts that take break ``k`` at ``p``, with ``sum_p y[t,d,s,k,p] = x[t,d,s]``
(Aykin's implicit break formulation: the breaks are placed in aggregate, which keeps the
model linear in the number of break positions instead of their product).

**Break order.** Breaks are taken in the order listed. When the windows of breaks ``k`` and
``k+1`` overlap, for every slot ``q`` the shifts that started break ``k+1`` by ``q`` may not
outnumber those that finished break ``k`` by then:
``sum_{p <= q} y[k+1,p] <= sum_{p <= q - len_k} y[k,p]``. This is exactly the condition
under which pairing the i-th earliest break ``k`` with the i-th earliest break ``k+1`` gives
every agent non-overlapping breaks in order, which is how shifts are read out.

**Coverage.** For every grid slot ``i``: ``sum x (shifts working at i) - sum y (breaks
covering i) + u_i >= required_i`` with ``0 <= u_i <= required_i`` the uncovered agents. An
agent on a break, paid or unpaid, never counts.

**Objective.** ``min sum cost_t x + penalty * sum u`` (costs scaled to integers for
CP-SAT). With the default penalty (2 x the largest shift cost) any shortfall a shift could
cover is covered, so an infeasible requirement yields the best partial roster and the
uncovered agent-intervals say where it falls short.

**Per-template limits.** ``min_count <= sum_s x[t,d,s] <= max_count`` for each day.

**Decomposition.** Days whose shifts cannot overlap (no shift of one day reaches the
shifts of the next) are independent and solved one after the other, sharing the time
limit; the reported gap is ``(sum objective - sum bound) / sum objective``.

**Limits kept.** The model's size (its coverage terms: every shift and break position
times the grid slots it spans) is counted from the shift file before anything is built,
and a model over :data:`contactcenter.limits.MAX_MODEL_TERMS` is refused with that count.
The time limit covers building as well as solving: every day group first gets a greedy
roster (:mod:`contactcenter.scheduling.greedy`, also CP-SAT's hint); a group whose model
cannot be built in its share of the remaining time keeps it, and so does a group where
CP-SAT finds nothing better in time. The status says what came back (``feasible`` or
``partial``, never ``optimal`` without a proof), and ``best_bound`` counts 0 for a group
the solver did not finish.

:func:`lp_bound` solves the linear relaxation of the same model with HiGHS (scipy) as an
independent lower bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from contactcenter.errors import InputError
from contactcenter.limits import MAX_MODEL_TERMS
from contactcenter.scheduling.config import ShiftConfig
from contactcenter.scheduling.greedy import GreedyRoster, greedy_roster
from contactcenter.scheduling.plan import Requirement
from contactcenter.scheduling.result import PlacedBreak, PlacedShift, ScheduleResult
from contactcenter.units import DAY_S

IntArray = npt.NDArray[np.int64]

COST_SCALE = 1000
BUILD_S_PER_TERM = 4e-6
"""Seconds to build one coverage term of the CP-SAT model (measured 1.4-3.7 us): a group
whose estimate exceeds half its share of the time limit keeps its greedy roster."""


def model_terms(config: ShiftConfig, req: Requirement) -> int:
    """Coverage terms of the model for ``req`` (every shift start and break position
    times the slots it spans), counted from the templates without building anything."""
    g = config.interval_s
    weekday0 = req.first_day.day_of_week
    total = 0
    for t in config.templates:
        days = sum(1 for d in range(req.days) if (weekday0 + d) % 7 in t.days)
        starts = len(range(t.earliest_start_s, t.latest_start_s + 1, t.step_s))
        per_shift = t.length_s // g + sum(
            len(range(b.earliest_s, b.latest_s + 1, g)) * (b.length_s // g) for b in t.breaks
        )
        total += days * starts * per_shift
    return total


def _terms(c: ShiftColumn) -> int:
    return c.length + sum(len(s) * n for s, n in zip(c.break_starts, c.break_lengths, strict=True))


@dataclass(frozen=True)
class ShiftColumn:
    """One (template, day, start): the slots it spans and where its breaks may go.

    start: absolute grid slot of the start (may run past the plan's end, where nothing is
    required). break_starts[k]: absolute grid slots where break ``k`` may start.
    """

    template: int
    day: int
    start: int
    length: int
    break_starts: tuple[tuple[int, ...], ...]
    break_lengths: tuple[int, ...]


def build_columns(config: ShiftConfig, req: Requirement) -> list[ShiftColumn]:
    """Every allowed shift start of every template on every day of the requirement."""
    if req.interval_s != config.interval_s:
        raise InputError(
            f"the requirement is on a {req.interval_s} s grid but the shift file uses "
            f"{config.interval_s} s"
        )
    g = config.interval_s
    spd = DAY_S // g
    weekday0 = req.first_day.day_of_week
    columns: list[ShiftColumn] = []
    for d in range(req.days):
        wd = (weekday0 + d) % 7
        for ti, t in enumerate(config.templates):
            if wd not in t.days:
                continue
            for offset in t.start_offsets():
                start = d * spd + offset // g
                starts = tuple(
                    tuple(start + p // g for p in range(b.earliest_s, b.latest_s + 1, g))
                    for b in t.breaks
                )
                columns.append(
                    ShiftColumn(
                        template=ti,
                        day=d,
                        start=start,
                        length=t.length_s // g,
                        break_starts=starts,
                        break_lengths=tuple(b.length_s // g for b in t.breaks),
                    )
                )
    return columns


def _components(columns: list[ShiftColumn], n_days: int) -> list[list[int]]:
    """Groups of consecutive days whose shifts can overlap in time."""
    span: dict[int, tuple[int, int]] = {}
    for c in columns:
        lo, hi = span.get(c.day, (c.start, c.start + c.length))
        span[c.day] = (min(lo, c.start), max(hi, c.start + c.length))
    groups: list[list[int]] = []
    reach = -1
    for d in range(n_days):
        if d not in span:
            continue
        lo, hi = span[d]
        if groups and lo < reach:
            groups[-1].append(d)
            reach = max(reach, hi)
        else:
            groups.append([d])
            reach = hi
    return groups


@dataclass
class _Solved:
    x: dict[int, int]
    y: dict[tuple[int, int, int], int]
    objective: float
    bound: float
    optimal: bool


def _solve_group(
    config: ShiftConfig,
    required: IntArray,
    columns: list[ShiftColumn],
    idx: list[int],
    time_limit_s: float,
    workers: int,
    seed: int,
    hint: GreedyRoster | None = None,
) -> _Solved | None:
    """CP-SAT on one group of days; None when building the model used up the time or the
    solver found no roster in time."""
    started = time.monotonic()
    model = cp_model.CpModel()
    n = required.size
    lo_slot = min(columns[i].start for i in idx)
    hi_slot = min(n, max(columns[i].start + columns[i].length for i in idx))
    peak = int(required[lo_slot:hi_slot].max()) if hi_slot > lo_slot else 0
    x: dict[int, cp_model.IntVar] = {}
    y: dict[tuple[int, int, int], cp_model.IntVar] = {}
    cover: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    per_td: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    objective_terms: list[tuple[cp_model.IntVar, int]] = []
    for step, i in enumerate(idx):
        if step % 512 == 0 and time.monotonic() - started > time_limit_s:
            return None  # the build alone used up this group's time
        c = columns[i]
        t = config.templates[c.template]
        ub = max(peak, t.min_count)
        if t.max_count is not None:
            ub = min(ub, t.max_count)
        xv = model.new_int_var(0, ub, f"x{i}")
        x[i] = xv
        per_td.setdefault((c.template, c.day), []).append(xv)
        objective_terms.append((xv, round(t.shift_cost * COST_SCALE)))
        for s in range(c.start, min(n, c.start + c.length)):
            if required[s] > 0:
                cover.setdefault(s, []).append((xv, 1))
        for k, starts in enumerate(c.break_starts):
            if len(starts) == 1:
                y[(i, k, 0)] = xv
            else:
                for pi in range(len(starts)):
                    y[(i, k, pi)] = model.new_int_var(0, ub, f"y{i}_{k}_{pi}")
                model.add(
                    cp_model.LinearExpr.sum([y[(i, k, pi)] for pi in range(len(starts))]) == xv
                )
            for pi, p in enumerate(starts):
                for s in range(p, min(n, p + c.break_lengths[k])):
                    if required[s] > 0:
                        cover.setdefault(s, []).append((y[(i, k, pi)], -1))
        _order_constraints(model, c, i, y)
    for (ti, _d), xs in per_td.items():
        t = config.templates[ti]
        if t.min_count:
            model.add(cp_model.LinearExpr.sum(xs) >= t.min_count)
        if t.max_count is not None:
            model.add(cp_model.LinearExpr.sum(xs) <= t.max_count)
    penalty = round(config.penalty * COST_SCALE)
    u: dict[int, cp_model.IntVar] = {}
    for s in range(lo_slot, hi_slot):
        if required[s] <= 0:
            continue
        uv = model.new_int_var(0, int(required[s]), f"u{s}")
        u[s] = uv
        terms = cover.get(s, [])
        model.add(
            cp_model.LinearExpr.weighted_sum(
                [v for v, _ in terms] + [uv], [c for _, c in terms] + [1]
            )
            >= int(required[s])
        )
        objective_terms.append((uv, penalty))
        short = int(required[s]) if hint is None else max(0, int(required[s] - hint.coverage[s]))
        model.add_hint(uv, min(short, int(required[s])))
    for i, xv in x.items():
        model.add_hint(xv, 0 if hint is None else min(hint.x.get(i, 0), _upper(xv)))
    if hint is not None:
        for key, yv in y.items():
            if yv is not x[key[0]]:
                model.add_hint(yv, min(hint.y.get(key, 0), _upper(yv)))
    model.minimize(
        cp_model.LinearExpr.weighted_sum(
            [v for v, _ in objective_terms], [c for _, c in objective_terms]
        )
    )
    remaining = time_limit_s - (time.monotonic() - started)
    if remaining <= 0.01:
        return None
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = remaining
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None  # no roster in time: the caller keeps the greedy one
    x_val = {i: int(solver.value(v)) for i, v in x.items()}
    y_val = {k: int(solver.value(v)) for k, v in y.items()}
    return _Solved(
        x=x_val,
        y=y_val,
        objective=solver.objective_value / COST_SCALE,
        bound=solver.best_objective_bound / COST_SCALE,
        optimal=status == cp_model.OPTIMAL,
    )


def _short(
    columns: list[ShiftColumn],
    idx: list[int],
    x: dict[int, int],
    y: dict[tuple[int, int, int], int],
    required: IntArray,
) -> int:
    """Agent-intervals a roster of the columns ``idx`` leaves uncovered."""
    n = required.size
    diff = np.zeros(n + 1, dtype=np.int64)

    def add(a: int, b: int, v: int) -> None:
        a, b = max(a, 0), min(b, n)
        if b > a and v:
            diff[a] += v
            diff[b] -= v

    for i in idx:
        c = columns[i]
        add(c.start, c.start + c.length, x.get(i, 0))
        for k, starts in enumerate(c.break_starts):
            for pi, p in enumerate(starts):
                add(p, p + c.break_lengths[k], -y.get((i, k, pi), 0))
    cov = np.cumsum(diff[:n])
    lo = min(columns[i].start for i in idx)
    hi = max(columns[i].start + columns[i].length for i in idx)
    return int(np.clip(required[lo:hi] - cov[lo:hi], 0, None).sum())


def _worse(
    solved: _Solved,
    greedy: GreedyRoster,
    columns: list[ShiftColumn],
    idx: list[int],
    required: IntArray,
) -> bool:
    """Whether the solver's roster is worse than the greedy one. A proved optimum never
    is; otherwise the roster leaving fewer agent-intervals uncovered wins (the penalty is
    chosen so that the optimum covers whatever can be covered), then the lower objective."""
    if solved.optimal:
        return False
    short_solved = _short(columns, idx, solved.x, solved.y, required)
    lo = min(columns[i].start for i in idx)
    hi = min(required.size, max(columns[i].start + columns[i].length for i in idx))
    short_greedy = int(np.clip(required[lo:hi] - greedy.coverage[lo:hi], 0, None).sum())
    if short_solved != short_greedy:
        return short_solved > short_greedy
    return solved.objective > greedy.objective + 1e-9


def _upper(var: cp_model.IntVar) -> int:
    """The upper bound of an integer variable's domain."""
    return int(var.proto.domain[-1])


def _order_constraints(
    model: cp_model.CpModel, c: ShiftColumn, i: int, y: dict[tuple[int, int, int], cp_model.IntVar]
) -> None:
    """Break k+1 may start only after break k has ended (cumulative counting form)."""
    for k in range(len(c.break_starts) - 1):
        first, second = c.break_starts[k], c.break_starts[k + 1]
        length = c.break_lengths[k]
        if second[0] >= first[-1] + length:
            continue  # windows do not overlap: order holds for any placement
        for q in second:
            if q >= first[-1] + length:
                break
            started = [y[(i, k + 1, pj)] for pj, p in enumerate(second) if p <= q]
            ended = [y[(i, k, pj)] for pj, p in enumerate(first) if p <= q - length]
            model.add(cp_model.LinearExpr.sum(started) <= cp_model.LinearExpr.sum(ended))


def _placed(
    config: ShiftConfig,
    req: Requirement,
    columns: list[ShiftColumn],
    x: dict[int, int],
    y: dict[tuple[int, int, int], int],
) -> list[PlacedShift]:
    """Read shifts out: the i-th earliest of each break goes to the i-th agent."""
    g = req.interval_s
    base = req.first_day
    out: list[PlacedShift] = []
    for i, count in sorted(x.items(), key=lambda kv: (columns[kv[0]].start, kv[0])):
        if count <= 0:
            continue
        c = columns[i]
        t = config.templates[c.template]
        combos = _pair_breaks(c, i, count, y)
        start = base + pd.Timedelta(seconds=c.start * g)
        for key, n_agents in sorted(combos.items()):
            breaks = tuple(
                PlacedBreak(
                    start=base + pd.Timedelta(seconds=p * g),
                    end=base + pd.Timedelta(seconds=(p + c.break_lengths[k]) * g),
                    paid=t.breaks[k].paid,
                )
                for k, p in enumerate(key)
            )
            out.append(
                PlacedShift(
                    template=t.name,
                    start=start,
                    end=start + pd.Timedelta(seconds=t.length_s),
                    count=n_agents,
                    paid_hours=t.paid_s / 3600.0,
                    cost=t.shift_cost,
                    breaks=breaks,
                )
            )
    return out


def _pair_breaks(
    c: ShiftColumn, i: int, count: int, y: dict[tuple[int, int, int], int]
) -> dict[tuple[int, ...], int]:
    """The i-th earliest break k with the i-th earliest break k+1 (one agent), as runs:
    (position of each break) -> agents, in time linear in the positions, not the agents."""
    runs: list[list[list[int]]] = []  # per break: [position, agents] in time order
    for k, starts in enumerate(c.break_starts):
        runs.append([[p, y.get((i, k, pi), 0)] for pi, p in enumerate(starts)])
        runs[-1] = [r for r in runs[-1] if r[1] > 0]
    combos: dict[tuple[int, ...], int] = {}
    if not runs:
        return {(): count}
    at = [0] * len(runs)
    left = count
    while left > 0 and all(at[k] < len(runs[k]) for k in range(len(runs))):
        take = min(left, *(runs[k][at[k]][1] for k in range(len(runs))))
        key = tuple(runs[k][at[k]][0] for k in range(len(runs)))
        combos[key] = combos.get(key, 0) + take
        left -= take
        for k in range(len(runs)):
            runs[k][at[k]][1] -= take
            if runs[k][at[k]][1] == 0:
                at[k] += 1
    return combos


def coverage_of(shifts: list[PlacedShift], req: Requirement) -> IntArray:
    """Agents working in each grid slot (on shift and not on a break)."""
    g = req.interval_s
    n = req.required.size
    diff = np.zeros(n + 1, dtype=np.int64)

    def add(a: pd.Timestamp, b: pd.Timestamp, v: int) -> None:
        lo = int((a - req.first_day).total_seconds()) // g
        hi = int((b - req.first_day).total_seconds()) // g
        lo, hi = max(lo, 0), min(hi, n)
        if hi > lo:
            diff[lo] += v
            diff[hi] -= v

    for s in shifts:
        add(s.start, s.end, s.count)
        for b in s.breaks:
            add(b.start, b.end, -s.count)
    out: IntArray = np.cumsum(diff[:n])
    return out


def solve(
    req: Requirement,
    config: ShiftConfig,
    *,
    time_limit_s: float = 60.0,
    workers: int | None = None,
    seed: int = 0,
) -> ScheduleResult:
    """Find the cheapest roster of shift templates covering ``req`` (see module docstring).

    ``time_limit_s`` bounds the whole solve (shared by independent day groups); the best
    roster found is returned with its optimality gap. ``workers`` defaults to the CPU count
    (at most 8). Status: ``optimal`` (proved, fully covered), ``feasible`` (fully covered,
    optimality not proved in time) or ``partial`` (some agent-intervals stay uncovered; the
    coverage table's ``gap`` shows where).
    """
    if time_limit_s <= 0:
        raise InputError(
            f"{{field}} must be greater than 0, got {time_limit_s} s", field="time_limit_s"
        )
    started = time.monotonic()
    terms = model_terms(config, req)
    if terms > MAX_MODEL_TERMS:
        raise InputError(
            f"{{field}}: the shift model for {req.days} days on a "
            f"{config.interval_s // 60}-minute grid would have {terms:,} coverage terms "
            f"(shift starts and break positions x the slots they span); at most "
            f"{MAX_MODEL_TERMS:,}: use a coarser interval or start step in the shift "
            "file, narrower break windows, or fewer days",
            field="shifts",
        )
    if workers is None:
        import os

        workers = min(8, os.cpu_count() or 1)
    # keep time for reading the roster out and writing it
    reserve = min(3.0, max(0.25, 0.05 * time_limit_s))
    deadline = started + time_limit_s - reserve
    columns = build_columns(config, req)
    groups = _components(columns, req.days)
    by_day: dict[int, list[int]] = {}
    for i, c in enumerate(columns):
        by_day.setdefault(c.day, []).append(i)
    x: dict[int, int] = {}
    y: dict[tuple[int, int, int], int] = {}
    bound = 0.0
    all_optimal = True
    unsolved = 0
    for gi, days in enumerate(groups):
        idx = [i for d in days for i in by_day.get(d, [])]
        fallback = greedy_roster(config, req.required, columns, idx)
        share = (deadline - time.monotonic()) / (len(groups) - gi)
        solved = None
        if sum(_terms(columns[i]) for i in idx) * BUILD_S_PER_TERM < 0.5 * share:
            solved = _solve_group(
                config, req.required, columns, idx, share, workers, seed, hint=fallback
            )
        if solved is None or _worse(solved, fallback, columns, idx, req.required):
            x.update(fallback.x)
            y.update(fallback.y)
            bound += 0.0 if solved is None else solved.bound
            all_optimal = False
            unsolved += solved is None
        else:
            x.update(solved.x)
            y.update(solved.y)
            bound += solved.bound
            all_optimal = all_optimal and solved.optimal
    shifts = _placed(config, req, columns, x, y)
    scheduled = coverage_of(shifts, req)
    gap_vec = req.required - scheduled
    uncovered = int(np.clip(gap_vec, 0, None).sum())
    over = int(np.clip(-gap_vec, 0, None).sum())
    cost = float(sum(s.count * s.cost for s in shifts))
    # Slots that no shift of any group can reach are uncovered in every roster.
    reach = np.zeros(req.required.size, dtype=bool)
    for days in groups:
        idx = [i for d in days for i in by_day.get(d, [])]
        lo = min(columns[i].start for i in idx)
        hi = max(columns[i].start + columns[i].length for i in idx)
        reach[lo:hi] = True
    unreachable = float(req.required[~reach].sum())
    objective = cost + config.penalty * uncovered
    bound = min(objective, bound + config.penalty * unreachable)
    opt_gap = (objective - bound) / objective if objective > 1e-12 else 0.0
    if opt_gap < 1e-9:  # the bound is a float sum over the day groups: noise is not a gap
        opt_gap = 0.0
    if uncovered > 0:
        status = "partial"
    elif all_optimal:
        status = "optimal"
    else:
        status = "feasible"
    coverage = pd.DataFrame(
        {
            "interval_start": req.timestamps(),
            "required": req.required,
            "scheduled": scheduled,
            "gap": gap_vec,
        }
    )
    return ScheduleResult(
        status=status,
        paid_hours=sum(s.count * s.paid_hours for s in shifts),
        cost=cost,
        uncovered_agent_intervals=uncovered,
        over_agent_intervals=over,
        optimality_gap=opt_gap,
        objective=objective,
        best_bound=bound,
        shifts=shifts,
        coverage=coverage,
        interval_s=req.interval_s,
        penalty=config.penalty,
        solve_time_s=time.monotonic() - started,
        unsolved_groups=unsolved,
    )


def lp_bound(req: Requirement, config: ShiftConfig) -> float:
    """Optimal value of the linear relaxation of the model (a lower bound on the objective:
    shift cost plus penalty for uncovered agent-intervals), solved with HiGHS."""
    columns = build_columns(config, req)
    n = req.required.size
    var = 0
    x_idx: list[int] = []
    y_idx: dict[tuple[int, int, int], int] = {}
    cost: list[float] = []
    for i, c in enumerate(columns):
        x_idx.append(var)
        cost.append(config.templates[c.template].shift_cost)
        var += 1
        for k, starts in enumerate(c.break_starts):
            for pi in range(len(starts)):
                y_idx[(i, k, pi)] = var
                cost.append(0.0)
                var += 1
    need = [s for s in range(n) if req.required[s] > 0]
    u_idx = {s: var + j for j, s in enumerate(need)}
    cost.extend([config.penalty] * len(need))
    var += len(need)
    ub_rows: list[int] = []
    ub_cols: list[int] = []
    ub_vals: list[float] = []
    b_ub: list[float] = []
    eq_rows: list[int] = []
    eq_cols: list[int] = []
    eq_vals: list[float] = []
    row_of = {s: r for r, s in enumerate(need)}
    for s in need:
        ub_rows.append(row_of[s])
        ub_cols.append(u_idx[s])
        ub_vals.append(-1.0)
        b_ub.append(-float(req.required[s]))
    r_ub = len(need)
    r_eq = 0
    per_td: dict[tuple[int, int], list[int]] = {}
    for i, c in enumerate(columns):
        per_td.setdefault((c.template, c.day), []).append(x_idx[i])
        for s in range(c.start, min(n, c.start + c.length)):
            if s in row_of:
                ub_rows.append(row_of[s])
                ub_cols.append(x_idx[i])
                ub_vals.append(-1.0)
        for k, starts in enumerate(c.break_starts):
            eq_rows.append(r_eq)
            eq_cols.append(x_idx[i])
            eq_vals.append(-1.0)
            for pi, p in enumerate(starts):
                eq_rows.append(r_eq)
                eq_cols.append(y_idx[(i, k, pi)])
                eq_vals.append(1.0)
                for s in range(p, min(n, p + c.break_lengths[k])):
                    if s in row_of:
                        ub_rows.append(row_of[s])
                        ub_cols.append(y_idx[(i, k, pi)])
                        ub_vals.append(1.0)
            r_eq += 1
        for k in range(len(c.break_starts) - 1):
            first, second = c.break_starts[k], c.break_starts[k + 1]
            length = c.break_lengths[k]
            for q in second:
                if q >= first[-1] + length:
                    break
                for pj, p in enumerate(second):
                    if p <= q:
                        ub_rows.append(r_ub)
                        ub_cols.append(y_idx[(i, k + 1, pj)])
                        ub_vals.append(1.0)
                for pj, p in enumerate(first):
                    if p <= q - length:
                        ub_rows.append(r_ub)
                        ub_cols.append(y_idx[(i, k, pj)])
                        ub_vals.append(-1.0)
                b_ub.append(0.0)
                r_ub += 1
    for (ti, _d), xs in per_td.items():
        t = config.templates[ti]
        if t.min_count:
            for v in xs:
                ub_rows.append(r_ub)
                ub_cols.append(v)
                ub_vals.append(-1.0)
            b_ub.append(-float(t.min_count))
            r_ub += 1
        if t.max_count is not None:
            for v in xs:
                ub_rows.append(r_ub)
                ub_cols.append(v)
                ub_vals.append(1.0)
            b_ub.append(float(t.max_count))
            r_ub += 1
    bounds = [(0.0, None)] * (var - len(need)) + [(0.0, float(req.required[s])) for s in need]
    a_ub = coo_matrix((ub_vals, (ub_rows, ub_cols)), shape=(r_ub, var)).tocsr()
    a_eq = coo_matrix((eq_vals, (eq_rows, eq_cols)), shape=(r_eq, var)).tocsr() if r_eq else None
    res = linprog(
        np.array(cost),
        A_ub=a_ub,
        b_ub=np.array(b_ub),
        A_eq=a_eq,
        b_eq=np.zeros(r_eq) if r_eq else None,
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        raise InputError(f"the linear relaxation could not be solved: {res.message}")
    return float(res.fun)
