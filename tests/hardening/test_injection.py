"""Issue 9, case 5: queue and template names that a spreadsheet would run as formulas.

CSV cells of text that start with = + - @ tab or CR get a leading ' (OWASP); xlsx cells
of text are strings, never formulas; the project's own readers take the ' off again, so
the name survives forecast -> plan -> simulate/schedule unchanged.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd

from tests.hardening.conftest import SAMPLE_SHIFTS, history_frame, run

EVIL = '=HYPERLINK("http://evil")'


def _cells(path: Path, column: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def test_plan_csv_neutralises_and_the_readers_restore(tmp_path: Path, forecast_csv: Path) -> None:
    plan = tmp_path / "plan.csv"
    result = run(
        ["plan", "--forecast", str(forecast_csv), "--format", "csv", "--output", str(plan)]
    )
    assert result.exit_code == 0, result.output
    assert set(_cells(plan, "queue")) == {"'" + EVIL}
    printed = run(["plan", "--forecast", str(forecast_csv), "--format", "csv"])
    assert printed.stdout == plan.read_text("utf-8")  # stdout is neutralised the same way
    # the plan file feeds simulate and schedule under the queue's real name
    sim = run(["simulate", "--plan", str(plan), "--queue", EVIL, "--format", "json"])
    assert sim.exit_code == 0, sim.output
    roster = run(
        ["schedule", "--plan", str(plan), "--shifts", str(SAMPLE_SHIFTS), "--queue", EVIL,
         "--time-limit", "5s", "--format", "json"]
    )  # fmt: skip
    assert roster.exit_code == 0, roster.output
    assert json.loads(roster.stdout)["shift_count"] > 0


def test_a_hand_quoted_cell_reads_as_the_name_it_protects(tmp_path: Path) -> None:
    """'=x in a file is how a neutralised =x looks: the readers take the quote off."""
    forecast = tmp_path / "fc.csv"
    forecast.write_text(
        "interval_start,queue,calls,aht_s\n2025-01-06 08:00:00,'=x,10,180\n", "utf-8"
    )
    plan = tmp_path / "plan.csv"
    assert run(["plan", "--forecast", str(forecast), "--output", str(plan)]).exit_code == 0
    # no --format: the suffix .csv says it (it used to write the table for people)
    assert _cells(plan, "queue") == ["'=x"]
    out = run(["plan", "--forecast", str(forecast), "--format", "json"])
    assert json.loads(out.stdout)[0]["queue"] == "=x"


def test_plan_xlsx_writes_names_as_text(tmp_path: Path, forecast_csv: Path) -> None:
    book = tmp_path / "plan.xlsx"
    assert run(["plan", "--forecast", str(forecast_csv), "--output", str(book)]).exit_code == 0
    sheet = openpyxl.load_workbook(book)["plan"]
    assert sheet["B2"].value == EVIL
    assert sheet["B2"].data_type == "s"


def test_forecast_and_backtest_csv_neutralise(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history_frame(queue="-2+3").to_csv(history, index=False)
    out = tmp_path / "fc.csv"
    result = run(
        ["forecast", "--history", str(history), "--horizon", "7", "--folds", "1", "--output",
         str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert set(_cells(out, "queue")) == {"'-2+3"}
    frame = pd.read_csv(out)
    assert frame["calls"].dtype.kind == "f"  # numbers stay numbers
    plan = run(["plan", "--forecast", str(out), "--format", "json"])
    assert plan.exit_code == 0, plan.output
    assert {row["queue"] for row in json.loads(plan.stdout)} == {"-2+3"}
    scores = run(
        ["backtest", "--history", str(history), "--horizon", "7", "--folds", "1", "--methods",
         "seasonal_naive", "--inner-folds", "1", "--format", "csv"]
    )  # fmt: skip
    assert scores.exit_code == 0, scores.output
    assert scores.stdout.splitlines()[1].startswith("'-2+3,seasonal_naive,")


def test_schedule_csv_neutralises_template_names(tmp_path: Path, plan_csv: Path) -> None:
    shifts = tmp_path / "shifts.yaml"
    shifts.write_text(
        SAMPLE_SHIFTS.read_text("utf-8").replace("name: part4", "name: '+part4'"), "utf-8"
    )
    result = run(
        ["schedule", "--plan", str(plan_csv), "--shifts", str(shifts), "--time-limit", "5s",
         "--format", "csv"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = {line.split(",")[0] for line in result.stdout.splitlines()[1:]}
    assert names <= {"day8", "'+part4"}
    assert "'+part4" in names
