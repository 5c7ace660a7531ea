"""Format twcs (Twitter customer support), hand-computed: threads, brand-started threads,
chains that reach a tweet a later load brings, queues, quoted newlines and bare CRs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from contactcenter.store import Store
from tests.sources.conftest import load, rejects, table_rows, write

HEADER = ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"


def when(hour: int, minute: int = 0) -> str:
    return f"Fri Mar 01 {hour:02d}:{minute:02d}:00 +0000 2024"


# 1 -> 2 -> 3 -> 4: c1 asks (mentioning BrandA first), BrandB answers after 600 s, c1 writes
# again (a quoted newline) and BrandB answers after 1,800 s; the queue is BrandB.
# 5: c2 (bare CRs in the text) gets no answer; its queue is the first @handle that is a
# brand account: BrandA, once the second file brings BrandA's tweet 6.
# 8 -> 99 and 9 -> 8: their chain reaches 99, which only the second file has.
FIRST = (
    HEADER
    + f'0,1,c1,True,{when(9)},"@BrandA @BrandB my order is late",2,\n'
    + f"1,2,BrandB,False,{when(9, 10)},@c1 sorry!,3,1.0\n"
    + f'2,3,c1,True,{when(9, 20)},"@BrandB thanks\nstill waiting",4,2.0\n'
    + f"3,4,BrandB,False,{when(9, 50)},@c1 on its way,,3.0\n"
    + f"4,5,c2,True,{when(10)},@BrandA hello\r\rworld,,\n"
    + f"5,8,c4,True,{when(12)},@BrandB reply,9,99.0\n"
    + f"6,9,BrandB,False,{when(12, 30)},@c4 hi,,8.0\n"
    + f"7,x,c5,True,{when(12)},bad id,,\n"
    + f"8,10,c6,Maybe,{when(12)},bad inbound,,\n"
)
# 6 -> 7: a thread BrandA started (its tweet counts for BrandA, c3's reply is ignored);
# 99: the start of c4's thread.
SECOND = (
    HEADER
    + f"0,6,BrandA,False,{when(11)},Big news!,7,\n"
    + f"1,7,c3,True,{when(11, 5)},@BrandA cool,,6.0\n"
    + f"2,99,c4,True,{when(11, 55)},@BrandB where is it,8,\n"
)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, 1, hour, minute, tzinfo=dt.UTC)


def conversations(store: Store) -> dict[str, dict[str, Any]]:
    cur = store.con.execute("SELECT * FROM conversations ORDER BY conversation_id")
    names = [d[0] for d in cur.description]
    return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def snapshot(store: Store) -> tuple[list[tuple[Any, ...]], ...]:
    return (
        table_rows(store, "conversations", "conversation_id"),
        table_rows(store, "messages", "message_id"),
        table_rows(store, "responses", "conversation_id, turn"),
    )


def test_threads_of_one_file(tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", FIRST)
    with Store(tmp_path / "s.duckdb") as store:
        report = load(store, "twcs", first)
        # 10 records (tweet 3 spans two lines): header, 5 used, 2 waiting for tweet 99
        assert (report.lines_read, report.lines_used, report.lines_rejected) == (10, 5, 2)
        assert report.ignored == {
            "header": 1,
            "its reply chain reaches a tweet not in the store (kept: a later load that "
            "brings it attaches it)": 2,
        }
        assert [(r["line_no"], r["reason"]) for r in rejects(store)] == [
            ("10", "tweet_id is not a whole number"),
            ("11", "inbound is not True or False"),
        ]
        got = conversations(store)
        assert sorted(got) == ["1", "5"]
        one, five = got["1"], got["5"]
        assert (one["queue"], one["agent_id"], one["customer_id"], one["channel"]) == (
            "BrandB", "BrandB", "c1", "social"
        )  # fmt: skip
        assert (one["first_response_s"], one["status"]) == (600.0, "open")
        assert five["queue"] is None  # BrandA has tweeted nothing yet
        turns = store.con.execute(
            "SELECT conversation_id, turn, response_s FROM responses ORDER BY 1, 2"
        ).fetchall()
        assert turns == [("1", 1, 600.0), ("1", 2, 1800.0), ("5", 1, None)]
        # the bare CRs and the quoted newline did not split a tweet
        assert store.con.execute(
            "SELECT text FROM twcs_tweets WHERE tweet_id IN ('3', '5') ORDER BY tweet_id"
        ).fetchall() == [("@BrandB thanks\nstill waiting",), ("@BrandA hello\r\rworld",)]


def test_a_later_file_completes_threads_in_any_order(tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", FIRST)
    second = write(tmp_path / "b.csv", SECOND)
    with Store(tmp_path / "ab.duckdb") as ab:
        load(ab, "twcs", first)
        report = load(ab, "twcs", second)
        assert (report.lines_read, report.lines_used) == (4, 2)
        assert report.ignored == {
            "header": 1,
            "thread started by a brand (its first tweet is outbound)": 1,
        }
        assert any("2 tweets of earlier loads" in note for note in report.notes)
        got = conversations(ab)
        assert sorted(got) == ["1", "5", "99"]
        assert got["5"]["queue"] == "BrandA"
        c4 = got["99"]
        assert (c4["created_at"], c4["first_response_s"], c4["queue"]) == (
            at(11, 55), 2100.0, "BrandB"
        )  # fmt: skip
        brand = ab.con.execute(
            "SELECT conversation_id, agent_id, queue FROM messages WHERE message_id = '6'"
        ).fetchall()
        assert brand == [(None, "BrandA", "BrandA")]
        wanted = snapshot(ab)
        again = load(ab, "twcs", first, second)
        assert (again.lines_used, again.tables) == (0, {})
        assert snapshot(ab) == wanted
    for name, order in (("ba", [second, first]), ("both", [first, second])):
        with Store(tmp_path / f"{name}.duckdb") as store:
            if name == "both":
                load(store, "twcs", *order)
            else:
                for path in order:
                    load(store, "twcs", path)
            assert snapshot(store) == wanted, name
