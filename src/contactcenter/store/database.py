"""One DuckDB database per store file per process, shared by the store and the engines.

DuckDB refuses a second connection to the same file with another configuration ("Can't
open a connection to same database file with a different configuration"), so a process
that loads data and then reports on it must not open the file twice. :func:`connect`
opens the file once and hands out cursors (connections to the same database); the file
is closed when the last cursor is released.

A file is opened read-write when anyone asks for it writable; a read-only request gets a
cursor on the read-write database when one is open. A read-write request while the file
is open read-only in this process is refused (DuckDB cannot reopen it in place).

``--db`` must name a DuckDB file: an existing file that is not one (a CSV, a Parquet
file) is refused before DuckDB touches it, so it cannot be mistaken for a store.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contactcenter.errors import StoreError

DUCKDB_MAGIC = b"DUCK"
"""Bytes 8-11 of every DuckDB database file."""


@dataclass
class _Database:
    root: duckdb.DuckDBPyConnection
    read_only: bool
    users: int = 0


_OPEN: dict[Path, _Database] = {}
_LOCK = threading.Lock()


def store_files(path: str | Path) -> tuple[Path, ...]:
    """The store file ``path`` and its companions (write-ahead log, rejects file): what a
    report must never overwrite."""
    p = Path(path)
    if not p.name:
        return (p,)
    return (p, p.with_name(p.name + ".wal"), p.with_name(p.name + ".rejects.csv"))


def check_store_path(path: Path) -> None:
    """Refuse a path that cannot be a store (empty, a folder, a NUL byte) or an existing
    file that is not a DuckDB file (a CSV, a Parquet file, ...)."""
    text = str(path)
    if not Path(text).name or "\x00" in text:
        raise StoreError(f"{{field}}: {text!r} is not a file name for a store", field="db")
    if path.is_dir():
        raise StoreError(f"{{field}}: {path} is a directory, not a store file", field="db")
    if not path.exists():
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise StoreError(f"{{field}}: cannot read {path}: {exc.strerror}", field="db") from None
    if head[8:12] != DUCKDB_MAGIC:
        raise StoreError(
            f"{{field}}: {path} exists and is not a DuckDB store (not overwritten); "
            "give a new file name or an existing store",
            field="db",
        )


class Connection:
    """A cursor on the shared database of one store file; :meth:`close` releases it."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.path = path
        self.con = con
        self.read_only = read_only
        self._closed = False

    def close(self) -> None:
        """Release the cursor; the file closes with its last cursor."""
        if self._closed:
            return
        self._closed = True
        self.con.close()
        with _LOCK:
            db = _OPEN.get(self.path)
            if db is None:
                return
            db.users -= 1
            if db.users <= 0:
                db.root.close()
                del _OPEN[self.path]


def connect(path: str | Path, *, read_only: bool) -> Connection:
    """A connection to the store file ``path``, shared with every other in this process.

    A missing file is created unless ``read_only`` (then it is a :class:`StoreError`).
    """
    resolved = Path(path).resolve()
    with _LOCK:
        db = _OPEN.get(resolved)
        if db is not None and db.read_only and not read_only:
            raise StoreError(
                f"{{field}}: {path} is open read-only in this process; close its reports "
                "before loading into it",
                field="db",
            )
        if db is None:
            check_store_path(resolved)
            if read_only and not resolved.exists():
                raise StoreError(f"{{field}}: store {path} does not exist", field="db")
            try:
                root = duckdb.connect(str(resolved), read_only=read_only)
            except duckdb.Error as exc:
                first = str(exc).splitlines()[0]
                raise StoreError(
                    f"{{field}}: cannot open store {path}: {first}", field="db"
                ) from None
            root.execute("SET enable_progress_bar = false")
            db = _Database(root, read_only)
            _OPEN[resolved] = db
        cursor = db.root.cursor()
        db.users += 1
    cursor.execute("SET enable_progress_bar = false")
    return Connection(resolved, cursor, db.read_only)


def is_open(path: str | Path) -> bool:
    """Whether this process holds the store file ``path`` open."""
    return Path(path).resolve() in _OPEN


def was_interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's report of a query stopped by a signal (Ctrl-C,
    SIGTERM): DuckDB turns the signal into its own error, not a KeyboardInterrupt."""
    if isinstance(exc, duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError) and str(exc).startswith("Query interrupted")
