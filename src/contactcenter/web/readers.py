"""The report engines of a running server: one per thread, kept between requests.

Opening an engine binds Ibis to the store and reads every table's schema; done per
request it cost more than many reports themselves (docs/benchmarks.md, "Live service").
A server keeps one DuckDB engine per worker thread on the database it holds open
(:func:`contactcenter.store.connect` gives each a cursor): each query is its own
transaction, so a report sees every load committed before it starts. An engine is
opened again when the store's tables or columns changed since (a load created a table,
a newer version added a column), so a table that did not exist when it was opened is
not read as empty.
"""

from __future__ import annotations

import threading
from pathlib import Path

from contactcenter.engines import Engine
from contactcenter.engines.duckdb_engine import open_duckdb

CATALOG = (
    "SELECT table_name, column_name, data_type FROM duckdb_columns() "
    "WHERE database_name = current_database() AND NOT internal ORDER BY ALL"
)
"""The tables and columns of the store: an engine is reopened when they change."""


class Readers:
    """Engines on the store ``db`` for the threads of a server (see the module doc)."""

    def __init__(self, db: str | Path) -> None:
        self.db = Path(db)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Engine] = []

    def _catalog(self, engine: Engine) -> int:
        return hash(tuple(engine.backend.con.execute(CATALOG).fetchall()))

    def engine(self) -> Engine:
        """This thread's engine, opened (again) when needed."""
        engine: Engine | None = getattr(self._local, "engine", None)
        if engine is not None:
            if self._catalog(engine) == self._local.catalog:
                return engine
            self._forget(engine)
        engine = open_duckdb(self.db)
        self._local.engine = engine
        self._local.catalog = self._catalog(engine)
        with self._lock:
            self._open.append(engine)
        return engine

    def _forget(self, engine: Engine) -> None:
        with self._lock:
            if engine in self._open:
                self._open.remove(engine)
        engine.close()
        self._local.engine = None

    def close(self) -> None:
        """Close every engine (the server stops; no request is running)."""
        with self._lock:
            engines, self._open = self._open, []
        for engine in engines:
            engine.close()
