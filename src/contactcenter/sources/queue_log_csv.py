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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.errors import FIELD, FormatError, InputError
from contactcenter.sources._csv import (
    SEPARATORS,
    RecordBatch,
    first_line,
    iter_batches,
    separator_name,
    separator_option,
    shown,
    split_line,
)
from contactcenter.sources._instants import MAX_EPOCH, MIN_EPOCH, R_RANGE
from contactcenter.sources._queue_log_events import BATCH_COLUMNS, I_BLANK, QueueLogLoader
from contactcenter.sources._text import MAX_PLACES, MAX_REJECT_TEXT, LinePlaces, not_utf8_note
from contactcenter.sources.base import IngestOptions
from contactcenter.sources.queue_log import R_TIME, SOURCE
from contactcenter.store import LoadSession

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


class _Reader:
    def __init__(self, tz_name: str | None) -> None:
        self.tz_name = tz_name
        self.tz = ZoneInfo(tz_name) if tz_name else dt.UTC
        self.naive_as_utc = 0

    def datetime(self, v: str) -> tuple[int | None, str | None, bool]:
        """(epoch microseconds, source_tz, read as UTC without a zone) of a realtime
        ``YYYY-MM-DD HH:MM:SS[.ffffff][offset]`` value, or (None, None, False)."""
        if not _DATETIME.match(v):
            return None, None, False
        try:
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return None, None, False
        tz_used: str | None = None
        naive = t.tzinfo is None
        if naive:
            t = t.replace(tzinfo=self.tz)
            tz_used = self.tz_name or "UTC"
        try:
            offset = t.utcoffset() or dt.timedelta(0)
            wall = t.replace(tzinfo=None) - offset
            delta = t - _EPOCH0
        except OverflowError:  # year 1 east of UTC, year 9999 west of it
            return _FAR, tz_used, naive and self.tz_name is None
        if not _MIN <= wall < _MAX:
            return _FAR, tz_used, naive and self.tz_name is None
        us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return us, tz_used, naive and self.tz_name is None

    def times(self, column: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
        """(ts in microseconds or null, source_tz, reject reason) of a realtime ``time``
        column: epochs (whole or with up to 6 decimals) read exactly, datetimes once per
        distinct value."""
        v = pc.utf8_trim_whitespace(column)
        is_epoch = _mask(pc.match_substring_regex(v, _EPOCH.pattern))
        n = len(v)
        us = np.zeros(n, dtype=np.int64)
        known = is_epoch.copy()
        tz: list[str | None] | None = None
        if is_epoch.any():
            parts = pc.extract_regex(
                v.filter(pa.array(is_epoch)), r"^(?P<s>[0-9]+)(?:\.(?P<f>[0-9]*))?$"
            )
            whole = pc.struct_field(parts, "s").cast(pa.int64()).to_numpy()
            frac = pc.fill_null(pc.struct_field(parts, "f"), "")
            micro = pc.utf8_rpad(pc.binary_join_element_wise("0", frac, ""), 7, "0")
            micro = pc.utf8_slice_codeunits(micro, 0, 7).cast(pa.int64()).to_numpy()
            us[is_epoch] = whole * 1_000_000 + micro
        rest = np.flatnonzero(~is_epoch)
        if rest.size:
            tz = [None] * n
            values = v.take(pa.array(rest)).to_pylist()
            seen: dict[str, tuple[int | None, str | None, bool]] = {}
            for k, value in zip(rest, values, strict=True):
                got = seen.get(value)
                if got is None:
                    got = seen[value] = self.datetime(value)
                at, zone, naive = got
                if at is not None:
                    us[k] = at
                    known[k] = True
                    tz[k] = zone
                    self.naive_as_utc += naive
        in_range = known & (us >= MIN_EPOCH * 1_000_000) & (us < MAX_EPOCH * 1_000_000)
        reason = np.full(n, None, dtype=object)
        reason[~known] = R_DATETIME
        reason[known & ~in_range] = R_RANGE
        ts = pa.array(us, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
        ts = pc.if_else(pa.array(in_range), ts, pa.scalar(None, ts.type))
        return (
            ts,
            pa.array(tz, pa.string()) if tz else pa.nulls(n, pa.string()),
            pa.array(reason, pa.string()),
        )

    def pbxware_row(
        self, layout: _Layout, f: list[str]
    ) -> tuple[int | None, tuple[str | None, ...], str | None]:
        ix = layout.index
        raw_time = f[ix["date_time"]].strip()
        ts = int(raw_time) * 1_000_000 if raw_time.isdigit() and len(raw_time) <= 11 else None
        event = f[ix["event"]]
        data = pbxware_fields(event, *(f[ix[c]] for c in PBXWARE[5:]))
        fields = (f[ix["callid"]], f[ix["queue_name"]], f[ix["type"]], event, *data, None)
        if ts is None:
            return None, fields, R_TIME
        if not MIN_EPOCH * 1_000_000 <= ts < MAX_EPOCH * 1_000_000:
            return None, fields, R_RANGE
        return ts, fields, None


def _mask(arr: pa.Array) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    out: np.ndarray[tuple[int], np.dtype[np.bool_]] = np.asarray(
        pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_
    )
    return out


_FAR = MAX_EPOCH * 1_000_000
_MIN = dt.datetime(1900, 1, 1)
_MAX = dt.datetime(2200, 1, 1)


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
    with QueueLogLoader(
        session,
        options.source or SOURCE,
        files,
        pause_reasons=options.pause_reasons,
        disposition_event=options.disposition_event,
    ) as loader:
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
    records = 0
    for batch in iter_batches(path, delimiter=sep, progress=options.progress):
        records += len(batch)
        if batch.bad_utf8.any():
            bad = np.flatnonzero(batch.bad_utf8)
            not_utf8.add_many(path.name, batch.line_no[bad[:MAX_PLACES]].tolist(), int(bad.size))
        blank = int(batch.blank.sum())
        acc.read += blank
        acc.ignore(I_BLANK, blank)
        rows = np.flatnonzero(~batch.blank)
        if layout is None:
            if not rows.size:
                continue
            at = int(rows[0])
            layout = _layout(batch.fields[at].as_py() or [])
            if layout is None:
                raise FormatError(
                    str(path),
                    int(batch.line_no[at]),
                    f"not a queue_log table export: {HEADER_RULE}",
                )
            acc.read += 1
            acc.ignore(I_HEADER)
            rows = rows[1:]
        if rows.size:
            loader.add_batch(index, path, _rows(batch, rows, layout, reader))
    if layout is None and not records:
        raise FormatError(str(path), None, "empty file: no header line")
    loader.end_file(index, path, expected="queue_log table export")


def _rows(
    batch: RecordBatch,
    rows: np.ndarray[tuple[int], np.dtype[np.intp]],
    layout: _Layout,
    reader: _Reader,
) -> pa.Table:
    """The event rows (BATCH_COLUMNS) of records ``rows`` of ``batch``."""
    n = len(rows)
    take = pa.array(rows, pa.int64())
    errors = batch.error.take(take)
    ok = _mask(pc.is_null(errors)) & (batch.field_counts()[rows] == layout.width)
    reason = np.asarray(errors.to_numpy(zero_copy_only=False), dtype=object)
    reason[~ok & np.asarray([r is None for r in reason], dtype=np.bool_)] = R_FIELD_COUNT
    columns: dict[str, pa.Array] = {c: pa.nulls(n, pa.string()) for c in _FIELD_COLUMNS}
    ts = pa.nulls(n, pa.timestamp("us", tz="UTC"))
    tz = pa.nulls(n, pa.string())
    good = np.flatnonzero(ok)
    if good.size:
        values = batch.columns(layout.width, rows[good])
        ix = layout.index
        part: dict[str, pa.Array] = {}
        if layout.kind == "pbxware":
            listed = [v.to_pylist() for v in values]
            got = [reader.pbxware_row(layout, list(f)) for f in zip(*listed, strict=True)]
            good_ts = pa.array([g[0] for g in got], pa.int64()).cast(pa.timestamp("us", tz="UTC"))
            for j, name in enumerate(_FIELD_COLUMNS):
                part[name] = pa.array([g[1][j] for g in got], pa.string())
            good_tz = pa.nulls(len(good), pa.string())
            why = [g[2] for g in got]
        else:
            good_ts, good_tz, why_arr = reader.times(values[ix["time"]])
            why = why_arr.to_pylist()
            part["callid"] = values[ix["callid"]]
            part["queue"] = values[ix["queuename"]]
            part["agent"] = values[ix["agent"]]
            part["event"] = values[ix["event"]]
            if layout.kind == "realtime":
                for d in _DATA:
                    if d in ix:
                        part[d] = values[ix[d]]
            else:
                split = pc.split_pattern(values[ix["data"]], "|", max_splits=5)
                lengths = pc.list_value_length(split).to_numpy()
                starts = split.offsets.to_numpy()[:-1]
                for j, name in enumerate((*_DATA, "data_rest")):
                    part[name] = split.values.take(pa.array(starts + j, mask=lengths <= j))
        for k, w in zip(good, why, strict=True):
            if w is not None:
                reason[k] = w
        scatter = np.full(n, -1, dtype=np.int64)
        scatter[good] = np.arange(len(good))
        index = pa.array(scatter, mask=scatter < 0)
        ts = good_ts.take(index)
        tz = good_tz.take(index)
        for name, col in part.items():
            columns[name] = col.take(index)
    return pa.table(
        {
            "source_line": pa.array(batch.line_no[rows]),
            "text": pc.utf8_slice_codeunits(batch.text.take(take), 0, MAX_REJECT_TEXT),
            "ts": ts,
            **columns,
            "pre_reject": pa.array(reason, pa.string()),
            "pre_ignore": pa.nulls(n, pa.string()),
            "source_tz": tz,
        }
    ).select(list(BATCH_COLUMNS))


_FIELD_COLUMNS = ("callid", "queue", "agent", "event", *_DATA, "data_rest")
