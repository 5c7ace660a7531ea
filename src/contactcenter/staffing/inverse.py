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
from contactcenter.limits import MAX_AGENTS, MAX_LOAD_ERL
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
from contactcenter.standards import DEFAULT_TARGET, DEFAULT_THRESHOLD_S

RTOL = 1e-9
_CHUNK = 16_384  # rows per chunk in the Erlang C climb (fits the CPU cache)
SEARCH_FROM_ERL = 500.0
"""Erlang A rows with a larger load (and every row whose lower bound exceeds
:data:`contactcenter.staffing._core.DIRECT_FROM` agents) are solved by :func:`_search`
instead of the climb."""
_FIELDS = ("p_wait", "p_abandon", "service_level", "asa_s", "occupancy", "queue_length")


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
        raise InputError(f"{{field}} must be in {allowed}, got {value:g}", field=name)
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
        raise InputError(f"{{field}} must be in [0, 1), got {shrinkage:g}", field="shrinkage")
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
    threshold_s: npt.ArrayLike = DEFAULT_THRESHOLD_S["voice"],
    target_sl: float | None = DEFAULT_TARGET,
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
    meeting every target, with 1/B (Erlang B) carried along by its recursion, for every
    row at once; that climb does not assume the metrics are monotone in n. Large rows
    (a lower bound above 5,000 agents, or Erlang A above 500 Erlangs), where climbing
    one agent at a time would take seconds to hours, are solved by galloping and
    bisecting from the same lower bound with Erlang B in closed form (:func:`_search`),
    which relies on every target being monotone in n: proved for Erlang C, and checked
    for Erlang A on a grid of loads, patiences, thresholds and all three SL definitions.
    A row with zero load needs 0 agents. Loads above
    :data:`contactcenter.limits.MAX_LOAD_ERL`, and targets that need more than
    :data:`contactcenter.limits.MAX_AGENTS` agents, are refused.

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
        raise InputError(f"{{field}} must be > 0, got {max_asa_s:g}", field="max_asa_s")
    a = check_non_negative(load_erl, "load_erl")
    h = check_positive(aht_s, "aht_s")
    t = check_non_negative(threshold_s, "threshold_s")
    th = patience_rate(patience_s)
    a_b, h_b, t_b = np.broadcast_arrays(a, h, t, th)[:3]
    shape = a_b.shape
    load = np.ascontiguousarray(a_b, dtype=np.float64).ravel()
    aht = np.ascontiguousarray(h_b, dtype=np.float64).ravel()
    size = load.shape[0]
    all_c = not th.any()  # nobody abandons anywhere: Erlang C throughout

    # the float columns of the answer in one block: one allocation, and (over 4 MiB) numpy
    # asks for huge pages, so a large plan does not fault in thousands of small ones
    block = np.empty((8, size))
    out = {key: block[i] for i, key in enumerate(_FIELDS)}
    agents_f = block[6]
    agents = np.empty(size, dtype=np.int64)
    thr = block[7]
    np.copyto(thr.reshape(shape), t_b)
    _check_load(load, shape)
    rows = np.flatnonzero(load > 0)
    if rows.size < size or not all_c or (load > _core.DIRECT_FROM).any():
        # rows the Erlang C climb leaves alone: n = D = 0 turns every ratio into NaN
        agents_f.fill(0.0)
        out["p_wait"].fill(0.0)
        out["service_level"].fill(0.0)
    # lower bounds
    ld = load[rows]
    if cap is not None:
        _check_cap(ld, cap)
    if all_c:
        lo = ld.astype(np.int64)  # floor(A), A > 0
        lo += 1
        if cap is not None:
            lo = np.maximum(lo, ceil_tolerant(ld / cap))
    else:
        theta = np.ascontiguousarray(np.broadcast_to(th, shape), dtype=np.float64).ravel()
        theta_r = theta[rows]
        no_patience = theta_r <= 0
        lo = np.where(no_patience, np.floor(ld).astype(np.int64) + 1, 1)
        if cap is not None:
            lo = np.where(no_patience, np.maximum(lo, ceil_tolerant(ld / cap)), lo)
        if target is not None and definition == "offered":
            lo = np.where(no_patience, lo, np.maximum(lo, ceil_tolerant(ld * target) - 1))
        lo = np.maximum(lo, 1)

    # large rows are searched (see the docstring), the others climbed
    big = lo > _core.DIRECT_FROM
    if not all_c:
        big |= ~no_patience & (ld > SEARCH_FROM_ERL)
    big_rows = rows[big]
    big_lo, big_ld = lo[big], ld[big]
    big_theta = np.zeros(big_rows.size) if all_c else theta_r[big]
    if big_rows.size:
        keep = ~big
        rows, ld, lo = rows[keep], ld[keep], lo[keep]
        if not all_c:
            theta_r, no_patience = theta_r[keep], no_patience[keep]

    # from here on the rows go sorted by lo, largest first (one at a time, so that the
    # unsorted copies are freed as they go): 1/B(lo, A) for every row by the recursion
    # over that order, then the climb carries 1/B(n + 1) = 1 + (n + 1)/A x 1/B(n) upward
    order = _core.descending_order(lo)
    rows = rows[order]
    ld = ld[order]
    lo = lo[order]
    rec = np.empty(rows.size)
    with np.errstate(over="ignore"):
        _core.reciprocal_erlang_b_sorted(lo, ld, rec)
    targets = _Targets(target, max_asa_s, ab_cap, cap, definition)
    t_scalar = float(t) if t.ndim == 0 else None
    columns = (aht, thr, t_scalar)
    # the climb leaves n, D = n / C and e = exp(-(n - A) T / AHT) in the rows of agents,
    # p_wait and service_level; the metrics follow for every row at once
    found = (agents_f, out["p_wait"], out["service_level"])
    if all_c:
        _climb_erlang_c(lo, rec, ld, rows, columns, targets, found)
        a_rows = np.zeros(0, dtype=np.int64)
    else:
        theta_r = theta_r[order]
        no_patience = no_patience[order]
        c = np.flatnonzero(no_patience)
        if c.size:
            _climb_erlang_c(lo[c], rec[c], ld[c], rows[c], columns, targets, found)
        a_rows = np.flatnonzero(~no_patience)
    _erlang_c_metrics(load, aht, agents_f, out)
    np.copyto(agents, agents_f, casting="unsafe")
    if a_rows.size:
        with np.errstate(divide="ignore"):
            b_lo = 1.0 / rec[a_rows]
        r_a = rows[a_rows]
        n_a, b_a = _climb_erlang_a(
            lo[a_rows], b_lo, ld[a_rows], aht[r_a], thr[r_a], theta_r[a_rows], targets
        )
        agents[r_a] = n_a
        agents_f[r_a] = n_a
        final = evaluate_flat(
            agents=n_a,
            load_erl=load[r_a],
            aht_s=aht[r_a],
            threshold_s=thr[r_a],
            theta=theta_r[a_rows],
            sl_definition=definition,
            erlang_b_value=b_a,
        )
        for key in _FIELDS:
            out[key][r_a] = final[key]
    if big_rows.size:
        targets_big = _Targets(target, max_asa_s, ab_cap, cap, definition)
        n_big, b_big = _search(big_lo, big_ld, aht[big_rows], thr[big_rows], big_theta, targets_big)
        agents[big_rows] = n_big
        agents_f[big_rows] = n_big
        final = evaluate_flat(
            agents=n_big,
            load_erl=load[big_rows],
            aht_s=aht[big_rows],
            threshold_s=thr[big_rows],
            theta=big_theta,
            sl_definition=definition,
            erlang_b_value=b_big,
        )
        for key in _FIELDS:
            out[key][big_rows] = final[key]
    metrics = QueueMetrics(
        load_erl=load.reshape(shape),
        agents=agents_f.reshape(shape),
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


def _check_load(load: FloatArray, shape: tuple[int, ...]) -> None:
    """Refuse a load above :data:`~contactcenter.limits.MAX_LOAD_ERL` (before any work)."""
    over = np.flatnonzero(load > MAX_LOAD_ERL)
    if over.size:
        where = "" if not shape else f" (row {int(over[0]) + 1})"
        raise InputError(
            f"{{field}} must be at most {MAX_LOAD_ERL:,.0f} Erlangs{where}, got {load[over[0]]:g}",
            field="load_erl",
        )


def _check_cap(load: FloatArray, cap: float) -> None:
    """Refuse an occupancy cap that needs more than MAX_AGENTS agents (n >= A / cap)."""
    need = load / cap
    over = np.flatnonzero(need > MAX_AGENTS * (1.0 + RTOL))
    if over.size:
        i = int(over[0])
        raise InputError(
            f"{{field}} {cap:g} needs at least {need[i]:,.0f} agents for {load[i]:g} Erlangs, "
            f"more than the {MAX_AGENTS:,} allowed; raise it",
            field="max_occupancy",
        )


def _meets(metrics: dict[str, FloatArray], targets: _Targets) -> npt.NDArray[np.bool_]:
    """Rows whose metrics meet every target given (with the RTOL slack)."""
    ok = np.ones(metrics["service_level"].shape[0], dtype=bool)
    if targets.sl is not None:
        ok &= metrics["service_level"] >= targets.sl * (1.0 - RTOL)
    if targets.max_asa_s is not None:
        ok &= metrics["asa_s"] <= targets.max_asa_s * (1.0 + RTOL)
    if targets.max_abandon is not None:
        ok &= metrics["p_abandon"] <= targets.max_abandon * (1.0 + RTOL)
    if targets.max_occupancy is not None:
        ok &= metrics["occupancy"] <= targets.max_occupancy * (1.0 + RTOL)
    return ok


def _search(
    n0: IntArray,
    load: FloatArray,
    aht: FloatArray,
    thr: FloatArray,
    theta: FloatArray,
    targets: _Targets,
) -> tuple[IntArray, FloatArray]:
    """First n >= n0 meeting the targets, for targets monotone in n (every row at once).

    No n below n0 meets them (n0 is a proven lower bound). Gallop: try n0, n0 + 1,
    n0 + 3, n0 + 7, ... (each failure moves the lower end past the n tried), then bisect
    between the last failure and the first success. Erlang B comes in closed form at
    every n tried (:func:`contactcenter.staffing._core.erlang_b_direct`), so a row costs
    about 2 log2(answer - n0) evaluations whatever its load. Returns n and B(n, A).
    """

    def ok(n: IntArray, idx: IntArray) -> tuple[npt.NDArray[np.bool_], FloatArray]:
        b = _core.erlang_b_direct(n, load[idx])
        m = evaluate_flat(
            agents=n,
            load_erl=load[idx],
            aht_s=aht[idx],
            threshold_s=thr[idx],
            theta=theta[idx],
            sl_definition=targets.definition,
            erlang_b_value=b,
        )
        return _meets(m, targets), b

    low = n0.astype(np.int64).copy()  # every n below low fails
    high = np.full(low.size, -1, dtype=np.int64)  # the first success found, -1 until then
    step = np.ones(low.size, dtype=np.int64)
    todo = np.arange(low.size)
    while todo.size:  # gallop
        probe = np.minimum(low[todo] + step[todo] - 1, MAX_AGENTS)
        good, _ = ok(probe, todo)
        high[todo[good]] = probe[good]
        failed = todo[~good]
        stuck = probe[~good] >= MAX_AGENTS
        if stuck.any():
            raise _unmet(np.array([MAX_AGENTS]), load[failed[stuck]])
        low[failed] = probe[~good] + 1
        step[failed] *= 2
        todo = failed
    todo = np.flatnonzero(low < high)
    while todo.size:  # bisect: low fails below, high succeeds
        mid = (low[todo] + high[todo]) // 2
        good, _ = ok(mid, todo)
        high[todo[good]] = mid[good]
        low[todo[~good]] = mid[~good] + 1
        todo = todo[low[todo] < high[todo]]
    return high, _core.erlang_b_direct(high, load)


def _unmet(n: IntArray, load: FloatArray) -> InputError:
    return InputError(
        f"the targets cannot be met with up to {int(n[0])} agents at load {load[0]:g} Erl; "
        "relax a target"
    )


def _climb_erlang_c(
    n0: IntArray,
    rec0: FloatArray,
    load: FloatArray,
    pos: IntArray,
    columns: tuple[FloatArray, FloatArray, float | None],
    targets: _Targets,
    found: tuple[FloatArray, FloatArray, FloatArray],
) -> None:
    """First n >= n0 (> A) meeting the targets under Erlang C for the rows at positions
    ``pos`` of ``columns`` = (aht, threshold, the threshold if it is one number), given
    A = ``load`` and R = 1/B(n0, A) = ``rec0`` (overwritten) in the same order, sorted
    by n0 so that a chunk holds rows of similar size. Writes n, D and e (below) at ``pos``
    into the three arrays of ``found``.

    C = n / D with D = (n - A) R + A > 0, so the targets need no division:
    SL = 1 - C e >= target iff n e <= (1 - target) D, with e = exp(-(n - A) T / AHT) carried
    along by multiplication; ASA = C AHT / (n - A) <= x iff n AHT <= x (n - A) D. One step
    per n, R(n + 1) = 1 + (n + 1)/A R(n), for the rows still climbing, in chunks small
    enough for the CPU cache; a row's values are taken when it first meets the targets.
    """
    aht, thr, t_scalar = columns
    n_found, d_found, e_found = found
    sl_cap = None if targets.sl is None else 1.0 - targets.sl * (1.0 - RTOL)
    asa_cap = None if targets.max_asa_s is None else targets.max_asa_s * (1.0 + RTOL)
    occ = targets.max_occupancy
    occ_cap = None if occ is None else occ * (1.0 + RTOL)
    with np.errstate(all="ignore"):
        for start in range(0, pos.size, _CHUNK):
            part = slice(start, min(pos.size, start + _CHUNK))
            rows = pos[part]
            size = rows.size
            a, rec = load[part], rec0[part]
            h = aht[rows]
            n = n0[part].astype(np.float64)
            tau = (t_scalar if t_scalar is not None else thr[rows]) / h
            if sl_cap is not None:
                e = np.exp(-(n - a) * tau)
                r = np.exp(-tau)
            n_out = np.empty(size)
            d_out = np.empty(size)
            e_out = np.empty(size)
            work = np.empty((3, size))
            gap, d, lhs = work[0], work[1], work[2]
            ok = np.empty(size, dtype=bool)
            todo = None  # chunk positions of the rows in the arrays, once compacted
            alive = None  # rows already answered stay in the arrays until compaction pays
            steps = 0
            m = size
            while True:
                np.subtract(n, a, out=gap)  # > 0: every n climbed here exceeds A
                np.multiply(gap, rec, out=d)
                np.add(d, a, out=d)  # D = n / C
                met = None
                if sl_cap is not None:
                    np.multiply(n, e, out=lhs)
                    np.less_equal(lhs, sl_cap * d, out=ok)
                    met = ok
                if asa_cap is not None:
                    ok_asa = n * h <= asa_cap * gap * d
                    met = ok_asa if met is None else np.logical_and(met, ok_asa, out=ok)
                if occ_cap is not None:
                    ok_occ = a <= occ_cap * n
                    met = ok_occ if met is None else np.logical_and(met, ok_occ, out=ok)
                if met is None:  # no target at all: the stability bound is the answer
                    met = np.ones(m, dtype=bool)
                if alive is not None:
                    np.logical_and(met, alive, out=met)
                hit = np.flatnonzero(met)
                if hit.size:
                    where = hit if todo is None else todo[hit]
                    n_out[where] = n[hit]
                    d_out[where] = d[hit]
                    if sl_cap is not None:
                        e_out[where] = e[hit]
                    if alive is None:
                        alive = ~met
                    else:
                        np.logical_xor(alive, met, out=alive)
                    left = int(np.count_nonzero(alive))
                    if left == 0:
                        break
                    if 4 * left < 3 * m:  # compact once a quarter has left
                        keep = np.flatnonzero(alive)
                        todo = keep if todo is None else todo[keep]
                        n, rec, a, h = n[keep], rec[keep], a[keep], h[keep]
                        if sl_cap is not None:
                            e, r = e[keep], r[keep]
                        m = left
                        gap, d, lhs, ok = gap[:m], d[:m], lhs[:m], ok[:m]
                        alive = None
                steps += 1
                # every valid target is met eventually (SL -> 1, ASA -> 0, occupancy -> 0
                # as n grows); this only guards against a defect
                if steps % 256 == 0 and (n > 2.0 * a / (occ or 1.0) + 10_000).any():
                    over = n > 2.0 * a / (occ or 1.0) + 10_000
                    raise _unmet(n[over].astype(np.int64), a[over])
                n += 1.0
                np.multiply(rec, n, out=rec)
                np.divide(rec, a, out=rec)
                np.add(rec, 1.0, out=rec)
                if sl_cap is not None:
                    e *= r
            if sl_cap is None:  # SL is reported all the same
                e_out = np.exp(-(n_out - load[part]) * tau)
            n_found[rows] = n_out
            d_found[rows] = d_out
            e_found[rows] = e_out


def _erlang_c_metrics(
    load: FloatArray, aht: FloatArray, n: FloatArray, out: dict[str, FloatArray]
) -> None:
    """Erlang C metrics of every row in place from n (agents), D = n / C in ``p_wait``
    and e = exp(-(n - A) T / AHT) in ``service_level``; rows with n = D = 0 get NaN."""
    c, sl, asa = out["p_wait"], out["service_level"], out["asa_s"]
    occ, queue = out["occupancy"], out["queue_length"]
    with np.errstate(all="ignore"):
        gap = np.subtract(n, load, out=queue)
        np.divide(n, c, out=c)
        np.multiply(c, sl, out=sl)
        np.subtract(1.0, sl, out=sl)  # SL = 1 - C e
        np.multiply(c, aht, out=asa)
        np.divide(asa, gap, out=asa)  # ASA = C AHT / (n - A)
        np.multiply(c, load, out=occ)
        np.divide(occ, gap, out=queue)  # Lq = C A / (n - A)
        np.divide(load, n, out=occ)
        np.divide(0.0, load, out=out["p_abandon"])  # 0, and NaN where nothing is offered


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
        ok = _meets(m, targets)
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
