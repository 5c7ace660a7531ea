"""Per-agent conversation metrics, the backlog snapshot, first responses within T, the
channel filter and the service level by channel, hand-computed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.errors import InputError
from contactcenter.metrics import Thresholds
from contactcenter.store import Store
from tests.conftest import contacts_table
from tests.metrics.test_conversation_metrics import report
from tests.sources.test_conversation_derivation import at, derive, event, message

# X takes c1 at 10:00:30 (assigned), replies 10:01 and 10:05, a reply of 10:06 is deleted,
# resolves it 10:10; X answers c2 at 10:06 and resolves it at 10:20; Y resolves c3 at
# 10:16 without anybody having replied.
CHATS = [
    message("c1", "1", at(10), "customer"),
    message("c1", "2", at(10, 1), "agent:X"),
    message("c1", "3", at(10, 5), "agent:X"),
    message("c1", "4", at(10, 6), "agent:X", deleted=True),
    message("c2", "1", at(10, 4), "customer"),
    message("c2", "2", at(10, 6), "agent:X"),
    message("c3", "1", at(10, 15), "customer"),
]
EVENTS = [
    event("c1", "assigned", at(10, 0, 30), "X"),
    event("c1", "resolved", at(10, 10), "X"),
    event("c2", "resolved", at(10, 20), "X"),
    event("c3", "resolved", at(10, 16), "Y"),
]
AGENT = [
    "messages_sent",
    "deleted_messages",
    "conversations_handled",
    "closed_with_reply",
    "closed_without_reply",
    "agent_busy_s",
    "agent_conversation_s",
    "concurrency",
]


@pytest.fixture
def chats(tmp_path: Path) -> Path:
    db = tmp_path / "c.duckdb"
    derive(db, CHATS, EVENTS)
    return db


def test_per_agent_and_day(chats: Path) -> None:
    """X: c1 open with X from 10:00:30 to 10:10 (570 s), c2 from 10:06 to 10:20 (840 s);
    X is busy from 10:00:30 to 10:20 (1,170 s): concurrency 1,410 / 1,170."""
    got = report(chats, AGENT, ("agent", "day"))
    assert got == [
        {"agent": "X", "day": "2024-03-01", "messages_sent": 3, "deleted_messages": 1,
         "conversations_handled": 2, "closed_with_reply": 2, "closed_without_reply": 0,
         "agent_busy_s": 1170.0, "agent_conversation_s": 1410.0,
         "concurrency": pytest.approx(1410 / 1170)},
        {"agent": "Y", "day": "2024-03-01", "messages_sent": 0, "deleted_messages": 0,
         "conversations_handled": 0, "closed_with_reply": 0, "closed_without_reply": 1,
         "agent_busy_s": 0.0, "agent_conversation_s": 0.0, "concurrency": None},
        {"agent": None, "day": "2024-03-01", "messages_sent": 0, "deleted_messages": 0,
         "conversations_handled": 0, "closed_with_reply": 0, "closed_without_reply": 0,
         "agent_busy_s": 0.0, "agent_conversation_s": 0.0, "concurrency": None},
    ]  # fmt: skip


def test_concurrency_inside_each_interval(chats: Path) -> None:
    """10:00-10:10: busy 570 s, c1 570 s + c2 240 s; 10:10-10:20: c2 alone, 600 s."""
    got = report(chats, ["concurrency"], ("agent", "interval"), interval_s=600)
    x = [(r["interval_start"], r["concurrency"]) for r in got if r["agent"] == "X"]
    assert x == [
        ("2024-03-01 10:00:00", pytest.approx(810 / 570)),
        ("2024-03-01 10:10:00", 1.0),
    ]
    by_hour = report(chats, ["agent_busy_s"], ("agent", "hour"))
    assert [(r["agent"], r["hour"], r["agent_busy_s"]) for r in by_hour if r["agent"] == "X"] == [
        ("X", 10, 1170.0)
    ]
    cut = report(chats, ["agent_busy_s"], ("agent",), start="2024-03-01 10:15")
    assert [r["agent_busy_s"] for r in cut if r["agent"] == "X"] == [300.0]


def test_the_backlog_at_the_end_of_each_hour(ticket_store: Path) -> None:
    """T1 open 09:00-11:00, T2 10:00-13:00 (its final resolution; reopened in between),
    T3 from 08:00 on 2 March: the count just before each hour ends."""
    got = report(ticket_store, ["open_at_end"], ("day", "hour"))
    assert [(r["day"], r["hour"], r["open_at_end"]) for r in got] == [
        ("2024-03-01", 9, 1),
        ("2024-03-01", 10, 2),
        ("2024-03-01", 11, 1),
        ("2024-03-01", 12, 1),
        ("2024-03-02", 8, 1),
    ]
    assert report(ticket_store, ["open_at_end"], ("day",)) == [
        {"day": "2024-03-02", "open_at_end": 1}
    ]
    with pytest.raises(InputError, match="end of each period") as info:
        report(ticket_store, ["open_at_end"], ("hour",))
    assert info.value.field == "by"


def test_first_response_within_the_channel_threshold(ticket_store: Path) -> None:
    """Ticket T = 4 h: T1 (600 s) and T3 (0 s) are within, T2 (unanswered) is not."""
    (total,) = report(ticket_store, ["first_response_within_t"], ())
    assert total["first_response_within_t"] == pytest.approx(2 / 3)
    tight = Thresholds().with_overrides(threshold_s=300)
    (total,) = report(ticket_store, ["first_response_within_t"], (), thresholds=tight)
    assert total["first_response_within_t"] == pytest.approx(1 / 3)


def test_service_level_by_channel_and_the_channel_filter(tmp_path: Path) -> None:
    """A call answered in 10 s (voice, T 20 s) and three chats (T 90 s) answered after
    60 s, 120 s and never: each channel against its own threshold."""
    db = tmp_path / "mixed.duckdb"
    derive(db, CHATS, EVENTS)
    with Store(db) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = 1
        session.write(
            "contacts",
            contacts_table([{"offered_at": at(9), "outcome": "answered", "wait_s": 10.0}]),
        )
    got = report(db, ["offered", "conversations", "service_level"], ("channel",))
    assert got == [
        {"channel": "chat", "offered": 0, "conversations": 3,
         "service_level": pytest.approx(1 / 3)},
        {"channel": "voice", "offered": 1, "conversations": 0, "service_level": 1.0},
    ]  # fmt: skip
    (chat,) = report(db, ["offered", "conversations"], (), channels=("chat",))
    assert chat == {"offered": 0, "conversations": 3}
    (voice,) = report(db, ["service_level", "conversations"], (), channels=("voice",))
    assert voice == {"service_level": 1.0, "conversations": 0}


def test_the_channel_option_of_the_cli(chats: Path) -> None:
    runner = CliRunner()
    base = ["report", "--db", str(chats), "--format", "json", "--metrics", "conversations"]
    result = runner.invoke(app, [*base, "--channel", "chat,email"])
    assert result.exit_code == 0, result.output
    assert json_rows(result.stdout) == [{"conversations": 3}]
    result = runner.invoke(app, [*base, "--channel", "fax"])
    assert result.exit_code == 2
    assert "error: --channel: unknown channel(s) fax" in result.output


def json_rows(text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(text)["rows"]
    return rows
