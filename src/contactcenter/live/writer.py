"""The one writer of a served store: batches of queue_log lines, one load each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contactcenter.sources import queue_log
from contactcenter.store import LoadReport, LoadSession, Store

LIVE_FORMAT = "queue_log"
"""The format name live loads carry in the journal (their lines are raw queue_log)."""


class LiveStore:
    """A store held open by a server, with one lock for its loads.

    DuckDB runs one transaction at a time on a connection, and a store has one writer
    (decision 0006): the follower of tailed files and the ``POST /api/v1/events`` route
    load through :meth:`load_lines`, one at a time. Reports take their own cursors and
    are not held up.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.store = Store(self.path)
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        """Notified after each committed load (the live state is read again)."""
        self.version = 0
        """Committed loads since the store was opened."""

    def close(self) -> None:
        """Release the store (waits for a load in progress)."""
        with self.lock:
            self.store.close()

    def load_lines(
        self,
        *,
        name: str,
        data: bytes,
        first_line: int = 1,
        cut: tuple[int, ...] = (),
        whole_file: bool = True,
        also: Callable[[LoadSession, int], Any] | None = None,
    ) -> LoadReport:
        """Load the complete queue_log lines ``data`` (see
        :func:`~contactcenter.sources.queue_log.load_block`) in one transaction, and run
        ``also(session, load_id)`` inside it (a follower records how far it has read
        there, so that the lines and the position commit together or not at all).
        Returns the load's report; when this returns, the lines are committed."""
        with self.lock:
            with self.store.load(fmt=LIVE_FORMAT, files=[name]) as session:
                queue_log.load_block(
                    session,
                    name=name,
                    data=data,
                    first_line=first_line,
                    cut=cut,
                    whole_file=whole_file,
                )
                if also is not None:
                    also(session, self._load_id(session))
            report = self.store.last_report
        with self.changed:
            self.version += 1
            self.changed.notify_all()
        return report

    @staticmethod
    def _load_id(session: LoadSession) -> int:
        row = session.con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()
        return int(row[0]) if row else 1
