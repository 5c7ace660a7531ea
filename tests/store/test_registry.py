"""The table registry and the store's one write path: any registered table, both write
modes, per-table counts in the journal, one database per file per process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from contactcenter.engines import open_engine
from contactcenter.errors import StoreError
from contactcenter.facts import TIMESTAMP, TableSpec, register, table_spec, unregister
from contactcenter.store import Store
from tests.conftest import contacts_table

T0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)

TOY_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("site", pa.string()),
        pa.field("at", TIMESTAMP, nullable=False),
        pa.field("minutes", pa.float64()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)


@pytest.fixture
def toy() -> Iterator[TableSpec]:
    spec = register(
        TableSpec(
            name="toy_shifts",
            schema=TOY_SCHEMA,
            key=("id", "site"),
            write="upsert",
            time="at",
            keys={"queue": "site"},
            order="at",
        )
    )
    yield spec
    unregister(spec.name)


def toy_rows(*rows: tuple[str, str | None, float]) -> pa.Table:
    return pa.table(
        {
            "id": [r[0] for r in rows],
            "site": [r[1] for r in rows],
            "at": [T0] * len(rows),
            "minutes": [r[2] for r in rows],
        }
    )


def test_a_registered_table_is_created_written_and_counted(tmp_path: Path, toy: TableSpec) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with store.load(fmt="test", files=["a"]) as session:
            session.account.read = session.account.used = 3
            session.write("toy_shifts", toy_rows(("a", "x", 1.0), ("a", None, 2.0), ("b", "x", 3)))
        assert store.last_report.tables == {"toy_shifts": {"inserted": 3, "updated": 0}}
        # the same rows again write nothing; a changed value updates by key (a null in the
        # key is a value like any other)
        with store.load(fmt="test", files=["b"]) as session:
            session.account.read = session.account.used = 2
            session.write("toy_shifts", toy_rows(("a", None, 2.0), ("b", "x", 30.0)))
        assert store.last_report.tables == {"toy_shifts": {"inserted": 0, "updated": 1}}
        stored = store.table("toy_shifts").select(["id", "site", "minutes"]).to_pylist()
        assert stored == [
            {"id": "a", "site": "x", "minutes": 1.0},
            {"id": "a", "site": None, "minutes": 2.0},
            {"id": "b", "site": "x", "minutes": 30.0},
        ]
        assert store.journal()[1]["tables"] == {"toy_shifts": {"inserted": 0, "updated": 1}}


def test_append_keeps_the_first_copy_and_never_inserts_a_stored_key(tmp_path: Path) -> None:
    events = table_spec("agent_events")
    row = {
        "source": "s",
        "at": T0,
        "agent_id": "ag1",
        "queue": None,
        "kind": "pause",
        "reason": None,
        "source_event": "PAUSE",
    }
    first = pa.Table.from_pylist(
        [
            {**row, "source_file": "b.log", "source_line": 1},
            {**row, "source_file": "a.log", "source_line": 9},
        ]
    )
    with Store(tmp_path / "s.duckdb") as store:
        with store.load(fmt="test", files=["a"]) as session:
            session.account.read = session.account.used = 2
            session.write(events.name, first)
        assert store.last_report.agent_events_inserted == 1
        assert store.table("agent_events").column("source_file").to_pylist() == ["a.log"]
        with store.load(fmt="test", files=["b"]) as session:
            session.account.read = session.account.used = 1
            session.write(events.name, first.slice(0, 1))
        assert store.last_report.tables == {"agent_events": {"inserted": 0}}


def test_upsert_refuses_a_key_twice_in_one_load(tmp_path: Path, toy: TableSpec) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(StoreError, match="share a key"), store.load(fmt="t", files=[]) as s:
            s.write("toy_shifts", toy_rows(("a", None, 1.0), ("a", None, 2.0)))
        assert store.table("toy_shifts").num_rows == 0


def test_store_and_engine_share_one_database_in_a_process(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        with store.load(fmt="test", files=["a"]) as session:
            session.account.read = session.account.used = 1
            session.write("contacts", contacts_table([{"offered_at": T0, "outcome": "answered"}]))
        # a report while the store is open for loading: the same database, not a second
        # connection with another configuration
        engine = open_engine("duckdb", db=db)
        try:
            assert engine.table("contacts").count().execute() == 1
        finally:
            engine.close()
        with store.load(fmt="test", files=["b"]) as session:
            session.account.read = session.account.used = 1
            session.write(
                "contacts",
                contacts_table([{"contact_id": "x", "offered_at": T0, "outcome": "abandoned"}]),
            )
    engine = open_engine("duckdb", db=db)
    try:
        assert engine.table("contacts").count().execute() == 2
        # a registered table the store lacks reads as empty, with its schema
        assert engine.table("ring_outs").count().execute() == 0
    finally:
        engine.close()


def test_a_failed_first_load_leaves_no_store_file(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    with (
        pytest.raises(RuntimeError, match="boom"),
        Store(db) as store,
        store.load(fmt="test", files=["a"]) as session,
    ):
        session.account.read = 1
        raise RuntimeError("boom")
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_load_into_an_existing_store_keeps_the_file(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store, store.load(fmt="test", files=["a"]) as session:
        session.account.read = session.account.used = 0
    with (
        pytest.raises(RuntimeError),
        Store(db) as store,
        store.load(fmt="test", files=["b"]),
    ):
        raise RuntimeError("boom")
    assert db.exists()


@pytest.mark.parametrize(
    "content", [b"contact_id,offered_at\n1,2024-01-01\n", b"PAR1" + b"\0" * 64, b""]
)
def test_a_path_that_is_not_a_duckdb_store_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a DuckDB store") as info:
        Store(path)
    assert info.value.field == "db"
    assert path.read_bytes() == content


def test_a_foreign_duckdb_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INT)")
    con.close()
    with pytest.raises(StoreError, match="not a contactcenter store"):
        Store(path)


def test_stale_stage_folders_are_removed_when_the_store_opens(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db):
        pass
    stale = tmp_path / ".s.duckdb.stage-queue_log-abc"
    stale.mkdir()
    (stale / "part-0.arrow").write_bytes(b"x" * 100)
    other = tmp_path / ".other.duckdb.stage-queue_log-abc"
    other.mkdir()
    with Store(db):
        pass
    assert not stale.exists()
    assert other.exists()  # another store's folder is not ours to remove
