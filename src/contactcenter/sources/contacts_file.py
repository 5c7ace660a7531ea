"""Format ``contacts``: canonical contacts as Parquet (``.parquet``/``.pq``) or CSV (any
other extension), the import/export format of the store (the simulator writes it).

Columns are the canonical contacts columns (docs/data-model.md), by name, in any order;
``contact_id``, ``offered_at`` and ``outcome`` are required, the others may be absent
(empty). A column that is not canonical makes the file not a contacts file
(:class:`~contactcenter.errors.FormatError`), so a misspelt column is never dropped
silently. Every row is checked by :mod:`contactcenter.sources._contacts_stage` (types,
outcome and channel values, order of timestamps) and rejected with its line number (CSV)
or row number (Parquet, 1-based) when it fails.

CSV: a header row, ``,``-separated, UTF-8 (a BOM is allowed; bytes that are not UTF-8 are
replaced by U+FFFD and counted in the notes; gzip files are decompressed), read a block
at a time by :func:`contactcenter.sources._csv.iter_batches`; empty cells are empty
values; timestamps are ISO 8601 (``2024-03-01 09:00:05``, ``...T09:00:05Z``,
``...+01:00``); without a zone they are UTC (the canonical form; ``--source-tz`` does
not apply). Booleans are true/false (or 1/0, t/f). Blank lines are ignored.

Parquet: any Arrow types that cast to the canonical ones (timestamps without a zone are
UTC). The file is read by DuckDB without loading it into Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.errors import FormatError, InputError
from contactcenter.sources._contacts_stage import COLUMNS, ContactsStage
from contactcenter.sources._csv import iter_batches, iter_records
from contactcenter.sources._text import MAX_PLACES, LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "contacts"
"""Source of rows that have no ``source`` column or value (and no --source)."""

REQUIRED = ("contact_id", "offered_at", "outcome")
PARQUET_SUFFIXES = (".parquet", ".pq")

I_HEADER = "header"
I_BLANK = "blank line"


def conversation_hint(names: list[str]) -> str:
    """A hint naming the conversation format whose columns ``names`` look like, or ''."""
    have = set(names)
    if "case:concept:name" in have or {"case", "activity"} <= have:
        return (
            " (this looks like a ticket event log: --format ticket_events --mapping "
            "data/mappings/helpdesk.yaml)"
        )
    if {"tweet_id", "inbound", "in_response_to_tweet_id"} <= have:
        return " (this looks like a Twitter customer-support file: --format twcs)"
    if {"conversation_id", "message_id"} <= have:
        return " (this looks like a file of messages: --format messages, or messages_csv)"
    return ""


def _check_columns(path: Path, names: list[str], line_no: int | None) -> None:
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise FormatError(
            str(path),
            line_no,
            f"not a contacts file: unknown columns {unknown}; allowed: {', '.join(COLUMNS)}"
            + conversation_hint(names),
        )
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise FormatError(str(path), line_no, f"not a contacts file: missing columns {missing}")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise FormatError(str(path), line_no, f"not a contacts file: repeated columns {dup}")


def _load_parquet(stage: ContactsStage, session: LoadSession, index: int, path: Path) -> int:
    con = session.con
    ref = "'" + str(path).replace("'", "''") + "'"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({ref})").fetchall()
    except duckdb.Error as exc:
        raise FormatError(str(path), None, f"not a Parquet file: {exc}".splitlines()[0]) from None
    names = [str(r[0]) for r in described]
    _check_columns(path, names, None)
    text = " || ',' || ".join(f"""coalesce(CAST("{n}" AS VARCHAR), '')""" for n in names)
    cols = ", ".join(f'"{n}"' for n in names)
    stage.add_relation(
        index,
        path,
        f"SELECT {cols}, file_row_number + 1 AS _line "
        f"FROM read_parquet({ref}, file_row_number = true)",
        names,
        text,
    )
    row = con.execute(f"SELECT count(*) FROM read_parquet({ref})").fetchone()
    n = int(row[0]) if row else 0
    session.account.read += n
    return n


def reread(
    path: Path, *, delimiter: str = ",", encoding: str = "utf-8-sig"
) -> Callable[[set[int]], dict[int, str]]:
    """A function giving the texts of records of ``path`` by their line number (read
    again: only for the few rows found repeated after their batch was validated)."""

    def texts(lines: set[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for rec in iter_records(path, delimiter=delimiter, encoding=encoding):
            if rec.line_no in lines:
                out[rec.line_no] = rec.text
        return out

    return texts


def empty_as_null(column: pa.Array) -> pa.Array:
    """``column`` (text) with empty and white-space-only values null."""
    blank = pc.equal(pc.utf8_trim_whitespace(column), "")
    return pc.if_else(blank, pa.scalar(None, pa.string()), column)


def _load_csv(
    stage: ContactsStage,
    session: LoadSession,
    index: int,
    path: Path,
    options: IngestOptions,
    not_utf8: LinePlaces,
) -> int:
    acc = session.account
    header: list[str] | None = None
    staged = 0
    again = reread(path)
    for batch in iter_batches(path, progress=options.progress):
        n = len(batch)
        acc.read += n
        if batch.bad_utf8.any():
            bad = np.flatnonzero(batch.bad_utf8)
            not_utf8.add_many(path.name, batch.line_no[bad[:MAX_PLACES]].tolist(), int(bad.size))
        acc.ignore(I_BLANK, int(batch.blank.sum()))
        rows = np.flatnonzero(~batch.blank)
        if header is None:
            if not rows.size:
                continue
            at = int(rows[0])
            header = [h.strip() for h in (batch.fields[at].as_py() or [])]
            _check_columns(path, header, int(batch.line_no[at]))
            acc.ignore(I_HEADER)
            rows = rows[1:]
        errors = batch.error.take(pa.array(rows, pa.int64())).to_pylist()
        counts = batch.field_counts()[rows]
        good = np.zeros(len(rows), dtype=np.bool_)
        texts: list[str] | None = None
        for k, (row, why) in enumerate(zip(rows, errors, strict=True)):
            if why is None and counts[k] == len(header):
                good[k] = True
                continue
            if texts is None:
                texts = batch.text.to_pylist()
            reason = why or "number of fields differs from the header"
            acc.reject(path.name, int(batch.line_no[row]), reason, reject_text(texts[row] or ""))
        keep = rows[good]
        if not keep.size:
            continue
        columns = batch.columns(len(header), keep)
        take = pa.array(keep, pa.int64())
        stage.add_arrow(
            index,
            path,
            {name: empty_as_null(col) for name, col in zip(header, columns, strict=True)},
            pa.array(batch.line_no[keep]),
            batch.text.take(take),
            again,
        )
        staged += int(keep.size)
    if header is None:
        raise FormatError(str(path), None, "empty file: no header line")
    return staged


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load canonical contacts files (see the module docstring)."""
    if options.source_tz:
        raise InputError(
            "{field} does not apply to format contacts: its timestamps are UTC "
            "(or carry their own offset)",
            field="source_tz",
        )
    stage = ContactsStage(session, files, default_source=SOURCE, source_override=options.source)
    staged = 0
    parquet = []
    not_utf8 = LinePlaces()
    for index, path in enumerate(files):
        if path.suffix.lower() in PARQUET_SUFFIXES:
            staged += _load_parquet(stage, session, index, path)
            parquet.append(str(path))
        else:
            staged += _load_csv(stage, session, index, path, options, not_utf8)
    note = not_utf8_note(not_utf8)
    if note:
        session.account.notes.append(note)
    try:
        stage.finish(rows_read=staged)
    except duckdb.Error as exc:
        if not parquet:
            raise
        # Parquet files are read while they are validated: a damaged page shows here
        first = str(exc).splitlines()[0]
        raise FormatError(", ".join(parquet), None, f"cannot read Parquet data: {first}") from None
