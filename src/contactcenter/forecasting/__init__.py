"""Interval volume and AHT forecasting with a learned open calendar.

Public API::

    read_history(path, columns=..., queue=..., bin_s=...) -> History
    history_from_frame(frame, ...) -> History
    load_holidays("US" | "holidays.txt", years) -> frozenset[date]
    forecast(history, interval_s=1800, horizon_days=28, method="auto") -> ForecastResult
    backtest(history, interval_s=1800, horizon_days=28, folds=4) -> BacktestResult

Methods: seasonal_naive, seasonal_mean, profile, profile_trend (core) and mstl (needs
the optional statsforecast package). See docs/forecasting.md for the formulas. The file
``contactcenter forecast`` writes and ``contactcenter plan`` reads is
:mod:`contactcenter.forecasting.files`.

The names are imported on first use, so that importing a submodule (``files``, read by
``plan``) does not load pandas, scipy and the methods.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_SUBMODULE = {
    **dict.fromkeys(("OpenCalendar", "learn_calendar", "load_holidays"), "calendar"),
    **dict.fromkeys(
        (
            "AUTO",
            "BacktestResult",
            "ForecastResult",
            "IntervalModel",
            "Score",
            "backtest",
            "calibrate",
            "evaluate_origin",
            "forecast",
            "score",
        ),
        "engine",
    ),
    **dict.fromkeys(
        ("History", "SeriesGrid", "history_from_frame", "read_history", "to_grid"), "history"
    ),
    **dict.fromkeys(
        (
            "ALL_METHODS",
            "BASELINES",
            "CORE_METHODS",
            "Context",
            "ProfileFit",
            "build_context",
            "fit_profile",
            "forecast_aht",
            "get_method",
            "profile",
            "profile_trend",
            "seasonal_mean",
            "seasonal_naive",
        ),
        "methods",
    ),
}
"""The submodule that defines each public name."""


def __getattr__(name: str) -> Any:
    """Import a public name's submodule on first use."""
    module = _SUBMODULE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
