"""The derivation of conversations and customer turns from messages and events,
hand-computed: what is a reply (never a bot, system, private or deleted message), turns,
reopens, the first-response clock of a conversation an agent opened, A1RT."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa

from contactcenter.sources._conversations import ConversationLoader, stage_schema
from contactcenter.store import Store


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, 1, hour, minute, second, tzinfo=dt.UTC)


def message(
    conv: str | None, mid: str, when: dt.datetime, who: str, **extra: Any
) -> dict[str, Any]:
    """``who``: customer, agent:NAME, bot, system; extra: private, deleted, queue."""
    kind, _, agent = who.partition(":")
    return {
        "source": "t",
        "conversation_id": conv,
        "message_id": mid,
        "at": when,
        "direction": "in" if kind == "customer" else "out",
        "sender_kind": kind,
        "agent_id": agent or None,
        "private": extra.get("private", False),
        "deleted": extra.get("deleted", False),
        "channel": "chat",
        "queue": extra.get("queue"),
        "customer_id": extra.get("customer"),
        "priority": None,
        "source_tz": None,
        "source_file": "m.csv",
        "source_line": 0,
        "_rank": 0,
        "_text": mid,
    }


def event(conv: str, kind: str, when: dt.datetime, agent: str | None) -> dict[str, Any]:
    return {
        "source": "t",
        "conversation_id": conv,
        "at": when,
        "kind": kind,
        "activity": kind,
        "agent_id": agent,
        "channel": "chat",
        "queue": None,
        "customer_id": None,
        "priority": None,
        "source_tz": None,
        "source_file": "e.csv",
        "source_line": 0,
        "_rank": 1,
        "_text": kind,
    }


def derive(db: Path, messages: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    for i, row in enumerate(messages + events):
        row["source_line"] = i + 2
    with Store(db) as store, store.load(fmt="test", files=["m.csv"]) as session:
        session.account.read = session.account.used = len(messages) + len(events)
        loader = ConversationLoader(session)
        loader.add("messages", pa.Table.from_pylist(messages, stage_schema("messages")))
        loader.add("events", pa.Table.from_pylist(events, stage_schema("events")))
        loader.finish()


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with Store(db) as store:
        cur = store.con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


C1 = [
    message("c1", "1", at(10), "customer", queue="support", customer="u1"),
    message("c1", "2", at(10, 0, 5), "bot"),  # an automatic reply: never a response
    message("c1", "3", at(10, 0, 30), "agent:X", private=True),  # internal note
    message("c1", "4", at(10, 0, 40), "agent:X", deleted=True),  # deleted
    message("c1", "5", at(10, 1), "agent:X", queue="sales"),  # the first response: 60 s
    message("c1", "6", at(10, 2), "customer"),  # turn 2 starts
    message("c1", "7", at(10, 2, 30), "customer"),  # ... and goes on
    message("c1", "8", at(10, 5), "agent:Y"),  # turn 2 replied after 180 s
    message("c1", "9", at(10, 6), "customer"),  # turn 3, stopped by the resolution
    message("c1", "10", at(10, 10), "customer"),  # reopens: turn 4
    message("c1", "11", at(10, 20), "agent:X"),  # turn 4 replied after 600 s
    message("c1", "12", at(10, 21), "system"),
]
C1_EVENTS = [
    event("c1", "assigned", at(10, 0, 10), "Y"),  # A1RT: Y's first reply 10:05 -> 290 s
    event("c1", "resolved", at(10, 7), "Y"),
]
C2 = [  # opened by an agent: the first-response clock starts at the customer's message
    message("c2", "1", at(9), "agent:X"),
    message("c2", "2", at(9, 30), "customer"),
    message("c2", "3", at(9, 31), "agent:X"),
]
C3 = [message("c3", "1", at(11), "customer")]  # never answered, still open
ORPHAN = [message(None, "99", at(12), "agent:X")]  # belongs to no conversation


def test_replies_turns_and_reopens_are_as_hand_computed(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    derive(db, C1 + C2 + C3 + ORPHAN, C1_EVENTS)
    conv = {
        r["conversation_id"]: r
        for r in rows(db, "SELECT * FROM conversations ORDER BY conversation_id")
    }
    assert sorted(conv) == ["c1", "c2", "c3"]
    c1, c2, c3 = conv["c1"], conv["c2"], conv["c3"]
    assert (c1["first_response_s"], c1["agent_id"], c1["first_response_incl_bot_s"]) == (
        60.0, "X", 5.0
    )  # fmt: skip
    assert (c1["a1rt_s"], c1["assignee_id"]) == (290.0, "Y")
    # the bot answered first: resolution from the handoff (Y assigned at 10:00:10)
    assert (c1["bot_s"], c1["handoff_at"]) == (10.0, at(10, 0, 10))
    assert (c1["resolution_s"], c1["reopened"], c1["status"]) == (410.0, 1, "open")
    assert c1["final_resolution_s"] is None  # reopened and not resolved again
    assert (c1["queue"], c1["customer_id"]) == ("sales", "u1")  # the first agent message's
    assert (c2["created_at"], c2["first_response_s"], c2["first_response_incl_bot_s"]) == (
        at(9), 60.0, 60.0
    )  # fmt: skip
    assert (c3["first_response_s"], c3["status"], c3["resolution_s"]) == (None, "open", None)
    turns = rows(
        db,
        "SELECT conversation_id, turn, started_at, replied_at, agent_id, stopped_at, response_s "
        "FROM responses ORDER BY conversation_id, turn",
    )
    assert [tuple(t.values()) for t in turns] == [
        ("c1", 1, at(10), at(10, 1), "X", None, 60.0),
        ("c1", 2, at(10, 2), at(10, 5), "Y", None, 180.0),
        ("c1", 3, at(10, 6), None, None, at(10, 7), None),
        ("c1", 4, at(10, 10), at(10, 20), "X", None, 600.0),
        ("c2", 1, at(9, 30), at(9, 31), "X", None, 60.0),
        ("c3", 1, at(11), None, None, None, None),
    ]
    stored = rows(db, "SELECT count(*) AS n FROM messages WHERE conversation_id IS NULL")
    assert stored == [{"n": 1}]


def test_a_turn_split_by_a_later_reply_replaces_the_stored_turns(tmp_path: Path) -> None:
    """The first load sees two customer messages in one turn; the second brings an agent
    reply between them: the turn is split, its stored row is replaced."""
    db = tmp_path / "s.duckdb"
    first = [
        message("c", "1", at(10), "customer"),
        message("c", "3", at(10, 10), "customer"),
    ]
    derive(db, first, [])
    before = rows(db, "SELECT turn, started_at, replied_at FROM responses ORDER BY turn")
    assert before == [{"turn": 1, "started_at": at(10), "replied_at": None}]
    derive(db, [message("c", "2", at(10, 5), "agent:X")], [])
    after = rows(db, "SELECT turn, started_at, replied_at, response_s FROM responses ORDER BY turn")
    assert after == [
        {"turn": 1, "started_at": at(10), "replied_at": at(10, 5), "response_s": 300.0},
        {"turn": 2, "started_at": at(10, 10), "replied_at": None, "response_s": None},
    ]
    # a third message in a later load completes turn 2; the turns are those of one load
    derive(db, [message("c", "4", at(10, 12), "agent:Y")], [])
    one = tmp_path / "one.duckdb"
    derive(one, [*first, message("c", "2", at(10, 5), "agent:X"),
                 message("c", "4", at(10, 12), "agent:Y")], [])  # fmt: skip
    sql = "SELECT * FROM responses ORDER BY turn"
    assert rows(db, sql) == rows(one, sql)
    sql = "SELECT * EXCLUDE (source_line) FROM conversations"
    assert rows(db, sql) == rows(one, sql)
