"""A fast greedy roster: the solver's starting point and its fallback when time runs out.

CP-SAT may get too little time to build or solve a large model (a fine grid, many start
times, a short ``--time-limit``). The roster returned then is this one, never an empty
one. It is also given to CP-SAT as a hint, so the solver starts from a full roster.

**Rule.** Take the earliest grid slot whose requirement is not yet covered. Among the
shifts (template, day, start) working at that slot whose template is still below its
``max_count`` for the day, take the one that covers the most short slots from there to
its end per unit of cost (ties: the later start), and add as many of it as the slot is
short. Its breaks are placed one break at a time, in order, each batch of agents at the
allowed position with the most spare coverage (so breaks go where agents are not needed),
never earlier than the previous break of the batch has ended, so that the i-th earliest
break k and the i-th earliest break k+1 always belong to one agent (the read-out of
:mod:`contactcenter.scheduling.model`). Slots no shift can cover are left short.
``min_count`` shifts of each template and day are placed first. One pass over the slots:
O(slots x shifts of a day) with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from contactcenter.scheduling.config import ShiftConfig

if TYPE_CHECKING:
    from contactcenter.scheduling.model import ShiftColumn

IntArray = npt.NDArray[np.int64]


@dataclass
class GreedyRoster:
    """Shift counts ``x[column]`` and break counts ``y[(column, break, position)]`` in the
    indexing of :func:`contactcenter.scheduling.model.build_columns`, the coverage they
    give per slot, and the objective (cost + penalty x uncovered agent-intervals)."""

    x: dict[int, int]
    y: dict[tuple[int, int, int], int]
    coverage: IntArray
    objective: float


def greedy_roster(
    config: ShiftConfig,
    required: IntArray,
    columns: Sequence[ShiftColumn],
    idx: list[int],
) -> GreedyRoster:
    """The greedy roster of the columns ``idx`` (one group of days) for ``required``."""
    cols = [columns[i] for i in idx]
    n = required.size
    longest = max((c.start + c.length for c in cols), default=0)
    size = max(n, longest) + 1
    need = np.zeros(size, dtype=np.int64)
    need[:n] = required
    cov = np.zeros(size, dtype=np.int64)
    x = dict.fromkeys(idx, 0)
    y: dict[tuple[int, int, int], int] = {}
    starts = np.array([c.start for c in cols], dtype=np.int64)
    ends = starts + np.array([c.length for c in cols], dtype=np.int64)
    costs = np.array([config.templates[c.template].shift_cost for c in cols], dtype=np.float64)
    costs = np.maximum(costs, 1e-9)
    key = [(c.template, c.day) for c in cols]
    room: dict[tuple[int, int], int | None] = {
        k: config.templates[k[0]].max_count for k in set(key)
    }
    placeable = np.array([_break_limits(c) is not None for c in cols], dtype=bool)

    def add(j: int, count: int) -> None:
        c = cols[j]
        i = idx[j]
        x[i] += count
        cov[c.start : c.start + c.length] += count
        left = room[key[j]]
        if left is not None:
            room[key[j]] = left - count
        _place_breaks(c, i, count, need, cov, y)

    for k in sorted(set(key)):
        minimum = config.templates[k[0]].min_count
        if minimum:
            choices = [j for j in range(len(cols)) if key[j] == k and placeable[j]]
            if choices:
                add(choices[0], minimum)

    skipped = np.zeros(len(cols), dtype=bool)  # columns that cannot help the current slot
    s = 0
    last = -1
    while True:
        short = np.flatnonzero(need[s:n] > cov[s:n])
        if not short.size:
            break
        s += int(short[0])
        if s != last:
            skipped[:] = False
            last = s
        open_ = np.array([_has_room(room[k]) for k in key], dtype=bool)
        usable = (starts <= s) & (ends > s) & open_ & placeable & ~skipped
        if not usable.any():
            s += 1  # nothing can cover this slot: it stays short
            continue
        lacking = np.concatenate(([0], np.cumsum(need[:size] > cov[:size])))
        candidates = np.flatnonzero(usable)
        gain = lacking[np.minimum(ends[candidates], size)] - lacking[s]
        score = gain / costs[candidates]
        best_score = score.max()
        tied = candidates[score >= best_score * (1 - 1e-12)]
        j = int(tied[np.argmax(starts[tied])])  # the later start covers further ahead
        deficit = int(need[s] - cov[s])
        limit = room[key[j]]
        count = deficit if limit is None else min(deficit, limit)
        before = cov[s]
        add(j, count)
        if cov[s] <= before:  # its breaks all fall on this slot: try another shift
            skipped[j] = True
    uncovered = int(np.clip(need[:n] - cov[:n], 0, None).sum())
    cost = 0.0
    for i in idx:
        cost += x[i] * config.templates[columns[i].template].shift_cost
    return GreedyRoster(x, y, cov[:n], cost + config.penalty * uncovered)


def _has_room(left: int | None) -> bool:
    return left is None or left > 0


def _break_limits(c: ShiftColumn) -> list[tuple[int, int]] | None:
    """For each break of column ``c``, the positions (indices into its allowed starts)
    it may take so that every later break can still be taken after it; None when no
    ordered placement exists."""
    starts = c.break_starts
    lengths = c.break_lengths
    if not starts:
        return []
    latest = [s[-1] for s in starts]
    for k in range(len(starts) - 2, -1, -1):  # each break must leave room for the next
        latest[k] = min(latest[k], latest[k + 1] - lengths[k])
    limits: list[tuple[int, int]] = []
    earliest = -(10**18)
    for k, options in enumerate(starts):
        allowed = [pi for pi, p in enumerate(options) if earliest <= p <= latest[k]]
        if not allowed:
            return None
        limits.append((allowed[0], allowed[-1]))
        earliest = options[allowed[0]] + lengths[k]
    return limits


def _place_breaks(
    c: ShiftColumn,
    i: int,
    count: int,
    need: IntArray,
    cov: IntArray,
    y: dict[tuple[int, int, int], int],
) -> None:
    """Place the breaks of ``count`` new shifts of column ``c`` (index ``i``) where the
    coverage has the most to spare, in order (see the module docstring)."""
    starts = c.break_starts
    lengths = c.break_lengths
    limits = _break_limits(c)
    assert limits is not None
    latest_end = -(10**18)  # where the batch's previous break ends at the latest
    for k, options in enumerate(starts):
        length = lengths[k]
        first, last = limits[k]
        allowed = [pi for pi in range(first, last + 1) if options[pi] >= latest_end]
        if not allowed:  # the limits guarantee one; keep the last allowed as a fallback
            allowed = [last]
        left = count
        while left > 0:
            spare = [_spare(cov, need, options[pi], length) for pi in allowed]
            best = int(np.argmax(spare))
            # short everywhere: spread the rest over the positions
            spread = max(1, -(-left // len(allowed)))
            take = min(left, spare[best]) if spare[best] > 0 else spread
            pi = allowed[best]
            p = options[pi]
            cov[p : p + length] -= take
            y[(i, k, pi)] = y.get((i, k, pi), 0) + take
            latest_end = max(latest_end, p + length)
            left -= take


def _spare(cov: IntArray, need: IntArray, start: int, length: int) -> int:
    """Agents to spare over the slots a break at ``start`` would take."""
    return int((cov[start : start + length] - need[start : start + length]).min())
