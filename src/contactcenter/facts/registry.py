"""The registry of canonical tables: one declaration per fact, and nothing else to edit.

A :class:`TableSpec` says everything the rest of the system needs to know about a table:
its name, Arrow schema, key, how a load writes it, the instant that places a row in a
reporting period, and the columns the group keys map to. The store creates and writes any
registered table through one path (:meth:`contactcenter.store.LoadSession.write`), the
engines expose any registered table by name (``engine.table(name)``), and the metric
compiler groups any registered fact by the keys it declares. Adding a table is adding
a declaration and calling :func:`register`.

Write modes
    ``upsert``  a row replaces the stored row with the same key (when any value differs);
                keys must be unique within one load. For facts derived from events that
                later loads complete (a contact left in progress).
    ``append``  a row is inserted only when no stored row has the same key; within one
                load the first copy (in ``order`` of the source reference) wins. For
                facts that never change once seen (agent events).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa

from contactcenter.errors import InputError, StoreError

WriteMode = Literal["upsert", "append"]

GROUP_COLUMNS = (
    "queue",
    "channel",
    "agent",
    "customer",
    "reason",
    "evaluator",
    "item",
    "disposition",
)
"""Group keys a fact may map to one of its columns (time keys come from ``time``)."""

TIMESTAMP = pa.timestamp("us", tz="UTC")
"""The type of every instant in a canonical table: microseconds, UTC."""


@dataclass(frozen=True)
class TableSpec:
    """One canonical table.

    name: the table's name in the store and in ``engine.table(name)``.
    schema: its Arrow schema (column order, types, which columns may be null).
    key: the columns that identify a row (for ``upsert``: unique; for ``append``: a row
        whose key is stored already is not inserted again).
    write: ``upsert`` or ``append`` (see the module docstring).
    time: the timestamp column that places a row in an interval, day, week, ...
    keys: group key -> column, for the keys of :data:`GROUP_COLUMNS` the fact has.
    defaults: values given to absent columns that may not be null.
    order: rows of a load are inserted in this column's order (keeps the table clustered
        by time, which makes reports fast; docs/decisions/0003-report-speed.md).
    description: one line for docs and ``contactcenter`` listings.
    grain_s: for a fact of time spans cut at every multiple of ``grain_s`` seconds of UTC
        (agent states): a report's interval must be a multiple of it. None: rows are
        instants, any interval goes.
    derived_from: for a **derived fact**, the stored facts its rows are built from at
        report time (the metrics' measures say how); such a table is not stored and no
        load writes it. Empty for a stored table.
    """

    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    write: WriteMode
    time: str
    keys: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    order: str | None = None
    description: str = ""
    grain_s: int | None = None
    derived_from: tuple[str, ...] = ()

    @property
    def stored(self) -> bool:
        """Whether the store holds this table (False for a derived fact)."""
        return not self.derived_from

    def __post_init__(self) -> None:
        names = set(self.schema.names)
        problems = []
        if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", self.name):
            problems.append("a table name is lower-case words joined by single underscores")
        problems += [f"key column {c!r} is not in the schema" for c in self.key if c not in names]
        if self.write not in ("upsert", "append"):
            problems.append(f"write must be upsert or append, got {self.write!r}")
        if self.time not in names or not self.schema.field(self.time).type.equals(TIMESTAMP):
            problems.append(f"time column {self.time!r} must be a UTC timestamp column")
        for key, column in self.keys.items():
            if key not in GROUP_COLUMNS:
                problems.append(f"group key {key!r} is not one of {GROUP_COLUMNS}")
            if column not in names:
                problems.append(f"group key {key!r} maps to {column!r}, not in the schema")
        for column in self.defaults:
            if column not in names:
                problems.append(f"default for {column!r}, not in the schema")
        if self.order is not None and self.order not in names:
            problems.append(f"order column {self.order!r} is not in the schema")
        if self.grain_s is not None and self.grain_s <= 0:
            problems.append(f"grain_s must be positive, got {self.grain_s}")
        if not self.key:
            problems.append("a table needs a key")
        if problems:
            raise StoreError(f"table {self.name}: " + "; ".join(problems))

    def conform(self, table: pa.Table, *, what: str | None = None) -> pa.Table:
        """``table`` with exactly this schema's columns, in order, cast to its types.

        Absent columns get their default (:attr:`defaults`) or null when nullable. Extra
        columns are an error (nothing is silently dropped), as are a missing required
        column and nulls in a column that may not be null.
        """
        what = what or self.name
        extra = [name for name in table.column_names if name not in self.schema.names]
        if extra:
            raise InputError(f"{what}: unknown columns {extra}; allowed: {self.schema.names}")
        columns = []
        for f in self.schema:
            if f.name in table.column_names:
                col = table.column(f.name)
                if not col.type.equals(f.type):
                    col = col.cast(f.type)
            elif f.name in self.defaults:
                col = pa.array([self.defaults[f.name]] * table.num_rows, f.type)
            elif f.nullable:
                col = pa.nulls(table.num_rows, f.type)
            else:
                raise InputError(f"{what}: required column {f.name!r} is missing")
            if not f.nullable and col.null_count:
                raise InputError(f"{what}: column {f.name!r} has {col.null_count} empty values")
            columns.append(col)
        return pa.Table.from_arrays(columns, schema=self.schema)

    def empty(self) -> pa.Table:
        """An empty table of this schema."""
        return self.schema.empty_table()


_TABLES: dict[str, TableSpec] = {}


def register(spec: TableSpec) -> TableSpec:
    """Add ``spec`` to the registry (again with the same declaration is a no-op)."""
    current = _TABLES.get(spec.name)
    if current is not None and current != spec:
        raise StoreError(f"table {spec.name} is registered already with another declaration")
    _TABLES[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a table from the registry (tests that declare a toy fact clean up with it)."""
    _TABLES.pop(name, None)


def table_spec(name: str) -> TableSpec:
    """The declaration of table ``name``."""
    try:
        return _TABLES[name]
    except KeyError:
        raise InputError(
            f"unknown table {name!r}; registered: {', '.join(_TABLES)}", field="table"
        ) from None


def tables() -> tuple[TableSpec, ...]:
    """Every registered table, in registration order."""
    return tuple(_TABLES.values())
