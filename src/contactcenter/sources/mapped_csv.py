"""Format ``csv``: any per-contact CSV export, read through a YAML column mapping.

The mapping (``--mapping FILE.yaml``) says which column holds which canonical field and
how to read it. Example (docs/ingestion.md has the full reference)::

    source: crm_export            # source name of the rows (default "csv"; --source wins)
    time_zone: Europe/London      # zone of timestamps without one (default UTC;
                                  # --source-tz wins); stored as source_tz
    delimiter: ";"                # default ","
    encoding: utf-8               # default utf-8 (a BOM is skipped)
    decimal: ","                  # decimal mark of durations (default ".")
    timestamp_format: "%d/%m/%Y %H:%M:%S"   # strptime format; default ISO 8601
    columns:
      contact_id: Call ID                    # the column named "Call ID"
      queue: Queue
      offered_at: {columns: [Date, Time], join: " "}   # joined, then parsed
      answered_at: {column: Answered, format: "%H:%M:%S %d.%m.%Y"}
      wait_s: {column: Wait, unit: ms}        # s (default), ms, min, h, hms (H:MM:SS)
      talk_s: {column: Talk, unit: hms}
      agent_id: Agent
      outcome:
        column: Result
        values: {ANSWERED: answered, ABANDON: abandoned, TIMEOUT: timed_out}
      transferred: {column: Xfer, values: {"Y": true, "N": false}}
      channel: {value: voice}                # a constant

Field specs: a column name; ``{column: NAME}`` or ``{columns: [A, B], join: SEP}``, with
optional ``format`` (timestamps), ``unit`` (durations), ``values`` (a map from the cell's
text to the canonical value; a non-empty cell not in the map is rejected) and ``default``
(used when the cell is empty); or ``{value: CONSTANT}``. Fields: every canonical contacts
column except source_tz/source_file/source_line (set by the loader). ``contact_id``,
``offered_at`` and ``outcome`` are required. When ``wait_s`` is not mapped it is computed:
answered_at - offered_at for answered contacts, ended_at - offered_at for abandoned and
timed-out ones.

Every line is accounted for: header and blank lines are ignored; a row whose cell cannot
be read as its mapping says is rejected with the line number and the reason naming the
field and column; the rows then pass the checks of
:mod:`contactcenter.sources._contacts_stage`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from contactcenter.errors import FIELD, ConfigError, FormatError
from contactcenter.sources._contacts_stage import COLUMNS, ContactsStage
from contactcenter.sources._csv import iter_records
from contactcenter.sources._instants import in_range, range_reason
from contactcenter.sources._mapping_file import check_top, file_options, read_yaml
from contactcenter.sources._mapping_file import zone as _zone
from contactcenter.sources._text import LinePlaces, not_utf8_note
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "csv"
BATCH_ROWS = 50_000
FIELDS = tuple(c for c in COLUMNS if c not in ("source_tz", "source_file", "source_line"))
REQUIRED = ("contact_id", "offered_at", "outcome")
TIMESTAMP_FIELDS = ("offered_at", "answered_at", "ended_at")
DURATION_FIELDS = ("wait_s", "talk_s", "hold_s", "acw_s")
UNITS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0, "hms": 1.0}
_TOP_KEYS = {
    "version",
    "source",
    "time_zone",
    "delimiter",
    "encoding",
    "timestamp_format",
    "decimal",
    "columns",
}
_SPEC_KEYS = {"column", "columns", "join", "format", "unit", "values", "default", "value"}
_HMS = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$")

I_HEADER = "header"
I_BLANK = "blank line"


@dataclass(frozen=True)
class FieldSpec:
    """How one canonical field is read from a row."""

    field: str
    columns: tuple[str, ...] = ()
    join: str = " "
    format: str | None = None
    unit: str = "s"
    values: dict[str, str] | None = None
    default: str | None = None
    constant: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A parsed column mapping (see the module docstring)."""

    fields: dict[str, FieldSpec]
    source: str = SOURCE
    time_zone: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    timestamp_format: str | None = None
    decimal: str = "."


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _spec(field: str, raw: Any, where: str) -> FieldSpec:
    """The spec of ``field``; ``where`` (with the ``{field}`` placeholder) names it in errors,
    which are about the ``mapping`` parameter."""

    def bad(message: str) -> ConfigError:
        return ConfigError(message, field="mapping")

    if isinstance(raw, str):
        return FieldSpec(field, columns=(raw,))
    if not isinstance(raw, dict):
        raise bad(f"{where}: give a column name or a mapping, got {raw!r}")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise bad(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_SPEC_KEYS)}")
    if "value" in raw:
        if len(raw) != 1:
            raise bad(f"{where}: 'value' (a constant) goes alone")
        return FieldSpec(field, constant=_text(raw["value"]))
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
    unit = str(raw.get("unit", "s"))
    if unit not in UNITS:
        raise bad(f"{where}.unit: unknown unit {unit!r}; allowed: {', '.join(UNITS)}")
    if "unit" in raw and field not in DURATION_FIELDS:
        raise bad(f"{where}.unit: only for {', '.join(DURATION_FIELDS)}")
    if "format" in raw and field not in TIMESTAMP_FIELDS:
        raise bad(f"{where}.format: only for {', '.join(TIMESTAMP_FIELDS)}")
    values = raw.get("values")
    if values is not None:
        if not isinstance(values, dict):
            raise bad(f"{where}.values: a map from cell text to value")
        values = {str(k): _text(v) for k, v in values.items()}
    return FieldSpec(
        field,
        columns=cols,
        join=str(raw.get("join", " ")),
        format=_text(raw.get("format")),
        unit=unit,
        values=values,
        default=_text(raw.get("default")),
    )


def read_mapping(path: Path) -> Mapping:
    """Parse and check a mapping file; every problem is a ConfigError about the field
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
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        raise bad(f"columns: required fields missing: {missing}")
    fields = {k: _spec(k, v, f"{FIELD} {path}: columns.{k}") for k, v in columns.items()}
    options = file_options(raw, path, bad)
    decimal = str(raw.get("decimal", "."))
    if decimal not in (".", ","):
        raise bad(f"decimal must be '.' or ',', got {decimal!r}")
    return Mapping(
        fields=fields,
        source=str(raw.get("source", SOURCE)),
        time_zone=options.time_zone,
        delimiter=options.delimiter,
        encoding=options.encoding,
        timestamp_format=options.timestamp_format,
        decimal=decimal,
    )


class _CellError(ValueError):
    pass


class _RowReader:
    def __init__(self, mapping: Mapping, index: dict[str, int], tz: ZoneInfo | None) -> None:
        self.m = mapping
        self.index = index
        self.tz = tz

    def cell(self, spec: FieldSpec, row: list[str]) -> str | None:
        if spec.constant is not None or not spec.columns:
            return spec.constant
        parts = [row[self.index[c]] for c in spec.columns]
        text = spec.join.join(p.strip() for p in parts).strip()
        if not text or all(not p.strip() for p in parts):
            return spec.default
        if spec.values is not None:
            if text not in spec.values:
                raise _CellError(
                    f"{spec.field}: column {'+'.join(spec.columns)} has a value that is not "
                    "in the mapping's values"
                )
            return spec.values[text]
        if spec.field in TIMESTAMP_FIELDS:
            return self.timestamp(spec, text)
        if spec.field in DURATION_FIELDS:
            return self.duration(spec, text)
        return text

    def timestamp(self, spec: FieldSpec, text: str) -> str:
        fmt = spec.format or self.m.timestamp_format
        try:
            if fmt:
                t = dt.datetime.strptime(text, fmt)
            else:
                t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            how = f"format {fmt!r}" if fmt else "ISO 8601"
            raise _CellError(
                f"{spec.field}: column {'+'.join(spec.columns)} is not a timestamp ({how})"
            ) from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=self.tz or dt.UTC)
        try:
            utc = t.astimezone(dt.UTC)
        except OverflowError:  # year 1 east of UTC, year 9999 west of it
            raise _CellError(range_reason(spec.field)) from None
        if not in_range(utc):
            raise _CellError(range_reason(spec.field))
        return utc.isoformat()

    def duration(self, spec: FieldSpec, text: str) -> str:
        where = f"{spec.field}: column {'+'.join(spec.columns)}"
        if spec.unit == "hms":
            m = _HMS.match(text)
            if not m:
                raise _CellError(f"{where} is not a duration H:MM:SS")
            h, mi, s = m.groups()
            return repr(int(h or 0) * 3600 + int(mi) * 60 + float(s))
        if self.m.decimal != ".":
            text = text.replace(self.m.decimal, ".")
        try:
            value = float(text)
        except ValueError:
            raise _CellError(f"{where} is not a number") from None
        return repr(value * UNITS[spec.unit])


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load per-contact CSV files through the mapping given by ``options.mapping``."""
    if options.mapping is None:
        raise ConfigError(
            "format csv needs {field} FILE.yaml (a column mapping; see docs/ingestion.md)",
            field="mapping",
        )
    mapping = read_mapping(Path(options.mapping))
    tz_name = options.source_tz or mapping.time_zone
    tz = _zone(tz_name, FIELD, "source_tz") if tz_name else None
    stage = ContactsStage(
        session,
        files,
        default_source=mapping.source,
        source_override=options.source,
        derive_wait="wait_s" not in mapping.fields,
    )
    staged = 0
    not_utf8 = LinePlaces()
    for index, path in enumerate(files):
        staged += _load_file(session, stage, index, path, mapping, tz, tz_name, options, not_utf8)
    encoding = "UTF-8" if mapping.encoding == "utf-8-sig" else mapping.encoding
    note = not_utf8_note(not_utf8, encoding)
    if note:
        session.account.notes.append(note)
    stage.finish(rows_read=staged)


def _load_file(
    session: LoadSession,
    stage: ContactsStage,
    index: int,
    path: Path,
    mapping: Mapping,
    tz: ZoneInfo | None,
    tz_name: str | None,
    options: IngestOptions,
    not_utf8: LinePlaces,
) -> int:
    acc = session.account
    reader: _RowReader | None = None
    width = 0
    out: dict[str, list[str | None]] = {f: [] for f in (*mapping.fields, "source_tz")}
    lines: list[int] = []
    texts: list[str] = []
    staged = 0
    records = iter_records(
        path, delimiter=mapping.delimiter, encoding=mapping.encoding, progress=options.progress
    )
    for rec in records:
        acc.read += 1
        if rec.bad_utf8:
            not_utf8.add(path.name, rec.line_no)
        if rec.fields is not None and rec.blank:
            acc.ignore(I_BLANK)
            continue
        if reader is None:
            header = [h.strip() for h in rec.fields or []]
            position = {h: i for i, h in enumerate(header)}
            for spec in mapping.fields.values():
                for c in spec.columns:
                    if c not in position:
                        raise FormatError(
                            str(path),
                            rec.line_no,
                            f"column {c!r} named by the mapping (columns.{spec.field}) is not "
                            f"in the header; the header has: {', '.join(header)}",
                        )
            reader = _RowReader(mapping, position, tz)
            width = len(header)
            acc.ignore(I_HEADER)
            continue
        if rec.fields is None:
            acc.reject(path.name, rec.line_no, rec.error or "unreadable", rec.text)
            continue
        if len(rec.fields) != width:
            acc.reject(path.name, rec.line_no, "number of fields differs from the header", rec.text)
            continue
        try:
            values = {f: reader.cell(spec, rec.fields) for f, spec in mapping.fields.items()}
        except _CellError as exc:
            acc.reject(path.name, rec.line_no, str(exc), rec.text)
            continue
        for f, v in values.items():
            out[f].append(v)
        out["source_tz"].append(tz_name)
        lines.append(rec.line_no)
        texts.append(rec.text)
        staged += 1
        if len(lines) >= BATCH_ROWS:
            stage.add(index, path, out, lines, texts)
            for column in out.values():
                column.clear()
            lines.clear()
            texts.clear()
    if reader is None:
        raise FormatError(str(path), None, "empty file: no header line")
    stage.add(index, path, out, lines, texts)
    return staged
