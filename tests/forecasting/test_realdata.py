"""Backtests on the real files in ../shared/data (skipped when that folder is absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from contactcenter.forecasting import backtest, forecast, load_holidays, read_history

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
BANK = SHARED_DATA / "us-bank-5min-calls-2003" / "bank_calls.csv"
TECHNION = SHARED_DATA / "technion-anonymous-bank-1999" / "rfssa_callcenter_6min_counts.csv"

pytestmark = pytest.mark.realdata


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not present (../shared/data is missing)")
    return path


def test_bank_last_four_weeks_beat_the_seasonal_baselines() -> None:
    h = read_history(need(BANK), columns={"interval_start": "DateTime"})
    bt = backtest(h, interval_s=1800, horizon_days=28, folds=1)
    wape = bt.scores.set_index("method")["wape"]
    best_baseline = min(wape["seasonal_naive"], wape["seasonal_mean"])
    # The goal of the issue: at least 5 % lower WAPE than the better baseline.
    assert wape["auto"] <= 0.95 * best_baseline
    assert wape["profile"] <= 0.95 * best_baseline
    coverage = bt.scores.set_index("method")["coverage"]
    assert 0.70 <= coverage["auto"] <= 0.90


def test_technion_weekly_calendar_is_learned() -> None:
    h = read_history(need(TECHNION))
    result = forecast(
        h,
        interval_s=1800,
        horizon_days=14,
        folds=2,
        holidays=load_holidays("IL", [1999, 2000]),
    )
    frame = result.frame.set_index("interval_start")
    # Saturday opens in the evening only (the counts include the 24x7 voice response unit,
    # so a Saturday morning has a call now and then); Friday closes early; Sunday to
    # Thursday run all day.
    saturday_morning = frame.loc[pd.Timestamp("2000-01-08 10:00"), "calls"]
    saturday_evening = frame.loc[pd.Timestamp("2000-01-08 21:00"), "calls"]
    assert saturday_morning < 0.1 * saturday_evening
    friday_evening = frame.loc[pd.Timestamp("2000-01-07 18:00"), "calls"]
    sunday_evening = frame.loc[pd.Timestamp("2000-01-09 18:00"), "calls"]
    assert friday_evening < 0.2 * sunday_evening
    assert frame.loc[pd.Timestamp("2000-01-09 10:00"), "calls"] > 50


def test_technion_backtest_runs_with_the_israeli_holidays() -> None:
    h = read_history(need(TECHNION))
    bt = backtest(
        h,
        interval_s=1800,
        horizon_days=28,
        folds=1,
        methods=["seasonal_mean", "profile"],
        holidays=load_holidays("IL", [1999]),
    )
    wape = bt.scores.set_index("method")["wape"]
    # 30-minute counts of ~50-150 calls: Poisson noise alone is ~12 % WAPE.
    assert 0.10 < wape["profile"] < 0.30
    assert wape["profile"] < 1.1 * wape["seasonal_mean"]
