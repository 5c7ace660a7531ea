"""The embedded default: Ibis on the store's DuckDB file, read-only."""

from __future__ import annotations

from pathlib import Path

import ibis

from contactcenter.engines.base import Engine
from contactcenter.errors import StoreError


def open_duckdb(db: str | Path) -> Engine:
    """Open the store ``db`` read-only and bind its contacts table."""
    path = Path(db)
    if not path.is_file():
        raise StoreError(
            f"--db: store {path} does not exist; load data first with "
            f"'contactcenter ingest --db {path} --format F FILE...'"
        )
    try:
        backend = ibis.duckdb.connect(str(path), read_only=True)
    except Exception as exc:  # duckdb raises several unrelated classes here
        raise StoreError(f"--db: cannot open store {path}: {exc}") from exc
    backend.raw_sql("SET enable_progress_bar = false")
    if "contacts" not in backend.list_tables():
        backend.disconnect()
        raise StoreError(f"--db: {path} is not a contactcenter store (no contacts table)")
    return Engine("duckdb", backend, backend.table("contacts"))
