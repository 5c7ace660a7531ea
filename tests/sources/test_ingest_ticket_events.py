"""Format ticket_events: an XES-style event log and its YAML mapping, hand-computed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from contactcenter.errors import ConfigError, FormatError
from contactcenter.store import Store
from tests.sources.conftest import load, rejects, table_rows, write

MAPPING = """\
channel: ticket
activities:              # activity -> lifecycle event; activities not listed are updates
  Take in charge ticket: responded
  Resolve ticket: resolved
  Closed: closed
  Wait: pending
"""

HEADER = "case:concept:name,concept:name,org:resource,time:timestamp"
# T1: created 09:00, responded 09:10 (600 s, by B), pending 09:20-10:00 (2,400 s), resolved
#     11:00 (7,200 s), closed the next day while resolved (status closed, no new resolution)
# T2: created 10:00, resolved 10:30 with no reply (unanswered, 1,800 s), reopened by a
#     responded event 12:00 (not its first response), resolved again 13:00 (final 10,800 s)
# T3: created by its response 08:00 (0 s), pending since 08:30 to the end of the data
T1 = [
    "T1,Assign seriousness,A,2024-03-01 09:00:00+00:00",
    "T1,Take in charge ticket,B,2024-03-01 09:10:00+00:00",
    "T1,Wait,B,2024-03-01 09:20:00+00:00",
    "T1,Take in charge ticket,B,2024-03-01 10:00:00+00:00",
    "T1,Resolve ticket,B,2024-03-01 11:00:00+00:00",
    "T1,Closed,C,2024-03-02 11:00:00+00:00",
]
T2 = [
    "T2,Assign seriousness,A,2024-03-01 10:00:00+00:00",
    "T2,Resolve ticket,A,2024-03-01 10:30:00+00:00",
    "T2,Take in charge ticket,B,2024-03-01 12:00:00+00:00",
    "T2,Resolve ticket,B,2024-03-01 13:00:00+00:00",
]
T3 = [
    "T3,Take in charge ticket,A,2024-03-02 08:00:00+00:00",
    "T3,Wait,A,2024-03-02 08:30:00+00:00",
]


def log(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def at(day: int, hour: int, minute: int = 0) -> float:
    return dt.datetime(2024, 3, day, hour, minute, tzinfo=dt.UTC).timestamp()


def conversations(store: Store) -> dict[str, dict[str, Any]]:
    cur = store.con.execute(
        "SELECT * REPLACE (epoch(created_at) AS created_at, "
        "epoch(first_response_at) AS first_response_at, "
        "epoch(first_resolved_at) AS first_resolved_at, epoch(resolved_at) AS resolved_at, "
        "epoch(pending_since) AS pending_since) FROM conversations ORDER BY conversation_id"
    )
    names = [d[0] for d in cur.description]
    return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    return write(tmp_path / "helpdesk.yaml", MAPPING)


def test_tickets_are_derived_as_hand_computed(tmp_path: Path, mapping: Path) -> None:
    path = write(
        tmp_path / "log.csv",
        log(
            *T1,
            *T2,
            *T3,
            "T1,Take in charge ticket,B,2024-03-01 09:10:00+00:00",  # exact duplicate
            "T4,,A,2024-03-01 09:00:00+00:00",  # no activity
            "T5,Resolve ticket,A,yesterday",  # no time
            "",
            "T6,Closed,A",  # too few fields
        ),
    )
    with Store(tmp_path / "s.duckdb") as store:
        report = load(store, "ticket_events", path, mapping=mapping)
        assert (report.lines_read, report.lines_used) == (18, 12)
        assert report.ignored == {"header": 1, "duplicate row": 1, "blank line": 1}
        assert report.rejected == {
            "activity is empty (column concept:name)": 1,
            "timestamp: column time:timestamp is not a timestamp (ISO 8601)": 1,
            "number of fields differs from the header": 1,
        }
        assert [(r["line_no"], r["text"]) for r in rejects(store)] == [
            ("15", "T4,,A,2024-03-01 09:00:00+00:00"),
            ("16", "T5,Resolve ticket,A,yesterday"),
            ("18", "T6,Closed,A"),
        ]
        assert report.tables["conversations"] == {"inserted": 3, "updated": 0}
        assert report.tables["conversation_events"] == {"inserted": 12, "updated": 0}
        got = conversations(store)
        t1, t2, t3 = got["T1"], got["T2"], got["T3"]
        assert (t1["created_at"], t1["first_response_at"], t1["agent_id"]) == (
            at(1, 9),
            at(1, 9, 10),
            "B",
        )
        assert (t1["first_response_s"], t1["resolution_s"], t1["final_resolution_s"]) == (
            600.0, 7200.0, 7200.0
        )  # fmt: skip
        assert (t1["status"], t1["reopened"], t1["pending_s"], t1["pending_since"]) == (
            "closed", 0, 2400.0, None
        )  # fmt: skip
        assert t1["resolved_at"] == at(1, 11)  # the Closed the next day is no new resolution
        assert (t2["first_response_at"], t2["agent_id"], t2["first_response_s"]) == (
            None, None, None
        )  # fmt: skip
        assert (t2["resolution_s"], t2["resolved_at"], t2["final_resolution_s"]) == (
            1800.0, at(1, 13), 10800.0
        )  # fmt: skip
        assert (t2["status"], t2["reopened"]) == ("resolved", 1)
        assert (t3["first_response_s"], t3["agent_id"], t3["status"]) == (0.0, "A", "pending")
        assert (t3["pending_since"], t3["pending_s"], t3["first_resolved_at"]) == (
            at(2, 8, 30), 0.0, None
        )  # fmt: skip
        assert {c["channel"] for c in got.values()} == {"ticket"}
        assert {c["source"] for c in got.values()} == {"ticket_events"}
        events = store.con.execute(
            'SELECT conversation_id, activity, epoch("at"), kind, resolves, replied, '
            "epoch(pending_until) FROM conversation_events "
            "WHERE kind IN ('resolved', 'closed', 'pending') ORDER BY conversation_id, \"at\""
        ).fetchall()
        assert events == [
            ("T1", "Wait", at(1, 9, 20), "pending", False, True, at(1, 10)),
            ("T1", "Resolve ticket", at(1, 11), "resolved", True, True, None),
            ("T1", "Closed", at(2, 11), "closed", False, True, None),
            ("T2", "Resolve ticket", at(1, 10, 30), "resolved", True, False, None),
            ("T2", "Resolve ticket", at(1, 13), "resolved", True, True, None),
            ("T3", "Wait", at(2, 8, 30), "pending", False, True, None),
        ]
        assert any("Assign seriousness 2" in note for note in report.notes)
        assert any("1 conversations were resolved before any reply" in n for n in report.notes)


def snapshot(store: Store) -> tuple[list[tuple[Any, ...]], ...]:
    return (
        table_rows(store, "conversations", "conversation_id"),
        table_rows(store, "conversation_events", 'conversation_id, "at", activity'),
        table_rows(store, "responses", "conversation_id, turn"),
    )


def test_reloading_changes_nothing(tmp_path: Path, mapping: Path) -> None:
    path = write(tmp_path / "log.csv", log(*T1, *T2, *T3))
    with Store(tmp_path / "s.duckdb") as store:
        load(store, "ticket_events", path, mapping=mapping)
        before = snapshot(store)
        again = load(store, "ticket_events", path, mapping=mapping)
        assert again.ignored == {"header": 1, "already in the store": 12}
        assert again.lines_used == 0
        assert again.tables == {}
        assert snapshot(store) == before


def test_a_later_load_completes_a_ticket_and_order_does_not_matter(
    tmp_path: Path, mapping: Path
) -> None:
    # the first file ends with T2 resolved once and T3 pending; the second brings the
    # reopen and second resolution of T2 and the rest of T1
    first = write(tmp_path / "a.csv", log(*T1[:3], *T2[:2], *T3))
    second = write(tmp_path / "b.csv", log(*T1[3:], *T2[2:]))
    stores = []
    for name, order in (("ab", [first, second]), ("ba", [second, first])):
        store = Store(tmp_path / f"{name}.duckdb")
        for path in order:
            load(store, "ticket_events", path, mapping=mapping)
        stores.append(store)
    together = Store(tmp_path / "together.duckdb")
    load(together, "ticket_events", first, second, mapping=mapping)
    try:
        ab, ba, one = (snapshot(s) for s in (*stores, together))
        assert ab == ba == one
        partial = Store(tmp_path / "partial.duckdb")
        load(partial, "ticket_events", first, mapping=mapping)
        t1 = conversations(partial)["T1"]
        assert (t1["status"], t1["pending_since"]) == ("pending", at(1, 9, 20))
        second_load = load(partial, "ticket_events", second, mapping=mapping)
        assert second_load.tables["conversations"] == {"inserted": 0, "updated": 2}
        assert snapshot(partial) == one
        partial.close()
    finally:
        for store in (*stores, together):
            store.close()


def test_mapping_mistakes_name_the_key(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", log(*T1))
    bad = write(tmp_path / "m.yaml", "activities:\n  Resolve ticket: solved\n")
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(ConfigError, match=r"activities.Resolve ticket: 'solved'") as info:
            load(store, "ticket_events", path, mapping=bad)
        assert info.value.field == "mapping"
        other = write(tmp_path / "o.yaml", "columns:\n  case: Ticket\n")
        with pytest.raises(FormatError, match=r"log.csv:1: .*no column 'Ticket' \(case\)"):
            load(store, "ticket_events", path, mapping=other)
        unknown = write(tmp_path / "u.yaml", "colums: {}\n")
        with pytest.raises(ConfigError, match="unknown keys"):
            load(store, "ticket_events", path, mapping=unknown)


def test_other_columns_activities_to_ignore_and_naive_times(tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "m.yaml",
        """\
source: desk
time_zone: Europe/Rome
timestamp_format: "%d/%m/%Y %H:%M"
columns: {case: Ticket, activity: Step, timestamp: When, resource: Who, queue: Group,
          priority: Prio, customer: Client}
activities: {Opened: created, Answered: responded, Solved: resolved, Spam check: ignore}
""",
    )
    path = write(
        tmp_path / "desk.csv",
        "Ticket,Step,When,Who,Group,Prio,Client\n"
        "9,Opened,01/03/2024 10:00,,L1,low,c7\n"
        "9,Spam check,01/03/2024 10:01,bot,L1,low,c7\n"
        "9,Answered,01/03/2024 10:05,ann,L2,high,\n"
        "9,Solved,01/03/2024 11:00,ann,L2,high,\n",
    )
    with Store(tmp_path / "s.duckdb") as store:
        report = load(store, "ticket_events", path, mapping=mapping)
        assert report.ignored == {"header": 1, "activity Spam check ignored by the mapping": 1}
        c = conversations(store)["9"]
        # 10:00 in Rome (UTC+1 in March) is 09:00 UTC
        assert c["created_at"] == at(1, 9)
        assert (c["source"], c["queue"], c["priority"], c["customer_id"]) == (
            "desk", "L1", "high", "c7"
        )  # fmt: skip
        assert (c["first_response_s"], c["agent_id"], c["source_tz"]) == (
            300.0, "ann", "Europe/Rome"
        )  # fmt: skip
