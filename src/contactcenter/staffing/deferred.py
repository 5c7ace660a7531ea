"""Deferred work (email, tickets): agents per interval to answer a share of items within a
long threshold (e.g. 80 % within 4 h), with the backlog carried between intervals.

Model (a deterministic fluid FIFO queue, the standard one for deferrable work, see Gans,
Koole & Mandelbaum 2003, on e-mail and other deferrable contacts). Time is cut into steps of
``interval_s / steps_per_interval``. The items of an interval arrive evenly over its steps;
the items of a step count as arrived at the step's start, and the initial backlog at
time 0 (both conservative by at most one step). n agents answer n x step / AHT items per
step, oldest first, never more than have arrived:

    W[s] = items arrived by the start of step s (cumulative, backlog included)
    D[s] = items answered by the end of step s = min(W[s], D[s-1] + n_s step / AHT)

An item in positions (W[s-1], W[s]] with deadline d = start of step s + T is answered in
time to the extent that D(at d) passes its position, so the answered-in-time amount of
that step is clip(D[d] - W[s-1], 0, W[s] - W[s-1]), with D read at the last step end <= d.

The interval's score is over the items *due* in it (deadline inside the interval):
share_within_threshold = answered in time / due. :func:`deferred_plan` picks, interval by
interval in time order, the fewest agents for which that share reaches the target (a
just-in-time plan: capacity is added only when a deadline needs it, so early intervals of
a day may get 0 agents and the backlog shows it). Items not yet due at the horizon are
counted in ``backlog_end``. Assumptions: answering one item takes AHT of agent time on
average and agents are interchangeable; randomness is ignored (with thresholds of hours
the fluid model is accurate to within the step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.errors import InputError
from contactcenter.staffing._core import FloatArray, IntArray
from contactcenter.staffing.inverse import RTOL, check_fraction
from contactcenter.standards import DEFAULT_TARGET, DEFAULT_THRESHOLD_S


@dataclass(frozen=True)
class DeferredResult:
    """Per interval: agents, items due (deadline inside it), of those answered in time,
    their share (NaN when none is due), items answered in it and the backlog at its end."""

    agents: IntArray
    due: FloatArray
    met: FloatArray
    share_within_threshold: FloatArray
    answered: FloatArray
    backlog_end: FloatArray


class _Grid:
    def __init__(
        self,
        items: FloatArray,
        aht_s: float,
        interval_s: float,
        threshold_s: float,
        initial_backlog: float,
        steps: int,
    ) -> None:
        self.n_int = items.shape[0]
        self.steps = steps
        self.dt = interval_s / steps
        self.per_agent = self.dt / aht_s  # items one agent answers per step
        per_step = np.repeat(items / steps, steps)
        self.w = np.concatenate(([initial_backlog], initial_backlog + np.cumsum(per_step)))
        # cohort c = 0 (backlog, arrives at 0) and c = s (arrives at start of step s, 1-based)
        starts = np.concatenate(([0.0], np.arange(self.n_int * steps) * self.dt))
        self.lo = np.concatenate(([0.0], self.w[:-1]))
        self.hi = self.w.copy()
        # deadline read at the last step end <= deadline (index into D, D[0] = time 0)
        self.deadline_idx = np.floor((starts + threshold_s) / self.dt + 1e-9).astype(np.int64)
        self.due_interval = np.where(
            self.deadline_idx >= 1, (self.deadline_idx - 1) // steps, -1
        ).astype(np.int64)


def _run_interval(
    grid: _Grid, d_prev: float, i: int, agents: FloatArray
) -> npt.NDArray[np.float64]:
    """D at the ends of interval i's steps for each candidate agent count: (len, steps)."""
    out = np.empty((agents.shape[0], grid.steps))
    d = np.full(agents.shape[0], d_prev)
    cap = agents * grid.per_agent
    for j in range(grid.steps):
        s = i * grid.steps + j + 1
        d = np.minimum(grid.w[s], d + cap)
        out[:, j] = d
    return out


def _score(grid: _Grid, i: int, d_int: npt.NDArray[np.float64]) -> FloatArray:
    """Items due in interval i answered in time, for each candidate row of ``d_int``."""
    cohorts = np.flatnonzero(grid.due_interval == i)
    if cohorts.size == 0:
        return np.zeros(d_int.shape[0])
    idx = grid.deadline_idx[cohorts]
    local = idx - (i * grid.steps + 1)  # position inside interval i
    d_at = d_int[:, local]
    met = np.clip(d_at - grid.lo[cohorts], 0.0, grid.hi[cohorts] - grid.lo[cohorts])
    return np.asarray(met.sum(axis=1), dtype=np.float64)


def _met(grid: _Grid, i: int, d_prev: float, agents: int) -> float:
    d_int = _run_interval(grid, d_prev, i, np.array([float(agents)]))
    return float(_score(grid, i, d_int)[0])


def _check(
    items: npt.ArrayLike,
    aht_s: float,
    interval_s: float,
    threshold_s: float,
    initial_backlog: float,
    steps_per_interval: int,
) -> FloatArray:
    arr = np.asarray(items, dtype=np.float64)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise InputError("{field} must be a list of counts >= 0, one per interval", field="items")
    for name, value in (("aht_s", aht_s), ("interval_s", interval_s)):
        if not (value > 0 and math.isfinite(value)):
            raise InputError(f"{{field}} must be > 0, got {value:g}", field=name)
    if not (threshold_s >= 0 and math.isfinite(threshold_s)):
        raise InputError(f"{{field}} must be >= 0, got {threshold_s:g}", field="threshold_s")
    if not initial_backlog >= 0:
        raise InputError(
            f"{{field}} must be >= 0, got {initial_backlog:g}", field="initial_backlog"
        )
    if steps_per_interval < 1:
        raise InputError(
            f"{{field}} must be >= 1, got {steps_per_interval}", field="steps_per_interval"
        )
    return arr


def _result(grid: _Grid, agents: IntArray, d: FloatArray) -> DeferredResult:
    n_int = grid.n_int
    due = np.zeros(n_int)
    met = np.zeros(n_int)
    inside = (grid.due_interval >= 0) & (grid.due_interval < n_int)
    cohorts = np.flatnonzero(inside)
    amount = grid.hi[cohorts] - grid.lo[cohorts]
    got = np.clip(d[grid.deadline_idx[cohorts]] - grid.lo[cohorts], 0.0, amount)
    np.add.at(due, grid.due_interval[cohorts], amount)
    np.add.at(met, grid.due_interval[cohorts], got)
    ends = np.arange(1, n_int + 1) * grid.steps
    d_end = d[ends]
    answered = np.diff(np.concatenate(([0.0], d_end)))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(due > 0, met / due, np.nan)
    return DeferredResult(
        agents=agents,
        due=due,
        met=met,
        share_within_threshold=share,
        answered=answered,
        backlog_end=grid.w[ends] - d_end,
    )


def deferred_evaluate(
    *,
    items: npt.ArrayLike,
    agents: npt.ArrayLike,
    aht_s: float,
    interval_s: float,
    threshold_s: float = DEFAULT_THRESHOLD_S["email"],
    initial_backlog: float = 0.0,
    steps_per_interval: int = 30,
) -> DeferredResult:
    """What a given staffing (``agents`` per interval) delivers on deferred work.

    >>> r = deferred_evaluate(items=[100, 0], agents=[5, 5], aht_s=600, interval_s=3600,
    ...                       threshold_s=7200)
    >>> [round(v, 9) for v in r.backlog_end.tolist()]
    [70.0, 40.0]
    """
    arr = _check(items, aht_s, interval_s, threshold_s, initial_backlog, steps_per_interval)
    n = np.asarray(agents, dtype=np.float64)
    if n.shape != arr.shape or (n < 0).any() or not np.all(n == np.round(n)):
        raise InputError("{field} must be whole numbers >= 0, one per interval", field="agents")
    grid = _Grid(arr, aht_s, interval_s, threshold_s, initial_backlog, steps_per_interval)
    d = np.zeros(grid.w.shape[0])
    d[0] = 0.0
    for i in range(grid.n_int):
        d[1 + i * grid.steps : 1 + (i + 1) * grid.steps] = _run_interval(
            grid, float(d[i * grid.steps]), i, n[i : i + 1]
        )[0]
    return _result(grid, n.astype(np.int64), d)


def deferred_plan(
    *,
    items: npt.ArrayLike,
    aht_s: float,
    interval_s: float,
    threshold_s: float = DEFAULT_THRESHOLD_S["email"],
    target: float = DEFAULT_TARGET,
    initial_backlog: float = 0.0,
    steps_per_interval: int = 30,
) -> DeferredResult:
    """Fewest agents per interval (just in time) so that, in every interval, at least
    ``target`` of the items due in it are answered within ``threshold_s``.

    >>> r = deferred_plan(items=[120, 120, 120, 120], aht_s=600, interval_s=3600,
    ...                   threshold_s=7200, target=0.8)
    >>> r.agents.tolist()  # items of hour 0 fall due in hour 2: 20 agents x 6 items/h
    [0, 1, 20, 20]
    """
    arr = _check(items, aht_s, interval_s, threshold_s, initial_backlog, steps_per_interval)
    share = check_fraction(target, "target", closed_top=True)
    assert share is not None
    grid = _Grid(arr, aht_s, interval_s, threshold_s, initial_backlog, steps_per_interval)
    d = np.zeros(grid.w.shape[0])
    agents = np.zeros(grid.n_int, dtype=np.int64)
    for i in range(grid.n_int):
        cohorts = np.flatnonzero(grid.due_interval == i)
        due = float(np.sum(grid.hi[cohorts] - grid.lo[cohorts]))
        d_prev = float(d[i * grid.steps])
        if due > 0:
            # enough agents to answer everything arrived by the interval's end
            backlog = float(grid.w[(i + 1) * grid.steps]) - d_prev
            hi = max(1, math.ceil(backlog / (grid.per_agent * grid.steps)) + 1)
            while _met(grid, i, d_prev, hi) < share * due * (1 - RTOL):
                hi *= 2  # items due early in the interval can need more than that
            lo = 0
            while lo < hi:  # the share is non-decreasing in the agents of this interval
                mid = (lo + hi) // 2
                if _met(grid, i, d_prev, mid) >= share * due * (1 - RTOL):
                    hi = mid
                else:
                    lo = mid + 1
            agents[i] = lo
        d[1 + i * grid.steps : 1 + (i + 1) * grid.steps] = _run_interval(
            grid, d_prev, i, np.array([float(agents[i])])
        )[0]
    return _result(grid, agents, d)
