"""Erlang B, C and A against published values, direct formulas and an exact birth-death
chain (solved independently here, SL by the matrix exponential of a tagged caller)."""

from __future__ import annotations

import doctest
import importlib
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats
from scipy.sparse import lil_matrix
from scipy.sparse.linalg import expm_multiply

from contactcenter.errors import InputError
from contactcenter.staffing import (
    erlang_a,
    erlang_b,
    erlang_c,
    queue_metrics,
    service_level,
)


@pytest.mark.parametrize("name", ["erlang", "inverse", "chat_model", "deferred", "patience"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"contactcenter.staffing.{name}")
    failed, attempted = doctest.testmod(module)
    assert attempted > 0
    assert failed == 0


# --- published values -----------------------------------------------------------------
# Source: ../shared/METRICS.md, staffing section (the callcentrehelper.com worked example,
# also used in pyworkforce's tests): 100 calls / 30 min, AHT 180 s -> A = 10 Erl, T = 20 s.
@pytest.mark.parametrize(
    ("agents", "sl"),
    [(14, 0.8883500), (13, 0.7955948), (11, 0.3896138)],
)
def test_erlang_c_published_service_level(agents: int, sl: float) -> None:
    m = erlang_c(agents=agents, load_erl=10.0, aht_s=180.0, threshold_s=20.0)
    assert float(m.service_level) == pytest.approx(sl, abs=5e-8)


def test_erlang_c_published_wait_asa_occupancy() -> None:
    # METRICS.md: n = 14: P(wait) 0.1741319, ASA 7.8359 s, occupancy 0.7142857
    m = erlang_c(agents=14, load_erl=10.0, aht_s=180.0, threshold_s=20.0)
    assert float(m.p_wait) == pytest.approx(0.1741319, abs=5e-8)
    assert float(m.asa_s) == pytest.approx(7.8359, abs=5e-5)
    assert float(m.occupancy) == pytest.approx(0.7142857, abs=5e-8)
    assert float(m.p_abandon) == 0.0


def test_erlang_a_published_values() -> None:
    # METRICS.md (issue 3): Erlang A, A = 10 Erl, AHT 180 s, mean patience 300 s, n = 14,
    # T = 20 s: P(wait) 0.14526, P(ab) 0.013984, occupancy 0.704297, ASA 4.195 s,
    # SL (offered) 0.916792
    m = erlang_a(agents=14, load_erl=10.0, aht_s=180.0, patience_s=300.0, threshold_s=20.0)
    assert float(m.p_wait) == pytest.approx(0.14526, abs=5e-6)
    assert float(m.p_abandon) == pytest.approx(0.013984, abs=5e-7)
    assert float(m.occupancy) == pytest.approx(0.704297, abs=5e-7)
    assert float(m.asa_s) == pytest.approx(4.195, abs=5e-4)
    assert float(m.service_level) == pytest.approx(0.916792, abs=5e-7)


# --- Erlang B against its closed form ------------------------------------------------------
@pytest.mark.parametrize(("agents", "load"), [(0, 3.0), (1, 0.5), (5, 3.0), (14, 10.0), (30, 45.5)])
def test_erlang_b_matches_exact_fraction(agents: int, load: float) -> None:
    a = Fraction(load)
    terms = [a**j / math.factorial(j) for j in range(agents + 1)]
    exact = terms[-1] / sum(terms)
    assert float(erlang_b(agents=agents, load_erl=load)) == pytest.approx(float(exact), rel=1e-13)


def test_erlang_b_vectorized_rows_match_scalar_calls() -> None:
    agents = np.array([1, 7, 3, 40, 7])
    load = np.array([0.3, 5.0, 9.0, 31.0, 0.0])
    vector = erlang_b(agents=agents, load_erl=load)
    for i in range(agents.size):
        assert vector[i] == float(erlang_b(agents=int(agents[i]), load_erl=float(load[i])))


def test_erlang_c_matches_textbook_formula() -> None:
    n, a, aht, t = 23, 19.3, 240.0, 15.0
    b = float(erlang_b(agents=n, load_erl=a))
    c = n * b / (n - a * (1 - b))
    m = erlang_c(agents=n, load_erl=a, aht_s=aht, threshold_s=t)
    assert float(m.p_wait) == pytest.approx(c, rel=1e-12)
    assert float(m.service_level) == pytest.approx(1 - c * math.exp(-(n - a) * t / aht), rel=1e-12)
    assert float(m.asa_s) == pytest.approx(c * aht / (n - a), rel=1e-12)
    assert float(m.queue_length) == pytest.approx(c * a / (n - a), rel=1e-12)


def test_erlang_c_unstable_when_agents_do_not_exceed_load() -> None:
    m = erlang_c(agents=[9, 10], load_erl=10.0, aht_s=180.0)
    assert m.p_wait.tolist() == [1.0, 1.0]
    assert m.service_level.tolist() == [0.0, 0.0]
    assert np.isinf(m.asa_s).all()
    assert m.occupancy.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("load", [1000.0, 2500.0, 5000.0])
def test_large_loads_stay_finite(load: float) -> None:
    agents = np.array([1, int(load) - 1, int(load) + 1, int(load) + 60, 6000])
    for m in (
        erlang_c(agents=agents, load_erl=load, aht_s=180.0),
        erlang_a(agents=agents, load_erl=load, aht_s=180.0, patience_s=120.0),
        erlang_a(agents=agents, load_erl=load, aht_s=180.0, patience_s=1e5),
    ):
        for field in (m.p_wait, m.p_abandon, m.service_level, m.occupancy):
            assert np.isfinite(field).all()
            assert ((field >= 0) & (field <= 1)).all()


@pytest.mark.parametrize(("agents", "load"), [(4900, 5000.0), (5050, 5000.0), (6000, 5000.0)])
def test_erlang_b_at_5000_erlangs_matches_poisson_ratio(agents: int, load: float) -> None:
    # B(n, A) = P(N = n) / P(N <= n) for N ~ Poisson(A), in log space by scipy
    exact = math.exp(stats.poisson.logpmf(agents, load) - stats.poisson.logcdf(agents, load))
    assert float(erlang_b(agents=agents, load_erl=load)) == pytest.approx(exact, rel=1e-9)


def test_5000_erlangs_square_root_staffing_is_sensible() -> None:
    # Halfin-Whitt: n = A + beta sqrt(A), beta = 1 gives P(wait) near 0.22 for large A
    a = 5000.0
    n = int(a + math.sqrt(a))
    m = erlang_c(agents=n, load_erl=a, aht_s=180.0)
    assert 0.2 < float(m.p_wait) < 0.25


# --- Erlang A against an exact birth-death chain -------------------------------------------
def _chain(n: int, a: float, aht: float, patience: float, t: float) -> dict[str, float]:
    """Solve M/M/n+M as a truncated CTMC (states 0..n+K) and a tagged caller's wait."""
    lam, mu, theta = a / aht, 1.0 / aht, 1.0 / patience
    k_max = 250
    states = np.arange(n + k_max + 1)
    death = np.minimum(states, n) * mu + np.maximum(states - n, 0) * theta
    log_pi = np.concatenate(([0.0], np.cumsum(np.log(lam / death[1:]))))
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    assert pi[-1] < 1e-30  # truncation is harmless
    queue = np.maximum(states - n, 0)
    p_wait = float(pi[n:].sum())
    p_ab = float((queue * theta * pi).sum() / lam)
    occupancy = float((np.minimum(states, n) * pi).sum() / n)

    def served_by(t_s: float, own_abandon: bool) -> np.ndarray:
        # states: j callers ahead (0..k_max-1), then "served", then "abandoned"
        size = k_max + 2
        q = lil_matrix((size, size))
        served, gone = k_max, k_max + 1
        for j in range(k_max):
            out_rate = 0.0
            if j == 0:
                q[j, served] = n * mu
            else:
                q[j, j - 1] = n * mu + j * theta
            out_rate += n * mu + j * theta if j else n * mu
            if own_abandon:
                q[j, gone] = theta
                out_rate += theta
            q[j, j] = -out_rate
        target = np.zeros(size)
        target[served] = 1.0
        # P(absorbed in "served" by t | start j) = (exp(Q t) e_served)_j
        return np.asarray(expm_multiply(q.tocsr() * t_s, target))[:k_max]

    lower = float(pi[:n].sum())
    sl_offered = lower + float((pi[n : n + k_max] * served_by(t, True)).sum())
    sl_virtual = lower + float((pi[n : n + k_max] * served_by(t, False)).sum())
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "occupancy": occupancy,
        "asa_s": float((queue * pi).sum() / lam),
        "sl_offered": sl_offered,
        "sl_answered": sl_offered / (1 - p_ab),
        "sl_virtual": sl_virtual,
    }


@pytest.mark.parametrize(
    ("n", "a", "aht", "patience", "t"),
    [
        (14, 10.0, 180.0, 300.0, 20.0),  # the published case
        (5, 8.0, 240.0, 60.0, 30.0),  # overloaded: agents < load
        (30, 25.0, 300.0, 900.0, 10.0),
        (3, 1.2, 100.0, 20.0, 0.0),  # short patience, T = 0
        (12, 11.5, 200.0, 2000.0, 60.0),  # long patience near Erlang C
    ],
)
def test_erlang_a_matches_exact_chain(
    n: int, a: float, aht: float, patience: float, t: float
) -> None:
    exact = _chain(n, a, aht, patience, t)
    kw = {"agents": n, "load_erl": a, "aht_s": aht, "patience_s": patience, "threshold_s": t}
    offered = erlang_a(**kw)  # type: ignore[arg-type]
    assert float(offered.p_wait) == pytest.approx(exact["p_wait"], rel=1e-9)
    assert float(offered.p_abandon) == pytest.approx(exact["p_abandon"], rel=1e-9)
    assert float(offered.occupancy) == pytest.approx(exact["occupancy"], rel=1e-9)
    assert float(offered.asa_s) == pytest.approx(exact["asa_s"], rel=1e-9)
    assert float(offered.service_level) == pytest.approx(exact["sl_offered"], rel=1e-7)
    answered = erlang_a(sl_definition="answered", **kw)  # type: ignore[arg-type]
    assert float(answered.service_level) == pytest.approx(exact["sl_answered"], rel=1e-7)
    virtual = erlang_a(sl_definition="virtual", **kw)  # type: ignore[arg-type]
    assert float(virtual.service_level) == pytest.approx(exact["sl_virtual"], rel=1e-7)


def test_erlang_a_tends_to_erlang_c_with_long_patience() -> None:
    c = erlang_c(agents=14, load_erl=10.0, aht_s=180.0, threshold_s=20.0)
    a = erlang_a(agents=14, load_erl=10.0, aht_s=180.0, patience_s=1e9, threshold_s=20.0)
    assert float(a.p_wait) == pytest.approx(float(c.p_wait), rel=1e-5)
    assert float(a.service_level) == pytest.approx(float(c.service_level), rel=1e-5)
    assert float(a.asa_s) == pytest.approx(float(c.asa_s), rel=1e-5)


def test_queue_metrics_mixes_erlang_a_and_c_rows() -> None:
    m = queue_metrics(
        agents=14, load_erl=10.0, aht_s=180.0, threshold_s=20.0, patience_s=[300.0, np.inf]
    )
    assert m.p_abandon[0] == pytest.approx(0.013984, abs=5e-7)
    assert m.p_abandon[1] == 0.0
    assert m.service_level[1] == pytest.approx(0.8883500, abs=5e-8)


def test_service_level_shortcut_equals_full_model() -> None:
    sl = service_level(agents=13, load_erl=10.0, aht_s=180.0, threshold_s=20.0, patience_s=300.0)
    full = erlang_a(agents=13, load_erl=10.0, aht_s=180.0, patience_s=300.0, threshold_s=20.0)
    assert float(sl) == float(full.service_level)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"agents": 0}, "agents must be a whole number >= 1, got 0"),
        ({"agents": 2.5}, "agents must be a whole number >= 1, got 2.5"),
        ({"aht_s": 0.0}, "aht_s must be > 0, got 0"),
        ({"aht_s": -3.0}, "aht_s must be > 0, got -3"),
        ({"load_erl": -1.0}, "load_erl must be >= 0, got -1"),
        ({"threshold_s": float("nan")}, "threshold_s must be a number, got NaN"),
        ({"sl_definition": "asa"}, "sl_definition must be one of offered, answered, virtual"),
        ({"patience_s": 0.0}, "patience_s must be > 0, got 0"),
    ],
)
def test_bad_inputs_name_the_parameter(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "agents": 14,
        "load_erl": 10.0,
        "aht_s": 180.0,
        "threshold_s": 20.0,
        "patience_s": 300.0,
        "sl_definition": "offered",
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        erlang_a(**args)  # type: ignore[arg-type]
