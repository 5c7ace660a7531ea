"""A simulated team: named agents who follow a schedule, log in late, overrun breaks and
pause when the schedule does not say so, and answer the queue's contacts.

All times are whole seconds from the run's start (the queue_log's resolution), so that
the agent events written out give back exactly the time line simulated here.

**The plan of each agent** (:func:`plan_team`). A *shift* is a run of consecutive
scheduled activities (as in the adherence rules). The agent logs in (joins the queue) at
the shift's start, or ``late`` seconds after it with probability ``late_login_share``
(``late`` exponential with mean ``late_login_mean_s``, at least 1 s; an agent later than
the shift's end is absent from it). Scheduled work is *available*; a break, lunch, meeting
or training is a *pause* with the activity as its reason. A break or lunch followed by work
runs over with probability ``overrun_share`` by an exponential time of mean
``overrun_mean_s`` (at most to the end of that work). Within available time, unscheduled
pauses (reason ``pause_reason``) start as a Poisson process of ``pause_rate_per_h`` per
hour available and last an exponential time of mean ``pause_mean_s`` (at least 1 s, cut at
the end of the available time). The agent leaves the queue at the shift's end.

**Contacts** (:func:`run_team`). FIFO as in :mod:`contactcenter.simulation.engine`: a
contact goes to the agent that has been available longest (the lowest index on a tie),
when one is available, or waits for the first to become available; an agent takes a new
contact only while available in its plan. The queue does not close: the agents whose
plan ends last, available, stay until it is empty (as the last interval's agents of the
anonymous simulator), and leave after their last contact (:func:`stay_until_empty`).

**What the agents do** (:func:`actual_changes`). A change of the plan that falls inside a
contact the agent is handling (a pause, the end of the shift) happens when the contact
ends: the agent finishes the call, then pauses or leaves (several such changes during one
contact collapse into the plan's state at its end). So an agent is logged in, not paused,
during every contact it handles.

**The team's own figures** (:func:`team_figures`), per agent, from that time line: logged
in, handling (the contacts' handle times), not ready (paused), available (the rest of the
logged-in time), occupancy = handling / (handling + available), and against the schedule
up to the end of the data (the last instant any agent is logged in): scheduled time,
late login, time out of adherence (scheduled work while not working, or working while
scheduled away; runs of ``tolerance_s`` or shorter ignored), adherence = max(0, 1 - out /
scheduled). The same definitions as the metric catalog's (docs/metrics.md), computed here
from the simulator's own time line rather than from the events.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import heapq
import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.errors import FormatError, InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

AVAILABLE = ""
"""The mode of an agent logged in and not paused (a pause's mode is its reason)."""
Mode = str | None
"""An agent's mode: None logged out, :data:`AVAILABLE`, or a pause reason."""
AWAY_ACTIVITIES = ("break", "lunch", "meeting", "training")
OVERRUN_ACTIVITIES = ("break", "lunch")


@dataclass(frozen=True)
class Behaviour:
    """How agents depart from the schedule (see the module docstring)."""

    late_login_share: float = 0.0
    late_login_mean_s: float = 300.0
    overrun_share: float = 0.0
    overrun_mean_s: float = 180.0
    pause_rate_per_h: float = 0.0
    pause_mean_s: float = 180.0
    pause_reason: str = "personal"


@dataclass(frozen=True)
class Team:
    """Named agents and each one's schedule: (start, end, activity) in whole seconds from
    the run's start, sorted, not overlapping, without ``off``."""

    names: tuple[str, ...]
    schedules: tuple[tuple[tuple[int, int, str], ...], ...]


def team_from_staffing(agents_per_interval: Sequence[int], interval_s: int) -> Team:
    """The team a staffing plan describes: agent i (``agent-001``...) works every
    interval with more than i agents (consecutive intervals are one shift)."""
    counts = [int(v) for v in agents_per_interval]
    most = max(counts, default=0)
    schedules: list[tuple[tuple[int, int, str], ...]] = []
    for i in range(most):
        rows: list[tuple[int, int, str]] = []
        for k, n in enumerate(counts):
            if n > i:
                a, b = k * interval_s, (k + 1) * interval_s
                if rows and rows[-1][1] == a:
                    rows[-1] = (rows[-1][0], b, "work")
                else:
                    rows.append((a, b, "work"))
        schedules.append(tuple(rows))
    names = tuple(f"agent-{i + 1:03d}" for i in range(most))
    return Team(names, tuple(schedules))


def shifts_of(schedule: Sequence[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Runs of consecutive activities (each a list of the activities)."""
    out: list[list[tuple[int, int, str]]] = []
    for row in schedule:
        if out and out[-1][-1][1] == row[0]:
            out[-1].append(row)
        else:
            out.append([row])
    return out


def _seconds(rng: np.random.Generator, mean: float) -> int:
    return max(1, round(float(rng.exponential(mean))))


def plan_team(
    team: Team, behaviour: Behaviour, rng: np.random.Generator
) -> list[list[tuple[int, int, str]]]:
    """Each agent's planned time line: (start, end, mode) segments while logged in,
    mode :data:`AVAILABLE` or a pause reason (see the module docstring)."""
    b = behaviour
    plans: list[list[tuple[int, int, str]]] = []
    for schedule in team.schedules:
        segs: list[tuple[int, int, str]] = []
        for shift in shifts_of(schedule):
            s0, s1 = shift[0][0], shift[-1][1]
            login = s0
            if b.late_login_share > 0 and rng.random() < b.late_login_share:
                login = s0 + _seconds(rng, b.late_login_mean_s)
            if login >= s1:
                continue  # absent
            acts = [(max(a, login), e, act) for a, e, act in shift if e > login]
            # overruns: a break or lunch followed by work keeps its pause into the work
            for k in range(len(acts) - 1):
                a, e, act = acts[k]
                _na, ne, nact = acts[k + 1]
                if (
                    act in OVERRUN_ACTIVITIES
                    and nact == "work"
                    and b.overrun_share > 0
                    and rng.random() < b.overrun_share
                ):
                    back = min(ne, e + _seconds(rng, b.overrun_mean_s))
                    acts[k] = (a, back, act)
                    acts[k + 1] = (back, ne, nact)
            for a, e, act in acts:
                if e <= a:
                    continue
                if act != "work":
                    segs.append((a, e, act))
                    continue
                t = a
                while b.pause_rate_per_h > 0:
                    gap = float(rng.exponential(3600.0 / b.pause_rate_per_h))
                    if not gap < e - t:  # also a gap of inf (a rate of nearly 0)
                        break
                    start = t + max(1, round(gap))
                    if start >= e:
                        break
                    end = min(e, start + _seconds(rng, b.pause_mean_s))
                    segs.append((t, start, AVAILABLE))
                    segs.append((start, end, b.pause_reason))
                    t = end
                if e > t:
                    segs.append((t, e, AVAILABLE))
        merged: list[tuple[int, int, str]] = []
        for seg in segs:
            if merged and merged[-1][1] == seg[0] and merged[-1][2] == seg[2]:
                merged[-1] = (merged[-1][0], seg[1], seg[2])
            elif seg[1] > seg[0]:
                merged.append(seg)
        plans.append(merged)
    return plans


def stay_until_empty(
    plans: Sequence[Sequence[tuple[int, int, str]]],
) -> tuple[list[list[tuple[int, float]]], list[int]]:
    """The agents' available windows, and the agents who stay until the queue is empty:
    those whose plan ends last, available (their last window is open-ended, as the last
    interval's agents of the anonymous simulator; they leave at the end of their plan or
    of their last contact, whichever is later)."""
    windows: list[list[tuple[int, float]]] = [
        [(a, b) for a, b, mode in plan if mode == AVAILABLE] for plan in plans
    ]
    last = max((plan[-1][1] for plan in plans if plan), default=None)
    stayers = [
        j
        for j, plan in enumerate(plans)
        if plan and plan[-1][1] == last and plan[-1][2] == AVAILABLE
    ]
    for j in stayers:
        windows[j][-1] = (windows[j][-1][0], math.inf)
    return windows, stayers


def run_team(
    *,
    arrival: FloatArray,
    service: FloatArray,
    patience: FloatArray,
    windows: Sequence[Sequence[tuple[int, float]]],
) -> tuple[FloatArray, FloatArray, IntArray]:
    """The FIFO queue served by agents available in ``windows`` (per agent, sorted
    [start, end) spans in seconds). Returns wait, service time (NaN when abandoned) and
    agent (-1 when abandoned), per contact in arrival order."""
    starts = [[w[0] for w in ws] for ws in windows]
    ends = [[w[1] for w in ws] for ws in windows]
    at = [0] * len(windows)
    inf = math.inf

    def next_free(ag: int, t: float) -> float:
        """The first instant >= t at which ``ag`` is available (inf if never)."""
        ws, we = starts[ag], ends[ag]
        k = at[ag]
        while k < len(we) and we[k] <= t:
            k += 1
        at[ag] = k
        if k == len(we):
            return inf
        return max(t, ws[k])

    heap: list[tuple[float, int]] = []
    for ag in range(len(windows)):
        first = next_free(ag, -inf)
        if first < inf:
            heap.append((first, ag))
    heapq.heapify(heap)
    n = arrival.shape[0]
    wait_out = np.empty(n)
    svc_out = np.full(n, np.nan)
    agent_out = np.full(n, -1, dtype=np.int64)
    arr_list = arrival.tolist()
    svc_list = service.tolist()
    pat_list = patience.tolist()
    for i, a in enumerate(arr_list):
        start = inf
        while heap:
            key, ag = heap[0]
            if key >= a:
                start = key
                break
            now = next_free(ag, a)
            if now == a:
                start = a
                break
            if now == inf:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (now, ag))
        w = start - a
        if w > pat_list[i]:
            wait_out[i] = pat_list[i]
            continue
        if start == inf:
            raise InputError(
                f"no agent of the team is available to answer the contact arriving at {a:.0f} s "
                "and nobody abandons (the team's last shift ends paused): give a patience, or "
                "a schedule that covers the run"
            )
        _, ag = heap[0]
        s = svc_list[i]
        end = start + s
        nxt = next_free(ag, end)
        if nxt == inf:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (nxt, ag))
        wait_out[i] = w
        svc_out[i] = s
        agent_out[i] = ag
    return wait_out, svc_out, agent_out


def actual_changes(
    plan: Sequence[tuple[int, int, str]], calls: Sequence[tuple[int, int]]
) -> list[tuple[int, Mode]]:
    """The agent's changes of mode, (instant, new mode), from its planned segments and
    its contacts (start, end; sorted, within available time): a change inside a contact
    happens at the contact's end (see the module docstring)."""
    points: list[tuple[int, Mode]] = []
    for k, (a, b, planned) in enumerate(plan):
        points.append((a, planned))
        if k + 1 == len(plan) or plan[k + 1][0] != b:
            points.append((b, None))
    call_starts = [c[0] for c in calls]
    grouped: list[tuple[int, Mode]] = []
    for at, mode in points:
        k = bisect.bisect_left(call_starts, at) - 1  # the last contact starting before
        t = calls[k][1] if k >= 0 and calls[k][0] < at < calls[k][1] else at
        if grouped and grouped[-1][0] == t:
            grouped[-1] = (t, mode)  # the plan's latest state at that instant
        else:
            grouped.append((t, mode))
    result: list[tuple[int, Mode]] = []
    current: Mode = None
    for t, changed in grouped:
        if changed != current:
            result.append((t, changed))
            current = changed
    return result


def _spans(changes: Sequence[tuple[int, Mode]], want: object) -> list[tuple[int, int]]:
    """Spans whose mode satisfies ``want`` ("logged", "available" or "paused")."""
    out: list[tuple[int, int]] = []
    for (t0, mode), (t1, _) in itertools.pairwise(changes):
        ok = (
            mode is not None
            if want == "logged"
            else mode == AVAILABLE
            if want == "available"
            else mode not in (None, AVAILABLE)
        )
        if ok and t1 > t0:
            out.append((t0, t1))
    return out


def _clip(spans: Sequence[tuple[int, int]], horizon: int) -> list[tuple[int, int]]:
    return [(a, min(b, horizon)) for a, b in spans if a < horizon]


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _difference(
    x: Sequence[tuple[int, int]], y: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """x minus y (both merged)."""
    out: list[tuple[int, int]] = []
    for a, b in x:
        t = a
        for c, d in y:
            if d <= t or c >= b:
                continue
            if c > t:
                out.append((t, c))
            t = max(t, d)
            if t >= b:
                break
        if t < b:
            out.append((t, b))
    return out


def team_figures(
    team: Team,
    changes: Sequence[Sequence[tuple[int, Mode]]],
    handled: Sequence[tuple[int, float]],
    *,
    tolerance_s: float = 60.0,
) -> list[dict[str, float | int | str | None]]:
    """Per agent, the figures of the module docstring: agent, logged_in_s, available_s,
    handling_s, not_ready_s, contacts_handled, occupancy, scheduled_s, late_login_s,
    out_of_adherence_s, adherence (None over an empty denominator). ``handled`` is per
    agent (contacts answered, sum of their handle times)."""
    horizon = max((c[-1][0] for c in changes if c), default=0)
    rows: list[dict[str, float | int | str | None]] = []
    for name, schedule, chg, (n_calls, handling) in zip(
        team.names, team.schedules, changes, handled, strict=True
    ):
        logged = _spans(chg, "logged")
        working = _merge(_clip(_spans(chg, "available"), horizon))
        logged_s = sum(b - a for a, b in logged)
        paused_s = sum(b - a for a, b in _spans(chg, "paused"))
        available_s = logged_s - paused_s - handling
        sched = [(a, min(b, horizon), act) for a, b, act in schedule if a < horizon]
        scheduled = _merge([(a, b) for a, b, _ in sched])
        expected = _merge([(a, b) for a, b, act in sched if act == "work"])
        out_runs = _merge(_difference(expected, working) + _difference(working, expected))
        out_s = sum(b - a for a, b in out_runs if b - a > tolerance_s)
        late = 0
        inside_logged = _merge(_clip(logged, horizon))
        for shift in shifts_of(sched):
            s0, s1 = shift[0][0], shift[-1][1]
            first = next((max(a, s0) for a, b in inside_logged if a < s1 and b > s0), None)
            # a deviation inside a run of the tolerance or shorter counts nothing
            run = next(((a, b) for a, b in out_runs if a <= s0 < b), None)
            if first is not None and first > s0 and run and run[1] - run[0] > tolerance_s:
                late += first - s0
        scheduled_s = sum(b - a for a, b in scheduled)
        ready = handling + available_s
        rows.append(
            {
                "agent": name,
                "logged_in_s": float(logged_s),
                "available_s": float(available_s),
                "handling_s": float(handling),
                "not_ready_s": float(paused_s),
                "contacts_handled": int(n_calls),
                "occupancy": handling / ready if ready > 0 else None,
                "scheduled_s": float(scheduled_s),
                "late_login_s": float(late),
                "out_of_adherence_s": float(out_s),
                "adherence": max(0.0, 1.0 - out_s / scheduled_s) if scheduled_s > 0 else None,
            }
        )
    return rows


SCHEDULE_ACTIVITIES = ("work", *AWAY_ACTIVITIES, "off")


def read_schedule(
    text: str, *, source: str = "<schedule>"
) -> list[tuple[str, str, dt.datetime, dt.datetime]]:
    """The rows of a ``schedule_csv`` text (agent, activity, start, end; times ISO 8601
    with an offset, naive ones UTC, whole seconds), in file order. Every problem is a
    :class:`~contactcenter.errors.FormatError` naming the line (field ``schedule``)."""
    rows = list(csv.reader(io.StringIO(text)))

    def fail(line_no: int | None, reason: str) -> FormatError:
        return FormatError(source, line_no, reason, field="schedule")

    if not rows:
        raise fail(None, "empty file: no header line agent,activity,start,end")
    header = [h.strip().lower() for h in rows[0]]
    if sorted(header) != sorted(("agent", "activity", "start", "end")):
        raise fail(1, f"the header must be agent,activity,start,end (any order), got {rows[0]}")
    out: list[tuple[str, str, dt.datetime, dt.datetime]] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 4:
            raise fail(line_no, f"{len(row)} fields, the header has 4")
        cells = dict(zip(header, (c.strip() for c in row), strict=True))
        if not cells["agent"]:
            raise fail(line_no, "agent is empty")
        activity = cells["activity"].lower()
        if activity not in SCHEDULE_ACTIVITIES:
            raise fail(
                line_no,
                f"activity {cells['activity']!r} is not one of {', '.join(SCHEDULE_ACTIVITIES)}",
            )
        times = []
        for name in ("start", "end"):
            try:
                t = dt.datetime.fromisoformat(cells[name])
            except ValueError:
                raise fail(line_no, f"{name} is not an ISO 8601 time: {cells[name]!r}") from None
            t = t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)
            if t.microsecond:
                raise fail(line_no, f"{name} {cells[name]!r} is not a whole second")
            times.append(t)
        if times[1] < times[0]:
            raise fail(line_no, "end is before start")
        out.append((cells["agent"], activity, times[0], times[1]))
    return out


def team_from_rows(
    rows: Sequence[tuple[str, str, dt.datetime, dt.datetime]],
    start: dt.datetime,
    *,
    source: str = "<schedule>",
) -> Team:
    """The team of schedule rows (agents in order of first appearance), times in seconds
    from ``start``; ``off`` and empty rows left out; overlapping rows of an agent refused."""
    per: dict[str, list[tuple[int, int, str]]] = {}
    for agent, activity, first, last in rows:
        a = round((first - start).total_seconds())
        b = round((last - start).total_seconds())
        per.setdefault(agent, [])
        if activity != "off" and b > a:
            per[agent].append((a, b, activity))
    schedules = []
    for agent, mine in per.items():
        mine.sort()
        for (_, b, _), (c, _, _) in itertools.pairwise(mine):
            if c < b:
                raise FormatError(
                    source,
                    None,
                    f"agent {agent!r} has two activities at {start + dt.timedelta(seconds=c)}",
                    field="schedule",
                )
        schedules.append(tuple(mine))
    return Team(tuple(per), tuple(schedules))
