"""Following growing queue_log files as ``tail -F`` does, durably.

Asterisk appends a line to ``/var/log/asterisk/queue_log`` for every event; logrotate
renames the file (``queue_log`` -> ``queue_log.1``) and Asterisk opens a new one, or
truncates it in place (``copytruncate``). A :class:`Follower` reads what each followed
file gained, every :data:`POLL_S`:

* **Appended lines** are loaded as soon as they are complete (end with LF), a batch of
  at most :data:`CHUNK` bytes per load; a **last line without LF** is left where it is
  until the rest of it is written.
* **Rotation**: when the name points at another file (another device and inode), the old
  file is read to its last complete line through the handle still open on it, then the
  new file is read from its start. A rotation while the server was stopped is found at
  the next start: the file of the stored device and inode is looked up in the same
  folder (``queue_log.1``) and its rest read first.
* **Truncation**: a file shorter than the position, or whose first bytes are no longer
  those read (:data:`HEAD_BYTES`, hashed), is read again from its start.

**The position is kept in the store**, in the table ``tail_files`` (file, device,
inode, position in bytes, lines read, hash of the first bytes, load), written in the
same transaction as the lines it covers. So a ``kill -9`` at any moment leaves the
store with the lines and the position of the last committed load, and the next start
goes on from there: no line is read twice, none is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from contactcenter.live.writer import LiveStore
from contactcenter.store import LoadSession

TABLE = "tail_files"
POLL_S = 0.2
"""Seconds between two looks at the followed files."""
CHUNK = 8 << 20
"""Most bytes one load reads from a file (bounded memory after a long stop)."""
HEAD_BYTES = 4096
"""Bytes at a file's start whose hash tells the same file from a truncated, rewritten one."""
KEEP_BYTES = 4096
"""Bytes kept of a line longer than :data:`CHUNK` (it is rejected as too long)."""

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    file VARCHAR NOT NULL,
    device BIGINT NOT NULL,
    inode BIGINT NOT NULL,
    position BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    head VARCHAR NOT NULL,
    load_id BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)
"""


@dataclass(frozen=True)
class Position:
    """How far a followed file was read: ``position`` bytes (the start of the first line
    not read), ``lines`` lines, of the file ``device``/``inode`` whose first bytes hash to
    ``head``."""

    file: str
    device: int
    inode: int
    position: int
    lines: int
    head: str


def head_of(fd: int, position: int) -> str:
    """SHA-256 of the first ``min(position, HEAD_BYTES)`` bytes of the open file ``fd``."""
    return hashlib.sha256(os.pread(fd, min(position, HEAD_BYTES), 0)).hexdigest()


def head_of_nothing() -> str:
    """The head hash of a file read to byte 0."""
    return hashlib.sha256(b"").hexdigest()


def stored_position(live: LiveStore, path: Path) -> Position | None:
    """The position of ``path`` kept in the store, or None when it was never read."""
    with live.lock:
        live.store.con.execute(DDL)
        row = live.store.con.execute(
            f"SELECT file, device, inode, position, lines, head FROM {TABLE} WHERE file = ?",
            [str(path)],
        ).fetchone()
    if row is None:
        return None
    return Position(str(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), str(row[5]))


def positions(live: LiveStore) -> list[Position]:
    """Every followed file's position kept in the store."""
    with live.lock:
        live.store.con.execute(DDL)
        rows = live.store.con.execute(
            f"SELECT file, device, inode, position, lines, head FROM {TABLE} ORDER BY file"
        ).fetchall()
    return [
        Position(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), str(r[5])) for r in rows
    ]


def _record(session: LoadSession, load_id: int, pos: Position) -> None:
    session.con.execute(DDL)
    session.con.execute(f"DELETE FROM {TABLE} WHERE file = ?", [pos.file])
    session.con.execute(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [pos.file, pos.device, pos.inode, pos.position, pos.lines, pos.head, load_id,
         dt.datetime.now(dt.UTC)],
    )  # fmt: skip


def _find_inode(folder: Path, device: int, inode: int) -> Path | None:
    """The file of ``folder`` with this device and inode (a rotated log), or None."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return None
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if st.st_ino == inode and st.st_dev == device and entry.is_file(follow_symlinks=False):
            return Path(entry.path)
    return None


class Followed:
    """One followed file name: the handle open on the file it names (or named), and how
    far that file was read."""

    def __init__(self, live: LiveStore, path: Path, say: Callable[[str], None]) -> None:
        self.live = live
        self.path = path.absolute()
        self.say = say
        self.fh: BinaryIO | None = None
        self.ident: tuple[int, int] = (0, 0)
        self.name = self.path.name
        self.position = 0
        self.lines = 0
        self._head = head_of_nothing()
        self._waiting = False

    # ------------------------------------------------------------------ reading
    def step(self) -> None:
        """Read what the file gained; follow a rotation or a truncation."""
        if self.fh is None and not self._open():
            return
        assert self.fh is not None
        fd = self.fh.fileno()
        # before reading on: a file cut shorter, or rewritten (other first bytes), is
        # read again from its start (copytruncate)
        if os.fstat(fd).st_size < self.position or (
            self.position and head_of(fd, self.position) != self._head
        ):
            self.say(f"{self.path}: truncated; reading it again from its start")
            self.position, self.lines, self._head = 0, 0, head_of_nothing()
        self._drain()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return  # renamed, the new one not there yet: the old one is still read
        if (st.st_dev, st.st_ino) != self.ident:
            self._drain()  # lines written to the old file just before it was renamed
            self.say(f"{self.path}: rotated; read {self.name} to line {self.lines:,}")
            self.close()
            if self._open():
                self._drain()

    def _open(self) -> bool:
        stored = stored_position(self.live, self.path)
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            if not self._waiting:
                self.say(f"{self.path}: waiting for the file to appear")
                self._waiting = True
            return False
        self._waiting = False
        st = os.fstat(fh.fileno())
        ident = (st.st_dev, st.st_ino)
        start, lines = 0, 0
        if stored is not None and (stored.device, stored.inode) == ident:
            if st.st_size >= stored.position and head_of(fh.fileno(), stored.position) == (
                stored.head
            ):
                start, lines = stored.position, stored.lines
            else:
                self.say(f"{self.path}: truncated while not followed; reading it from its start")
        elif stored is not None:
            self._finish_rotated(stored)
        self.fh, self.ident, self.name = fh, ident, self.path.name
        self.position, self.lines = start, lines
        self._head = head_of(fh.fileno(), start)
        return True

    def _finish_rotated(self, stored: Position) -> None:
        """The name points at a new file since the last run: read the rest of the file
        that was followed (found in the same folder by its device and inode)."""
        old = _find_inode(self.path.parent, stored.device, stored.inode)
        if old is None:
            self.say(
                f"{self.path}: the file read to line {stored.lines:,} before the last stop "
                "was rotated away and is gone; lines written to it after that were not read"
            )
            return
        with old.open("rb") as fh:
            if head_of(fh.fileno(), stored.position) != stored.head:
                self.say(f"{old}: not the file read before (its start differs); not read")
                return
            self.fh, self.ident, self.name = fh, (stored.device, stored.inode), old.name
            self.position, self.lines = stored.position, stored.lines
            self._head = stored.head
            self._drain()
            self.say(f"{self.path}: rotated while stopped; read {old.name} to line {self.lines:,}")
        self.fh = None

    def _drain(self) -> None:
        """Load the complete lines after the position, a chunk per load."""
        assert self.fh is not None
        fd = self.fh.fileno()
        cuts: tuple[int, ...]
        while True:
            chunk = os.pread(fd, CHUNK, self.position)
            if not chunk:
                return
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                data, end, cuts = chunk[:cut], self.position + cut + 1, ()
                count = data.count(b"\n") + 1
            elif len(chunk) < CHUNK:
                return  # a last line without its LF yet: wait for the rest
            else:  # one line longer than a chunk: keep its start, reject it
                lf = self._line_end(fd, self.position + len(chunk))
                if lf is None:
                    return
                data, end, cuts, count = chunk[:KEEP_BYTES], lf + 1, (self.lines + 1,), 1
            self._load(data, end, count, cuts)

    @staticmethod
    def _line_end(fd: int, start: int) -> int | None:
        at = start
        while True:
            more = os.pread(fd, CHUNK, at)
            if not more:
                return None
            lf = more.find(b"\n")
            if lf >= 0:
                return at + lf
            at += len(more)

    def _load(self, data: bytes, end: int, count: int, cuts: tuple[int, ...]) -> None:
        assert self.fh is not None
        head = head_of(self.fh.fileno(), end)
        after = Position(
            str(self.path), self.ident[0], self.ident[1], end, self.lines + count, head
        )
        self.live.load_lines(
            name=self.name,
            data=data,
            first_line=self.lines + 1,
            cut=cuts,
            whole_file=False,
            also=lambda session, load_id: _record(session, load_id, after),
        )
        self.position, self.lines, self._head = end, after.lines, head

    def close(self) -> None:
        """Close the file being read (the position stays, in memory and in the store)."""
        if self.fh is not None:
            self.fh.close()
        self.fh = None

    def status(self) -> dict[str, Any]:
        """Where this file stands: the name read, bytes and lines read, its size now."""
        size: int | None = None
        if self.fh is not None:
            try:
                size = os.fstat(self.fh.fileno()).st_size
            except (OSError, ValueError):  # gone, or closed meanwhile
                size = None
        return {
            "file": str(self.path),
            "reading": self.name if self.fh is not None else None,
            "position": self.position,
            "lines": self.lines,
            "size": size,
        }


class Follower:
    """Follows ``files`` in a background thread until :meth:`stop`."""

    def __init__(
        self,
        live: LiveStore,
        files: Sequence[Path],
        *,
        poll_s: float = POLL_S,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.say = say or _stderr
        self.files = [Followed(live, Path(f), self.say) for f in files]
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="contactcenter-tail", daemon=True)
        self._status_lock = threading.Lock()
        self._last_error: dict[str, str] = {}

    def start(self) -> None:
        """Start following."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the load in progress (if any) and close the files."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        for f in self.files:
            f.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            for f in self.files:
                if self._stop.is_set():
                    break
                with self._status_lock:  # status() sees a file between two steps
                    self._step(f)
            self._stop.wait(self.poll_s)

    def _step(self, f: Followed) -> None:
        try:
            f.step()
            self._last_error.pop(str(f.path), None)
        except Exception as exc:
            # the store or the disk failed (or anything else: a follower that stopped
            # silently would lose the live feed): say it once, close the file, and try
            # again at the next look, from the position in the store
            message = " ".join(str(exc).split()) or type(exc).__name__
            if self._last_error.get(str(f.path)) != message:
                self.say(f"{f.path}: {message}; trying again")
                self._last_error[str(f.path)] = message
            f.close()

    def status(self) -> list[dict[str, Any]]:
        """Each followed file's :meth:`Followed.status` (after the read in progress)."""
        with self._status_lock:
            return [f.status() for f in self.files]


def _stderr(message: str) -> None:
    print(f"tail: {message}", file=sys.stderr, flush=True)


__all__ = ["CHUNK", "DDL", "POLL_S", "TABLE", "Follower", "Position", "positions"]
