"""``POST /api/v1/events`` on a real server: queue_log lines (text/plain) or the same
events as JSON go through the rules of ``ingest``; a 200 means committed (the store has
them even after a ``kill -9``); errors are JSON naming their field."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.live.conftest import contacts, day_lines, lines_read, reference, reports
from tests.web.conftest import call, start, stop


def post(url: str, data: bytes, kind: str) -> tuple[int, dict[str, object]]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{url}/api/v1/events", data=data, method="POST")
    request.add_header("Content-Type", kind)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def as_json(lines: list[str]) -> bytes:
    events = []
    for line in lines:
        time, callid, queue, agent, event, *data = line.rstrip("\n").split("|")
        events.append({"time": int(time), "callid": callid, "queue": queue, "agent": agent,
                       "event": event, "data": data})  # fmt: skip
    return json.dumps({"events": events}).encode()


def killed(proc: object) -> None:
    os.kill(proc.pid, signal.SIGKILL)  # type: ignore[attr-defined]
    proc.wait(timeout=60)  # type: ignore[attr-defined]
    proc.stderr.close()  # type: ignore[attr-defined]


def test_posted_lines_and_json_are_what_one_ingest_makes(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    lines = [line for line in day_lines(80) if line.strip() and "not a queue_log" not in line]
    batches = [lines[i : i + 37] for i in range(0, len(lines), 37)]
    proc, url = start(db)
    try:
        for k, batch in enumerate(batches):
            if k % 2:
                status, report = post(url, as_json(batch), "application/json")
            else:
                status, report = post(url, "".join(batch).encode(), "text/plain; charset=utf-8")
            assert status == 200, report
            assert report["lines_read"] == len(batch)
            assert report["lines_read"] == (
                report["lines_used"] + report["lines_ignored"] + report["lines_rejected"]
            )
        # the same batch again changes nothing: every line is already in the store
        status, again = post(url, "".join(batches[0]).encode(), "text/plain")
        assert (status, again["lines_used"]) == (200, 0)
        assert again["ignored_reasons"] == {"already in the store": len(batches[0])}
    finally:
        killed(proc)  # not even a clean stop: a 200 means committed
    log = tmp_path / "day.log"
    log.write_text("".join(lines))
    ref = reference(tmp_path, [log])
    assert reports(db) == reports(ref)
    assert contacts(db) == contacts(ref)
    assert lines_read(db) == len(lines) + len(batches[0])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> object:
    db = tmp_path_factory.mktemp("events") / "live.duckdb"
    proc, url = start(db)
    yield url
    stop(proc)


BAD = [
    (b"{}", "application/json", 422, "events"),
    (b'{"events": []}', "application/json", 400, "events"),
    (b'{"events": [{"time": "now", "callid": "c", "queue": "q", "agent": "NONE",'
     b' "event": "ENTERQUEUE"}]}', "application/json", 422, "events.0.time"),
    (b'{"events": [{"time": 1709280000, "callid": "c|d", "queue": "q", "agent": "NONE",'
     b' "event": "ENTERQUEUE"}]}', "application/json", 400, "events.0.callid"),
    (b'{"events": [{"time": 1709280000, "callid": "c", "queue": "q", "agent": "NONE",'
     b' "event": "ENTERQUEUE", "data": ["a\\nb"]}]}', "application/json", 400,
     "events.0.data.0"),
    (b"this is not\na queue_log\n", "text/plain", 400, None),
    (b"", "text/plain", 400, None),
    (b"1709280000|c|q|NONE|ENTERQUEUE||1|1\n", "text/csv", 415, None),
]  # fmt: skip


@pytest.mark.parametrize(("body", "kind", "status", "field"), BAD)
def test_a_bad_batch_is_refused_whole_and_names_its_field(
    server: str, body: bytes, kind: str, status: int, field: str | None
) -> None:
    got, error = post(server, body, kind)
    assert (got, error["field"]) == (status, field), error
    # nothing was loaded
    assert (
        call(f"{server}/api/v1/report?metrics=offered").json()["rows"] == [{"offered": 0}]
        or call(f"{server}/api/v1/report?metrics=offered").json()["rows"] == []
    )


def test_lines_that_are_partly_bad_are_loaded_with_rejects(server: str) -> None:
    body = b"1709280000|c1|q|NONE|ENTERQUEUE||1|1\nnot|enough\n1709280009|c1|q|NONE|ABANDON|1|1|9\n"
    status, report = post(server, body, "text/plain")
    assert status == 200
    assert (report["lines_read"], report["lines_used"], report["lines_rejected"]) == (3, 2, 1)
    assert report["rejected_reasons"] == {"too few fields (need time|callid|queue|agent|event)": 1}
    assert report["files"] == ["api-events"]
