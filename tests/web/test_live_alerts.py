"""Alerts on a real server (issue 13, section 4): a rule of the config fires once when it
starts to hold and clears once when it stops, on the event stream, in ``GET
/api/v1/live`` and at a webhook (a local receiver that fails the first POST)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.live.test_alerts import Receiver
from tests.web.conftest import call, start, stop
from tests.web.test_live_routes import Stream, midday_zone, post_lines, sales


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    hook = Receiver(fail=1)
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, receiver: Receiver) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("alerts")
    config = folder / "c.yaml"
    config.write_text(
        f"live:\n  tz: {midday_zone()}\n"
        "  alerts: {waiting_above: 1}\n"
        f"  webhook: {{url: '{receiver.url}', attempts: 5, backoff: 50ms}}\n"
    )
    proc, url = start(folder / "cc.duckdb", "--config", str(config))
    try:
        yield url
    finally:
        stop(proc)


def test_an_alert_fires_and_clears_once_everywhere(server: str, receiver: Receiver) -> None:
    stream = Stream(f"{server}/api/v1/live/stream")
    try:
        stream.until("live", lambda d: True)
        now = int(time.time())
        post_lines(server, [f"{now}|a1|sales|NONE|ENTERQUEUE||555|1",
                            f"{now}|a2|sales|NONE|ENTERQUEUE||556|1"])  # fmt: skip
        fired = stream.until("alert", lambda d: True)
        assert (fired["rule"], fired["status"], fired["queue"]) == (
            "waiting_above", "fired", "sales",
        )  # fmt: skip
        assert (fired["value"], fired["limit"], fired["queues"]) == (2.0, 1.0, ["sales"])
        # the live state carries it while it holds
        doc = stream.until("live", lambda d: sales(d)["waiting"] == 2)
        assert [a["id"] for a in doc["alerts"]] == [fired["id"]]
        assert [a["rule"] for a in call(f"{server}/api/v1/live").json()["alerts"]] == [
            "waiting_above"
        ]
        # still 2 waiting for a few more states: nothing more is sent
        for _ in range(3):
            stream.until("live", lambda d: True)
        post_lines(server, [f"{int(time.time())}|a1|sales|NONE|ABANDON|1|1|3"])
        cleared = stream.until("alert", lambda d: True)
        assert (cleared["rule"], cleared["status"], cleared["queue"]) == (
            "waiting_above", "cleared", "sales",
        )  # fmt: skip
        assert cleared["id"] == fired["id"] + 1
        doc = stream.until("live", lambda d: sales(d)["waiting"] == 1)
        assert doc["alerts"] == []
        for _ in range(3):
            stream.until("live", lambda d: True)
    finally:
        stream.close()
    # the webhook: the first POST failed (500) and was tried again; each alert once
    receiver.wait_for(3)
    assert [(b["status"], b["rule"]) for b in receiver.bodies] == [
        ("fired", "waiting_above"), ("fired", "waiting_above"), ("cleared", "waiting_above"),
    ]  # fmt: skip
    assert receiver.bodies[0] == receiver.bodies[1] == fired
    assert receiver.bodies[2] == cleared


def test_a_stream_of_other_queues_gets_no_alert_of_this_one(server: str) -> None:
    stream = Stream(f"{server}/api/v1/live/stream?queue=other")
    try:
        now = int(time.time())
        post_lines(server, [f"{now}|b1|sales|NONE|ENTERQUEUE||557|1",
                            f"{now}|b2|sales|NONE|ENTERQUEUE||558|1"])  # fmt: skip
        # several states go by; none is an alert (the sales alert is not this stream's)
        for _ in range(4):
            name, doc = stream.next_event()
            assert name == "live"
            assert doc["alerts"] == []
    finally:
        stream.close()
