"""`contactcenter schedule` as a user runs it, on small plan files built here."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app

runner = CliRunner()

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


def plan_csv(tmp_path: Path, agents: dict[str, float], *, name: str = "plan.csv") -> Path:
    """A plan in `contactcenter plan`'s format: 30-minute rows for 2024-03-04."""
    rows = []
    for h in range(24):
        for m in (0, 30):
            t = f"2024-03-04 {h:02d}:{m:02d}:00"
            a = agents.get(t[11:16], 0.0)
            rows.append(f"{t},sales,{a * 10},180,{a},{a * 1.25},0.8,15,0.8,0.05")
    path = tmp_path / name
    header = "interval_start,queue,calls,aht_s,agents,gross_agents,service_level,asa_s,"
    path.write_text(header + "occupancy,p_abandon\n" + "\n".join(rows) + "\n", "utf-8")
    return path


@pytest.fixture
def shifts(tmp_path: Path) -> Path:
    path = tmp_path / "shifts.yaml"
    path.write_text(SHIFTS, "utf-8")
    return path


def office_hours(level: float) -> dict[str, float]:
    return {f"{h:02d}:{m:02d}": level for h in range(9, 17) for m in (0, 30)}


def test_json_has_the_documented_keys(tmp_path: Path, shifts: Path) -> None:
    plan = plan_csv(tmp_path, office_hours(2))
    res = runner.invoke(
        app,
        [
            "schedule",
            "--plan",
            str(plan),
            "--shifts",
            str(shifts),
            "--format",
            "json",
            "--time-limit",
            "10s",
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    for key in (
        "status",
        "paid_hours",
        "uncovered_agent_intervals",
        "optimality_gap",
        "shifts",
        "coverage",
    ):
        assert key in doc
    assert doc["status"] == "optimal"
    assert doc["uncovered_agent_intervals"] == 0
    # 09:00-17:00 needs 2 agents; an 8h30m shift with a 30-minute lunch cannot cover all
    # 32 quarter hours alone, so 3 shifts (cost 1 each) are the optimum.
    assert sum(s["count"] for s in doc["shifts"]) == 3
    assert doc["paid_hours"] == 24.0
    assert set(doc["shifts"][0]) >= {"template", "start", "count", "breaks"}
    assert set(doc["shifts"][0]["breaks"][0]) == {"start", "end", "paid"}
    assert set(doc["coverage"][0]) == {"interval_start", "required", "scheduled", "gap"}
    assert len(doc["coverage"]) == 96
    at_ten = next(c for c in doc["coverage"] if c["interval_start"] == "2024-03-04 10:00:00")
    assert at_ten["required"] == 2
    assert at_ten["scheduled"] >= 2


def test_an_infeasible_plan_is_a_partial_roster_not_an_error(tmp_path: Path, shifts: Path) -> None:
    need = office_hours(1) | {"02:00": 3.0}
    plan = plan_csv(tmp_path, need)
    cov = tmp_path / "coverage.csv"
    res = runner.invoke(
        app,
        [
            "schedule",
            "--plan",
            str(plan),
            "--shifts",
            str(shifts),
            "--format",
            "csv",
            "--coverage",
            str(cov),
            "--html",
            str(tmp_path / "roster.html"),
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 0, res.stderr
    assert "partial: 6 agent-intervals" in res.stderr
    roster = pd.read_csv(io.StringIO(res.stdout))
    assert list(roster.columns) == ["template", "start", "end", "count", "paid_hours", "breaks"]
    coverage = pd.read_csv(cov).set_index("interval_start")
    assert coverage.loc["2024-03-04 02:00:00", "gap"] == 3
    assert coverage.loc["2024-03-04 02:15:00", "gap"] == 3
    assert coverage.loc["2024-03-04 10:00:00", "gap"] <= 0
    # the chart: the two step lines, a bar for each short interval, a hover slot for each
    text = (tmp_path / "roster.html").read_text("utf-8")
    (svg,) = [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", text, flags=re.S)]
    groups = {g.get("data-name"): g for g in svg.iter("g") if g.get("data-name")}
    assert groups["required"].get("class") == "step"
    assert groups["scheduled (working, not on break)"].get("class") == "step"
    short = list(groups["short (required - scheduled)"].iter("rect"))
    assert len(short) == int((coverage["gap"] > 0).sum()) == 2
    hover = next(g for g in svg.iter("g") if g.get("class") == "hover")
    assert len(list(hover.iter("rect"))) == len(coverage)


def test_gross_agents_table_xlsx_and_html(tmp_path: Path, shifts: Path) -> None:
    plan = plan_csv(tmp_path, office_hours(4))
    base = ["schedule", "--plan", str(plan), "--shifts", str(shifts), "--workers", "1"]
    res = runner.invoke(app, [*base, "--use", "gross_agents"])
    assert res.exit_code == 0, res.stderr
    assert "status: optimal" in res.stdout
    assert "day8" in res.stdout
    out = tmp_path / "roster.xlsx"
    html = tmp_path / "roster.html"
    res = runner.invoke(app, [*base, "--format", "xlsx", "--output", str(out), "--html", str(html)])
    assert res.exit_code == 0, res.stderr
    assert openpyxl.load_workbook(out).sheetnames == ["summary", "shifts", "coverage", "by_day"]
    text = html.read_text("utf-8")
    assert "Coverage: required and scheduled agents per interval" in text


@pytest.mark.parametrize(
    ("shift_text", "extra", "fragment"),
    [
        (SHIFTS.replace("cost: 1.0", "price: 1.0"), [], "unknown key 'price'"),
        (SHIFTS.replace("8h30m", "26h"), [], "longer than a day"),
        (SHIFTS, ["--use", "heads"], "--use must be one of agents, gross_agents"),
        (SHIFTS, ["--time-limit", "soon"], "--time-limit: cannot read 'soon'"),
        (SHIFTS, ["--format", "pdf"], "--format must be one of"),
        (SHIFTS, ["--workers", "0"], "--workers must be a whole number >= 1"),
        (SHIFTS, ["--format", "xlsx"], "--format xlsx needs --output"),
    ],
)
def test_bad_input_is_one_line_error(
    tmp_path: Path, shift_text: str, extra: list[str], fragment: str
) -> None:
    plan = plan_csv(tmp_path, office_hours(1))
    shifts = tmp_path / "s.yaml"
    shifts.write_text(shift_text, "utf-8")
    res = runner.invoke(
        app, ["schedule", "--plan", str(plan), "--shifts", str(shifts), "--workers", "1", *extra]
    )
    assert res.exit_code == 2
    assert res.stderr.startswith("error: ")
    assert res.stderr.count("\n") == 1
    assert fragment in res.stderr


def test_a_plan_row_with_negative_agents_is_named(tmp_path: Path, shifts: Path) -> None:
    plan = plan_csv(tmp_path, {"10:00": -2.0})
    res = runner.invoke(app, ["schedule", "--plan", str(plan), "--shifts", str(shifts)])
    assert res.exit_code == 2
    assert "plan.csv:22" in res.stderr
    assert "agents = '-2.0'" in res.stderr


def test_forecast_output_to_schedule(tmp_path: Path, shifts: Path) -> None:
    """A forecast file is not a plan: schedule says which column is missing."""
    path = tmp_path / "forecast.csv"
    path.write_text(
        "interval_start,queue,calls,calls_lo,calls_hi,aht_s\n2024-03-04 10:00:00,q,5,4,6,180\n",
        "utf-8",
    )
    res = runner.invoke(app, ["schedule", "--plan", str(path), "--shifts", str(shifts)])
    assert res.exit_code == 2
    assert "missing column 'agents'" in res.stderr
