"""Streaming line reader shared by the text formats: exact 1-based line numbers, bounded memory.

A line ends at LF; a CR before the LF is dropped (CRLF files read like LF files); the last
line may lack its LF. An empty file has no lines; ``"a\\n"`` has one line, ``"a\\n\\n"``
two (the second blank). Bytes that are not UTF-8 are replaced by U+FFFD and their lines
flagged (:attr:`LineBatch.bad_utf8`): the line is read like any other (a Latin-1 caller name
must not lose a call) and the format counts such lines in the load's notes
(:class:`LinePlaces`, :func:`not_utf8_note`).

The file is read in blocks of :data:`BLOCK_SIZE` bytes, cut at the last LF of the block,
and split into an Arrow string array by one C++ call (``pyarrow.compute.split_pattern``),
so memory holds one block at a time whatever the file size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BLOCK_SIZE = 8 << 20
"""Bytes read per block (8 MiB: about 100,000 queue_log lines)."""

MAX_REJECT_TEXT = 2000
"""Characters of a rejected line kept in the rejects file (longer lines are cut, marked …)."""

MAX_PLACES = 10
"""Lines a note names by ``file:line``; the others are counted."""


@dataclass(frozen=True)
class LineBatch:
    """Consecutive lines of one file.

    first_line: the 1-based number of ``lines[0]``.
    lines: the lines without their end (Arrow strings).
    bad_utf8: per line, True when its bytes were not valid UTF-8 (``lines`` then holds a
        replacement-decoded copy), or None when every line of the batch was valid.
    bytes_done: bytes of the file consumed so far (for progress).
    """

    first_line: int
    lines: pa.StringArray
    bad_utf8: np.ndarray[tuple[int], np.dtype[np.bool_]] | None
    bytes_done: int

    @property
    def line_numbers(self) -> pa.Int64Array:
        """The 1-based line number of each line."""
        n = len(self.lines)
        out: pa.Int64Array = pa.array(
            np.arange(self.first_line, self.first_line + n, dtype=np.int64)
        )
        return out


def _split(
    block: bytes,
) -> tuple[pa.StringArray, np.ndarray[tuple[int], np.dtype[np.bool_]] | None]:
    raw = pc.split_pattern(pa.array([block], pa.large_binary()), b"\n").flatten()
    if b"\r" in block:
        raw = pc.replace_substring_regex(raw, rb"\r$", b"")
    try:
        lines: pa.StringArray = raw.cast(pa.large_string()).cast(pa.string())
        return lines, None
    except pa.ArrowInvalid:
        pass
    decoded: list[str] = []
    bad = np.zeros(len(raw), dtype=np.bool_)
    for i, value in enumerate(raw.to_pylist()):
        try:
            decoded.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(value.decode("utf-8", "replace"))
            bad[i] = True
    return pa.array(decoded, pa.string()), bad


def iter_blocks(
    path: Path,
    *,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[str, int, int], None] | None = None,
    start: int = 0,
    first_line: int = 1,
    digest: Any = None,
) -> Iterator[tuple[int, bytes, int]]:
    """Yield ``(first_line, block, bytes_done)``: whole lines of ``path``, without the LF
    after the last one, and the 1-based number of the block's first line.

    Counting the LFs of a block is fast enough to do in order, so blocks can be split and
    parsed out of order (in threads) with exact line numbers.

    ``start`` (a line start) and ``first_line`` begin the reading further on: at byte
    ``start``, numbering from ``first_line``. ``digest`` (a hashlib object) is updated
    with the bytes of every complete line (its LF included) as it is yielded; a last line
    without LF is not hashed.
    """
    total = path.stat().st_size
    first = first_line
    done = start
    carry = b""
    with path.open("rb") as fh:
        if start:
            fh.seek(start)
        while True:
            chunk = fh.read(block_size)
            if not chunk:
                break
            done += len(chunk)
            data = carry + chunk if carry else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            block, carry = data[:cut], data[cut + 1 :]
            if digest is not None:
                digest.update(data[: cut + 1])
            yield first, block, done
            first += block.count(b"\n") + 1
            if progress is not None:
                progress(path.name, done, total)
    if carry:
        yield first, carry, done
    if progress is not None:
        progress(path.name, total, total)


def split_block(first_line: int, block: bytes, bytes_done: int = 0) -> LineBatch:
    """The lines of one block from :func:`iter_blocks`."""
    lines, bad = _split(block)
    return LineBatch(first_line, lines, bad, bytes_done)


def iter_lines(
    path: Path,
    *,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[str, int, int], None] | None = None,
) -> Iterator[LineBatch]:
    """Yield the lines of ``path`` in batches (see the module docstring for the rules)."""
    for first, block, done in iter_blocks(path, block_size=block_size, progress=progress):
        yield split_block(first, block, done)


def reject_text(text: str) -> str:
    """The text of a rejected line as written to the rejects file (cut to a bounded size)."""
    if len(text) > MAX_REJECT_TEXT:
        return text[:MAX_REJECT_TEXT] + "…"
    return text


@dataclass
class LinePlaces:
    """Lines of one load that share a remark for the notes: how many, and the first
    :data:`MAX_PLACES` as ``file:line``."""

    count: int = 0
    places: list[str] = field(default_factory=list)

    def add(self, file: str, line_no: int) -> None:
        """Count one line of ``file``."""
        self.count += 1
        if len(self.places) < MAX_PLACES:
            self.places.append(f"{file}:{line_no}")

    def add_many(self, file: str, line_nos: Sequence[int], count: int) -> None:
        """Count ``count`` lines of ``file`` whose first numbers are ``line_nos``."""
        room = MAX_PLACES - len(self.places)
        self.places.extend(f"{file}:{n}" for n in line_nos[: max(room, 0)])
        self.count += count


def places_text(places: Sequence[str], count: int) -> str:
    """``a:1, a:2 and 5 more``: the places named, then how many others."""
    more = count - len(places)
    return ", ".join(places) + (f" and {more:,} more" if more > 0 else "")


def not_utf8_note(lines: LinePlaces, encoding: str = "UTF-8") -> str | None:
    """The load's note on lines that had bytes that are not ``encoding`` (replaced by
    U+FFFD), or None when there were none."""
    if not lines.count:
        return None
    plural = "s" if lines.count != 1 else ""
    return (
        f"{lines.count:,} line{plural} had bytes that are not {encoding}; replaced by U+FFFD: "
        + places_text(lines.places, lines.count)
    )
