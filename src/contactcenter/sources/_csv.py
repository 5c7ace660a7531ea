"""CSV records with exact line numbers, shared by the CSV formats.

Python's :mod:`csv` reader is used because it is the one reader that tells where each
record starts: a quoted field may span several physical lines, and blank lines are kept
(DuckDB's and Arrow's fast readers skip blank lines or lose the line numbers). For these
formats a "line" in the load report is a CSV record; its number is the physical line where
it starts.

Each record is returned with its text (for the rejects file) and, when it cannot be read,
an error instead of its fields: the csv module's own message (for example a field over
:data:`FIELD_SIZE_LIMIT` characters). The reader goes on after such a record. Bytes that
are not UTF-8 (with a UTF-8 encoding) are replaced by U+FFFD in the fields and the text,
and the record is flagged (:attr:`Record.bad_utf8`) so the format can count it in the
load's notes.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from contactcenter.errors import InputError

FIELD_SIZE_LIMIT = 1 << 20
"""Largest field accepted (characters); a longer one makes its record an error."""

SEPARATORS = (",", ";", "\t")
"""The field separators a header line is tried with, in this order."""

_SEPARATOR_VALUES: dict[str, str | None] = {
    ",": ",",
    ";": ";",
    "\t": "\t",
    "tab": "\t",
    "\\t": "\t",
    "auto": None,
}

_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Record:
    """One CSV record: its first physical line, its fields (None on error), its text, and
    whether it had bytes that are not UTF-8 (replaced by U+FFFD)."""

    line_no: int
    fields: list[str] | None
    text: str
    error: str | None = None
    bad_utf8: bool = False

    @property
    def blank(self) -> bool:
        """True for an empty line (or one of only white space)."""
        return self.fields is not None and (
            not self.fields or (len(self.fields) == 1 and not self.fields[0].strip())
        )


class _Lines:
    """Iterates the physical lines, remembering those of the current record."""

    def __init__(self, fh: Iterator[str], size: int, name: str, progress: _Progress) -> None:
        self.fh = fh
        self.pending: list[str] = []
        self.count = 0
        self.chars = 0
        self.size = size
        self.name = name
        self.progress = progress

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.fh)
        self.pending.append(line)
        self.count += 1
        if self.progress is not None:
            self.chars += len(line)
            if self.count % 65536 == 0:
                self.progress(self.name, min(self.chars, self.size), self.size)
        return line

    def take(self) -> str:
        text = "".join(self.pending).rstrip("\r\n")
        self.pending.clear()
        return text


_Progress = Callable[[str, int, int], None] | None


def iter_records(
    path: Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    progress: _Progress = None,
) -> Iterator[Record]:
    """Yield every record of ``path`` (blank lines included, as records with no fields)."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    size = path.stat().st_size
    with path.open("r", encoding=encoding, errors="surrogateescape", newline="") as fh:
        lines = _Lines(iter(fh), size, path.name, progress)
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        while True:
            start = lines.count + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                text = lines.take()
                yield Record(start, None, text, f"CSV error: {exc}")
                continue
            text = lines.take()
            if _SURROGATE.search(text):
                yield Record(start, [_replace(f) for f in fields], _replace(text), bad_utf8=True)
                continue
            yield Record(start, fields, text)
    if progress is not None:
        progress(path.name, size, size)


def _replace(text: str) -> str:
    """``text`` read with surrogateescape, its undecodable bytes replaced by U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def separator_option(value: str | None) -> str | None:
    """The separator a ``delimiter`` option names: ``","``, ``";"``, a tab (``"\\t"``,
    ``"tab"`` or the two characters ``\\t``), or None for ``"auto"``/None (detect it).
    Raises InputError (field ``delimiter``) for anything else."""
    if value is None:
        return None
    key = value if value in _SEPARATOR_VALUES else value.strip().lower()
    if key not in _SEPARATOR_VALUES:
        raise InputError(
            f"{{field}} must be one of ',', ';', tab or auto, got {value!r}", field="delimiter"
        )
    return _SEPARATOR_VALUES[key]


def separator_name(separator: str) -> str:
    """How messages show a separator: ``','``, ``';'`` or ``tab``."""
    return "tab" if separator == "\t" else repr(separator)


def first_line(path: Path, *, limit: int = 1 << 16) -> tuple[int, str] | None:
    """The 1-based number and text of the first line of ``path`` that is not blank (a BOM
    and the line end removed, bytes that are not UTF-8 replaced), or None when there is
    none. Reads at most ``limit`` bytes of a line."""
    with path.open("rb") as fh:
        line_no = 0
        while True:
            raw = fh.readline(limit)
            if not raw:
                return None
            line_no += 1
            if line_no == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if text.strip():
                return line_no, text
            if not raw.endswith(b"\n"):
                return None


def split_line(text: str, separator: str) -> list[str]:
    """The fields of one CSV line (a header) split at ``separator``."""
    return next(csv.reader([text], delimiter=separator), [])


def shown(text: str, width: int = 100) -> str:
    """A line as messages quote it: repr (tabs visible as \\t), cut at ``width``."""
    return repr(text if len(text) <= width else text[:width] + "…")
