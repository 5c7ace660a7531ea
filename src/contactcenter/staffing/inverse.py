"""Inverse questions: the fewest agents that meet a set of targets together; shrinkage.

A target given as a decimal (0.85, 0.3) is not exact in binary floating point, so every
comparison allows a relative slack of ``RTOL`` = 1e-9: 306 calls x 265 s in 30 min is
45.05 Erlangs, computed as 306 / 1800 x 265 = 45.050000000000004, and that / 0.85 is
53.00000000000001, yet 53 agents are at exactly 85 % occupancy and meet a cap of 0.85
(pyworkforce 0.5.1 answers 54 here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.errors import InputError
from contactcenter.staffing import _core
from contactcenter.staffing._core import FloatArray, IntArray
from contactcenter.staffing.erlang import (
    QueueMetrics,
    SlDefinition,
    check_non_negative,
    check_positive,
    check_sl_definition,
    evaluate_flat,
    patience_rate,
)

RTOL = 1e-9
_CHUNK = 16_384  # rows per chunk in the Erlang C climb (fits the CPU cache)


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
    14 x 1.3 = 18.2. Float noise (21 / 0.7 = 30.000000000000004) does not add an agent.

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
    load = np.ascontiguousarray(a_b, dtype=np.float64).ravel()
    aht = np.ascontiguousarray(h_b, dtype=np.float64).ravel()
    thr = np.ascontiguousarray(t_b, dtype=np.float64).ravel()
    theta = np.ascontiguousarray(th_b, dtype=np.float64).ravel()
    size = load.shape[0]

    agents = np.zeros(size, dtype=np.int64)
    fields = ("p_wait", "p_abandon", "service_level", "asa_s", "occupancy", "queue_length")
    rows = np.flatnonzero(load > 0)
    out = {key: np.empty(size) for key in fields}
    if rows.size < size:
        zero = np.flatnonzero(load <= 0)
        for key in fields:
            out[key][zero] = np.nan
    # lower bounds
    ld = load[rows]
    all_c = not th.any()  # nobody abandons anywhere: Erlang C throughout
    if all_c:
        thr_r = np.zeros(rows.size)
        no_patience = np.ones(rows.size, dtype=bool)
        lo = np.floor(ld).astype(np.int64) + 1
        if cap is not None:
            lo = np.maximum(lo, ceil_tolerant(ld / cap))
    else:
        thr_r = theta[rows]
        no_patience = thr_r <= 0
        lo = np.where(no_patience, np.floor(ld).astype(np.int64) + 1, 1)
        if cap is not None:
            lo = np.where(no_patience, np.maximum(lo, ceil_tolerant(ld / cap)), lo)
        if target is not None and definition == "offered":
            lo = np.where(no_patience, lo, np.maximum(lo, ceil_tolerant(ld * target) - 1))
        lo = np.maximum(lo, 1)

    # climb from each row's lower bound; B(lo, A) comes from the sorted recursion, then
    # B(n + 1) = A B(n) / (n + 1 + A B(n)) for the rows still short of their targets
    b_lo = _core.erlang_b(lo, ld)
    b_final = np.empty(rows.size)
    targets = _Targets(target, max_asa_s, ab_cap, cap, definition)
    if all_c:
        _climb_erlang_c(lo, b_lo, rows, (load, aht, thr), targets, agents, out)
        a_rows = np.zeros(0, dtype=np.int64)
    else:
        c_rows = np.flatnonzero(no_patience)
        if c_rows.size:
            _climb_erlang_c(
                lo[c_rows], b_lo[c_rows], rows[c_rows], (load, aht, thr), targets, agents, out
            )
        a_rows = np.flatnonzero(~no_patience)
    if a_rows.size:
        n_a, b_a = _climb_erlang_a(
            lo[a_rows], b_lo[a_rows], ld[a_rows], aht[rows[a_rows]], thr[rows[a_rows]],
            thr_r[a_rows], targets,
        )  # fmt: skip
        agents[rows[a_rows]] = n_a
        b_final[a_rows] = b_a
    if a_rows.size:
        r_a = rows[a_rows]
        final = evaluate_flat(
            agents=agents[r_a],
            load_erl=load[r_a],
            aht_s=aht[r_a],
            threshold_s=thr[r_a],
            theta=theta[r_a],
            sl_definition=definition,
            erlang_b_value=b_final[a_rows],
        )
        for key in fields:
            out[key][r_a] = final[key]
    metrics = QueueMetrics(
        load_erl=load.reshape(shape),
        agents=agents.astype(np.float64).reshape(shape),
        threshold_s=thr.reshape(shape),
        sl_definition=definition,
        **{key: value.reshape(shape) for key, value in out.items()},
    )
    return Requirement(agents=agents.reshape(shape), metrics=metrics)


@dataclass(frozen=True)
class _Targets:
    sl: float | None
    max_asa_s: float | None
    max_abandon: float | None
    max_occupancy: float | None
    definition: SlDefinition


def _unmet(n: IntArray, load: FloatArray) -> InputError:
    return InputError(
        f"the targets cannot be met with up to {int(n[0])} agents at load {load[0]:g} Erl; "
        "relax a target"
    )


def _climb_erlang_c(
    n0: IntArray,
    b0: FloatArray,
    idx: IntArray,
    columns: tuple[FloatArray, FloatArray, FloatArray],
    targets: _Targets,
    agents: IntArray,
    out: dict[str, FloatArray],
) -> None:
    """First n >= n0 (> A) meeting the targets under Erlang C for rows ``idx`` of
    ``columns`` = (load, aht, threshold); writes ``agents`` and the metrics into ``out``.

    One step per n for the rows still climbing; SL's factor exp(-(n - A) T / AHT) is
    carried along by multiplication, so no exponential is taken inside the loop. Rows are
    taken in chunks small enough for the CPU cache.
    """
    load, aht, thr = columns
    sl_cap = None if targets.sl is None else 1.0 - targets.sl * (1.0 - RTOL)
    asa_cap = None if targets.max_asa_s is None else targets.max_asa_s * (1.0 + RTOL)
    occ = targets.max_occupancy
    occ_cap = None if occ is None else occ * (1.0 + RTOL)
    with np.errstate(all="ignore"):
        for start in range(0, idx.size, _CHUNK):
            part = slice(start, min(idx.size, start + _CHUNK))
            rows = idx[part]
            a0, h0, t0 = load[rows], aht[rows], thr[rows]
            size = rows.size
            n_out = np.empty(size)
            b_out = np.empty(size)
            todo = np.arange(size)
            n = n0[part].astype(np.float64)
            b = b0[part].copy()
            a, h = a0, h0
            tau = t0 / h0
            e = np.exp(-(n - a) * tau)
            r = np.exp(-tau)
            alive = None  # rows already answered stay in the arrays until compaction pays
            steps = 0
            while todo.size:
                gap = n - a  # > 0: every n climbed here exceeds A
                c = n * b / (gap + a * b)
                ok = None
                if sl_cap is not None:
                    ok = c * e <= sl_cap  # SL = 1 - C exp(-(n - A) T / AHT)
                if asa_cap is not None:
                    ok_asa = c * h <= asa_cap * gap
                    ok = ok_asa if ok is None else ok & ok_asa
                if occ_cap is not None:
                    ok_occ = a <= occ_cap * n
                    ok = ok_occ if ok is None else ok & ok_occ
                if ok is None:  # no target at all: the stability bound is the answer
                    ok = np.ones(todo.size, dtype=bool)
                if alive is not None:
                    ok &= alive
                found = int(np.count_nonzero(ok))
                if found:
                    where = todo[ok]
                    n_out[where] = n[ok]
                    b_out[where] = b[ok]
                    alive = ~ok if alive is None else alive & ~ok
                    left = int(np.count_nonzero(alive))
                    if left == 0:
                        break
                    if 4 * left < 3 * todo.size:  # compact once a quarter has left
                        todo, n, b, a, h, e, r = (
                            todo[alive], n[alive], b[alive], a[alive], h[alive], e[alive],
                            r[alive],
                        )  # fmt: skip
                        alive = None
                steps += 1
                # every valid target is met eventually (SL -> 1, ASA -> 0, occupancy -> 0
                # as n grows); this only guards against a defect
                if steps % 256 == 0 and (n > 2.0 * a / (occ or 1.0) + 10_000).any():
                    over = n > 2.0 * a / (occ or 1.0) + 10_000
                    raise _unmet(n[over].astype(np.int64), a[over])
                n += 1.0
                ab = a * b
                b = ab / (n + ab)
                e *= r
            gap_out = n_out - a0
            c_out = n_out * b_out / (gap_out + a0 * b_out)
            agents[rows] = n_out.astype(np.int64)
            out["p_wait"][rows] = c_out
            out["p_abandon"][rows] = 0.0
            out["service_level"][rows] = 1.0 - c_out * np.exp(-gap_out * (t0 / h0))
            out["asa_s"][rows] = c_out * h0 / gap_out
            out["occupancy"][rows] = a0 / n_out
            out["queue_length"][rows] = c_out * a0 / gap_out


def _climb_erlang_a(
    n0: IntArray,
    b0: FloatArray,
    load: FloatArray,
    aht: FloatArray,
    thr: FloatArray,
    theta: FloatArray,
    targets: _Targets,
) -> tuple[IntArray, FloatArray]:
    """First n >= n0 meeting the targets under Erlang A, one n per row per step."""
    hi = ceil_tolerant(load / (targets.max_occupancy or 1.0) + 60.0 * np.sqrt(load) + 500.0)
    n_out = np.empty(n0.size, dtype=np.int64)
    b_out = np.empty(n0.size)
    todo = np.arange(n0.size)
    n, b = n0.copy(), b0.copy()
    while todo.size:
        m = evaluate_flat(
            agents=n,
            load_erl=load[todo],
            aht_s=aht[todo],
            threshold_s=thr[todo],
            theta=theta[todo],
            sl_definition=targets.definition,
            erlang_b_value=b,
        )
        ok = np.ones(todo.size, dtype=bool)
        if targets.sl is not None:
            ok &= m["service_level"] >= targets.sl * (1.0 - RTOL)
        if targets.max_asa_s is not None:
            ok &= m["asa_s"] <= targets.max_asa_s * (1.0 + RTOL)
        if targets.max_abandon is not None:
            ok &= m["p_abandon"] <= targets.max_abandon * (1.0 + RTOL)
        if targets.max_occupancy is not None:
            ok &= m["occupancy"] <= targets.max_occupancy * (1.0 + RTOL)
        n_out[todo[ok]] = n[ok]
        b_out[todo[ok]] = b[ok]
        rest = ~ok
        todo, n, b = todo[rest], n[rest] + 1, b[rest]
        ab = load[todo] * b
        b = ab / (n + ab)
        over = n > hi[todo]
        if over.any():
            raise _unmet(n[over], load[todo][over])
    return n_out, b_out


__all__ = ["RTOL", "Requirement", "ceil_tolerant", "gross_agents", "required_agents"]
