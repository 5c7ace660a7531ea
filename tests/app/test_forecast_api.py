"""forecast and backtest as Python functions: the CLI's numbers, typed, errors by field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import contactcenter
from contactcenter.app.forecast import Backtest, Forecast, backtest, forecast
from contactcenter.app.staffing import plan
from contactcenter.errors import ContactCenterError, InputError
from contactcenter.forecasting import read_history
from contactcenter.forecasting.files import FORECAST_COLUMNS

from .conftest import cli, cli_json


def test_forecast_gives_the_cli_json_and_csv(history_csv: Path, tmp_path: Path) -> None:
    result = forecast(history=history_csv, horizon="3d", folds=2, open_only=True)
    assert isinstance(result, Forecast)
    assert isinstance(result.table, pa.Table)
    assert result.table.column_names == list(FORECAST_COLUMNS)
    args = ["forecast", "--history", str(history_csv), "--horizon", "3d", "--folds", "2"]
    assert result.as_dict() == cli_json([*args, "--open-only"])
    assert result.to_text("csv") == cli([*args, "--open-only"])
    assert result.methods == {"billing": "profile", "sales": "profile_trend"}
    assert result.calibrated == {"billing": True, "sales": True}
    assert result.has_aht
    assert result.interval_s == 1800
    assert result.horizon_days == 3
    path = result.write(tmp_path / "fc.csv")
    assert path.read_text("utf-8") == result.to_text("csv")


def test_forecast_takes_tables_numbers_and_a_history(
    history_csv: Path, history_frame: pd.DataFrame
) -> None:
    options: dict[str, Any] = {"horizon": 2, "method": "seasonal_mean", "folds": 1}
    from_file = forecast(history=history_csv, **options)
    from_frame = forecast(history=history_frame, interval=1800, **options)
    from_table = forecast(history=pa.Table.from_pandas(history_frame), **options)
    from_history = forecast(history=read_history(history_csv), **options)
    for other in (from_frame, from_table, from_history):
        assert other.table.equals(from_file.table)
    assert from_file.methods == {"billing": "seasonal_mean", "sales": "seasonal_mean"}


def test_column_maps_holidays_and_a_constant_aht(tmp_path: Path) -> None:
    rows = [
        f"{pd.Timestamp('2024-01-01') + pd.Timedelta(days=d, hours=h)},10"
        for d in range(35)
        for h in (9, 10)
    ]
    path = tmp_path / "bank.csv"
    path.write_text("DateTime,Calls\n" + "\n".join(rows) + "\n", "utf-8")
    options: dict[str, Any] = {"history": path, "interval": "1h", "horizon": "2d"}
    by_text = forecast(**options, column=["interval_start=DateTime"], aht="3m", open_only=True)
    by_dict = forecast(**options, column={"interval_start": "DateTime"}, aht=180, open_only=True)
    assert by_text.table.equals(by_dict.table)
    assert by_text.table.column("aht_s").to_pylist() == [180.0] * 4
    closed = forecast(
        **options, column={"interval_start": "DateTime"}, holidays=[dt.date(2024, 2, 5)]
    )
    first_day = closed.table.to_pandas().iloc[:24]
    assert (first_day["calls"] == 0).all()  # 2024-02-05, a holiday, is closed
    as_text = forecast(**options, column={"interval_start": "DateTime"}, holidays=["2024-02-05"])
    assert as_text.table.equals(closed.table)
    with pytest.raises(InputError) as info:
        forecast(**options, column={"interval_start": "DateTime"}, holidays=["5 Feb"])
    assert info.value.field == "holidays"
    assert not closed.has_aht


def test_a_forecast_feeds_a_plan(history_csv: Path) -> None:
    rows = forecast(history=history_csv, horizon=1, folds=1, method="seasonal_naive").table
    staffing = plan(forecast=rows, interval="30m")
    assert staffing.table.num_rows == rows.num_rows
    assert staffing.table.column("calls").to_pylist() == rows.column("calls").to_pylist()


@pytest.mark.parametrize(
    ("options", "field", "fragment"),
    [
        ({"interval": "7m"}, "interval", "interval must divide a day"),
        ({"interval": "15m"}, "interval", "interval 900 s is shorter than the history's bins"),
        ({"horizon": "36h"}, "horizon", "horizon counts whole days"),
        ({"horizon": 0}, "horizon", "horizon must be at least 1 day"),
        ({"method": "magic"}, "method", "method must be one of"),
        ({"candidates": "profile,magic"}, "candidates", "candidates must be one of"),
        ({"candidates": ","}, "candidates", "candidates needs at least one method name"),
        ({"folds": "two"}, "folds", "folds must be a whole number >= 0, got 'two'"),
        ({"mean_weeks": 0}, "mean_weeks", "mean_weeks must be a whole number >= 1"),
        ({"aht": 0}, "aht", "aht must be a duration > 0"),
        ({"holidays": "Narnia"}, "holidays", "holidays 'Narnia' is neither an existing file"),
        ({"column": ["DateTime"]}, "column", "column must look like interval_start=DateTime"),
        ({"column": {"when": "x"}}, "column", "column names unknown fields ['when']"),
        ({"open_only": "maybe"}, "open_only", "open_only must be true or false"),
    ],
)
def test_forecast_errors_carry_the_field(
    history_csv: Path, options: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(ContactCenterError) as info:
        forecast(history=history_csv, **options)
    assert info.value.field == field
    assert fragment in str(info.value)


def test_a_missing_history_names_the_history(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        forecast(history=tmp_path / "none.csv")
    assert info.value.field == "history"
    assert str(info.value).startswith("history: file")


# --- backtest ---------------------------------------------------------------------------------
def test_backtest_gives_the_cli_json(history_csv: Path) -> None:
    options: dict[str, str] = {"horizon": "7d", "folds": "2", "inner_folds": "1"}
    result = backtest(history=history_csv, methods="seasonal_mean,profile", **options)
    assert isinstance(result, Backtest)
    args = ["backtest", "--history", str(history_csv), "--horizon", "7d", "--folds", "2"]
    args += ["--inner-folds", "1", "--methods", "seasonal_mean,profile"]
    assert result.as_dict() == cli_json(args)
    assert result.to_text("csv") == cli([*args, "--format", "csv"])
    assert result.table.column_names == [
        "queue",
        "method",
        "wape",
        "mape",
        "bias",
        "coverage",
        "folds",
        "wape_vs_best_baseline",
    ]
    assert result.by_fold.num_rows == 2 * 2 * 2
    assert result.auto_choices() == []
    with_auto = backtest(history=history_csv, methods=["auto"], **options)
    picks = with_auto.auto_choices()
    assert len(picks) == 4  # two queues, two folds
    assert "auto chose: " in with_auto.to_text("table")
    assert contactcenter.backtest is backtest


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"folds": 0}, "folds"),
        ({"inner_folds": -1}, "inner_folds"),
        ({"methods": ","}, "methods"),
        ({"methods": ["arima"]}, "methods"),
        ({"horizon": 60}, "horizon"),
    ],
)
def test_backtest_errors_carry_the_field(
    history_csv: Path, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as info:
        backtest(history=history_csv, **options)
    assert info.value.field == field
