"""Format ``messages``: canonical messages as Parquet (``.parquet``/``.pq``) or CSV (any
other extension), the columns of the ``messages`` table (docs/data-model.md).

Columns by name, in any order. ``message_id``, ``at`` and ``conversation_id`` are
required, and ``direction`` or ``sender_kind`` (or both); the others may be absent. A
column that is not a messages column makes the file not a messages file
(:class:`~contactcenter.errors.FormatError`), so a misspelt column is never dropped.

Defaults: direction from sender_kind (customer: ``in``, the others ``out``) and
sender_kind from direction (``in``: customer, ``out``: agent); private and deleted false;
channel ``chat``; source ``messages`` (``--source`` replaces every row's); an empty
conversation_id is a message of no conversation (it counts for its agent only);
source_file/source_line this file and line (Parquet: row, 1-based). Timestamps are ISO
8601, UTC when they carry no offset (``--source-tz`` does not apply); booleans
true/false (or t/f, 1/0).

Each row is checked in SQL and rejected with its line (row) number when: message_id is
empty; at is empty or not a timestamp; direction is not ``in``/``out`` or sender_kind not
customer/agent/bot/system, or both are empty, or they disagree (``in`` is a customer's,
agent and bot messages are ``out``); private or deleted is not a boolean; channel is not
chat, email, ticket, social or messaging; source_line is not a whole number. Then the
rows go through :mod:`contactcenter.sources._conversations` (repeated rows, the store's
rows, the derivation of conversations). Parquet files are read by DuckDB where they lie.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from contactcenter.errors import FormatError, InputError
from contactcenter.facts import CONVERSATION_CHANNELS, MESSAGES_SCHEMA, SENDER_KINDS
from contactcenter.sources._conversations import ConversationLoader, file_ranks, stage_schema
from contactcenter.sources._csv import iter_records
from contactcenter.sources._instants import range_reason, sql_in_range
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "messages"
COLUMNS: tuple[str, ...] = tuple(MESSAGES_SCHEMA.names)
REQUIRED = ("conversation_id", "message_id", "at")
PARQUET_SUFFIXES = (".parquet", ".pq")
BATCH_ROWS = 50_000
TEXT_STAGE = "_mf_text"

I_HEADER = "header"
I_BLANK = "blank line"
R_FIELDS = "number of fields differs from the header"

_STRINGS = (
    "source",
    "conversation_id",
    "message_id",
    "direction",
    "sender_kind",
    "agent_id",
    "channel",
    "queue",
    "customer_id",
    "priority",
    "source_tz",
    "source_file",
)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: Sequence[str]) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


def check_columns(path: Path, names: list[str], line_no: int | None, what: str) -> None:
    """FormatError unless ``names`` are messages columns with the required ones."""
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise FormatError(
            str(path),
            line_no,
            f"not a {what} file: unknown columns {unknown}; allowed: {', '.join(COLUMNS)}",
        )
    missing = [n for n in REQUIRED if n not in names]
    if "direction" not in names and "sender_kind" not in names:
        missing.append("direction or sender_kind")
    if missing:
        raise FormatError(str(path), line_no, f"not a {what} file: missing columns {missing}")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise FormatError(str(path), line_no, f"not a {what} file: repeated columns {dup}")


def checked_sql(
    relation: str,
    types: dict[str, str],
    *,
    file_name: str,
    line: str,
    text: str,
    rank: int,
    default_source: str,
    source_override: str | None,
) -> str:
    """SQL: the rows of ``relation`` (input columns ``types``: name -> DuckDB type) as
    message rows with the stage's columns, plus ``_reason`` (why a row is rejected, or
    null) and ``_line``. ``line`` and ``text`` are SQL expressions over the relation."""

    def given(name: str) -> bool:
        return name in types

    def string(name: str) -> str:
        return f"NULLIF(trim(CAST({_q(name)} AS VARCHAR)), '')" if given(name) else "NULL"

    def typed(name: str, sql_type: str) -> tuple[str, str]:
        """(value, raw text non-empty) for a typed column read from text or its type."""
        if not given(name):
            return "NULL", "false"
        raw = string(name)
        if types[name].upper().startswith(sql_type.split()[0]) or (
            sql_type == "TIMESTAMPTZ" and types[name].upper().startswith("TIMESTAMP")
        ):
            return f"CAST({_q(name)} AS {sql_type})", f"({_q(name)} IS NOT NULL)"
        if sql_type == "BOOLEAN":
            return f"TRY_CAST(lower({raw}) AS BOOLEAN)", f"({raw} IS NOT NULL)"
        return f"TRY_CAST({raw} AS {sql_type})", f"({raw} IS NOT NULL)"

    at, at_given = typed("at", "TIMESTAMPTZ")
    private, private_given = typed("private", "BOOLEAN")
    deleted, deleted_given = typed("deleted", "BOOLEAN")
    src_line, src_line_given = typed("source_line", "BIGINT")
    direction = f"lower({string('direction')})" if given("direction") else "NULL"
    kind = f"lower({string('sender_kind')})" if given("sender_kind") else "NULL"
    source = (
        _lit(source_override)
        if source_override
        else f"coalesce({string('source')}, {_lit(default_source)})"
    )
    kinds = _list(SENDER_KINDS)
    channels = _list(CONVERSATION_CHANNELS)
    return f"""
    WITH raw AS (
        SELECT {source} AS source,
               {string("conversation_id")} AS conversation_id,
               {string("message_id")} AS message_id,
               {at} AS "at", {at_given} AS at_given,
               {direction} AS dir_in, {kind} AS kind_in,
               {string("agent_id")} AS agent_id,
               {private} AS private_v, {private_given} AS private_given,
               {deleted} AS deleted_v, {deleted_given} AS deleted_given,
               coalesce(lower({string("channel")}), 'chat') AS channel,
               {string("queue")} AS queue,
               {string("customer_id")} AS customer_id,
               {string("priority")} AS priority,
               {string("source_tz")} AS source_tz,
               coalesce({string("source_file")}, {_lit(file_name)}) AS source_file,
               {src_line} AS src_line_v, {src_line_given} AS src_line_given,
               {line} AS _line, {text} AS _text
        FROM {relation}
    ),
    v AS (
        SELECT *,
               coalesce(dir_in, CASE WHEN kind_in = 'customer' THEN 'in'
                                     WHEN kind_in IS NOT NULL THEN 'out' END) AS direction,
               coalesce(kind_in, CASE WHEN dir_in = 'in' THEN 'customer'
                                      WHEN dir_in = 'out' THEN 'agent' END) AS sender_kind
        FROM raw
    )
    SELECT source, conversation_id, message_id, "at", direction, sender_kind, agent_id,
           coalesce(private_v, false) AS private, coalesce(deleted_v, false) AS deleted,
           channel, queue, customer_id, priority, source_tz, source_file,
           coalesce(src_line_v, _line) AS source_line,
           CAST({rank} AS INTEGER) AS _rank, _text, true AS _counted, _line,
           CASE WHEN message_id IS NULL THEN 'message_id is empty'
                WHEN NOT at_given THEN 'at is empty'
                WHEN "at" IS NULL THEN 'at is not a timestamp'
                WHEN NOT {sql_in_range('"at"')} THEN '{range_reason("at")}'
                WHEN dir_in IS NOT NULL AND dir_in NOT IN ('in', 'out')
                    THEN 'direction must be in or out'
                WHEN kind_in IS NOT NULL AND kind_in NOT IN {kinds}
                    THEN 'sender_kind must be one of {", ".join(SENDER_KINDS)}'
                WHEN dir_in IS NULL AND kind_in IS NULL
                    THEN 'direction and sender_kind are both empty'
                WHEN (direction = 'in') <> (sender_kind = 'customer')
                     AND sender_kind <> 'system'
                    THEN 'direction ' || direction || ' does not go with sender_kind '
                         || sender_kind
                WHEN private_given AND private_v IS NULL THEN 'private is not true/false'
                WHEN deleted_given AND deleted_v IS NULL THEN 'deleted is not true/false'
                WHEN channel NOT IN {channels}
                    THEN 'channel must be one of {", ".join(CONVERSATION_CHANNELS)}'
                WHEN src_line_given AND src_line_v IS NULL
                    THEN 'source_line is not a whole number'
           END AS _reason
    FROM v
    """


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class MessageRows:
    """Checks message rows (text staged from CSV, or a Parquet file where it lies), records
    the rejects, and stages the others for the :class:`ConversationLoader`."""

    def __init__(self, session: LoadSession, loader: ConversationLoader) -> None:
        self.session = session
        self.loader = loader

    def add_checked(
        self, select: str, texts_of: Callable[[list[int]], dict[int, str]] | None = None
    ) -> None:
        """Run the checked ``select`` (from :func:`checked_sql`): reject the rows with a
        reason, stage the others. ``texts_of`` gives the text of rejected rows that have
        none (line number -> text), read again from their file."""
        con = self.session.con
        acc = self.session.account
        con.execute(f"CREATE OR REPLACE TEMP TABLE _mf_checked AS {select}")
        try:
            bad = con.execute(
                "SELECT source_file, _line, _reason, _text FROM _mf_checked "
                "WHERE _reason IS NOT NULL ORDER BY _line"
            ).fetchall()
            missing = [int(line) for _, line, _, text in bad if text is None]
            found = texts_of(missing) if texts_of is not None and missing else {}
            for file, line, reason, text in bad:
                shown = text if text is not None else found.get(int(line), "")
                acc.reject(str(file), int(line), str(reason), reject_text(str(shown)))
            names = ", ".join(_q(n) for n in stage_schema("messages").names)
            row = con.execute("SELECT count(*) FROM _mf_checked WHERE _reason IS NULL").fetchone()
            good = int(row[0]) if row else 0
            acc.used += good
            self.loader.add_messages_sql(
                f"SELECT {names} FROM _mf_checked WHERE _reason IS NULL", good
            )
        finally:
            con.execute("DROP TABLE IF EXISTS _mf_checked")


def parquet_texts(session: LoadSession, path: Path) -> Callable[[list[int]], dict[int, str]]:
    """Reads rows of a Parquet file again by 1-based row number, as comma-joined text."""

    def texts(rows: list[int]) -> dict[int, str]:
        ref = _lit(str(path))
        found = session.con.execute(
            f"SELECT file_row_number + 1 AS n, * EXCLUDE (file_row_number) "
            f"FROM read_parquet({ref}, file_row_number = true) "
            f"WHERE file_row_number + 1 IN ({', '.join(str(r) for r in rows)})"
        ).fetchall()
        return {int(r[0]): ",".join("" if v is None else str(v) for v in r[1:]) for r in found}

    return texts


def _load_parquet(rows: MessageRows, session: LoadSession, path: Path, rank: int,
                  options: IngestOptions) -> None:  # fmt: skip
    con = session.con
    ref = _lit(str(path))
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({ref})").fetchall()
    except duckdb.Error as exc:
        raise FormatError(str(path), None, f"not a Parquet file: {exc}".splitlines()[0]) from None
    types = {str(r[0]): str(r[1]) for r in described}
    check_columns(path, list(types), None, "messages")
    count = con.execute(f"SELECT count(*) FROM read_parquet({ref})").fetchone()
    session.account.read += int(count[0]) if count else 0
    rows.add_checked(
        checked_sql(
            f"read_parquet({ref}, file_row_number = true)",
            types,
            file_name=path.name,
            line="file_row_number + 1",
            text="CAST(NULL AS VARCHAR)",
            rank=rank,
            default_source=SOURCE,
            source_override=options.source,
        ),
        parquet_texts(session, path),
    )


def _load_csv(
    rows: MessageRows,
    session: LoadSession,
    path: Path,
    rank: int,
    options: IngestOptions,
    not_utf8: LinePlaces,
) -> None:
    acc = session.account
    con = session.con
    header: list[str] | None = None
    cols: dict[str, list[str | None]] = {}
    lines: list[int] = []
    texts: list[str] = []
    created = False

    def flush() -> None:
        nonlocal created
        if header is None:
            return
        if not created:
            defs = ", ".join(f"{_q(h)} VARCHAR" for h in header)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {TEXT_STAGE} ({defs}, _line BIGINT, _text VARCHAR)"
            )
            created = True
        if lines:
            data = {h: pa.array(v, pa.string()) for h, v in cols.items()}
            data["_line"] = pa.array(lines, pa.int64())
            data["_text"] = pa.array(texts, pa.string())
            batch = pa.table(data)
            con.register("_mf_batch", batch)
            try:
                con.execute(f"INSERT INTO {TEXT_STAGE} SELECT * FROM _mf_batch")
            finally:
                con.unregister("_mf_batch")
        for v in cols.values():
            v.clear()
        lines.clear()
        texts.clear()

    for rec in iter_records(path, progress=options.progress, keep_cr=True):
        acc.read += 1
        if rec.bad_utf8:
            not_utf8.add(path.name, rec.line_no)
        if rec.blank:
            acc.ignore(I_BLANK)
            continue
        if header is None:
            header = [h.strip() for h in rec.fields or []]
            check_columns(path, header, rec.line_no, "messages")
            cols = {h: [] for h in header}
            acc.ignore(I_HEADER)
            continue
        if rec.fields is None or len(rec.fields) != len(header):
            acc.reject(path.name, rec.line_no, rec.error or R_FIELDS, reject_text(rec.text))
            continue
        for name, value in zip(header, rec.fields, strict=True):
            cols[name].append(value)
        lines.append(rec.line_no)
        texts.append(reject_text(rec.text))
        if len(lines) >= BATCH_ROWS:
            flush()
    if header is None:
        raise FormatError(str(path), None, "empty file: no header line")
    flush()
    rows.add_checked(
        checked_sql(
            TEXT_STAGE,
            dict.fromkeys(header, "VARCHAR"),
            file_name=path.name,
            line="_line",
            text="_text",
            rank=rank,
            default_source=SOURCE,
            source_override=options.source,
        )
    )
    con.execute(f"DROP TABLE {TEXT_STAGE}")


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load canonical messages files (see the module docstring)."""
    if options.source_tz:
        raise InputError(
            "{field} does not apply to format messages: its timestamps are UTC "
            "(or carry their own offset)",
            field="source_tz",
        )
    if options.mapping is not None:
        raise InputError(
            "{field} does not apply to format messages (its columns are the canonical ones; "
            "use messages_csv for a mapped export)",
            field="mapping",
        )
    loader = ConversationLoader(session)
    rows = MessageRows(session, loader)
    ranks = file_ranks(files)
    not_utf8 = LinePlaces()
    for index, path in enumerate(files):
        if path.suffix.lower() in PARQUET_SUFFIXES:
            _load_parquet(rows, session, path, ranks[index], options)
        else:
            _load_csv(rows, session, path, ranks[index], options, not_utf8)
    note = not_utf8_note(not_utf8)
    if note:
        session.account.notes.append(note)
    loader.finish()


__all__ = ["MessageRows", "checked_sql", "load", "parquet_texts"]
