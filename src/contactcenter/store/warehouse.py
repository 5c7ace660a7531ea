"""The store: one DuckDB file holding the canonical tables and the load journal.

Tables
    contacts        canonical contacts (:data:`contactcenter.facts.CONTACTS_SCHEMA`),
                    key (source, contact_id)
    agent_events    canonical agent events, deduplicated on their whole content
    loads           the load journal: one row per ``ingest`` run
    (formats may keep their own raw tables, e.g. ``queue_log_events``, so that a later
    load can complete contacts an earlier load left ``in_progress``)

Rejected lines go to a CSV file beside the store, ``<store>.rejects.csv`` (columns
load_id, file, line_no, reason, text), appended after each load commits.

Guarantees
    * A load runs in one transaction: if it fails (or is interrupted) midway, the store
      is as it was and nothing is added to the journal or the rejects file.
    * Every line read is accounted for: ``lines_read = used + ignored + rejected``,
      checked before commit.
    * Loading the same data twice changes nothing (contacts are replaced by key, events
      are inserted only when new).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from contactcenter.errors import StoreError
from contactcenter.facts import AGENT_EVENTS_SCHEMA, CONTACTS_SCHEMA, conform

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}


def _ddl(name: str, schema: pa.Schema, key: Sequence[str] = ()) -> str:
    cols = []
    for f in schema:
        null = "" if f.nullable else " NOT NULL"
        cols.append(f'"{f.name}" {_DUCK_TYPES[f.type]}{null}')
    if key:
        cols.append("PRIMARY KEY (" + ", ".join(key) + ")")
    return f"CREATE TABLE IF NOT EXISTS {name} (" + ", ".join(cols) + ")"


_JOURNAL_DDL = """
CREATE TABLE IF NOT EXISTS loads (
    load_id BIGINT PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    format VARCHAR NOT NULL,
    files VARCHAR NOT NULL,          -- JSON list of paths as given
    lines_read BIGINT NOT NULL,
    lines_used BIGINT NOT NULL,
    lines_ignored BIGINT NOT NULL,
    lines_rejected BIGINT NOT NULL,
    ignored_reasons VARCHAR NOT NULL, -- JSON object reason -> count
    rejected_reasons VARCHAR NOT NULL,-- JSON object reason -> count
    contacts_inserted BIGINT NOT NULL,
    contacts_updated BIGINT NOT NULL,
    agent_events_inserted BIGINT NOT NULL,
    notes VARCHAR NOT NULL            -- JSON list of remarks (recovered lines, ...)
)
"""


@dataclass(frozen=True)
class Reject:
    """A line that could not be used: where it is and why."""

    file: str
    line_no: int
    reason: str
    text: str


@dataclass
class LoadAccount:
    """Where every line read went. ``read == used + ignored + rejected`` must hold."""

    read: int = 0
    used: int = 0
    ignored: Counter[str] = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ignored_total(self) -> int:
        return sum(self.ignored.values())

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def reject(self, file: str, line_no: int, reason: str, text: str) -> None:
        """Record one rejected line."""
        self.rejects.append(Reject(file, line_no, reason, text))

    def ignore(self, reason: str, count: int = 1) -> None:
        """Record ``count`` lines ignored for ``reason``."""
        if count:
            self.ignored[reason] += count

    def check(self) -> None:
        """Raise if a line is unaccounted for (a bug in a parser, never a user error)."""
        total = self.used + self.ignored_total + self.rejected
        if total != self.read:
            raise StoreError(
                f"line accounting is off: read {self.read} != used {self.used} + ignored "
                f"{self.ignored_total} + rejected {self.rejected}; nothing was stored"
            )


@dataclass(frozen=True)
class LoadReport:
    """What one load did (also a row of the ``loads`` journal)."""

    load_id: int
    format: str
    files: tuple[str, ...]
    lines_read: int
    lines_used: int
    ignored: dict[str, int]
    rejected: dict[str, int]
    contacts_inserted: int
    contacts_updated: int
    agent_events_inserted: int
    notes: tuple[str, ...]
    rejects_file: str | None

    @property
    def lines_ignored(self) -> int:
        return sum(self.ignored.values())

    @property
    def lines_rejected(self) -> int:
        return sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (keys as in the journal)."""
        return {
            "load_id": self.load_id,
            "format": self.format,
            "files": list(self.files),
            "lines_read": self.lines_read,
            "lines_used": self.lines_used,
            "lines_ignored": self.lines_ignored,
            "lines_rejected": self.lines_rejected,
            "ignored_reasons": self.ignored,
            "rejected_reasons": self.rejected,
            "contacts_inserted": self.contacts_inserted,
            "contacts_updated": self.contacts_updated,
            "agent_events_inserted": self.agent_events_inserted,
            "notes": list(self.notes),
            "rejects_file": self.rejects_file,
        }


class LoadSession:
    """One load in progress, inside a transaction of the store.

    Parsers read their files, account for every line in :attr:`account`, and write
    canonical rows with :meth:`upsert_contacts` and :meth:`add_agent_events`. They may also
    use :attr:`con` (the store's DuckDB connection, inside the transaction) for their own
    raw tables and for SQL-speed parsing.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.account = LoadAccount()
        self.contacts_inserted = 0
        self.contacts_updated = 0
        self.agent_events_inserted = 0

    def upsert_contacts(self, table: pa.Table | str) -> None:
        """Insert contacts, replacing any stored contact with the same (source, contact_id).

        ``table`` is an Arrow table in (or conformable to) the contacts schema, or the
        name of a DuckDB table/view visible on :attr:`con` with exactly those columns.
        """
        name = self._stage(table, CONTACTS_SCHEMA, "contacts")
        con = self.con
        dup = con.execute(
            f"SELECT count(*) - count(DISTINCT (source, contact_id)) FROM {name}"
        ).fetchone()
        if dup and dup[0]:
            raise StoreError(f"{dup[0]} contacts share a (source, contact_id) within one load")
        # Only new and changed rows are written: a reload of the same data writes nothing.
        differs = " OR ".join(
            f'n."{c}" IS DISTINCT FROM c."{c}"'
            for c in CONTACTS_SCHEMA.names
            if c not in ("source", "contact_id")
        )
        cols = ", ".join(f'"{c}"' for c in CONTACTS_SCHEMA.names)
        ncols = ", ".join(f'n."{c}"' for c in CONTACTS_SCHEMA.names)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _upsert_changed AS SELECT {ncols} "
            f"FROM {name} n JOIN contacts c USING (source, contact_id) WHERE {differs}"
        )
        before = self._count("contacts")
        # Rows go in in offered_at order: the table stays clustered by time as loads
        # arrive, which keeps reports' aggregation cache-friendly and lets a time-range
        # filter skip row groups (docs/decisions/0003-report-speed.md).
        con.execute(
            f"INSERT INTO contacts ({cols}) SELECT {ncols} FROM {name} n "
            f"ANTI JOIN contacts c USING (source, contact_id) ORDER BY n.offered_at"
        )
        n_new = self._count("contacts") - before
        n_changed = self._count("_upsert_changed")
        if n_changed:
            con.execute(
                "DELETE FROM contacts WHERE (source, contact_id) IN "
                "(SELECT (source, contact_id) FROM _upsert_changed)"
            )
            con.execute(
                f"INSERT INTO contacts ({cols}) SELECT {cols} FROM _upsert_changed "
                "ORDER BY offered_at"
            )
        con.execute("DROP TABLE _upsert_changed")
        self.contacts_inserted += n_new
        self.contacts_updated += n_changed
        self._drop(name, table)

    def add_agent_events(self, table: pa.Table | str) -> None:
        """Insert agent events that the store does not hold yet (compared on all columns
        but the source line reference, so a line seen again in another file is one event)."""
        name = self._stage(table, AGENT_EVENTS_SCHEMA, "agent events")
        content = [c for c in AGENT_EVENTS_SCHEMA.names if c not in ("source_file", "source_line")]
        on = " AND ".join(f'n."{c}" IS NOT DISTINCT FROM e."{c}"' for c in content)
        cols = ", ".join(f'"{c}"' for c in AGENT_EVENTS_SCHEMA.names)
        part = ", ".join(f'"{c}"' for c in content)
        new = f"""
            SELECT {cols} FROM (
                SELECT *, row_number() OVER (PARTITION BY {part}
                                             ORDER BY source_file, source_line) AS _k
                FROM {name}) n
            WHERE _k = 1 AND NOT EXISTS (SELECT 1 FROM agent_events e WHERE {on})
        """
        before = self._count("agent_events")
        self.con.execute(f"INSERT INTO agent_events ({cols}) SELECT {cols} FROM ({new}) n")
        self.agent_events_inserted += self._count("agent_events") - before
        self._drop(name, table)

    def _count(self, name: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM {name}").fetchone()
        return int(row[0]) if row else 0

    def _stage(self, table: pa.Table | str, schema: pa.Schema, what: str) -> str:
        if isinstance(table, str):
            return table
        conformed = conform(table, schema, what=what)
        name = f"_stage_{id(conformed)}"
        self.con.register(name, conformed)
        return name

    def _drop(self, name: str, table: pa.Table | str) -> None:
        if not isinstance(table, str):
            self.con.unregister(name)


class Store:
    """An embedded DuckDB file with the canonical tables (see the module docstring)."""

    last_report: LoadReport
    """The report of the last load that committed (set by :meth:`load`)."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(
                f"store {self.path} does not exist; create it with "
                f"'contactcenter ingest --db {self.path} ...'"
            )
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("SET TimeZone = 'UTC'")
        self._create()

    def _create(self) -> None:
        self.con.execute(_ddl("contacts", CONTACTS_SCHEMA, ("source", "contact_id")))
        self.con.execute(_ddl("agent_events", AGENT_EVENTS_SCHEMA))
        self.con.execute(_JOURNAL_DDL)

    @property
    def rejects_path(self) -> Path:
        """The rejects file beside the store: ``<store>.rejects.csv``."""
        return self.path.with_name(self.path.name + ".rejects.csv")

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def load(self, *, fmt: str, files: Sequence[str]) -> Iterator[LoadSession]:
        """Run one load in a transaction; journal it and write its rejects on success.

        The caller fills the yielded session; the report is available afterwards as
        :attr:`last_report`.
        """
        started = dt.datetime.now(dt.UTC)
        self.con.execute("BEGIN TRANSACTION")
        session = LoadSession(self.con)
        try:
            yield session
            session.account.check()
            report = self._journal(session, fmt=fmt, files=files, started=started)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self._write_rejects(report.load_id, session.account.rejects)
        self.last_report = report

    def _journal(
        self, session: LoadSession, *, fmt: str, files: Sequence[str], started: dt.datetime
    ) -> LoadReport:
        acc = session.account
        row = self.con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()
        load_id = int(row[0]) if row else 1
        rejected = Counter(r.reason for r in acc.rejects)
        report = LoadReport(
            load_id=load_id,
            format=fmt,
            files=tuple(str(f) for f in files),
            lines_read=acc.read,
            lines_used=acc.used,
            ignored=dict(sorted(acc.ignored.items())),
            rejected=dict(sorted(rejected.items())),
            contacts_inserted=session.contacts_inserted,
            contacts_updated=session.contacts_updated,
            agent_events_inserted=session.agent_events_inserted,
            notes=tuple(acc.notes),
            rejects_file=str(self.rejects_path) if acc.rejects else None,
        )
        self.con.execute(
            "INSERT INTO loads VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                started,
                fmt,
                json.dumps(list(report.files)),
                acc.read,
                acc.used,
                report.lines_ignored,
                report.lines_rejected,
                json.dumps(report.ignored),
                json.dumps(report.rejected),
                report.contacts_inserted,
                report.contacts_updated,
                report.agent_events_inserted,
                json.dumps(list(report.notes)),
            ],
        )
        return report

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

    def journal(self) -> list[dict[str, Any]]:
        """All loads, oldest first, as dicts (JSON columns decoded)."""
        cur = self.con.execute("SELECT * FROM loads ORDER BY load_id")
        names = [d[0] for d in cur.description]
        out = []
        for row in cur.fetchall():
            rec = dict(zip(names, row, strict=True))
            for key in ("files", "ignored_reasons", "rejected_reasons", "notes"):
                rec[key] = json.loads(rec[key])
            out.append(rec)
        return out

    def contacts_arrow(self) -> pa.Table:
        """All stored contacts as an Arrow table in the canonical schema."""
        cols = ", ".join(f'"{c}"' for c in CONTACTS_SCHEMA.names)
        table = self.con.sql(f"SELECT {cols} FROM contacts ORDER BY source, contact_id")
        return conform(table.to_arrow_table(), CONTACTS_SCHEMA, what="contacts")
