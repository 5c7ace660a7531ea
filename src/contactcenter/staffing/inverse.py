"""Inverse questions: the fewest agents that meet a set of targets together; shrinkage.

A target given as a decimal (0.85, 0.3) is not exact in binary floating point, so every
comparison allows a relative slack of ``RTOL`` = 1e-9: 306 calls x 265 s in 30 min is
45.05 Erlangs, and 45.05 / 0.85 evaluates to 53.00000000000001, yet 53 agents are at
exactly 85 % occupancy and meet a cap of 0.85 (pyworkforce 0.5.1 answers 54 here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.errors import InputError
from contactcenter.staffing._core import IntArray
from contactcenter.staffing.erlang import (
    QueueMetrics,
    check_non_negative,
    check_positive,
    check_sl_definition,
    evaluate_flat,
    patience_rate,
)

RTOL = 1e-9


def ceil_tolerant(value: npt.ArrayLike) -> IntArray:
    """ceil(value) that ignores a relative excess of up to RTOL (float noise)."""
    arr = np.asarray(value, dtype=np.float64)
    return np.ceil(arr - RTOL * np.maximum(1.0, np.abs(arr))).astype(np.int64)


def check_fraction(value: float | None, name: str, *, closed_top: bool = False) -> float | None:
    """None, or ``value`` checked to lie in (0, 1) (or (0, 1] with ``closed_top``)."""
    if value is None:
        return None
    ok = 0.0 < value <= 1.0 if closed_top else 0.0 < value < 1.0
    if not ok or math.isnan(value):
        allowed = "(0, 1]" if closed_top else "(0, 1)"
        raise InputError(f"{name} must be in {allowed}, got {value:g}")
    return float(value)


def gross_agents(*, agents: npt.ArrayLike, shrinkage: float) -> IntArray:
    """Agents to schedule so that ``agents`` are productive: ceil(agents / (1 - shrinkage)).

    Shrinkage is the share of paid time not available for contacts (breaks, training,
    absence). Dividing is right and multiplying by (1 + shrinkage) is not: 14 / 0.7 = 20,
    14 x 1.3 = 18.2. Float noise (14 / 0.7 = 20.000000000000004) does not add an agent.

    >>> int(gross_agents(agents=14, shrinkage=0.3))
    20
    """
    if not 0.0 <= shrinkage < 1.0 or math.isnan(shrinkage):
        raise InputError(f"shrinkage must be in [0, 1), got {shrinkage:g}")
    net = check_non_negative(agents, "agents")
    return ceil_tolerant(net / (1.0 - shrinkage))


@dataclass(frozen=True)
class Requirement:
    """The answer of :func:`required_agents`.

    agents: fewest productive agents meeting every target (0 where the load is 0).
    metrics: the predicted performance with that many agents; NaN where the load is 0
        (nothing is offered, so every ratio is undefined).
    """

    agents: IntArray
    metrics: QueueMetrics


def required_agents(
    *,
    load_erl: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    threshold_s: npt.ArrayLike = 20.0,
    target_sl: float | None = 0.8,
    patience_s: npt.ArrayLike | None = None,
    max_asa_s: float | None = None,
    max_abandon: float | None = None,
    max_occupancy: float | None = None,
    sl_definition: str = "offered",
) -> Requirement:
    """Fewest agents n with SL(T) >= target_sl, ASA <= max_asa_s, P(abandon) <= max_abandon
    and occupancy <= max_occupancy, all at once (targets left None are not checked).

    The model is Erlang C where ``patience_s`` is None/inf/NaN and Erlang A where it is
    finite (see :mod:`contactcenter.staffing.erlang` for formulas and references). The
    search climbs n from a proven lower bound (n > A for Erlang C, n >= A x cap bound,
    n >= target x A for Erlang A's offered SL, since carried load <= n) to the first n
    meeting every target, with Erlang B carried along by its recursion, for every row
    at once. It does not assume the metrics are monotone in n. A row with zero load
    needs 0 agents.

    >>> int(required_agents(load_erl=10.0, aht_s=180, threshold_s=20, target_sl=0.8,
    ...                     max_occupancy=0.85).agents)
    14
    >>> int(required_agents(load_erl=306 * 265 / 1800, aht_s=265, target_sl=None,
    ...                     max_occupancy=0.85).agents)
    53
    """
    definition = check_sl_definition(sl_definition)
    target = check_fraction(target_sl, "target_sl")
    cap = check_fraction(max_occupancy, "max_occupancy", closed_top=True)
    ab_cap = check_fraction(max_abandon, "max_abandon", closed_top=True)
    if max_asa_s is not None and not max_asa_s > 0:
        raise InputError(f"max_asa_s must be > 0, got {max_asa_s:g}")
    a = check_non_negative(load_erl, "load_erl")
    h = check_positive(aht_s, "aht_s")
    t = check_non_negative(threshold_s, "threshold_s")
    th = patience_rate(patience_s)
    a_b, h_b, t_b, th_b = np.broadcast_arrays(a, h, t, th)
    shape = a_b.shape
    load = a_b.ravel().astype(np.float64)
    aht = h_b.ravel().astype(np.float64)
    thr = t_b.ravel().astype(np.float64)
    theta = th_b.ravel().astype(np.float64)
    size = load.shape[0]

    agents = np.zeros(size, dtype=np.int64)
    fields = ("p_wait", "p_abandon", "service_level", "asa_s", "occupancy", "queue_length")
    out = {key: np.full(size, np.nan) for key in fields}

    rows = np.flatnonzero(load > 0)
    # lower bounds
    lo = np.ones(rows.size, dtype=np.int64)
    ld, thr_r = load[rows], theta[rows]
    no_patience = thr_r <= 0
    lo = np.where(no_patience, np.floor(ld).astype(np.int64) + 1, lo)
    if cap is not None:
        lo = np.where(no_patience, np.maximum(lo, ceil_tolerant(ld / cap)), lo)
    if target is not None and definition == "offered":
        lo = np.where(no_patience, lo, np.maximum(lo, ceil_tolerant(ld * target) - 1))
    lo = np.maximum(lo, 1)
    hi = ceil_tolerant(ld / (cap or 1.0) + 60.0 * np.sqrt(ld) + 500.0)

    b = np.ones(rows.size)
    active = np.arange(rows.size)
    k = 0
    while active.size:
        k += 1
        ab = ld[active] * b[active]
        b[active] = ab / (k + ab)
        check = active[lo[active] <= k]
        if check.size == 0:
            continue
        r = rows[check]
        m = evaluate_flat(
            agents=np.full(check.size, k, dtype=np.int64),
            load_erl=load[r],
            aht_s=aht[r],
            threshold_s=thr[r],
            theta=theta[r],
            sl_definition=definition,
            erlang_b_value=b[check],
        )
        ok = np.ones(check.size, dtype=bool)
        if target is not None:
            ok &= m["service_level"] >= target * (1.0 - RTOL)
        if max_asa_s is not None:
            ok &= m["asa_s"] <= max_asa_s * (1.0 + RTOL)
        if ab_cap is not None:
            ok &= m["p_abandon"] <= ab_cap * (1.0 + RTOL)
        if cap is not None:
            ok &= m["occupancy"] <= cap * (1.0 + RTOL)
        if ok.any():
            met = r[ok]
            agents[met] = k
            for key in fields:
                out[key][met] = m[key][ok]
        stop = check[ok]
        failed = check[~ok][hi[check[~ok]] <= k]
        if failed.size:
            i = int(rows[failed[0]])
            raise InputError(
                f"the targets cannot be met with up to {k} agents at load "
                f"{load[i]:g} Erl (row {i}); relax a target"
            )
        if stop.size:
            keep = np.ones(rows.size, dtype=bool)
            keep[stop] = False
            active = active[keep[active]]
    metrics = QueueMetrics(
        load_erl=load.reshape(shape),
        agents=agents.astype(np.float64).reshape(shape),
        threshold_s=thr.reshape(shape),
        sl_definition=definition,
        **{key: value.reshape(shape) for key, value in out.items()},
    )
    return Requirement(agents=agents.reshape(shape), metrics=metrics)


__all__ = ["RTOL", "Requirement", "ceil_tolerant", "gross_agents", "required_agents"]
