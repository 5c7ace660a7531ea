"""Numerical kernels shared by the staffing models (private; no validation here).

Everything works on 1-D float64 arrays of one length and stays finite for loads up to
millions of Erlangs: Erlang B by the recursion of its reciprocal (positive terms only;
B itself only ever underflows, to 0, and is never NaN) up to :data:`DIRECT_FROM` agents,
and above that in closed form (:func:`erlang_b_direct`: no array over every agent
count), the Erlang A series with positive terms only, and the Poisson kernel
``y^x e^-y / Gamma(x+1)`` by Loader's saddle-point method (no large cancelling
logarithms).

The common core is :func:`abandonment_queue`: a birth-death queue whose lower part (all
states with a free server or slot) has "Erlang B" ``E`` = P(top state | lower part), whose
total service rate is ``r`` when every server is busy, with Poisson arrivals at rate
``lam`` and exponential patience at rate ``theta`` (0 = infinitely patient). Erlang C,
Erlang A and the chat model are this core with different ``E`` and ``r``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SERIES_EPS = 1e-18
_VECTOR_TERMS = 2_000
_SCALAR_ROWS = 16
_NUMPY_TERMS = 20_000  # a scalar series this long is summed in numpy blocks
_BLOCK = 16_384

DIRECT_FROM = 5_000
"""Agents above which Erlang B is computed in closed form (:func:`erlang_b_direct`)
instead of by its recursion over every agent count."""
_GAMMA_FROM = 0.95  # n / A from which the direct form uses the incomplete gamma function


def _series_scalar(x: float, y: float, terms: float = 0.0) -> tuple[float, float]:
    """sum_{j>=1} t_j and sum_{j>=1} j t_j with t_j = y^j / prod_{k<=j}(x + k), y < x.

    ``terms`` estimates how many terms it takes; a long series (rho near 1 with a
    patience much longer than the AHT and many agents) is summed in numpy blocks by
    :func:`_series_blocks`, the same products in the same order."""
    if terms > _NUMPY_TERMS:
        return _series_blocks(x, y)
    t = 1.0
    s1 = 0.0
    m1 = 0.0
    j = 0
    while True:
        j += 1
        t = t * y / (x + j)
        s1 += t
        m1 += j * t
        q = y / (x + j + 1)
        if t == 0.0 or t * q / (1.0 - q) <= _SERIES_EPS * s1:
            return s1, m1


def _series_blocks(x: float, y: float) -> tuple[float, float]:
    """:func:`_series_scalar` with the terms made ``_BLOCK`` at a time (the same products
    in the same order) and summed pairwise; it stops after the first block whose last
    term bounds the rest below ``_SERIES_EPS`` of the sum (the terms fall for y < x)."""
    t = 1.0
    s1 = 0.0
    m1 = 0.0
    start = 1
    while True:
        j = np.arange(start, start + _BLOCK, dtype=np.float64)
        block = np.cumprod(y / (x + j))
        block *= t
        s1 += float(block.sum())
        m1 += float((j * block).sum())  # not np.dot: BLAS threads spin on a busy machine
        last = float(block[-1])
        q = y / (x + start + _BLOCK)
        if last == 0.0 or last * q / (1.0 - q) <= _SERIES_EPS * s1:
            return s1, m1
        t = last
        start += _BLOCK


def _series_vector(xs: FloatArray, ys: FloatArray) -> tuple[FloatArray, FloatArray]:
    """:func:`_series_scalar` for many rows at once (rows leave as they converge)."""
    t = np.ones(xs.size)
    s1 = np.zeros(xs.size)
    m1 = np.zeros(xs.size)
    active = np.arange(xs.size)
    j = 0
    while active.size:
        j += 1
        ta = t[active] * ys[active] / (xs[active] + j)
        t[active] = ta
        s1[active] += ta
        m1[active] += j * ta
        q = ys[active] / (xs[active] + j + 1)
        # remaining terms <= ta q / (1 - q); stop once below eps of the sums
        tail = ta * q / (1.0 - q)
        done = (tail <= _SERIES_EPS * s1[active]) | (ta == 0.0)
        active = active[~done]
    return s1, m1


def descending_order(agents: IntArray) -> IntArray:
    """Indices that sort ``agents`` (>= 0) from the largest to the smallest."""
    if agents.size and int(agents.max()) < 32_767:  # numpy's stable sort of int16 is a radix sort
        return np.argsort(agents.astype(np.int16), kind="stable")[::-1]
    return np.argsort(-agents, kind="stable")


def reciprocal_erlang_b_sorted(agents: IntArray, load: FloatArray, out: FloatArray) -> None:
    """1 / B(agents[i], A_i) into ``out`` for rows sorted by agents, largest first.

    By 1/B(k) = 1 + (k/A) / B(k-1), 1/B(0) = 1: every term is positive, so an error
    carried in is damped by the factor 1 - B(k) < 1 at each step. Step k updates only the
    rows with agents >= k, a prefix of the order (total work = sum of agents). 1/B
    overflows to inf only where B < 1/DBL_MAX, which then reads as B = 0, and A = 0 gives
    inf at once: call under ``np.errstate(divide="ignore", over="ignore")``.
    """
    out.fill(1.0)
    size = agents.shape[0]
    if size == 0 or int(agents[0]) <= 0:
        return
    # active[k] = number of rows with agents >= k
    counts = np.bincount(agents, minlength=int(agents[0]) + 1)
    active = np.cumsum(counts[::-1])[::-1].tolist()
    tmp = np.empty(size)
    mul, div, add = np.multiply, np.divide, np.add
    for k in range(1, len(active)):
        m = active[k]
        r, t = out[:m], tmp[:m]
        mul(r, float(k), out=t)
        div(t, load[:m], out=t)
        add(t, 1.0, out=r)


def erlang_b_direct(agents: IntArray, load: FloatArray) -> FloatArray:
    """Erlang B for each (agents[i], load[i]) in closed form, for any number of agents.

    B(n, A) = p / P with p = A^n e^-A / n! (Loader's kernel, :func:`log_poisson_kernel`)
    and P = P(Poisson(A) <= n) = Q(n + 1, A), the regularized upper incomplete gamma
    function (scipy), where n >= 0.95 A; deeper in overload, where P underflows or loses
    digits, 1/B = sum_{j=0..n} prod_{i<j} (n - i) / A, whose terms fall at least like
    (n / A)^j (at most about 800 of them). Relative error about 1e-15 near n = A, below
    1e-11 where B is astronomically small (checked against 50-digit arithmetic).
    """
    n = agents.astype(np.float64)
    a = np.asarray(load, dtype=np.float64)
    out = np.where(n == 0, 1.0, 0.0)  # no agent: everything is lost; no load: nothing
    pos = np.flatnonzero((n > 0) & (a > 0))
    if not pos.size:
        return out
    nn, aa = n[pos], a[pos]
    b = np.empty(pos.size)
    gamma = nn >= _GAMMA_FROM * aa
    with np.errstate(all="ignore"):
        g = np.flatnonzero(gamma)
        if g.size:
            b[g] = np.exp(log_poisson_kernel(nn[g], aa[g])) / special.gammaincc(nn[g] + 1.0, aa[g])
        rows = np.flatnonzero(~gamma)
        if rows.size:  # n / A < 0.95: terms fall like 0.95^j, so few of them
            nr, ar = nn[rows], aa[rows]
            total = np.ones(rows.size)
            term = np.ones(rows.size)
            live = np.arange(rows.size)
            j = 0
            while live.size:
                term[live] *= (nr[live] - j) / ar[live]
                total[live] += term[live]
                j += 1
                live = live[(term[live] > 1e-17 * total[live]) & (nr[live] > j)]
            b[rows] = 1.0 / total
    out[pos] = b
    return out


def erlang_b(agents: IntArray, load: FloatArray) -> FloatArray:
    """Erlang B for each (agents[i], load[i]): :func:`reciprocal_erlang_b_sorted` over
    the rows sorted by agents (stable, never NaN; only underflows, to 0), and
    :func:`erlang_b_direct` for rows with more than :data:`DIRECT_FROM` agents."""
    size = agents.shape[0]
    if size == 0:
        return np.ones(0)
    big = agents > DIRECT_FROM
    if big.any():
        out = np.empty(size)
        out[big] = erlang_b_direct(agents[big], load[big])
        small = ~big
        out[small] = erlang_b(agents[small], load[small])
        return out
    order = descending_order(agents)
    rec = np.empty(size)
    with np.errstate(divide="ignore", over="ignore"):
        reciprocal_erlang_b_sorted(agents[order], load[order], rec)
        np.divide(1.0, rec, out=rec)
    out = np.empty(size)
    out[order] = rec
    return out


def log_poisson_kernel(x: FloatArray, y: FloatArray) -> FloatArray:
    """log(y^x e^-y / Gamma(x+1)) for x > 0, y > 0, accurate also for x, y ~ 1e6.

    Loader (2000), "Fast and accurate computation of binomial probabilities":
    log p = -log(sqrt(2 pi x)) - stirlerr(x) - bd0(x, y).
    """
    return -_LOG_SQRT_2PI - 0.5 * np.log(x) - _stirlerr(x) - _bd0(x, y)


def _stirlerr(x: FloatArray) -> FloatArray:
    """log Gamma(x+1) - (x + 1/2) log x + x - log sqrt(2 pi)."""
    big = x > 15.0
    out = np.empty_like(x)
    xb = x[big]
    nn = xb * xb
    s0, s1, s2, s3, s4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
    out[big] = (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / xb
    xs = x[~big]
    out[~big] = special.gammaln(xs + 1.0) - (xs + 0.5) * np.log(xs) + xs - _LOG_SQRT_2PI
    return out


def _bd0(x: FloatArray, y: FloatArray) -> FloatArray:
    """x log(x/y) + y - x without cancellation (Loader's deviance term)."""
    out = x * np.log(x / y) + y - x
    near = np.abs(x - y) < 0.1 * (x + y)
    if np.any(near):
        xn, yn = x[near], y[near]
        v = (xn - yn) / (xn + yn)
        s = (xn - yn) * v
        ej = 2.0 * xn * v
        v2 = v * v
        for j in range(1, 40):
            ej = ej * v2
            s_new = s + ej / (2 * j + 1)
            if np.array_equal(s_new, s):
                break
            s = s_new
        out[near] = s
    return out


@dataclass(frozen=True)
class _ASeries:
    """log A(x, y), log(A(x, y) - 1) and P(abandon | wait) = M / (y A)."""

    log_a: FloatArray
    log_a_minus_1: FloatArray
    p_ab_given_wait: FloatArray


def a_function(x: FloatArray, y: FloatArray) -> _ASeries:
    """A(x, y) = 1 + sum_{j>=1} y^j / prod_{k=1..j} (x + k) and the quantities built on it.

    For y < x the series has positive, geometrically falling terms and is summed directly
    (with M = sum j t_j, so P(ab | wait) = M / (y A) has no cancellation). For y >= x,
    A = P(x, y) / p(x, y) with P the regularized lower incomplete gamma function and
    p the Poisson kernel, and P(ab | wait) = (1 - 1/rho) + 1/(rho A), a sum of
    non-negative terms.
    """
    size = x.shape[0]
    log_a = np.zeros(size)
    log_am1 = np.full(size, -np.inf)
    pab = np.zeros(size)
    with np.errstate(all="ignore"):
        # terms fall at least like rho^j and like exp(-j^2 / 2x): estimate how many it takes
        rho = y / x
        terms = np.minimum(-42.0 / np.log(np.where(rho > 0, rho, 0.5)), 9.0 * np.sqrt(x) + 50)
        use_series = y < x
        idx = np.flatnonzero(use_series)
        if idx.size:
            xs, ys = x[idx], y[idx]
            # long series (rho near 1 with patience >> AHT) run as scalar loops, the rest
            # together; the incomplete gamma function would underflow for them
            long_rows = (terms[idx] > _VECTOR_TERMS) | (idx.size <= _SCALAR_ROWS)
            s1 = np.empty(idx.size)
            m1 = np.empty(idx.size)
            for i in np.flatnonzero(long_rows).tolist():
                s1[i], m1[i] = _series_scalar(float(xs[i]), float(ys[i]), float(terms[idx[i]]))
            short = np.flatnonzero(~long_rows)
            if short.size:
                s1[short], m1[short] = _series_vector(xs[short], ys[short])
            a = 1.0 + s1
            log_a[idx] = np.log(a)
            log_am1[idx] = np.log(s1)
            pos = ys > 0
            pab_s = np.zeros(idx.size)
            pab_s[pos] = m1[pos] / (ys[pos] * a[pos])
            pab[idx] = pab_s
        gdx = np.flatnonzero(~use_series)
        if gdx.size:
            xg, yg = x[gdx], y[gdx]
            la = np.log(special.gammainc(xg, yg)) - log_poisson_kernel(xg, yg)
            log_a[gdx] = la
            inv_a = np.exp(-la)
            log_am1[gdx] = la + np.log1p(-inv_a)
            rho_g = yg / xg
            # rho >= 1 here, so both terms are non-negative
            pab[gdx] = (1.0 - 1.0 / rho_g) + inv_a / rho_g
    return _ASeries(log_a=log_a, log_a_minus_1=log_am1, p_ab_given_wait=pab)


@dataclass(frozen=True)
class CoreResult:
    """Raw metrics of the abandonment queue (arrays of one length)."""

    p_wait: FloatArray
    p_abandon: FloatArray
    mean_wait_s: FloatArray  # over all arrivals; inf when unstable without abandonment
    mean_queue: FloatArray
    sl_offered: FloatArray
    sl_answered: FloatArray
    sl_virtual: FloatArray


def abandonment_queue(
    *,
    e: FloatArray,
    lam: FloatArray,
    rate: FloatArray,
    theta: FloatArray,
    threshold_s: FloatArray,
) -> CoreResult:
    """Metrics of the queue described in the module docstring (vectorized).

    e: P(all busy) in the loss system formed by the lower part; lam: arrivals per second;
    rate: total service rate (per second) with every server busy; theta: 1 / mean
    patience (0: no abandonment); threshold_s: the answer threshold T.
    """
    size = e.shape[0]
    p_wait = np.zeros(size)
    p_ab = np.zeros(size)
    mean_wait = np.zeros(size)
    mean_queue = np.zeros(size)
    sl_off = np.ones(size)
    sl_ans = np.ones(size)
    sl_virt = np.ones(size)
    with np.errstate(all="ignore"):
        # --- no abandonment: Erlang C form, P(W > t) = P(wait) exp(-(r - lam) t)
        c_rows = np.flatnonzero(theta <= 0.0)
        if c_rows.size:
            ec, lc, rc, tc = e[c_rows], lam[c_rows], rate[c_rows], threshold_s[c_rows]
            q = lc / rc
            stable = q < 1.0
            pw = np.where(stable, ec / (1.0 - q * (1.0 - ec)), 1.0)
            tail = np.where(stable, pw * np.exp(-(rc - lc) * tc), 1.0)
            sl = 1.0 - tail
            p_wait[c_rows] = pw
            mean_wait[c_rows] = np.where(stable, pw / (rc - lc), np.inf)
            mean_queue[c_rows] = np.where(stable, pw * q / (1.0 - q), np.inf)
            sl_off[c_rows] = sl
            sl_ans[c_rows] = sl
            sl_virt[c_rows] = sl
        # --- exponential patience: Erlang A form (Mandelbaum & Zeltyn)
        a_rows = np.flatnonzero(theta > 0.0)
        if a_rows.size:
            ea, la_, ra, th, ta = (
                e[a_rows],
                lam[a_rows],
                rate[a_rows],
                theta[a_rows],
                threshold_s[a_rows],
            )
            x = ra / th
            y = la_ / th
            rho = la_ / ra
            af = a_function(x, y)
            # P(wait) = A E / (1 - E + A E)
            log_ratio = np.log1p(-ea) - af.log_a - np.log(ea)
            pw = np.where(ea <= 0.0, 0.0, 1.0 / (1.0 + np.exp(log_ratio)))
            pw = np.where(ea >= 1.0, 1.0, pw)
            pab = af.p_ab_given_wait * pw
            yt = y * np.exp(-th * ta)
            aft = a_function(x, yt)
            log_pi_top = np.log(pw) - af.log_a
            log_pv = log_pi_top + aft.log_a + y * (-np.expm1(-th * ta)) - ra * ta
            p_v = np.exp(log_pv)
            p_ws = np.exp(log_pv - np.log(rho) + aft.log_a_minus_1 - aft.log_a)
            p_ws = np.where(pw <= 0.0, 0.0, p_ws)
            p_v = np.where(pw <= 0.0, 0.0, p_v)
            p_wait[a_rows] = pw
            p_ab[a_rows] = pab
            mean_wait[a_rows] = pab / th
            mean_queue[a_rows] = pab * la_ / th
            sl_off[a_rows] = 1.0 - pab - p_ws
            served = 1.0 - pab
            sl_ans[a_rows] = np.where(served > 0.0, 1.0 - p_ws / served, np.nan)
            sl_virt[a_rows] = 1.0 - p_v
    return CoreResult(
        p_wait=np.clip(p_wait, 0.0, 1.0),
        p_abandon=np.clip(p_ab, 0.0, 1.0),
        mean_wait_s=mean_wait,
        mean_queue=mean_queue,
        sl_offered=np.clip(sl_off, 0.0, 1.0),
        sl_answered=np.clip(sl_ans, 0.0, 1.0),
        sl_virtual=np.clip(sl_virt, 0.0, 1.0),
    )
