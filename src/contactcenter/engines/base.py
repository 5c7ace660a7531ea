"""Engine selection: one interface over the DuckDB and Spark backends."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from contactcenter.errors import InputError

ENGINES = ("duckdb", "spark")


@dataclass
class Engine:
    """An open Ibis backend with the contacts table bound to it."""

    name: str
    backend: Any
    contacts: ir.Table

    def execute(self, expr: ir.Table) -> pa.Table:
        """Run ``expr`` and return its rows as Arrow."""
        result: pa.Table = self.backend.to_pyarrow(expr)
        return result

    def close(self) -> None:
        """Release the backend (the shared Spark session stays up for reuse)."""
        if self.name == "duckdb":
            self.backend.disconnect()


def open_engine(name: str, *, db: str | Path, spark_master: str | None = None) -> Engine:
    """Open engine ``name`` over the store ``db``."""
    if name == "duckdb":
        from contactcenter.engines.duckdb_engine import open_duckdb

        return open_duckdb(db)
    if name == "spark":
        from contactcenter.engines.spark_engine import open_spark

        return open_spark(db, master=spark_master)
    raise InputError(f"--engine: unknown engine {name!r}; allowed: {', '.join(ENGINES)}")
