"""Forecasting methods that need optional packages (never imported by the core).

``mstl`` uses statsforecast (``pip install statsforecast``; about 558 MB and it pins
pandas < 3, so it is not a dependency of contactcenter). The series handed to MSTL is made
calendar-aware first: closed and holiday days are replaced by the mean of the last 4 open
days of the same weekday (so they do not pull the seasonal pattern down), MSTL is fitted
with daily and weekly seasonal periods (``slots`` and ``7 * slots``) over at most the last
8 weeks, and its forecast is clipped at 0 and masked with the open calendar.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import numpy.typing as npt

from contactcenter.errors import InputError
from contactcenter.forecasting.methods import Context, seasonal_mean

FloatArray = npt.NDArray[np.float64]

MSTL_WEEKS = 8


def _statsforecast_models() -> Any:
    try:
        return importlib.import_module("statsforecast.models")
    except ImportError:
        raise InputError(
            "method 'mstl' needs the optional statsforecast package, which is not installed; "
            "install it with `pip install statsforecast` or choose another method"
        ) from None


def mstl(ctx: Context) -> FloatArray:
    """statsforecast MSTL (daily and weekly seasonality) on the calendar-cleaned history."""
    models = _statsforecast_models()
    n, slots = ctx.n, ctx.slots
    start = max(0, n - 7 * MSTL_WEEKS)
    series = np.nan_to_num(ctx.calls[start:n]).copy()
    for i in range(start, n):
        if not ctx.normal[i]:
            w = int(ctx.weekdays[i])
            if ctx.calendar.open_weekdays[w]:
                idx = np.flatnonzero(ctx.normal[:i] & (ctx.weekdays[:i] == w))[-4:]
                series[i - start] = np.nan_to_num(ctx.calls[idx]).mean(axis=0) if idx.size else 0.0
    y = series.ravel().astype(np.float64)
    if y.size < 2 * 7 * slots or not np.any(y > 0):
        return seasonal_mean(ctx)
    model = models.MSTL(season_length=[slots, 7 * slots])
    out = model.forecast(y=y, h=ctx.horizon * slots)
    mean = np.asarray(out["mean"], dtype=np.float64).reshape(ctx.horizon, slots)
    result: FloatArray = np.clip(mean, 0.0, None) * ctx.future_mask()
    return result
