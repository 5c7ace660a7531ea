"""Format ``technion``: the per-call files of the Technion "Anonymous Bank" call center (1999).

Tab-separated, a header row, 17 columns: ``vru+line, call_id, customer_id, priority,
type, date, vru_entry, vru_exit, vru_time, q_start, q_exit, q_time, outcome, ser_start,
ser_exit, ser_time, server`` (Guedj & Mandelbaum, "Anonymous Bank Call-Center Data",
2000). CRLF and LF line ends are both read.

Rules (one contact per AGENT or HANG row):

* ``PHANTOM`` rows are ignored (the documentation says to ignore them).
* ``HANG`` with ``q_start`` 0:00:00 hung up in the VRU: ``ivr_abandoned`` (not offered),
  offered_at = date + vru_exit, ended_at = offered_at, wait_s null.
* ``AGENT`` with ``q_start`` 0:00:00 was served directly: answered, wait_s 0,
  offered_at = date + vru_exit.
* Otherwise offered_at = date + q_start and wait_s = q_time; ``AGENT`` is answered,
  ``HANG`` is abandoned (ended_at = offered_at + wait).
* Answered: answered_at = offered_at + wait_s, talk_s = ser_time, ended_at = answered_at
  + talk_s, agent_id = server (null for ``NO_SERVER``). hold_s and acw_s are null.
* A clock time earlier than vru_entry falls on the next day (calls across midnight) --
  when it is more than 12 hours earlier. A time less than 12 hours earlier is the same
  day: the files have 62 rows (Jan 33, Feb 25, Oct 4; 59 of them not PHANTOM) whose
  vru_exit and q_start are 16-57 s *before* vru_entry, with a negative vru_time
  (= vru_exit - vru_entry) saying so; read literally, the next-day rule would move those
  calls a day later. The load's notes count such rows.
* queue = the ``type`` column (PS, PE, IN, NE, NW, TT and the undocumented AA, kept as
  given); customer_id is null when 0, and null when the file holds it in scientific
  notation (``6.02E+11``: 60 rows in the three files, 59 not PHANTOM; the digits were
  lost before publication; the notes count them); ``priority`` has no canonical column
  and is not kept.
* contact_id = ``date-vru+line-call_id`` (call_id alone repeats within a month).
* Times are naive local times: they are read in ``--source-tz`` (default Asia/Jerusalem),
  stored as UTC instants, with source_tz on each row. A wall time that does not exist or
  occurs twice (daylight-saving changes) is read with the offset in force before the
  change (Python's ``fold=0``).

Bytes that are not UTF-8 are replaced by U+FFFD (the row is read like the others; the
notes count such lines). Lines: the header is ignored (``header``), blank lines are
ignored, PHANTOM rows are ignored, and a line identical to an earlier one with the same
contact_id is ignored as ``duplicate line`` (the same file given twice). A row with 16
fields whose 4th field is ``<priority><spaces><type>`` (2 rows of ``october.txt``: the tab
between priority and type is spaces) is split there and used; each such recovery is listed
in the load's notes with its line number. Any other row with a wrong number of fields, or
with a value that does not parse, is rejected with its line number and reason. A file
whose first line is not the header raises FormatError.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from contactcenter.errors import FormatError, InputError
from contactcenter.facts import CONTACTS
from contactcenter.sources._text import LinePlaces, iter_lines, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "technion"
DEFAULT_TZ = "Asia/Jerusalem"

COLUMNS = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)

I_HEADER = "header"
I_BLANK = "blank line"
I_PHANTOM = "PHANTOM call (ignored per the Technion documentation)"
I_DUPLICATE = "duplicate line"
R_FIELDS = "wrong number of fields (expected 17 tab-separated)"

_TIME = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)$")
_DATE = re.compile(r"^(\d\d)(\d\d)(\d\d)$")
_INT = re.compile(r"^\d{1,9}$")
_ID = re.compile(r"^\d{1,20}$")
_SIGNED = re.compile(r"^-?\d{1,9}$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+\d+$")
_HALF_DAY = 43200
_SPACED = re.compile(r"^(\d+) +([A-Za-z]{2})$")
_NO_QUEUE = "0:00:00"


class _RowError(ValueError):
    pass


def _clock(value: str, name: str) -> int:
    m = _TIME.match(value)
    if not m or int(m.group(1)) > 23:
        raise _RowError(f"{name} is not a time H:MM:SS")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def _int(value: str, name: str) -> int:
    if not _INT.match(value):
        raise _RowError(f"{name} is not a whole number")
    return int(value)


def _date(value: str) -> dt.date:
    m = _DATE.match(value)
    if not m:
        raise _RowError("date is not YYMMDD")
    yy, mm, dd = (int(g) for g in m.groups())
    try:
        return dt.date(1900 + yy if yy >= 50 else 2000 + yy, mm, dd)
    except ValueError as exc:
        raise _RowError("date is not a calendar date") from exc


class _Converter:
    """Naive local date + clock seconds -> UTC datetime, cached per (date, seconds)."""

    def __init__(self, tz_name: str) -> None:
        try:
            self.tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(
                f"unknown time zone {tz_name!r} (use an IANA name such as {DEFAULT_TZ})",
                field="source_tz",
            ) from exc

    def utc(self, day: dt.date, seconds: int) -> dt.datetime:
        """The UTC instant of wall time ``day`` + ``seconds`` (may pass midnight)."""
        wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
        return wall.replace(tzinfo=self.tz).astimezone(dt.UTC)


def _row(
    f: list[str],
    conv: _Converter,
    tz_name: str,
    source: str,
    file_name: str,
    line_no: int,
    stats: Counter[str],
) -> dict[str, object] | None:
    """One canonical contact from the 17 fields, None for PHANTOM; raises _RowError."""
    outcome = f[12]
    if outcome == "PHANTOM":
        return None
    if outcome not in ("AGENT", "HANG"):
        raise _RowError("outcome is not AGENT, HANG or PHANTOM")
    vru_line, call_id, customer, _priority, qtype = f[0], f[1], f[2], f[3], f[4]
    if not vru_line or not _INT.match(call_id):
        raise _RowError("vru+line or call_id is missing")
    if not qtype:
        raise _RowError("type is empty")
    day = _date(f[5])
    if _SCIENTIFIC.match(customer):
        stats["scientific customer_id"] += 1
        customer = "0"
    if not _ID.match(customer):
        raise _RowError("customer_id is not a number")
    entry = _clock(f[6], "vru_entry")
    vru_exit = _clock(f[7], "vru_exit")
    queued = f[9] != _NO_QUEUE
    q_start = _clock(f[9], "q_start")
    q_time = _int(f[11], "q_time")
    ser_time = _int(f[15], "ser_time")
    _clock(f[10], "q_exit")
    _clock(f[13], "ser_start")
    _clock(f[14], "ser_exit")
    if not _SIGNED.match(f[8]):
        raise _RowError("vru_time is not a whole number")

    def at(seconds: int) -> dt.datetime:
        if seconds < entry:
            if entry - seconds > _HALF_DAY:
                return conv.utc(day, seconds + 86400)
            stats["time before vru_entry, same day"] += 1
        return conv.utc(day, seconds)

    offered = at(q_start if queued else vru_exit)
    row: dict[str, object] = {
        "contact_id": f"{f[5]}-{vru_line}-{call_id}",
        "source": source,
        "channel": "voice",
        "queue": qtype,
        "customer_id": None if customer.lstrip("0") == "" else customer,
        "offered_at": offered,
        "talking": False,
        "transferred": False,
        "ring_no_answer": 0,
        "source_tz": tz_name,
        "source_file": file_name,
        "source_line": line_no,
    }
    if outcome == "HANG" and not queued:
        row.update(outcome="ivr_abandoned", ended_at=offered)
        return row
    wait = q_time if queued else 0
    if outcome == "HANG":
        row.update(
            outcome="abandoned", wait_s=float(wait), ended_at=offered + dt.timedelta(seconds=wait)
        )
        return row
    answered = offered + dt.timedelta(seconds=wait)
    row.update(
        outcome="answered",
        wait_s=float(wait),
        answered_at=answered,
        talk_s=float(ser_time),
        ended_at=answered + dt.timedelta(seconds=ser_time),
        agent_id=None if f[16] in ("NO_SERVER", "") else f[16],
    )
    return row


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load Technion monthly files (see the module docstring for the rules)."""
    tz_name = options.source_tz or DEFAULT_TZ
    conv = _Converter(tz_name)
    source = options.source or SOURCE
    acc = session.account
    rows: list[dict[str, object]] = []
    seen: dict[str, tuple[str, str]] = {}
    stats: Counter[str] = Counter()
    not_utf8 = LinePlaces()
    for path in files:
        header_seen = False
        for batch in iter_lines(path, progress=options.progress):
            bad = batch.bad_utf8
            damaged = batch.damaged()
            for i, line in enumerate(batch.lines.to_pylist()):
                line_no = batch.first_line + i
                acc.read += 1
                if not header_seen:
                    if line.strip().split("\t") != list(COLUMNS):
                        raise FormatError(
                            str(path),
                            line_no,
                            "not a Technion call file: the first line must be the header "
                            f"{COLUMNS[0]}, {COLUMNS[1]}, ..., {COLUMNS[-1]} (17 names, "
                            "tab-separated)",
                        )
                    header_seen = True
                    acc.ignore(I_HEADER)
                    continue
                if bad is not None and bad[i]:
                    not_utf8.add(path.name, line_no)
                if damaged is not None and damaged[i]:
                    acc.reject(path.name, line_no, batch.damage_reason(i), reject_text(line))
                    continue
                if not line.strip():
                    acc.ignore(I_BLANK)
                    continue
                fields = line.split("\t")
                if len(fields) == 16:
                    m = _SPACED.match(fields[3])
                    if m:
                        fields[3:4] = [m.group(1), m.group(2)]
                        acc.notes.append(
                            f"{path.name}:{line_no}: priority and type were separated by "
                            f"spaces, not a tab; recovered as priority {m.group(1)}, "
                            f"type {m.group(2)}"
                        )
                if len(fields) != 17:
                    acc.reject(path.name, line_no, R_FIELDS, reject_text(line))
                    continue
                try:
                    row = _row(fields, conv, tz_name, source, path.name, line_no, stats)
                except _RowError as exc:
                    acc.reject(path.name, line_no, str(exc), reject_text(line))
                    continue
                if row is None:
                    acc.ignore(I_PHANTOM)
                    continue
                key = str(row["contact_id"])
                if key in seen:
                    first_text, where = seen[key]
                    if first_text == line:
                        acc.ignore(I_DUPLICATE)
                    else:
                        acc.reject(
                            path.name,
                            line_no,
                            "contact_id (date, vru+line, call_id) repeated with other values",
                            reject_text(f"{line}  [first at {where}]"),
                        )
                    continue
                seen[key] = (line, f"{path.name}:{line_no}")
                rows.append(row)
                acc.used += 1
        if not header_seen:
            raise FormatError(str(path), None, "empty file: no Technion header line")
    note = not_utf8_note(not_utf8)
    if note:
        acc.notes.append(note)
    if stats["scientific customer_id"]:
        acc.notes.append(
            f"{stats['scientific customer_id']} rows have customer_id in scientific notation "
            "(digits lost in the source); customer_id left empty"
        )
    if stats["time before vru_entry, same day"]:
        acc.notes.append(
            f"{stats['time before vru_entry, same day']} rows have an offer time less than 12 h "
            "before vru_entry (negative vru_time, clock skew); read as the same day"
        )
    if rows:
        session.write("contacts", pa.Table.from_pylist(rows, schema=CONTACTS.schema))
