"""A simulated day measured by the KPI engine gives the simulator's own summary:
simulate -> canonical contacts (Parquet) -> ingest --format contacts -> report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app

runner = CliRunner()


def run_json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc: dict[str, object] = json.loads(result.stdout)
    return doc


def test_store_kpis_equal_the_simulator_summary(tmp_path: Path) -> None:
    contacts = tmp_path / "sim.parquet"
    summary = run_json(
        [
            "simulate",
            "--calls",
            "100",
            "--period",
            "30m",
            "--aht",
            "180",
            "--agents",
            "12",
            "--patience",
            "120",
            "--threshold",
            "20",
            "--periods",
            "16",
            "--seed",
            "11",
            "--format",
            "json",
            "--output",
            str(contacts),
        ]
    )
    db = tmp_path / "store.duckdb"
    result = runner.invoke(app, ["ingest", "--db", str(db), "--format", "contacts", str(contacts)])
    assert result.exit_code == 0, result.output
    # The models' SL is answered within T / offered: no short-abandon exclusion (S = 0).
    doc = run_json(
        [
            "report",
            "--db",
            str(db),
            "--format",
            "json",
            "--threshold",
            "20",
            "--short-abandon",
            "0",
            "--metrics",
            "offered,answered,abandoned,service_level,asa_s,abandon_rate_raw",
        ]
    )
    (row,) = doc["rows"]  # type: ignore[misc]
    assert row["offered"] == summary["contacts"]
    assert row["answered"] + row["abandoned"] == summary["contacts"]
    assert row["abandoned"] > 0  # patience 120 s at 12 agents for 10 Erl: some leave
    assert row["service_level"] == pytest.approx(summary["service_level"], abs=1e-12)
    assert row["abandon_rate_raw"] == pytest.approx(summary["p_abandon"], abs=1e-12)
    assert row["asa_s"] == pytest.approx(summary["asa_s"], rel=1e-9)
