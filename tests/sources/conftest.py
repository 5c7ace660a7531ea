"""Fixtures of the ingestion tests: a store in tmp_path, file writers, the real data."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from contactcenter.sources import IngestOptions, ingest
from contactcenter.store import LoadReport, Store

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
QUEUE_LOG_DIR = SHARED_DATA / "asterisk-queue-log"
TECHNION_DIR = SHARED_DATA / "technion-anonymous-bank-1999"


@pytest.fixture
def real_data() -> Path:
    """../shared/data beside this checkout, or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present beside this checkout")
    return SHARED_DATA


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A new store (DuckDB file) in tmp_path."""
    with Store(tmp_path / "store.duckdb") as s:
        yield s


def write(path: Path, text: str | bytes) -> Path:
    """Write ``text`` (exact bytes; no newline translation) and return the path."""
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def load(store: Store, fmt: str, *files: Path, **options: Any) -> LoadReport:
    """Ingest ``files`` and check the accounting the store promises."""
    report = ingest(store, fmt=fmt, files=list(files), options=IngestOptions(**options))
    assert report.lines_read == report.lines_used + report.lines_ignored + report.lines_rejected
    return report


def contacts(store: Store, where: str = "true") -> dict[str, dict[str, Any]]:
    """Stored contacts by contact_id, as dicts (timestamps as epoch seconds)."""
    cur = store.con.execute(
        "SELECT * REPLACE (epoch(offered_at) AS offered_at, epoch(answered_at) AS answered_at,"
        f" epoch(ended_at) AS ended_at) FROM contacts WHERE {where} ORDER BY contact_id"
    )
    names = [d[0] for d in cur.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def table_rows(store: Store, table: str, order: str) -> list[tuple[Any, ...]]:
    """All rows of ``table`` ordered by ``order``."""
    return store.con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def rejects(store: Store) -> list[dict[str, str]]:
    """The rows of the rejects file beside the store."""
    if not store.rejects_path.exists():
        return []
    with store.rejects_path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def lines(*rows: str, end: str = "\n") -> str:
    """Join queue_log lines."""
    return "".join(r + end for r in rows)


def snapshot(store: Store) -> tuple[Sequence[Any], ...]:
    """Everything a load may change, to compare before and after."""
    raw = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'queue_log_events'"
    ).fetchone()
    has_raw = bool(raw and raw[0])
    return (
        table_rows(store, "contacts", "source, contact_id"),
        table_rows(store, "agent_events", "source, source_file, source_line"),
        table_rows(store, "agent_states", "source, agent_id, scope, queue, start_at"),
        table_rows(store, "queue_log_events", "seq") if has_raw else [],
    )
