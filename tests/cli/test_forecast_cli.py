"""`contactcenter forecast` and `contactcenter backtest` as a user runs them."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app

runner = CliRunner()


@pytest.fixture
def history_csv(tmp_path: Path) -> Path:
    """Eight weeks of 30-minute counts, Monday to Friday 08:00-12:00, two queues, with AHT."""
    rng = np.random.default_rng(7)
    rows = []
    for d in range(56):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)
        if day.day_of_week >= 5:
            continue
        for q, level in (("sales", 40), ("billing", 15)):
            for slot in range(8):
                t = day + pd.Timedelta(hours=8, minutes=30 * slot)
                rows.append(f"{t:%Y-%m-%d %H:%M:%S},{q},{rng.poisson(level)},{200 + 10 * slot}")
    path = tmp_path / "history.csv"
    path.write_text("interval_start,queue,calls,aht_s\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def test_forecast_csv_feeds_the_plan_columns(history_csv: Path) -> None:
    res = runner.invoke(
        app, ["forecast", "--history", str(history_csv), "--horizon", "7d", "--folds", "2"]
    )
    assert res.exit_code == 0, res.stderr
    frame = pd.read_csv(io.StringIO(res.stdout))
    assert list(frame.columns) == [
        "interval_start",
        "queue",
        "calls",
        "calls_lo",
        "calls_hi",
        "aht_s",
    ]
    assert len(frame) == 2 * 7 * 48
    assert frame["interval_start"].iloc[0] == "2024-02-24 00:00:00"
    assert (frame["calls_lo"] <= frame["calls"]).all()
    assert (frame["calls"] <= frame["calls_hi"]).all()
    weekend = pd.to_datetime(frame["interval_start"]).dt.day_of_week >= 5
    assert (frame.loc[weekend, "calls"] == 0).all()
    monday_9 = frame[(frame["interval_start"] == "2024-02-26 09:00:00")]
    assert set(monday_9["queue"]) == {"sales", "billing"}
    assert (monday_9["calls"] > 5).all()
    assert monday_9["aht_s"].tolist() == pytest.approx([220.0, 220.0])
    assert "queue sales: method" in res.stderr


def test_forecast_json_table_and_xlsx(history_csv: Path, tmp_path: Path) -> None:
    base = ["forecast", "--history", str(history_csv), "--horizon", "2", "--open-only"]
    res = runner.invoke(app, [*base, "--format", "json", "--method", "seasonal_mean"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert set(doc) >= {"interval_s", "horizon_days", "level", "methods", "forecast"}
    assert doc["methods"] == {"sales": "seasonal_mean", "billing": "seasonal_mean"}
    assert len(doc["forecast"]) == 0  # the two days after the history are a weekend
    three_days = ["forecast", "--history", str(history_csv), "--horizon", "3", "--open-only"]
    res = runner.invoke(app, [*three_days, "--format", "table"])
    assert res.exit_code == 0, res.stderr
    assert "calls_hi" in res.stdout
    assert "2024-02-26 08:00:00" in res.stdout
    out = tmp_path / "f.xlsx"
    res = runner.invoke(app, [*base, "--format", "xlsx", "--output", str(out)])
    assert res.exit_code == 0, res.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["forecast", "selection"]


def test_mapped_columns_and_a_constant_aht(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    lines = ["DateTime,Calls"]
    for d in range(35):
        for h in (9, 10):
            lines.append(f"{pd.Timestamp('2024-01-01') + pd.Timedelta(days=d, hours=h)},10")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    args = ["forecast", "--history", str(path), "--horizon", "1d", "--open-only"]
    args += ["--interval", "1h"]
    res = runner.invoke(app, [*args, "--column", "interval_start=DateTime", "--aht", "3m"])
    assert res.exit_code == 0, res.stderr
    frame = pd.read_csv(io.StringIO(res.stdout))
    assert frame["calls"].tolist() == pytest.approx([10.0, 10.0])
    assert frame["aht_s"].tolist() == [180.0, 180.0]
    res = runner.invoke(app, [*args, "--column", "interval_start=DateTime"])
    assert "pass --aht" in res.stderr


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--interval", "7m"], "--interval must divide a day"),
        (["--horizon", "36h"], "--horizon counts whole days"),
        (["--method", "magic"], "--method must be one of"),
        (["--format", "pdf"], "--format must be one of"),
        (["--folds", "two"], "--folds must be a whole number"),
        (["--holidays", "Narnia"], "neither an existing file nor a country code"),
        (["--column", "DateTime"], "--column must look like interval_start=DateTime"),
        (["--format", "xlsx"], "--format xlsx needs --output"),
    ],
)
def test_bad_options_are_one_line_errors(
    history_csv: Path, extra: list[str], fragment: str
) -> None:
    res = runner.invoke(app, ["forecast", "--history", str(history_csv), *extra])
    assert res.exit_code == 2
    assert res.stderr.startswith("error: ")
    assert res.stderr.count("\n") == 1
    assert fragment in res.stderr


def test_a_bad_history_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("interval_start,calls\n2024-01-01 08:00,1\n2024-01-01 08:30,-4\n", "utf-8")
    res = runner.invoke(app, ["forecast", "--history", str(path)])
    assert res.exit_code == 2
    assert "h.csv:3" in res.stderr
    assert "calls = '-4'" in res.stderr


def test_backtest_table_json_and_chart(history_csv: Path, tmp_path: Path) -> None:
    html = tmp_path / "bt.html"
    args = ["backtest", "--history", str(history_csv), "--horizon", "7d", "--folds", "2"]
    res = runner.invoke(app, [*args, "--inner-folds", "2", "--html", str(html)])
    assert res.exit_code == 0, res.stderr
    for word in ("seasonal_naive", "seasonal_mean", "profile", "auto", "wape_%", "coverage_%"):
        assert word in res.stdout
    assert "auto chose:" in res.stdout
    text = html.read_text("utf-8")
    assert "WAPE by fold" in text
    svgs = [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", text, flags=re.S)]
    assert len(svgs) == 4  # per queue: WAPE by fold, latest fold
    wape = [g for g in svgs[0].iter("g") if g.get("class") == "bars"]
    assert {g.get("data-name") for g in wape} >= {"seasonal_naive", "profile", "auto"}
    assert all(len(list(g.iter("rect"))) == 2 for g in wape)  # one bar per fold
    latest = {g.get("data-name"): g for g in svgs[1].iter("g") if g.get("data-name")}
    assert {"actual", "80 % interval"} <= set(latest)
    assert latest["80 % interval"].get("class") == "band"
    res = runner.invoke(
        app, [*args, "--inner-folds", "1", "--methods", "seasonal_mean,profile", "--format", "json"]
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    scores = {(r["queue"], r["method"]): r for r in doc["scores"]}
    assert set(scores) == {
        (q, m) for q in ("sales", "billing") for m in ("seasonal_mean", "profile")
    }
    row = scores[("sales", "profile")]
    assert set(row) >= {"wape", "mape", "bias", "coverage", "folds", "wape_vs_best_baseline"}
    assert row["folds"] == 2
    assert len(doc["by_fold"]) == 2 * 2 * 2
