"""Forecasting methods on the day x slot grid.

Every method takes a :class:`Context` (the training history up to a forecast origin, the
open calendar and the holiday flags of the horizon) and returns a ``horizon x slots``
array of expected calls. Closed days and closed slots are 0 in every method.

Methods (names used by ``--method``):

``seasonal_naive``
    The same slot on the last open, non-holiday day with the same weekday:
    ``F[d, s] = Y[d*, s]`` with ``d*`` the last training day with ``weekday(d*) = weekday(d)``.
``seasonal_mean``
    The mean of the last ``k`` (default 4) such days: ``F[d, s] = mean_j Y[d*_j, s]``.
``profile``
    Weekday profile x daily level (see :func:`fit_profile`): the day's total is forecast by a
    robust log-linear model with a local weekly level, weekday effects and calendar effects;
    it is spread over the day with the weekday's intraday profile.
``profile_trend``
    The same with a local linear trend (damped) in place of the local level.
``mstl``
    statsforecast's MSTL on the calendar-cleaned series (optional extra; see
    :mod:`contactcenter.forecasting.optional`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from contactcenter.errors import InputError
from contactcenter.forecasting.calendar import (
    OpenCalendar,
    calendar_features,
    future_open,
    learn_calendar,
    training_days,
    weekdays_of,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Context:
    """Everything a method may use at one forecast origin.

    calls: training history (days x slots, NaN rows = missing days) ending the day before
    the origin. weekdays/holiday: per day for history + horizon + the rest of the horizon's
    last month (so month-end effects are known). normal: training days (open, not
    holiday). calendar: the learned open calendar. open_future: open flags of horizon days.
    """

    calls: FloatArray
    first_day: pd.Timestamp
    horizon: int
    weekdays: IntArray
    holiday: BoolArray
    normal: BoolArray
    calendar: OpenCalendar
    open_future: BoolArray

    @property
    def n(self) -> int:
        """Number of training days."""
        return int(self.calls.shape[0])

    @property
    def slots(self) -> int:
        """Slots per day."""
        return int(self.calls.shape[1])

    def future_mask(self) -> BoolArray:
        """Open mask of the horizon (horizon x slots): open day and open slot."""
        wd = self.weekdays[self.n : self.n + self.horizon]
        mask: BoolArray = self.calendar.slot_mask(wd) & self.open_future[:, None]
        return mask

    def last_normal(self, weekday: int, k: int) -> IntArray:
        """Indices of the last ``k`` training days with this weekday (oldest first)."""
        idx: IntArray = np.flatnonzero(self.normal & (self.weekdays[: self.n] == weekday))
        return idx[-k:]


def build_context(
    calls: FloatArray, first_day: pd.Timestamp, horizon: int, holidays: frozenset[dt.date]
) -> Context:
    """Build the :class:`Context` for forecasting ``horizon`` days after ``calls``."""
    n = calls.shape[0]
    last = first_day + pd.Timedelta(days=n + horizon - 1)
    month_end = last + pd.offsets.MonthEnd(0)
    total = n + horizon + int((month_end - last).days)
    weekdays = weekdays_of(first_day, total)
    days = pd.date_range(first_day, periods=total, freq="D")
    holiday = np.array([d.date() in holidays for d in days], dtype=bool)
    calendar = learn_calendar(calls, weekdays[:n], holiday[:n])
    normal = training_days(calls, holiday[:n])
    open_future = future_open(weekdays[n : n + horizon], holiday[n : n + horizon], calendar)
    return Context(
        calls=calls,
        first_day=first_day,
        horizon=horizon,
        weekdays=weekdays,
        holiday=holiday,
        normal=normal,
        calendar=calendar,
        open_future=open_future,
    )


def seasonal_naive(ctx: Context) -> FloatArray:
    """Same weekday last week: the last open, non-holiday day with the same weekday."""
    return seasonal_mean(ctx, k=1)


def seasonal_mean(ctx: Context, k: int = 4) -> FloatArray:
    """Mean of the last ``k`` open, non-holiday days with the same weekday, slot by slot."""
    if k < 1:
        raise InputError(
            f"{{field}} (the number of weeks to average) must be >= 1, got {k}", field="k"
        )
    out = np.zeros((ctx.horizon, ctx.slots))
    by_weekday: dict[int, FloatArray] = {}
    for w in range(7):
        idx = ctx.last_normal(w, k)
        if idx.size:
            by_weekday[w] = np.nan_to_num(ctx.calls[idx]).mean(axis=0)
    for h in range(ctx.horizon):
        w = int(ctx.weekdays[ctx.n + h])
        if ctx.open_future[h] and w in by_weekday:
            out[h] = by_weekday[w]
    result: FloatArray = out * ctx.future_mask()
    return result


@dataclass(frozen=True)
class ProfileFit:
    """A fitted weekday-profile x level model (see :func:`fit_profile`).

    totals: forecast daily totals of the horizon (0 on closed days). shares: intraday
    profile per weekday (7 x slots, rows sum to 1 on open weekdays). level: log weekly
    levels, most recent first. weekday_effect: log effect per weekday (reference 0).
    effects: log calendar effects (1st/2nd/3rd/last open day of month, after closure).
    slope: log level change per week (0 without trend). weights: final IRLS weight of each
    training day used (NaN elsewhere).
    """

    totals: FloatArray
    shares: FloatArray
    level: FloatArray
    weekday_effect: FloatArray
    effects: FloatArray
    slope: float
    weights: FloatArray


EFFECT_NAMES = ("open_day_1", "open_day_2", "open_day_3", "last_open_day", "after_closure")


def fit_profile(
    ctx: Context,
    *,
    trend: bool = False,
    fit_weeks: int = 24,
    profile_days: int = 16,
    level_smoothing: float | None = None,
    effect_ridge: float = 0.3,
    halflife_weeks: float = 12.0,
    damping: float = 0.8,
    huber_k: float = 2.0,
    min_scale: float = 0.02,
    iterations: int = 10,
) -> ProfileFit:
    r"""Fit the weekday-profile x level model at the context's origin.

    Daily totals ``T_d`` of training days (open, not holiday) in the last ``fit_weeks``
    weeks follow

    .. math::  \log T_d = \ell_{k(d)} + \beta_{w(d)} + \gamma^\top x_d + \varepsilon_d

    with ``k(d)`` the week counted back from the origin (0 = the last 7 days), ``w(d)``
    the weekday (one weekday is the reference, beta = 0) and ``x_d`` the calendar effects
    of :func:`~contactcenter.forecasting.calendar.calendar_features`. It is fitted by
    penalised, weighted least squares:

    * level smoothness ``lambda_l * sum (l_k - l_{k+1})^2`` (local level; default
      lambda_l = 5) or, with ``trend=True``, on second differences (local linear trend;
      default lambda_l = 50);
    * ridge ``effect_ridge * |gamma|^2`` on the calendar effects, so an effect seen once
      is shrunk towards 0;
    * observation weights ``0.5 ** (k / halflife_weeks)`` times Huber weights from
      ``iterations`` rounds of IRLS (``c = huber_k * max(min_scale, 1.4826 * MAD)`` of the
      log residuals; the floor keeps exact or nearly exact series from being reweighted on
      rounding noise), so unlisted holidays and outages do not drag the level.

    The horizon's totals are ``exp(l_0 + slope_term + beta_w + gamma^T x_d)`` (a median
    forecast), with ``slope_term = s * phi (1 - phi^m) / (1 - phi)`` for a trend
    ``s = l_0 - l_1`` per week, damping ``phi`` and ``m`` weeks ahead.
    The intraday profile of weekday ``w`` is ``p_w(s) = sum_d Y[d, s] / sum_d T_d`` over
    the last ``profile_days`` training days of ``w`` that kept full Huber weight, restricted
    to the open slots and renormalised. The forecast is ``F[d, s] = T_d * p_{w(d)}(s)``.
    """
    if level_smoothing is None:
        level_smoothing = 50.0 if trend else 5.0
    n, slots, horizon = ctx.n, ctx.slots, ctx.horizon
    with np.errstate(invalid="ignore"):
        totals_hist = np.nansum(ctx.calls, axis=1)
    train = np.flatnonzero(ctx.normal)
    train = train[train >= n - 7 * fit_weeks]
    zeros = np.zeros(horizon)
    weights_out = np.full(n, np.nan)
    if train.size == 0:
        return ProfileFit(
            zeros, np.zeros((7, slots)), np.zeros(0), np.zeros(7), np.zeros(5), 0.0, weights_out
        )
    observed_open = ~np.isnan(ctx.calls).all(axis=1) & (totals_hist > 0)
    is_open = np.concatenate([observed_open, ctx.open_future])
    tail = ctx.weekdays.size - is_open.size
    if tail > 0:
        open_wd = np.array(ctx.calendar.open_weekdays, dtype=bool)
        extra_days = ctx.weekdays[is_open.size :]
        is_open = np.concatenate([is_open, open_wd[extra_days] & ~ctx.holiday[is_open.size :]])
    feats = calendar_features(
        ctx.first_day, is_open, ctx.weekdays, np.array(ctx.calendar.open_weekdays, dtype=bool)
    )
    week = (n - 1 - train) // 7
    n_weeks = int(week.max()) + 1
    train_wd = ctx.weekdays[train]
    wd_present = [w for w in range(7) if (train_wd == w).any()]
    ref = wd_present[0]
    wd_cols = [w for w in wd_present if w != ref]
    n_eff = feats.shape[1]
    p = n_weeks + len(wd_cols) + n_eff
    x = np.zeros((train.size, p))
    x[np.arange(train.size), week] = 1.0
    for j, w in enumerate(wd_cols):
        x[:, n_weeks + j] = train_wd == w
    x[:, n_weeks + len(wd_cols) :] = feats[train]
    penalty = np.zeros((p, p))
    order = 2 if trend else 1
    if n_weeks > order:
        diff = np.diff(np.eye(n_weeks), n=order, axis=0)
        penalty[:n_weeks, :n_weeks] = level_smoothing * diff.T @ diff
    eff = slice(n_weeks + len(wd_cols), p)
    penalty[eff, eff] = effect_ridge * np.eye(n_eff)
    penalty += 1e-9 * np.eye(p)
    y = np.log(totals_hist[train])
    base = 0.5 ** (week / halflife_weeks)
    robust = np.ones(train.size)
    beta = np.zeros(p)
    for _ in range(max(1, iterations)):
        w_all = base * robust
        lhs = x.T @ (x * w_all[:, None]) + penalty
        beta = np.linalg.solve(lhs, x.T @ (w_all * y))
        resid = y - x @ beta
        scale = max(min_scale, 1.4826 * float(np.median(np.abs(resid - np.median(resid)))))
        cut = huber_k * scale
        new = np.where(np.abs(resid) <= cut, 1.0, cut / np.maximum(np.abs(resid), 1e-300))
        if np.allclose(new, robust, atol=1e-6):
            robust = new
            break
        robust = new
    weights_out[train] = robust
    level = beta[:n_weeks]
    wd_effect = np.zeros(7)
    for j, w in enumerate(wd_cols):
        wd_effect[w] = beta[n_weeks + j]
    effects = beta[eff]
    slope = float(level[0] - level[1]) if trend and n_weeks > 1 else 0.0
    future_days = np.arange(n, n + horizon)
    m = (np.arange(horizon) + 4.0) / 7.0
    if trend and damping < 1.0:
        trend_term = slope * damping * (1.0 - damping**m) / (1.0 - damping)
    else:
        trend_term = slope * m
    log_total = level[0] + trend_term + wd_effect[ctx.weekdays[future_days]]
    log_total = log_total + feats[future_days] @ effects
    totals = np.where(ctx.open_future, np.exp(log_total), 0.0)
    # Weekdays never seen in the fit window get no forecast (they cannot be open).
    seen = np.isin(ctx.weekdays[future_days], wd_present)
    totals = np.where(seen, totals, 0.0)
    shares = np.zeros((7, slots))
    for w in range(7):
        idx = np.flatnonzero(ctx.normal & (ctx.weekdays[:n] == w))
        clean = idx[np.nan_to_num(weights_out[idx], nan=1.0) >= 0.999]
        use = (clean if clean.size else idx)[-profile_days:]
        if use.size == 0:
            continue
        prof = np.nan_to_num(ctx.calls[use]).sum(axis=0) * ctx.calendar.open_slots[w]
        if prof.sum() > 0:
            shares[w] = prof / prof.sum()
    return ProfileFit(
        totals=totals,
        shares=shares,
        level=level,
        weekday_effect=wd_effect,
        effects=effects,
        slope=slope,
        weights=weights_out,
    )


def profile(ctx: Context) -> FloatArray:
    """Weekday-profile x local level (see :func:`fit_profile`)."""
    fit = fit_profile(ctx)
    out: FloatArray = fit.totals[:, None] * fit.shares[ctx.weekdays[ctx.n : ctx.n + ctx.horizon]]
    return out * ctx.future_mask()


def profile_trend(ctx: Context) -> FloatArray:
    """Weekday-profile x local linear trend, damped (see :func:`fit_profile`)."""
    fit = fit_profile(ctx, trend=True)
    out: FloatArray = fit.totals[:, None] * fit.shares[ctx.weekdays[ctx.n : ctx.n + ctx.horizon]]
    return out * ctx.future_mask()


MethodFn = Callable[[Context], FloatArray]

BASELINES = ("seasonal_naive", "seasonal_mean")
CORE_METHODS = ("seasonal_naive", "seasonal_mean", "profile", "profile_trend")
OPTIONAL_METHODS = ("mstl",)
ALL_METHODS = CORE_METHODS + OPTIONAL_METHODS


def get_method(name: str, *, mean_k: int = 4, field: str = "name") -> MethodFn:
    """The method function for ``name`` (one of :data:`ALL_METHODS`); an unknown name is
    an InputError about ``field`` (the parameter the name came from)."""
    if name == "seasonal_naive":
        return seasonal_naive
    if name == "seasonal_mean":
        return lambda ctx: seasonal_mean(ctx, k=mean_k)
    if name == "profile":
        return profile
    if name == "profile_trend":
        return profile_trend
    if name == "mstl":
        from contactcenter.forecasting.optional import mstl

        return mstl
    raise InputError(
        f"{{field}} {name!r} is not known; choose one of {', '.join(ALL_METHODS)}", field=field
    )


def forecast_aht(aht: FloatArray, calls: FloatArray, ctx: Context, *, days: int = 8) -> FloatArray:
    """AHT per horizon slot: the call-weighted mean over the last ``days`` training days of
    the same weekday, slot by slot; where that slot has no handled calls, the weekday's
    daily mean; failing that, the whole history's mean. Returned for every slot (closed
    ones included) so the output has no holes.
    """
    n = ctx.n
    a = np.nan_to_num(aht[:n])
    c = np.nan_to_num(calls[:n]) * np.isfinite(aht[:n])
    total_c = c.sum()
    overall = float((a * c).sum() / total_c) if total_c > 0 else float("nan")
    out = np.full((ctx.horizon, ctx.slots), overall)
    for w in range(7):
        idx = ctx.last_normal(w, days)
        if idx.size == 0:
            continue
        cw = c[idx].sum(axis=0)
        aw = (a[idx] * c[idx]).sum(axis=0)
        day_mean = float(aw.sum() / cw.sum()) if cw.sum() > 0 else overall
        with np.errstate(invalid="ignore", divide="ignore"):
            row = np.where(cw > 0, aw / np.where(cw > 0, cw, 1.0), day_mean)
        hs = np.flatnonzero(ctx.weekdays[n : n + ctx.horizon] == w)
        out[hs] = row
    return out
