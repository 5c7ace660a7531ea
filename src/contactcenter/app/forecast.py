"""``forecast`` and ``backtest``: interval forecasts of calls and AHT, and their scores.

The keywords are the options of ``contactcenter forecast`` and ``backtest``
(docs/cli.md): ``--mean-weeks`` is ``mean_weeks``, ``--open-only`` is ``open_only``,
``--column interval_start=DateTime`` is ``column={"interval_start": "DateTime"}`` (or
the same texts in a list). The history may be a file (CSV or Parquet), a pandas
DataFrame, a pyarrow Table or a :class:`~contactcenter.forecasting.History`. Every bad
value is an :class:`~contactcenter.errors.InputError` whose ``field`` is the keyword.
Methods and formulas: docs/forecasting.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa

from contactcenter import limits
from contactcenter.app import _options as opt
from contactcenter.app._options import Duration, Number
from contactcenter.errors import InputError
from contactcenter.forecasting import (
    ALL_METHODS,
    AUTO,
    BASELINES,
    CORE_METHODS,
    BacktestResult,
    ForecastResult,
    History,
    history_from_frame,
    load_holidays,
    read_history,
)
from contactcenter.forecasting import backtest as run_backtest
from contactcenter.forecasting import forecast as run_forecast
from contactcenter.forecasting.files import forecast_table
from contactcenter.reports import writers

FORECAST_FORMATS = ("csv", "json", "table", "xlsx")
"""The formats a :class:`Forecast` is written in."""
BACKTEST_FORMATS = ("table", "csv", "json")
"""The formats a :class:`Backtest` is written in."""

HistorySource: TypeAlias = str | Path | pd.DataFrame | pa.Table | History
"""A history: a CSV or Parquet file, a table, or an already read History."""
Holidays: TypeAlias = str | Path | Iterable[dt.date | str] | None
"""Holidays: a file of dates, a country code of the holidays package (US, IL, DE-BY), or
the dates themselves."""


def _table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)


def _history(
    history: HistorySource, column: Mapping[str, str] | Sequence[str] | None, queue: str | None
) -> History:
    columns = opt.column_map(column, "column")
    if isinstance(history, History):
        return history
    with opt.renamed(path="history", columns="column"):
        if isinstance(history, str | Path):
            return read_history(history, columns=columns or None, queue=queue)
        frame = history.to_pandas() if isinstance(history, pa.Table) else history
        return history_from_frame(frame, columns=columns or None, queue=queue)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            f"{{field}} must be dates (YYYY-MM-DD), got {value!r}", field="holidays"
        ) from None


def _holidays(spec: Holidays, hist: History, horizon_days: int) -> frozenset[dt.date]:
    if spec is None:
        return frozenset()
    if not isinstance(spec, str | Path):
        return frozenset(_date(day) for day in spec)
    first = pd.Timestamp(hist.frame["interval_start"].min()).year
    last = (hist.last_day + pd.Timedelta(days=horizon_days + 31)).year
    with opt.renamed(spec="holidays"):
        return load_holidays(str(spec), range(first, last + 1))


# --------------------------------------------------------------------------- forecast
@dataclass(frozen=True)
class Forecast:
    """The answer of :func:`forecast`.

    table: the forecast file's rows (:mod:`contactcenter.forecasting.files`):
    interval_start (text, the history's wall clock), queue, calls, calls_lo, calls_hi
    (the 80 % interval), aht_s (null where unknown). selection: the inner backtest per
    queue and candidate method (queue, method, wape, folds, chosen). methods: the method
    used per queue; calibrated: whether each queue's intervals were calibrated on a
    backtest (False: too short a history, Poisson intervals). interval_s, horizon_days,
    level: the interval length, the days forecast and the interval's level. has_aht:
    every row has an AHT (``plan`` needs it). result: the forecasting engine's result.
    """

    table: pa.Table
    selection: pa.Table
    methods: dict[str, str]
    calibrated: dict[str, bool]
    interval_s: int
    horizon_days: int
    level: float
    has_aht: bool
    result: ForecastResult = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``contactcenter forecast --format json``."""
        return {
            "interval_s": self.interval_s,
            "horizon_days": self.horizon_days,
            "level": self.level,
            "methods": self.methods,
            "calibrated": self.calibrated,
            "selection": writers.records(self.selection),
            "forecast": writers.records(self.table),
        }

    def to_text(self, format: str = "csv") -> str:
        """The forecast as ``csv`` (the file ``plan`` reads), ``json`` or a ``table``."""
        fmt = opt.choice(format, "format", ("csv", "json", "table"))
        if fmt == "csv":
            return writers.csv_text(self.table, dialect="python")
        if fmt == "json":
            return writers.json_text(self.as_dict())
        return str(self.table.to_pandas().to_string(index=False)) + "\n"

    def file_data(self, path: str | Path, *, format: str | None = None) -> str | bytes:
        """What :meth:`write` puts in ``path`` (format: default from the suffix)."""
        fmt = opt.file_format(path, FORECAST_FORMATS, format)
        if fmt == "xlsx":
            return writers.xlsx_bytes({"forecast": self.table, "selection": self.selection})
        return self.to_text(fmt)

    def write(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the forecast to ``path`` (whole or not at all) as ``format`` (csv, json,
        table, xlsx with the sheets forecast and selection; default: from the suffix)."""
        return writers.write_file(path, self.file_data(path, format=format))


def forecast(
    *,
    history: HistorySource,
    interval: Duration = "30m",
    horizon: Duration = "28d",
    method: str = AUTO,
    candidates: str | Sequence[str] | None = None,
    holidays: Holidays = None,
    folds: Number = 8,
    mean_weeks: Number = 4,
    aht: Duration | None = None,
    column: Mapping[str, str] | Sequence[str] | None = None,
    queue: str | None = None,
    open_only: bool = False,
) -> Forecast:
    """Forecast calls (with an 80 % interval calibrated on backtests) and AHT for every
    ``interval`` of the ``horizon`` (calendar days after the history's last day).

    ``method`` is ``auto`` (the best of ``candidates``, default the four core methods, on
    ``folds`` rolling-origin folds) or one method. ``holidays`` are closed in the horizon
    and left out of training. ``aht`` fills the AHT where the history has none (``plan``
    needs it). ``column`` maps the history's columns to interval_start, calls, queue,
    aht_s; ``queue`` names the series of a history without a queue column. ``open_only``
    leaves out closed intervals.
    """
    interval_s = opt.interval(interval, "interval")
    horizon_days = opt.days(horizon, "horizon", maximum=limits.MAX_HORIZON_DAYS)
    opt.choice(method, "method", (*ALL_METHODS, AUTO))
    cands = opt.names(candidates, "candidates", ALL_METHODS) or list(CORE_METHODS)
    n_folds = opt.whole(folds, "folds", 0, limits.MAX_FOLDS)
    k = opt.whole(mean_weeks, "mean_weeks", 1, limits.MAX_MEAN_WEEKS)
    aht_s = opt.optional_duration(
        aht, "aht", maximum=limits.MAX_DURATION_S, minimum=limits.MIN_DURATION_S
    )
    only_open = opt.flag(open_only, "open_only")
    hist = _history(history, column, queue)
    with opt.renamed(spec="holidays", path="holidays"):
        hol = _holidays(holidays, hist, horizon_days)
    with opt.renamed(interval_s="interval", horizon_days="horizon", mean_k="mean_weeks"):
        result = run_forecast(
            hist,
            interval_s=interval_s,
            horizon_days=horizon_days,
            method=method,
            candidates=cands,
            holidays=hol,
            folds=n_folds,
            mean_k=k,
        )
    table = forecast_table(result, open_only=only_open, aht_s=aht_s)
    return Forecast(
        table=table,
        selection=_table(result.selection),
        methods=dict(result.methods),
        calibrated={q: bool(v) for q, v in result.calibrated.items()},
        interval_s=result.interval_s,
        horizon_days=result.horizon_days,
        level=result.level,
        has_aht=table.column("aht_s").null_count == 0,
        result=result,
    )


# --------------------------------------------------------------------------- backtest
def score_frame(result: BacktestResult) -> pd.DataFrame:
    """Pooled scores with ``wape_vs_best_baseline``: WAPE relative to the better of the
    two seasonal baselines of each queue (WAPE / that WAPE - 1)."""
    scores = result.scores.copy()
    base = scores[scores["method"].isin(BASELINES)].groupby("queue")["wape"].min()
    best = scores["queue"].map(base)
    scores["wape_vs_best_baseline"] = scores["wape"] / best - 1.0
    return scores


@dataclass(frozen=True)
class Backtest:
    """The answer of :func:`backtest`.

    table: the scores pooled over the folds, one row per queue and method: queue,
    method, wape, mape, bias, coverage (of the 80 % interval), folds,
    wape_vs_best_baseline. by_fold: the same per fold with origin and, for ``auto``, the
    method it chose. interval_s, horizon_days, folds, level: the run's set-up. result: the
    forecasting engine's result (with the latest fold's detail, for charts).
    """

    table: pa.Table
    by_fold: pa.Table
    interval_s: int
    horizon_days: int
    folds: int
    level: float
    result: BacktestResult = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``contactcenter backtest --format json``."""
        return {
            "interval_s": self.interval_s,
            "horizon_days": self.horizon_days,
            "folds": self.folds,
            "level": self.level,
            "scores": writers.records(self.table),
            "by_fold": writers.records(self.by_fold),
        }

    def scores(self) -> pd.DataFrame:
        """The scores as a pandas DataFrame."""
        frame: pd.DataFrame = self.table.to_pandas()
        return frame

    def auto_choices(self) -> list[tuple[str, str, str]]:
        """(queue, fold origin, method) that ``auto`` chose, fold by fold."""
        folds = self.result.by_fold
        if folds.empty:
            return []
        chosen = folds[folds["method"] == AUTO]
        return [(str(r.queue), str(r.origin), str(r.chosen)) for r in chosen.itertuples()]

    def to_text(self, format: str = "table") -> str:
        """The scores as a ``table`` for people (in %, with what ``auto`` chose), ``csv``
        or ``json``."""
        fmt = opt.choice(format, "format", BACKTEST_FORMATS)
        if fmt == "csv":
            return writers.csv_text(self.table, dialect="python")
        if fmt == "json":
            return writers.json_text(self.as_dict())
        shown = self.scores()
        for col in ("wape", "mape", "bias", "coverage", "wape_vs_best_baseline"):
            shown[col] = (shown[col] * 100).round(2)
        shown = shown.rename(
            columns={
                "wape": "wape_%",
                "mape": "mape_%",
                "bias": "bias_%",
                "coverage": "coverage_%",
                "wape_vs_best_baseline": "vs_best_baseline_%",
            }
        )
        text = shown.to_string(index=False) + "\n"
        picks = self.auto_choices()
        if picks:
            text += "auto chose: " + ", ".join(f"{o}: {m}" for _, o, m in picks) + "\n"
        return text

    def file_data(self, path: str | Path, *, format: str | None = None) -> str:
        """What :meth:`write` puts in ``path`` (format: default from the suffix)."""
        return self.to_text(opt.file_format(path, BACKTEST_FORMATS, format))

    def write(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the scores to ``path`` (whole or not at all) as ``format`` (table, csv,
        json; default: from the suffix)."""
        return writers.write_file(path, self.file_data(path, format=format))


def backtest(
    *,
    history: HistorySource,
    interval: Duration = "30m",
    horizon: Duration = "28d",
    folds: Number = 4,
    methods: str | Sequence[str] | None = None,
    candidates: str | Sequence[str] | None = None,
    inner_folds: Number = 8,
    holidays: Holidays = None,
    mean_weeks: Number = 4,
    column: Mapping[str, str] | Sequence[str] | None = None,
    queue: str | None = None,
) -> Backtest:
    """Score forecast ``methods`` (default: the four core methods and ``auto``) on
    ``folds`` rolling origins 7 days apart, the latest holding out the last ``horizon``
    days, beside the two seasonal baselines.

    At each origin every method is fitted on the history before it only, with intervals
    calibrated (and ``auto`` choosing among ``candidates``) on ``inner_folds`` folds
    before it. The other keywords are those of :func:`forecast`.
    """
    interval_s = opt.interval(interval, "interval")
    horizon_days = opt.days(horizon, "horizon", maximum=limits.MAX_HORIZON_DAYS)
    n_folds = opt.whole(folds, "folds", 1, limits.MAX_FOLDS)
    n_inner = opt.whole(inner_folds, "inner_folds", 0, limits.MAX_FOLDS)
    k = opt.whole(mean_weeks, "mean_weeks", 1, limits.MAX_MEAN_WEEKS)
    wanted = opt.names(methods, "methods", (*ALL_METHODS, AUTO)) or [*CORE_METHODS, AUTO]
    cands = opt.names(candidates, "candidates", ALL_METHODS) or list(CORE_METHODS)
    hist = _history(history, column, queue)
    with opt.renamed(spec="holidays", path="holidays"):
        hol = _holidays(holidays, hist, 0)
    with opt.renamed(
        interval_s="interval",
        horizon_days="horizon",
        mean_k="mean_weeks",
        inner_folds="inner_folds",
    ):
        result = run_backtest(
            hist,
            interval_s=interval_s,
            horizon_days=horizon_days,
            folds=n_folds,
            methods=wanted,
            candidates=cands,
            holidays=hol,
            inner_folds=n_inner,
            mean_k=k,
        )
    return Backtest(
        table=_table(score_frame(result)),
        by_fold=_table(result.by_fold),
        interval_s=result.interval_s,
        horizon_days=result.horizon_days,
        folds=n_folds,
        level=result.level,
        result=result,
    )
