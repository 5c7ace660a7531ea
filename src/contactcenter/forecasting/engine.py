"""Rolling-origin evaluation, automatic method choice, calibrated intervals, and the two
entry points :func:`forecast` and :func:`backtest`.

**Rolling origin.** For an origin ``o`` (the first forecast day) and a horizon of ``H``
days, the inner folds are the origins ``o - H - step * j`` for ``j = 0 .. folds - 1`` that
leave at least ``min_train_days`` of history. Each fold forecasts ``H`` days from the
history before it and is scored on the actuals that follow, all of them before ``o``.

**Automatic choice.** ``auto`` takes the candidate with the lowest pooled WAPE over the
inner folds (ties go to the earlier candidate in the list).

**80 % intervals, calibrated on the backtest.** Residuals of the chosen method over the
inner folds fit a variance model ``Var(y | F) = phi * F + c2 * F**2`` (Poisson-like noise
plus a day-level multiplicative error; ``phi, c2 >= 0`` by non-negative least squares of
``(y - F)**2`` on ``F`` and ``F**2``). The empirical 10 % and 90 % quantiles ``q_lo, q_hi``
of the standardised residuals ``z = (y - F) / sqrt(phi F + c2 F^2)`` give
``lo = max(0, F + q_lo * sd)`` and ``hi = F + q_hi * sd``. Without any inner fold (a short
history) the intervals fall back to Poisson ones (``phi = 1, c2 = 0``, normal quantiles)
and are flagged as not calibrated. Closed intervals get ``lo = hi = 0``.

**Metrics** (over the test days that have data): ``WAPE = sum|y - F| / sum y``;
``MAPE`` = mean of ``|y - F| / y`` over intervals with ``y > 0``; ``bias = sum(F - y) /
sum y`` (positive = over-forecast); ``coverage`` = share of intervals with ``y > 0`` or
``F > 0`` where ``lo <= y <= hi``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import nnls
from scipy.stats import norm

from contactcenter.errors import InputError
from contactcenter.forecasting.history import History, SeriesGrid, to_grid
from contactcenter.forecasting.methods import (
    CORE_METHODS,
    Context,
    build_context,
    forecast_aht,
    get_method,
)
from contactcenter.units import DAY_S

FloatArray = npt.NDArray[np.float64]

AUTO = "auto"


@dataclass(frozen=True)
class IntervalModel:
    """Prediction-interval model (see the module docstring)."""

    phi: float
    c2: float
    q_lo: float
    q_hi: float
    level: float
    calibrated: bool
    n_residuals: int

    def bounds(self, point: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Lower and upper bounds for point forecasts ``point`` (0 where point is 0)."""
        sd = np.sqrt(self.phi * point + self.c2 * point**2)
        lo = np.where(point > 0, np.maximum(0.0, point + self.q_lo * sd), 0.0)
        hi = np.where(point > 0, np.maximum(point + self.q_hi * sd, lo), 0.0)
        return lo, hi


def poisson_intervals(level: float) -> IntervalModel:
    """Uncalibrated fallback: Poisson variance and normal quantiles."""
    z = float(norm.ppf(0.5 + level / 2.0))
    return IntervalModel(1.0, 0.0, -z, z, level, False, 0)


def calibrate(
    actuals: Sequence[FloatArray], points: Sequence[FloatArray], level: float
) -> IntervalModel:
    """Fit the interval model to backtest residuals (pairs of actual and point arrays)."""
    ys: list[FloatArray] = []
    fs: list[FloatArray] = []
    for a, f in zip(actuals, points, strict=True):
        keep = ~np.isnan(a) & (f > 0)
        ys.append(a[keep])
        fs.append(f[keep])
    y = np.concatenate(ys) if ys else np.zeros(0)
    f = np.concatenate(fs) if fs else np.zeros(0)
    if y.size < 20:
        return poisson_intervals(level)
    coef, _ = nnls(np.column_stack([f, f**2]), (y - f) ** 2)
    phi, c2 = float(coef[0]), float(coef[1])
    sd = np.sqrt(phi * f + c2 * f**2)
    if not np.all(sd > 0):
        # A perfect history (no error at all): the bounds collapse onto the forecast.
        if np.allclose(y, f):
            return IntervalModel(0.0, 0.0, 0.0, 0.0, level, True, int(y.size))
        phi = max(phi, 1e-9)
        sd = np.sqrt(phi * f + c2 * f**2)
    z = (y - f) / sd
    q_lo, q_hi = np.quantile(z, [0.5 - level / 2.0, 0.5 + level / 2.0])
    return IntervalModel(phi, c2, float(q_lo), float(q_hi), level, True, int(y.size))


@dataclass(frozen=True)
class Score:
    """Additive error sums of one or more forecasts (pool them, then read the metrics)."""

    abs_err: float = 0.0
    actual: float = 0.0
    signed: float = 0.0
    ape_sum: float = 0.0
    ape_n: int = 0
    covered: int = 0
    cover_n: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.abs_err + other.abs_err,
            self.actual + other.actual,
            self.signed + other.signed,
            self.ape_sum + other.ape_sum,
            self.ape_n + other.ape_n,
            self.covered + other.covered,
            self.cover_n + other.cover_n,
        )

    @property
    def wape(self) -> float:
        """sum|y - F| / sum y."""
        return self.abs_err / self.actual if self.actual > 0 else float("nan")

    @property
    def mape(self) -> float:
        """Mean of |y - F| / y over intervals with y > 0."""
        return self.ape_sum / self.ape_n if self.ape_n else float("nan")

    @property
    def bias(self) -> float:
        """sum(F - y) / sum y (positive: over-forecast)."""
        return self.signed / self.actual if self.actual > 0 else float("nan")

    @property
    def coverage(self) -> float:
        """Share of open intervals whose actual lies inside [lo, hi]."""
        return self.covered / self.cover_n if self.cover_n else float("nan")


def score(actual: FloatArray, point: FloatArray, lo: FloatArray, hi: FloatArray) -> Score:
    """Error sums of one forecast against actuals (NaN actuals are skipped)."""
    keep = ~np.isnan(actual)
    y, f = actual[keep], point[keep]
    pos = y > 0
    open_ = pos | (f > 0)
    inside = (y >= lo[keep] - 1e-9) & (y <= hi[keep] + 1e-9)
    return Score(
        abs_err=float(np.abs(y - f).sum()),
        actual=float(y.sum()),
        signed=float((f - y).sum()),
        ape_sum=float((np.abs(y[pos] - f[pos]) / y[pos]).sum()),
        ape_n=int(pos.sum()),
        covered=int((inside & open_).sum()),
        cover_n=int(open_.sum()),
    )


@dataclass(frozen=True)
class OriginResult:
    """Forecasts of several methods at one origin, with their calibrated intervals."""

    context: Context
    points: dict[str, FloatArray]
    intervals: dict[str, IntervalModel]
    inner: dict[str, Score]
    inner_folds: int
    chosen: str

    def bounds(self, method: str) -> tuple[FloatArray, FloatArray]:
        """Interval bounds of ``method``'s point forecast."""
        return self.intervals[method].bounds(self.points[method])


def _check_methods(methods: Sequence[str], mean_k: int, *, field: str) -> None:
    for m in methods:
        get_method(m, mean_k=mean_k, field=field)


def evaluate_origin(
    calls: FloatArray,
    first_day: pd.Timestamp,
    origin: int,
    horizon: int,
    methods: Sequence[str],
    *,
    holidays: frozenset[dt.date] = frozenset(),
    folds: int = 8,
    step_days: int = 7,
    level: float = 0.8,
    mean_k: int = 4,
    min_train_days: int = 28,
    fallback: str = "seasonal_mean",
    choose_from: Sequence[str] | None = None,
) -> OriginResult:
    """Forecast ``horizon`` days from day index ``origin`` with every method in ``methods``.

    Runs the inner rolling-origin folds (module docstring) to calibrate each method's
    intervals and to choose the best of ``choose_from`` (default: all ``methods``) as
    ``chosen``; ``fallback`` (or the first of them) when no fold fits.
    """
    fns = {m: get_method(m, mean_k=mean_k) for m in methods}
    actuals: list[FloatArray] = []
    inner_points: dict[str, list[FloatArray]] = {m: [] for m in methods}
    n_folds = 0
    for j in range(folds):
        o = origin - horizon - step_days * j
        if o < min_train_days:
            break
        ctx = build_context(calls[:o], first_day, horizon, holidays)
        actuals.append(calls[o : o + horizon])
        for m, fn in fns.items():
            inner_points[m].append(fn(ctx))
        n_folds += 1
    inner: dict[str, Score] = {}
    intervals: dict[str, IntervalModel] = {}
    for m in methods:
        total = Score()
        for a, f in zip(actuals, inner_points[m], strict=True):
            total = total + score(a, f, f, f)
        inner[m] = total
        intervals[m] = (
            calibrate(actuals, inner_points[m], level) if n_folds else poisson_intervals(level)
        )
    pool = [m for m in (choose_from or methods) if m in fns]
    if not pool:
        raise InputError("{field} names none of the methods run", field="choose_from")
    if n_folds:
        wapes = [(inner[m].wape if inner[m].actual > 0 else np.inf) for m in pool]
        chosen = pool[int(np.argmin(wapes))]
    else:
        chosen = fallback if fallback in pool else pool[0]
    ctx = build_context(calls[:origin], first_day, horizon, holidays)
    points = {m: fn(ctx) for m, fn in fns.items()}
    return OriginResult(ctx, points, intervals, inner, n_folds, chosen)


@dataclass(frozen=True)
class ForecastResult:
    """The output of :func:`forecast`.

    frame: interval_start, queue, calls, calls_lo, calls_hi (and aht_s when the history has
    it), one row per interval of the horizon (closed intervals have 0 calls; ``open`` is
    False there). methods: the method used per queue. selection: the inner backtest per
    queue and candidate (queue, method, wape, chosen). calibrated: whether the intervals
    of each queue were calibrated on a backtest (False: Poisson fallback).
    """

    frame: pd.DataFrame
    methods: dict[str, str]
    selection: pd.DataFrame
    calibrated: dict[str, bool]
    interval_s: int
    horizon_days: int
    level: float


def _timestamps(first: pd.Timestamp, days: int, interval_s: int) -> pd.DatetimeIndex:
    slots = DAY_S // interval_s
    return pd.DatetimeIndex(first + pd.to_timedelta(np.arange(days * slots) * interval_s, unit="s"))


def _validate(horizon_days: int, level: float, folds: int, step_days: int) -> None:
    if horizon_days < 1:
        raise InputError(
            f"{{field}} must be at least 1 day, got {horizon_days} days", field="horizon_days"
        )
    if not 0 < level < 1:
        raise InputError(
            f"{{field}} (of the intervals) must be in (0, 1), got {level}", field="level"
        )
    if folds < 0:
        raise InputError(f"{{field}} must be >= 0, got {folds}", field="folds")
    if step_days < 1:
        raise InputError(
            f"{{field}} (between folds) must be at least 1 day, got {step_days}", field="step_days"
        )


def forecast(
    history: History,
    *,
    interval_s: int,
    horizon_days: int,
    method: str = AUTO,
    candidates: Sequence[str] = CORE_METHODS,
    holidays: frozenset[dt.date] = frozenset(),
    folds: int = 8,
    step_days: int = 7,
    level: float = 0.8,
    mean_k: int = 4,
    min_train_days: int = 28,
) -> ForecastResult:
    """Forecast every queue of ``history`` for ``horizon_days`` calendar days after its
    last day, at ``interval_s`` resolution.

    ``method`` is ``auto`` (the best of ``candidates`` on the inner backtest) or one method
    name. Intervals at ``level`` are calibrated on the same backtest (``folds`` origins,
    ``step_days`` apart). Holiday dates are forecast as closed and never used for training.
    """
    _validate(horizon_days, level, folds, step_days)
    methods = list(candidates) if method == AUTO else [method]
    if not methods:
        raise InputError("{field} is empty; method auto needs at least one", field="candidates")
    _check_methods(methods, mean_k, field="candidates" if method == AUTO else "method")
    grids = to_grid(history, interval_s)
    frames = []
    chosen_by_queue: dict[str, str] = {}
    calibrated: dict[str, bool] = {}
    selection_rows = []
    for grid in grids:
        res = evaluate_origin(
            grid.calls,
            grid.first_day,
            grid.n_days,
            horizon_days,
            methods,
            holidays=holidays,
            folds=folds,
            step_days=step_days,
            level=level,
            mean_k=mean_k,
            min_train_days=min_train_days,
        )
        use = res.chosen
        chosen_by_queue[grid.queue] = use
        calibrated[grid.queue] = res.intervals[use].calibrated
        for m in methods:
            selection_rows.append(
                {
                    "queue": grid.queue,
                    "method": m,
                    "wape": res.inner[m].wape if res.inner_folds else float("nan"),
                    "folds": res.inner_folds,
                    "chosen": m == use,
                }
            )
        point = res.points[use]
        lo, hi = res.bounds(use)
        start = grid.first_day + pd.Timedelta(days=grid.n_days)
        part = pd.DataFrame(
            {
                "interval_start": _timestamps(start, horizon_days, interval_s),
                "queue": grid.queue,
                "calls": point.ravel(),
                "calls_lo": lo.ravel(),
                "calls_hi": hi.ravel(),
            }
        )
        if grid.aht is not None:
            part["aht_s"] = forecast_aht(grid.aht, grid.calls, res.context).ravel()
        part["open"] = res.context.future_mask().ravel()
        frames.append(part)
    frame = pd.concat(frames, ignore_index=True)
    return ForecastResult(
        frame=frame,
        methods=chosen_by_queue,
        selection=pd.DataFrame(selection_rows),
        calibrated=calibrated,
        interval_s=interval_s,
        horizon_days=horizon_days,
        level=level,
    )


@dataclass(frozen=True)
class BacktestResult:
    """The output of :func:`backtest`.

    scores: queue, method, wape, mape, bias, coverage, folds (pooled over the folds), with
    ``auto`` beside the individual methods. by_fold: the same per fold plus origin and, for
    ``auto``, the method it chose. detail: the most recent fold's actuals and forecasts
    (interval_start, queue, method, actual, calls, calls_lo, calls_hi) for charts.
    """

    scores: pd.DataFrame
    by_fold: pd.DataFrame
    detail: pd.DataFrame
    interval_s: int
    horizon_days: int
    level: float


def backtest(
    history: History,
    *,
    interval_s: int,
    horizon_days: int,
    folds: int = 4,
    methods: Sequence[str] = (*CORE_METHODS, AUTO),
    candidates: Sequence[str] = CORE_METHODS,
    holidays: frozenset[dt.date] = frozenset(),
    inner_folds: int = 8,
    step_days: int = 7,
    level: float = 0.8,
    mean_k: int = 4,
    min_train_days: int = 28,
) -> BacktestResult:
    """Rolling-origin backtest: ``folds`` origins, ``step_days`` apart, the most recent one
    holding out the last ``horizon_days`` days of the history.

    At every origin each method (and ``auto``, choosing among ``candidates``) is fitted on
    the history before it, with intervals calibrated on inner folds before it, so nothing
    from the held-out days leaks into a forecast.
    """
    _validate(horizon_days, level, folds, step_days)
    if folds < 1:
        raise InputError(f"{{field}} must be >= 1 for a backtest, got {folds}", field="folds")
    wanted = list(dict.fromkeys(methods))
    plain = [m for m in wanted if m != AUTO]
    needed = list(dict.fromkeys(plain + (list(candidates) if AUTO in wanted else [])))
    _check_methods(plain, mean_k, field="methods")
    if AUTO in wanted:
        _check_methods(candidates, mean_k, field="candidates")
    grids: list[SeriesGrid] = to_grid(history, interval_s)
    pooled: dict[tuple[str, str], Score] = {}
    n_used: dict[tuple[str, str], int] = {}
    fold_rows = []
    detail_frames = []
    for grid in grids:
        for j in range(folds):
            origin = grid.n_days - horizon_days - step_days * j
            if origin < min_train_days:
                if j == 0:
                    raise InputError(
                        f"queue {grid.queue!r}: {grid.n_days} days of history cannot hold out "
                        f"{horizon_days} days and keep {min_train_days} for training; "
                        "shorten {field} or give more history",
                        field="horizon_days",
                    )
                break
            res = evaluate_origin(
                grid.calls,
                grid.first_day,
                origin,
                horizon_days,
                needed,
                holidays=holidays,
                folds=inner_folds,
                step_days=step_days,
                level=level,
                mean_k=mean_k,
                min_train_days=min_train_days,
                choose_from=list(candidates) if AUTO in wanted else None,
            )
            actual = grid.calls[origin : origin + horizon_days]
            start = grid.first_day + pd.Timedelta(days=origin)
            for m in wanted:
                use = res.chosen if m == AUTO else m
                point = res.points[use]
                lo, hi = res.bounds(use)
                s = score(actual, point, lo, hi)
                key = (grid.queue, m)
                pooled[key] = pooled.get(key, Score()) + s
                n_used[key] = n_used.get(key, 0) + 1
                fold_rows.append(
                    {
                        "queue": grid.queue,
                        "fold": j,
                        "origin": start.date().isoformat(),
                        "method": m,
                        "chosen": use,
                        "wape": s.wape,
                        "mape": s.mape,
                        "bias": s.bias,
                        "coverage": s.coverage,
                    }
                )
                if j == 0:
                    detail_frames.append(
                        pd.DataFrame(
                            {
                                "interval_start": _timestamps(start, horizon_days, interval_s),
                                "queue": grid.queue,
                                "method": m,
                                "actual": actual.ravel(),
                                "calls": point.ravel(),
                                "calls_lo": lo.ravel(),
                                "calls_hi": hi.ravel(),
                            }
                        )
                    )
    score_rows = [
        {
            "queue": q,
            "method": m,
            "wape": s.wape,
            "mape": s.mape,
            "bias": s.bias,
            "coverage": s.coverage,
            "folds": n_used[(q, m)],
        }
        for (q, m), s in pooled.items()
    ]
    return BacktestResult(
        scores=pd.DataFrame(score_rows),
        by_fold=pd.DataFrame(fold_rows),
        detail=pd.concat(detail_frames, ignore_index=True),
        interval_s=interval_s,
        horizon_days=horizon_days,
        level=level,
    )
