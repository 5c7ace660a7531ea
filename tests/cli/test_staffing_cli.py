"""The staff, plan and simulate commands through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.facts import CONTACTS_SCHEMA

runner = CliRunner()


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_staff_finds_published_requirement() -> None:
    # METRICS.md: 100 calls / 30 min, AHT 180 s, 80/20, cap 0.85 -> 14; shrinkage 0.3 -> 20
    out = _json(
        [
            "staff",
            "--calls",
            "100",
            "--period",
            "30m",
            "--aht",
            "3m",
            "--threshold",
            "20s",
            "--target",
            "0.8",
            "--max-occupancy",
            "0.85",
            "--shrinkage",
            "0.3",
            "--format",
            "json",
        ]
    )
    assert out["agents"] == 14
    assert out["gross_agents"] == 20
    assert out["load_erl"] == pytest.approx(10.0)
    assert out["service_level"] == pytest.approx(0.8883500, abs=5e-8)
    assert out["p_wait"] == pytest.approx(0.1741319, abs=5e-8)
    assert out["asa_s"] == pytest.approx(7.8359, abs=5e-5)
    assert out["occupancy"] == pytest.approx(0.7142857, abs=5e-8)
    assert "p_abandon" not in out  # no patience, no abandonment model


def test_staff_evaluates_given_agents_with_patience() -> None:
    # METRICS.md: Erlang A, patience 300 s, n = 14
    out = _json(
        [
            "staff",
            "--calls",
            "100",
            "--period",
            "1800",
            "--aht",
            "180",
            "--agents",
            "14",
            "--patience",
            "5m",
            "--format",
            "json",
        ]
    )
    assert out["model"] == "erlang_a"
    assert out["agents"] == 14
    assert out["p_abandon"] == pytest.approx(0.013984, abs=5e-7)
    assert out["p_wait"] == pytest.approx(0.14526, abs=5e-6)
    assert out["service_level"] == pytest.approx(0.916792, abs=5e-7)
    for key in (
        "load_erl",
        "agents",
        "gross_agents",
        "service_level",
        "p_wait",
        "asa_s",
        "occupancy",
        "p_abandon",
    ):
        assert key in out


def test_staff_occupancy_edge_case_gives_53() -> None:
    out = _json(
        [
            "staff",
            "--calls",
            "306",
            "--period",
            "30m",
            "--aht",
            "265",
            "--target",
            "0.5",
            "--max-occupancy",
            "0.85",
            "--format",
            "json",
        ]
    )
    assert out["agents"] == 53


def test_staff_chat_and_table_format() -> None:
    out = _json(
        [
            "staff",
            "--calls",
            "200",
            "--period",
            "30m",
            "--aht",
            "5m,6m,7m",
            "--concurrency",
            "3",
            "--format",
            "json",
        ]
    )
    assert out["model"] == "chat"
    assert out["threshold_s"] == 90.0
    assert out["service_level"] >= 0.8  # type: ignore[operator]
    table = runner.invoke(app, ["staff", "--calls", "100", "--period", "30m", "--aht", "180"])
    assert table.exit_code == 0
    assert "agents" in table.stdout
    assert "14" in table.stdout


def test_staff_unstable_staffing_reports_null_asa() -> None:
    out = _json(
        [
            "staff",
            "--calls",
            "100",
            "--period",
            "30m",
            "--aht",
            "180",
            "--agents",
            "9",
            "--format",
            "json",
        ]
    )
    assert out["service_level"] == 0.0
    assert out["asa_s"] is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--aht", "0"], "error: --aht must be a duration > 0, got '0'"),
        (["--aht", "-5"], "error: --aht must be a non-negative duration, got '-5'"),
        (["--aht", "3x"], "error: --aht: cannot read '3x' as a duration"),
        (["--shrinkage", "1.2"], "error: --shrinkage must be in [0, 1), got 1.2"),
        (["--shrinkage", "1"], "error: --shrinkage must be in [0, 1), got 1"),
        (["--target", "1.5"], "error: --target must be in (0, 1), got 1.5"),
        (["--target", "0"], "error: --target must be in (0, 1), got 0"),
        (["--max-occupancy", "0"], "error: --max-occupancy must be in (0, 1], got 0"),
        (["--calls", "-3"], "error: --calls must be a number >= 0, got -3"),
        (["--calls", "many"], "error: --calls must be a number >= 0, got 'many'"),
        (["--period", "30q"], "error: --period: cannot read '30q' as a duration"),
        (["--agents", "2.5"], "error: --agents must be a whole number >= 1, got 2.5"),
        (["--sl-definition", "asa"], "error: --sl-definition must be one of offered, answered"),
        (["--format", "xml"], "error: --format must be one of json, table, got 'xml'"),
    ],
)
def test_staff_bad_input_is_one_line_exit_2(extra: list[str], message: str) -> None:
    args = {"--calls": "100", "--period": "30m", "--aht": "180"}
    for i in range(0, len(extra), 2):
        args[extra[i]] = extra[i + 1]
    flat = ["staff"] + [part for pair in args.items() for part in pair]
    result = runner.invoke(app, flat)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(message)


# --- plan -----------------------------------------------------------------------------------
FORECAST = """interval_start,queue,calls,aht_s,patience_s
2025-01-06T08:00,sales,100,180,
2025-01-06T08:30,sales,0,,
2025-01-06T08:00,support,306,265,300
"""


@pytest.fixture
def forecast(tmp_path: Path) -> Path:
    path = tmp_path / "forecast.csv"
    path.write_text(FORECAST, encoding="utf-8")
    return path


def test_plan_json_rows(forecast: Path) -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            "--forecast",
            str(forecast),
            "--interval",
            "30m",
            "--threshold",
            "20",
            "--target",
            "0.8",
            "--max-occupancy",
            "0.85",
            "--shrinkage",
            "0.3",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["agents"] for r in rows] == [14, 0, 53]
    assert [r["gross_agents"] for r in rows] == [20, 0, 76]
    zero = rows[1]
    assert zero["service_level"] is None
    assert zero["occupancy"] is None
    assert rows[0]["p_abandon"] == 0.0  # no patience: Erlang C
    assert rows[2]["p_abandon"] > 0  # patience_s 300: Erlang A
    for key in ("service_level", "asa_s", "occupancy", "p_abandon", "load_erl", "p_wait"):
        assert key in rows[0]


def test_plan_csv_and_xlsx(forecast: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "--forecast", str(forecast), "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("interval_start,queue,calls,aht_s,patience_s,load_erl,agents")
    assert len(lines) == 4
    xlsx = tmp_path / "plan.xlsx"
    result = runner.invoke(
        app, ["plan", "--forecast", str(forecast), "--format", "xlsx", "--output", str(xlsx)]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert "gross_agents" in header
    assert sheet.max_row == 4
    agents_col = header.index("agents")
    assert [row[agents_col].value for row in sheet.iter_rows(min_row=2)] == [14, 0, 49]


def test_plan_errors_name_file_line_or_option(forecast: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("interval_start,queue,calls,aht_s\nx,q,10,0\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", "--forecast", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {bad}:2: aht_s must be > 0, got '0'"
    text = tmp_path / "text.csv"
    text.write_text("interval_start,queue,calls,aht_s\nx,q,ten,60\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", "--forecast", str(text)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {text}: ")
    assert "invalid value 'ten'" in result.stderr
    missing = tmp_path / "missing.csv"
    missing.write_text("queue,calls\nq,1\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", "--forecast", str(missing)])
    assert result.exit_code == 2
    assert "missing columns ['interval_start', 'aht_s']" in result.stderr
    result = runner.invoke(app, ["plan", "--forecast", str(forecast), "--format", "xlsx"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --format xlsx needs --output FILE.xlsx"
    result = runner.invoke(app, ["plan", "--forecast", str(forecast), "--interval", "0"])
    assert result.exit_code == 2
    assert "--interval must be a duration > 0" in result.stderr


# --- simulate -------------------------------------------------------------------------------
def test_simulate_json_and_parquet(tmp_path: Path) -> None:
    out_file = tmp_path / "contacts.parquet"
    out = _json(
        [
            "simulate",
            "--calls",
            "100",
            "--period",
            "30m",
            "--aht",
            "180",
            "--agents",
            "14",
            "--patience",
            "300",
            "--threshold",
            "20",
            "--periods",
            "20",
            "--seed",
            "3",
            "--format",
            "json",
            "--output",
            str(out_file),
        ]
    )
    for key in ("service_level", "p_wait", "asa_s", "p_abandon", "occupancy", "contacts"):
        assert key in out
    table = pq.read_table(out_file)
    assert table.schema.equals(CONTACTS_SCHEMA)
    assert table.num_rows == out["contacts"]
    wait = table.column("wait_s").to_numpy()
    answered = [o == "answered" for o in table.column("outcome").to_pylist()]
    within = sum(1 for a, w in zip(answered, wait, strict=True) if a and w <= 20)
    assert out["service_level"] == within / table.num_rows
    again = _json(
        [
            "simulate",
            "--calls",
            "100",
            "--period",
            "30m",
            "--aht",
            "180",
            "--agents",
            "14",
            "--patience",
            "300",
            "--periods",
            "20",
            "--seed",
            "3",
        ]
    )
    assert again["service_level"] == out["service_level"]
    assert again["start"] == "2025-01-06T08:00:00+00:00"


def test_simulate_bad_input() -> None:
    result = runner.invoke(
        app, ["simulate", "--calls", "100", "--period", "30m", "--aht", "180", "--agents", "0"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --agents must be a whole number >= 1, got 0"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--calls",
            "100",
            "--period",
            "30m",
            "--aht",
            "180",
            "--agents",
            "3",
            "--start",
            "yesterday",
        ],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --start must be an ISO date-time")


def test_simulate_a_staffing_plan(forecast: Path, tmp_path: Path) -> None:
    plan_csv = tmp_path / "plan.csv"
    result = runner.invoke(
        app, ["plan", "--forecast", str(forecast), "--format", "csv", "--output", str(plan_csv)]
    )
    assert result.exit_code == 0, result.output
    contacts = tmp_path / "contacts.parquet"
    out = _json(
        [
            "simulate",
            "--plan",
            str(plan_csv),
            "--queue",
            "support",
            "--interval",
            "30m",
            "--patience",
            "300",
            "--seed",
            "4",
            "--output",
            str(contacts),
        ]
    )
    table = pq.read_table(contacts)
    assert table.num_rows == out["contacts"]
    assert set(table.column("queue").to_pylist()) == {"support"}
    first = min(table.column("offered_at").to_pylist())
    assert first.isoformat().startswith("2025-01-06T08:")  # the plan's first interval (UTC)
    agents = {a for a in table.column("agent_id").to_pylist() if a is not None}
    assert len(agents) <= 49  # the plan staffs support with 49 agents
    # around 306 arrivals in the half hour
    assert 250 < out["offered"] < 360  # type: ignore[operator]


def test_simulate_plan_errors(forecast: Path, tmp_path: Path) -> None:
    plan_csv = tmp_path / "plan.csv"
    runner.invoke(
        app, ["plan", "--forecast", str(forecast), "--format", "csv", "--output", str(plan_csv)]
    )
    result = runner.invoke(app, ["simulate", "--plan", str(plan_csv)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --queue must name one of the plan's queues ['sales', 'support']"
    )
    result = runner.invoke(app, ["simulate", "--plan", str(plan_csv), "--queue", "x"])
    assert result.exit_code == 2
    assert "--queue 'x' is not in the plan" in result.stderr
    result = runner.invoke(
        app, ["simulate", "--plan", str(plan_csv), "--queue", "sales", "--agents", "3"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --agents comes from the plan, which gives calls, AHT and agents; leave it out"
    )
    result = runner.invoke(app, ["simulate", "--calls", "10", "--period", "30m"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --aht is required (or give a plan)")


def test_a_path_through_a_file_is_exit_2_and_leaves_nothing(forecast: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "plan.csv"  # a folder that is a file: a bad path, not a failing disk
    result = runner.invoke(
        app, ["plan", "--forecast", str(forecast), "--format", "csv", "--output", str(out)]
    )
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"error: --output: cannot write {out}: {blocker} is a file, not a folder"
    )
    assert result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "forecast.csv"]
