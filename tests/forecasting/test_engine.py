"""Scores, calibrated intervals, the automatic choice and the backtest without leakage."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pandas as pd
import pytest

from contactcenter.errors import InputError
from contactcenter.forecasting import (
    CORE_METHODS,
    backtest,
    build_context,
    calibrate,
    forecast,
    get_method,
    score,
)
from contactcenter.forecasting.engine import poisson_intervals
from tests.forecasting.builders import history

SLOTS = 4
INTERVAL_S = 86_400 // SLOTS


def test_scores_on_a_hand_made_example() -> None:
    actual = np.array([[10.0, 0.0, 20.0], [np.nan, np.nan, np.nan]])
    point = np.array([[12.0, 1.0, 15.0], [5.0, 5.0, 5.0]])
    lo = np.array([[11.0, 0.0, 14.0], [0.0, 0.0, 0.0]])
    hi = np.array([[13.0, 2.0, 16.0], [9.0, 9.0, 9.0]])
    s = score(actual, point, lo, hi)
    assert s.wape == pytest.approx((2 + 1 + 5) / 30)
    assert s.mape == pytest.approx((0.2 + 0.25) / 2)
    assert s.bias == pytest.approx((2 + 1 - 5) / 30)
    # open intervals: all three (the middle has a forecast); inside: only the middle one
    assert s.coverage == pytest.approx(1 / 3)
    pooled = s + s
    assert pooled.wape == pytest.approx(s.wape)


def test_calibrated_intervals_cover_their_level_on_the_calibration_data() -> None:
    rng = np.random.default_rng(1)
    points = [np.full((50, 8), f) for f in (20.0, 200.0, 2000.0)]
    actuals = [
        rng.poisson(p * rng.lognormal(0.0, 0.08, size=(50, 1))).astype(float) for p in points
    ]
    model = calibrate(actuals, points, 0.8)
    assert model.calibrated
    assert model.phi > 0
    assert model.c2 > 0
    inside = []
    for a, p in zip(actuals, points, strict=True):
        lo, hi = model.bounds(p)
        inside.append((a >= lo) & (a <= hi))
    coverage = float(np.mean(np.concatenate([x.ravel() for x in inside])))
    assert 0.78 <= coverage <= 0.82


def test_short_history_falls_back_to_poisson_intervals() -> None:
    model = calibrate([np.array([[1.0]])], [np.array([[1.0]])], 0.8)
    assert model == poisson_intervals(0.8)
    lo, hi = model.bounds(np.array([100.0, 0.0]))
    assert lo[0] == pytest.approx(100 - 1.2816 * 10, abs=0.01)
    assert hi[0] == pytest.approx(100 + 1.2816 * 10, abs=0.01)
    assert lo[1] == 0.0
    assert hi[1] == 0.0


def test_forecast_rows_start_the_day_after_the_history() -> None:
    rng = np.random.default_rng(2)
    calls = rng.poisson(50, size=(8 * 7, SLOTS)).astype(float)
    aht = np.full(calls.shape, 240.0)
    h = history(calls, interval_s=INTERVAL_S, queue="sales", aht=aht)
    result = forecast(h, interval_s=INTERVAL_S, horizon_days=3, folds=3)
    frame = result.frame
    assert list(frame.columns) == [
        "interval_start",
        "queue",
        "calls",
        "calls_lo",
        "calls_hi",
        "aht_s",
        "open",
    ]
    assert len(frame) == 3 * SLOTS
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2024-01-01") + pd.Timedelta(days=56)
    assert (frame["queue"] == "sales").all()
    assert frame["aht_s"].tolist() == pytest.approx([240.0] * 12)
    assert result.methods["sales"] in CORE_METHODS
    assert result.calibrated["sales"]
    chosen = result.selection[result.selection["chosen"]]
    assert chosen["method"].tolist() == [result.methods["sales"]]


def test_auto_picks_the_method_the_backtest_favours() -> None:
    # The level jumps every week: the last week beats the mean of four.
    calls = np.array([[10.0 * 1.5 ** (d // 7)] * SLOTS for d in range(9 * 7)])
    h = history(calls, interval_s=INTERVAL_S)
    result = forecast(
        h,
        interval_s=INTERVAL_S,
        horizon_days=7,
        candidates=["seasonal_mean", "seasonal_naive"],
        folds=3,
    )
    assert result.methods["all"] == "seasonal_naive"
    assert result.frame["calls"].iloc[0] == pytest.approx(calls[-1, 0])


def test_backtest_holds_out_the_last_days_without_leakage() -> None:
    rng = np.random.default_rng(3)
    calls = rng.poisson(80, size=(10 * 7, SLOTS)).astype(float)
    h = history(calls, interval_s=INTERVAL_S)
    bt = backtest(h, interval_s=INTERVAL_S, horizon_days=7, folds=2, inner_folds=2)
    assert set(bt.scores["method"]) == {
        "seasonal_naive",
        "seasonal_mean",
        "profile",
        "profile_trend",
        "auto",
    }
    assert (bt.scores["folds"] == 2).all()
    # Fold 0 equals a forecast made from the history truncated before the last 7 days.
    truncated = history(calls[:-7], interval_s=INTERVAL_S)
    direct = forecast(truncated, interval_s=INTERVAL_S, horizon_days=7, method="profile", folds=2)
    detail = bt.detail[bt.detail["method"] == "profile"]
    np.testing.assert_allclose(detail["calls"].to_numpy(), direct.frame["calls"].to_numpy())
    np.testing.assert_allclose(detail["calls_hi"].to_numpy(), direct.frame["calls_hi"].to_numpy())
    np.testing.assert_allclose(detail["actual"].to_numpy(), calls[-7:].ravel())


def test_backtest_needs_enough_history() -> None:
    h = history(np.ones((20, SLOTS)), interval_s=INTERVAL_S)
    with pytest.raises(InputError, match="cannot hold out 7 days"):
        backtest(h, interval_s=INTERVAL_S, horizon_days=7, folds=1)


def test_unknown_method_and_bad_options() -> None:
    h = history(np.ones((35, SLOTS)), interval_s=INTERVAL_S)
    with pytest.raises(InputError, match="method 'arima' is not known") as info:
        forecast(h, interval_s=INTERVAL_S, horizon_days=7, method="arima")
    assert info.value.field == "method"
    with pytest.raises(InputError, match="candidates 'arima' is not known") as info:
        forecast(h, interval_s=INTERVAL_S, horizon_days=7, candidates=["profile", "arima"])
    assert info.value.field == "candidates"
    with pytest.raises(InputError, match="horizon_days must be at least 1 day") as info:
        forecast(h, interval_s=INTERVAL_S, horizon_days=0)
    assert info.value.field == "horizon_days"
    with pytest.raises(InputError, match="methods 'arima' is not known") as info:
        backtest(h, interval_s=INTERVAL_S, horizon_days=7, methods=["arima"])
    assert info.value.field == "methods"


def test_mstl_needs_the_optional_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "statsforecast", None)
    monkeypatch.setitem(sys.modules, "statsforecast.models", None)
    ctx = build_context(np.ones((35, SLOTS)), pd.Timestamp("2024-01-01"), 7, frozenset())
    with pytest.raises(InputError, match="pip install statsforecast"):
        get_method("mstl")(ctx)


def test_mstl_adapter_cleans_the_calendar_and_masks_the_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    class FakeMSTL:
        def __init__(self, season_length: list[int]) -> None:
            seen["season_length"] = season_length

        def forecast(self, y: np.ndarray, h: int) -> dict[str, np.ndarray]:
            seen["y"] = y
            return {"mean": np.full(h, -1.0) + np.arange(h) % 2 * 6.0}

    models = types.ModuleType("statsforecast.models")
    models.MSTL = FakeMSTL  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "statsforecast", types.ModuleType("statsforecast"))
    monkeypatch.setitem(sys.modules, "statsforecast.models", models)
    calls = np.full((21, SLOTS), 7.0)
    calls[:, 0] = 0.0  # a closed slot
    calls[9] = np.nan  # a missing Wednesday is filled from earlier Wednesdays
    ctx = build_context(calls, pd.Timestamp("2024-01-01"), 7, frozenset())
    out = get_method("mstl")(ctx)
    assert seen["season_length"] == [SLOTS, 7 * SLOTS]
    assert not np.isnan(seen["y"]).any()
    assert seen["y"][9 * SLOTS + 1] == 7.0
    assert (out[:, 0] == 0).all()  # masked
    assert (out >= 0).all()  # clipped
    assert out[:, 1].tolist() == [5.0] * 7


def test_auto_in_a_backtest_chooses_only_among_its_candidates() -> None:
    # The level jumps every week, so seasonal_naive would win if it were a candidate.
    calls = np.array([[10.0 * 1.5 ** (d // 7)] * SLOTS for d in range(10 * 7)])
    h = history(calls, interval_s=INTERVAL_S)
    bt = backtest(
        h,
        interval_s=INTERVAL_S,
        horizon_days=7,
        folds=2,
        inner_folds=2,
        methods=["seasonal_naive", "auto"],
        candidates=["seasonal_mean", "profile"],
    )
    # seasonal_naive is scored but not a candidate; of the candidates profile is better.
    chosen = set(bt.by_fold.loc[bt.by_fold["method"] == "auto", "chosen"])
    assert chosen == {"profile"}
    only = backtest(h, interval_s=INTERVAL_S, horizon_days=7, folds=1, methods=["profile"])
    assert only.scores["method"].tolist() == ["profile"]
