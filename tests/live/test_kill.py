"""``kill -9`` of a server at any moment, with a real process: nothing answered with 200
or already read from the tailed file is lost, nothing is read or stored twice after the
restart, and the store ends as one ``ingest`` of the same lines makes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from contactcenter.store import Store
from tests.live.conftest import contacts, day_lines, lines_read, reference, reports
from tests.web.conftest import call, start, stop


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    if proc.stderr is not None:
        proc.stderr.close()


def tailed(url: str) -> dict[str, object]:
    (status,) = call(f"{url}/api/v1/tail").json()
    return status  # type: ignore[no-any-return]


def wait_until(what: str, done: object) -> None:
    """Wait for ``done()`` (a generous bound only turns a hang into a failure)."""
    deadline = time.monotonic() + 180
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.05)


def test_a_tailed_file_survives_kill_9_at_any_moment(tmp_path: Path) -> None:
    db, log = tmp_path / "live.duckdb", tmp_path / "queue_log"
    text = "".join(day_lines(1500, seed=7)).encode()
    pieces = [text[i : i + 9_973] for i in range(0, len(text), 9_973)]  # cut inside lines
    log.write_bytes(pieces[0])
    written = 1
    for round_ in range(4):
        proc, url = start(db, "--tail", str(log))
        seen = tailed(url)["position"]
        # append while it reads, and kill it as soon as it has read something new:
        # mid-load or between loads, whichever it is doing
        for _ in range(6):
            if written < len(pieces):
                with log.open("ab") as fh:
                    fh.write(pieces[written])
                written += 1
        wait_until("a read", lambda: tailed(url)["position"] != seen)  # noqa: B023
        kill(proc)
        if round_ == 1:  # rotated while the server is down, with lines added to the old file
            with log.open("ab") as fh:
                fh.write(pieces[written])
            written += 1
            complete = log.read_bytes()
            cut = complete.rfind(b"\n") + 1
            os.rename(log, tmp_path / "queue_log.1")
            log.write_bytes(complete[cut:])  # the partial last line goes on in the new file
            (tmp_path / "queue_log.1").write_bytes(complete[:cut])
    proc, url = start(db, "--tail", str(log))
    with log.open("ab") as fh:
        fh.write(b"".join(pieces[written:]))
    size = log.stat().st_size
    wait_until("the whole file read", lambda: tailed(url)["position"] == size)
    stop(proc)
    files = [tmp_path / "queue_log.1", log]
    ref = reference(tmp_path, files)
    total = sum(f.read_bytes().count(b"\n") for f in files)
    assert lines_read(db) == total  # every line read once: none twice, none skipped
    assert reports(db) == reports(ref)
    assert contacts(db) == contacts(ref)


def test_posted_batches_survive_kill_9_and_a_retry_duplicates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    lines = [line for line in day_lines(1200, seed=3) if line.strip() and "not a" not in line]
    lines = list(dict.fromkeys(lines))  # each event once
    batches = [lines[i : i + 150] for i in range(0, len(lines), 150)]
    acked: set[int] = set()
    proc, url = start(db)

    def send() -> None:
        for k, batch in enumerate(batches):
            request = urllib.request.Request(
                f"{url}/api/v1/events", data="".join(batch).encode(), method="POST"
            )
            request.add_header("Content-Type", "text/plain")
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    if response.status == 200:
                        acked.add(k)
            except (urllib.error.URLError, ConnectionError, OSError):
                return  # the server is gone: this batch has no answer

    sender = threading.Thread(target=send)
    sender.start()
    wait_until("three answers", lambda: len(acked) >= 3)
    kill(proc)  # a batch may be in flight: its lines are in the store or not at all
    sender.join()
    answered = set(acked)
    with Store(db) as store:  # what a 200 promised is there
        stored = set(
            store.con.execute(
                "SELECT epoch(ts)::BIGINT, callid, event FROM queue_log_events"
            ).fetchall()
        )
    promised = {
        (int(f[0]), f[1], f[4]) for k in answered for f in (line.split("|") for line in batches[k])
    }
    assert promised <= stored
    proc, url = start(db)
    try:
        for k, batch in enumerate(batches):  # the client sends again what had no answer
            if k in answered:
                continue
            request = urllib.request.Request(
                f"{url}/api/v1/events", data="".join(batch).encode(), method="POST"
            )
            request.add_header("Content-Type", "text/plain")
            with urllib.request.urlopen(request, timeout=120) as response:
                assert response.status == 200
                json.loads(response.read())
    finally:
        stop(proc)
    log = tmp_path / "day.log"
    log.write_text("".join(lines))
    ref = reference(tmp_path, [log])
    assert reports(db) == reports(ref)
    assert contacts(db) == contacts(ref)
    with Store(db) as store:
        row = store.con.execute("SELECT count(*) FROM queue_log_events").fetchone()
    assert row is not None
    assert row[0] == len(lines)  # each event stored once
