"""The input hardening of the voice formats, in the conversation formats: gzip, far
instants, over-long lines, CR inside a line, a last line without LF. Hand-made files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from contactcenter.errors import FormatError
from contactcenter.sources._text import MAX_LINE_BYTES
from contactcenter.store import Store
from tests.sources.conftest import load, rejects, write

TICKET_MAPPING = "channel: ticket\nactivities: {Take in charge ticket: responded}\n"
TICKET_HEADER = "case:concept:name,concept:name,org:resource,time:timestamp\n"
TICKETS = (
    TICKET_HEADER
    + "T1,Assign,A,2024-03-01 09:00:00+00:00\n"
    + "T1,Take in charge ticket,B,2024-03-01 09:10:00+00:00\n"
)
TWCS_HEADER = (
    ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
)
MESSAGES_HEADER = "conversation_id,message_id,at,direction,sender_kind,agent_id\n"
MESSAGES = (
    MESSAGES_HEADER
    + "c1,m1,2024-03-01T09:00:00Z,in,customer,\n"
    + "c1,m2,2024-03-01T09:01:00Z,out,agent,a1\n"
)
CHAT_MAPPING = (
    "columns:\n  conversation_id: conv\n  message_id: id\n  at: time\n"
    "  direction: {column: dir, values: {i: in, o: out}}\n  agent_id: agent\n"
)
CHAT_HEADER = "conv,id,time,dir,agent\n"


def reasons(store: Store) -> dict[int, str]:
    return {int(r["line_no"]): r["reason"] for r in rejects(store)}


def mapping(tmp_path: Path, text: str) -> Path:
    return write(tmp_path / f"m{abs(hash(text))}.yaml", text)


def test_gzipped_conversation_files_are_read(store: Store, tmp_path: Path) -> None:
    tickets = tmp_path / "t.csv.gz"
    tickets.write_bytes(gzip.compress(TICKETS.encode()))
    got = load(store, "ticket_events", tickets, mapping=mapping(tmp_path, TICKET_MAPPING))
    assert (got.lines_read, got.lines_used) == (3, 2)
    messages = tmp_path / "m.csv.gz"
    messages.write_bytes(gzip.compress(MESSAGES.encode()))
    assert load(store, "messages", messages).lines_used == 2
    tweets = tmp_path / "tw.csv.gz"
    tweets.write_bytes(
        gzip.compress((TWCS_HEADER + "0,1,c1,True,Fri Mar 01 09:00:00 +0000 2024,hi,,\n").encode())
    )
    assert load(store, "twcs", tweets).lines_used == 1
    (n,) = store.con.execute("SELECT count(*) FROM conversations").fetchone() or (0,)
    assert n == 3


def test_far_instants_are_rejected_in_every_conversation_format(
    store: Store, tmp_path: Path
) -> None:
    tickets = write(
        tmp_path / "t.csv",
        TICKETS
        + "T2,Assign,A,0001-01-01 00:00:00+01:00\n"
        + "T3,Assign,A,2200-01-01 00:00:00+00:00\n"
        + "T4,Assign,A,1899-12-31 23:59:59+00:00\n",
    )
    got = load(store, "ticket_events", tickets, mapping=mapping(tmp_path, TICKET_MAPPING))
    assert got.lines_used == 2
    # year 1 east of UTC cannot even be an instant: unreadable, not a crash
    assert reasons(store) == {
        4: "timestamp: column time:timestamp is not a timestamp (ISO 8601)",
        5: "timestamp is outside 1900-01-01 .. 2199-12-31 UTC",
        6: "timestamp is outside 1900-01-01 .. 2199-12-31 UTC",
    }


def test_far_instants_messages_and_chat_exports(tmp_path: Path) -> None:
    with Store(tmp_path / "a.duckdb") as store:
        path = write(
            tmp_path / "m.csv",
            MESSAGES + "c2,m1,9999-12-31T23:59:59Z,in,customer,\n",
        )
        assert load(store, "messages", path).lines_used == 2
        assert reasons(store) == {4: "at is outside 1900-01-01 .. 2199-12-31 UTC"}
    with Store(tmp_path / "b.duckdb") as store:
        path = write(
            tmp_path / "c.csv",
            CHAT_HEADER + "c1,1,2024-03-01T09:00:00Z,i,\nc1,2,1800-01-01T09:00:00Z,o,a\n",
        )
        assert (
            load(store, "messages_csv", path, mapping=mapping(tmp_path, CHAT_MAPPING)).lines_used
            == 1
        )
        assert reasons(store) == {3: "at is outside 1900-01-01 .. 2199-12-31 UTC"}
    with Store(tmp_path / "c.duckdb") as store:
        path = write(
            tmp_path / "tw.csv",
            TWCS_HEADER + "0,1,c1,True,Fri Mar 01 09:00:00 +0000 1800,hi,,\n",
        )
        assert load(store, "twcs", path).lines_used == 0
        assert reasons(store) == {2: "created_at is outside 1900-01-01 .. 2199-12-31 UTC"}


def test_over_long_lines_are_rejected_in_every_conversation_format(tmp_path: Path) -> None:
    huge = "x" * (MAX_LINE_BYTES + 1) + "\n"
    cases = {
        "ticket_events": (TICKETS, {"mapping": mapping(tmp_path, TICKET_MAPPING)}),
        "messages": (MESSAGES, {}),
        "messages_csv": (CHAT_HEADER, {"mapping": mapping(tmp_path, CHAT_MAPPING)}),
        "twcs": (TWCS_HEADER, {}),
    }
    for fmt, (head, options) in cases.items():
        with Store(tmp_path / f"{fmt}.duckdb") as store:
            path = write(tmp_path / f"{fmt}.csv", head + huge)
            got = load(store, fmt, path, **options)
            assert got.lines_rejected == 1, fmt
            line = head.count("\n") + 1
            assert reasons(store) == {line: f"line longer than {MAX_LINE_BYTES:,} bytes (cut)"}


def test_bare_crs_are_text_and_cr_only_files_are_rejected(tmp_path: Path) -> None:
    with Store(tmp_path / "a.duckdb") as store:
        # quoted and unquoted bare CRs stay in the text (the Twitter file has them)
        path = write(
            tmp_path / "tw.csv",
            TWCS_HEADER
            + "0,1,c1,True,Fri Mar 01 09:00:00 +0000 2024,a\r\rb,,\n"
            + '1,2,c2,True,Fri Mar 01 09:00:00 +0000 2024,"x\r""y""\r\nz",,\n',
        )
        got = load(store, "twcs", path)
        assert (got.lines_used, got.lines_rejected) == (2, 0)
        texts = store.con.execute("SELECT text FROM twcs_tweets ORDER BY tweet_id").fetchall()
        # a CR before the LF ends the physical line (CRLF), so a quoted line end is LF
        assert texts == [("a\r\rb",), ('x\r"y"\nz',)]
    with Store(tmp_path / "b.duckdb") as store:
        # old Mac line ends: the whole file is one line, whose header names no column
        path = write(tmp_path / "t.csv", TICKETS.replace("\n", "\r"))
        with pytest.raises(FormatError, match="not a ticket event log"):
            load(store, "ticket_events", path, mapping=mapping(tmp_path, TICKET_MAPPING))
        # ... and after a good header, one line that is many rows is rejected
        path = write(tmp_path / "t2.csv", TICKET_HEADER + TICKETS.replace("\n", "\r"))
        got = load(store, "ticket_events", path, mapping=mapping(tmp_path, TICKET_MAPPING))
        assert (got.lines_used, got.lines_rejected) == (0, 1)


def test_a_last_line_without_lf_is_read(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", MESSAGES.rstrip("\n"))
    assert load(store, "messages", path).lines_used == 2


def test_contacts_refuses_a_conversation_file_and_names_its_format(
    store: Store, tmp_path: Path
) -> None:
    cases = {
        "t.csv": (TICKETS, "--format ticket_events --mapping data/mappings/helpdesk.yaml"),
        "tw.csv": (TWCS_HEADER, "--format twcs"),
        "m.csv": (MESSAGES, "--format messages, or messages_csv"),
    }
    for name, (text, hint) in cases.items():
        with pytest.raises(FormatError, match="not a contacts file") as info:
            load(store, "contacts", write(tmp_path / name, text))
        assert str(info.value).endswith(f"{hint})")


def test_a_failed_load_leaves_the_conversations_as_they_were(tmp_path: Path) -> None:
    tables = ("messages", "conversation_events", "conversations", "responses",
              "agent_conversations", "agent_load")  # fmt: skip

    def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
        have = {
            r[0] for r in store.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        return {
            t: sorted(map(tuple, store.con.execute(f"SELECT * FROM {t}").fetchall()), key=repr)
            for t in tables
            if t in have
        }

    messages = write(tmp_path / "m.csv", MESSAGES)
    more = write(
        tmp_path / "m2.csv",
        MESSAGES_HEADER + "c1,m3,2024-03-01T09:05:00Z,in,customer,\n"
        "c9,m1,2024-03-01T10:00:00Z,in,customer,\n",
    )
    damaged = tmp_path / "m3.csv.gz"
    damaged.write_bytes(gzip.compress(MESSAGES.encode() * 50)[:60])
    with Store(tmp_path / "s.duckdb") as store:
        load(store, "messages", messages)
        before = snapshot(store)
        assert before["conversations"]
        with pytest.raises(FormatError, match="damaged gzip data"):
            load(store, "messages", more, damaged)
        assert snapshot(store) == before
