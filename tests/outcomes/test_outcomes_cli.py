"""The outcome metrics through the CLI: the issue's commands, the option flags, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "technion_1999-01-sample.txt"
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outcomes") / "cc.duckdb"
    loaded = runner.invoke(app, ["ingest", "--db", str(path), "--format", "technion", str(SAMPLE)])
    assert loaded.exit_code == 0, loaded.output
    answers = path.parent / "answers.csv"
    answers.write_text(
        "survey_id,kind,answered_at,score,scale_min,scale_max,agent_id\n"
        "r1,csat,1999-01-03 10:00:00,5,1,5,ann\n"
        "r1,nps,1999-01-03 10:00:00,10,0,10,ann\n"
        "r2,csat,1999-01-04 10:00:00,2,1,5,bob\n"
        "r2,agent_rating,1999-01-04 10:00:00,3,1,5,bob\n",
        encoding="utf-8",
    )
    loaded = runner.invoke(app, ["ingest", "--db", str(path), "--format", "surveys", str(answers)])
    assert loaded.exit_code == 0, loaded.output
    return path


def run(db: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["report", "--db", str(db), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    body: dict[str, Any] = json.loads(result.stdout)
    return body


def test_fcr_by_month_and_day(db: Path) -> None:
    body = run(db, "--by", "month", "--metrics", "fcr,repeat_contact_rate,resolution_rate")
    (row,) = body["rows"]
    assert list(row) == ["month", "fcr", "repeat_contact_rate", "resolution_rate"]
    assert row["month"] == "1999-01"
    # three days of data: every window of 7 days reaches past the last call
    assert row["fcr"] is None
    assert any("answered contacts are pending" in n for n in body["notes"])
    (short,) = run(db, "--metrics", "fcr", "--fcr-window", "1h")["rows"]
    assert 0.0 < short["fcr"] <= 1.0


def test_survey_metrics_by_agent_and_day(db: Path) -> None:
    body = run(db, "--by", "agent,day", "--metrics", "csat,nps,agent_rating")
    rows = {(r["agent"], r["day"]): r for r in body["rows"]}
    assert rows[("ann", "1999-01-03")]["csat"] == 1.0
    assert rows[("ann", "1999-01-03")]["nps"] == 1.0
    assert rows[("bob", "1999-01-04")]["csat"] == 0.0
    assert rows[("bob", "1999-01-04")]["agent_rating"] == 3.0


def test_default_report_has_no_outcome_columns(db: Path) -> None:
    (row,) = run(db)["rows"]
    assert "fcr" not in row
    assert "csat" not in row
    (every,) = run(db, "--metrics", "all")["rows"]
    assert {"fcr", "csat", "csi", "survey_response_rate"} <= set(every)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--fcr-window", "0"], "--fcr-window"),
        (["--fcr-window", "soon"], "--fcr-window"),
        (["--fcr-min-gap", "8d"], "--fcr-min-gap"),
        (["--csat-top-box", "5"], "--csat-top-box"),
        (["--csi-weights", "joy=1"], "--csi-weights"),
        (["--by", "evaluator", "--metrics", "csat"], "--by"),
        (["--by", "disposition", "--metrics", "fcr"], "--by"),
    ],
)
def test_bad_outcome_flags_exit_2(db: Path, args: list[str], flag: str) -> None:
    result = runner.invoke(app, ["report", "--db", str(db), "--metrics", "fcr,csat", *args])
    assert result.exit_code == 2, result.output
    assert flag in result.output
    assert len(result.output.strip().splitlines()) == 1
