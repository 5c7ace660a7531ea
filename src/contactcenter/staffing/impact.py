"""The impact model: service-level points an agent's behaviour cost the queue, per interval.

For one interval of length I (seconds) of a pool of queues:

* N calls offered, AHT the mean handle time of its answered contacts, mean patience P
  (one estimate for the whole selection, :func:`contactcenter.staffing.estimate_patience`;
  none when no call was abandoned: then Erlang C), answer threshold T;
* n = Σ over agents of (available_s + handling_s) / I: the agents actually available,
  a fractional number (an agent logged in and not paused for half the interval is half
  an agent).

The model service level is Erlang A's ``offered`` service level (answered within T /
offered, :func:`contactcenter.staffing.erlang_a`) of λ = N / I, AHT, P and n agents,
linear between ⌊n⌋ and ⌊n⌋ + 1 agents, with 0 for no agent:

    SL(n) = SL(⌊n⌋) + (n − ⌊n⌋) · (SL(⌊n⌋ + 1) − SL(⌊n⌋)),   SL(0) = 0.

For agent i, three counterfactuals, each alone, give the points lost (Δ ≥ 0):

* **adherence**: n + a_i / I agents, a_i the agent's unscheduled away time in the
  interval (scheduled to work, paused or logged out, beyond the tolerance);
* **AHT**: AHT − h_i · e_i / Nₐ, where h_i is the agent's answered contacts in the
  interval, Nₐ the interval's answered contacts and e_i = max(0, the agent's AHT in the
  period − the team's median AHT in the period) (never below 1 s);
* **transfers** (rework): N − t_i calls, t_i the contacts the agent transferred in the
  interval (each transfer assumed to bring one more call of the interval's AHT).

``lost = SL(counterfactual) − SL(observed inputs)``. SL rises with n and falls with λ and
AHT (the Erlang A service level is monotone in each), so a loss is never negative; values
within 1e-12 below 0 (rounding) are set to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.staffing._core import FloatArray
from contactcenter.staffing.erlang import queue_metrics

MIN_AHT_S = 1.0
"""The AHT counterfactual never goes below this (seconds)."""

ROUNDING = 1e-12
"""A loss between -ROUNDING and 0 is rounding, shown as 0."""


def fractional_service_level(
    *,
    agents: npt.ArrayLike,
    calls: npt.ArrayLike,
    interval_s: float,
    aht_s: npt.ArrayLike,
    threshold_s: float,
    patience_s: float | None,
) -> FloatArray:
    """Erlang A's offered service level (Erlang C when ``patience_s`` is None) with a
    fractional number of agents: linear between ⌊agents⌋ and ⌊agents⌋ + 1, 0 with no
    agent; 1 for an interval with no call (nobody waits). Vectorized over the arrays.

    >>> float(fractional_service_level(agents=2, calls=10, interval_s=1800, aht_s=180,
    ...       threshold_s=20, patience_s=None).round(6))  # 1 - exp(-1/9) / 3 (C(2, 1) = 1/3)
    0.70172
    """
    n, lam, aht = np.broadcast_arrays(
        np.asarray(agents, dtype=np.float64),
        np.asarray(calls, dtype=np.float64) / float(interval_s),
        np.asarray(aht_s, dtype=np.float64),
    )
    n = np.maximum(n, 0.0)
    lo = np.floor(n)
    frac = n - lo
    load = lam * aht
    has_calls = load > 0
    safe_aht = np.where(aht > 0, aht, 1.0)

    def sl(k: FloatArray) -> FloatArray:
        out = np.zeros(k.shape)
        ok = (k >= 1) & has_calls
        if ok.any():
            out[ok] = queue_metrics(
                agents=k[ok].astype(np.int64),
                load_erl=load[ok],
                aht_s=safe_aht[ok],
                threshold_s=threshold_s,
                patience_s=patience_s,
            ).service_level
        return out

    value = sl(lo) + frac * (sl(lo + 1) - sl(lo))
    return np.where(has_calls, value, 1.0)


@dataclass(frozen=True)
class Intervals:
    """Per interval k of the pool (arrays of one length): ``calls`` offered, ``answered``,
    ``aht_s`` (mean handle time; any positive value where nothing was answered),
    ``agents`` actually available (fractional)."""

    calls: FloatArray
    answered: FloatArray
    aht_s: FloatArray
    agents: FloatArray


@dataclass(frozen=True)
class AgentIntervals:
    """Per (agent, interval) pair (arrays of one length): ``interval`` (index into
    :class:`Intervals`), ``away_s`` (unscheduled away time), ``handled`` (answered
    contacts), ``excess_s`` (the agent's AHT above the team median in the period, >= 0)
    and ``transferred`` (contacts transferred)."""

    interval: npt.NDArray[np.int64]
    away_s: FloatArray
    handled: FloatArray
    excess_s: FloatArray
    transferred: FloatArray


@dataclass(frozen=True)
class Losses:
    """The model's service level per interval (``base``) and, per (agent, interval)
    pair, the points lost to each cause (fractions: 0.02 = 2 points)."""

    base: FloatArray
    adherence: FloatArray
    aht: FloatArray
    transfers: FloatArray


def _clean(delta: FloatArray) -> FloatArray:
    return np.where((delta < 0) & (delta > -ROUNDING), 0.0, delta)


def losses(
    intervals: Intervals,
    pairs: AgentIntervals,
    *,
    interval_s: float,
    threshold_s: float,
    patience_s: float | None,
) -> Losses:
    """The points each agent's unscheduled away time, excess handle time and transfers
    cost each interval (the module docstring has the formulas)."""

    def sl(agents: FloatArray, calls: FloatArray, aht: FloatArray) -> FloatArray:
        return fractional_service_level(
            agents=agents,
            calls=calls,
            interval_s=interval_s,
            aht_s=aht,
            threshold_s=threshold_s,
            patience_s=patience_s,
        )

    base = sl(intervals.agents, intervals.calls, intervals.aht_s)
    k = pairs.interval
    n, calls, aht = intervals.agents[k], intervals.calls[k], intervals.aht_s[k]
    answered = intervals.answered[k]
    before = base[k]
    adherence = sl(n + pairs.away_s / interval_s, calls, aht) - before
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(answered > 0, pairs.handled * pairs.excess_s / answered, 0.0)
    faster = np.minimum(aht, np.maximum(aht - cut, MIN_AHT_S))
    aht_loss = np.where(cut > 0, sl(n, calls, faster) - before, 0.0)
    fewer = np.maximum(calls - pairs.transferred, 0.0)
    transfers = np.where(pairs.transferred > 0, sl(n, fewer, aht) - before, 0.0)
    return Losses(
        base=base,
        adherence=_clean(np.where(pairs.away_s > 0, adherence, 0.0)),
        aht=_clean(aht_loss),
        transfers=_clean(transfers),
    )
