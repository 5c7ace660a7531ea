"""Formats messages (canonical Parquet/CSV) and messages_csv (a mapped chat export),
hand-computed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from contactcenter.errors import ConfigError, FormatError
from contactcenter.store import Store
from tests.sources.conftest import load, rejects, table_rows, write

CANONICAL = """\
conversation_id,message_id,at,sender_kind,agent_id,private,deleted,channel,queue
c1,1,2024-03-01 10:00:00,customer,,,,chat,web
c1,2,2024-03-01 10:00:05,bot,,,,chat,web
c1,3,2024-03-01 10:01:00,agent,ann,false,false,chat,web
c1,4,2024-03-01 10:02:00,agent,ann,true,false,chat,web
c1,5,2024-03-01 10:03:00,customer,,,,chat,web
c1,6,2024-03-01 10:04:00,agent,ann,false,true,chat,web
c1,7,2024-03-01 10:05:30,agent,bob,false,false,chat,web
c2,1,not a time,customer,,,,chat,web
c2,2,2024-03-01 11:00:00,robot,,,,chat,web
c2,3,2024-03-01 11:00:00,customer,,maybe,,chat,web
c2,4,2024-03-01 11:00:00,customer,,,,voice,web
,9,2024-03-01 12:00:00,agent,bob,,,email,
c1,1,2024-03-01 10:00:00,customer,,,,chat,web
c1,1,2024-03-01 10:00:09,customer,,,,chat,web
"""
# c1: the bot answers after 5 s, ann after 60 s (the first response); the customer writes
# again at 10:03; ann's private note and deleted message are no reply, bob's at 10:05:30
# is (150 s). Message 9 belongs to no conversation.


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, 1, hour, minute, second, tzinfo=dt.UTC)


def one(store: Store, sql: str) -> dict[str, Any]:
    cur = store.con.execute(sql)
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def test_canonical_csv_rows_checked_and_derived(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", CANONICAL)
    with Store(tmp_path / "s.duckdb") as store:
        report = load(store, "messages", path)
        assert (report.lines_read, report.lines_used, report.lines_rejected) == (15, 8, 5)
        assert report.ignored == {"header": 1, "duplicate row": 1}
        assert [(r["line_no"], r["reason"]) for r in rejects(store)] == [
            ("9", "at is not a timestamp"),
            ("10", "sender_kind must be one of customer, agent, bot, system"),
            ("11", "private is not true/false"),
            ("12", "channel must be one of chat, email, ticket, social, messaging"),
            ("15", "message_id repeated in its conversation with different values"),
        ]
        c1 = one(store, "SELECT * FROM conversations")
        assert (c1["conversation_id"], c1["first_response_s"], c1["agent_id"]) == (
            "c1",
            60.0,
            "ann",
        )
        assert (c1["first_response_incl_bot_s"], c1["queue"], c1["source"]) == (
            5.0, "web", "messages"
        )  # fmt: skip
        turn2 = one(store, "SELECT * FROM responses WHERE turn = 2")
        assert (turn2["started_at"], turn2["response_s"], turn2["agent_id"]) == (
            at(10, 3), 150.0, "bob"
        )  # fmt: skip
        kinds = store.con.execute(
            "SELECT message_id, direction, sender_kind, private, deleted FROM messages "
            "WHERE message_id IN ('1', '4', '6', '9') ORDER BY message_id"
        ).fetchall()
        assert kinds == [
            ("1", "in", "customer", False, False),
            ("4", "out", "agent", True, False),
            ("6", "out", "agent", False, True),
            ("9", "out", "agent", False, False),
        ]
        before = table_rows(store, "messages", "conversation_id, message_id")
        again = load(store, "messages", path)
        assert again.ignored == {"header": 1, "duplicate row": 1, "already in the store": 8}
        assert table_rows(store, "messages", "conversation_id, message_id") == before


def test_parquet_gives_the_csv_result_and_a_later_export_marks_a_message_deleted(
    tmp_path: Path,
) -> None:
    good = CANONICAL.splitlines()[:8]
    csv_path = write(tmp_path / "m.csv", "\n".join(good) + "\n")
    rows = []
    for line in good[1:]:
        cid, mid, when, kind, agent, private, deleted, channel, queue = line.split(",")
        rows.append(
            {
                "conversation_id": cid,
                "message_id": mid,
                "at": dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC),
                "sender_kind": kind,
                "agent_id": agent or None,
                "private": private == "true",
                "deleted": deleted == "true",
                "channel": channel,
                "queue": queue,
            }
        )
    rows.append({**rows[0], "message_id": "8", "sender_kind": "robot"})  # rejected
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "m.parquet")
    sql = "SELECT * EXCLUDE (source_file, source_line) FROM conversations"
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        load(a, "messages", csv_path)
        report = load(b, "messages", tmp_path / "m.parquet")
        assert (report.lines_read, report.lines_used, report.lines_rejected) == (8, 7, 1)
        (bad,) = rejects(b)
        assert (bad["line_no"], bad["reason"]) == (
            "8",
            "sender_kind must be one of customer, agent, bot, system",
        )
        assert bad["text"].startswith("c1,8,2024-03-01 10:00:00")
        assert one(a, sql) == one(b, sql)
        # a later export says ann's first reply was deleted: the next reply (bob's) is
        # the first response after all
        later = write(
            tmp_path / "later.csv",
            good[0] + "\nc1,3,2024-03-01 10:01:00,agent,ann,false,true,chat,web\n",
        )
        update = load(a, "messages", later)
        assert update.tables["messages"] == {"inserted": 0, "updated": 1}
        c1 = one(a, "SELECT * FROM conversations")
        assert (c1["first_response_s"], c1["agent_id"]) == (330.0, "bob")


MAPPING = (
    Path(__file__).resolve().parents[2] / "data" / "mappings" / "chatwoot_messages.yaml"
).read_text()
EXPORT = """\
id,conversation_id,created_at,message_type,sender_type,sender_name,private,inbox,event_type
1,7,2024-03-01T10:00:00Z,incoming,Contact,,f,Web,
2,7,2024-03-01T10:00:03Z,outgoing,AgentBot,Bot,f,Web,
3,7,2024-03-01T10:00:10Z,activity,System,Ann,f,Web,assigned
4,7,2024-03-01T10:00:20Z,outgoing,User,Ann,t,Web,
5,7,2024-03-01T10:01:10Z,outgoing,User,Ann,f,Web,
6,7,2024-03-01T10:05:00Z,activity,System,Ann,f,Web,resolved
7,8,2024-03-01T11:00:00Z,incoming,Visitor,,f,Web,
"""
# conversation 7: the bot answers after 3 s, Ann's note at 10:00:20 is private, her reply
# at 10:01:10 is the first response (70 s) and comes 60 s after she was assigned (A1RT);
# Ann resolves it at 10:05 (290 s after she took it from the bot). Line 8: a sender type
# the mapping does not know.


def test_a_mapped_chat_export_with_event_rows(tmp_path: Path) -> None:
    mapping = write(tmp_path / "cw.yaml", MAPPING)
    path = write(tmp_path / "cw.csv", EXPORT)
    with Store(tmp_path / "s.duckdb") as store:
        report = load(store, "messages_csv", path, mapping=mapping)
        assert (report.lines_read, report.lines_used, report.lines_rejected) == (8, 6, 1)
        assert report.rejected == {
            "sender_kind: column sender_type has a value that is not in the mapping's values": 1
        }
        assert report.tables["messages"] == {"inserted": 4, "updated": 0}
        assert report.tables["conversation_events"] == {"inserted": 2, "updated": 0}
        c = one(store, "SELECT * FROM conversations")
        assert (c["source"], c["queue"], c["agent_id"], c["status"]) == (
            "chatwoot", "Web", "Ann", "resolved"
        )  # fmt: skip
        assert (c["first_response_s"], c["first_response_incl_bot_s"]) == (70.0, 3.0)
        # the bot had it until Ann's assignment (10 s): resolution from then, 290 s
        assert (c["a1rt_s"], c["resolution_s"], c["bot_s"]) == (60.0, 290.0, 10.0)
        resolved = one(store, "SELECT * FROM conversation_events WHERE kind = 'resolved'")
        assert (resolved["activity"], resolved["agent_id"], resolved["resolves"]) == (
            "resolved", "Ann", True
        )  # fmt: skip
        assert resolved["replied"] is True
        again = load(store, "messages_csv", path, mapping=mapping)
        assert again.ignored == {"header": 1, "already in the store": 6}


def test_messages_mistakes(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        wrong = write(tmp_path / "w.csv", "conversation,message_id,at,direction\n")
        with pytest.raises(FormatError, match=r"w.csv:1: not a messages file: unknown columns"):
            load(store, "messages", wrong)
        no_kind = write(tmp_path / "k.csv", "conversation_id,message_id,at\n")
        with pytest.raises(FormatError, match="direction or sender_kind"):
            load(store, "messages", no_kind)
        path = write(tmp_path / "cw.csv", EXPORT)
        bad = write(tmp_path / "b.yaml", "columns: {conversation_id: a, message_id: b}\n")
        with pytest.raises(ConfigError, match="required fields missing") as info:
            load(store, "messages_csv", path, mapping=bad)
        assert info.value.field == "mapping"
        with pytest.raises(ConfigError, match="needs mapping"):
            load(store, "messages_csv", path)
