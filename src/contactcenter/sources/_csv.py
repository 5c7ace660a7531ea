"""CSV records with exact line numbers, shared by the CSV formats: read a block at a time.

A "line" in the load report of a CSV format is a CSV record; its number is the physical
line where it starts (a quoted field may span lines). The file is read by
:func:`contactcenter.sources._text.iter_blocks` (gzip, bounded lines, exact line
numbers, a last line without LF kept: exports often end so) and each block is split
into records:

* a line without ``"`` is one record whose fields are the line split at the separator,
  done for the whole block by one Arrow kernel;
* a line with ``"`` that is a complete record (no quoted field left open at its end, by
  :data:`_COMPLETE`) is parsed by Python's :mod:`csv` module alone;
* a line that leaves a quoted field open starts a record that spans lines: that record,
  and only it, is read by Python's :mod:`csv` module line by line (the exact slow path),
  then the blocks go on.

Every path gives the fields Python's ``csv.reader(strict=False)`` gives, so the result
does not depend on where a block ends. A blank line (empty or white space only, without
a separator) is a blank record. A record with a line that was cut for its length
(:data:`~contactcenter.sources._text.R_LONG`) or has a CR inside
(:data:`~contactcenter.sources._text.R_CR`) is an error record, as is one the csv module
refuses (a field over :data:`FIELD_SIZE_LIMIT` characters). Bytes that are not valid in
the file's encoding are replaced by U+FFFD and the record is flagged. Line ends inside a
quoted field are read as LF.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.errors import InputError
from contactcenter.sources._text import (
    R_CR,
    R_LONG,
    LineBatch,
    iter_blocks,
    open_bytes,
    split_block,
)

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

_BLANK = r"^[ \t\v\f]*$"
_BLANK_PY = re.compile(r"[ \t\v\f\r\n]*")

QUOTED_SHARE = 0.01
"""Above this share of lines with quotes, a block is parsed by the csv module at once."""


def _complete(separator: str) -> str:
    """RE2: a line that is a whole record for ``csv.reader(strict=False)``: no quoted
    field left open at its end. A field is empty, unquoted (quotes inside are literal), or
    quoted (``""`` inside) and then, after its closing quote, any text without a quote
    first."""
    d = f"\\x{{{ord(separator):x}}}"
    field = f'(?:"(?:[^"]|"")*"(?:[^"{d}][^{d}]*)?|[^"{d}][^{d}]*|)'
    return f"^(?:{field}{d})*{field}$"


@dataclass(frozen=True)
class RecordBatch:
    """Consecutive records of one file.

    line_no: the first physical line of each record (int64).
    text: each record's text (its lines joined by LF), for the rejects file.
    fields: each record's fields (list<string>), null for blank and error records.
    error: the reason of an error record, else null.
    blank: True for a blank record.
    bad_utf8: True for a record with bytes that were not valid (replaced by U+FFFD).
    """

    line_no: np.ndarray[tuple[int], np.dtype[np.int64]]
    text: pa.StringArray
    fields: pa.ListArray
    error: pa.StringArray
    blank: np.ndarray[tuple[int], np.dtype[np.bool_]]
    bad_utf8: np.ndarray[tuple[int], np.dtype[np.bool_]]

    def __len__(self) -> int:
        return len(self.line_no)

    def columns(
        self, width: int, rows: np.ndarray[tuple[int], np.dtype[np.intp]]
    ) -> list[pa.Array]:
        """Field ``j`` of each record of ``rows`` (records with ``width`` fields or more),
        for ``j`` in ``range(width)``."""
        picked = self.fields.take(pa.array(rows, pa.int64()))
        offsets = picked.offsets.to_numpy()[:-1]
        flat = picked.values
        return [flat.take(pa.array(offsets + j)) for j in range(width)]

    def field_counts(self) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
        """Fields per record (0 for blank and error records)."""
        counts = pc.fill_null(pc.list_value_length(self.fields), 0)
        out: np.ndarray[tuple[int], np.dtype[np.int64]] = np.asarray(
            counts.to_numpy(zero_copy_only=False), dtype=np.int64
        )
        return out


@dataclass(frozen=True)
class Record:
    """One CSV record: its first physical line, its fields (None on error), its text, and
    whether it had bytes that are not valid (replaced by U+FFFD)."""

    line_no: int
    fields: list[str] | None
    text: str
    error: str | None = None
    bad_utf8: bool = False
    is_blank: bool = False

    @property
    def blank(self) -> bool:
        """True for an empty line (or one of only white space, without a separator)."""
        return self.is_blank


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    out: np.ndarray[tuple[int], np.dtype[np.bool_]] = np.asarray(
        pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_
    )
    return out


_LIST = pa.list_(pa.string())


def _parse_lines(lines: list[str], separator: str) -> list[list[str] | str]:
    """Each line (a whole record) parsed by the csv module: its fields, or the error."""
    try:
        rows: list[list[str] | str] = list(csv.reader(lines, delimiter=separator, strict=False))
        if len(rows) == len(lines):
            return rows
    except csv.Error:
        pass
    out: list[list[str] | str] = []
    for line in lines:
        try:
            out.append(next(csv.reader([line], delimiter=separator, strict=False), []))
        except csv.Error as exc:
            out.append(f"CSV error: {exc}")
    return out


class _Cursor:
    """The lines of a file, block after block, with a position (for the slow path)."""

    def __init__(self, batches: Iterator[LineBatch]) -> None:
        self._batches = batches
        self.batch: LineBatch | None = None
        self.pos = 0
        self.texts: list[str] | None = None

    def current(self) -> LineBatch | None:
        while self.batch is None or self.pos >= len(self.batch.lines):
            self.batch = next(self._batches, None)
            self.pos = 0
            self.texts = None
            if self.batch is None:
                return None
        return self.batch

    def take(self) -> tuple[int, str, bool, str | None, bool] | None:
        """The next line: (number, text, bad_utf8, damage reason, last line without LF),
        or None at the end."""
        b = self.current()
        if b is None:
            return None
        if self.texts is None:
            self.texts = b.lines.to_pylist()
        i = self.pos
        self.pos += 1
        bad = b.bad_utf8 is not None and bool(b.bad_utf8[i])
        damaged = b.damaged()
        why = b.damage_reason(i) if damaged is not None and damaged[i] else None
        last = b.open_end and i == len(b.lines) - 1
        return b.first_line + i, self.texts[i] or "", bad, why, last


class _Parts:
    """The records of one block as they are found, joined into one batch."""

    def __init__(self) -> None:
        self.line_no: list[np.ndarray[tuple[int], np.dtype[np.int64]]] = []
        self.text: list[pa.Array] = []
        self.fields: list[pa.Array] = []
        self.error: list[pa.Array] = []
        self.blank: list[np.ndarray[tuple[int], np.dtype[np.bool_]]] = []
        self.bad: list[np.ndarray[tuple[int], np.dtype[np.bool_]]] = []

    def add(
        self,
        line_no: np.ndarray[tuple[int], np.dtype[np.int64]],
        text: pa.Array,
        fields: pa.Array,
        error: pa.Array,
        blank: np.ndarray[tuple[int], np.dtype[np.bool_]],
        bad: np.ndarray[tuple[int], np.dtype[np.bool_]],
    ) -> None:
        if len(line_no):
            self.line_no.append(line_no)
            self.text.append(text)
            self.fields.append(fields)
            self.error.append(error)
            self.blank.append(blank)
            self.bad.append(bad)

    def batch(self) -> RecordBatch | None:
        if not self.line_no:
            return None

        def cat(arrays: list[pa.Array], kind: pa.DataType) -> pa.Array:
            return (
                arrays[0] if len(arrays) == 1 else pa.concat_arrays([a.cast(kind) for a in arrays])
            )

        out = RecordBatch(
            np.concatenate(self.line_no),
            cat(self.text, pa.string()),
            cat(self.fields, _LIST),
            cat(self.error, pa.string()),
            np.concatenate(self.blank),
            np.concatenate(self.bad),
        )
        self.line_no, self.text, self.fields = [], [], []
        self.error, self.blank, self.bad = [], [], []
        return out


def _fast(parts: _Parts, b: LineBatch, start: int, end: int, separator: str) -> None:
    """Records of lines ``start:end`` of ``b``, none of which leaves a quote open."""
    n = end - start
    lines = b.lines.slice(start, n)
    line_no = np.arange(b.first_line + start, b.first_line + end, dtype=np.int64)
    bad = b.bad_utf8[start:end].copy() if b.bad_utf8 is not None else np.zeros(n, dtype=np.bool_)
    damaged_all = b.damaged()
    damaged = damaged_all[start:end] if damaged_all is not None else np.zeros(n, dtype=np.bool_)
    has_sep = _mask(pc.match_substring(lines, separator))
    blank = ~has_sep & ~damaged & _mask(pc.match_substring_regex(lines, _BLANK))
    quoted = _mask(pc.match_substring(lines, '"')) & ~damaged & ~blank
    errors: np.ndarray[tuple[int], np.dtype[np.object_]] | None = None
    if damaged.any():
        errors = np.full(n, None, dtype=object)
        for k in np.flatnonzero(damaged):
            errors[k] = b.damage_reason(start + int(k))
    valid = ~(blank | damaged)
    n_quoted = int(quoted.sum())
    if n_quoted and n_quoted > QUOTED_SHARE * n:
        # many quoted lines: the csv module parses the block (ordinary lines alike)
        rows = np.flatnonzero(valid)
        parsed = _parse_lines(lines.take(pa.array(rows)).to_pylist(), separator)
        values: list[list[str] | None] = [None] * n
        for k, got in zip(rows, parsed, strict=True):
            if isinstance(got, str):
                if errors is None:
                    errors = np.full(n, None, dtype=object)
                errors[k] = got
            else:
                values[k] = got
        fields = pa.array(values, _LIST)
    else:
        split = pc.split_pattern(lines, separator)
        if n_quoted:
            pieces: list[pa.Array] = []
            at = 0
            where = np.flatnonzero(quoted)
            parsed = _parse_lines(lines.take(pa.array(where)).to_pylist(), separator)
            for k, got in zip(where, parsed, strict=True):
                pieces.append(split.slice(at, k - at))
                if isinstance(got, str):
                    if errors is None:
                        errors = np.full(n, None, dtype=object)
                    errors[k] = got
                    valid[k] = False
                    pieces.append(pa.nulls(1, _LIST))
                else:
                    pieces.append(pa.array([got], _LIST))
                at = int(k) + 1
            pieces.append(split.slice(at, n - at))
            split = pa.concat_arrays([p.cast(_LIST) for p in pieces])
        fields = split if valid.all() else pc.if_else(pa.array(valid), split, pa.nulls(n, _LIST))
    error = pa.array(errors, pa.string()) if errors is not None else pa.nulls(n, pa.string())
    parts.add(line_no, lines, fields, error, blank, bad)


def _slow(parts: _Parts, cursor: _Cursor, separator: str) -> None:
    """One record that starts at the cursor and may span lines, read by the csv module."""
    taken: list[tuple[int, str, bool, str | None, bool]] = []

    def feed() -> Iterator[str]:
        while True:
            line = cursor.take()
            if line is None:
                return
            taken.append(line)
            yield line[1] if line[4] else line[1] + "\n"

    fields: list[str] | None
    try:
        fields = next(csv.reader(feed(), delimiter=separator, strict=False), [])
        error = None
    except csv.Error as exc:
        fields, error = None, f"CSV error: {exc}"
    damage = [why for _, _, _, why, _ in taken if why is not None]
    if damage:
        fields, error = None, (R_LONG if R_LONG in damage else R_CR)
    text = "\n".join(t for _, t, _, _, _ in taken)
    parts.add(
        np.array([taken[0][0]], dtype=np.int64),
        pa.array([text], pa.string()),
        pa.array([fields], _LIST),
        pa.array([error], pa.string()),
        np.zeros(1, dtype=np.bool_),
        np.array([any(bad for _, _, bad, _, _ in taken)], dtype=np.bool_),
    )


_CR_MARK = "\ue000"
"""Stands for a CR kept inside a line while the line is split (a private-use character)."""


def _mark_cr(b: LineBatch) -> LineBatch:
    """``b`` with each CR inside a line replaced by :data:`_CR_MARK` and not flagged."""
    if b.has_cr is None:
        return b
    lines = pc.replace_substring(b.lines, "\r", _CR_MARK)
    return replace(b, lines=lines, has_cr=None)


def _unmark_cr(batch: RecordBatch) -> RecordBatch:
    """``batch`` with :data:`_CR_MARK` back to CR in its fields and texts."""
    if not pc.any(pc.match_substring(batch.text, _CR_MARK)).as_py():
        return batch
    values = pc.replace_substring(batch.fields.values, _CR_MARK, "\r")
    fields = pa.ListArray.from_arrays(batch.fields.offsets, values, mask=batch.fields.is_null())
    text = pc.replace_substring(batch.text, _CR_MARK, "\r")
    return replace(batch, fields=fields, text=text)


def iter_batches(
    path: Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    progress: _Progress = None,
    keep_cr: bool = False,
) -> Iterator[RecordBatch]:
    """Yield every record of ``path`` in batches (blank lines included, as blank records),
    about one batch per block of the file.

    ``keep_cr``: a CR inside a line is text, not damage (:data:`R_CR`): exports of
    social and chat messages hold texts with bare CRs, quoted or not (tweet 3399 of the
    Twitter customer-support file has two, unquoted). A file whose lines end with CR
    alone then reads as one long line, which its format rejects (its field count)."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    complete = _complete(delimiter)
    batches = (
        split_block(b.first_line, b.data, b.bytes_done, b.cut, b.open_end)
        for b in iter_blocks(path, progress=progress, encoding=encoding)
    )
    if keep_cr:
        batches = (_mark_cr(b) for b in batches)
    cursor = _Cursor(batches)
    parts = _Parts()
    seen: LineBatch | None = None
    opens: np.ndarray[tuple[int], np.dtype[np.intp]] = np.zeros(0, dtype=np.intp)
    while (b := cursor.current()) is not None:
        if b is not seen:
            done = parts.batch()
            if done is not None:
                yield _unmark_cr(done) if keep_cr else done
            seen = b
            quoted = _mask(pc.match_substring(b.lines, '"'))
            if quoted.any() and delimiter != '"':
                where = np.flatnonzero(quoted)
                whole = _mask(pc.match_substring_regex(b.lines.take(pa.array(where)), complete))
                damaged = b.damaged()
                if damaged is not None:
                    whole |= damaged[where]
                opens = where[~whole]
            else:
                opens = np.zeros(0, dtype=np.intp)
        start = cursor.pos
        later = opens[opens >= start]
        end = int(later[0]) if later.size else len(b.lines)
        if end > start:
            _fast(parts, b, start, end, delimiter)
            cursor.pos = end
        if later.size:
            _slow(parts, cursor, delimiter)
    done = parts.batch()
    if done is not None:
        yield _unmark_cr(done) if keep_cr else done


_Progress = Callable[[str, int, int], None] | None


def iter_records(
    path: Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    progress: _Progress = None,
    keep_cr: bool = False,
) -> Iterator[Record]:
    """Yield every record of ``path`` one by one (blank lines included, as blank records;
    ``keep_cr`` as for :func:`iter_batches`)."""
    for batch in iter_batches(
        path, delimiter=delimiter, encoding=encoding, progress=progress, keep_cr=keep_cr
    ):
        fields = batch.fields.to_pylist()
        texts = batch.text.to_pylist()
        errors = batch.error.to_pylist()
        for i, line_no in enumerate(batch.line_no.tolist()):
            yield Record(
                line_no,
                [] if batch.blank[i] else fields[i],
                texts[i] or "",
                errors[i],
                bool(batch.bad_utf8[i]),
                bool(batch.blank[i]),
            )


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
    and the line end removed, bytes that are not UTF-8 replaced; a gzip file read
    decompressed), or None when there is none. Reads at most ``limit`` bytes of a line."""
    with open_bytes(path) as (fh, _):
        line_no = 0
        while True:
            raw = fh.readline(limit)
            if not raw:
                return None
            line_no += 1
            if line_no == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if text.strip():
                return line_no, text
            if not raw.endswith(b"\n"):
                return None


def split_line(text: str, separator: str) -> list[str]:
    """The fields of one CSV line (a header) split at ``separator`` (the line as one
    field when the csv module refuses it, e.g. for a CR inside)."""
    try:
        return next(csv.reader([text], delimiter=separator, strict=False), [])
    except csv.Error:
        return [text]


def shown(text: str, width: int = 100) -> str:
    """A line as messages quote it: repr (tabs visible as \\t), cut at ``width``."""
    return repr(text if len(text) <= width else text[:width] + "…")


def is_blank(text: str) -> bool:
    """Whether one line is blank by the readers' rule (white space only)."""
    return _BLANK_PY.fullmatch(text) is not None
