"""Format ``queue_log_csv``: the queue log exported from a database table, as CSV with a header.

Two layouts are recognised by their header (names compared without case or spaces; other
columns, such as ``id``, ``partition`` or ``serverid``, are allowed and not used):

Asterisk realtime (``queue_log`` table of Asterisk's realtime back end)
    ``time, callid, queuename, agent, event, data1, data2, data3, data4, data5``, or the
    older single ``data`` column holding ``data1|data2|...``. ``time`` is either a Unix
    epoch (older Asterisk) or ``YYYY-MM-DD HH:MM:SS[.ffffff]``, which Asterisk writes in
    the server's local time (or UTC with ``queue_log_realtime_use_gmt``): such naive
    times are read in ``--source-tz`` (UTC when not given; the load then says so in its
    notes). A time with an explicit offset is read as such.

PBXware (Bicom) ``queue_log`` table
    ``uid, date_time, callid, queue_name, type, event, param1, param2, param3, entpos,
    expos, htime, ttime, time``. ``date_time`` is the UTC epoch (``time`` is local wall
    time and is not used). PBXware moved the standard data fields; they are moved back
    before use (see :func:`pbxware_fields`), so both layouts and the raw file share one
    set of rules (:mod:`contactcenter.sources._queue_log_events`). In particular ``htime``
    is the *queue hold time* of Asterisk's ``holdtime`` -- the caller's wait before the
    answer -- so it becomes ``wait_s``, never ``hold_s``; RINGNOANSWER's ``htime`` is the
    ring time in milliseconds.

The separator is comma, semicolon or tab (what the mysql client prints): for each file
the first of them at which its first non-blank line is one of these headers, or the one
``IngestOptions.delimiter`` forces (see :func:`separator`).

Every record is accounted for: the header and blank lines are ignored, records with a
number of fields different from the header's or a time that cannot be read are rejected,
the others go through the same rules as raw queue_log lines (unused verbs ignored,
duplicates ignored, ...). A file whose first record is not one of these headers raises
:class:`~contactcenter.errors.FormatError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from contactcenter.errors import FIELD, FormatError, InputError
from contactcenter.sources._csv import (
    SEPARATORS,
    Record,
    first_line,
    iter_records,
    separator_name,
    separator_option,
    shown,
    split_line,
)
from contactcenter.sources._queue_log_events import BATCH_COLUMNS, I_BLANK, QueueLogLoader
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.sources.queue_log import R_TIME, SOURCE
from contactcenter.store import LoadSession

BATCH_ROWS = 50_000

I_HEADER = "header"
R_FIELD_COUNT = "number of fields differs from the header"
R_DATETIME = "time is neither a Unix epoch nor YYYY-MM-DD HH:MM:SS[.ffffff]"

REALTIME = ("time", "callid", "queuename", "agent", "event")
PBXWARE = (
    "date_time",
    "callid",
    "queue_name",
    "type",
    "event",
    "param1",
    "param2",
    "param3",
    "entpos",
    "expos",
    "htime",
    "ttime",
)
_DATA = ("data1", "data2", "data3", "data4", "data5")

HEADER_RULE = (
    "the header must name the columns time,callid,queuename,agent,event,data1..data5 "
    "(Asterisk realtime; or a single data column) or uid,date_time,callid,queue_name,type,"
    "event,param1,param2,param3,entpos,expos,htime,ttime,time (PBXware)"
)
_KIND = {
    "realtime": "Asterisk realtime",
    "realtime_data": "Asterisk realtime (single data column)",
    "pbxware": "PBXware",
}

_EPOCH = re.compile(r"^[0-9]{1,11}(\.[0-9]{1,6})?$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$"
)
_EPOCH0 = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def pbxware_fields(
    event: str, p1: str, p2: str, p3: str, entpos: str, expos: str, htime: str, ttime: str
) -> tuple[str | None, ...]:
    """Move a PBXware row's fields back to the standard ``data1..data5`` of its event.

    Per ../shared/data/asterisk-queue-log/SOURCE.md: ENTERQUEUE has the caller id in
    param1 and the position in entpos; CONNECT has the bridged uniqueid in param2, the
    ring time (s) in param3 and the hold time in htime; COMPLETE* have hold and talk time
    in htime/ttime; ABANDON/EXIT* have original position, exit position and wait in
    entpos/expos/htime; RINGNOANSWER has the ring time (ms) in htime; the transfers have
    the extension and context in param2/param3 and hold/talk in htime/ttime. Other events
    keep param1..param3 as data1..data3. PBXware's EXITWITHKEY does not occur in the
    sample, so its key is unknown and left empty.
    """
    if event == "ENTERQUEUE":
        return ("", p1, entpos, None, None)
    if event == "CONNECT":
        return (htime, p2, p3, None, None)
    if event in ("COMPLETEAGENT", "COMPLETECALLER"):
        return (htime, ttime, entpos, None, None)
    if event in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "WITHDRAW"):
        return (expos, entpos, htime, None, None)
    if event == "EXITWITHKEY":
        return ("", expos, entpos, htime, None)
    if event == "RINGNOANSWER":
        return (htime, None, None, None, None)
    if event in ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"):
        return (p2, p3, htime, ttime, entpos)
    return (p1, p2, p3, None, None)


@dataclass
class _Layout:
    kind: str  # "realtime", "realtime_data", "pbxware"
    index: dict[str, int]
    width: int


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "")


def _layout(header: list[str]) -> _Layout | None:
    names = [_key(h) for h in header]
    index = {n: i for i, n in enumerate(names)}
    if all(c in index for c in PBXWARE):
        return _Layout("pbxware", index, len(header))
    if all(c in index for c in REALTIME):
        if "data1" in index:
            return _Layout("realtime", index, len(header))
        if "data" in index:
            return _Layout("realtime_data", index, len(header))
    return None


class _Batch:
    def __init__(self) -> None:
        self.cols: dict[str, list[object]] = {c: [] for c in BATCH_COLUMNS}

    def add(
        self,
        rec: Record,
        ts: int | None,
        tz: str | None,
        fields: tuple[str | None, ...],
        reject: str | None,
    ) -> None:
        c = self.cols
        c["source_line"].append(rec.line_no)
        c["text"].append(reject_text(rec.text))
        c["ts"].append(ts)
        for name, value in zip(
            ("callid", "queue", "agent", "event", *_DATA, "data_rest"), fields, strict=True
        ):
            c[name].append(value)
        c["pre_reject"].append(reject)
        c["pre_ignore"].append(None)
        c["source_tz"].append(tz)

    def __len__(self) -> int:
        return len(self.cols["source_line"])

    def table(self) -> pa.Table:
        types = {"source_line": pa.int64(), "ts": pa.timestamp("us", tz="UTC")}
        return pa.table(
            {
                name: pa.array(values, types.get(name, pa.string()))
                for name, values in self.cols.items()
            }
        )


_EMPTY: tuple[str | None, ...] = (None,) * 10


class _Reader:
    def __init__(self, tz_name: str | None) -> None:
        self.tz_name = tz_name
        self.tz = ZoneInfo(tz_name) if tz_name else dt.UTC
        self.naive_as_utc = 0

    def time(self, value: str) -> tuple[int | None, str | None]:
        """(epoch microseconds, source_tz) of a realtime ``time`` value, or (None, None)."""
        v = value.strip()
        if _EPOCH.match(v):
            return round(float(v) * 1_000_000), None
        if not _DATETIME.match(v):
            return None, None
        try:
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return None, None
        tz_used: str | None = None
        if t.tzinfo is None:
            t = t.replace(tzinfo=self.tz)
            tz_used = self.tz_name or "UTC"
            if self.tz_name is None:
                self.naive_as_utc += 1
        delta = t - _EPOCH0
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds, tz_used

    def row(
        self, layout: _Layout, f: list[str]
    ) -> tuple[int | None, str | None, tuple[str | None, ...], str | None]:
        ix = layout.index
        if layout.kind == "pbxware":
            raw_time = f[ix["date_time"]].strip()
            ts = int(raw_time) * 1_000_000 if raw_time.isdigit() and len(raw_time) <= 11 else None
            event = f[ix["event"]]
            data = pbxware_fields(event, *(f[ix[c]] for c in PBXWARE[5:]))
            fields = (f[ix["callid"]], f[ix["queue_name"]], f[ix["type"]], event, *data, None)
            return ts, None, fields, None if ts is not None else R_TIME
        ts, tz = self.time(f[ix["time"]])
        head = (f[ix["callid"]], f[ix["queuename"]], f[ix["agent"]], f[ix["event"]])
        if layout.kind == "realtime":
            data5 = tuple(f[ix[d]] if d in ix else None for d in _DATA)
            fields = (*head, *data5, None)
        else:
            parts: list[str | None] = list(f[ix["data"]].split("|", 5))
            parts += [None] * (6 - len(parts))
            fields = (*head, *parts)
        return ts, tz, fields, None if ts is not None else R_DATETIME


def _zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"unknown time zone {name!r} (use an IANA name)", field="source_tz"
        ) from exc
    return name


def separator(path: Path, given: str | None) -> str:
    """The field separator of ``path``: ``given`` when its header line splits at it into a
    known layout, or (``given`` None) the first of ``,`` ``;`` tab that does.

    A header that is a known layout at another separator than the one given raises
    InputError (field ``delimiter``) naming both; a header that is none at any separator
    raises FormatError showing the line. An empty or blank file gets ``given`` or ``,``
    (the reader reports it)."""
    first = first_line(path)
    if first is None:
        return given or ","
    line_no, text = first
    fits = [(sep, layout) for sep in SEPARATORS if (layout := _layout(split_line(text, sep)))]
    if given is None:
        if fits:
            return fits[0][0]
        raise FormatError(
            str(path),
            line_no,
            f"not a queue_log table export: {HEADER_RULE}, separated by ',', ';' or a tab; "
            f"the first line is {shown(text)}",
        )
    if any(sep == given for sep, _ in fits):
        return given
    name = separator_name(given)
    n = len(split_line(text, given))
    at_given = f"split at {name} the first line is {n} field{'s' if n != 1 else ''}"
    if fits:
        found, layout = fits[0]
        raise InputError(
            f"{FIELD} {name}: {path}:{line_no}: {at_given} ({shown(text)}), not a queue_log "
            f"table header; split at {separator_name(found)} it is the {_KIND[layout.kind]} "
            f"header: give {separator_name(found)} or auto",
            field="delimiter",
        )
    raise FormatError(
        str(path),
        line_no,
        f"not a queue_log table export: {at_given} {shown(text)}; {HEADER_RULE}",
    )


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load queue_log table exports (see the module docstring for the layouts and rules)."""
    reader = _Reader(_zone(options.source_tz))
    given = separator_option(options.delimiter)
    not_utf8 = LinePlaces()
    with QueueLogLoader(session, options.source or SOURCE, files) as loader:
        for index, path in enumerate(files):
            sep = separator(path, given)
            _load_file(loader, reader, index, path, sep, options, not_utf8)
        note = not_utf8_note(not_utf8)
        if note:
            session.account.notes.append(note)
        if reader.naive_as_utc:
            session.account.notes.append(
                f"{reader.naive_as_utc} rows had times without a zone; they were read as UTC "
                "(give the server's zone as source_tz if it wrote local time)"
            )
        loader.finish()


def _load_file(
    loader: QueueLogLoader,
    reader: _Reader,
    index: int,
    path: Path,
    sep: str,
    options: IngestOptions,
    not_utf8: LinePlaces,
) -> None:
    acc = loader.session.account
    layout: _Layout | None = None
    batch = _Batch()
    for rec in iter_records(path, delimiter=sep, progress=options.progress):
        if rec.bad_utf8:
            not_utf8.add(path.name, rec.line_no)
        if rec.fields is not None and rec.blank:
            acc.read += 1
            acc.ignore(I_BLANK)
            continue
        if layout is None:
            layout = _layout(rec.fields or [])
            if layout is None:
                raise FormatError(
                    str(path), rec.line_no, f"not a queue_log table export: {HEADER_RULE}"
                )
            acc.read += 1
            acc.ignore(I_HEADER)
            continue
        if rec.fields is None:
            batch.add(rec, None, None, _EMPTY, rec.error)
        elif len(rec.fields) != layout.width:
            batch.add(rec, None, None, _EMPTY, R_FIELD_COUNT)
        else:
            ts, tz, fields, why = reader.row(layout, rec.fields)
            batch.add(rec, ts, tz, fields, why)
        if len(batch) >= BATCH_ROWS:
            loader.add_batch(index, path, batch.table())
            batch = _Batch()
    if layout is None and path.stat().st_size == 0:
        raise FormatError(str(path), None, "empty file: no header line")
    loader.add_batch(index, path, batch.table())
    loader.end_file(index, path, expected="queue_log table export")
