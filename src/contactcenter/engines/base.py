"""Engine selection: one interface over the DuckDB and Spark backends.

An :class:`Engine` exposes every registered canonical table by name
(:meth:`Engine.table`) as an Ibis table and runs Ibis expressions (:meth:`Engine.execute`).
A registered table that the store does not hold (a store written before the table was
declared) reads as an empty table of its schema.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from contactcenter.errors import InputError
from contactcenter.facts import table_spec

ENGINES = ("duckdb", "spark")


class Engine:
    """An open Ibis backend and the store's tables bound to it.

    ``source`` maps a table name to an Ibis table, or returns None when the store has no
    such table; ``release`` frees what the engine holds (called by :meth:`close`).
    """

    def __init__(
        self,
        name: str,
        backend: Any,
        source: Callable[[str], ir.Table | None],
        release: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.backend = backend
        self._source = source
        self._release = release
        self._tables: dict[str, ir.Table] = {}

    @classmethod
    def over(cls, name: str, backend: Any, release: Callable[[], None] | None = None) -> Engine:
        """An engine over the tables a backend holds under the registered names."""

        def source(table: str) -> ir.Table | None:
            return backend.table(table) if table in backend.list_tables() else None

        return cls(name, backend, source, release)

    def table(self, name: str) -> ir.Table:
        """The registered table ``name`` as an Ibis table (empty if the store has none)."""
        if name not in self._tables:
            spec = table_spec(name)
            found = self._source(name)
            if found is None:
                found = ibis.memtable(spec.empty())
            missing = [f for f in spec.schema if f.name not in found.columns]
            if missing:  # a store written before the declaration gained these columns
                found = found.mutate(
                    **{
                        f.name: ibis.literal(spec.defaults.get(f.name), type=f.type)
                        for f in missing
                    }
                )
            self._tables[name] = found
        return self._tables[name]

    @property
    def contacts(self) -> ir.Table:
        """The contacts table (``table("contacts")``)."""
        return self.table("contacts")

    def execute(self, expr: ir.Table) -> pa.Table:
        """Run ``expr`` and return its rows as Arrow."""
        try:
            result: pa.Table = self.backend.to_pyarrow(expr)
        except RuntimeError as exc:
            from contactcenter.store import was_interrupted

            if was_interrupted(exc):
                raise KeyboardInterrupt from exc
            raise
        return result

    def close(self) -> None:
        """Release the backend (the shared Spark session stays up for reuse)."""
        if self._release is not None:
            self._release()
            self._release = None


def open_engine(name: str, *, db: str | Path, spark_master: str | None = None) -> Engine:
    """Open engine ``name`` over the store ``db``."""
    if name == "duckdb":
        from contactcenter.engines.duckdb_engine import open_duckdb

        return open_duckdb(db)
    if name == "spark":
        from contactcenter.engines.spark_engine import open_spark

        return open_spark(db, master=spark_master)
    raise InputError(
        f"{{field}}: unknown engine {name!r}; allowed: {', '.join(ENGINES)}", field="engine"
    )
