"""Alerts (issue 13, section 4): each rule fires once when it starts to hold and clears
once when it stops; the webhook is retried with back-off against a local receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from contactcenter.errors import ConfigError
from contactcenter.live.alerts import Alerts, WebhookSender
from contactcenter.live.config import AlertRules, LiveConfig, Webhook
from contactcenter.live.projection import Projection
from contactcenter.live.state import AgentNow, LiveState, QueueNow

NOW = 1_709_550_000.0


def queue(name: str = "sales", **changes: Any) -> QueueNow:
    base = QueueNow(
        queue=name, tz="UTC", day="2024-03-04", threshold_s=20.0, target=0.8,
        waiting=0, longest_wait_s=0.0, agents=None, offered=10, answered=9, abandoned=1,
        service_level=0.9, asa_s=5.0, aht_s=100.0, interval_start="2024-03-04 11:00:00",
        interval_service_level=0.9, answered_in_threshold=9, counted=10,
        projection=Projection(0.9, 0, 5.0, 0.9, "profile", 4),
    )  # fmt: skip
    return replace(base, **changes)


def state(*queues: QueueNow, agents: tuple[AgentNow, ...] = (), now: float = NOW) -> LiveState:
    return LiveState(now, tuple(queues), agents)


def watch(rules: AlertRules) -> tuple[Alerts, list[dict[str, Any]]]:
    sent: list[dict[str, Any]] = []
    return Alerts(LiveConfig(alerts=rules), post=sent.append), sent


def test_waiting_above_fires_once_and_clears_once() -> None:
    alerts, sent = watch(AlertRules(waiting_above=2))
    assert alerts.evaluate(state(queue(waiting=2))) == []  # 2 is not above 2
    (fired,) = alerts.evaluate(state(queue(waiting=3)))
    assert (fired.rule, fired.status, fired.queue, fired.value, fired.limit) == (
        "waiting_above", "fired", "sales", 3.0, 2.0,
    )  # fmt: skip
    assert alerts.evaluate(state(queue(waiting=5))) == []  # still holds: nothing sent
    assert [a.rule for a in alerts.active()] == ["waiting_above"]
    (cleared,) = alerts.evaluate(state(queue(waiting=1)))
    assert (cleared.rule, cleared.status, cleared.queue) == ("waiting_above", "cleared", "sales")
    assert alerts.evaluate(state(queue(waiting=0))) == []
    assert alerts.active() == []
    assert [(p["status"], p["rule"], p["queue"]) for p in sent] == [
        ("fired", "waiting_above", "sales"), ("cleared", "waiting_above", "sales"),
    ]  # fmt: skip
    assert [p["id"] for p in sent] == [1, 2]
    assert sent[0]["at"] == "2024-03-04T11:00:00Z"
    # it fires again when it holds again
    (again,) = alerts.evaluate(state(queue(waiting=4)))
    assert (again.status, again.id) == ("fired", 3)


def test_each_queue_is_its_own_subject() -> None:
    alerts, sent = watch(AlertRules(longest_wait_above_s=60))
    alerts.evaluate(state(queue("a", longest_wait_s=61), queue("b", longest_wait_s=10)))
    alerts.evaluate(state(queue("a", longest_wait_s=90), queue("b", longest_wait_s=75)))
    # a queue that is gone clears its alert
    alerts.evaluate(state(queue("b", longest_wait_s=80)))
    assert [(p["status"], p["queue"]) for p in sent] == [
        ("fired", "a"), ("fired", "b"), ("cleared", "a"),
    ]  # fmt: skip
    assert [a.queue for a in alerts.active(frozenset({"b"}))] == ["b"]
    assert alerts.active(frozenset({"a"})) == []


def test_service_level_rules() -> None:
    alerts, sent = watch(AlertRules(interval_sl_below_target=True, projected_sl_below_target=True))
    low = Projection(0.7, "cannot be met", 5.0, 0.5, "profile", 4)
    alerts.evaluate(state(queue(interval_service_level=0.5, projection=low)))
    # unknown figures do not hold: both clear
    unknown = Projection(None, None, 0.0, None, "none", 0)
    alerts.evaluate(state(queue(interval_service_level=None, projection=unknown)))
    # at the target exactly: not below
    alerts.evaluate(state(queue(interval_service_level=0.8)))
    assert [(p["status"], p["rule"]) for p in sent] == [
        ("fired", "interval_sl_below_target"), ("fired", "projected_sl_below_target"),
        ("cleared", "interval_sl_below_target"), ("cleared", "projected_sl_below_target"),
    ]  # fmt: skip
    assert sent[0]["value"] == 0.5
    assert sent[0]["limit"] == 0.8


def test_an_agent_paused_too_long() -> None:
    alerts, sent = watch(AlertRules(agent_paused_over_s=15 * 60))
    lunch = AgentNow("Agent/3", "paused", "Lunch", NOW - 15 * 60, ("sales",))
    assert alerts.evaluate(state(queue(), agents=(lunch,))) == []  # exactly 15 min: not over
    (fired,) = alerts.evaluate(state(queue(), agents=(lunch,), now=NOW + 1))
    assert (fired.rule, fired.agent, fired.queue, fired.queues) == (
        "agent_paused_over", "Agent/3", None, ("sales",),
    )  # fmt: skip
    assert "Lunch" in fired.message
    assert alerts.evaluate(state(queue(), agents=(lunch,), now=NOW + 600)) == []
    back = replace(lunch, state="available", reason=None, since=NOW + 700)
    (cleared,) = alerts.evaluate(state(queue(), agents=(back,), now=NOW + 700))
    assert (cleared.status, cleared.agent) == ("cleared", "Agent/3")
    assert [p["status"] for p in sent] == ["fired", "cleared"]
    # seen only by callers of its queues
    assert list(alerts.since(0, frozenset({"sales"})))
    assert not list(alerts.since(0, frozenset({"other"})))


def test_no_rule_no_alert() -> None:
    alerts, sent = watch(AlertRules())
    assert alerts.evaluate(state(queue(waiting=99, longest_wait_s=9999))) == []
    assert sent == []


class Receiver:
    """A local HTTP receiver that answers 500 to the first ``fail`` POSTs, then 200."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.bodies: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.arrived:
                    outer.bodies.append(json.loads(body))
                    status = 500 if len(outer.bodies) <= outer.fail else 200
                    outer.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n: int) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.bodies) >= n, timeout=60)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky() -> Iterator[Receiver]:
    receiver = Receiver(fail=2)
    yield receiver
    receiver.close()


def test_the_webhook_is_retried_until_it_takes(flaky: Receiver) -> None:
    said: list[str] = []
    sender = WebhookSender(Webhook(flaky.url, attempts=5, backoff_s=0.01), say=said.append)
    sender.start()
    try:
        sender.send({"id": 1, "status": "fired"})
        sender.send({"id": 2, "status": "cleared"})
        flaky.wait_for(4)
    finally:
        sender.stop()
    # 500, 500, then 200 for the first; the second in order after it, at once
    assert [b["id"] for b in flaky.bodies] == [1, 1, 1, 2]
    assert sender.tries == 4
    assert said == []


def test_a_webhook_that_never_takes_is_given_up() -> None:
    receiver = Receiver(fail=10**6)
    said: list[str] = []
    sender = WebhookSender(Webhook(receiver.url, attempts=3, backoff_s=0.01), say=said.append)
    sender.start()
    try:
        sender.send({"id": 7})
        sender.send({"id": 8})
        receiver.wait_for(6)
    finally:
        sender.stop()
        receiver.close()
    assert [b["id"] for b in receiver.bodies] == [7, 7, 7, 8, 8, 8]
    assert len(said) >= 1
    assert "alert 7 not delivered after 3 tries (HTTP 500); dropped" in said[0]


def test_a_webhook_nobody_listens_to_is_given_up() -> None:
    receiver = Receiver(fail=0)
    url = receiver.url
    receiver.close()  # the port is closed now: connection refused
    said: list[str] = []
    done = threading.Event()

    def say(message: str) -> None:
        said.append(message)
        done.set()

    sender = WebhookSender(Webhook(url, attempts=2, backoff_s=0.01, timeout_s=5), say=say)
    sender.start()
    try:
        sender.send({"id": 3})
        assert done.wait(60)
    finally:
        sender.stop()
    assert sender.tries == 2
    assert "alert 3 not delivered after 2 tries" in said[0]


def test_the_config_of_alerts_and_webhook(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "live:\n  alerts:\n    interval_sl_below_target: true\n    waiting_above: 5\n"
        "    longest_wait_above: 2m\n    agent_paused_over: 15m\n"
        "    projected_sl_below_target: true\n"
        "  webhook: {url: 'http://127.0.0.1:9/x', attempts: 4, backoff: 500ms, timeout: 2s}\n"
    )
    live = LiveConfig.from_yaml(config)
    assert live.alerts == AlertRules(True, 5, 120.0, 900.0, True)
    assert live.webhook == Webhook("http://127.0.0.1:9/x", 4, 0.5, 2.0)
    config.write_text("live:\n  alerts: {interval_sl_below_target: yes please}\n")
    with pytest.raises(ConfigError, match=r"live\.alerts\.interval_sl_below_target"):
        LiveConfig.from_yaml(config)
    config.write_text("live:\n  webhook: {url: 'http://x', attempts: 0}\n")
    with pytest.raises(ConfigError, match=r"live\.webhook\.attempts"):
        LiveConfig.from_yaml(config)
