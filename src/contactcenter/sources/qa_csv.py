"""Format ``qa_evaluations_csv``: another tool's export of quality evaluations, read
through a YAML mapping (``--mapping``) and scored on a form (``--form``)::

    source: qa_tool               # default "qa_evaluations_csv"; --source wins
    time_zone: Europe/Vilnius     # zone of times without one (default UTC; --source-tz wins)
    delimiter: ";"                # default ","
    encoding: utf-8
    timestamp_format: "%d.%m.%Y %H:%M"   # strptime format; default ISO 8601
    columns:                      # evaluation fields: a column name or {value: CONSTANT}
      evaluation_id: Eval ID
      evaluated_at: Date
      agent_id: Agent
      evaluator_id: Reviewer
      contact_id: Call
    items:                        # form item id -> column, or {column, values}
      greeting: Q1 Greeting
      identity: {column: Q2 Identity, values: {Ja: yes, Nein: no, "-": n/a}}

``evaluation_id``, ``evaluated_at`` and ``agent_id`` are required, and every item of the
form must be mapped. The answers are then read, scored, checked and written exactly as
by the ``qa_evaluations`` format (:mod:`contactcenter.sources.qa_file`); a cell whose
text is not in its item's ``values`` rejects the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactcenter.errors import FIELD, ConfigError, FormatError
from contactcenter.sources._csv import iter_records
from contactcenter.sources._mapping_file import check_top, file_options, read_yaml, zone
from contactcenter.sources._qa_forms import Form, read_form
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.sources.qa_file import BASE_COLUMNS, REQUIRED, EvaluationStage
from contactcenter.store import LoadSession

SOURCE = "qa_evaluations_csv"
_TOP_KEYS = {
    "version",
    "source",
    "time_zone",
    "delimiter",
    "encoding",
    "timestamp_format",
    "columns",
    "items",
}
I_HEADER = "header"
I_BLANK = "blank line"


@dataclass(frozen=True)
class Cell:
    """Where one value comes from: a column (with an optional map of its texts) or a
    constant."""

    column: str | None = None
    values: dict[str, str] | None = None
    constant: str | None = None

    def read(self, row: dict[str, str], what: str) -> str | None:
        """The value in ``row`` (ValueError when a text is not in ``values``)."""
        if self.column is None:
            return self.constant
        text = row[self.column].strip()
        if self.values is None:
            return text
        if text not in self.values:
            raise ValueError(f"{what}: column {self.column} has a value that is not in values")
        return self.values[text]


@dataclass(frozen=True)
class Mapping:
    """A parsed evaluations mapping (see the module docstring)."""

    columns: dict[str, Cell]
    items: dict[str, Cell]
    source: str = SOURCE
    time_zone: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    timestamp_format: str | None = None


def _cell(raw: Any, where: str, bad: Any, *, constants: bool) -> Cell:
    if isinstance(raw, str):
        return Cell(column=raw)
    if not isinstance(raw, dict):
        raise bad(f"{where}: a column name or a mapping")
    if "value" in raw and constants:
        if len(raw) != 1:
            raise bad(f"{where}: 'value' (a constant) goes alone")
        return Cell(constant=None if raw["value"] is None else str(raw["value"]))
    if set(raw) - {"column", "values"} or not isinstance(raw.get("column"), str):
        allowed = "column (and values), or value" if constants else "column (and values)"
        raise bad(f"{where}: give {allowed}")
    values = raw.get("values")
    if values is not None and not isinstance(values, dict):
        raise bad(f"{where}.values: a map from cell text to answer")
    return Cell(
        column=raw["column"],
        values=None if values is None else {str(k): str(v) for k, v in values.items()},
    )


def read_mapping(path: Path, form: Form) -> Mapping:
    """Parse and check a mapping against ``form``; problems are ConfigErrors about the
    field ``mapping``."""

    def bad(message: str) -> ConfigError:
        return ConfigError(f"{FIELD} {path}: {message}", field="mapping")

    raw = check_top(
        read_yaml(path, bad), _TOP_KEYS, bad, shape="a mapping with 'columns' and 'items'"
    )
    columns, items = raw.get("columns"), raw.get("items")
    if not isinstance(columns, dict) or not isinstance(items, dict):
        raise bad("'columns' and 'items' must be mappings")
    fields = [c for c in BASE_COLUMNS if c not in ("source", "form")]
    wrong = [k for k in columns if k not in fields]
    if wrong:
        raise bad(f"columns: unknown fields {wrong}; allowed: {', '.join(fields)}")
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        raise bad(f"columns: required fields missing: {missing}")
    ids = form.item_ids()
    strange = [k for k in items if k not in ids]
    if strange:
        raise bad(f"items: {strange} are not items of form {form.name} ({', '.join(ids)})")
    unmapped = [k for k in ids if k not in items]
    if unmapped:
        raise bad(f"items: the form's items {unmapped} are not mapped")
    options = file_options(raw, path, bad)
    return Mapping(
        columns={str(k): _cell(v, f"columns.{k}", bad, constants=True) for k, v in columns.items()},
        items={str(k): _cell(v, f"items.{k}", bad, constants=False) for k, v in items.items()},
        source=str(raw.get("source", SOURCE)),
        time_zone=options.time_zone,
        delimiter=options.delimiter,
        encoding=options.encoding,
        timestamp_format=options.timestamp_format,
    )


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load evaluation exports through ``options.mapping``, scored on ``options.form``."""
    if options.form is None or options.mapping is None:
        missing = "form" if options.form is None else "mapping"
        raise ConfigError(
            "format qa_evaluations_csv needs {field} FILE.yaml (the "
            + ("QA form" if missing == "form" else "column mapping")
            + "; see docs/ingestion.md)",
            field=missing,
        )
    form = read_form(Path(options.form))
    mapping = read_mapping(Path(options.mapping), form)
    tz_name = options.source_tz or mapping.time_zone
    tz = zone(tz_name, FIELD, "source_tz") if tz_name else None
    stage = EvaluationStage(
        session,
        form,
        options.source or mapping.source,
        tz=tz,
        tz_name=tz_name,
        fmt=mapping.timestamp_format,
    )
    not_utf8 = LinePlaces()
    for path in files:
        _load_file(session, stage, path, mapping, options, not_utf8)
    encoding = "UTF-8" if mapping.encoding == "utf-8-sig" else mapping.encoding
    note = not_utf8_note(not_utf8, encoding)
    if note:
        session.account.notes.append(note)
    stage.finish()


def _load_file(
    session: LoadSession,
    stage: EvaluationStage,
    path: Path,
    mapping: Mapping,
    options: IngestOptions,
    not_utf8: LinePlaces,
) -> None:
    acc = session.account
    header: list[str] | None = None
    records = iter_records(
        path, delimiter=mapping.delimiter, encoding=mapping.encoding, progress=options.progress
    )
    for rec in records:
        acc.read += 1
        if rec.bad_utf8:
            not_utf8.add(path.name, rec.line_no)
        if rec.blank:
            acc.ignore(I_BLANK)
            continue
        if header is None:
            header = [h.strip() for h in rec.fields or []]
            named = [(f"columns.{k}", c.column) for k, c in mapping.columns.items()]
            named += [(f"items.{k}", c.column) for k, c in mapping.items.items()]
            for what, column in named:
                if column is not None and column not in header:
                    raise FormatError(
                        str(path),
                        rec.line_no,
                        f"column {column!r} named by the mapping ({what}) is not in the "
                        f"header; the header has: {', '.join(header)}",
                    )
            acc.ignore(I_HEADER)
            continue
        if rec.fields is None or len(rec.fields) != len(header):
            reason = rec.error or "number of fields differs from the header"
            acc.reject(path.name, rec.line_no, reason, reject_text(rec.text))
            continue
        row = dict(zip(header, rec.fields, strict=True))
        try:
            values = {k: c.read(row, k) for k, c in mapping.columns.items()}
            values.update({k: c.read(row, f"item {k}") for k, c in mapping.items.items()})
        except ValueError as exc:
            acc.reject(path.name, rec.line_no, str(exc), reject_text(rec.text))
            continue
        stage.add(values, path.name, rec.line_no, rec.text)
    if header is None:
        raise FormatError(str(path), None, "empty file: no header line")
