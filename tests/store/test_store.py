"""The store's guarantees: one transaction per load, the journal, rejects, idempotency."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from contactcenter.errors import InputError, StoreError
from contactcenter.store import Store
from tests.conftest import contacts_table

T0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)


def rows(n: int, outcome: str = "answered") -> pa.Table:
    return contacts_table(
        [
            {"contact_id": f"c{i}", "offered_at": T0, "outcome": outcome, "wait_s": 1.0}
            for i in range(n)
        ]
    )


def count(store: Store, table: str) -> int:
    row = store.con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_load_is_journaled_and_rejects_go_beside_the_store(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with store.load(fmt="test", files=["a.log"]) as session:
            session.account.read = 5
            session.account.used = 3
            session.account.ignore("blank line")
            session.account.reject("a.log", 4, "bad epoch", "x|y")
            session.write("contacts", rows(3))
        report = store.last_report
        assert (
            report.lines_read,
            report.lines_used,
            report.lines_ignored,
            report.lines_rejected,
        ) == (5, 3, 1, 1)
        assert report.contacts_inserted == 3
        journal = store.journal()
        assert journal[0]["ignored_reasons"] == {"blank line": 1}
        assert journal[0]["rejected_reasons"] == {"bad epoch": 1}
    with (tmp_path / "s.duckdb.rejects.csv").open() as fh:
        assert list(csv.reader(fh)) == [
            ["load_id", "file", "line_no", "reason", "text"],
            ["1", "a.log", "4", "bad epoch", "x|y"],
        ]


def test_failed_load_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with store.load(fmt="test", files=["a"]) as session:
            session.account.read = session.account.used = 2
            session.write("contacts", rows(2))
        with (
            pytest.raises(RuntimeError, match="boom"),
            store.load(fmt="test", files=["b"]) as session,
        ):
            session.account.read = session.account.used = 5
            session.write("contacts", rows(5, outcome="abandoned"))
            session.account.reject("b", 1, "r", "t")
            raise RuntimeError("boom")
        assert count(store, "contacts") == 2
        assert count(store, "loads") == 1
        assert store.con.execute("SELECT DISTINCT outcome FROM contacts").fetchall() == [
            ("answered",)
        ]
    assert not (tmp_path / "s.duckdb.rejects.csv").exists()


def test_unaccounted_lines_abort_the_load(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with (
            pytest.raises(StoreError, match="accounting"),
            store.load(fmt="t", files=["a"]) as session,
        ):
            session.account.read = 3
            session.account.used = 2
            session.write("contacts", rows(2))
        assert count(store, "contacts") == 0
        assert count(store, "loads") == 0


def test_loading_the_same_contacts_twice_changes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        for _ in range(2):
            with store.load(fmt="t", files=["a"]) as session:
                session.account.read = session.account.used = 3
                session.write("contacts", rows(3))
        assert count(store, "contacts") == 3
        assert (store.last_report.contacts_inserted, store.last_report.contacts_updated) == (0, 0)
        with store.load(fmt="t", files=["a"]) as session:
            session.account.read = session.account.used = 3
            session.write("contacts", rows(3, outcome="abandoned"))
        assert (store.last_report.contacts_inserted, store.last_report.contacts_updated) == (0, 3)


def test_duplicate_keys_within_one_load_are_refused(tmp_path: Path) -> None:
    table = pa.concat_tables([rows(1), rows(1)])
    with (
        Store(tmp_path / "s.duckdb") as store,
        pytest.raises(StoreError, match="share"),
        store.load(fmt="t", files=["a"]) as session,
    ):
        session.account.read = session.account.used = 2
        session.write("contacts", table)


def test_contacts_with_unknown_columns_are_refused(tmp_path: Path) -> None:
    table = rows(1).append_column("surprise", pa.array([1]))
    with (
        Store(tmp_path / "s.duckdb") as store,
        pytest.raises(InputError, match="surprise"),
        store.load(fmt="t", files=["a"]) as session,
    ):
        session.write("contacts", table)


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nope.duckdb", create=False)


def test_contacts_are_stored_in_offered_at_order(tmp_path: Path) -> None:
    """Reports rely on the table being clustered by time (docs/decisions/0003): each
    load's new and changed contacts go in in offered_at order, whatever the input order."""
    minutes = [37, 5, 59, 12, 0, 44, 23, 31]
    table = contacts_table(
        [
            {
                "contact_id": f"c{i}",
                "offered_at": T0 + dt.timedelta(minutes=m),
                "outcome": "in_progress" if i % 2 else "answered",
                "wait_s": 1.0,
            }
            for i, m in enumerate(minutes)
        ]
    )

    def stored_order(store: Store) -> list[dt.datetime]:
        return [
            r[0]
            for r in store.con.execute("SELECT offered_at FROM contacts ORDER BY rowid").fetchall()
        ]

    with Store(tmp_path / "s.duckdb") as store:
        with store.load(fmt="test", files=["a"]) as session:
            session.write("contacts", table)
        assert stored_order(store) == sorted(stored_order(store))
        assert len(stored_order(store)) == len(minutes)
        # a later load completes the in-progress contacts: the changed rows go in sorted
        finished = table.set_column(
            table.schema.get_field_index("outcome"),
            "outcome",
            pa.array(["answered"] * len(minutes)),
        )
        with store.load(fmt="test", files=["b"]) as session:
            session.write("contacts", finished)
        assert store.last_report.contacts_updated == len(minutes) // 2
        changed = stored_order(store)[len(minutes) // 2 :]
        assert changed == sorted(changed)
