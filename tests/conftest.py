"""Shared fixtures: real-data location, contact builders, in-memory and file engines,
and one Spark session per test run."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from contactcenter.engines import Engine
from contactcenter.facts import CONTACTS, CONTACTS_SCHEMA, ring_outs

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"

os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip when this checkout has no shared folder beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present beside this checkout")
    return SHARED_DATA


def contacts_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Canonical contacts from short dicts; defaults fill what a case leaves out."""
    full = []
    for i, row in enumerate(rows):
        rec = {
            "contact_id": str(row.get("contact_id", i)),
            "source": row.get("source", "test"),
            "channel": row.get("channel", "voice"),
            "queue": row.get("queue", "q1"),
            "outcome": row["outcome"],
            "wait_s": row.get("wait_s"),
            "talk_s": row.get("talk_s"),
            "hold_s": row.get("hold_s"),
            "acw_s": row.get("acw_s"),
            "agent_id": row.get("agent_id"),
            "talking": bool(row.get("talking", False)),
            "transferred": bool(row.get("transferred", False)),
            "ring_no_answer": int(row.get("ring_no_answer", 0)),
            "source_tz": row.get("source_tz"),
            "disposition": row.get("disposition"),
            "resolved": row.get("resolved"),
        }
        offered = row["offered_at"]
        if isinstance(offered, str):
            offered = dt.datetime.fromisoformat(offered)
        if offered.tzinfo is None:
            offered = offered.replace(tzinfo=dt.UTC)
        rec["offered_at"] = offered.astimezone(dt.UTC)
        full.append(rec)
    if not full:
        return CONTACTS_SCHEMA.empty_table()
    return CONTACTS.conform(pa.Table.from_pylist(full), what="test contacts")


def memory_engine(table: pa.Table) -> Engine:
    """An in-memory DuckDB engine over ``table`` (fast, for property tests)."""
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET enable_progress_bar = false")
    backend.create_table("contacts", table)
    backend.create_table("ring_outs", ring_outs.from_contacts(table))
    return Engine.over("duckdb", backend)


@pytest.fixture(scope="session")
def spark_engine_factory() -> Iterator[Any]:
    """Builds Spark engines over Arrow tables, sharing one local session per run."""
    pytest.importorskip("pyspark")
    from contactcenter.engines.spark_engine import spark_session

    session = spark_session("local[2]")
    backend = ibis.pyspark.connect(session)

    tmp = Path(tempfile.mkdtemp(prefix="cc-spark-test-"))
    counter = iter(range(10**6))

    def make(table: pa.Table, name: str = "contacts") -> Engine:
        path = tmp / f"contacts-{next(counter)}.parquet"
        pq.write_table(table, path)
        session.read.parquet(str(path)).createOrReplaceTempView(name)
        rings = tmp / f"ring_outs-{next(counter)}.parquet"
        pq.write_table(ring_outs.from_contacts(table), rings)
        session.read.parquet(str(rings)).createOrReplaceTempView(f"{name}_ring_outs")
        bound = {"contacts": backend.table(name), "ring_outs": backend.table(f"{name}_ring_outs")}
        return Engine("spark", backend, bound.get)

    yield make
    shutil.rmtree(tmp, ignore_errors=True)
