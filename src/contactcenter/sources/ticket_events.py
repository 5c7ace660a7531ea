"""Format ``ticket_events``: a ticket event log, one row per event, read through a YAML
mapping of columns and of activities to lifecycle events.

The default columns are the XES names process-mining exports use (``case:concept:name``,
``concept:name``, ``time:timestamp``, ``org:resource``), so for such an export the mapping
needs only the activities. The mapping for the Helpdesk log
(../shared/data/helpdesk-ticket-eventlog/helpdesk.csv; shipped as
``data/mappings/helpdesk.yaml``)::

    channel: ticket
    activities:              # activity -> lifecycle event; activities not listed are updates
      Take in charge ticket: responded
      Resolve ticket: resolved
      Closed: closed
      Wait: pending

Every key (docs/ingestion.md has the reference)::

    version: 1
    source: helpdesk          # source of the rows (default ticket_events; --source wins)
    channel: ticket           # channel of every ticket (default ticket), or a column below
    time_zone: Europe/Rome    # zone of timestamps without one (default UTC; --source-tz wins)
    delimiter: ","            # default ","
    encoding: utf-8           # default utf-8 (a BOM is skipped)
    timestamp_format: "%d/%m/%Y %H:%M:%S"   # strptime format; default ISO 8601
    columns:                  # field -> column; the defaults are the XES names
      case: case:concept:name
      activity: concept:name
      timestamp: time:timestamp
      resource: org:resource  # optional (absent: events have no agent)
      queue: Group            # optional, as are priority, customer and channel
    activities:
      Spam: ignore            # rows of this activity are ignored with a reason

Lifecycle events: created, assigned, responded, pending, resumed, resolved, reopened,
closed; an activity not listed is an ``updated`` event (it ends a pending period), unless
its name is one of those words. Rows: header and blank lines ignored; a row with another
number of fields than the header, an empty case or activity, or a timestamp that cannot
be read is rejected with its line number; a row that repeats an earlier one (same case,
activity, resource and timestamp) is ignored as ``duplicate row``. The conversations are
then derived by :mod:`contactcenter.sources._conversations`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
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
from contactcenter.store import LoadSession

SOURCE = "ticket_events"
"""Source of the rows when neither the mapping nor --source names one."""

DEFAULT_COLUMNS: dict[str, str] = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
}
"""The XES column names a process-mining export uses."""

OPTIONAL_FIELDS = ("resource", "queue", "priority", "customer", "channel")
FIELDS = ("case", "activity", "timestamp", *OPTIONAL_FIELDS)
IGNORE = "ignore"
UPDATED = "updated"
BATCH_ROWS = 50_000

_TOP_KEYS = {
    "version",
    "source",
    "channel",
    "time_zone",
    "delimiter",
    "encoding",
    "timestamp_format",
    "columns",
    "activities",
}

I_HEADER = "header"
I_BLANK = "blank line"
R_FIELDS = "number of fields differs from the header"


@dataclass(frozen=True)
class EventMapping:
    """A parsed ``ticket_events`` mapping (see the module docstring)."""

    columns: dict[str, str]
    activities: dict[str, str] = field(default_factory=dict)
    source: str = SOURCE
    channel: str = "ticket"
    time_zone: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    timestamp_format: str | None = None

    def kind(self, activity: str) -> str:
        """The lifecycle event of ``activity`` (``ignore`` for ignored ones)."""
        mapped = self.activities.get(activity)
        if mapped is not None:
            return mapped
        return activity if activity in EVENT_KINDS else UPDATED


def read_mapping(path: Path | None) -> EventMapping:
    """Parse and check a mapping file (None: the XES defaults, no activities mapped);
    every problem is a ConfigError about ``mapping`` naming the file and the key."""
    if path is None:
        return EventMapping(columns=dict(DEFAULT_COLUMNS))

    def bad(message: str) -> ConfigError:
        return ConfigError(f"{FIELD} {path}: {message}", field="mapping")

    given_top = read_yaml(path, bad)
    raw = check_top(
        {} if given_top is None else given_top,
        _TOP_KEYS,
        bad,
        shape="a mapping (activities, columns, ...)",
    )
    columns = dict(DEFAULT_COLUMNS)
    given = raw.get("columns") or {}
    if not isinstance(given, dict):
        raise bad("'columns' must map fields to column names")
    for key, value in given.items():
        if key not in FIELDS:
            raise bad(f"columns: unknown field {key!r}; allowed: {', '.join(FIELDS)}")
        if not isinstance(value, str) or not value:
            raise bad(f"columns.{key}: a column name, got {value!r}")
        columns[str(key)] = value
    activities: dict[str, str] = {}
    given_activities = raw.get("activities") or {}
    if not isinstance(given_activities, dict):
        raise bad("'activities' must map activity names to lifecycle events")
    allowed = (*EVENT_KINDS, IGNORE)
    for name, kind in given_activities.items():
        if kind not in allowed:
            raise bad(
                f"activities.{name}: {kind!r} is not a lifecycle event; allowed: "
                f"{', '.join(allowed)}"
            )
        activities[str(name)] = str(kind)
    channel = str(raw.get("channel", "ticket"))
    if channel not in CONVERSATION_CHANNELS:
        raise bad(f"channel: {channel!r}; allowed: {', '.join(CONVERSATION_CHANNELS)}")
    options = file_options(raw, path, bad)
    return EventMapping(
        columns=columns,
        activities=activities,
        source=str(raw.get("source", SOURCE)),
        channel=channel,
        time_zone=options.time_zone,
        delimiter=options.delimiter,
        encoding=options.encoding,
        timestamp_format=options.timestamp_format,
    )


def parse_time(text: str, fmt: str | None, tz: dt.tzinfo) -> dt.datetime | None:
    """A timestamp cell as a UTC instant (naive ones in ``tz``), or None if unreadable."""
    try:
        if fmt:
            t = dt.datetime.strptime(text, fmt)
        else:
            t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    try:
        return t.astimezone(dt.UTC)
    except (OverflowError, ValueError):  # year 1 east of UTC, year 9999 west of it
        return None


class _Batch:
    """Event rows of one file collected for the loader."""

    def __init__(self) -> None:
        names = [n for n in stage_schema("events").names if n != "_counted"]
        self.cols: dict[str, list[Any]] = {n: [] for n in names}

    def __len__(self) -> int:
        return len(self.cols["_text"])

    def table(self) -> pa.Table:
        schema = stage_schema("events")
        return pa.table({n: pa.array(v, schema.field(n).type) for n, v in self.cols.items()})

    def clear(self) -> None:
        for values in self.cols.values():
            values.clear()


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load ticket event logs through the mapping (see the module docstring)."""
    mapping = read_mapping(None if options.mapping is None else Path(options.mapping))
    tz_name = options.source_tz or mapping.time_zone
    tz: dt.tzinfo = zone(tz_name, FIELD, "source_tz") if tz_name else dt.UTC
    source = options.source or mapping.source
    loader = ConversationLoader(session)
    ranks = file_ranks(files)
    updates: Counter[str] = Counter()
    not_utf8 = LinePlaces()
    for index, path in enumerate(files):
        _load_file(
            session, loader, ranks[index], path, mapping, source, tz, tz_name, options,
            updates, not_utf8,
        )  # fmt: skip
    note = not_utf8_note(not_utf8, mapping.encoding)
    if note:
        session.account.notes.append(note)
    if updates:
        session.account.notes.append(
            "activities not in the mapping, stored as updates (they end a pending period): "
            + ", ".join(f"{name} {n:,}" for name, n in updates.most_common())
        )
    loader.finish()


def _load_file(
    session: LoadSession,
    loader: ConversationLoader,
    rank: int,
    path: Path,
    mapping: EventMapping,
    source: str,
    tz: dt.tzinfo,
    tz_name: str | None,
    options: IngestOptions,
    updates: Counter[str],
    not_utf8: LinePlaces,
) -> None:
    acc = session.account
    position: dict[str, int] | None = None
    width = 0
    batch = _Batch()
    rows = batch.cols
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
        if rec.fields is None:
            acc.reject(path.name, rec.line_no, rec.error or "unreadable", reject_text(rec.text))
            continue
        if len(rec.fields) != width:
            acc.reject(path.name, rec.line_no, R_FIELDS, reject_text(rec.text))
            continue
        values, problem = _read_row(rec.fields, position, mapping, tz)
        if problem is not None:
            acc.reject(path.name, rec.line_no, problem, reject_text(rec.text))
            continue
        activity = values["activity"]
        assert isinstance(activity, str)
        kind = mapping.kind(activity)
        if kind == IGNORE:
            acc.ignore(f"activity {activity} ignored by the mapping")
            continue
        if kind == UPDATED and activity not in mapping.activities:
            updates[activity] += 1
        acc.used += 1
        rows["source"].append(source)
        rows["conversation_id"].append(values["case"])
        rows["at"].append(values["timestamp"])
        rows["kind"].append(kind)
        rows["activity"].append(activity)
        rows["agent_id"].append(values["resource"])
        rows["channel"].append(values["channel"])
        rows["queue"].append(values["queue"])
        rows["customer_id"].append(values["customer"])
        rows["priority"].append(values["priority"])
        rows["source_tz"].append(tz_name)
        rows["source_file"].append(path.name)
        rows["source_line"].append(rec.line_no)
        rows["_rank"].append(rank)
        rows["_text"].append(reject_text(rec.text))
        if len(batch) >= BATCH_ROWS:
            loader.add("events", batch.table())
            batch.clear()
    if position is None:
        raise FormatError(str(path), None, "empty file: no header line")
    loader.add("events", batch.table())


def _read_row(
    fields: list[str], position: dict[str, int], mapping: EventMapping, tz: dt.tzinfo
) -> tuple[dict[str, Any], str | None]:
    """The values of one row by field (timestamp as a UTC instant), or the reason to
    reject it."""
    values: dict[str, Any] = {name: _cell(position, fields, name) for name in FIELDS}
    columns = mapping.columns
    for name in ("case", "activity", "timestamp"):
        if values[name] is None:
            return values, f"{name} is empty (column {columns[name]})"
    at = parse_time(values["timestamp"], mapping.timestamp_format, tz)
    if at is None:
        how = f"format {mapping.timestamp_format!r}" if mapping.timestamp_format else "ISO 8601"
        return values, f"timestamp: column {columns['timestamp']} is not a timestamp ({how})"
    if not in_range(at):
        return values, range_reason("timestamp")
    values["timestamp"] = at
    channel = values["channel"] or mapping.channel
    if channel not in CONVERSATION_CHANNELS:
        return values, (
            f"channel: column {columns['channel']} is {channel!r}; allowed: "
            f"{', '.join(CONVERSATION_CHANNELS)}"
        )
    values["channel"] = channel
    return values, None


def _cell(position: dict[str, int], fields: list[str], name: str) -> str | None:
    """The stripped cell of field ``name`` (None when empty or not mapped)."""
    i = position.get(name)
    if i is None:
        return None
    value = fields[i].strip()
    return value or None


def _header(path: Path, line_no: int, header: list[str], mapping: EventMapping) -> dict[str, int]:
    """Field -> position of its column; FormatError when a required column is missing."""
    names = [h.strip() for h in header]
    where = {h: i for i, h in enumerate(names)}
    position: dict[str, int] = {}
    for name, column in mapping.columns.items():
        if column in where:
            position[name] = where[column]
        elif name not in OPTIONAL_FIELDS or column != DEFAULT_COLUMNS.get(name):
            raise FormatError(
                str(path),
                line_no,
                f"not a ticket event log: no column {column!r} ({name}); the header has: "
                + ", ".join(names)[:300],
            )
    return position
