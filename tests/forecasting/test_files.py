"""The forecast file contract: what forecast writes is what plan reads."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from contactcenter.errors import FormatError, InputError
from contactcenter.forecasting import forecast
from contactcenter.forecasting.files import (
    FORECAST_COLUMNS,
    REQUIRED_COLUMNS,
    forecast_table,
    read_forecast,
    write_forecast,
)

from .builders import history

SLOTS = 4


@pytest.fixture(scope="module")
def table() -> pa.Table:
    """A week of forecasts from five weeks of a constant weekday pattern."""
    days = np.array([[10.0, 20.0, 30.0, 0.0] if d % 7 < 5 else [0.0] * SLOTS for d in range(35)])
    aht = np.full(days.shape, 200.0)
    result = forecast(
        history(days, interval_s=21600, aht=aht),
        interval_s=21600,
        horizon_days=7,
        method="seasonal_mean",
    )
    return forecast_table(result)


def test_the_forecast_rows_have_the_file_columns(table: pa.Table) -> None:
    assert table.column_names == list(FORECAST_COLUMNS)
    assert set(REQUIRED_COLUMNS) <= set(FORECAST_COLUMNS)
    assert table.num_rows == 7 * SLOTS
    assert table.column("interval_start")[0].as_py() == "2024-02-05 00:00:00"
    assert table.column("calls").to_pylist()[:SLOTS] == [10.0, 20.0, 30.0, 0.0]


def test_a_written_forecast_reads_back(table: pa.Table, tmp_path: Path) -> None:
    path = write_forecast(table, tmp_path / "fc.csv")
    first = path.read_text("utf-8").splitlines()[1]
    assert first.startswith("2024-02-05 00:00:00,all,10.0,")  # floats as 10.0, like pandas
    assert first.endswith(",200.0")
    back = read_forecast(path)
    assert back.column_names == list(REQUIRED_COLUMNS)  # what plan needs, in file order
    for name in REQUIRED_COLUMNS:
        assert back.column(name).to_pylist() == table.column(name).to_pylist()
    again = read_forecast(table.to_pandas())
    assert again.column("calls").to_pylist() == table.column("calls").to_pylist()


def test_open_only_and_a_constant_aht() -> None:
    days = np.array([[5.0, 0.0] for _ in range(35)])
    result = forecast(history(days, interval_s=43200), interval_s=43200, horizon_days=2)
    assert forecast_table(result).column("aht_s").null_count == 4  # the history has none
    filled = forecast_table(result, open_only=True, aht_s=180.04)
    assert filled.column("aht_s").to_pylist() == [180.0, 180.0]
    assert filled.column("calls").to_pylist() == [5.0, 5.0]


def test_timestamps_in_a_given_table_are_written_like_the_file() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2025-01-06 08:00"]),
            "queue": ["q"],
            "calls": [3],
            "aht_s": [120],
        }
    )
    rows = read_forecast(frame)
    assert rows.column("interval_start").to_pylist() == ["2025-01-06 08:00:00"]
    assert rows.column("calls").type == pa.float64()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("interval_start,queue,calls,aht_s\nx,q,10,0\n", ":2: aht_s must be > 0, got '0'"),
        (
            "interval_start,queue,calls,aht_s\nx,q,1,5\nx,q,-2,60\n",
            ":3: calls must be a number >= 0",
        ),
        ("interval_start,queue,calls,aht_s\nx,q,,60\n", ":2: calls must be a number >= 0, got ''"),
        (
            "interval_start,queue,calls,aht_s,patience_s\nx,q,1,60,-1\n",
            ":2: patience_s must be > 0, got '-1'",
        ),
        ("queue,calls\nq,1\n", ":1: missing columns ['interval_start', 'aht_s']"),
        ("interval_start,queue,calls,aht_s\nx,q,ten,60\n", "invalid value 'ten'"),
    ],
)
def test_bad_files_name_the_line(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "fc.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(FormatError) as info:
        read_forecast(path)
    assert fragment in str(info.value)


def test_rows_without_calls_need_no_aht_and_tables_name_rows(tmp_path: Path) -> None:
    ok = read_forecast(
        pd.DataFrame({"interval_start": ["x"], "queue": "q", "calls": [0.0], "aht_s": [math.nan]})
    )
    assert ok.column("aht_s").to_pylist() == [None]
    bad = pd.DataFrame(
        {"interval_start": ["x", "y"], "queue": "q", "calls": [1.0, 2.0], "aht_s": [60.0, 0.0]}
    )
    with pytest.raises(FormatError, match=r"<forecast>: row 2: aht_s must be > 0, got '0'"):
        read_forecast(bad)
    with pytest.raises(InputError) as info:
        read_forecast(tmp_path / "nope.csv", field="forecast")
    assert info.value.field == "forecast"


def test_reading_a_forecast_does_not_load_the_forecasting_methods() -> None:
    """plan reads forecast files; it must not pay for pandas, scipy and the methods."""
    code = (
        "import sys, contactcenter.forecasting.files, contactcenter.cli.staffing_cmd\n"
        "print(sorted(m for m in ('pandas', 'scipy.optimize', 'contactcenter.forecasting.engine')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
