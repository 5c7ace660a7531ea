"""``GET /api/v1/live``, ``GET /api/v1/live/stream`` and ``/wallboard`` on a real server
(issue 13, section 3): events posted now show in the live state and in the event stream;
the wallboard's files are served from the package and load nothing from elsewhere."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contactcenter.web.live_api import STATIC, static_file
from tests.web.conftest import call, start, stop


def midday_zone(now: float | None = None) -> str:
    """A fixed-offset zone in which it is about noon now, so that events of the last
    minutes are of "today" whatever the hour the tests run at."""
    hour = time.gmtime(now if now is not None else time.time()).tm_hour
    offset = 12 - hour  # local = UTC + offset, within -11..12
    if offset == 0:
        return "Etc/GMT"
    # Etc/GMT-3 is UTC+3 (POSIX signs are reversed)
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@dataclass
class Board:
    """A running server with a live section in its config."""

    url: str
    db: Path


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    folder = tmp_path_factory.mktemp("board")
    db = folder / "cc.duckdb"
    config = folder / "c.yaml"
    config.write_text(
        "queues:\n  sales: {threshold: 20s, target: 0.8}\n"
        f"live:\n  tz: {midday_zone()}\n"
        "  colours: {waiting: {warn: 2, alarm: 3}}\n"
    )
    proc, url = start(db, "--config", str(config))
    try:
        yield Board(url, db)
    finally:
        stop(proc)


def post_lines(url: str, lines: list[str]) -> None:
    request = urllib.request.Request(
        f"{url}/api/v1/events", data=("\n".join(lines) + "\n").encode(), method="POST"
    )
    request.add_header("Content-Type", "text/plain")
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 200


def sales(doc: dict[str, Any]) -> dict[str, Any]:
    (q,) = [q for q in doc["queues"] if q["queue"] == "sales"]
    return q


class Stream:
    """An open ``/live/stream``: its events one by one."""

    def __init__(self, url: str) -> None:
        self.answer = urllib.request.urlopen(url, timeout=60)
        self.headers = dict(self.answer.headers.items())

    def next_event(self) -> tuple[str, dict[str, Any]]:
        name, data = "message", ""
        while True:
            line = self.answer.readline().decode()
            if not line:
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if line == "":
                if data:
                    return name, json.loads(data)
                name, data = "message", ""
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data += line[6:]

    def until(self, event: str, check: Any) -> dict[str, Any]:
        """The first ``event`` whose document passes ``check`` (the stream's own read
        timeout ends a wait that never comes)."""
        while True:
            name, doc = self.next_event()
            if name == event and check(doc):
                return doc

    def close(self) -> None:
        self.answer.close()


def test_posted_events_show_in_the_live_state(board: Board) -> None:
    now = int(time.time())
    post_lines(board.url, [
        f"{now - 300}|NONE|sales|Agent/1|ADDMEMBER|",
        f"{now - 300}|NONE|sales|Agent/2|ADDMEMBER|",
        f"{now - 200}|NONE|sales|Agent/2|PAUSE|Lunch",
        f"{now - 100}|r1|sales|NONE|ENTERQUEUE||555|1",
        f"{now - 90}|r1|sales|Agent/1|CONNECT|10|x|1",
        f"{now - 50}|r2|sales|NONE|ENTERQUEUE||556|1",
    ])  # fmt: skip
    answer = call(f"{board.url}/api/v1/live")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    doc = answer.json()
    q = sales(doc)
    assert q["waiting"] == 1
    assert q["longest_wait_s"] >= 50
    assert q["today"]["offered"] == 1
    assert q["today"]["answered"] == 1
    assert q["today"]["service_level"] == 1.0
    assert q["today"]["asa_s"] == 10.0
    assert q["agents"] == {"available": 0, "on_contact": 1, "paused": {"Lunch": 1},
                           "logged_out": 0}  # fmt: skip
    assert q["colours"]["waiting"] == "ok"
    assert {a["agent"]: a["state"] for a in doc["agents"]} == {
        "Agent/1": "on_contact", "Agent/2": "paused",
    }  # fmt: skip
    assert doc["alerts"] == []


def test_the_queue_filter_and_a_bad_parameter(board: Board) -> None:
    assert call(f"{board.url}/api/v1/live?queue=nothing").json()["queues"] == []
    answer = call(f"{board.url}/api/v1/live?queues=sales")
    assert answer.status == 400
    assert answer.json()["field"] == "queues"


def test_the_stream_sends_the_state_and_its_changes(board: Board) -> None:
    stream = Stream(f"{board.url}/api/v1/live/stream?queue=sales")
    try:
        assert stream.headers["content-type"].startswith("text/event-stream")
        first = stream.until("live", lambda d: any(q["queue"] == "sales" for q in d["queues"]))
        waiting = sales(first)["waiting"]
        now = int(time.time())
        post_lines(board.url, [f"{now}|s{now}a|sales|NONE|ENTERQUEUE||557|1",
                               f"{now}|s{now}b|sales|NONE|ENTERQUEUE||558|1"])  # fmt: skip
        after = stream.until("live", lambda d: sales(d)["waiting"] == waiting + 2)
        assert [q["queue"] for q in after["queues"]] == ["sales"]
        assert sales(after)["colours"]["waiting"] in ("warn", "alarm")
    finally:
        stream.close()


def test_a_stream_with_a_bad_parameter_is_refused(board: Board) -> None:
    answer = call(f"{board.url}/api/v1/live/stream?when=now")
    assert (answer.status, answer.json()["field"]) == (400, "when")


def test_the_wallboard_is_served_from_the_package(board: Board) -> None:
    page = call(f"{board.url}/wallboard")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.body == static_file("wallboard.html")
    for name in STATIC:
        answer = call(f"{board.url}/wallboard/{name}")
        assert answer.status == 200, name
        assert answer.body == static_file(name)
    assert call(f"{board.url}/wallboard/secret.txt").status == 404
    assert call(f"{board.url}/wallboard/..%2Fapi.py").status == 404


@pytest.mark.parametrize("name", STATIC)
def test_the_wallboard_loads_nothing_from_elsewhere(name: str) -> None:
    text = static_file(name).decode()
    # no absolute URL, no protocol-relative one, no import of a remote module
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import", text, re.IGNORECASE)


def test_a_dropped_stream_does_not_stop_the_server(board: Board) -> None:
    host, port = board.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"GET /api/v1/live/stream HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
    assert call(f"{board.url}/api/v1/live").status == 200
