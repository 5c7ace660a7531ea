"""The store: one DuckDB file holding every registered canonical table and the journal.

Tables
    one per registered fact (:mod:`contactcenter.facts`: ``contacts``, ``agent_events``,
    ``ring_outs``, ...), created from its declaration when the store opens
    loads           the load journal: one row per ``ingest`` run (:mod:`.journal`)
    (formats may keep raw tables of their own, e.g. ``queue_log_events``, so that a later
    load can complete contacts an earlier load left ``in_progress``)

Rejected lines go to a CSV file beside the store, ``<store>.rejects.csv`` (columns
load_id, file, line_no, reason, text), appended after each load commits.

Guarantees
    * A load runs in one transaction: if it fails (or is interrupted) midway, the store
      is as it was and nothing is added to the journal or the rejects file; a store file
      that the failed load created is removed.
    * Every line read is accounted for: ``lines_read = used + ignored + rejected``,
      checked before commit.
    * Loading the same data twice changes nothing: every table is written through one
      path (:meth:`LoadSession.write`) that upserts by key or appends only what is new,
      as the table's declaration says.
    * The store and the report engines of one process share one DuckDB database
      (:mod:`.database`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from contactcenter.errors import StoreError
from contactcenter.facts import TableSpec, table_spec, tables
from contactcenter.store.database import Connection, connect, is_open, was_interrupted
from contactcenter.store.journal import (
    JOURNAL_DDL,
    JOURNAL_MIGRATIONS,
    JSON_COLUMNS,
    LoadAccount,
    LoadReport,
    Reject,
    journal_row,
)

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}

LOAD_MEMORY_LIMIT = "500MB"
"""DuckDB's memory limit while a load runs (it spills to ``<store>.tmp`` beyond it), so a
load's memory does not grow with its input; the engine's default is restored after."""

PROVENANCE = ("source_file", "source_line")
"""Columns that say where a row came from: not part of what a row *is*, and the order in
which the first of several copies in one load is chosen."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_ddl(spec: TableSpec) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for a registered table (no index: the write path
    keeps keys unique, and an index would slow every load)."""
    cols = []
    for f in spec.schema:
        null = "" if f.nullable else " NOT NULL"
        try:
            kind = _DUCK_TYPES[f.type]
        except KeyError:
            raise StoreError(
                f"table {spec.name}: column {f.name} has unsupported type {f.type}"
            ) from None
        cols.append(f"{_q(f.name)} {kind}{null}")
    return f"CREATE TABLE IF NOT EXISTS {_q(spec.name)} (" + ", ".join(cols) + ")"


def _match(spec: TableSpec, a: str, b: str, columns: Sequence[str]) -> str:
    """SQL: rows ``a`` and ``b`` agree on ``columns`` (nulls equal where nullable)."""
    parts = []
    for c in columns:
        op = "IS NOT DISTINCT FROM" if spec.schema.field(c).nullable else "="
        parts.append(f"{a}.{_q(c)} {op} {b}.{_q(c)}")
    return " AND ".join(parts)


class LoadSession:
    """One load in progress, inside a transaction of the store.

    Formats read their files, account for every line in :attr:`account`, and write
    canonical rows with :meth:`write`. They may also use :attr:`con` (the store's
    connection, inside the transaction) for their own raw tables and for SQL-speed
    parsing, and :meth:`stage_dir` for temporary files beside the store.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.con = store.con
        self.account = LoadAccount()
        self.tables: dict[str, dict[str, int]] = {}
        self._stages: list[Path] = []

    # ------------------------------------------------------------------ writing
    def write(self, name: str, data: pa.Table | str, *, replace: pa.Table | None = None) -> None:
        """Write rows of the registered table ``name`` as its declaration says (upsert by
        key, or append what is new).

        ``data`` is an Arrow table conformable to the table's schema, or the name of a
        DuckDB table or view visible on :attr:`con` with exactly the schema's columns.
        Only new and changed rows are written, so writing the same rows again writes
        nothing. Rows go in in the declared ``order`` (time), which keeps the table
        clustered by time as loads arrive.

        ``replace`` (upsert tables only) names a scope: an Arrow table whose columns are
        columns of the table (e.g. source and agent_id), and optionally ``_from`` and
        ``_until`` (instants: the scope is only the rows whose time column is in
        [_from, _until)). Stored rows that match a scope row and whose key is not among
        ``data``'s keys are deleted first, so ``data`` becomes the whole of those scopes
        (a fact derived again for some agents; a file of states for its time span).
        """
        spec = table_spec(name)
        if not spec.stored:
            raise StoreError(f"table {name} is derived from {', '.join(spec.derived_from)}")
        self.store.ensure(spec)
        staged = self._stage(spec, data)
        try:
            if replace is not None:
                if spec.write != "upsert":
                    raise StoreError(f"table {name}: only upsert tables can replace a scope")
                deleted = self._replace(spec, staged, replace)
                counts = self.tables.setdefault(name, {"inserted": 0, "updated": 0})
                counts["deleted"] = counts.get("deleted", 0) + deleted
            if spec.write == "upsert":
                inserted, updated = self._upsert(spec, staged)
                counts = self.tables.setdefault(name, {"inserted": 0, "updated": 0})
                counts["updated"] += updated
            else:
                inserted = self._append(spec, staged)
                counts = self.tables.setdefault(name, {"inserted": 0})
            counts["inserted"] += inserted
        finally:
            if not isinstance(data, str):
                self.con.unregister(staged)

    def _stage(self, spec: TableSpec, data: pa.Table | str) -> str:
        if isinstance(data, str):
            return data
        conformed = spec.conform(data)
        name = f"_stage_{spec.name}_{id(conformed)}"
        self.con.register(name, conformed)
        return name

    def _run(self, sql: str, params: list[Any] | None = None) -> int:
        row = self.con.execute(sql, params or []).fetchone()
        return int(row[0]) if row else 0

    def _upsert(self, spec: TableSpec, staged: str) -> tuple[int, int]:
        con = self.con
        target = _q(spec.name)
        key = ", ".join(_q(c) for c in spec.key)
        dup = self._repeated_keys(staged, key)
        if dup:
            raise StoreError(f"{dup} rows of {spec.name} share a key ({key}) within one load")
        names = spec.schema.names
        cols = ", ".join(_q(c) for c in names)
        ncols = ", ".join(f"n.{_q(c)}" for c in names)
        if not self._run(f"SELECT count(*) FROM (SELECT 1 FROM {target} LIMIT 1)"):
            # nothing stored yet: every row is new (no join with the table)
            n_order = f" ORDER BY {_q(spec.order)}" if spec.order else ""
            inserted = self._run(
                f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {staged}{n_order}"
            )
            return inserted, 0
        on = _match(spec, "n", "c", spec.key)
        differs = " OR ".join(
            f"n.{_q(c)} IS DISTINCT FROM c.{_q(c)}" for c in names if c not in spec.key
        )
        order = f" ORDER BY {_q(spec.order)}" if spec.order else ""
        n_order = f" ORDER BY n.{_q(spec.order)}" if spec.order else ""
        changed = f"_changed_{spec.name}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {changed} AS SELECT {ncols} "
            f"FROM {staged} n JOIN {target} c ON {on} WHERE {differs or 'false'}"
        )
        try:
            inserted = self._run(
                f"INSERT INTO {target} ({cols}) SELECT {ncols} FROM {staged} n "
                f"ANTI JOIN {target} c ON {on}{n_order}"
            )
            updated = self._run(f"SELECT count(*) FROM {changed}")
            if updated:
                con.execute(
                    f"DELETE FROM {target} USING {changed} n WHERE "
                    + _match(spec, "n", target, spec.key)
                )
                con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {changed}{order}")
        finally:
            con.execute(f"DROP TABLE IF EXISTS {changed}")
        return inserted, updated

    def _replace(self, spec: TableSpec, staged: str, scope: pa.Table) -> int:
        """Delete the stored rows of the scopes in ``scope`` whose key ``staged`` lacks."""
        span = ("_from", "_until")
        columns = [c for c in scope.column_names if c not in span]
        unknown = [c for c in columns if c not in spec.schema.names]
        if unknown or not columns:
            raise StoreError(f"table {spec.name}: scope columns {unknown} are not its columns")
        if not scope.num_rows:
            return 0
        name = f"_scope_{spec.name}_{id(scope)}"
        self.con.register(name, scope)
        target = _q(spec.name)
        try:
            in_scope = _match(spec, "s", target, columns)
            if all(c in scope.column_names for c in span):
                time = f"{target}.{_q(spec.time)}"
                in_scope += f" AND {time} >= s._from AND {time} < s._until"
            kept = _match(spec, "n", target, spec.key)
            return self._run(
                f"""DELETE FROM {target} USING (SELECT DISTINCT * FROM {name}) s
                    WHERE {in_scope}
                      AND NOT EXISTS (SELECT 1 FROM {staged} n WHERE {kept})"""
            )
        finally:
            self.con.unregister(name)

    def _repeated_keys(self, staged: str, key: str) -> int:
        """Rows of ``staged`` whose key an earlier row has: found by a 64-bit hash of the
        key (grouping integers is several times faster than grouping strings), then
        counted exactly among the rows whose hash repeats (usually none)."""
        return self._run(
            f"""SELECT count(*) - count(DISTINCT ({key})) FROM {staged}
                WHERE hash({key}) IN (SELECT hash({key}) AS h FROM {staged}
                                      GROUP BY h HAVING count(*) > 1)"""
        )

    def _append(self, spec: TableSpec, staged: str) -> int:
        target = _q(spec.name)
        names = spec.schema.names
        cols = ", ".join(_q(c) for c in names)
        ncols = ", ".join(f"n.{_q(c)}" for c in names)
        part = ", ".join(_q(c) for c in spec.key)
        prov = [c for c in PROVENANCE if c in names]
        first = f"ORDER BY {', '.join(_q(c) for c in prov)}" if prov else ""
        order = f" ORDER BY n.{_q(spec.order)}" if spec.order else ""
        return self._run(
            f"""INSERT INTO {target} ({cols})
                SELECT {ncols} FROM (
                    SELECT *, row_number() OVER (PARTITION BY {part} {first}) AS _k
                    FROM {staged}) n
                ANTI JOIN {target} c ON {_match(spec, "n", "c", spec.key)}
                WHERE n._k = 1{order}"""
        )

    # ------------------------------------------------------------------ scratch space
    def stage_dir(self, purpose: str) -> Path:
        """A new directory beside the store for this load's temporary files (removed when
        the load ends, and by the next open of the store if the process was killed)."""
        path = self.store.folder / f"{self.store.stage_prefix}{purpose}-{uuid.uuid4().hex[:12]}"
        # recorded before it exists: a signal arriving while it is made cannot orphan it
        self._stages.append(path)
        path.mkdir(mode=0o700)
        return path

    def cleanup(self) -> None:
        """Remove the load's temporary directories."""
        for path in self._stages:
            shutil.rmtree(path, ignore_errors=True)
        self._stages.clear()

    def report(self, *, load_id: int, fmt: str, files: Sequence[str], rejects: Path) -> LoadReport:
        """The load's report (checks the account first)."""
        acc = self.account
        acc.check()
        rejected: dict[str, int] = {}
        for r in acc.rejects:
            rejected[r.reason] = rejected.get(r.reason, 0) + 1
        return LoadReport(
            load_id=load_id,
            format=fmt,
            files=tuple(str(f) for f in files),
            lines_read=acc.read,
            lines_used=acc.used,
            ignored=dict(sorted(acc.ignored.items())),
            rejected=dict(sorted(rejected.items())),
            tables={name: dict(counts) for name, counts in self.tables.items()},
            notes=tuple(acc.notes),
            rejects_file=str(rejects) if acc.rejects else None,
        )


class Store:
    """An embedded DuckDB file with the canonical tables (see the module docstring)."""

    last_report: LoadReport
    """The report of the last load that committed (set by :meth:`load`)."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(
                f"{{field}}: store {self.path} does not exist; load data into it first (ingest)",
                field="db",
            )
        self._created = not self.path.exists()
        if self._created and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # opened by this process now, so no query of it can be spilling yet
        self._first_open = not is_open(self.path)
        self._connection: Connection = connect(self.path, read_only=False)
        self.con = self._connection.con
        self.con.execute("SET TimeZone = 'UTC'")
        self._committed = False
        self._failed = False
        self._ensured: set[str] = set()
        self._open()

    # ------------------------------------------------------------------ layout
    @property
    def folder(self) -> Path:
        """The directory that holds the store file."""
        return self.path.resolve().parent

    @property
    def stage_prefix(self) -> str:
        """Name prefix of the store's temporary directories (``.<store>.stage-``)."""
        return f".{self.path.name}.stage-"

    @property
    def rejects_path(self) -> Path:
        """The rejects file beside the store: ``<store>.rejects.csv``."""
        return self.path.with_name(self.path.name + ".rejects.csv")

    def _open(self) -> None:
        names = {r[0] for r in self.con.execute("SHOW TABLES").fetchall()}
        if names and "loads" not in names:
            self._connection.close()
            raise StoreError(
                f"{{field}}: {self.path} is a DuckDB database but not a contactcenter store "
                "(it has no load journal); give another file",
                field="db",
            )
        self.con.execute(JOURNAL_DDL)
        for sql in JOURNAL_MIGRATIONS:
            self.con.execute(sql)
        for spec in tables():
            if spec.stored:
                self.ensure(spec)
        # a load killed before it ended leaves its stage folders behind: this process
        # holds the store for writing now, so any of them is stale
        for stale in self.folder.glob(f"{self.stage_prefix}*"):
            shutil.rmtree(stale, ignore_errors=True)
        # and DuckDB's spill files (<store>.tmp/, its default temp_directory), which it
        # does not remove at its next start either
        spill = self.path.with_name(self.path.name + ".tmp")
        if self._first_open and spill.is_dir():
            for stale in spill.glob("duckdb_temp_*"):
                with suppress(OSError):
                    stale.unlink()
            with suppress(OSError):
                spill.rmdir()

    def ensure(self, spec: TableSpec) -> None:
        """Create the table of ``spec`` if the store does not have it yet, and add the
        columns its declaration gained since the store was written (with their default,
        or null)."""
        if spec.name in self._ensured:
            return
        self.con.execute(table_ddl(spec))
        have = {
            r[0]
            for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'main' AND table_name = ?",
                [spec.name],
            ).fetchall()
        }
        for f in spec.schema:
            if f.name not in have:
                default = spec.defaults.get(f.name)
                value = (
                    "NULL"
                    if default is None
                    else repr(default).upper()
                    if isinstance(default, bool)
                    else repr(default)
                )
                self.con.execute(
                    f"ALTER TABLE {_q(spec.name)} ADD COLUMN {_q(f.name)} "
                    f"{_DUCK_TYPES[f.type]} DEFAULT {value}"
                )
        self._ensured.add(spec.name)

    # ------------------------------------------------------------------ life cycle
    def close(self) -> None:
        """Release the connection. A store file this object created is removed again
        when its only load failed (nothing was ever committed to it)."""
        self._connection.close()
        if self._created and self._failed and not self._committed:
            for path in (self.path, self.path.with_name(self.path.name + ".wal")):
                with suppress(OSError):
                    path.unlink()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None:
            self._failed = True
        self.close()

    @contextmanager
    def load(self, *, fmt: str, files: Sequence[str]) -> Iterator[LoadSession]:
        """Run one load in a transaction; journal it and write its rejects on success.

        The caller fills the yielded session; the report is available afterwards as
        :attr:`last_report`.
        """
        started = dt.datetime.now(dt.UTC)
        limit = self.con.execute("SELECT current_setting('memory_limit')").fetchone()
        self.con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
        self.con.execute("BEGIN TRANSACTION")
        session = LoadSession(self)
        try:
            yield session
            load_id = self._next_load_id()
            report = session.report(
                load_id=load_id, fmt=fmt, files=files, rejects=self.rejects_path
            )
            self.con.execute(
                "INSERT INTO loads (load_id, started_at, finished_at, format, files, "
                "lines_read, lines_used, lines_ignored, lines_rejected, ignored_reasons, "
                "rejected_reasons, contacts_inserted, contacts_updated, "
                "agent_events_inserted, notes, tables) "
                "VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [load_id, started, *journal_row(report)],
            )
            self.con.execute("COMMIT")
        except BaseException as exc:
            self._failed = True
            with suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            if was_interrupted(exc):
                raise KeyboardInterrupt from exc
            raise
        finally:
            session.cleanup()
            if limit:
                self.con.execute(f"SET memory_limit = '{limit[0]}'")
        self._committed = True
        self._write_rejects(report.load_id, session.account.rejects)
        self.last_report = report

    def _next_load_id(self) -> int:
        row = self.con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()
        return int(row[0]) if row else 1

    def _write_rejects(self, load_id: int, rejects: list[Reject]) -> None:
        if not rejects:
            return
        new = not self.rejects_path.exists()
        with self.rejects_path.open("a", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            if new:
                writer.writerow(["load_id", "file", "line_no", "reason", "text"])
            for r in rejects:
                writer.writerow([load_id, r.file, r.line_no, r.reason, r.text])

    # ------------------------------------------------------------------ reading
    def journal(self) -> list[dict[str, Any]]:
        """All loads, oldest first, as dicts (JSON columns decoded)."""
        cur = self.con.execute("SELECT * FROM loads ORDER BY load_id")
        names = [d[0] for d in cur.description]
        out = []
        for row in cur.fetchall():
            rec = dict(zip(names, row, strict=True))
            for key in JSON_COLUMNS:
                rec[key] = json.loads(rec[key] or ("{}" if key == "tables" else "[]"))
            out.append(rec)
        return out

    def table(self, name: str) -> pa.Table:
        """All stored rows of the registered table ``name``, in its schema, ordered by key."""
        spec = table_spec(name)
        self.ensure(spec)
        cols = ", ".join(_q(c) for c in spec.schema.names)
        order = ", ".join(_q(c) for c in spec.key)
        rel = self.con.sql(f"SELECT {cols} FROM {_q(name)} ORDER BY {order}")
        return spec.conform(rel.to_arrow_table())

    def contacts_arrow(self) -> pa.Table:
        """All stored contacts as an Arrow table in the canonical schema."""
        return self.table("contacts")
