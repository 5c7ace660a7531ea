"""What a load did: the account of every line, the report, and the ``loads`` journal.

``loads`` holds one row per ``ingest`` run: files, lines read / used / ignored /
rejected, the ignored and rejected reasons with counts, rows written per table, notes.
For every load, read = used + ignored + rejected; the store refuses to commit otherwise.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from contactcenter.errors import StoreError

JOURNAL_DDL = """
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
    notes VARCHAR NOT NULL,           -- JSON list of remarks (recovered lines, ...)
    tables VARCHAR NOT NULL DEFAULT '{}' -- JSON object table -> {inserted, updated}
)
"""

JOURNAL_MIGRATIONS = (
    # stores written before the table registry have no per-table counts
    "ALTER TABLE loads ADD COLUMN IF NOT EXISTS tables VARCHAR DEFAULT '{}'",
)

JSON_COLUMNS = ("files", "ignored_reasons", "rejected_reasons", "notes", "tables")


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
        """Lines ignored, all reasons together."""
        return sum(self.ignored.values())

    @property
    def rejected(self) -> int:
        """Lines rejected."""
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
    """What one load did (also a row of the ``loads`` journal).

    ``tables`` maps each table the load wrote to ``{"inserted": n, "updated": m}``.
    """

    load_id: int
    format: str
    files: tuple[str, ...]
    lines_read: int
    lines_used: int
    ignored: dict[str, int]
    rejected: dict[str, int]
    tables: dict[str, dict[str, int]]
    notes: tuple[str, ...]
    rejects_file: str | None

    @property
    def lines_ignored(self) -> int:
        """Lines ignored, all reasons together."""
        return sum(self.ignored.values())

    @property
    def lines_rejected(self) -> int:
        """Lines rejected, all reasons together."""
        return sum(self.rejected.values())

    def written(self, table: str, what: str = "inserted") -> int:
        """Rows of ``table`` the load inserted (or updated)."""
        return self.tables.get(table, {}).get(what, 0)

    @property
    def contacts_inserted(self) -> int:
        """New contacts."""
        return self.written("contacts")

    @property
    def contacts_updated(self) -> int:
        """Stored contacts whose values changed (an in-progress contact completed, ...)."""
        return self.written("contacts", "updated")

    @property
    def agent_events_inserted(self) -> int:
        """New agent events."""
        return self.written("agent_events")

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
            "tables": self.tables,
            "notes": list(self.notes),
            "rejects_file": self.rejects_file,
        }


def journal_row(report: LoadReport) -> list[Any]:
    """The values of the report's ``loads`` row after load_id and started_at, in the
    order of the columns from ``format`` on (``finished_at`` is set by the database)."""
    return [
        report.format,
        json.dumps(list(report.files)),
        report.lines_read,
        report.lines_used,
        report.lines_ignored,
        report.lines_rejected,
        json.dumps(report.ignored),
        json.dumps(report.rejected),
        report.contacts_inserted,
        report.contacts_updated,
        report.agent_events_inserted,
        json.dumps(list(report.notes)),
        json.dumps(report.tables),
    ]
