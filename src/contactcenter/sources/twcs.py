"""Format ``twcs``: the Twitter customer-support layout (Kaggle "Customer Support on
Twitter", ../shared/data/twitter-customer-support-subset).

Columns (by name, a leading unnamed index column allowed): ``tweet_id, author_id, inbound,
created_at, text, response_tweet_id, in_response_to_tweet_id``. ``inbound`` True is the
customer, False the brand; ``created_at`` reads ``Tue Oct 31 22:10:47 +0000 2017``.

Threads
    * A conversation starts at an inbound tweet with no ``in_response_to_tweet_id``; every
      other tweet belongs to the conversation reached by following
      ``in_response_to_tweet_id`` (its *root*). ``response_tweet_id`` is not used.
    * A tweet whose chain reaches a tweet that is not in the store is ignored with that
      reason, and kept in ``twcs_tweets``: a later load that brings the missing tweet
      attaches it (its messages are written then), so the order of files and loads does
      not change the result. A chain that loops is ignored too.
    * A thread a brand started (its root is outbound) makes no conversation: its inbound
      tweets are ignored with that reason; its outbound tweets are messages that belong to
      no conversation (null conversation_id) and still count in ``messages_sent``.
    * Messages: ``message_id`` = tweet_id, channel ``social``; inbound tweets are
      ``customer`` messages (customer_id = author), outbound ones ``agent`` messages whose
      agent and queue are the author (the brand account; the file names no individual
      agents). The root's queue is the first @handle in its text that is the author of
      some outbound tweet in the store (how a thread no brand answered gets a queue). The
      conversation's queue is that of its first outbound tweet, else the root's.
    * Twitter records no resolution: the conversations stay open.

Lines: header and blank lines ignored; a record with another number of fields than the
header, a tweet_id or in_response_to_tweet_id that is not a whole number, an inbound that
is not True/False, an empty author or a created_at that cannot be read is rejected; a
tweet_id seen before in the load with the same values is a ``duplicate row``, with other
values rejected; one the store holds already is ``already in the store`` (with other
values: rejected). Texts may hold quoted newlines and bare CRs
(:func:`contactcenter.sources._csv.iter_records` with ``keep_cr``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from contactcenter.errors import FormatError, InputError
from contactcenter.sources._conversations import ConversationLoader, file_ranks, stage_schema
from contactcenter.sources._csv import iter_records
from contactcenter.sources._instants import in_range, range_reason
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "twcs"
CHANNEL = "social"
RAW_TABLE = "twcs_tweets"
COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "in_response_to_tweet_id",
)
"""Columns a twcs file must have (``response_tweet_id`` and an index column may be there)."""
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"
MAX_STEPS = 64
"""Pointer-doubling rounds when following reply chains (enough for any depth < 2**64)."""

I_HEADER = "header"
I_BLANK = "blank line"
I_DUPLICATE = "duplicate row"
I_ALREADY = "already in the store"
I_MISSING = (
    "its reply chain reaches a tweet not in the store (kept: a later load that brings it "
    "attaches it)"
)
I_LOOP = "its reply chain loops"
I_BRAND = "thread started by a brand (its first tweet is outbound)"
R_FIELDS = "number of fields differs from the header"
R_REPEATED = "tweet_id repeated with different values"
R_STORED = "tweet_id stored already with different values"

_ID = re.compile(r"^\d+(?:\.0*)?$")

_RAW_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_TABLE} (
    source VARCHAR NOT NULL,
    tweet_id VARCHAR NOT NULL,
    author_id VARCHAR NOT NULL,
    inbound BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    text VARCHAR,
    in_response_to VARCHAR,
    root VARCHAR,
    source_file VARCHAR NOT NULL,
    source_line BIGINT NOT NULL
)
"""
"""The tweets every twcs load read: what a later load needs to follow reply chains, and
``root`` (the thread's first tweet) once it is known."""

_CONTENT = ("author_id", "inbound", "created_at", "text", "in_response_to")
"""What a tweet is besides its id (the file and line it was read from are not)."""

_NEW_SCHEMA = pa.schema(
    [
        ("tweet_id", pa.string()),
        ("author_id", pa.string()),
        ("inbound", pa.bool_()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("text", pa.string()),
        ("in_response_to", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("_rank", pa.int32()),
        ("_line_text", pa.string()),
    ]
)


def tweet_id(text: str) -> str | None:
    """A tweet id as written (``3`` or ``3.0``) in its canonical form, or None."""
    text = text.strip()
    if not _ID.match(text):
        return None
    return str(int(text.split(".")[0]))


def _read(fields: list[str], where: dict[str, int]) -> tuple[dict[str, Any], str | None]:
    """One record's tweet, or the reason to reject it."""
    cell = {name: fields[i] for name, i in where.items()}
    tid = tweet_id(cell["tweet_id"])
    if tid is None:
        return {}, "tweet_id is not a whole number"
    author = cell["author_id"].strip()
    if not author:
        return {}, "author_id is empty"
    inbound = cell["inbound"].strip()
    if inbound not in ("True", "False"):
        return {}, "inbound is not True or False"
    try:
        at = dt.datetime.strptime(cell["created_at"].strip(), TIME_FORMAT).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return {}, f"created_at is not a time like 'Tue Oct 31 22:10:47 +0000 2017' ({TIME_FORMAT})"
    if not in_range(at):
        return {}, range_reason("created_at")
    parent: str | None = None
    if cell["in_response_to_tweet_id"].strip():
        parent = tweet_id(cell["in_response_to_tweet_id"])
        if parent is None:
            return {}, "in_response_to_tweet_id is not a whole number"
    return {
        "tweet_id": tid,
        "author_id": author,
        "inbound": inbound == "True",
        "created_at": at,
        "text": cell["text"],
        "in_response_to": parent,
    }, None


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load twcs files (see the module docstring)."""
    if options.source_tz:
        raise InputError(
            "{field} does not apply to format twcs: its times carry their offset",
            field="source_tz",
        )
    if options.mapping is not None:
        raise InputError("{field} does not apply to format twcs", field="mapping")
    source = options.source or SOURCE
    acc = session.account
    ranks = file_ranks(files)
    rows: dict[str, list[Any]] = {name: [] for name in _NEW_SCHEMA.names}
    not_utf8 = LinePlaces()
    for index, path in enumerate(files):
        where: dict[str, int] | None = None
        width = 0
        for rec in iter_records(path, progress=options.progress, keep_cr=True):
            acc.read += 1
            if rec.bad_utf8:
                not_utf8.add(path.name, rec.line_no)
            if rec.blank:
                acc.ignore(I_BLANK)
                continue
            if where is None:
                where = _header(path, rec.line_no, rec.fields or [])
                width = len(rec.fields or [])
                acc.ignore(I_HEADER)
                continue
            if rec.fields is None or len(rec.fields) != width:
                why = rec.error or R_FIELDS
                acc.reject(path.name, rec.line_no, why, reject_text(rec.text))
                continue
            tweet, problem = _read(rec.fields, where)
            if problem is not None:
                acc.reject(path.name, rec.line_no, problem, reject_text(rec.text))
                continue
            for name, value in tweet.items():
                rows[name].append(value)
            rows["source_file"].append(path.name)
            rows["source_line"].append(rec.line_no)
            rows["_rank"].append(ranks[index])
            rows["_line_text"].append(reject_text(rec.text))
        if where is None:
            raise FormatError(str(path), None, "empty file: no header line")
    note = not_utf8_note(not_utf8)
    if note:
        acc.notes.append(note)
    _Threads(session, source).run(pa.table(rows, schema=_NEW_SCHEMA))


def _header(path: Path, line_no: int, fields: list[str]) -> dict[str, int]:
    names = [f.strip() for f in fields]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise FormatError(
            str(path),
            line_no,
            f"not a twcs file: no column {', '.join(missing)}; the header has: "
            + ", ".join(names)[:300],
        )
    return {c: names.index(c) for c in COLUMNS}


class _Threads:
    """Stores the load's tweets, follows reply chains over the store, writes messages."""

    def __init__(self, session: LoadSession, source: str) -> None:
        self.session = session
        self.con = session.con
        self.source = source
        self.con.execute(_RAW_DDL)

    def _one(self, sql: str, params: list[Any] | None = None) -> int:
        row = self.con.execute(sql, params or []).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def run(self, new: pa.Table) -> None:
        con = self.con
        acc = self.session.account
        con.register("_tw_input", new)
        try:
            con.execute(
                """CREATE OR REPLACE TEMP TABLE _tw_new AS
                   SELECT *, row_number() OVER (PARTITION BY tweet_id
                                                ORDER BY _rank, source_line) AS _k
                   FROM _tw_input"""
            )
        finally:
            con.unregister("_tw_input")
        same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM f.{c}" for c in _CONTENT)
        repeated = con.execute(
            f"""SELECT n.source_file, n.source_line, n._line_text, {same} AS same
                FROM _tw_new n JOIN _tw_new f ON n.tweet_id = f.tweet_id AND f._k = 1
                WHERE n._k > 1 ORDER BY n._rank, n.source_line"""
        ).fetchall()
        for file, line, text, is_same in repeated:
            if is_same:
                acc.ignore(I_DUPLICATE)
            else:
                acc.reject(str(file), int(line), R_REPEATED, str(text))
        con.execute("DELETE FROM _tw_new WHERE _k > 1")
        same_stored = " AND ".join(f"n.{c} IS NOT DISTINCT FROM s.{c}" for c in _CONTENT)
        stored = con.execute(
            f"""SELECT n.tweet_id, n.source_file, n.source_line, n._line_text, {same_stored}
                FROM _tw_new n JOIN {RAW_TABLE} s
                  ON s.source = $1 AND s.tweet_id = n.tweet_id""",
            [self.source],
        ).fetchall()
        for _, file, line, text, is_same in stored:
            if is_same:
                acc.ignore(I_ALREADY)
            else:
                acc.reject(str(file), int(line), R_STORED, str(text))
        if stored:
            con.execute(
                f"""DELETE FROM _tw_new n WHERE EXISTS (
                        SELECT 1 FROM {RAW_TABLE} s
                        WHERE s.source = $1 AND s.tweet_id = n.tweet_id)""",
                [self.source],
            )
        kept = self._one("SELECT count(*) FROM _tw_new")
        if kept:
            con.execute(
                f"""INSERT INTO {RAW_TABLE}
                    SELECT $1, tweet_id, author_id, inbound, created_at, text, in_response_to,
                           NULL, source_file, source_line
                    FROM _tw_new""",
                [self.source],
            )
        self._resolve()
        self._account(kept)
        loader = ConversationLoader(self.session)
        loader.add("messages", self._messages())
        con.execute("DROP TABLE _tw_new")
        con.execute("DROP TABLE _tw_resolved")
        loader.finish()

    def _resolve(self) -> None:
        """Find the root of every tweet of the source whose root is not known yet, by
        pointer doubling over the stored tweets; record the roots found in this load in
        ``_tw_resolved``."""
        con = self.con
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tw_walk AS
                SELECT tweet_id,
                       coalesce(root, CASE WHEN in_response_to IS NULL THEN tweet_id END) AS r,
                       CASE WHEN root IS NULL THEN in_response_to END AS cur
                FROM {RAW_TABLE} WHERE source = $1""",
            [self.source],
        )
        for _ in range(MAX_STEPS):
            con.execute(
                """CREATE OR REPLACE TEMP TABLE _tw_step AS
                   SELECT w.tweet_id,
                          coalesce(w.r, p.r) AS r,
                          CASE WHEN w.r IS NOT NULL OR p.r IS NOT NULL THEN NULL
                               WHEN p.tweet_id IS NULL THEN w.cur
                               ELSE p.cur END AS cur,
                          w.r IS NULL AND (p.r IS NOT NULL OR
                                           (p.tweet_id IS NOT NULL AND p.cur <> w.cur))
                              AS moved
                   FROM _tw_walk w LEFT JOIN _tw_walk p ON p.tweet_id = w.cur"""
            )
            moved = self._one("SELECT count(*) FROM _tw_step WHERE moved")
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _tw_walk AS SELECT * EXCLUDE (moved) FROM _tw_step"
            )
            if not moved:
                break
        con.execute("DROP TABLE _tw_step")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _tw_resolved AS
                SELECT t.tweet_id, w.r AS root, NOT EXISTS (
                           SELECT 1 FROM _tw_walk p WHERE p.tweet_id = w.cur) AS missing
                FROM {RAW_TABLE} t JOIN _tw_walk w USING (tweet_id)
                WHERE t.source = $1 AND t.root IS NULL""",
            [self.source],
        )
        con.execute(
            f"""UPDATE {RAW_TABLE} SET root = r.root FROM _tw_resolved r
                WHERE {RAW_TABLE}.source = $1 AND {RAW_TABLE}.tweet_id = r.tweet_id
                  AND r.root IS NOT NULL""",
            [self.source],
        )
        con.execute("DROP TABLE _tw_walk")

    def _account(self, kept: int) -> None:
        """Account for the load's kept tweets: used as messages, or ignored (chain not
        resolved, inbound tweet of a thread a brand started)."""
        acc = self.session.account
        rows = self.con.execute(
            f"""SELECT CASE WHEN r.root IS NULL AND r.missing THEN 'missing'
                            WHEN r.root IS NULL THEN 'loop'
                            WHEN NOT rt.inbound AND t.inbound THEN 'brand'
                            ELSE 'used' END AS fate, count(*)
                FROM _tw_new n JOIN _tw_resolved r USING (tweet_id)
                JOIN {RAW_TABLE} t ON t.source = $1 AND t.tweet_id = n.tweet_id
                LEFT JOIN {RAW_TABLE} rt ON rt.source = $1 AND rt.tweet_id = r.root
                GROUP BY fate""",
            [self.source],
        ).fetchall()
        fates = {str(f): int(n) for f, n in rows}
        assert sum(fates.values()) == kept
        acc.used += fates.get("used", 0)
        acc.ignore(I_MISSING, fates.get("missing", 0))
        acc.ignore(I_LOOP, fates.get("loop", 0))
        acc.ignore(I_BRAND, fates.get("brand", 0))
        earlier = self._one(
            "SELECT count(*) FROM _tw_resolved r ANTI JOIN _tw_new n USING (tweet_id) "
            "WHERE r.root IS NOT NULL"
        )
        if earlier:
            acc.notes.append(
                f"{earlier:,} tweets of earlier loads reached the start of their thread with "
                "this load's tweets and were attached to it"
            )

    def _messages(self) -> pa.Table:
        """The messages of the tweets resolved in this load, and the roots whose queue (the
        first @handle that is a brand account) changed with this load's brand accounts."""
        schema = stage_schema("messages")
        cols = ", ".join(f'"{c}"' for c in schema.names)
        rel = self.con.execute(
            f"""
            WITH brands AS (
                SELECT DISTINCT author_id FROM {RAW_TABLE} WHERE source = $1 AND NOT inbound
            ),
            roots AS (
                SELECT t.tweet_id, t.text FROM {RAW_TABLE} t
                WHERE t.source = $1 AND t.inbound AND t.root = t.tweet_id
            ),
            mentions AS (
                SELECT tweet_id, h.handle, h.pos
                FROM (SELECT tweet_id,
                             unnest(regexp_extract_all(text, '@(\\w+)', 1)) AS handle,
                             generate_subscripts(regexp_extract_all(text, '@(\\w+)', 1), 1)
                                 AS pos
                      FROM roots) h
            ),
            fallback AS (
                SELECT m.tweet_id, arg_min(m.handle, m.pos) AS queue
                FROM mentions m SEMI JOIN brands b ON b.author_id = m.handle
                GROUP BY m.tweet_id
            ),
            msgs AS (
                SELECT t.tweet_id, t.root, t.author_id, t.inbound, t.created_at,
                       t.source_file, t.source_line,
                       CASE WHEN NOT t.inbound THEN t.author_id ELSE f.queue END AS queue,
                       n.tweet_id IS NOT NULL AS counted, n._rank, n._line_text
                FROM {RAW_TABLE} t
                JOIN {RAW_TABLE} rt ON rt.source = t.source AND rt.tweet_id = t.root
                LEFT JOIN fallback f ON f.tweet_id = t.tweet_id
                LEFT JOIN _tw_new n ON n.tweet_id = t.tweet_id
                WHERE t.source = $1 AND (rt.inbound OR NOT t.inbound)
                  AND (t.tweet_id IN (SELECT tweet_id FROM _tw_resolved WHERE root IS NOT NULL)
                       OR t.tweet_id IN (SELECT tweet_id FROM roots))
            )
            SELECT {cols} FROM (
                SELECT $1 AS source,
                       CASE WHEN rt_in THEN root END AS conversation_id,
                       tweet_id AS message_id,
                       created_at AS "at",
                       CASE WHEN inbound THEN 'in' ELSE 'out' END AS direction,
                       CASE WHEN inbound THEN 'customer' ELSE 'agent' END AS sender_kind,
                       CASE WHEN inbound THEN NULL ELSE author_id END AS agent_id,
                       false AS private, false AS deleted, '{CHANNEL}' AS channel,
                       queue,
                       CASE WHEN inbound THEN author_id END AS customer_id,
                       CAST(NULL AS VARCHAR) AS priority,
                       CAST(NULL AS VARCHAR) AS source_tz,
                       source_file, source_line,
                       CAST(coalesce(_rank, -1) AS INTEGER) AS _rank,
                       _line_text AS _text,
                       counted AS _counted
                FROM (SELECT m.*, rt.inbound AS rt_in FROM msgs m
                      JOIN {RAW_TABLE} rt ON rt.source = $1 AND rt.tweet_id = m.root))
            """,
            [self.source],
        )
        table: pa.Table = rel.to_arrow_table()
        return table.cast(schema)
