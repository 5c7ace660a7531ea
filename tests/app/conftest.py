"""Inputs shared by the application-layer tests, and the CLI to compare with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app

FORECAST = """interval_start,queue,calls,aht_s,patience_s
2025-01-06T08:00,sales,100,180,
2025-01-06T08:30,sales,0,,
2025-01-06T08:00,support,306,265,300
"""

SHIFTS = """\
interval: 15m
templates:
  - name: day8
    start: {earliest: "06:00", latest: "14:00", step: 15m}
    length: 8h30m
    breaks:
      - {length: 30m, paid: false, earliest: 3h, latest: 5h}
    cost: 1.0
"""


def cli(args: list[str]) -> str:
    """Run the CLI; its stdout (the command must succeed)."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def cli_json(args: list[str]) -> Any:
    """Run the CLI with ``--format json``; the parsed document."""
    return json.loads(cli([*args, "--format", "json"]))


@pytest.fixture
def forecast_csv(tmp_path: Path) -> Path:
    path = tmp_path / "forecast.csv"
    path.write_text(FORECAST, "utf-8")
    return path


@pytest.fixture
def shifts_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "shifts.yaml"
    path.write_text(SHIFTS, "utf-8")
    return path


def office_plan() -> pd.DataFrame:
    """A day of 30-minute plan rows for one queue: 2 agents from 09:00 to 17:00."""
    starts = pd.date_range("2024-03-04", periods=48, freq="30min")
    agents = [2.0 if 9 <= t.hour < 17 else 0.0 for t in starts]
    return pd.DataFrame(
        {
            "interval_start": starts.strftime("%Y-%m-%d %H:%M:%S"),
            "queue": "sales",
            "calls": [a * 10 for a in agents],
            "aht_s": 180.0,
            "agents": agents,
            "gross_agents": [a * 1.25 for a in agents],
        }
    )


@pytest.fixture(scope="session")
def history_frame() -> pd.DataFrame:
    """Eight weeks of 30-minute counts, Monday to Friday 08:00-12:00, two queues, AHT."""
    rng = np.random.default_rng(7)
    rows = []
    for d in range(56):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)
        if day.day_of_week >= 5:
            continue
        for q, level in (("sales", 40), ("billing", 15)):
            for slot in range(8):
                t = day + pd.Timedelta(hours=8, minutes=30 * slot)
                rows.append(
                    {
                        "interval_start": f"{t:%Y-%m-%d %H:%M:%S}",
                        "queue": q,
                        "calls": int(rng.poisson(level)),
                        "aht_s": 200 + 10 * slot,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture
def history_csv(tmp_path: Path, history_frame: pd.DataFrame) -> Path:
    path = tmp_path / "history.csv"
    history_frame.to_csv(path, index=False)
    return path
