"""Exact results of the methods on small hand-made series."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from contactcenter.forecasting import (
    build_context,
    fit_profile,
    forecast_aht,
    profile,
    profile_trend,
    seasonal_mean,
    seasonal_naive,
)

MONDAY = pd.Timestamp("2024-01-01")


def weekday_series(weeks: int, week_values: list[list[float]]) -> np.ndarray:
    """weeks x 7 days x 2 slots; day w of every week gets week_values[week][w] in slot 1."""
    calls = np.zeros((weeks * 7, 2))
    for k in range(weeks):
        for w in range(7):
            calls[k * 7 + w, 1] = week_values[k][w]
    return calls


def test_seasonal_naive_is_the_same_weekday_last_week() -> None:
    weeks = [[10, 11, 12, 13, 14, 0, 0], [20, 21, 22, 23, 24, 0, 0], [30, 31, 32, 33, 34, 0, 0]]
    calls = weekday_series(3, weeks)
    ctx = build_context(calls, MONDAY, 14, frozenset())
    f = seasonal_naive(ctx)
    assert f.shape == (14, 2)
    assert f[:7, 1].tolist() == [30, 31, 32, 33, 34, 0, 0]
    assert f[7:, 1].tolist() == [30, 31, 32, 33, 34, 0, 0]
    assert f[:, 0].tolist() == [0.0] * 14  # slot never used: closed


def test_seasonal_mean_averages_the_last_k_same_weekdays() -> None:
    weeks = [[10, 11, 12, 13, 14, 0, 0], [20, 21, 22, 23, 24, 0, 0], [30, 31, 32, 33, 34, 0, 0]]
    ctx = build_context(weekday_series(3, weeks), MONDAY, 7, frozenset())
    assert seasonal_mean(ctx, k=2)[:, 1].tolist() == [25, 26, 27, 28, 29, 0, 0]
    assert seasonal_mean(ctx, k=4)[:, 1].tolist() == [20, 21, 22, 23, 24, 0, 0]


def test_a_missing_day_does_not_shift_the_weekly_pattern() -> None:
    weeks = [[10, 11, 12, 13, 14, 0, 0], [20, 21, 22, 23, 24, 0, 0], [30, 31, 32, 33, 34, 0, 0]]
    calls = weekday_series(3, weeks)
    calls[16] = np.nan  # Wednesday of the last week is missing (a holiday)
    ctx = build_context(calls, MONDAY, 7, frozenset())
    # Wednesday falls back to the Wednesday before; every other day keeps its weekday.
    assert seasonal_naive(ctx)[:, 1].tolist() == [30, 31, 22, 33, 34, 0, 0]
    assert seasonal_mean(ctx, k=2)[:, 1].tolist() == [25, 26, 17, 28, 29, 0, 0]


def test_a_listed_holiday_is_skipped_in_history_and_closed_in_the_horizon() -> None:
    weeks = [[10, 11, 12, 13, 14, 0, 0], [20, 21, 22, 23, 24, 0, 0], [30, 31, 32, 33, 34, 0, 0]]
    calls = weekday_series(3, weeks)
    holidays = frozenset({dt.date(2024, 1, 16), dt.date(2024, 1, 23)})  # Tue wk 3, Tue next
    ctx = build_context(calls, MONDAY, 7, holidays)
    f = seasonal_naive(ctx)[:, 1].tolist()
    assert f == [30, 0, 32, 33, 34, 0, 0]  # the horizon's Tuesday is a holiday
    ctx2 = build_context(calls, MONDAY, 14, frozenset({dt.date(2024, 1, 16)}))
    assert seasonal_naive(ctx2)[1, 1] == 21  # last Tuesday was a holiday: the one before


def test_profile_reproduces_an_exact_weekday_times_level_series() -> None:
    # Totals = 100 * weekday factor, split 25 % / 75 % inside every day: the model is exact.
    factors = [1.2, 1.0, 0.9, 1.1, 0.8, 0.0, 0.0]
    days = 10 * 7
    calls = np.zeros((days, 2))
    for d in range(days):
        total = 100 * factors[d % 7]
        calls[d] = [0.25 * total, 0.75 * total]
    ctx = build_context(calls, MONDAY, 7, frozenset())
    f = profile(ctx)
    expected = np.array([[0.25 * 100 * x, 0.75 * 100 * x] for x in factors])
    np.testing.assert_allclose(f, expected, rtol=1e-6, atol=1e-6)


def test_profile_learns_a_first_open_day_of_month_effect() -> None:
    # 26 weeks of weekdays at 100 calls, with the first open day of each month at 130.
    first = pd.Timestamp("2023-07-03")  # a Monday
    days = 26 * 7
    calls = np.zeros((days, 1))
    for d in range(days):
        day = first + pd.Timedelta(days=d)
        if day.day_of_week < 5:
            calls[d] = 100.0
    dates = pd.date_range(first, periods=days, freq="D")
    seen: set[int] = set()
    for i, day in enumerate(dates):
        if day.day_of_week < 5 and day.month not in seen and day.day <= 7 and day > first:
            seen.add(day.month)
            calls[i] = 130.0  # the first weekday of the month
    ctx = build_context(calls, first, 31, frozenset())
    fit = fit_profile(ctx)
    horizon_days = pd.date_range(first + pd.Timedelta(days=days), periods=31, freq="D")
    first_open = next(i for i, d in enumerate(horizon_days) if d.month == 1 and d.day_of_week < 5)
    ordinary = next(
        i for i, d in enumerate(horizon_days) if d.month == 1 and d.day > 10 and d.day_of_week < 5
    )
    ratio = fit.totals[first_open] / fit.totals[ordinary]
    assert 1.2 < ratio < 1.3  # the ridge shrinks the 30 % effect a little
    assert fit.totals[ordinary] == pytest.approx(100.0, rel=0.02)


def test_profile_trend_follows_growth_that_profile_does_not() -> None:
    days = 12 * 7
    calls = np.array([[100.0 * 1.02 ** (d / 7)] for d in range(days)])
    ctx = build_context(calls, MONDAY, 28, frozenset())
    flat = profile(ctx)[:, 0]
    trend = profile_trend(ctx)[:, 0]
    assert trend[-1] > flat[-1]
    last = calls[-1, 0]
    assert flat[-1] == pytest.approx(last, rel=0.03)
    assert trend[-1] > last * 1.02


def test_the_profile_model_is_robust_to_one_outlier_day() -> None:
    days = 10 * 7
    calls = np.full((days, 1), 100.0)
    calls[days - 3] = 20.0  # an unlisted half holiday in the last week
    ctx = build_context(calls, MONDAY, 7, frozenset())
    fit = fit_profile(ctx)
    assert fit.weights[days - 3] < 0.5
    assert profile(ctx)[:, 0] == pytest.approx([100.0] * 7, rel=0.02)  # a plain fit: ~71 on Friday


def test_aht_is_the_call_weighted_mean_of_the_same_slot_and_weekday() -> None:
    calls = np.zeros((14, 2))
    aht = np.full((14, 2), np.nan)
    for d in range(14):
        calls[d] = [1.0, 3.0]
        aht[d] = [100.0, 200.0] if d < 7 else [300.0, 200.0]
    ctx = build_context(calls, MONDAY, 7, frozenset())
    f = forecast_aht(aht, calls, ctx)
    assert f[:, 0] == pytest.approx([200.0] * 7)  # (100 + 300) / 2, equal calls
    assert f[:, 1] == pytest.approx([200.0] * 7)
