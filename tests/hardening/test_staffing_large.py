"""Issue 9, cases 3 and 4: staffing answers for large loads, quickly and exactly.

Large rows are solved with Erlang B in closed form and a gallop-and-bisect search instead
of arrays over every agent count; these tests hold the new paths to the old exact code
(forced onto the same rows), to 50-digit arithmetic and to published asymptotics.
"""

from __future__ import annotations

import math
from decimal import Decimal, getcontext

import numpy as np
import pytest
from scipy import stats

from contactcenter.staffing import (
    _core,
    chat,
    chat_required_agents,
    erlang_a,
    erlang_c,
    inverse,
    required_agents,
)


def exact_erlang_b(n: int, load: float) -> Decimal:
    """Erlang B by its recursion in 50-digit decimal arithmetic."""
    getcontext().prec = 50
    a = Decimal(load)
    b = Decimal(1)
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


@pytest.mark.parametrize(
    ("n", "load"),
    [
        (6_000, 5_900.5),  # just above the switch, near the load: the staffing region
        (6_000, 6_300.0),  # overloaded, gamma form
        (6_000, 9_000.0),  # deep overload: the series form
        (7_500, 5_000.0),  # B tiny
        (20_000, 19_800.25),
        (50_000, 50_400.0),
    ],
)
def test_closed_form_erlang_b_matches_50_digits(n: int, load: float) -> None:
    exact = exact_erlang_b(n, load)
    got = float(_core.erlang_b(np.array([n]), np.array([load]))[0])
    assert abs(Decimal(got) - exact) <= Decimal("1e-11") * exact


def test_closed_form_and_recursion_agree_across_the_switch() -> None:
    rng = np.random.default_rng(11)
    n = rng.integers(1, 5_000, 400)
    load = n * np.exp(rng.uniform(-1.0, 1.0, 400))
    direct = _core.erlang_b_direct(n, load)
    recursion = _core.erlang_b(n, load)  # n <= 5000: the recursion
    keep = recursion > 1e-250
    np.testing.assert_allclose(direct[keep], recursion[keep], rtol=1e-11)
    assert _core.erlang_b_direct(np.array([0, 3]), np.array([0.0, 0.0])).tolist() == [1.0, 0.0]


def _grid() -> list[dict[str, object]]:
    cases: list[dict[str, object]] = []
    for load in (40.0, 333.3, 1_234.5):
        for patience in (None, 30.0, 300.0, 3_000.0):
            for definition in ("offered", "answered", "virtual"):
                if patience is None and definition != "offered":
                    continue
                for targets in (
                    {"target_sl": 0.8},
                    {"target_sl": 0.95, "max_occupancy": 0.9},
                    {"target_sl": 0.5, "max_asa_s": 5.0},
                    {"target_sl": None, "max_abandon": 0.02},
                ):
                    if patience is None and "max_abandon" in targets:
                        continue
                    cases.append(
                        {"load_erl": load, "patience_s": patience, "sl_definition": definition}
                        | targets
                    )
    return cases


def test_the_search_finds_what_the_climb_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row of a varied grid, once climbed (the exact code that assumes nothing
    about monotonicity) and once searched: the same agents and the same metrics."""
    cases = _grid()
    climbed = [required_agents(aht_s=180.0, threshold_s=20.0, **c) for c in cases]  # type: ignore[arg-type]
    monkeypatch.setattr(_core, "DIRECT_FROM", 0)  # every row is "large"
    monkeypatch.setattr(inverse, "SEARCH_FROM_ERL", 0.0)
    for case, old in zip(cases, climbed, strict=True):
        new = required_agents(aht_s=180.0, threshold_s=20.0, **case)  # type: ignore[arg-type]
        assert int(new.agents) == int(old.agents), case
        for key in ("service_level", "p_wait", "p_abandon", "asa_s", "occupancy"):
            assert float(getattr(new.metrics, key)) == pytest.approx(
                float(getattr(old.metrics, key)), rel=1e-9, abs=1e-13
            ), (case, key)


def test_a_plan_mixes_climbed_and_searched_rows() -> None:
    load = np.array([0.0, 10.0, 9_000.0, 250_000.0, 55.0])
    patience = np.array([np.nan, 300.0, 300.0, np.nan, np.nan])
    req = required_agents(load_erl=load, aht_s=180.0, patience_s=patience, target_sl=0.8)
    for i in range(load.size):
        alone = required_agents(
            load_erl=load[i],
            aht_s=180.0,
            patience_s=None if np.isnan(patience[i]) else patience[i],
            target_sl=0.8,
        )
        assert int(req.agents[i]) == int(alone.agents)
    assert req.agents[0] == 0
    assert req.agents[3] > 250_000


def test_a_million_erlangs_agrees_with_halfin_whitt() -> None:
    """Erlang C at n = A + beta sqrt(A): P(wait) -> 1 / (1 + beta Phi(beta) / phi(beta))
    (Halfin & Whitt 1981), with an error of order 1 / sqrt(A)."""
    load, beta = 1e6, 1.0
    n = load + beta * math.sqrt(load)
    m = erlang_c(agents=int(n), load_erl=load, aht_s=180.0)
    limit = 1.0 / (1.0 + beta * stats.norm.cdf(beta) / stats.norm.pdf(beta))
    assert float(m.p_wait) == pytest.approx(limit, abs=2e-3)
    req = required_agents(load_erl=load, aht_s=180.0, threshold_s=0.0, target_sl=1 - limit)
    assert abs(int(req.agents) - n) <= 3  # the inverse question lands on the same n


def test_garnett_mandelbaum_reiman_erlang_a_at_scale() -> None:
    """Erlang A in the QED regime, n = A + beta sqrt(A), patience = AHT: P(wait) ->
    [1 + h(beta) / h(-beta)]^-1 with h the hazard of the standard normal (Garnett,
    Mandelbaum & Reiman 2002, theta = mu)."""
    load, beta = 250_000.0, 0.5

    def hazard(x: float) -> float:
        return float(stats.norm.pdf(x) / stats.norm.sf(x))

    n = int(load + beta * math.sqrt(load))
    m = erlang_a(agents=n, load_erl=load, aht_s=180.0, patience_s=180.0)
    limit = 1.0 / (1.0 + hazard(beta) / hazard(-beta))
    assert float(m.p_wait) == pytest.approx(limit, abs=3e-3)


def test_chat_occupancy_is_a_number_with_capacity_to_spare() -> None:
    """The chat chain's masses were taken relative to the top state, which overflows
    when the team is lightly loaded: occupancy came out NaN (null)."""
    m = chat(agents=2_000, arrival_rate_per_s=500 / 180, aht_s=180, concurrency=1,
             patience_s=300, threshold_s=20)  # fmt: skip
    ref = erlang_a(agents=2_000, load_erl=500.0, aht_s=180, patience_s=300, threshold_s=20)
    assert m.occupancy == pytest.approx(float(ref.occupancy), rel=1e-9)
    m2 = chat(agents=2_000, arrival_rate_per_s=1_000 / 180, aht_s=[180, 200], concurrency=2,
              threshold_s=20)  # fmt: skip
    assert 0.0 < m2.occupancy < 1.0
    assert 0.0 < m2.mean_open_per_agent < 2.0


def test_chat_search_finds_what_the_chat_climb_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    from contactcenter.staffing import chat_model

    for lam in (0.7, 5.0):
        for patience in (None, 60.0, 900.0):
            for definition in ("offered", "answered", "virtual"):
                for cap in (None, 0.9):
                    kwargs = {
                        "arrival_rate_per_s": lam,
                        "aht_s": [120.0, 150.0, 200.0],
                        "concurrency": 3,
                        "patience_s": patience,
                        "threshold_s": 60.0,
                        "sl_definition": definition,
                        "max_occupancy": cap,
                    }
                    monkeypatch.setattr(chat_model, "CHAT_SEARCH_FROM", math.inf)
                    climbed = chat_required_agents(**kwargs)  # type: ignore[arg-type]
                    monkeypatch.setattr(chat_model, "CHAT_SEARCH_FROM", 0.0)
                    searched = chat_required_agents(**kwargs)  # type: ignore[arg-type]
                    assert searched.agents == climbed.agents, kwargs
                    assert searched.service_level == pytest.approx(climbed.service_level)
