"""Format ``surveys_csv``: a survey tool's CSV export read through a YAML mapping.

Two layouts. **One answer per row** maps ``kind``, ``score``, ``scale_min`` and
``scale_max`` like any field::

    source: feedback_tool          # default "surveys_csv"; --source wins
    time_zone: Europe/Vilnius      # zone of timestamps without one (default UTC)
    delimiter: ";"                 # default ","
    encoding: utf-8                # default utf-8 (a BOM is skipped)
    decimal: ","                   # decimal mark of scores (default ".")
    timestamp_format: "%d.%m.%Y %H:%M"   # strptime format; default ISO 8601
    columns:
      survey_id: Response ID
      contact_id: Call ID
      agent_id: Agent
      answered_at: Submitted
      kind: {column: Question, values: {Satisfaction: csat, Recommend: nps}}
      score: Answer
      scale_min: {value: 1}
      scale_max: {column: Scale max}

**One response per row** (one column per question, the usual export of a survey tool)
lists the questions under ``answers``; each non-empty cell is one answer::

    columns:
      survey_id: Response ID
      contact_id: Call ID
      answered_at: Submitted
    answers:
      - {kind: csat, column: "How satisfied were you?", scale: [1, 5]}
      - {kind: nps, column: "Would you recommend us?", scale: [0, 10]}
      - {kind: agent_rating, column: "Rate the agent", scale: [1, 5]}

Field specs: a column name; ``{column: NAME}`` or ``{columns: [A, B], join: SEP}`` with
optional ``values`` (cell text -> value; a non-empty cell not in the map is rejected),
``default`` (for an empty cell) and ``format`` (``answered_at``); or ``{value: C}``.
Fields: every canonical survey column but ``source_tz``/``source_file``/``source_line``
(``source`` too, which is the mapping's). ``survey_id`` and ``answered_at`` are required,
and ``kind``, ``score``, ``scale_min``, ``scale_max`` unless ``answers`` is given (then
they are not mapped).

Every line is accounted for: header and blank lines ignored; a line with a cell that
cannot be read, or an answer outside its scale, is rejected with its line number and the
reason; a line of the second layout with no answer at all is ignored (``no answer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from contactcenter.errors import FIELD, ConfigError, FormatError
from contactcenter.facts import SURVEY_KINDS
from contactcenter.sources._csv import iter_records
from contactcenter.sources._mapping_file import check_top, file_options, read_yaml, zone
from contactcenter.sources._surveys_stage import (
    COLUMNS,
    RowError,
    SurveyStage,
    survey_row,
    text,
)
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "surveys_csv"
FIELDS = tuple(c for c in COLUMNS if c != "source")
ANSWER_FIELDS = ("kind", "score", "scale_min", "scale_max")
_TOP_KEYS = {
    "version",
    "source",
    "time_zone",
    "delimiter",
    "encoding",
    "timestamp_format",
    "decimal",
    "columns",
    "answers",
}
_SPEC_KEYS = {"column", "columns", "join", "format", "values", "default", "value"}
I_HEADER = "header"
I_BLANK = "blank line"
I_NO_ANSWER = "no answer"


@dataclass(frozen=True)
class FieldSpec:
    """How one field is read from a row."""

    field: str
    columns: tuple[str, ...] = ()
    join: str = " "
    format: str | None = None
    values: dict[str, str | None] | None = None
    default: str | None = None
    constant: str | None = None

    def cell(self, row: dict[str, str]) -> str | None:
        """The field's text in ``row`` (RowError for a value not in ``values``)."""
        if self.constant is not None or not self.columns:
            return self.constant
        parts = [row[c].strip() for c in self.columns]
        joined = self.join.join(parts).strip()
        if not any(parts):
            return self.default
        if self.values is not None:
            if joined not in self.values:
                raise RowError(
                    f"{self.field}: column {'+'.join(self.columns)} has a value that is not "
                    "in the mapping's values"
                )
            return self.values[joined]
        return joined


@dataclass(frozen=True)
class Answer:
    """One question of a one-response-per-row export."""

    kind: str
    column: str
    scale: tuple[int, int]


@dataclass(frozen=True)
class Mapping:
    """A parsed survey mapping (see the module docstring)."""

    fields: dict[str, FieldSpec]
    answers: tuple[Answer, ...] = ()
    source: str = SOURCE
    time_zone: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    timestamp_format: str | None = None
    decimal: str = "."

    def columns(self) -> list[tuple[str, str]]:
        """(what, column) of every column the mapping names."""
        out = [(f"columns.{s.field}", c) for s in self.fields.values() for c in s.columns]
        out += [(f"answers.{a.kind}", a.column) for a in self.answers]
        return out


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _spec(name: str, raw: Any, bad: Any) -> FieldSpec:
    where = f"columns.{name}"
    if isinstance(raw, str):
        return FieldSpec(name, columns=(raw,))
    if not isinstance(raw, dict):
        raise bad(f"{where}: give a column name or a mapping, got {raw!r}")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise bad(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_SPEC_KEYS)}")
    if "value" in raw:
        if len(raw) != 1:
            raise bad(f"{where}: 'value' (a constant) goes alone")
        return FieldSpec(name, constant=_scalar(raw["value"]))
    if ("column" in raw) == ("columns" in raw):
        raise bad(f"{where}: give exactly one of 'column', 'columns' or 'value'")
    if "column" in raw:
        if not isinstance(raw["column"], str):
            raise bad(f"{where}.column: a column name, got {raw['column']!r}")
        cols: tuple[str, ...] = (raw["column"],)
    else:
        names = raw["columns"]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise bad(f"{where}.columns: a non-empty list of column names")
        cols = tuple(names)
    if "format" in raw and name != "answered_at":
        raise bad(f"{where}.format: only for answered_at")
    values = raw.get("values")
    if values is not None:
        if not isinstance(values, dict):
            raise bad(f"{where}.values: a map from cell text to value")
        values = {str(k): _scalar(v) for k, v in values.items()}
    return FieldSpec(
        name,
        columns=cols,
        join=str(raw.get("join", " ")),
        format=_scalar(raw.get("format")),
        values=values,
        default=_scalar(raw.get("default")),
    )


def _answers(raw: Any, bad: Any) -> tuple[Answer, ...]:
    if not isinstance(raw, list) or not raw:
        raise bad("answers: a non-empty list of {kind, column, scale: [min, max]}")
    out = []
    for i, item in enumerate(raw):
        where = f"answers[{i}]"
        if not isinstance(item, dict) or set(item) != {"kind", "column", "scale"}:
            raise bad(f"{where}: give exactly kind, column and scale: [min, max]")
        if item["kind"] not in SURVEY_KINDS:
            raise bad(f"{where}.kind: {item['kind']!r} is not one of {', '.join(SURVEY_KINDS)}")
        scale = item["scale"]
        if (
            not isinstance(scale, list)
            or len(scale) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in scale)
            or scale[0] >= scale[1]
        ):
            raise bad(f"{where}.scale: two whole numbers [min, max] with min < max")
        if not isinstance(item["column"], str):
            raise bad(f"{where}.column: a column name")
        out.append(Answer(item["kind"], item["column"], (scale[0], scale[1])))
    kinds = [a.kind for a in out if a.kind != "custom"]
    if len(set(kinds)) != len(kinds):
        raise bad("answers: a kind other than custom is listed twice")
    if [a for a in out if a.kind == "custom"][1:]:
        raise bad("answers: at most one custom question (one answer per kind and survey)")
    return tuple(out)


def read_mapping(path: Path) -> Mapping:
    """Parse and check a survey mapping; every problem is a ConfigError about the field
    ``mapping`` naming the file and the key."""

    def bad(message: str) -> ConfigError:
        return ConfigError(f"{FIELD} {path}: {message}", field="mapping")

    raw = check_top(read_yaml(path, bad), _TOP_KEYS, bad, shape="a mapping with 'columns'")
    columns = raw.get("columns")
    if not isinstance(columns, dict):
        raise bad("'columns' must map fields to columns")
    unknown_fields = [k for k in columns if k not in FIELDS]
    if unknown_fields:
        raise bad(f"columns: unknown fields {unknown_fields}; allowed: {', '.join(FIELDS)}")
    answers: tuple[Answer, ...] = ()
    required = ["survey_id", "answered_at"]
    if "answers" in raw:
        answers = _answers(raw["answers"], bad)
        both = [k for k in ANSWER_FIELDS if k in columns]
        if both:
            raise bad(f"columns: {both} come from 'answers' in this layout; remove them")
    else:
        required += list(ANSWER_FIELDS)
    missing = [k for k in required if k not in columns]
    if missing:
        raise bad(f"columns: required fields missing: {missing}")
    fields = {k: _spec(str(k), v, bad) for k, v in columns.items()}
    options = file_options(raw, path, bad)
    decimal = str(raw.get("decimal", "."))
    if decimal not in (".", ","):
        raise bad(f"decimal must be '.' or ',', got {decimal!r}")
    if decimal == options.delimiter:
        raise bad("decimal and delimiter must differ")
    return Mapping(
        fields=fields,
        answers=answers,
        source=str(raw.get("source", SOURCE)),
        time_zone=options.time_zone,
        delimiter=options.delimiter,
        encoding=options.encoding,
        timestamp_format=options.timestamp_format,
        decimal=decimal,
    )


def _answers_of(mapping: Mapping, row: dict[str, str], tz: ZoneInfo | None) -> list[dict[str, Any]]:
    """The checked answers of one CSV row (RowError names the first problem)."""
    base = {f: spec.cell(row) for f, spec in mapping.fields.items()}
    fmt = mapping.fields["answered_at"].format or mapping.timestamp_format
    if not mapping.answers:
        return [survey_row(base, tz=tz, fmt=fmt, decimal=mapping.decimal)]
    out = []
    for answer in mapping.answers:
        cell = text(row[answer.column])
        if cell is None:
            continue
        values: dict[str, Any] = dict(base)
        values.update(
            kind=answer.kind, score=cell, scale_min=answer.scale[0], scale_max=answer.scale[1]
        )
        try:
            out.append(survey_row(values, tz=tz, fmt=fmt, decimal=mapping.decimal))
        except RowError as exc:
            if not str(exc).startswith("score"):
                raise
            raise RowError(f"{exc} (column {answer.column})") from None
    return out


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load survey exports through the mapping given by ``options.mapping``."""
    if options.mapping is None:
        raise ConfigError(
            "format surveys_csv needs {field} FILE.yaml (a column mapping; see docs/ingestion.md)",
            field="mapping",
        )
    mapping = read_mapping(Path(options.mapping))
    tz_name = options.source_tz or mapping.time_zone
    tz = zone(tz_name, FIELD, "source_tz") if tz_name else None
    stage = SurveyStage(session, default_source=mapping.source, source_override=options.source)
    not_utf8 = LinePlaces()
    for path in files:
        _load_file(session, stage, path, mapping, tz, tz_name, options, not_utf8)
    encoding = "UTF-8" if mapping.encoding == "utf-8-sig" else mapping.encoding
    note = not_utf8_note(not_utf8, encoding)
    if note:
        session.account.notes.append(note)
    stage.finish()


def _load_file(
    session: LoadSession,
    stage: SurveyStage,
    path: Path,
    mapping: Mapping,
    tz: ZoneInfo | None,
    tz_name: str | None,
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
            for what, column in mapping.columns():
                if column not in header:
                    raise FormatError(
                        str(path),
                        rec.line_no,
                        f"column {column!r} named by the mapping ({what}) is not in the "
                        f"header; the header has: {', '.join(header)}",
                    )
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
        try:
            answers = _answers_of(mapping, dict(zip(header, rec.fields, strict=True)), tz)
        except RowError as exc:
            acc.reject(path.name, rec.line_no, str(exc), reject_text(rec.text))
            continue
        if not answers:
            acc.ignore(I_NO_ANSWER)
            continue
        for answer in answers:
            stage.add(
                answer,
                source=None,
                file=path.name,
                line=rec.line_no,
                line_text=rec.text,
                source_tz=tz_name,
            )
    if header is None:
        raise FormatError(str(path), None, "empty file: no header line")
