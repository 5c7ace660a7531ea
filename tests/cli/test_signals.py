"""A load stopped by SIGTERM, SIGINT (Ctrl-C) or SIGHUP: one line, exit 130, the store as it
was, no stage folder left behind (a real process, a real signal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import contactcenter

T = 1_709_280_000


def big_log(path: Path, calls: int) -> Path:
    with path.open("w") as fh:
        for i in range(calls):
            t = T + i
            fh.write(
                f"{t}|c{i}|q{i % 7}|NONE|ENTERQUEUE||{i}|1\n"
                f"{t + 3}|c{i}|q{i % 7}|A{i % 40}|CONNECT|3|c{i}b|1\n"
                f"{t + 90}|c{i}|q{i % 7}|A{i % 40}|COMPLETECALLER|3|87|1\n"
            )
    return path


def stop_a_load(db: Path, log: Path, sig: signal.Signals) -> subprocess.CompletedProcess[str]:
    """Start ``contactcenter ingest``, send ``sig`` once its stage folder exists."""
    command = [sys.executable, "-m", "contactcenter.cli.main", "ingest", "--db", str(db),
               "--format", "queue_log", str(log)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(db.parent.glob(f".{db.name}.stage-*")):
        if proc.poll() is not None or time.monotonic() > deadline:
            out, err = proc.communicate()
            pytest.fail(f"the load ended before it could be stopped: {proc.returncode} {err}")
        time.sleep(0.01)
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stopped_load_leaves_the_store_as_it_was(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "cc.duckdb"
    small = tmp_path / "small.log"
    small.write_text(f"{T}|x|q|NONE|ENTERQUEUE||1|1\n{T + 5}|x|q|NONE|ABANDON|1|1|5\n")
    contactcenter.ingest(db, small, format="queue_log")
    before = contactcenter.report(db, metrics="offered").to_pylist()
    log = big_log(tmp_path / "queue_log", 400_000)
    result = stop_a_load(db, log, sig)
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: interrupted; nothing was written (a load in progress was rolled back)"
    ]
    assert not list(tmp_path.glob(".cc.duckdb.stage-*"))
    assert contactcenter.report(db, metrics="offered").to_pylist() == before


def test_a_stopped_first_load_leaves_no_store(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    log = big_log(tmp_path / "queue_log", 400_000)
    result = stop_a_load(db, log, signal.SIGTERM)
    assert result.returncode == 130, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["queue_log"]
