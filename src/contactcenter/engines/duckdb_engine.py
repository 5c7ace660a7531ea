"""The embedded default: Ibis on the store's DuckDB file.

The engine reads through the process's one database of that file
(:func:`contactcenter.store.connect`): opened read-only when nothing else in the process
holds it, and shared with a :class:`~contactcenter.store.Store` that has it open.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import ibis
import pyarrow as pa

from contactcenter.engines.base import Engine
from contactcenter.errors import StoreError
from contactcenter.facts import table_spec
from contactcenter.store import check_store_path, connect


def open_duckdb(db: str | Path) -> Engine:
    """Bind the tables of the store ``db``."""
    path = Path(db)
    check_store_path(path)
    if not path.is_file():
        raise StoreError(
            f"{{field}}: store {path} does not exist; load data into it first (ingest)",
            field="db",
        )
    connection = connect(path, read_only=True)
    names = {r[0] for r in connection.con.execute("SHOW TABLES").fetchall()}
    if "contacts" not in names or "loads" not in names:
        connection.close()
        raise StoreError(
            f"{{field}}: {path} is not a contactcenter store (no contacts table)", field="db"
        )
    backend = ibis.duckdb.from_connection(connection.con)
    return Engine.over("duckdb", backend, connection.close)


def open_memory(tables: Mapping[str, pa.Table]) -> Engine:
    """An engine over Arrow tables held in memory under registered names (a simulated
    run's contacts, say): the same compiled queries as over a store, in a private
    in-memory DuckDB that closes with the engine."""
    backend = ibis.duckdb.connect()
    for name, table in tables.items():
        table_spec(name)  # an unknown name is an error here, not a silently empty table
        backend.create_table(name, table)
    return Engine.over("duckdb", backend, backend.disconnect)
