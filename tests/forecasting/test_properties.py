"""Invariants of the forecast on random histories (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.forecasting import CORE_METHODS, build_context, forecast, get_method
from tests.forecasting.builders import history

MONDAY = pd.Timestamp("2024-01-01")
SLOTS = 4
INTERVAL_S = 86_400 // SLOTS
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def histories(draw: st.DrawFn) -> np.ndarray:
    """5-8 weeks x 4 slots of counts, with closed weekdays and closed slots."""
    weeks = draw(st.integers(5, 8))
    closed_days = draw(st.sets(st.integers(0, 6), max_size=2))
    closed_slots = draw(st.sets(st.integers(0, SLOTS - 1), max_size=2))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    level = draw(st.floats(5.0, 500.0))
    calls = rng.poisson(level, size=(weeks * 7, SLOTS)).astype(float) + 1.0
    for d in range(weeks * 7):
        if d % 7 in closed_days:
            calls[d] = 0.0
    calls[:, sorted(closed_slots)] = 0.0
    return calls


@SETTINGS
@given(value=st.floats(0.5, 1000.0), weeks=st.integers(4, 8), method=st.sampled_from(CORE_METHODS))
def test_a_constant_series_is_forecast_as_that_constant(
    value: float, weeks: int, method: str
) -> None:
    calls = np.full((weeks * 7, SLOTS), value)
    ctx = build_context(calls, MONDAY, 14, frozenset())
    f = get_method(method)(ctx)
    np.testing.assert_allclose(f, value, rtol=1e-6)


@SETTINGS
@given(calls=histories(), factor=st.floats(0.1, 50.0), method=st.sampled_from(CORE_METHODS))
def test_scaling_the_history_scales_the_forecast(
    calls: np.ndarray, factor: float, method: str
) -> None:
    fn = get_method(method)
    base = fn(build_context(calls, MONDAY, 14, frozenset()))
    scaled = fn(build_context(calls * factor, MONDAY, 14, frozenset()))
    np.testing.assert_allclose(scaled, base * factor, rtol=1e-6, atol=1e-9)


@SETTINGS
@given(calls=histories())
def test_closed_intervals_stay_closed(calls: np.ndarray) -> None:
    result = forecast(
        history(calls, interval_s=INTERVAL_S, first_day=str(MONDAY.date())),
        interval_s=INTERVAL_S,
        horizon_days=14,
        folds=2,
    )
    frame = result.frame
    weekday = frame["interval_start"].dt.day_of_week.to_numpy()
    slot = (frame["interval_start"].dt.hour.to_numpy() * 3600) // INTERVAL_S
    never = np.zeros((7, SLOTS), dtype=bool)
    for w in range(7):
        never[w] = (calls[np.arange(calls.shape[0]) % 7 == w] == 0).all(axis=0)
    closed = never[weekday, slot]
    assert (frame.loc[closed, ["calls", "calls_lo", "calls_hi"]].to_numpy() == 0).all()
    assert not frame.loc[closed, "open"].any()
    # Open intervals get a positive forecast and an interval around it.
    opened = frame[~closed]
    assert (opened["calls"] > 0).all()
    assert (opened["calls_lo"] <= opened["calls"]).all()
    assert (opened["calls"] <= opened["calls_hi"]).all()
