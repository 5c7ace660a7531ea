"""``contactcenter serve`` itself: it refuses bad input before listening (exit 2, one
line), says where it listens, stops cleanly on SIGTERM, and an occupied port is the
environment's failure (exit 1)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

import contactcenter
from tests.web.conftest import TECHNION, Served, call, start, stop


def serve(*args: str, auth: bool = False) -> subprocess.CompletedProcess[str]:
    """``contactcenter serve ARGS`` (with ``--no-auth`` unless ``auth``), run to its end."""
    extra = () if auth else ("--no-auth",)
    command = [sys.executable, "-m", "contactcenter.cli.main", "serve", *args, *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_a_bad_config_is_refused_before_serving(tmp_path: Path) -> None:
    config = tmp_path / "t.yaml"
    config.write_text("channels:\n  voice: {threshold: soon}\n")
    result = serve("--db", str(tmp_path / "cc.duckdb"), "--port", "0", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.splitlines()) == 1
    assert "threshold" in result.stderr


def test_a_file_that_is_not_a_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("a,b\n1,2\n")
    result = serve("--db", str(notes), "--port", "0")
    assert result.returncode == 2
    assert "is not a DuckDB store" in result.stderr
    assert notes.read_text() == "a,b\n1,2\n"


def test_a_port_out_of_range_is_bad_input(tmp_path: Path) -> None:
    result = serve("--db", str(tmp_path / "cc.duckdb"), "--port", "70000")
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: --port must be 0 to 65535, got 70000",
    )


def test_a_port_in_use_is_exit_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve("--db", str(tmp_path / "cc.duckdb"), "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: could not serve on")


def test_a_new_store_is_created_and_reports_nothing(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    proc, url = start(db)
    try:
        answer = call(f"{url}/api/v1/report?by=day")
        assert answer.status == 200
        assert answer.json()["rows"] == []
    finally:
        stop(proc)
    assert proc.returncode == 0  # SIGTERM: a clean stop
    assert db.exists()


def test_the_store_is_usable_by_the_cli_after_the_server_stops(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    contactcenter.ingest(db, TECHNION, format="technion")
    proc, url = start(db)
    try:
        served = call(f"{url}/api/v1/report?by=day&metrics=offered").json()["rows"]
    finally:
        stop(proc)
    assert served == contactcenter.report(db, by="day", metrics="offered").to_pylist()
    assert [r["offered"] for r in served] == [2053, 1756, 1590]  # README's demo figures


@pytest.mark.parametrize("path", ["/", "/api/v1/nothing", "/api/v2/report"])
def test_an_unknown_route_is_a_json_404(served: Served, path: str) -> None:
    answer = call(served.url + path)
    assert answer.status == 404
    assert answer.json() == {"detail": "Not Found", "field": None}


def test_a_method_the_route_has_not_is_a_json_405(served: Served) -> None:
    answer = call(f"{served.url}/api/v1/report", method="POST", body={})
    assert answer.status == 405
    assert answer.json()["field"] is None
    assert answer.headers["allow"] == "GET"
