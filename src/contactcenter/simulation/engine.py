"""Discrete-event simulation of a multi-server FIFO queue with abandonment.

Arrivals: a Poisson process whose rate is constant within each interval (the count of an
interval is Poisson with the forecast's mean, the times uniform within it). Service
times: exponential, lognormal (mean AHT, given coefficient of variation) or resampled
from observed handle times. Patience: exponential, resampled from data, or none.
Agents: a number per interval (a staffing plan); each holds ``concurrency`` contacts at
once (1 for voice; chats with k > 1).

The engine is exact for a FIFO queue with reneging: contacts are taken in arrival order;
each starts with the slot that frees first (the longest-idle one when several are idle),
at max(arrival, that slot's free time), unless its patience runs out first, in which case
it abandons after waiting its patience and takes nothing from the agents. Because of FIFO
every earlier contact has already been placed, so a heap of slot free times is the whole
state (O(log slots) per contact).

Staffing changes at interval boundaries: new agents start at the boundary; leaving
agents (the highest-numbered) take no new contact after it and finish the one they
hold. After the last interval the last interval's agents stay until the queue is empty.

A named team (``team``: agents with schedules, :mod:`contactcenter.simulation.team`)
replaces the agents per interval: each agent takes contacts while its plan has it
available (voice only), and every time is in whole seconds (arrivals floored, handle
times and patience rounded, handle times at least 1 s), the resolution of a queue_log.

Chat: an agent's ``concurrency`` slots are pooled with everyone else's. With
``aht_s`` given per concurrency level, a conversation's handle time is drawn with the
mean of the level the agent reaches when it starts (a simplification of the analytic
chat model, where the pace changes as other conversations open and close; both agree
when the handle time does not depend on the level).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from contactcenter.errors import InputError
from contactcenter.simulation.team import (
    Behaviour,
    Team,
    actual_changes,
    plan_team,
    run_team,
    stay_until_empty,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ServiceKind = Literal["exponential", "lognormal", "empirical"]


@dataclass(frozen=True)
class SimulationResult:
    """One simulated run: per contact (in arrival order) and the run's set-up.

    arrival_s: seconds from the start; wait_s: time in queue (until answer or abandon);
    service_s: handle time of answered contacts (NaN for abandoned); answered: bool;
    agent: 0-based agent index (-1 when abandoned).
    """

    arrival_s: FloatArray
    wait_s: FloatArray
    service_s: FloatArray
    answered: BoolArray
    agent: IntArray
    interval_s: float
    agents_per_interval: IntArray
    concurrency: int
    seed: int
    agent_names: tuple[str, ...] | None = None
    """With a team: the agents' names (``agent`` indexes them)."""
    changes: tuple[tuple[tuple[int, str | None], ...], ...] | None = None
    """With a team: per agent, its changes of mode (instant in seconds, mode; see
    :func:`contactcenter.simulation.team.actual_changes`)."""
    team: Team | None = None

    @property
    def horizon_s(self) -> float:
        """Length of the simulated period (all intervals)."""
        return self.interval_s * float(self.agents_per_interval.shape[0])

    def __len__(self) -> int:
        return int(self.arrival_s.shape[0])


def _us(values: FloatArray) -> FloatArray:
    """Round to whole microseconds, the resolution of the contacts table's timestamps."""
    return np.asarray(np.round(values * 1e6) / 1e6, dtype=np.float64)


def _draw_service(
    rng: np.random.Generator,
    size: int,
    kind: ServiceKind,
    cv: float,
    samples: FloatArray | None,
) -> FloatArray:
    """Unit-mean service-time multipliers (or raw samples for ``empirical``)."""
    if kind == "exponential":
        return rng.exponential(1.0, size)
    if kind == "lognormal":
        sigma2 = math.log1p(cv * cv)
        return rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), size)
    assert samples is not None
    return np.asarray(rng.choice(samples, size), dtype=np.float64)


def simulate(
    *,
    calls_per_interval: npt.ArrayLike,
    interval_s: float,
    agents_per_interval: npt.ArrayLike,
    aht_s: float | Sequence[float],
    patience_s: float | None = None,
    service: ServiceKind = "exponential",
    service_cv: float = 1.0,
    service_samples_s: npt.ArrayLike | None = None,
    patience_samples_s: npt.ArrayLike | None = None,
    concurrency: int = 1,
    interval_aht_s: npt.ArrayLike | None = None,
    seed: int = 0,
    team: Team | None = None,
    behaviour: Behaviour | None = None,
) -> SimulationResult:
    """Simulate the queue over ``len(calls_per_interval)`` intervals of ``interval_s``.

    ``calls_per_interval`` are the expected arrivals of each interval (the realized count
    is Poisson); ``agents_per_interval`` one number or one per interval. ``aht_s`` is
    the mean handle time (ignored by ``service="empirical"``, which resamples
    ``service_samples_s``), or for chat a list by concurrency level. ``patience_s`` is the
    mean of exponential patience; ``patience_samples_s`` resamples observed patience
    instead; neither means nobody abandons. ``interval_aht_s`` (voice only) gives a mean
    handle time per interval instead, applied by the interval a contact arrives in (as a
    forecast or staffing plan has it). ``team`` (with ``behaviour``) simulates named
    agents instead of ``agents_per_interval`` (which then only sizes the run's occupancy;
    see the module docstring). Same inputs and seed give the same run.

    >>> r = simulate(calls_per_interval=[100], interval_s=1800, agents_per_interval=14,
    ...              aht_s=180, seed=1)
    >>> len(r) > 0 and bool(r.answered.all())
    True
    """
    calls = np.atleast_1d(np.asarray(calls_per_interval, dtype=np.float64))
    if calls.ndim != 1 or calls.size == 0 or not np.all(np.isfinite(calls)) or (calls < 0).any():
        raise InputError("{field} must be one or more counts >= 0", field="calls_per_interval")
    if not (interval_s > 0 and math.isfinite(interval_s)):
        raise InputError(f"{{field}} must be > 0, got {interval_s:g}", field="interval_s")
    agents_arr = np.asarray(agents_per_interval, dtype=np.float64)
    if agents_arr.ndim > 1 or agents_arr.size not in (1, calls.size):
        raise InputError(
            f"{{field}} must be one number or one per interval ({calls.size}), "
            f"got {agents_arr.size}",
            field="agents_per_interval",
        )
    agents_arr = np.broadcast_to(agents_arr.reshape(-1), calls.shape).copy()
    if (agents_arr < 0).any() or not np.all(agents_arr == np.round(agents_arr)):
        raise InputError("{field}: agents must be whole numbers >= 0", field="agents_per_interval")
    agents_i = agents_arr.astype(np.int64)
    if concurrency < 1:
        raise InputError(f"{{field}} must be >= 1, got {concurrency}", field="concurrency")
    levels = [float(aht_s)] if isinstance(aht_s, int | float) else [float(v) for v in aht_s]
    if len(levels) == 1:
        levels = levels * concurrency
    if len(levels) != concurrency:
        raise InputError(
            f"{{field}} must give 1 or {concurrency} handle times, got {len(levels)}", field="aht_s"
        )
    if service != "empirical" and not all(v > 0 and math.isfinite(v) for v in levels):
        raise InputError(f"{{field}} must be > 0, got {aht_s!r}", field="aht_s")
    if service not in ("exponential", "lognormal", "empirical"):
        raise InputError(
            f"{{field}} must be exponential, lognormal or empirical, got {service!r}",
            field="service",
        )
    if service == "lognormal" and not service_cv > 0:
        raise InputError(f"{{field}} must be > 0, got {service_cv:g}", field="service_cv")
    svc_samples = None
    if service == "empirical":
        if service_samples_s is None:
            raise InputError("{field} is needed by service='empirical'", field="service_samples_s")
        svc_samples = np.asarray(service_samples_s, dtype=np.float64)
        if svc_samples.size == 0 or not np.all(svc_samples > 0):
            raise InputError("{field} must be handle times > 0", field="service_samples_s")
    pat_samples = None
    if patience_samples_s is not None:
        pat_samples = np.asarray(patience_samples_s, dtype=np.float64)
        if pat_samples.size == 0 or (pat_samples < 0).any():
            raise InputError("{field} must be times >= 0", field="patience_samples_s")
    elif patience_s is not None and not (patience_s > 0):
        raise InputError(f"{{field}} must be > 0, got {patience_s:g}", field="patience_s")

    rng = np.random.default_rng(seed)
    counts = rng.poisson(calls)
    total = int(counts.sum())
    offsets = np.repeat(np.arange(calls.size) * interval_s, counts)
    arrival = _us(np.sort(offsets + rng.uniform(0.0, interval_s, total)))
    # sorting the offsets+uniforms keeps each interval's arrivals inside it
    base = _draw_service(rng, total, service, service_cv, svc_samples)
    if pat_samples is not None:
        patience = _us(np.asarray(rng.choice(pat_samples, total), dtype=np.float64))
    elif patience_s is not None and math.isfinite(patience_s):
        patience = _us(rng.exponential(patience_s, total))
    else:
        patience = np.full(total, np.inf)

    scale = np.array(levels) if service != "empirical" else np.ones(concurrency)
    if interval_aht_s is not None:
        per_interval = np.asarray(interval_aht_s, dtype=np.float64)
        if per_interval.shape != calls.shape or not np.all(per_interval > 0):
            raise InputError(
                "{field} must give one handle time > 0 per interval", field="interval_aht_s"
            )
        if concurrency != 1 or service == "empirical":
            raise InputError(
                "{field} applies to voice with a modelled service time", field="interval_aht_s"
            )
        which = np.minimum((arrival // interval_s).astype(np.int64), calls.size - 1)
        base = base * per_interval[which]
        scale = np.ones(1)
    if team is not None:
        if concurrency != 1:
            raise InputError("{field}: a simulated team answers calls (voice)", field="concurrency")
        arrival = np.floor(arrival)
        svc = np.maximum(1.0, np.round(base * scale[0]))
        patience = np.round(patience)
        plans = plan_team(team, behaviour or Behaviour(), np.random.default_rng([seed, 1]))
        windows, stayers = stay_until_empty(plans)
        wait, service_time, agent = run_team(
            arrival=arrival, service=svc, patience=patience, windows=windows
        )
        answered = agent >= 0
        handled: list[list[tuple[int, int]]] = [[] for _ in plans]
        starts = arrival + wait
        for k in np.flatnonzero(answered).tolist():
            handled[int(agent[k])].append((int(starts[k]), int(starts[k] + service_time[k])))
        for j in stayers:  # they leave when done, at the end of their plan at the earliest
            if handled[j]:
                a, b, mode = plans[j][-1]
                plans[j][-1] = (a, max(b, handled[j][-1][1]), mode)
        changes = tuple(
            tuple(actual_changes(plan, mine)) for plan, mine in zip(plans, handled, strict=True)
        )
        return SimulationResult(
            arrival_s=arrival,
            wait_s=wait,
            service_s=service_time,
            answered=answered,
            agent=agent,
            interval_s=float(interval_s),
            agents_per_interval=agents_i,
            concurrency=1,
            seed=seed,
            agent_names=team.names,
            changes=changes,
            team=team,
        )
    wait, service_time, agent = _run(
        arrival=arrival,
        base=base,
        scale=scale,
        patience=patience,
        interval_s=float(interval_s),
        agents=agents_i,
        concurrency=concurrency,
    )
    answered = agent >= 0
    return SimulationResult(
        arrival_s=arrival,
        wait_s=wait,
        service_s=np.where(answered, service_time, np.nan),
        answered=answered,
        agent=agent,
        interval_s=float(interval_s),
        agents_per_interval=agents_i,
        concurrency=concurrency,
        seed=seed,
    )


def _run(
    *,
    arrival: FloatArray,
    base: FloatArray,
    scale: FloatArray,
    patience: FloatArray,
    interval_s: float,
    agents: IntArray,
    concurrency: int,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """The event loop (see the module docstring). Returns wait, service time, agent."""
    k = concurrency
    n_max = int(agents.max()) if agents.size else 0
    slot_gen = [0] * (n_max * k)
    slot_end = [0.0] * (n_max * k)
    heap: list[tuple[float, int, int]] = []
    active = 0  # agents 0..active-1 are on duty
    boundaries = [(i * interval_s, int(agents[i])) for i in range(agents.size)]
    # the first "boundary" at time 0 staffs the first interval
    b_idx = 0
    n_b = len(boundaries)
    varying = k > 1 and len(set(scale.tolist())) > 1
    scale_list = scale.tolist()

    def staff(time: float, target: int) -> None:
        nonlocal active
        if target > active:
            for a in range(active, target):
                for j in range(k):
                    slot = a * k + j
                    slot_gen[slot] += 1
                    heapq.heappush(heap, (max(time, slot_end[slot]), slot, slot_gen[slot]))
        else:
            for a in range(target, active):
                for j in range(k):
                    slot_gen[a * k + j] += 1  # invalidates the slot's heap entry
        active = target

    wait_out = np.empty(arrival.shape[0])
    svc_out = np.empty(arrival.shape[0])
    agent_out = np.full(arrival.shape[0], -1, dtype=np.int64)
    arr_list = arrival.tolist()
    base_list = base.tolist()
    pat_list = patience.tolist()
    inf = math.inf
    for i, a in enumerate(arr_list):
        while True:
            while heap and heap[0][2] != slot_gen[heap[0][1]]:
                heapq.heappop(heap)
            start = heap[0][0] if heap else inf
            if start < a:
                start = a
            if b_idx < n_b and boundaries[b_idx][0] <= start:
                staff(*boundaries[b_idx])
                b_idx += 1
                continue
            break
        w = start - a
        p = pat_list[i]
        if w > p:
            wait_out[i] = p
            svc_out[i] = math.nan
            continue
        if start == inf:
            raise InputError(
                f"no agent is on duty to answer the contact arriving at {a:.0f} s and "
                "nobody abandons: staff the last interval or give a patience"
            )
        _, slot, gen = heapq.heappop(heap)
        ag = slot // k
        if varying:
            level = 1 + sum(
                1 for j in range(k) if slot_end[ag * k + j] > start and ag * k + j != slot
            )
            s = base_list[i] * scale_list[level - 1]
        else:
            s = base_list[i] * scale_list[0]
        s = round(s * 1e6) / 1e6
        end = start + s
        slot_end[slot] = end
        heapq.heappush(heap, (end, slot, gen))
        wait_out[i] = w
        svc_out[i] = s
        agent_out[i] = ag
    return wait_out, svc_out, agent_out
