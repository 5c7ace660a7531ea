"""Parts of files an earlier load read already: skipped, not read again.

Each load of the raw queue_log format records, per file, a *fingerprint* of what it read:
the number of bytes up to the file's last line end, the lines in them, a SHA-256 of those
bytes (and of their first 64 KiB, to rule out most files at once), and where those lines
went (kept as events, ignored with a reason, rejected with line, reason and text). A later
load whose file starts with exactly those bytes -- the same file again, a rotated copy
under another name, or the live log that has grown since -- skips them: the lines are
accounted for as the earlier load accounted for them (events as ``already in the store``,
since they are; blank lines and unused verbs as then; rejected lines rejected again, with
the same numbers and text) and reading starts at the first line after them.

The fingerprints are rows of the store table ``queue_log_files``, written in the load's
transaction, so a failed load leaves none. A fingerprint applies only to the same source
name and the same way of reading (``reading``: the format and the options that change
what a line means).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

TABLE = "queue_log_files"
HEAD_BYTES = 1 << 16
"""Bytes of a file's start hashed apart, to rule out most fingerprints without reading on."""
CHUNK = 8 << 20

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    source VARCHAR NOT NULL,
    reading VARCHAR NOT NULL,
    load_id BIGINT NOT NULL,
    file VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    head VARCHAR NOT NULL,
    digest VARCHAR NOT NULL,
    kept BIGINT NOT NULL,
    ignored VARCHAR NOT NULL,
    rejects VARCHAR NOT NULL
)
"""


@dataclass
class Known:
    """A prefix of a file that load ``load_id`` read: ``bytes`` bytes, ``lines`` lines."""

    load_id: int
    file: str
    bytes: int
    lines: int
    kept: int
    ignored: dict[str, int]
    rejects: list[tuple[int, str, str]]
    digest: Any  # the running hashlib object at the end of the prefix


@dataclass
class Account:
    """Where the complete lines of one file went, for its fingerprint."""

    lines: int = 0
    kept: int = 0
    ignored: Counter[str] = field(default_factory=Counter)
    rejects: list[tuple[int, str, str]] = field(default_factory=list)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the fingerprint table if the store has none."""
    con.execute(DDL)


def complete_bytes(path: Path) -> int:
    """Bytes of ``path`` up to and including its last LF (0 when it has none)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        end = size
        while end > 0:
            start = max(0, end - (1 << 16))
            fh.seek(start)
            chunk = fh.read(end - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                return start + cut + 1
            end = start
    return 0


def find(con: duckdb.DuckDBPyConnection, *, source: str, reading: str, path: Path) -> Known | None:
    """The longest prefix of ``path`` that an earlier load read (same bytes), or None."""
    size = path.stat().st_size
    rows = con.execute(
        f"""SELECT load_id, file, bytes, lines, head, digest, kept, ignored, rejects
            FROM {TABLE} WHERE source = $1 AND reading = $2 AND bytes <= $3 AND bytes > 0
            ORDER BY bytes, load_id""",
        [source, reading, size],
    ).fetchall()
    if not rows:
        return None
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    heads: dict[int, str] = {}

    def head_of(n: int) -> str:
        k = min(n, HEAD_BYTES)
        if k not in heads:
            heads[k] = hashlib.sha256(head[:k]).hexdigest()
        return heads[k]

    rows = [r for r in rows if r[4] == head_of(int(r[2]))]
    if not rows:
        return None
    best: Known | None = None
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        for load_id, file, n_bytes, lines, _, want, kept, ignored, rejects in rows:
            while done < n_bytes:
                chunk = fh.read(min(CHUNK, n_bytes - done))
                if not chunk:
                    break
                digest.update(chunk)
                done += len(chunk)
            if done == n_bytes and digest.hexdigest() == want:
                best = Known(
                    int(load_id),
                    str(file),
                    int(n_bytes),
                    int(lines),
                    int(kept),
                    {str(k): int(v) for k, v in json.loads(ignored).items()},
                    [(int(a), str(b), str(c)) for a, b, c in json.loads(rejects)],
                    digest.copy(),
                )
    return best


def record(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    reading: str,
    load_id: int,
    path: Path,
    n_bytes: int,
    digest: Any,
    account: Account,
) -> None:
    """Store the fingerprint of the first ``n_bytes`` bytes of ``path`` (complete lines),
    whose SHA-256 is ``digest``, unless the same one is stored already."""
    if n_bytes <= 0:
        return
    with path.open("rb") as fh:
        head = hashlib.sha256(fh.read(min(n_bytes, HEAD_BYTES))).hexdigest()
    hexdigest = digest.hexdigest()
    row = con.execute(
        f"""SELECT count(*) FROM {TABLE}
            WHERE source = $1 AND reading = $2 AND bytes = $3 AND digest = $4""",
        [source, reading, n_bytes, hexdigest],
    ).fetchone()
    if row and row[0]:
        return
    con.execute(
        f"INSERT INTO {TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [
            source,
            reading,
            load_id,
            path.name,
            n_bytes,
            account.lines,
            head,
            hexdigest,
            account.kept,
            json.dumps(dict(account.ignored)),
            json.dumps(account.rejects),
        ],
    )
