"""schedule as a Python function: the CLI's roster, typed, errors by field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pytest
import yaml

import contactcenter
from contactcenter.app.schedule import Roster, schedule
from contactcenter.errors import ContactCenterError
from contactcenter.staffing.plan_file import write_plan

from .conftest import SHIFTS, cli, cli_json, office_plan


def _without_time(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "solve_time_s"}


def test_schedule_gives_the_cli_roster(tmp_path: Path, shifts_yaml: Path) -> None:
    plan_csv = write_plan(pa.Table.from_pandas(office_plan()), tmp_path / "plan.csv")
    result = schedule(plan=plan_csv, shifts=shifts_yaml, workers=1, time_limit="10s")
    assert isinstance(result, Roster)
    args = ["schedule", "--plan", str(plan_csv), "--shifts", str(shifts_yaml), "--workers", "1"]
    assert _without_time(result.as_dict()) == _without_time(cli_json(args))
    assert result.to_text("csv") == cli([*args, "--format", "csv"])
    assert result.status == "optimal"
    assert result.shift_count == 3
    assert isinstance(result.shift_count, int)
    assert result.paid_hours == 24.0
    assert result.table.column_names == [
        "template",
        "start",
        "end",
        "count",
        "paid_hours",
        "breaks",
    ]
    assert result.coverage.column_names == ["interval_start", "required", "scheduled", "gap"]
    assert result.coverage.column("interval_start")[40].as_py() == "2024-03-04 10:00:00"
    result.write(tmp_path / "roster.xlsx")
    book = openpyxl.load_workbook(tmp_path / "roster.xlsx")
    assert book.sheetnames == ["summary", "shifts", "coverage", "by_day"]
    cov = result.write_coverage(tmp_path / "coverage.csv").read_text("utf-8").splitlines()
    assert cov[0] == "interval_start,required,scheduled,gap"
    assert contactcenter.schedule is schedule


def test_schedule_takes_tables_and_shift_data(shifts_yaml: Path) -> None:
    frame = office_plan()
    from_frame = schedule(plan=frame, shifts=yaml.safe_load(SHIFTS), workers=1, use="gross_agents")
    from_table = schedule(
        plan=pa.Table.from_pandas(frame), shifts=shifts_yaml, workers=1, use="gross_agents"
    )
    assert from_frame.table.equals(from_table.table)
    assert from_frame.coverage.column("required").to_pylist()[40] == 3  # ceil(2 x 1.25)


def test_a_staffing_plan_goes_into_schedule(forecast_csv: Path, shifts_yaml: Path) -> None:
    from contactcenter.app.staffing import plan

    staffing = plan(forecast=forecast_csv)
    by_result = schedule(plan=staffing, shifts=shifts_yaml, workers=1)
    by_table = schedule(plan=staffing.table, shifts=shifts_yaml, workers=1)
    assert by_result.table.equals(by_table.table)
    assert (
        by_result.coverage.column("required").to_pylist()[32] == 14 + 49
    )  # 08:00: sales and support pooled


def test_an_unmeetable_requirement_is_a_partial_roster() -> None:
    frame = office_plan()
    frame.loc[4, "agents"] = 3.0  # 02:00, when no shift can start
    result = schedule(plan=frame, shifts=yaml.safe_load(SHIFTS), workers=1)
    assert result.status == "partial"
    assert result.uncovered_agent_intervals == 6
    assert "intervals short of the requirement" in result.to_text("table")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"use": "heads"}, "use"),
        ({"time_limit": "soon"}, "time_limit"),
        ({"time_limit": 0}, "time_limit"),
        ({"workers": 0}, "workers"),
        ({"queue": "x"}, "queue"),
        ({"plan": "nope.csv"}, "plan"),
        ({"shifts": "nope.yaml"}, "shifts"),
    ],
)
def test_schedule_errors_carry_the_field(options: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {"plan": office_plan(), "shifts": yaml.safe_load(SHIFTS)}
    with pytest.raises(ContactCenterError) as info:
        schedule(**(base | options))
    assert info.value.field == field
