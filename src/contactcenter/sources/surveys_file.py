"""Format ``surveys``: canonical survey answers as Parquet (``.parquet``/``.pq``) or CSV
(any other extension), one answer per row.

Columns are the canonical ``surveys`` columns (docs/data-model.md) by name, in any order:
``survey_id``, ``kind``, ``answered_at``, ``score``, ``scale_min`` and ``scale_max`` are
required; ``source``, ``contact_id``, ``conversation_id``, ``customer_id``,
``agent_id`` and ``comment`` may be absent or empty. A column that is not canonical
makes the file not a surveys file (:class:`~contactcenter.errors.FormatError`), so a
misspelt column is never dropped silently. Each row is checked by
:mod:`contactcenter.sources._surveys_stage` and rejected with its line number (CSV) or
row number (Parquet, 1-based) when it fails, e.g. a score outside its scale.

CSV: a header row, ``,``-separated, UTF-8 (a BOM is allowed; gzip files are
decompressed); timestamps ISO 8601, UTC when they carry no offset; blank lines ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from contactcenter.errors import FormatError, InputError
from contactcenter.sources._csv import iter_records
from contactcenter.sources._surveys_stage import (
    COLUMNS,
    REQUIRED,
    RowError,
    SurveyStage,
    survey_row,
)
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "surveys"
"""Source of rows that have no ``source`` column or value (and no --source)."""

PARQUET_SUFFIXES = (".parquet", ".pq")
I_HEADER = "header"
I_BLANK = "blank line"


def check_columns(path: Path, names: list[str], line_no: int | None) -> None:
    """Raise FormatError unless ``names`` are canonical survey columns with the required
    ones, each once."""
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise FormatError(
            str(path),
            line_no,
            f"not a surveys file: unknown columns {unknown}; allowed: {', '.join(COLUMNS)}",
        )
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise FormatError(str(path), line_no, f"not a surveys file: missing columns {missing}")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise FormatError(str(path), line_no, f"not a surveys file: repeated columns {dup}")


def _add(
    stage: SurveyStage,
    session: LoadSession,
    values: dict[str, Any],
    path: Path,
    line: int,
    line_text: str,
) -> None:
    try:
        row = survey_row(values, tz=None)
    except RowError as exc:
        session.account.reject(path.name, line, str(exc), reject_text(line_text))
        return
    source = values.get("source")
    stage.add(
        row,
        source=str(source) if source not in (None, "") else None,
        file=path.name,
        line=line,
        line_text=line_text,
        source_tz=None,
    )


def _load_parquet(stage: SurveyStage, session: LoadSession, path: Path) -> None:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise FormatError(str(path), None, f"not a Parquet file: {exc}".splitlines()[0]) from None
    check_columns(path, table.column_names, None)
    session.account.read += table.num_rows
    for i, values in enumerate(table.to_pylist(), start=1):
        shown = ",".join("" if v is None else str(v) for v in values.values())
        _add(stage, session, values, path, i, shown)


def _load_csv(
    stage: SurveyStage,
    session: LoadSession,
    path: Path,
    options: IngestOptions,
    not_utf8: LinePlaces,
) -> None:
    acc = session.account
    header: list[str] | None = None
    for rec in iter_records(path, progress=options.progress):
        acc.read += 1
        if rec.bad_utf8:
            not_utf8.add(path.name, rec.line_no)
        if rec.blank:
            acc.ignore(I_BLANK)
            continue
        if header is None:
            header = [h.strip() for h in rec.fields or []]
            check_columns(path, header, rec.line_no)
            acc.ignore(I_HEADER)
            continue
        if rec.fields is None:
            acc.reject(path.name, rec.line_no, rec.error or "unreadable", reject_text(rec.text))
            continue
        if len(rec.fields) != len(header):
            acc.reject(
                path.name,
                rec.line_no,
                "number of fields differs from the header",
                reject_text(rec.text),
            )
            continue
        _add(
            stage, session, dict(zip(header, rec.fields, strict=True)), path, rec.line_no, rec.text
        )
    if header is None:
        raise FormatError(str(path), None, "empty file: no header line")


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load canonical survey files (see the module docstring)."""
    if options.source_tz:
        raise InputError(
            "{field} does not apply to format surveys: its timestamps are UTC "
            "(or carry their own offset)",
            field="source_tz",
        )
    if options.mapping is not None:
        raise InputError(
            "{field} does not apply to format surveys (canonical columns); use surveys_csv",
            field="mapping",
        )
    stage = SurveyStage(session, default_source=SOURCE, source_override=options.source)
    not_utf8 = LinePlaces()
    for path in files:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            _load_parquet(stage, session, path)
        else:
            _load_csv(stage, session, path, options, not_utf8)
    note = not_utf8_note(not_utf8)
    if note:
        session.account.notes.append(note)
    stage.finish()
