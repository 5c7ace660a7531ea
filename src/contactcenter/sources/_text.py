"""Streaming line reader shared by the text formats: exact 1-based line numbers, bounded memory.

A line ends at LF; a CR before the LF is dropped (CRLF files read like LF files); the last
line may lack its LF (:attr:`Block.open_end`: a raw log may still be writing it). An empty
file has no lines; ``"a\\n"`` has one line, ``"a\\n\\n"`` two (the second blank). Bytes
that are not UTF-8 are replaced by U+FFFD and their lines flagged
(:attr:`LineBatch.bad_utf8`): the line is read like any other (a Latin-1 caller name must
not lose a call) and the format counts such lines in the load's notes (:class:`LinePlaces`,
:func:`not_utf8_note`).

Bounds and damage every format rejects the same way:

* a line longer than :data:`MAX_LINE_BYTES` is cut while it is read (its first
  :data:`KEEP_BYTES` are kept for the rejects file; the rest is skipped without being held
  in memory) and flagged (:attr:`LineBatch.cut`, reason :data:`R_LONG`);
* a CR left inside a line after the line end is removed (old Mac files end lines with CR
  alone, so several records would read as one) is flagged (:attr:`LineBatch.has_cr`,
  reason :data:`R_CR`).

A file that starts with the gzip magic bytes (``queue_log.1.gz``, logrotate's default) is
decompressed while it is read; line numbers are those of the decompressed text.

The file is read in blocks of :data:`BLOCK_SIZE` bytes, cut at the last LF of the block,
and split into an Arrow string array by one C++ call (``pyarrow.compute.split_pattern``),
so memory holds one block at a time whatever the file size.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.errors import FormatError

BLOCK_SIZE = 8 << 20
"""Bytes read per block (8 MiB: about 100,000 queue_log lines)."""

MAX_LINE_BYTES = 1 << 20
"""Longest line read (1 MiB, line end excluded); a longer line is rejected (:data:`R_LONG`)."""

KEEP_BYTES = 4096
"""Bytes kept of a line cut for being too long (for the rejects file)."""

R_LONG = f"line longer than {MAX_LINE_BYTES:,} bytes (cut)"
R_CR = "line has a CR (carriage return) inside it: old Mac line ends? (lines must end with LF)"

GZIP_MAGIC = b"\x1f\x8b"

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
    has_cr: per line, True when a CR is left inside it (:data:`R_CR`), or None for none.
    cut: per line, True when it was longer than :data:`MAX_LINE_BYTES` and cut
        (:data:`R_LONG`), or None for none.
    open_end: the batch's last line is the file's last and has no LF.
    """

    first_line: int
    lines: pa.StringArray
    bad_utf8: np.ndarray[tuple[int], np.dtype[np.bool_]] | None
    bytes_done: int
    has_cr: np.ndarray[tuple[int], np.dtype[np.bool_]] | None = None
    cut: np.ndarray[tuple[int], np.dtype[np.bool_]] | None = None
    open_end: bool = False

    @property
    def line_numbers(self) -> pa.Int64Array:
        """The 1-based line number of each line."""
        n = len(self.lines)
        out: pa.Int64Array = pa.array(
            np.arange(self.first_line, self.first_line + n, dtype=np.int64)
        )
        return out

    def damaged(self) -> np.ndarray[tuple[int], np.dtype[np.bool_]] | None:
        """Lines cut or with a CR inside (None when there are none)."""
        if self.cut is None:
            return self.has_cr
        if self.has_cr is None:
            return self.cut
        out: np.ndarray[tuple[int], np.dtype[np.bool_]] = self.cut | self.has_cr
        return out

    def damage_reason(self, i: int) -> str:
        """The reject reason of damaged line ``i``."""
        return R_LONG if self.cut is not None and self.cut[i] else R_CR


@dataclass(frozen=True)
class Block:
    """Whole lines of a file as bytes (see :func:`iter_blocks`)."""

    first_line: int
    data: bytes
    bytes_done: int
    cut: tuple[int, ...] = ()
    """Line numbers of the lines that were longer than :data:`MAX_LINE_BYTES` and cut."""
    open_end: bool = False
    """The block's last line is the file's last and has no LF."""


def _split(
    block: bytes,
) -> tuple[
    pa.StringArray,
    np.ndarray[tuple[int], np.dtype[np.bool_]] | None,
    np.ndarray[tuple[int], np.dtype[np.bool_]] | None,
]:
    raw = pc.split_pattern(pa.array([block], pa.large_binary()), b"\n").flatten()
    has_cr = None
    if b"\r" in block:
        raw = pc.replace_substring_regex(raw, rb"\r$", b"")
        inside = _bool(pc.match_substring(raw, b"\r"))
        if inside.any():
            has_cr = inside
    try:
        lines: pa.StringArray = raw.cast(pa.large_string()).cast(pa.string())
        return lines, None, has_cr
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
    return pa.array(decoded, pa.string()), bad, has_cr


def _bool(arr: pa.Array) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    out: np.ndarray[tuple[int], np.dtype[np.bool_]] = np.asarray(
        pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_
    )
    return out


def is_gzip(path: Path) -> bool:
    """Whether ``path`` starts with the gzip magic bytes."""
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


@contextmanager
def open_bytes(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """``(reader, raw)``: the bytes of ``path``, decompressed when it is gzip, and the file
    on disk under it (whose position is the progress)."""
    with path.open("rb") as raw:
        if raw.read(2) == GZIP_MAGIC:
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield cast(IO[bytes], unzipped), raw
        else:
            raw.seek(0)
            yield raw, raw


UTF8 = ("utf-8", "utf8", "utf-8-sig")


class _Transcoded:
    """Bytes of another encoding read as UTF-8: undecodable bytes come through as they
    were (so the line reader flags them and replaces them by U+FFFD)."""

    def __init__(self, fh: IO[bytes], encoding: str) -> None:
        self.fh = fh
        self.decoder = codecs.getincrementaldecoder(encoding)("surrogateescape")

    def read(self, size: int) -> bytes:
        while True:
            chunk = self.fh.read(size)
            text = self.decoder.decode(chunk, final=not chunk)
            if text or not chunk:
                return text.encode("utf-8", "surrogateescape")


def _cut_long(data: bytes, first: int, limit: int) -> tuple[bytes, list[int]]:
    """``data`` (whole lines) with every line longer than ``limit`` bytes cut to
    :data:`KEEP_BYTES`, and the numbers of those lines. Jumps up to ``limit`` bytes a
    step, so a block of ordinary lines costs a few ``rfind`` calls."""
    pos = 0
    n = len(data)
    pieces: list[bytes] = []
    cut: list[int] = []
    last = 0
    while n - pos > limit:
        lf = data.rfind(b"\n", pos, pos + limit + 1)
        if lf >= 0:
            pos = lf + 1
            continue
        end = data.find(b"\n", pos)
        end = n if end < 0 else end
        pieces.append(data[last : pos + KEEP_BYTES])
        cut.append(first + data.count(b"\n", 0, pos))
        last = end
        pos = end + 1
    if not cut:
        return data, cut
    pieces.append(data[last:])
    return b"".join(pieces), cut


def iter_blocks(
    path: Path,
    *,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[str, int, int], None] | None = None,
    start: int = 0,
    first_line: int = 1,
    digest: Any = None,
    digest_until: int | None = None,
    max_line: int = MAX_LINE_BYTES,
    encoding: str | None = None,
) -> Iterator[Block]:
    """Yield blocks of whole lines of ``path`` (without the LF after the last one), each
    with the 1-based number of its first line.

    Counting the LFs of a block is fast enough to do in order, so blocks can be split and
    parsed out of order (in threads) with exact line numbers. A line longer than
    ``max_line`` bytes is cut to :data:`KEEP_BYTES` as it is read (the rest is skipped,
    never held) and its number listed in :attr:`Block.cut`. A gzip file is decompressed.

    ``start`` (a line start) and ``first_line`` begin the reading further on: at byte
    ``start``, numbering from ``first_line`` (plain files only). ``digest`` (a hashlib
    object) is updated with the file's bytes as they are read, up to byte
    ``digest_until`` (the end of its last complete line). ``encoding`` (CSV formats): a
    UTF-8 BOM at the start is dropped, and another encoding is read as UTF-8.
    """
    total = path.stat().st_size
    first = first_line
    done = start
    carry = b""
    skipping = False  # inside a line already cut: drop bytes up to its LF
    carry_cut: list[int] = []
    name = (encoding or "utf-8").lower().replace("_", "-")
    bom = encoding is not None and name in ("utf-8", "utf8", "utf-8-sig")
    with open_bytes(path) as (fh, raw):
        if start:
            fh.seek(start)
        source: Any = fh if name in UTF8 else _Transcoded(fh, name)
        while True:
            try:
                chunk = source.read(block_size)
                if bom and done == start == 0 and chunk.startswith(codecs.BOM_UTF8):
                    chunk = chunk[len(codecs.BOM_UTF8) :]
                    bom = False
            except (OSError, EOFError, zlib.error, LookupError) as exc:
                first_bad = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise FormatError(
                    str(path), None, f"damaged gzip data after line {first - 1}: {first_bad}"
                ) from None
            if not chunk:
                break
            if digest is not None:
                if digest_until is None:
                    digest.update(chunk)
                elif done < digest_until:
                    digest.update(chunk[: digest_until - done])
            done += len(chunk)
            position = raw.tell()
            if skipping:
                lf = chunk.find(b"\n")
                if lf < 0:
                    continue
                chunk = chunk[lf:]
                skipping = False
            data = carry + chunk if carry else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                if len(carry) > max_line:
                    carry = carry[:KEEP_BYTES]
                    carry_cut = [first]
                    skipping = True
                continue
            block, carry = data[:cut], data[cut + 1 :]
            long_cut = list(carry_cut)
            carry_cut = []
            if len(block) > max_line:
                block, more = _cut_long(block, first, max_line)
                long_cut += [n for n in more if n not in long_cut]
            yield Block(first, block, position, tuple(long_cut))
            first += block.count(b"\n") + 1
            if len(carry) > max_line:
                carry = carry[:KEEP_BYTES]
                carry_cut = [first]
                skipping = True
            if progress is not None:
                progress(path.name, position, total)
    if carry or carry_cut:
        yield Block(first, carry, total, tuple(carry_cut), open_end=True)
    if progress is not None:
        progress(path.name, total, total)


def split_block(
    first_line: int,
    block: bytes,
    bytes_done: int = 0,
    cut: Sequence[int] = (),
    open_end: bool = False,
) -> LineBatch:
    """The lines of one block from :func:`iter_blocks`."""
    lines, bad, has_cr = _split(block)
    cut_mask = None
    if cut:
        cut_mask = np.zeros(len(lines), dtype=np.bool_)
        cut_mask[[n - first_line for n in cut]] = True
    return LineBatch(first_line, lines, bad, bytes_done, has_cr, cut_mask, open_end)


def iter_lines(
    path: Path,
    *,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[str, int, int], None] | None = None,
) -> Iterator[LineBatch]:
    """Yield the lines of ``path`` in batches (see the module docstring for the rules)."""
    for b in iter_blocks(path, block_size=block_size, progress=progress):
        yield split_block(b.first_line, b.data, b.bytes_done, b.cut, b.open_end)


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
