"""Invariants of the staffing models, checked on generated cases (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.staffing import chat, erlang_a, erlang_c, required_agents

loads = st.floats(min_value=0.05, max_value=400.0, allow_nan=False)
ahts = st.floats(min_value=5.0, max_value=1800.0, allow_nan=False)
thresholds = st.floats(min_value=0.0, max_value=600.0, allow_nan=False)
patiences = st.floats(min_value=1.0, max_value=5000.0, allow_nan=False)
definitions = st.sampled_from(["offered", "answered", "virtual"])

SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(
    load=loads,
    aht=ahts,
    threshold=thresholds,
    patience=patiences,
    extra=st.integers(min_value=-20, max_value=60),
    definition=definitions,
)
def test_probabilities_lie_in_unit_interval(
    load: float, aht: float, threshold: float, patience: float, extra: int, definition: str
) -> None:
    agents = max(1, int(load) + extra)
    for m in (
        erlang_c(agents=agents, load_erl=load, aht_s=aht, threshold_s=threshold),
        erlang_a(
            agents=agents,
            load_erl=load,
            aht_s=aht,
            patience_s=patience,
            threshold_s=threshold,
            sl_definition=definition,
        ),
    ):
        for value in (m.p_wait, m.p_abandon, m.service_level, m.occupancy):
            assert np.isfinite(value)
            assert 0.0 <= float(value) <= 1.0
        assert float(m.asa_s) >= 0.0


@SETTINGS
@given(load=loads, aht=ahts, threshold=thresholds, patience=st.none() | patiences)
def test_service_level_does_not_fall_when_agents_are_added(
    load: float, aht: float, threshold: float, patience: float | None
) -> None:
    agents = np.arange(1, int(load * 1.5) + 25)
    if patience is None:
        sl = erlang_c(agents=agents, load_erl=load, aht_s=aht, threshold_s=threshold).service_level
    else:
        sl = erlang_a(
            agents=agents, load_erl=load, aht_s=aht, patience_s=patience, threshold_s=threshold
        ).service_level
    assert (np.diff(sl) >= -1e-10).all()  # float noise where SL is ~0 (1 - P(ab) - ...)


@SETTINGS
@given(
    load=st.floats(min_value=0.5, max_value=200.0),
    aht=ahts,
    threshold=thresholds,
    margin=st.integers(min_value=1, max_value=30),
)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(
    load: float, aht: float, threshold: float, margin: int
) -> None:
    agents = int(load / 0.98) + margin  # rho <= 0.98, so waits are far below the patience
    c = erlang_c(agents=agents, load_erl=load, aht_s=aht, threshold_s=threshold)
    errors = []
    for patience_over_aht in (1e5, 1e6, 1e7):
        a = erlang_a(
            agents=agents,
            load_erl=load,
            aht_s=aht,
            patience_s=aht * patience_over_aht,
            threshold_s=threshold,
        )
        errors.append(abs(float(a.service_level) - float(c.service_level)))
        assert float(a.p_wait) <= float(c.p_wait) + 1e-12
    # far out the gap shrinks like 1 / patience (it need not shrink for short patience:
    # abandonment first raises SL above Erlang C's, then the gap closes)
    assert errors[2] <= errors[1] + 1e-12 <= errors[0] + 2e-12
    assert errors[2] <= 0.05 * errors[0] + 1e-9


@SETTINGS
@given(load=loads, aht=ahts, patience=patiences, extra=st.integers(-20, 40))
def test_littles_law_p_abandon_is_asa_over_patience(
    load: float, aht: float, patience: float, extra: int
) -> None:
    agents = max(1, int(load) + extra)
    m = erlang_a(agents=agents, load_erl=load, aht_s=aht, patience_s=patience)
    # abandonments per second = theta x mean queue, so P(ab) = ASA (all arrivals) x theta
    assert float(m.p_abandon) == pytest.approx(float(m.asa_s) / patience, rel=1e-9, abs=1e-300)
    # and the mean queue is lambda x ASA
    assert float(m.queue_length) == pytest.approx(load / aht * float(m.asa_s), rel=1e-9, abs=1e-300)


@SETTINGS
@given(
    load=st.floats(min_value=0.05, max_value=60.0),
    aht=ahts,
    threshold=thresholds,
    patience=st.none() | patiences,
    extra=st.integers(-5, 20),
    definition=definitions,
)
def test_chat_with_one_conversation_equals_erlang_a(
    load: float,
    aht: float,
    threshold: float,
    patience: float | None,
    extra: int,
    definition: str,
) -> None:
    agents = max(1, int(load) + extra)
    if patience is None and agents <= load:
        agents = int(load) + 1
    lam = load / aht
    got = chat(
        agents=agents,
        arrival_rate_per_s=lam,
        aht_s=aht,
        concurrency=1,
        patience_s=patience,
        threshold_s=threshold,
        sl_definition=definition,
    )
    if patience is None:
        want = erlang_c(agents=agents, load_erl=load, aht_s=aht, threshold_s=threshold)
    else:
        want = erlang_a(
            agents=agents,
            load_erl=load,
            aht_s=aht,
            patience_s=patience,
            threshold_s=threshold,
            sl_definition=definition,
        )
    # abs 1e-12: in deep overload SL = 1 - P(ab) - P(W > T, served) is a difference of
    # numbers near 1, exact only to ~1e-13 in absolute terms (docs/staffing.md)
    for name in ("p_wait", "p_abandon", "service_level", "occupancy"):
        assert getattr(got, name) == pytest.approx(float(getattr(want, name)), rel=1e-9, abs=1e-12)


@SETTINGS
@given(
    load=st.floats(min_value=0.1, max_value=300.0),
    aht=ahts,
    threshold=thresholds,
    target=st.floats(min_value=0.05, max_value=0.99),
    patience=st.none() | patiences,
    cap=st.none() | st.floats(min_value=0.5, max_value=1.0),
)
def test_required_agents_is_the_fewest_meeting_the_targets(
    load: float,
    aht: float,
    threshold: float,
    target: float,
    patience: float | None,
    cap: float | None,
) -> None:
    req = required_agents(
        load_erl=load,
        aht_s=aht,
        threshold_s=threshold,
        target_sl=target,
        patience_s=patience,
        max_occupancy=cap,
    )
    n = int(req.agents)
    assert float(req.metrics.service_level) >= target * (1 - 1e-9)
    if cap is not None:
        assert float(req.metrics.occupancy) <= cap * (1 + 1e-9)
    # every smaller staffing misses a target (exhaustive: no monotonicity assumed)
    smaller = np.arange(1, n)
    if smaller.size:
        m = (
            erlang_a(
                agents=smaller, load_erl=load, aht_s=aht, patience_s=patience, threshold_s=threshold
            )
            if patience is not None
            else erlang_c(agents=smaller, load_erl=load, aht_s=aht, threshold_s=threshold)
        )
        meets = m.service_level >= target * (1 - 1e-9)
        if cap is not None:
            meets &= m.occupancy <= cap * (1 + 1e-9)
        assert not meets.any()


@pytest.mark.parametrize(("agents", "patience"), [(2, 3018.0), (3, 30000.0), (1, 1e6)])
def test_chat_in_deep_overload_stays_finite(agents: int, patience: float) -> None:
    # found by hypothesis: with long patience the queue's mass overflowed and occupancy
    # came out NaN; every agent is busy, as Erlang A says
    got = chat(
        agents=agents,
        arrival_rate_per_s=1.0,
        aht_s=5.0,
        concurrency=1,
        patience_s=patience,
        threshold_s=0.0,
    )
    want = erlang_a(agents=agents, load_erl=5.0, aht_s=5.0, patience_s=patience, threshold_s=0.0)
    assert got.occupancy == pytest.approx(float(want.occupancy), rel=1e-9)
    assert got.mean_open_per_agent == pytest.approx(1.0, rel=1e-9)
    assert got.p_abandon == pytest.approx(float(want.p_abandon), rel=1e-9)
