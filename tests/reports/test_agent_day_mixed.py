"""Per agent and day: answered calls beside messages sent and conversations handled, on a
small store that holds both calls and chats (issue 11, section 4, seeds 003 and 004)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.store import Store
from tests.conftest import contacts_table
from tests.metrics.test_agent_metrics import CHATS, EVENTS
from tests.sources.test_conversation_derivation import derive

# X answers one call on 1 March and, in the same day's chats, sends 3 replies (a 4th is
# deleted) in 2 conversations; Z answers one call on 2 March; one call is abandoned; Y
# only closes a chat nobody answered (none of the three metrics counts that).
CALLS = [
    {"contact_id": "a", "offered_at": "2024-03-01T09:00:00+00:00", "outcome": "answered",
     "wait_s": 5.0, "agent_id": "X", "talk_s": 100.0},
    {"contact_id": "b", "offered_at": "2024-03-02T09:00:00+00:00", "outcome": "answered",
     "wait_s": 5.0, "agent_id": "Z", "talk_s": 100.0},
    {"contact_id": "c", "offered_at": "2024-03-01T09:30:00+00:00", "outcome": "abandoned",
     "wait_s": 5.0},
]  # fmt: skip


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    db = tmp_path / "mixed.duckdb"
    derive(db, [dict(m) for m in CHATS], [dict(e) for e in EVENTS])
    with Store(db) as store, store.load(fmt="test", files=["calls"]) as session:
        session.account.read = session.account.used = len(CALLS)
        session.write("contacts", contacts_table(CALLS))
    return db


@pytest.mark.parametrize("calls", ["contacts_handled", "answered"])
def test_calls_messages_and_conversations_per_agent_and_day(mixed: Path, calls: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "report", "--db", str(mixed), "--by", "agent,day", "--format", "csv",
            "--metrics", f"{calls},messages_sent,conversations_handled",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [tuple(r.values()) for r in rows] == [
        ("X", "2024-03-01", "1", "3", "2"),
        ("Z", "2024-03-02", "1", "0", "0"),
        ("", "2024-03-01", "0", "0", "0"),  # the abandoned call: no agent
    ]
    assert list(rows[0]) == ["agent", "day", calls, "messages_sent", "conversations_handled"]


def test_without_conversations_the_chat_columns_are_zero(tmp_path: Path) -> None:
    """A store of calls only: messages sent and conversations handled are 0, not an error."""
    db = tmp_path / "calls.duckdb"
    with Store(db) as store, store.load(fmt="test", files=["calls"]) as session:
        session.account.read = session.account.used = len(CALLS)
        session.write("contacts", contacts_table(CALLS))
    result = CliRunner().invoke(
        app,
        [
            "report", "--db", str(db), "--by", "agent,day", "--format", "csv",
            "--metrics", "contacts_handled,messages_sent,conversations_handled",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [tuple(r.values()) for r in rows][:2] == [
        ("X", "2024-03-01", "1", "0", "0"),
        ("Z", "2024-03-02", "1", "0", "0"),
    ]
