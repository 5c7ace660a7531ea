"""Small input files shared by the hardening tests (issue 9): a forecast, a plan, a
history long enough for a backtest, and the shift file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from contactcenter.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SHIFTS = ROOT / "data" / "sample" / "shifts.yaml"

FORECAST = """interval_start,queue,calls,aht_s
2025-01-06 08:00:00,=HYPERLINK("http://evil"),100,180
2025-01-06 08:30:00,=HYPERLINK("http://evil"),120,180
2025-01-06 09:00:00,=HYPERLINK("http://evil"),90,180
"""


def run(args: list[str]) -> Result:
    """The command as a user runs it (stdout and stderr apart)."""
    return CliRunner().invoke(app, args)


def one_line_error(result: Result, status: int = 2) -> str:
    """The single ``error: ...`` line of a refused command, checked."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == status, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    return result.stderr.strip()


def history_frame(days: int = 63, queue: str = "@sales") -> pd.DataFrame:
    """Nine weeks of half-hourly calls, 08:00-18:00, with a weekly pattern."""
    rng = np.random.default_rng(3)
    rows = []
    for day in pd.date_range("2024-01-01", periods=days):
        scale = 1.0 if day.day_of_week < 5 else 0.4
        for slot in range(16, 36):
            rows.append(
                (day + pd.Timedelta(minutes=30 * slot), queue, rng.poisson(40 * scale), 180)
            )
    return pd.DataFrame(rows, columns=["interval_start", "queue", "calls", "aht_s"])


@pytest.fixture
def forecast_csv(tmp_path: Path) -> Path:
    path = tmp_path / "forecast.csv"
    path.write_text(FORECAST, "utf-8")
    return path


@pytest.fixture
def history_csv(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    history_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def plan_csv(tmp_path: Path, forecast_csv: Path) -> Path:
    path = tmp_path / "plan.csv"
    result = run(
        ["plan", "--forecast", str(forecast_csv), "--format", "csv", "--output", str(path)]
    )
    assert result.exit_code == 0, result.output
    return path


def make_device(folder: Path, name: str) -> Path:
    """A character device like /dev/full or /dev/null made in ``folder`` (as root), or
    the real one when this process cannot replace it; skips when neither is possible."""
    minor = {"null": 3, "full": 7}[name]
    path = folder / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError:
        real = Path("/dev") / name
        if os.geteuid() == 0 or not real.is_char_device():
            pytest.skip("cannot make a device node here")
        return real
    return path
