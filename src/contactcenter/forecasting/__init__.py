"""Interval volume and AHT forecasting with a learned open calendar.

Public API::

    read_history(path, columns=..., queue=..., bin_s=...) -> History
    history_from_frame(frame, ...) -> History
    load_holidays("US" | "holidays.txt", years) -> frozenset[date]
    forecast(history, interval_s=1800, horizon_days=28, method="auto") -> ForecastResult
    backtest(history, interval_s=1800, horizon_days=28, folds=4) -> BacktestResult

Methods: seasonal_naive, seasonal_mean, profile, profile_trend (core) and mstl (needs
the optional statsforecast package). See docs/forecasting.md for the formulas.
"""

from __future__ import annotations

from contactcenter.forecasting.calendar import OpenCalendar, learn_calendar, load_holidays
from contactcenter.forecasting.engine import (
    AUTO,
    BacktestResult,
    ForecastResult,
    IntervalModel,
    Score,
    backtest,
    calibrate,
    evaluate_origin,
    forecast,
    score,
)
from contactcenter.forecasting.history import (
    History,
    SeriesGrid,
    history_from_frame,
    read_history,
    to_grid,
)
from contactcenter.forecasting.methods import (
    ALL_METHODS,
    BASELINES,
    CORE_METHODS,
    Context,
    ProfileFit,
    build_context,
    fit_profile,
    forecast_aht,
    get_method,
    profile,
    profile_trend,
    seasonal_mean,
    seasonal_naive,
)

__all__ = [
    "ALL_METHODS",
    "AUTO",
    "BASELINES",
    "CORE_METHODS",
    "BacktestResult",
    "Context",
    "ForecastResult",
    "History",
    "IntervalModel",
    "OpenCalendar",
    "ProfileFit",
    "Score",
    "SeriesGrid",
    "backtest",
    "build_context",
    "calibrate",
    "evaluate_origin",
    "fit_profile",
    "forecast",
    "forecast_aht",
    "get_method",
    "history_from_frame",
    "learn_calendar",
    "load_holidays",
    "profile",
    "profile_trend",
    "read_history",
    "score",
    "seasonal_mean",
    "seasonal_naive",
    "to_grid",
]
