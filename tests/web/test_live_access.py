"""The live routes under tokens (issue 13, sections 3 and 5): a supervisor sees its
queues, an agent its own state, a request outside the scope is refused, no token is 401;
alerts about an agent reach only that agent and the others' supervisors."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from contactcenter.live.alerts import Alert
from tests.web.conftest import call, make_tokens, start, stop
from tests.web.test_live_routes import midday_zone


@dataclass
class Guarded:
    """A running server that needs tokens, and its tokens by name (conftest.TOKENS)."""

    url: str
    tokens: dict[str, str]

    def live(self, query: str = "", *, as_: str | None) -> Any:
        token = None if as_ is None else self.tokens[as_]
        return call(f"{self.url}/api/v1/live{query}", token=token)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    folder = tmp_path_factory.mktemp("guarded")
    db = folder / "cc.duckdb"
    config = folder / "c.yaml"
    config.write_text(f"live:\n  tz: {midday_zone()}\n  alerts: {{agent_paused_over: 1m}}\n")
    tokens = make_tokens(db)
    proc, url = start(db, "--config", str(config), auth=True)
    try:
        now = int(time.time())
        lines = [
            f"{now - 600}|NONE|sales|Agent/1|ADDMEMBER|",
            f"{now - 600}|NONE|sales|Agent/2|ADDMEMBER|",
            f"{now - 600}|NONE|=billing|Agent/3|ADDMEMBER|",
            f"{now - 500}|NONE|sales|Agent/2|PAUSE|Lunch",
            f"{now - 100}|s1|sales|NONE|ENTERQUEUE||555|1",
            f"{now - 50}|b1|=billing|NONE|ENTERQUEUE||556|1",
        ]
        request = urllib.request.Request(
            f"{url}/api/v1/events", data=("\n".join(lines) + "\n").encode(), method="POST"
        )
        request.add_header("Content-Type", "text/plain")
        request.add_header("Authorization", f"Bearer {tokens['admin']}")
        with urllib.request.urlopen(request, timeout=120) as answer:
            assert answer.status == 200
        yield Guarded(url, tokens)
    finally:
        stop(proc)


def queues(doc: Any) -> list[str]:
    return sorted(q["queue"] for q in doc["queues"])


def agents(doc: Any) -> list[str]:
    return sorted(a["agent"] for a in doc["agents"])


def test_an_admin_sees_every_queue_and_agent(guarded: Guarded) -> None:
    doc = guarded.live(as_="admin").json()
    assert queues(doc) == ["=billing", "sales"]
    assert agents(doc) == ["Agent/1", "Agent/2", "Agent/3"]


def test_without_a_token_the_live_routes_answer_401(guarded: Guarded) -> None:
    for path in ("/api/v1/live", "/api/v1/live/stream"):
        answer = call(f"{guarded.url}{path}")
        assert answer.status == 401, path
        assert answer.json()["field"] == "Authorization"
    answer = call(f"{guarded.url}/api/v1/live", token="cc_00000000_not-a-token")
    assert answer.status == 401


def test_a_supervisor_sees_only_its_queues(guarded: Guarded) -> None:
    doc = guarded.live(as_="sales").json()
    assert queues(doc) == ["sales"]
    assert agents(doc) == ["Agent/1", "Agent/2"]
    # the only alert is Agent/2's long pause, in sales
    assert [(a["rule"], a["agent"]) for a in doc["alerts"]] == [("agent_paused_over", "Agent/2")]
    assert guarded.live(as_="billing").json()["alerts"] == []
    # asking for a queue outside the token's is refused, never narrowed or widened
    answer = guarded.live("?queue=sales", as_="billing")
    assert answer.status == 403
    assert answer.json()["field"] == "queue"
    assert (
        call(
            f"{guarded.url}/api/v1/live/stream?queue=sales", token=guarded.tokens["billing"]
        ).status
        == 403
    )
    # a supervisor of every queue sees them all
    assert queues(guarded.live(as_="supervisor").json()) == ["=billing", "sales"]


def test_an_agent_sees_only_its_own_state(guarded: Guarded) -> None:
    doc = guarded.live(as_="agent1").json()
    assert agents(doc) == ["Agent/1"]
    assert queues(doc) == ["sales"]
    (tile,) = doc["queues"]
    # the counts are of this agent alone, not of the other members of the queue
    assert tile["agents"] == {"available": 1, "on_contact": 0, "paused": {}, "logged_out": 0}
    # another agent's pause alert is not this agent's to see
    assert doc["alerts"] == []
    paused = guarded.live(as_="agent2_sales").json()
    assert agents(paused) == ["Agent/2"]
    assert [a["agent"] for a in paused["alerts"]] == ["Agent/2"]
    assert guarded.live("?queue==billing", as_="agent2_sales").status == 403


def test_an_alert_about_an_agent_is_seen_by_that_agent_only() -> None:
    def alert(agent: str | None) -> Alert:
        return Alert(1, "agent_paused_over", "fired", None, agent, ("sales",), 90.0, 60.0,
                     0.0, "")  # fmt: skip

    assert alert("Agent/2").visible(None, "Agent/2")
    assert not alert("Agent/2").visible(None, "Agent/1")
    assert not alert("Agent/2").visible(frozenset({"billing"}))
    assert alert("Agent/2").visible(frozenset({"sales"}))
    # a queue's alert is seen by the agents of that queue
    assert alert(None).visible(frozenset({"sales"}), "Agent/1")
