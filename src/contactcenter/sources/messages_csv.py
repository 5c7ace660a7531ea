"""Format ``messages_csv``: any CSV export of chat messages (Chatwoot, Intercom, ...) read
through a YAML column mapping.

The mapping (``--mapping FILE.yaml``) names the column of each messages field and how to
read it (docs/ingestion.md has the reference)::

    source: chatwoot            # source of the rows (default messages_csv; --source wins)
    channel: chat               # channel of every row (default chat), or columns.channel
    time_zone: Europe/Berlin    # zone of timestamps without one (default UTC; --source-tz)
    delimiter: ","              # default ","
    encoding: utf-8             # default utf-8 (a BOM is skipped)
    timestamp_format: "%d.%m.%Y %H:%M:%S"   # strptime format; default ISO 8601
    columns:
      conversation_id: conversation_id      # required
      message_id: id                        # required
      at: created_at                        # required
      direction: {column: message_type, values: {incoming: in, outgoing: out}}
      sender_kind: {column: sender_type,
                    values: {Contact: customer, User: agent, AgentBot: bot, System: system}}
      agent_id: sender_name
      private: {column: private, values: {"t": true, "f": false}}
      deleted: {column: status, values: {deleted: true, sent: false}, default: false}
      queue: inbox
      customer_id: contact_id
      priority: priority
      event:                                # optional: rows that are status changes
        column: event_type
        values: {resolved: resolved, reopened: reopened, assigned: assigned,
                 snoozed: pending, unsnoozed: resumed}

A field is a column name, ``{column: NAME}`` with optional ``values`` (cell text -> value;
a non-empty cell not in the map rejects the row) and ``default`` (for empty cells), or
``{value: CONSTANT}``. ``direction`` or ``sender_kind`` (or both) must be mapped; the
other is derived as in the ``messages`` format. A row whose ``event`` cell is one of the
event's ``values`` is a conversation event (its activity is the cell's text, its agent the
row's agent_id); every other row is a message, checked like a row of the ``messages``
format (:mod:`contactcenter.sources.messages_file`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from contactcenter.errors import FIELD, ConfigError, FormatError
from contactcenter.facts import CONVERSATION_CHANNELS, EVENT_KINDS
from contactcenter.sources._conversations import ConversationLoader, file_ranks, stage_schema
from contactcenter.sources._csv import iter_records
from contactcenter.sources._instants import in_range, range_reason
from contactcenter.sources._mapping_file import check_top, file_options, read_yaml, zone
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.sources.messages_file import MessageRows, checked_sql
from contactcenter.sources.ticket_events import parse_time
from contactcenter.store import LoadSession

SOURCE = "messages_csv"
FIELDS = (
    "conversation_id",
    "message_id",
    "at",
    "direction",
    "sender_kind",
    "agent_id",
    "private",
    "deleted",
    "channel",
    "queue",
    "customer_id",
    "priority",
    "event",
)
REQUIRED = ("conversation_id", "message_id", "at")
BATCH_ROWS = 50_000
TEXT_STAGE = "_mc_text"
_TOP_KEYS = {
    "version",
    "source",
    "channel",
    "time_zone",
    "delimiter",
    "encoding",
    "timestamp_format",
    "columns",
}
_SPEC_KEYS = {"column", "values", "default", "value"}

I_HEADER = "header"
I_BLANK = "blank line"
R_FIELDS = "number of fields differs from the header"


@dataclass(frozen=True)
class Spec:
    """How one field is read: a column (with values and a default) or a constant."""

    field: str
    column: str | None = None
    values: dict[str, str] | None = None
    default: str | None = None
    constant: str | None = None


@dataclass(frozen=True)
class MessageMapping:
    """A parsed ``messages_csv`` mapping (see the module docstring)."""

    fields: dict[str, Spec]
    source: str = SOURCE
    channel: str = "chat"
    time_zone: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    timestamp_format: str | None = None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_mapping(path: Path) -> MessageMapping:
    """Parse and check a mapping file; problems are ConfigErrors about ``mapping``."""

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
    if "direction" not in columns and "sender_kind" not in columns:
        missing.append("direction or sender_kind")
    if missing:
        raise bad(f"columns: required fields missing: {missing}")
    fields = {str(k): _spec(str(k), v, bad) for k, v in columns.items()}
    event = fields.get("event")
    if event is not None:
        if event.column is None or not event.values:
            raise bad("columns.event: give a column and its values (cell -> lifecycle event)")
        wrong = {k: v for k, v in event.values.items() if v not in EVENT_KINDS}
        if wrong:
            raise bad(
                f"columns.event.values: {wrong} are not lifecycle events; allowed: "
                f"{', '.join(EVENT_KINDS)}"
            )
    channel = str(raw.get("channel", "chat"))
    if channel not in CONVERSATION_CHANNELS:
        raise bad(f"channel: {channel!r}; allowed: {', '.join(CONVERSATION_CHANNELS)}")
    options = file_options(raw, path, bad)
    return MessageMapping(
        fields=fields,
        source=str(raw.get("source", SOURCE)),
        channel=channel,
        time_zone=options.time_zone,
        delimiter=options.delimiter,
        encoding=options.encoding,
        timestamp_format=options.timestamp_format,
    )


def _spec(name: str, raw: Any, bad: Any) -> Spec:
    where = f"columns.{name}"
    if isinstance(raw, str):
        return Spec(name, column=raw)
    if not isinstance(raw, dict):
        raise bad(f"{where}: give a column name or a mapping, got {raw!r}")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise bad(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_SPEC_KEYS)}")
    if "value" in raw:
        if len(raw) != 1:
            raise bad(f"{where}: 'value' (a constant) goes alone")
        return Spec(name, constant=_text(raw["value"]))
    column = raw.get("column")
    if not isinstance(column, str) or not column:
        raise bad(f"{where}.column: a column name, got {column!r}")
    values = raw.get("values")
    if values is not None:
        if not isinstance(values, dict):
            raise bad(f"{where}.values: a map from cell text to value")
        values = {str(k): str(_text(v)) for k, v in values.items()}
    return Spec(name, column=column, values=values, default=_text(raw.get("default")))


class _CellError(ValueError):
    pass


def _cell(spec: Spec, fields: list[str], position: dict[str, int]) -> str | None:
    if spec.constant is not None or spec.column is None:
        return spec.constant
    text = fields[position[spec.column]].strip()
    if not text:
        return spec.default
    if spec.values is not None and spec.field != "event":
        if text not in spec.values:
            raise _CellError(
                f"{spec.field}: column {spec.column} has a value that is not in the "
                "mapping's values"
            )
        return spec.values[text]
    return text


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load mapped message exports (see the module docstring)."""
    if options.mapping is None:
        raise ConfigError(
            "format messages_csv needs {field} FILE.yaml (a column mapping; see docs/ingestion.md)",
            field="mapping",
        )
    mapping = read_mapping(Path(options.mapping))
    tz_name = options.source_tz or mapping.time_zone
    tz: dt.tzinfo = zone(tz_name, FIELD, "source_tz") if tz_name else dt.UTC
    loader = ConversationLoader(session)
    rows = MessageRows(session, loader)
    ranks = file_ranks(files)
    not_utf8 = LinePlaces()
    for index, path in enumerate(files):
        _load_file(session, loader, rows, ranks[index], path, mapping, tz, tz_name, options,
                   not_utf8)  # fmt: skip
    note = not_utf8_note(not_utf8, mapping.encoding)
    if note:
        session.account.notes.append(note)
    loader.finish()


def _load_file(
    session: LoadSession,
    loader: ConversationLoader,
    rows: MessageRows,
    rank: int,
    path: Path,
    mapping: MessageMapping,
    tz: dt.tzinfo,
    tz_name: str | None,
    options: IngestOptions,
    not_utf8: LinePlaces,
) -> None:
    acc = session.account
    con = session.con
    source = options.source or mapping.source
    position: dict[str, int] | None = None
    width = 0
    text_cols = ("message_id", "conversation_id", "at", "direction", "sender_kind",
                 "agent_id", "private", "deleted", "channel", "queue", "customer_id",
                 "priority", "source_tz")  # fmt: skip
    out: dict[str, list[Any]] = {c: [] for c in (*text_cols, "_line", "_text")}
    event_names = [n for n in stage_schema("events").names if n != "_counted"]
    events: dict[str, list[Any]] = {n: [] for n in event_names}
    defs = ", ".join(f'"{c}" VARCHAR' for c in text_cols)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {TEXT_STAGE} ({defs}, _line BIGINT, _text VARCHAR)")

    def flush() -> None:
        if out["_line"]:
            batch = pa.table(
                {
                    c: pa.array(v, pa.int64() if c == "_line" else pa.string())
                    for c, v in out.items()
                }
            )
            con.register("_mc_batch", batch)
            try:
                con.execute(f"INSERT INTO {TEXT_STAGE} SELECT * FROM _mc_batch")
            finally:
                con.unregister("_mc_batch")
        for values in out.values():
            values.clear()

    for rec in iter_records(
        path,
        delimiter=mapping.delimiter,
        encoding=mapping.encoding,
        progress=options.progress,
        keep_cr=True,
    ):
        acc.read += 1
        if rec.bad_utf8:
            not_utf8.add(path.name, rec.line_no)
        if rec.blank:
            acc.ignore(I_BLANK)
            continue
        if position is None:
            position = _header(path, rec.line_no, rec.fields or [], mapping)
            width = len(rec.fields or [])
            acc.ignore(I_HEADER)
            continue
        if rec.fields is None or len(rec.fields) != width:
            acc.reject(path.name, rec.line_no, rec.error or R_FIELDS, reject_text(rec.text))
            continue
        try:
            values = {f: _cell(spec, rec.fields, position) for f, spec in mapping.fields.items()}
            when = values.get("at")
            if when is not None:
                at = parse_time(when, mapping.timestamp_format, tz)
                if at is None:
                    how = mapping.timestamp_format or "ISO 8601"
                    raise _CellError(f"at: column {mapping.fields['at'].column} is not a "
                                     f"timestamp ({how})")  # fmt: skip
                if not in_range(at):
                    raise _CellError(range_reason("at"))
                values["at"] = at.isoformat()
        except _CellError as exc:
            acc.reject(path.name, rec.line_no, str(exc), reject_text(rec.text))
            continue
        values.setdefault("channel", mapping.channel)
        if values.get("channel") is None:
            values["channel"] = mapping.channel
        event = mapping.fields.get("event")
        cell = values.pop("event", None)
        if event is not None and event.values and cell in event.values:
            problem = _event_problem(values)
            if problem:
                acc.reject(path.name, rec.line_no, problem, reject_text(rec.text))
                continue
            acc.used += 1
            _add_event(events, values, event.values[cell], cell, source, tz_name, path,
                       rec.line_no, rank, rec.text)  # fmt: skip
            continue
        for c in text_cols:
            out[c].append(tz_name if c == "source_tz" else values.get(c))
        out["_line"].append(rec.line_no)
        out["_text"].append(reject_text(rec.text))
        if len(out["_line"]) >= BATCH_ROWS:
            flush()
    if position is None:
        raise FormatError(str(path), None, "empty file: no header line")
    flush()
    rows.add_checked(
        checked_sql(
            TEXT_STAGE,
            dict.fromkeys(text_cols, "VARCHAR"),
            file_name=path.name,
            line="_line",
            text="_text",
            rank=rank,
            default_source=source,
            source_override=source,
        )
    )
    con.execute(f"DROP TABLE {TEXT_STAGE}")
    if events["_text"]:
        schema = pa.schema([f for f in stage_schema("events") if f.name != "_counted"])
        loader.add("events", pa.table(events, schema=schema))


def _event_problem(values: dict[str, Any]) -> str | None:
    if not values.get("conversation_id"):
        return "conversation_id is empty (an event belongs to a conversation)"
    if not values.get("at"):
        return "at is empty"
    if values.get("channel") not in CONVERSATION_CHANNELS:
        return f"channel must be one of {', '.join(CONVERSATION_CHANNELS)}"
    return None


def _add_event(
    events: dict[str, list[Any]],
    values: dict[str, Any],
    kind: str,
    activity: str,
    source: str,
    tz_name: str | None,
    path: Path,
    line_no: int,
    rank: int,
    text: str,
) -> None:
    row = {
        "source": source,
        "conversation_id": values["conversation_id"],
        "at": dt.datetime.fromisoformat(values["at"]),
        "kind": kind,
        "activity": activity,
        "agent_id": values.get("agent_id"),
        "channel": values["channel"],
        "queue": values.get("queue"),
        "customer_id": values.get("customer_id"),
        "priority": values.get("priority"),
        "source_tz": tz_name,
        "source_file": path.name,
        "source_line": line_no,
        "_rank": rank,
        "_text": reject_text(text),
    }
    for name, value in row.items():
        events[name].append(value)


def _header(path: Path, line_no: int, header: list[str], mapping: MessageMapping) -> dict[str, int]:
    names = [h.strip() for h in header]
    where = {h: i for i, h in enumerate(names)}
    for spec in mapping.fields.values():
        if spec.column is not None and spec.column not in where:
            raise FormatError(
                str(path),
                line_no,
                f"column {spec.column!r} named by the mapping (columns.{spec.field}) is not in "
                f"the header; the header has: {', '.join(names)[:300]}",
            )
    return where
