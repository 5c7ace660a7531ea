"""Issue 9, case 2: hostile dates and files for forecast, backtest, plan, simulate and
schedule: one line naming the file (and line) or the option, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.conftest import SAMPLE_SHIFTS, history_frame, one_line_error, run

BINARY = bytes(range(256)) * 8


def _history_with(tmp_path: Path, first_row: str, header: str = "") -> Path:
    path = tmp_path / "history.csv"
    frame = history_frame(days=35)
    text = frame.to_csv(index=False)
    lines = text.splitlines()
    if header:
        lines[0] = header
    path.write_text("\n".join([lines[0], first_row, *lines[1:]]) + "\n", "utf-8")
    return path


def test_a_history_dated_year_1_is_refused_with_its_line(tmp_path: Path) -> None:
    history = _history_with(tmp_path, "0001-01-01 08:00:00,@sales,5,180")
    line = one_line_error(run(["forecast", "--history", str(history)]))
    assert line == (
        f"error: {history}:2: interval_start '0001-01-01 08:00:00' is outside the years "
        "1900 to 2199"
    )


def test_a_history_after_2199_is_refused(tmp_path: Path) -> None:
    history = _history_with(tmp_path, "2300-01-01 08:00:00,@sales,5,180")
    line = one_line_error(run(["backtest", "--history", str(history)]))
    assert line == (
        f"error: {history}:2: interval_start '2300-01-01 08:00:00' is outside the years "
        "1900 to 2199"
    )


def test_year_1_in_a_far_time_zone_is_refused(tmp_path: Path) -> None:
    """A mapped column with an offset: the conversion overflowed (OverflowError)."""
    history = tmp_path / "mapped.csv"
    history.write_text(
        "DateTime,calls\n0001-01-01T00:00:00+14:00,5\n2024-01-01T00:30:00+14:00,5\n", "utf-8"
    )
    line = one_line_error(
        run(["forecast", "--history", str(history), "--column", "interval_start=DateTime"])
    )
    assert line == (
        f"error: {history}:2: interval_start '0001-01-01T00:00:00+14:00' is outside the "
        "years 1900 to 2199"
    )


def test_a_huge_horizon_is_refused(history_csv: Path) -> None:
    line = one_line_error(run(["forecast", "--history", str(history_csv), "--horizon", "100000d"]))
    assert line == "error: --horizon must be at most 3,660 days, got '100000d'"
    line = one_line_error(run(["backtest", "--history", str(history_csv), "--horizon", "999999"]))
    assert line == "error: --horizon must be at most 3,660 days, got '999999'"


def test_a_history_spanning_centuries_is_refused_before_allocating(tmp_path: Path) -> None:
    history = tmp_path / "h.csv"
    history.write_text(
        "interval_start,calls\n1900-01-01 00:00:00,1\n1900-01-01 00:05:00,1\n"
        "2199-12-31 23:55:00,1\n",
        "utf-8",
    )
    line = one_line_error(run(["forecast", "--history", str(history), "--interval", "5m"]))
    assert line == (
        f"error: {history}: queue 'all' spans 109,573 days of 288 intervals "
        "(31,557,024 cells); at most 2,000,000: forecast a coarser --interval or give "
        "a shorter history"
    )


@pytest.mark.parametrize(
    "option",
    ["plan --forecast", "forecast --history", "backtest --history", "simulate --plan",
     "schedule --plan", "schedule --shifts", "forecast --holidays"],
)  # fmt: skip
def test_a_binary_file_is_one_line(option: str, tmp_path: Path, history_csv: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_bytes(BINARY)
    args = _args(option, junk, history_csv)
    line = one_line_error(run(args))
    assert str(junk) in line


@pytest.mark.parametrize(
    "option",
    ["plan --forecast", "forecast --history", "backtest --history", "simulate --plan",
     "schedule --plan", "schedule --shifts"],
)  # fmt: skip
def test_a_folder_as_input_is_one_line(option: str, tmp_path: Path, history_csv: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    line = one_line_error(run(_args(option, folder, history_csv)))
    assert line.endswith(f"{folder} is a folder, not a file")


def _args(option: str, path: Path, history: Path) -> list[str]:
    command, flag = option.split()
    if command == "schedule":
        plan = path if flag == "--plan" else history
        shifts = path if flag == "--shifts" else SAMPLE_SHIFTS
        return ["schedule", "--plan", str(plan), "--shifts", str(shifts)]
    if flag == "--holidays":
        return ["forecast", "--history", str(history), "--holidays", str(path)]
    return [command, flag, str(path)]
