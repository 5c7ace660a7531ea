"""Engine selection: one interface over the DuckDB and Spark backends.

An :class:`Engine` exposes every registered canonical table by name
(:meth:`Engine.table`) as an Ibis table and runs Ibis expressions (:meth:`Engine.execute`).
A registered table that the store does not hold (a store written before the table was
declared) reads as an empty table of its schema.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from contactcenter.errors import InputError
from contactcenter.facts import table_spec

ENGINES = ("duckdb", "spark")
COMPILED_KEPT = 256
"""Most compiled queries an engine keeps (:meth:`Engine.run`), the oldest dropped first."""


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
        self._compiled: dict[Hashable, tuple[ir.Table, str]] = {}

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

    def run(self, key: Hashable, build: Callable[[], ir.Table]) -> pa.Table:
        """Run the expression ``build()`` returns, its compiled SQL kept under ``key``.

        ``key`` must determine the expression entirely (the same key, the same query).
        On DuckDB the expression is built and compiled once per engine and key; later
        calls run the kept SQL (its in-memory tables registered as Ibis registers them)
        and convert the rows with the kept expression's schema, as :meth:`execute`
        does. Building and compiling a report's expression costs far more than running
        it on a day of data, so an engine a server keeps between requests answers a
        repeated report in the time of its query (docs/benchmarks.md). Other engines
        build and execute every time.
        """
        if self.name != "duckdb":
            return self.execute(build())
        kept = self._compiled.get(key)
        if kept is None:
            expr = build()
            # the in-memory tables the query reads are registered on the connection now
            # and stay registered while the kept expression holds them
            self.backend._run_pre_execute_hooks(expr)
            kept = (expr, str(self.backend.compile(expr.as_table())))
            if len(self._compiled) >= COMPILED_KEPT:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[key] = kept
        expr, sql = kept
        from ibis.backends.duckdb.converter import DuckDBPyArrowData

        try:
            table = self.backend.con.sql(sql).to_arrow_table()
        except RuntimeError as exc:
            from contactcenter.store import was_interrupted

            if was_interrupted(exc):
                raise KeyboardInterrupt from exc
            raise
        result: pa.Table = expr.__pyarrow_result__(table, data_mapper=DuckDBPyArrowData)
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
