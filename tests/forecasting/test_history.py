"""Reading, validating and re-binning interval histories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contactcenter.errors import FormatError, InputError
from contactcenter.forecasting import history_from_frame, read_history, to_grid


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_csv_with_mapped_and_case_insensitive_columns(tmp_path: Path) -> None:
    f = write(
        tmp_path / "h.csv",
        "DateTime,Calls\n2024-01-01 08:00:00,3\n2024-01-01 08:05:00,4\n2024-01-02 08:00:00,1\n",
    )
    h = read_history(f, columns={"interval_start": "DateTime"})
    assert h.bin_s == 300
    assert h.queues == ["all"]
    assert h.frame["calls"].tolist() == [3.0, 4.0, 1.0]
    assert not h.has_aht
    assert h.last_day == pd.Timestamp("2024-01-02")


def test_combines_a_date_column_with_a_time_of_day(tmp_path: Path) -> None:
    # The Rfssa/Technion layout: date, weekday, interval, interval_start (time), calls.
    f = write(
        tmp_path / "t.csv",
        "date,weekday,interval,interval_start,calls\n"
        "1999-01-01,Friday,1,00:00,2\n1999-01-01,Friday,2,00:06,0.5\n",
    )
    h = read_history(f)
    assert h.bin_s == 360
    assert h.frame["interval_start"].tolist() == [
        pd.Timestamp("1999-01-01 00:00"),
        pd.Timestamp("1999-01-01 00:06"),
    ]
    assert h.frame["calls"].tolist() == [2.0, 0.5]


def test_reads_parquet_with_queues_and_aht(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:00"]),
            "queue": ["b", "a"],
            "calls": [1, 2],
            "aht_s": [100.0, 200.0],
        }
    )
    f = tmp_path / "h.parquet"
    frame.to_parquet(f)
    h = read_history(f)
    assert h.has_aht
    assert sorted(h.queues) == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "interval_start,calls\n2024-01-01 08:00,1\n2024-01-01 08:30,-2\n",
            ["h.csv:3", "calls = '-2'", ">= 0"],
        ),
        (
            "interval_start,calls\n2024-01-01 08:00,1\n2024-01-01 08:00,2\n",
            ["h.csv:3", "repeats", "h.csv:2", "once per queue"],
        ),
        (
            "interval_start,calls\n2024-01-01 09:00,1\n2024-01-01 08:30,2\n",
            ["h.csv:3", "comes before", "sort the file"],
        ),
        (
            "interval_start,calls\n2024-01-01 08:00,1\nyesterday,2\n",
            ["h.csv:3", "'yesterday'", "2024-03-04 08:30:00"],
        ),
        (
            "interval_start,calls\n2024-01-01 08:00,many\n",
            ["h.csv:2", "'many'", "not a number"],
        ),
        (
            "interval_start,calls\n2024-01-01 08:00,\n",
            ["h.csv:2", "not a number"],
        ),
        (
            "start,calls\n2024-01-01 08:00,1\n",
            ["missing column 'interval_start'", "interval_start=YOUR"],
        ),
    ],
)
def test_bad_rows_are_named_with_the_fix(tmp_path: Path, text: str, fragments: list[str]) -> None:
    f = write(tmp_path / "h.csv", text)
    with pytest.raises((InputError, FormatError)) as info:
        read_history(f)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message


def test_the_same_time_in_two_queues_is_not_a_duplicate(tmp_path: Path) -> None:
    f = write(
        tmp_path / "h.csv",
        "interval_start,queue,calls\n2024-01-01 08:00,a,1\n2024-01-01 08:00,b,2\n"
        "2024-01-01 08:30,a,1\n",
    )
    assert read_history(f).bin_s == 1800


def test_unknown_mapping_key_and_missing_file(tmp_path: Path) -> None:
    f = write(tmp_path / "h.csv", "interval_start,calls\n2024-01-01 08:00,1\n")
    with pytest.raises(InputError, match="unknown fields"):
        read_history(f, columns={"when": "x"})
    with pytest.raises(InputError, match="does not exist"):
        read_history(tmp_path / "nope.csv")


def test_rebinning_sums_bins_and_weights_aht_by_calls() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": pd.date_range("2024-01-01 08:00", periods=6, freq="5min"),
            "calls": [1, 2, 3, 4, 5, 6],
            "aht_s": [100, 100, 100, 200, 200, np.nan],
        }
    )
    grid = to_grid(history_from_frame(frame), 1800)[0]
    assert grid.slots == 48
    assert grid.calls[0, 16] == 21.0  # 08:00-08:30
    assert grid.calls[0, :16].sum() == 0.0
    assert grid.calls[0, 17:].sum() == 0.0
    # (1+2+3)*100 + (4+5)*200 over the 15 calls that have an AHT
    assert grid.aht is not None
    assert grid.aht[0, 16] == pytest.approx((600 + 1800) / 15)


def test_six_minute_bins_split_in_proportion_into_fifteen_minutes() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": pd.date_range("2024-01-01 00:00", periods=5, freq="6min"),
            "calls": [6.0, 6.0, 6.0, 6.0, 6.0],
        }
    )
    grid = to_grid(history_from_frame(frame), 900)[0]
    # 00:00-00:15 holds 00:00, 00:06 and half of 00:12; 00:15-00:30 the rest.
    assert grid.calls[0, 0] == pytest.approx(15.0)
    assert grid.calls[0, 1] == pytest.approx(15.0)
    assert grid.calls[0].sum() == pytest.approx(30.0)


def test_interval_shorter_than_the_bins_is_refused() -> None:
    frame = pd.DataFrame(
        {"interval_start": pd.date_range("2024-01-01", periods=3, freq="30min"), "calls": 1}
    )
    with pytest.raises(InputError, match="shorter than the history's bins"):
        to_grid(history_from_frame(frame), 900)
    with pytest.raises(InputError, match="divide a day"):
        to_grid(history_from_frame(frame), 7 * 60 * 60)


def test_missing_days_are_nan_and_sparse_days_are_zero() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2024-01-01 08:00", "2024-01-03 09:00"]),
            "calls": [2.0, 3.0],
        }
    )
    grid = to_grid(history_from_frame(frame), 3600)[0]
    assert grid.n_days == 3
    assert np.isnan(grid.calls[1]).all()
    assert grid.calls[0, 8] == 2.0
    assert grid.calls[0, 9] == 0.0
    assert grid.calls[2, 9] == 3.0
    assert grid.calls[2, 8] == 0.0
