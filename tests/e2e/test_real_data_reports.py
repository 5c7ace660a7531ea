"""From real files to KPIs, through the CLI as a user runs it (skipped without ../shared)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app

pytestmark = pytest.mark.realdata
runner = CliRunner()


def ingest(db: Path, fmt: str, *files: Path) -> None:
    result = runner.invoke(app, ["ingest", "--db", str(db), "--format", fmt, *map(str, files)])
    assert result.exit_code == 0, result.output


def report(db: Path, *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["report", "--db", str(db), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)["rows"]
    return rows


def test_pbxware_export_counts(shared_data: Path, tmp_path: Path) -> None:
    # SOURCE.md: 108 queued calls: 93 connected, 12 abandoned, 1 timed out at maxwait,
    # 2 still open when the export was cut -> offered (finished) 106.
    db = tmp_path / "pbx.duckdb"
    ingest(db, "queue_log_csv", shared_data / "asterisk-queue-log" / "pbxware_queue_log.csv")
    (total,) = report(db)
    assert (total["offered"], total["answered"], total["abandoned"]) == (106, 93, 12)
    assert (total["timed_out"], total["in_progress"]) == (1, 2)
    by_queue = report(db, "--by", "queue")
    assert sum(r["offered"] for r in by_queue) == 106
    by_day = report(db, "--by", "day", "--tz", "America/Bogota")  # the PBX ran at UTC-5
    assert sum(r["offered"] for r in by_day) == 106


def test_technion_january_matches_the_published_facts(shared_data: Path, tmp_path: Path) -> None:
    # SOURCE.md (January): AGENT 27,060 / HANG 4,299 / PHANTOM 240; queue abandonment
    # 3,101 HANG rows after q_start. So answered 27,060, abandoned 3,101, IVR-only
    # hang-ups 4,299 - 3,101 = 1,198, offered 27,060 + 3,101 = 30,161.
    db = tmp_path / "tech.duckdb"
    ingest(db, "technion", shared_data / "technion-anonymous-bank-1999" / "january.txt")
    (total,) = report(db)
    assert total["answered"] == 27060
    assert total["abandoned"] == 3101
    assert total["ivr_abandoned"] == 1198
    assert total["offered"] == 30161
    days = report(db, "--by", "day", "--metrics", "offered")
    # 11 and 12 January are missing from the file (SOURCE.md)
    assert "1999-01-11" not in {d["day"] for d in days}
    assert sum(d["offered"] for d in days) == 30161
    # a naive local source is reported in its own zone by default
    first = report(db, "--by", "interval", "--metrics", "offered")[0]
    assert first["interval_start"].startswith("1999-01-01")
