"""Asterisk queue_log events to canonical contacts and agent events: the one mechanism
behind both queue_log formats (the raw pipe file and the database-table exports).

A format turns its lines into *event rows* in the standard Asterisk layout
``time | callid | queue | agent | EVENT | data1 .. data5`` (the PBXware export is moved
back into that layout by its reader) and hands them here in Arrow batches. This module

1. classifies each row (rejected, ignored with a reason, or kept) and accounts for it;
2. keeps the rows of the events it uses in the store table ``queue_log_events``;
3. drops rows whose whole content is already there (``duplicate line`` when the copy came
   in the same load, ``already in the store`` when an earlier load brought it);
4. re-derives the contacts of every call id that received new events, from *all* the stored
   events of those calls, so a contact left ``in_progress`` by one load is completed by a
   later load that brings its end, and files may come in any order;
5. writes the agent events of the new rows.

Contact rules (documented for users in docs/ingestion.md)
    * A contact is one ENTERQUEUE: ``contact_id = callid@queue@enter_epoch`` (whole
      seconds), with ``#2``, ``#3``... when the same call enters the same queue twice in
      the same second. A ``\\`` or ``@`` inside the call id or the queue is written
      ``\\\\`` or ``\\@`` (:func:`_id_part`), so two contacts never share an id.
      The events of a call in a queue are ordered by (time, ENTERQUEUE first, seq) --
      seq is the order of storage: earlier loads first, within a load by file name and
      line; each event belongs to the latest ENTERQUEUE of the same call id
      and queue before it. Events before any ENTERQUEUE of their call and
      queue wait in the store until it arrives; the notes count them, and name apart those
      of attended transfers continued under another call id (Asterisk issue 759), for
      which no ENTERQUEUE will ever come (:data:`_ORPHANS_SQL`).
    * The first final event decides the outcome: COMPLETEAGENT, COMPLETECALLER, TRANSFER,
      BLINDTRANSFER, ATTENDEDTRANSFER -> answered; ABANDON, EXITWITHKEY -> abandoned;
      EXITWITHTIMEOUT, EXITEMPTY, WITHDRAW -> timed_out. Without a final event, a CONNECT
      makes the contact answered and ``talking`` (its end still unknown: ended_at and
      talk_s null); without either it is in_progress.
    * wait_s is the event's own holdtime/waittime field (CONNECT data1; COMPLETE* data1;
      ABANDON, EXITWITHTIMEOUT, EXITEMPTY, WITHDRAW data3; EXITWITHKEY data4; TRANSFER*
      data3); when that field is missing or not a non-negative number, the difference of
      the timestamps. When both exist and differ by more than 1 s the field is kept and
      the load notes how many contacts differ.
    * talk_s is the calltime of COMPLETE* (data2) or TRANSFER* (data4); hold_s and acw_s
      are null (the log does not record them). ring_no_answer counts RINGNOANSWER lines;
      transferred is true when a TRANSFER, BLINDTRANSFER or ATTENDEDTRANSFER is seen.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.feather as feather

from contactcenter.errors import FormatError, InputError
from contactcenter.facts import AGENT_EVENTS_SCHEMA, CONTACTS_SCHEMA
from contactcenter.sources._agent_sessions import (
    AGENT_SQL,
    refresh_agent_states,
    store_pause_reasons,
)
from contactcenter.sources._known_prefix import Known
from contactcenter.sources._text import MAX_PLACES, places_text, reject_text
from contactcenter.store import LoadSession

RAW_TABLE = "queue_log_events"

FINAL_ANSWERED = (
    "COMPLETEAGENT",
    "COMPLETECALLER",
    "TRANSFER",
    "BLINDTRANSFER",
    "ATTENDEDTRANSFER",
)
FINAL_ABANDONED = ("ABANDON", "EXITWITHKEY")
FINAL_TIMED_OUT = ("EXITWITHTIMEOUT", "EXITEMPTY", "WITHDRAW")
TRANSFERS = ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
FINALS = FINAL_ANSWERED + FINAL_ABANDONED + FINAL_TIMED_OUT
CALL_EVENTS = ("ENTERQUEUE", "CONNECT", "RINGNOANSWER", *FINALS)
"""queue_log verbs that make contacts."""

AGENT_EVENT_KIND: dict[str, str] = {
    "AGENTLOGIN": "login",
    "AGENTCALLBACKLOGIN": "login",
    "AGENTLOGOFF": "logout",
    "AGENTCALLBACKLOGOFF": "logout",
    "PAUSE": "pause",
    "PAUSEALL": "pause",
    "UNPAUSE": "unpause",
    "UNPAUSEALL": "unpause",
    "ADDMEMBER": "added_to_queue",
    "REMOVEMEMBER": "removed_from_queue",
}
"""queue_log verbs that make agent events, and the canonical kind of each."""

USED_EVENTS = CALL_EVENTS + tuple(AGENT_EVENT_KIND)


def check_disposition_event(name: str | None) -> str | None:
    """The queue_log verb a PBX writes a contact's disposition with (its code in data1),
    checked: a verb (A-Z, 0-9, _) that is not one of the verbs the format reads itself."""
    if name is None:
        return None
    if not re.fullmatch(_EVENT_NAME, name) or name in USED_EVENTS:
        raise InputError(
            f"{{field}}: {name!r} must be a queue_log verb (A-Z, 0-9, _) other than "
            "the call and agent events (ENTERQUEUE, CONNECT, PAUSE, ...)",
            field="disposition_event",
        )
    return name


MAX_FIELD = 1024
"""Longest field of a queue_log line (characters); a line with a longer one is rejected
(Asterisk's own fields are far shorter: call ids, queue and interface names, numbers)."""

NO_CALL_ID = ("", "NONE", "REALTIME", "MANAGER", "CLI")
NO_NAME = ("", "NONE")

BATCH_COLUMNS = (
    "source_line",
    "text",
    "ts",
    "callid",
    "queue",
    "agent",
    "event",
    "data1",
    "data2",
    "data3",
    "data4",
    "data5",
    "data_rest",
    "pre_reject",
    "pre_ignore",
    "source_tz",
)
"""Columns of the Arrow batches a format hands to :meth:`QueueLogLoader.add_batch`:
source_line (int64), text (the line, for the rejects file), ts (timestamp[us, UTC], null
when the time could not be read), the standard fields as strings (null when absent),
data_rest (fields after data5, joined by '|'), pre_reject (the format's reject reason, or
null), pre_ignore (the format's reason to ignore the row, e.g. a blank line, or null),
source_tz (the zone naive times were read in, or null for UTC epochs)."""

_FIELDS = (
    "callid",
    "queue",
    "agent",
    "event",
    "data1",
    "data2",
    "data3",
    "data4",
    "data5",
    "data_rest",
)

_RAW_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_TABLE} (
    load_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    seq BIGINT NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    callid VARCHAR,
    queue VARCHAR,
    agent VARCHAR,
    event VARCHAR NOT NULL,
    data1 VARCHAR,
    data2 VARCHAR,
    data3 VARCHAR,
    data4 VARCHAR,
    data5 VARCHAR,
    data_rest VARCHAR,
    source_tz VARCHAR,
    source_file VARCHAR NOT NULL,
    source_line BIGINT NOT NULL
)
"""

_EVENT_NAME = r"^[A-Z][A-Z0-9_]*$"

CONTENT = ("ts", *_FIELDS)
"""The identity of an event line: time (to the microsecond), call id, queue, agent, verb
and data fields, an absent field equal to an empty one. Two lines with the same content
are one event, whichever file or format (raw file, realtime or PBXware export) they came
from."""

CONTENT_KEY = "hash(ts, " + ", ".join(f"coalesce({f}, '')" for f in _FIELDS) + ")"
"""SQL: a 64-bit hash of the content, to find candidate copies fast. It is never stored
(DuckDB's hash() may change between versions) and never trusted alone: rows whose hashes
are equal are compared on the content itself (:data:`_SAME_CONTENT`)."""


_CONTENT_COLS = "ts, " + ", ".join(f"coalesce({f}, '')" for f in _FIELDS)

_LATER_COPIES_SQL = f"""
CREATE OR REPLACE TEMP TABLE _ql_drop AS
SELECT okey FROM (
    SELECT okey, row_number() OVER (PARTITION BY {_CONTENT_COLS} ORDER BY okey) AS k
    FROM _ql_new n SEMI JOIN (SELECT h FROM _ql_new GROUP BY h HAVING count(*) > 1) d
        ON n.h = d.h
) WHERE k > 1
"""
"""SQL: the rows of ``_ql_new`` whose content an earlier row of the load has (the first
copy, in file rank then line order, is kept). Only rows whose hash occurs more than once
are compared."""

_STORED_COPIES_SQL = (
    f"""
INSERT INTO _ql_drop
SELECT n.okey FROM _ql_new n
SEMI JOIN (
    SELECT ts, {", ".join(f"coalesce({f}, '') AS {f}" for f in _FIELDS)}
    FROM {RAW_TABLE}
    WHERE source = $1 AND ts BETWEEN $2 AND $3
) s ON n.ts = s.ts AND """
    + " AND ".join(f"coalesce(n.{f}, '') = s.{f}" for f in _FIELDS)
    + """
ANTI JOIN _ql_drop d ON n.okey = d.okey
"""
)
"""SQL: add to ``_ql_drop`` the rows of ``_ql_new`` whose content an earlier load stored
(same content means same time, so only stored rows in the load's time range, $2 to $3,
are read; the join compares the whole content)."""


R_EVENT_NAME = "event is not a queue_log verb (A-Z, 0-9, _)"
R_NO_CALLID = "call event without a call id"
R_NO_QUEUE = "call event without a queue"
R_NO_AGENT = "agent event without an agent"
I_BLANK = "blank line"
I_DUPLICATE = "duplicate line"
I_ALREADY = "already in the store"


def _sql_str(value: object) -> str:
    return str(value).replace("'", "''")


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    out: np.ndarray[tuple[int], np.dtype[np.bool_]] = np.asarray(
        pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_
    )
    return out


def _in(arr: pa.Array | pa.ChunkedArray, values: tuple[str, ...]) -> pa.Array:
    return pc.is_in(arr, value_set=pa.array(values, pa.string()))


@dataclass
class _FileStats:
    nonblank: int = 0
    rejected: int = 0
    first_reject: tuple[int, str] | None = None


_STAGE_SCHEMA = pa.schema(
    [
        ("okey", pa.int64()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("ts", pa.timestamp("us", tz="UTC")),
        *((name, pa.string()) for name in _FIELDS),
        ("source_tz", pa.string()),
    ]
)


@dataclass(frozen=True)
class Classified:
    """Where the rows of one batch go (computed without touching the store, so batches
    can be classified in parallel and accounted for in order).

    read: rows in the batch; pre_ignored: of those, rows the format ignored itself (blank
    lines); ignored: reason -> count (pre_ignored included); rejects: (line number,
    reason, text); staged: kept rows written to the stage part file.
    """

    read: int
    pre_ignored: int
    ignored: dict[str, int]
    rejects: list[tuple[int, str, str]]
    staged: int


def _valid(arr: pa.Array | pa.ChunkedArray) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    if arr.null_count == len(arr):
        return np.zeros(len(arr), dtype=np.bool_)
    return _mask(pc.is_valid(arr))


def _counts(values: pa.Array | pa.ChunkedArray, fmt: str, into: dict[str, int]) -> None:
    for item in pc.value_counts(values).to_pylist():
        key = fmt.format(item["values"])
        into[key] = into.get(key, 0) + int(item["counts"])


_CHECKS = (R_EVENT_NAME, R_NO_CALLID, R_NO_QUEUE, R_NO_AGENT)


def classify(
    batch: pa.Table,
    *,
    file_name: str,
    rank: int,
    part: Path,
    disposition_event: str | None = None,
) -> Classified:
    """Classify the rows of ``batch`` (see BATCH_COLUMNS) -- rejected with a reason,
    ignored with a reason, or kept -- and write the kept rows to the Arrow IPC file ``part``
    (the rules are in the module docstring). Rows of ``disposition_event`` are call
    events (they give their contact its disposition)."""
    n = batch.num_rows
    if n == 0:
        return Classified(0, 0, {}, [], 0)
    ignored: dict[str, int] = {}
    pre_ignore = batch.column("pre_ignore")
    pre_ignored = _valid(pre_ignore)
    n_pre_ignored = int(pre_ignored.sum())
    if n_pre_ignored:
        _counts(pre_ignore.filter(pa.array(pre_ignored)), "{}", ignored)

    event = batch.column("event")
    calls = CALL_EVENTS if disposition_event is None else (*CALL_EVENTS, disposition_event)
    is_call = _mask(_in(event, calls))
    is_agent = _mask(_in(event, tuple(AGENT_EVENT_KIND)))
    # the first failing check gives the reason: code i + 1 for _CHECKS[i], 0 for none
    code = np.zeros(n, dtype=np.int8)
    unknown = np.flatnonzero(~(is_call | is_agent))
    if unknown.size:
        names = event.take(pa.array(unknown))
        bad = unknown[~_mask(pc.match_substring_regex(names, _EVENT_NAME))]
        code[bad] = 1
    for value, column, events, values in (
        (2, "callid", is_call, NO_CALL_ID),
        (3, "queue", is_call, NO_NAME),
        (4, "agent", is_agent, NO_NAME),
    ):
        if events.any():
            missing = events & ~_mask(pc.invert(_in(batch.column(column), values)))
            code[missing & (code == 0)] = value
    pre = batch.column("pre_reject")
    pre_valid = _valid(pre)
    rejected = ((code > 0) | pre_valid) & ~pre_ignored

    rejects: list[tuple[int, str, str]] = []
    if rejected.any():
        idx = np.flatnonzero(rejected)
        take = pa.array(idx)
        lines = batch.column("source_line").take(take).to_pylist()
        texts = batch.column("text").take(take).to_pylist()
        pres = pre.take(take).to_pylist()
        for i, line_no, text, why in zip(idx, lines, texts, pres, strict=True):
            reason = why if why is not None else _CHECKS[int(code[i]) - 1]
            rejects.append((int(line_no), reason, reject_text(text or "")))

    used = (is_call | is_agent) & ~rejected & ~pre_ignored
    unused = ~rejected & ~used & ~pre_ignored
    if unused.any():
        _counts(event.filter(pa.array(unused)), "event {} not used", ignored)
    n_used = int(used.sum())
    if n_used:
        kept = batch if n_used == n else batch.filter(pa.array(used))
        line_no = kept.column("source_line")
        staged = pa.table(
            {
                "okey": pc.add(line_no, rank << 32),
                "source_file": pa.repeat(pa.scalar(file_name, pa.string()), n_used),
                "source_line": line_no,
                **{name: kept.column(name) for name in ("ts", *_FIELDS, "source_tz")},
            },
            schema=_STAGE_SCHEMA,
        )
        feather.write_feather(staged, part, compression="uncompressed")
    return Classified(n, n_pre_ignored, ignored, rejects, n_used)


class QueueLogLoader:
    """Collects the event rows of one load and turns them into contacts at :meth:`finish`.

    Use as a context manager around one load. A format calls :meth:`add_batch` for each
    batch of each file (after accounting itself for the lines it drops before, e.g. blank
    lines), :meth:`end_file` after each file, and :meth:`finish` once at the end.

    Kept rows are staged in Arrow IPC files (one per batch) in a temporary directory beside
    the store (so memory does not grow with the input); :meth:`finish` reads them once
    into a temporary table, deduplicates them on their content (:data:`CONTENT`, found by
    a hash and compared exactly), appends the new ones to ``queue_log_events`` in one
    statement and derives the contacts from them and the stored events of their calls.
    """

    def __init__(
        self,
        session: LoadSession,
        source: str,
        files: Sequence[Path],
        *,
        pause_reasons: Path | None = None,
        disposition_event: str | None = None,
    ) -> None:
        self.session = session
        self.source = source
        self.disposition_event = check_disposition_event(disposition_event)
        calls = CALL_EVENTS if disposition_event is None else (*CALL_EVENTS, disposition_event)
        self._calls = _sql_list(calls)
        self._state_agents: dict[str, int | None] = {}
        """agents (as in the contacts) whose states this load derives again, with the
        earliest instant (µs) its new rows can change (None: all their time)"""
        if pause_reasons is not None:
            for agent in store_pause_reasons(session, source, pause_reasons):
                self._since(agent, None)
        con = session.con
        con.execute(_RAW_DDL)
        row = con.execute(
            f"SELECT greatest((SELECT coalesce(max(load_id), 0) FROM loads), "
            f"(SELECT coalesce(max(load_id), 0) FROM {RAW_TABLE})) + 1"
        ).fetchone()
        # The id the journal will give this load (only provenance: nothing depends on it).
        self.load_id = int(row[0]) if row else 1
        # Files are ranked by base name (then by position) so that which copy of a
        # duplicated line is kept does not depend on the order the files were given in.
        order = sorted(range(len(files)), key=lambda i: (files[i].name, i))
        self._rank = {i: r for r, i in enumerate(order)}
        self.files: dict[int, _FileStats] = {}
        # beside the store, named after it: the store removes it when the load ends, and
        # at its next open if the process was killed
        self._stage = session.stage_dir("queue_log")
        self._parts = itertools.count()
        self._staged = 0
        self._base = 0

    def __enter__(self) -> QueueLogLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the staging directory's files now (the store removes the directory)."""
        shutil.rmtree(self._stage, ignore_errors=True)

    def next_part(self) -> Path:
        """A new file name for one batch's staged rows."""
        return self._stage / f"part-{next(self._parts):08d}.arrow"

    def rank(self, index: int) -> int:
        """The rank of the load's file number ``index`` (0-based position in ``files``)
        among the load's files, by base name then position: the same file given twice is
        two files, whose second copy's lines are duplicates of the first's."""
        return self._rank[index]

    def add_batch(self, index: int, path: Path, batch: pa.Table) -> None:
        """Classify, account for and stage the event rows of ``batch`` (see BATCH_COLUMNS)
        read from file number ``index``, ``path`` (stored as its base name)."""
        part = self.next_part()
        result = classify(
            batch,
            file_name=path.name,
            rank=self.rank(index),
            part=part,
            disposition_event=self.disposition_event,
        )
        self.add_classified(index, path, result)

    def add_classified(self, index: int, path: Path, result: Classified) -> None:
        """Account for and stage one batch already classified by :func:`classify` (batches
        of a file must come in file order)."""
        if result.read == 0:
            return
        acc = self.session.account
        acc.read += result.read
        for reason, count in result.ignored.items():
            acc.ignore(reason, count)
        stats = self.files.setdefault(index, _FileStats())
        stats.nonblank += result.read - result.pre_ignored
        for line_no, why, text in result.rejects:
            acc.reject(path.name, line_no, why, text)
            if stats.first_reject is None:
                stats.first_reject = (line_no, why)
        stats.rejected += len(result.rejects)
        self._staged += result.staged
        acc.used += result.staged

    def add_known(self, index: int, path: Path, known: Known) -> None:
        """Account for the start of file number ``index`` that load ``known.load_id`` read
        already (:mod:`contactcenter.sources._known_prefix`): its events are in the store,
        its other lines go where they went then."""
        acc = self.session.account
        acc.read += known.lines
        acc.ignore(I_ALREADY, known.kept)
        blank = 0
        for reason, count in known.ignored.items():
            acc.ignore(reason, count)
            if reason == I_BLANK:
                blank += count
        stats = self.files.setdefault(index, _FileStats())
        stats.nonblank += known.lines - blank
        for line_no, why, text in known.rejects:
            acc.reject(path.name, line_no, why, text)
            if stats.first_reject is None:
                stats.first_reject = (line_no, why)
        stats.rejected += len(known.rejects)
        n = known.lines
        acc.notes.append(
            f"{path.name}: its first {n:,} line{'s' if n != 1 else ''} ({known.bytes:,} bytes) "
            f"are the same bytes load {known.load_id} read (from {known.file}); they were "
            "not read again"
        )

    def end_file(self, index: int, path: Path, *, expected: str) -> None:
        """Raise FormatError if file ``index`` had lines and every one of them was rejected."""
        stats = self.files.get(index)
        if stats is None or stats.nonblank == 0 or stats.rejected < stats.nonblank:
            return
        assert stats.first_reject is not None
        line_no, why = stats.first_reject
        raise FormatError(str(path), line_no, f"not a {expected} file: {why}")

    def finish(self) -> None:
        """Drop duplicates, store the new events, derive the contacts of the calls that got
        new events, write agent events, derive the agent states of the agents concerned,
        and add the load's notes."""
        if self._staged:
            self._finish_events()
        refresh_agent_states(self.session, self.source, self._state_agents)

    def _since(self, agent: str, at: int | None) -> None:
        """Note that the states of ``agent`` may change from ``at`` (µs; None: always)."""
        if agent in self._state_agents:
            known = self._state_agents[agent]
            at = None if known is None or at is None else min(known, at)
        self._state_agents[agent] = at

    def _finish_events(self) -> None:
        con = self.session.con
        acc = self.session.account
        parts = sorted(str(p) for p in self._stage.glob("part-*.arrow"))
        stage = "_ql_stage"
        con.register(stage, pads.dataset(parts, format="ipc", schema=_STAGE_SCHEMA))
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _ql_new AS SELECT *, {CONTENT_KEY} AS h FROM {stage}"
        )
        con.unregister(stage)
        # copies of a content after its first (in file-rank, line order) in this load
        con.execute(_LATER_COPIES_SQL)
        duplicates = self._count("_ql_drop")
        # contents an earlier load stored (same content means same time: a range scan)
        lo, hi = con.execute("SELECT min(ts), max(ts) FROM _ql_new").fetchone() or (None, None)
        stored = con.execute(
            f"SELECT count(*) FROM {RAW_TABLE} WHERE source = $1 AND ts BETWEEN $2 AND $3",
            [self.source, lo, hi],
        ).fetchone()
        if stored and stored[0]:
            con.execute(_STORED_COPIES_SQL, [self.source, lo, hi])
        already = self._count("_ql_drop") - duplicates
        con.execute("DELETE FROM _ql_new WHERE okey IN (SELECT okey FROM _ql_drop)")
        con.execute("DROP TABLE _ql_drop")
        new = self._staged - duplicates - already
        acc.used -= self._staged - new
        acc.ignore(I_DUPLICATE, duplicates)
        acc.ignore(I_ALREADY, already)
        if new:
            row = con.execute(f"SELECT coalesce(max(seq), 0) FROM {RAW_TABLE}").fetchone()
            self._base = int(row[0]) + 1 if row else 1
            con.execute(
                f"""INSERT INTO {RAW_TABLE}
                    SELECT $1, $2, $3 + okey, ts, {", ".join(_FIELDS)},
                           source_tz, source_file, source_line
                    FROM _ql_new""",
                [self.load_id, self.source, self._base],
            )
            self._derive_contacts()
            self._agent_events()
        con.execute("DROP TABLE _ql_new")

    def _count(self, table: str) -> int:
        row = self.session.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    def _derive_contacts(self) -> None:
        """Derive the contacts of every call id that got new events, in chunks of call
        ids (by a hash) of about :data:`CHUNK_EVENTS` events each, so the aggregation's
        memory does not grow with the load; the contacts and ring-outs of all chunks are
        written once at the end."""
        con = self.session.con
        acc = self.session.account
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _ql_calls AS
                SELECT DISTINCT callid FROM _ql_new WHERE event IN {self._calls}"""
        )
        n_events = self._count(f"_ql_new WHERE event IN {self._calls}")
        chunks = max(1, -(-n_events // CHUNK_EVENTS))
        con.execute(_EVENTS_SQL.format(calls=self._calls), [self.source, self._base, chunks])
        con.execute("DROP TABLE _ql_calls")
        cols = ", ".join(f'"{c}"' for c in CONTACTS_SCHEMA.names)
        disagree = repeated = 0
        for k in range(chunks):
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW _ql_evk AS "
                f"SELECT * EXCLUDE (chunk) FROM _ql_ev WHERE chunk = {k}"
            )
            con.execute(_PAIRS_SQL)
            con.execute(_DERIVE_SQL, [self.source])
            stats = con.execute(
                """SELECT count(*) FILTER (WHERE seg > 0 AND disagree),
                          count(*) FILTER (WHERE seg > 0 AND n_finals > 1)
                   FROM _ql_segments"""
            ).fetchone()
            if stats:
                disagree += int(stats[0])
                repeated += int(stats[1])
            into = "INSERT INTO {} " if k else "CREATE OR REPLACE TEMP TABLE {} AS "
            one = chunks == 1  # the segments stay: views over them, no copies
            keep = "CREATE OR REPLACE TEMP VIEW {} AS " if one else into
            con.execute(
                keep.format("_ql_contacts") + f"SELECT {cols} FROM _ql_segments WHERE seg > 0"
            )
            # ring-outs belong to the member the line names, not to whoever answered
            con.execute(
                into.format("_ql_rings")
                + f"""SELECT source, contact_id, NULLIF(r.key, chr(0)) AS agent_id, queue,
                          channel, offered_at, CAST(r.value AS INTEGER) AS rings
                   FROM (SELECT source, contact_id, queue, channel, offered_at,
                                unnest(map_entries(rna_by)) AS r
                         FROM _ql_segments WHERE seg > 0 AND ring_no_answer > 0
                           AND rna_by IS NOT NULL)
                   UNION ALL {_CLEAN_RINGS_SQL}""",
                [self.source],
            )
            # what the notes on events without ENTERQUEUE need: the calls that have some
            con.execute(
                keep.format("_ql_orph")
                + """SELECT callid, queue, seg, orphans, offered_at, connect_agent, connect_at
                     FROM _ql_segments
                     WHERE callid IN (SELECT callid FROM _ql_segments WHERE seg = 0)"""
            )
            if not one:
                con.execute("DROP TABLE _ql_segments")
            con.execute("DROP TABLE _ql_pairs")
        con.execute("DROP VIEW _ql_evk")
        con.execute("DROP TABLE _ql_ev")
        orphan_notes = self._orphan_notes()
        outcomes = con.execute(
            "SELECT outcome, count(*) FROM _ql_contacts GROUP BY outcome ORDER BY outcome"
        ).fetchall()
        for agent, at in con.execute(
            "SELECT agent_id, epoch_us(min(answered_at)) FROM _ql_contacts "
            "WHERE agent_id IS NOT NULL AND answered_at IS NOT NULL GROUP BY agent_id"
        ).fetchall():
            self._since(agent, at)
        self.session.write("contacts", "_ql_contacts")
        self.session.write("ring_outs", "_ql_rings")
        kind = "VIEW" if chunks == 1 else "TABLE"
        con.execute(f"DROP {kind} _ql_contacts")
        con.execute(f"DROP {kind} _ql_orph")
        if chunks == 1:
            con.execute("DROP TABLE _ql_segments")
        con.execute("DROP TABLE _ql_rings")
        if outcomes:
            acc.notes.append(
                "contacts derived in this load: " + ", ".join(f"{o} {int(k)}" for o, k in outcomes)
            )
        acc.notes.extend(orphan_notes)
        if disagree:
            acc.notes.append(
                f"{disagree} contacts: the wait field of the log differs from the "
                "timestamps by more than 1 s; the field was kept"
            )
        if repeated:
            acc.notes.append(
                f"{repeated} contacts have more than one final event; the first was used"
            )

    def _orphan_notes(self) -> list[str]:
        """Notes on the call events of this load's calls that have no ENTERQUEUE before them
        (segment 0 of their call and queue), in two kinds (see :data:`_ORPHANS_SQL`)."""
        rows = self.session.con.execute(_ORPHANS_SQL).fetchall()
        notes = []
        for transfer, n, pairs, places in rows:
            where = places_text(places, int(n))
            if transfer:
                notes.append(
                    f"{n} call events of {pairs} call/queue pairs are attended transfers "
                    "continued under another call id (Asterisk issue 759: the "
                    "ATTENDEDTRANSFER is logged under the consultation call's id in the first "
                    "queue, the caller's CONNECT and COMPLETE* in the second queue under the "
                    "caller's id, with no ENTERQUEUE there); no ENTERQUEUE will come for "
                    "them, so they are kept but belong to no contact (the caller's contact "
                    "in the first queue has no end, the consultation's entry in the second "
                    f"stays in_progress): {where}"
                )
            else:
                notes.append(
                    f"{n} call events of {pairs} call/queue pairs have no ENTERQUEUE in the "
                    "store (it may be in a rotated file not loaded yet); they are kept and "
                    f"used if their ENTERQUEUE arrives in a later load: {where}"
                )
        return notes

    def _agent_events(self) -> None:
        con = self.session.con
        cases = " ".join(f"WHEN '{ev}' THEN '{kind}'" for ev, kind in AGENT_EVENT_KIND.items())
        cols = ", ".join(f'"{c}"' for c in AGENT_EVENTS_SCHEMA.names)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ql_agent_events AS
            SELECT {cols} FROM (
                SELECT $1 AS source, ts AS "at", agent AS agent_id,
                       CASE WHEN queue IN {_sql_list(NO_NAME)} THEN NULL ELSE queue END AS queue,
                       CASE event {cases} END AS kind,
                       NULLIF(CASE WHEN event IN ('PAUSE', 'UNPAUSE', 'PAUSEALL', 'UNPAUSEALL',
                                                 'ADDMEMBER') THEN data1
                                   WHEN event = 'AGENTCALLBACKLOGOFF' THEN data3 END, '')
                           AS reason,
                       event AS source_event, source_tz, source_file, source_line
                FROM _ql_new
                WHERE event IN {_sql_list(tuple(AGENT_EVENT_KIND))})
            """,
            [self.source],
        )
        for agent, at in con.execute(
            f"""SELECT {AGENT_SQL.format(col="agent_id")}, epoch_us(min("at"))
                FROM _ql_agent_events GROUP BY 1"""
        ).fetchall():
            self._since(agent, at)
        self.session.write("agent_events", "_ql_agent_events")
        con.execute("DROP TABLE _ql_agent_events")


CHUNK_EVENTS = 4_000_000
"""Call events per chunk of the derivation (chunks are sets of call ids). One chunk of
this size fits DuckDB's 500 MB load limit (6M events did; a 250 MB limit ran out at 3M);
a load with fewer call events is one chunk, derived without copying its contacts."""

MAX_SECONDS = 1e9
"""Duration fields at or above this (about 31 years) are treated as not a number."""


def _num(expr: str) -> str:
    """SQL: ``expr`` as a number of seconds in [0, MAX_SECONDS), or NULL."""
    v = f"TRY_CAST({expr} AS DOUBLE)"
    return f"(CASE WHEN {v} >= 0 AND {v} < {MAX_SECONDS:.0f} THEN {v} END)"


def _id_part(column: str) -> str:
    """SQL: ``column`` as a part of a contact_id: ``\\`` written ``\\\\`` and ``@`` written
    ``\\@``, so that the parts joined by ``@`` can never be read another way (call id
    ``a@b`` in queue ``c`` is ``a\\@b@c@...``, call id ``a`` in queue ``b@c`` is
    ``a@b\\@c@...``); a part without either is as it was."""
    return f"replace(replace({column}, '\\', '\\\\'), '@', '\\@')"


_ANS = _sql_list(FINAL_ANSWERED)
_ABN = _sql_list(FINAL_ABANDONED)
_TMO = _sql_list(FINAL_TIMED_OUT)
_COMPLETE = "('COMPLETEAGENT', 'COMPLETECALLER')"
_XFER = _sql_list(TRANSFERS)
_ROW = "{'at': ts, 'agent': agent, 'd1': data1, 'd2': data2, 'd3': data3, 'd4': data4}"

_RK = (
    "(epoch_us(ts)::HUGEINT * 2 + CASE WHEN event = 'ENTERQUEUE' THEN 0 ELSE 1 END)"
    " * 18446744073709551616 + seq"
)
"""SQL: the order of a call's events: time, ENTERQUEUE first within a time, then seq."""

_EVENTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _ql_ev AS
SELECT callid, queue, event, ts, seq, agent, data1, data2, data3, data4,
       source_tz, source_file, source_line, {_RK} AS rk, hash(callid) % $3 AS chunk
FROM (
    SELECT callid, queue, event, ts, $2 + okey AS seq, agent, data1, data2, data3, data4,
           source_tz, source_file, source_line
    FROM _ql_new WHERE event IN {{calls}}
    UNION ALL
    SELECT e.callid, e.queue, e.event, e.ts, e.seq, e.agent, e.data1, e.data2, e.data3,
           e.data4, e.source_tz, e.source_file, e.source_line
    FROM {RAW_TABLE} e SEMI JOIN _ql_calls c ON e.callid = c.callid
    WHERE e.source = $1 AND e.seq < $2
      AND e.event NOT IN {_sql_list(tuple(AGENT_EVENT_KIND))}
)
"""
"""SQL (``{calls}``: this load's call verbs): the call events of every call id that got
new events: this load's (``_ql_new``, not yet read back from the raw table) and those
earlier loads stored, disposition events included (the store keeps only the verbs a load
used: a stored verb that is neither a call nor an agent event was a disposition event)."""

_SEGMENT_AGGREGATES = f"""
           arg_min({{'at': ts, 'd2': data2, 'tz': source_tz, 'file': source_file,
                    'line': source_line}}, rk) FILTER (WHERE event = 'ENTERQUEUE') AS e,
           arg_min({_ROW}, rk) FILTER (WHERE event = 'CONNECT') AS c,
           arg_min({{'ev': event, 'row': {_ROW}}}, rk)
               FILTER (WHERE event IN {_sql_list(FINALS)}) AS f,
           count(*) FILTER (WHERE event IN {_sql_list(FINALS)}) AS n_finals,
           count(*) FILTER (WHERE event = 'RINGNOANSWER') AS rna,
           count(*) AS n_events,
           coalesce(bool_or(event IN {_XFER}), false) AS transferred,
           arg_max(data1, rk) FILTER (WHERE event NOT IN {_sql_list(CALL_EVENTS)}) AS disp"""

_PAIRS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _ql_pairs AS
SELECT callid, queue,
       count(*) FILTER (WHERE event = 'ENTERQUEUE') = 1
           AND min(rk) = min(rk) FILTER (WHERE event = 'ENTERQUEUE') AS clean,
       {_SEGMENT_AGGREGATES}
FROM _ql_evk GROUP BY callid, queue
"""
"""SQL: every call id and queue of ``_ql_ev`` aggregated as one segment. A *clean* pair has
one ENTERQUEUE and no event before it (nearly every call): its one segment is the whole
group, so its aggregates are final. The others go through the general path
(:data:`_DERIVE_SQL`), which cuts their events into segments."""

_DERIVE_SQL = f"""
CREATE OR REPLACE TEMP TABLE _ql_segments AS
WITH o AS (
    SELECT *,
           sum(CASE WHEN event = 'ENTERQUEUE' THEN 1 ELSE 0 END)
               OVER (PARTITION BY callid, queue ORDER BY rk
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS seg
    FROM _ql_evk v SEMI JOIN (SELECT callid, queue FROM _ql_pairs WHERE NOT clean) p
        USING (callid, queue)
),
general AS (
    SELECT callid, queue, seg,
           {_SEGMENT_AGGREGATES},
           histogram(CASE WHEN agent IN ('', 'NONE') THEN chr(0) ELSE agent END)
               FILTER (WHERE event = 'RINGNOANSWER') AS rna_by,
           list({{'ev': event, 'ts': ts, 'agent': agent, 'file': source_file,
                  'line': source_line}} ORDER BY rk) FILTER (WHERE seg = 0) AS orphans
    FROM o GROUP BY callid, queue, seg
),
g AS (
    SELECT * FROM general
    UNION ALL BY NAME
    SELECT callid, queue, 1 AS seg, e, c, f, n_finals, rna, n_events, transferred, disp,
           CAST(NULL AS MAP(VARCHAR, UBIGINT)) AS rna_by,
           NULL AS orphans
    FROM _ql_pairs WHERE clean
),
d AS (
    SELECT *,
           CASE WHEN f.ev IN {_ANS} THEN 'answered'
                WHEN f.ev IN {_ABN} THEN 'abandoned'
                WHEN f.ev IN {_TMO} THEN 'timed_out'
                WHEN c IS NOT NULL THEN 'answered'
                ELSE 'in_progress' END AS outcome,
           CASE WHEN c IS NOT NULL THEN {_num("c.d1")}
                WHEN f.ev IN {_COMPLETE} THEN {_num("f.row.d1")}
                WHEN f.ev IN {_XFER} THEN {_num("f.row.d3")}
                WHEN f.ev IN ('ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'WITHDRAW')
                    THEN {_num("f.row.d3")}
                WHEN f.ev = 'EXITWITHKEY' THEN {_num("f.row.d4")} END AS wait_field,
           CASE WHEN c IS NOT NULL THEN epoch(c.at) - epoch(e.at)
                WHEN f.ev IS NOT NULL AND f.ev NOT IN {_ANS}
                    THEN epoch(f.row.at) - epoch(e.at) END AS wait_ts,
           CASE WHEN f.ev IN {_COMPLETE} THEN {_num("f.row.d2")}
                WHEN f.ev IN {_XFER} THEN {_num("f.row.d4")} END AS talk_field
    FROM g
),
n AS (
    SELECT *,
           CASE WHEN outcome = 'in_progress' THEN NULL
                ELSE coalesce(wait_field, greatest(wait_ts, 0)) END AS wait_v
    FROM d
),
s AS (
    -- a second entry of the same call and queue in the same second gets '#2': only pairs
    -- of the general path have several entries
    SELECT n.*, coalesce(x.same_second, 1) AS same_second
    FROM n LEFT JOIN (
        SELECT callid, queue, seg,
               row_number() OVER (PARTITION BY callid, queue, floor(epoch(e.at))::BIGINT
                                  ORDER BY seg) AS same_second
        FROM general WHERE seg > 0
    ) x USING (callid, queue, seg)
)
SELECT
    seg, n_finals, n_events, callid, rna_by, orphans, c.agent AS connect_agent,
    c.at AS connect_at,
    coalesce(wait_field IS NOT NULL AND wait_ts IS NOT NULL
             AND abs(wait_field - wait_ts) > 1, false) AS disagree,
    {_id_part("callid")} || '@' || {_id_part("queue")} || '@' || CAST(floor(epoch(e.at)) AS BIGINT)
        || CASE WHEN same_second > 1 THEN '#' || same_second ELSE '' END AS contact_id,
    $1 AS source,
    'voice' AS channel,
    queue,
    CASE WHEN e.d2 IN ('', 'unknown') THEN NULL ELSE e.d2 END AS customer_id,
    e.at AS offered_at,
    CASE WHEN outcome <> 'answered' THEN NULL
         WHEN c IS NOT NULL THEN c.at
         WHEN wait_v IS NOT NULL THEN e.at + to_microseconds(CAST(round(wait_v * 1e6) AS BIGINT))
    END AS answered_at,
    f.row.at AS ended_at,
    outcome,
    outcome = 'answered' AND f IS NULL AS talking,
    wait_v AS wait_s,
    CASE WHEN outcome = 'answered' THEN talk_field END AS talk_s,
    CAST(NULL AS DOUBLE) AS hold_s,
    CAST(NULL AS DOUBLE) AS acw_s,
    CASE WHEN outcome <> 'answered' THEN NULL
         ELSE NULLIF(NULLIF(coalesce(c.agent, f.row.agent), ''), 'NONE') END AS agent_id,
    transferred,
    CAST(rna AS INTEGER) AS ring_no_answer,
    NULLIF(trim(disp), '') AS disposition,
    CAST(NULL AS BOOLEAN) AS resolved,
    e.tz AS source_tz,
    e.file AS source_file,
    e.line AS source_line
FROM s
"""
"""SQL: the segments of every call id and queue of ``_ql_ev`` (segment 0: the events
before any ENTERQUEUE), each segment > 0 a contact. Clean pairs come from ``_ql_pairs``
as they are; the others are cut into segments by a window over their events."""

_CLEAN_RINGS_SQL = """
SELECT $1 AS source, s.contact_id, NULLIF(r.agent, chr(0)) AS agent_id, s.queue, s.channel,
       s.offered_at, CAST(r.rings AS INTEGER) AS rings
FROM (SELECT callid, queue, CASE WHEN agent IN ('', 'NONE') THEN chr(0) ELSE agent END AS agent,
             count(*) AS rings
      FROM _ql_evk v SEMI JOIN (SELECT callid, queue FROM _ql_pairs WHERE clean) p
          USING (callid, queue)
      WHERE event = 'RINGNOANSWER'
      GROUP BY ALL) r
JOIN _ql_segments s ON s.callid = r.callid AND s.queue = r.queue AND s.seg = 1
"""
"""SQL: the ring-outs per member of the clean pairs' contacts."""


_ORPHANS_SQL = f"""
WITH orphan AS (
    SELECT callid, queue, unnest(orphans, recursive := true)
    FROM _ql_orph WHERE seg = 0
),
entry AS (
    SELECT callid, queue, offered_at, connect_agent, connect_at
    FROM _ql_orph WHERE seg > 0
),
xfer AS (
    SELECT o.callid AS y, o.queue AS q1, o.agent, o.ts, e.queue AS q2, e.offered_at AS y_at
    FROM orphan o
    JOIN entry e ON e.callid = o.callid AND e.queue <> o.queue AND e.offered_at <= o.ts
    WHERE o.ev = 'ATTENDEDTRANSFER'
),
cont AS (
    SELECT DISTINCT g.callid, g.queue
    FROM (SELECT callid, queue, min(ts) AS first_at FROM orphan GROUP BY callid, queue) g
    JOIN xfer x ON x.q2 = g.queue AND g.first_at >= x.y_at
    JOIN entry c ON c.callid = g.callid AND c.queue = x.q1 AND c.connect_agent = x.agent
                AND c.connect_at <= x.ts
),
kind AS (
    SELECT o.*,
           (o.ev = 'ATTENDEDTRANSFER'
            AND EXISTS (SELECT 1 FROM xfer x WHERE x.y = o.callid AND x.q1 = o.queue))
           OR EXISTS (SELECT 1 FROM cont WHERE cont.callid = o.callid
                                           AND cont.queue = o.queue) AS transfer
    FROM orphan o
)
SELECT transfer, count(*), count(DISTINCT (callid, queue)),
       list(file || ':' || line ORDER BY file, line)[1:{MAX_PLACES}]
FROM kind GROUP BY transfer ORDER BY transfer DESC
"""
"""SQL: the call events of segment 0 (before any ENTERQUEUE of their call and queue) of
the calls derived in this load, counted by kind, with the first places (``file:line``):

* ``transfer`` true -- an attended transfer continued under another call id (Asterisk
  issue 759): the ATTENDEDTRANSFER line of queue Q1 logged under a call id that entered
  another queue Q2 before it (the agent's consultation call), and the events in Q2 of the
  caller whose contact in Q1 that agent answered before the transfer, logged under the
  caller's own id from the consultation's entry on. No ENTERQUEUE will come for them.
* ``transfer`` false -- other events without an ENTERQUEUE (usually its file was cut by
  rotation and not loaded yet): used when a later load brings it.
"""
