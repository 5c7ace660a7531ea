"""CSV records of the conversation formats, with exact line numbers.

Like :mod:`contactcenter.sources._csv`, a "line" in the load report is a CSV record and its
number is the physical line where it starts; a quoted field may span lines. Here a
physical line ends at LF only (a CR before the LF is dropped): a bare CR inside a field
is kept as part of the text. Exports of social messages have them unquoted (the Twitter
customer-support file's tweet 3399 holds two), which Python's csv module and pandas take
for line ends, splitting the tweet into bogus rows.

Bytes that are not UTF-8 are replaced by U+FFFD and the record is flagged (the format
counts such records in the load's notes).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

FIELD_SIZE_LIMIT = 1 << 20
"""Largest field accepted (characters); a longer one makes its record an error."""

_CR = "\r"
_MARK = "\ue000"
"""Stands for a bare CR while the csv module reads a line (a private-use character)."""


@dataclass(frozen=True)
class Record:
    """One CSV record: its first physical line, its fields (None on error), its text, and
    whether it had bytes that are not UTF-8."""

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
    """The physical lines of a binary file (ending at LF), decoded, bare CRs marked."""

    def __init__(
        self, path: Path, progress: Callable[[str, int, int], None] | None, encoding: str
    ) -> None:
        self.fh = path.open("rb")
        self.size = path.stat().st_size
        self.name = path.name
        self.progress = progress
        self.encoding = encoding
        self.count = 0
        self.done = 0
        self.pending: list[str] = []
        self.bad = False
        self.first = True

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self.fh.readline()
        if not raw:
            raise StopIteration
        self.count += 1
        self.done += len(raw)
        if self.first:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
            self.first = False
        body = raw[:-1] if raw.endswith(b"\n") else raw
        body = body.removesuffix(b"\r")
        try:
            text = body.decode(self.encoding)
        except UnicodeDecodeError:
            text = body.decode(self.encoding, "replace")
            self.bad = True
        self.pending.append(text)
        if self.progress is not None and self.count % 65536 == 0:
            self.progress(self.name, self.done, self.size)
        return text.replace(_CR, _MARK) + "\n"

    def take(self) -> tuple[str, bool]:
        text = "\n".join(self.pending)
        bad = self.bad
        self.pending.clear()
        self.bad = False
        return text, bad

    def close(self) -> None:
        self.fh.close()


def iter_records(
    path: Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    progress: Callable[[str, int, int], None] | None = None,
) -> Iterator[Record]:
    """Yield every record of ``path`` (blank lines included, as records with no fields)."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    lines = _Lines(path, progress, encoding)
    try:
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        while True:
            start = lines.count + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                text, bad = lines.take()
                yield Record(start, None, text, f"CSV error: {exc}", bad)
                continue
            text, bad = lines.take()
            yield Record(start, [f.replace(_MARK, _CR) for f in fields], text, None, bad)
    finally:
        lines.close()
    if progress is not None:
        progress(path.name, lines.size, lines.size)
