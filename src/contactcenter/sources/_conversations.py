"""Messages and conversation events to conversations: the one mechanism behind every
conversation format (``ticket_events``, ``twcs``, ``messages``, ``messages_csv``).

A format reads its lines, accounts for each (read, ignored, rejected, used), and hands the
rows it uses here as *message rows* (the columns of ``messages``) and *event rows* (the
columns of ``conversation_events`` the source gives), each with the file's rank and the
line's text. :meth:`ConversationLoader.finish` then

1. drops repeated rows: a row whose key another row of the load has, with the same values
   (``duplicate row``; the first by file name and line is kept), or with other values
   (rejected), and a row the store holds already with the same values (``already in the
   store``);
2. writes the new and changed messages;
3. re-derives every conversation that got new or changed rows from *all* its stored and
   new messages and events: the ``conversations`` row, its ``responses`` (customer turns),
   and the derived columns of its events (``resolves``, ``replied``, ``pending_until``).
   A conversation still open at the end of the data is completed by a later load, and the
   order of files and loads does not change the result (rows are ordered by time, then
   file name, then line).

Rules (for users in docs/ingestion.md)
    * The rows of a conversation are ordered by time, then file name, then line.
      ``created_at`` is its first row.
    * A **reply** is a message ``out`` by an ``agent``, neither private nor deleted, or a
      ``responded`` event. Bot, system, private and deleted messages are never a reply.
    * **Resolution**: a ``resolved`` or ``closed`` event while the conversation is not
      resolved resolves it (``resolves``); one while it is resolved already (``Closed``
      after ``Resolve ticket``) changes only the status. A ``responded`` or ``reopened``
      event, or a customer message, while it is resolved **reopens** it.
    * **First response**: the first reply from ``created_at`` on and *before the first
      resolution* (a reply after a reopen answers a later turn, never the creation); the
      clock starts at the first customer message when an agent's message opened the
      conversation. ``first_response_incl_bot_s`` counts bot replies too.
    * **a1rt**: from the first ``assigned`` event to the first reply by that event's agent.
    * **Bot phase**: when a bot's message answered first (before any person replied or
      was assigned), the conversation is with the bot until the first row that brings a
      person in (``handoff_at``: an assignment, a reply or ``responded`` event, or any
      other message or event by a named agent, e.g. an internal note or a resolution;
      never a bot's or the customer's); ``bot_s`` is its length (to the first
      resolution or the last row when no person came). The resolution times run from
      ``handoff_at``, so bot time is never counted in them, and a conversation a bot
      resolved alone has none.
    * **Pending**: a ``pending`` event (while not resolved) lasts until the conversation's
      next event or customer message, or is still running (``pending_since``).
    * **Turns** (``responses``): a customer message that follows a reply, a resolution or
      nothing starts a turn; the first reply after it ends the turn (replied), or a
      resolution first (its clock stops).
    * queue: of the first ``out`` message naming one, else of the first row naming one;
      customer_id: the first named; priority: the last named; channel: the first row's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from contactcenter.facts import (
    CONVERSATION_EVENTS_SCHEMA,
    CONVERSATIONS_SCHEMA,
    MESSAGES_SCHEMA,
    table_spec,
)
from contactcenter.sources._agent_sessions import CHAT_CHANNELS, refresh_chat_agents
from contactcenter.sources._text import reject_text
from contactcenter.store import LoadSession

MSG_STAGE = "_cv_msg_stage"
EV_STAGE = "_cv_ev_stage"

DERIVED_EVENT_COLUMNS = ("resolves", "replied", "pending_until")
EVENT_INPUT_COLUMNS: tuple[str, ...] = tuple(
    c for c in CONVERSATION_EVENTS_SCHEMA.names if c not in DERIVED_EVENT_COLUMNS
)
"""Columns of an event row a format gives (the derived ones are computed here)."""
MESSAGE_COLUMNS: tuple[str, ...] = tuple(MESSAGES_SCHEMA.names)

EXTRA = ("_rank", "_text", "_counted")
"""Columns a staged row carries besides the table's: the file's rank (by base name), the
line's text for the rejects file (null: rebuilt from the values), and whether the row is
one of this load's lines counted as used (false for a row a format derives again from
rows of earlier loads, e.g. a tweet whose thread start arrived)."""

PROVENANCE = ("source_file", "source_line", "source_tz")
"""Columns that say where a row was read, not what it is: a stored row equal on every
other column is the same row."""

I_DUPLICATE = "duplicate row"
I_ALREADY = "already in the store"
R_MESSAGE_REPEATED = "message_id repeated in its conversation with different values"
R_EVENT_REPEATED = (
    "event repeated with different values (same conversation, time, activity and agent)"
)

_MSG_KEY = ("source", "conversation_id", "message_id")
_EV_KEY = ("source", "conversation_id", "at", "activity", "agent_id")

_SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.bool_(): "BOOLEAN",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cols(names: Sequence[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{_q(c)}" for c in names)


def _same(names: Sequence[str], a: str, b: str) -> str:
    """SQL: rows ``a`` and ``b`` are equal on ``names`` (nulls equal)."""
    return " AND ".join(f"{a}.{_q(c)} IS NOT DISTINCT FROM {b}.{_q(c)}" for c in names)


def file_ranks(files: Sequence[Path]) -> dict[int, int]:
    """The rank of each file position by base name (then position): the first copy of a
    repeated row, in this order, is the one kept."""
    order = sorted(range(len(files)), key=lambda i: (files[i].name, i))
    return {i: r for r, i in enumerate(order)}


def stage_schema(kind: str) -> pa.Schema:
    """The Arrow schema of the rows a format hands to :meth:`ConversationLoader.add`:
    ``kind`` ``messages`` or ``events``, then the :data:`EXTRA` columns."""
    if kind == "messages":
        fields = list(MESSAGES_SCHEMA)
    else:
        fields = [CONVERSATION_EVENTS_SCHEMA.field(c) for c in EVENT_INPUT_COLUMNS]
    extra = [
        pa.field("_rank", pa.int32()),
        pa.field("_text", pa.string()),
        pa.field("_counted", pa.bool_()),
    ]
    return pa.schema([*fields, *extra])


@dataclass
class Derived:
    """What :meth:`ConversationLoader.finish` derived (for the load's notes and tests)."""

    conversations: int = 0
    statuses: dict[str, int] | None = None


class ConversationLoader:
    """Stages the message and event rows of one load; :meth:`finish` writes them and
    derives the conversations (see the module docstring)."""

    def __init__(self, session: LoadSession) -> None:
        self.session = session
        con = session.con
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {MSG_STAGE} ("
            + ", ".join(f"{_q(f.name)} {_SQL_TYPES[f.type]}" for f in stage_schema("messages"))
            + ")"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {EV_STAGE} ("
            + ", ".join(f"{_q(f.name)} {_SQL_TYPES[f.type]}" for f in stage_schema("events"))
            + ")"
        )
        self.staged_messages = 0
        self.staged_events = 0

    # ------------------------------------------------------------------ staging
    def add(self, kind: str, rows: pa.Table) -> None:
        """Stage rows of ``kind`` (``messages`` or ``events``) in :func:`stage_schema`
        (the format has counted those with ``_counted`` true, or absent, as used)."""
        if rows.num_rows == 0:
            return
        schema = stage_schema(kind)
        counted = (
            rows.column("_counted").fill_null(True)
            if "_counted" in rows.column_names
            else pa.repeat(pa.scalar(True), rows.num_rows)
        )
        rows = rows.drop_columns([c for c in ("_counted",) if c in rows.column_names])
        rows = rows.append_column("_counted", counted)
        rows = rows.select(schema.names).cast(schema)
        name = f"_cv_batch_{id(rows)}"
        self.session.con.register(name, rows)
        try:
            target = MSG_STAGE if kind == "messages" else EV_STAGE
            self.session.con.execute(f"INSERT INTO {target} SELECT * FROM {name}")
        finally:
            self.session.con.unregister(name)
        if kind == "messages":
            self.staged_messages += rows.num_rows
        else:
            self.staged_events += rows.num_rows

    def add_messages_sql(self, select: str, count: int) -> None:
        """Stage ``count`` message rows given by a SELECT with the stage's columns (a
        Parquet file read where it lies)."""
        self.session.con.execute(f"INSERT INTO {MSG_STAGE} {select}")
        self.staged_messages += count

    # ------------------------------------------------------------------ finishing
    def finish(self) -> Derived:
        """Drop repeated rows, write messages, derive conversations (module docstring)."""
        con = self.session.con
        try:
            self._dedupe(
                MSG_STAGE,
                "messages",
                _MSG_KEY,
                MESSAGE_COLUMNS,
                R_MESSAGE_REPEATED,
            )
            self._dedupe(EV_STAGE, "conversation_events", _EV_KEY, EVENT_INPUT_COLUMNS,
                         R_EVENT_REPEATED)  # fmt: skip
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _cv_touched AS
                    SELECT DISTINCT source, conversation_id FROM (
                        SELECT source, conversation_id FROM {MSG_STAGE}
                        UNION ALL SELECT source, conversation_id FROM {EV_STAGE})
                    WHERE conversation_id IS NOT NULL"""
            )
            con.execute(
                "CREATE OR REPLACE TEMP VIEW _cv_msg_write AS "
                f"SELECT {_cols(MESSAGE_COLUMNS)} FROM {MSG_STAGE}"
            )
            touched = self._count("_cv_touched")
            if touched:
                # the rows of the touched conversations, read before the new messages are
                # written (the stored ones they replace are left out)
                con.execute(_ROWS_SQL.format(events=EV_STAGE))
            if self.staged_messages and self._count(MSG_STAGE):
                self.session.write("messages", "_cv_msg_write")
            derived = Derived()
            if touched:
                derived = self._derive()
            return derived
        finally:
            con.execute("DROP VIEW IF EXISTS _cv_msg_write")
            for table in (MSG_STAGE, EV_STAGE, "_cv_touched", "_cv_rows"):
                con.execute(f"DROP TABLE IF EXISTS {table}")

    def _count(self, table: str) -> int:
        row = self.session.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    def _dedupe(
        self,
        stage: str,
        table: str,
        key: tuple[str, ...],
        columns: tuple[str, ...],
        repeated: str,
    ) -> None:
        """Remove from ``stage`` the later copies of a key (ignored when equal, rejected
        when not) and the rows the store holds already with the same values."""
        con = self.session.con
        acc = self.session.account
        values = [c for c in columns if c not in key and c not in PROVENANCE]
        keys = _cols(key)
        row = con.execute(f"SELECT count(*) - count(DISTINCT ({keys})) FROM {stage}").fetchone()
        if row and row[0]:
            self._later_copies(stage, key, columns, values, repeated)
        if not self._count(table):
            return
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _cv_already AS
                SELECT {keys}, _counted FROM {stage} n SEMI JOIN {_q(table)} s
                ON {_same(key, "n", "s")} AND {_same(values, "n", "s")}"""
        )
        if self._count("_cv_already"):
            row = con.execute("SELECT count(*) FROM _cv_already WHERE _counted").fetchone()
            already = int(row[0]) if row else 0
            acc.used -= already
            acc.ignore(I_ALREADY, already)
            con.execute(
                f"""DELETE FROM {stage} WHERE EXISTS (
                        SELECT 1 FROM _cv_already a WHERE {_same(key, stage, "a")})"""
            )
        con.execute("DROP TABLE _cv_already")

    def _later_copies(
        self,
        stage: str,
        key: tuple[str, ...],
        columns: tuple[str, ...],
        values: list[str],
        repeated: str,
    ) -> None:
        """Keep the first row of each key (by file rank, then line): a later copy with
        the same values is a duplicate, one with other values is rejected."""
        con = self.session.con
        acc = self.session.account
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _cv_ranked AS
                SELECT *, row_number() OVER (PARTITION BY {_cols(key)}
                                             ORDER BY _rank, source_line) AS _k
                FROM {stage}"""
        )
        later = con.execute(
            f"""SELECT n.source_file, n.source_line, n._text, n._counted,
                       {_same(values, "n", "f")} AS same,
                       {_cols(columns, "n.")}
                FROM _cv_ranked n JOIN _cv_ranked f ON {_same(key, "n", "f")}
                WHERE n._k > 1 AND f._k = 1
                ORDER BY n._rank, n.source_line"""
        )
        names = [d[0] for d in later.description]
        duplicates = 0
        for row in later.fetchall():
            rec = dict(zip(names, row, strict=True))
            if not rec["_counted"]:
                continue
            acc.used -= 1
            if rec["same"]:
                duplicates += 1
            else:
                text = rec["_text"] if rec["_text"] is not None else _row_text(rec, columns)
                acc.reject(
                    str(rec["source_file"]), int(rec["source_line"]), repeated, reject_text(text)
                )
        acc.ignore(I_DUPLICATE, duplicates)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {stage} AS "
            "SELECT * EXCLUDE (_k) FROM _cv_ranked WHERE _k = 1"
        )
        con.execute("DROP TABLE _cv_ranked")

    # ------------------------------------------------------------------ deriving
    def _derive(self) -> Derived:
        con = self.session.con
        acc = self.session.account
        con.execute(_STATE_SQL)
        con.execute("DROP TABLE _cv_rows")
        con.execute(_CONVERSATIONS_SQL)
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _cv_conversations AS SELECT "
            + _cols(CONVERSATIONS_SCHEMA.names)
            + " FROM _cv_conv_all"
        )
        con.execute(_RESPONSES_SQL)
        con.execute(_EVENTS_SQL)
        con.execute(_AGENT_CONVERSATIONS_SQL)
        con.execute("DROP TABLE _cv_state")
        if self._count("_cv_events"):
            self.session.write("conversation_events", "_cv_events")
        self.session.write("conversations", "_cv_conversations")
        removed = self._replace("responses", "_cv_responses", ("source", "conversation_id"))
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _cv_agents AS
               SELECT DISTINCT source, agent_id, channel, queue FROM (
                   SELECT source, agent_id, channel, queue FROM _cv_agent_conv
                   UNION ALL
                   SELECT a.source, a.agent_id, a.channel, a.queue FROM agent_conversations a
                   SEMI JOIN _cv_touched t USING (source, conversation_id))"""
        )
        self._replace("agent_conversations", "_cv_agent_conv", ("source", "conversation_id"))
        chat_agents = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT agent_id FROM _cv_agents WHERE channel IN "
                "(SELECT unnest($1::VARCHAR[]))",
                [list(CHAT_CHANNELS)],
            ).fetchall()
        ]
        con.execute(_AGENT_LOAD_SQL)
        self._replace(
            "agent_load", "_cv_agent_load", ("source", "agent_id", "channel", "queue"), "_cv_agents"
        )
        # chat time is handling time in the agents' states (docs/data-model.md)
        refresh_chat_agents(self.session, chat_agents)
        statuses = {
            str(s): int(n)
            for s, n in con.execute(
                "SELECT status, count(*) FROM _cv_conv_all GROUP BY status ORDER BY status"
            ).fetchall()
        }
        late = con.execute("SELECT count(*) FROM _cv_conv_all WHERE late_reply").fetchone()
        n = sum(statuses.values())
        acc.notes.append(
            f"conversations derived in this load: {n:,} ("
            + ", ".join(f"{s} {k:,}" for s, k in statuses.items())
            + ")"
        )
        if late and late[0]:
            acc.notes.append(
                f"{int(late[0]):,} conversations were resolved before any reply; the replies "
                "after their reopening answer a later turn and are not their first response "
                "(they count as unanswered)"
            )
        if removed:
            acc.notes.append(
                f"{removed:,} stored customer turns (responses) no longer exist after the "
                "new rows and were removed"
            )
        con.execute("DROP VIEW _cv_conversations")
        for table in ("_cv_events", "_cv_conv_all", "_cv_responses", "_cv_agent_conv",
                      "_cv_agents", "_cv_agent_load"):  # fmt: skip
            con.execute(f"DROP TABLE {table}")
        return Derived(conversations=n, statuses=statuses)

    def _replace(
        self, table: str, derived: str, parent: tuple[str, ...], scope: str = "_cv_touched"
    ) -> int:
        """Remove the stored rows of ``table`` whose ``parent`` columns are in ``scope``
        and whose key the derivation (``derived``) no longer produces, then upsert the
        derived rows (unchanged ones are not written). Returns how many were removed."""
        con = self.session.con
        spec = table_spec(table)
        self.session.store.ensure(spec)
        in_scope = _same(parent, table, "p")
        kept = _same(spec.key, table, "n")
        where = (
            f"EXISTS (SELECT 1 FROM {scope} p WHERE {in_scope}) "
            f"AND NOT EXISTS (SELECT 1 FROM {derived} n WHERE {kept})"
        )
        row = con.execute(f"SELECT count(*) FROM {_q(table)} WHERE {where}").fetchone()
        removed = int(row[0]) if row else 0
        if removed:
            con.execute(f"DELETE FROM {_q(table)} WHERE {where}")
        if self._count(derived):
            self.session.write(table, derived)
        return removed


def _row_text(rec: dict[str, object], columns: Sequence[str]) -> str:
    """A row's values as the rejects file shows a row that has no line text (Parquet)."""
    return ",".join("" if rec.get(c) is None else str(rec.get(c)) for c in columns)


# ------------------------------------------------------------------------------ SQL
_R_KINDS = "('resolved', 'closed', 'responded', 'reopened', 'in')"
"""Rows that set the resolved state: a resolution, or what reopens it."""
_T_KINDS = "('in', 'reply', 'responded', 'resolved', 'closed')"
"""Rows that start or end a customer turn."""
_REPLY = "('reply', 'responded')"

_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE _cv_rows AS
WITH msgs AS (
    SELECT m.* FROM messages m SEMI JOIN _cv_touched t USING (source, conversation_id)
    ANTI JOIN _cv_msg_write w USING (source, conversation_id, message_id)
    UNION ALL BY NAME
    SELECT * FROM _cv_msg_write WHERE conversation_id IS NOT NULL
),
evs AS (
    SELECT e.* EXCLUDE (resolves, replied, pending_until)
    FROM conversation_events e SEMI JOIN _cv_touched t USING (source, conversation_id)
    ANTI JOIN {events} n ON e.source = n.source AND e.conversation_id = n.conversation_id
        AND e."at" = n."at" AND e.activity = n.activity
        AND e.agent_id IS NOT DISTINCT FROM n.agent_id
    UNION ALL BY NAME
    SELECT * EXCLUDE (_rank, _text, _counted) FROM {events}
)
SELECT source, conversation_id, "at", coalesce(source_file, '') AS f,
       coalesce(source_line, 0) AS l, message_id AS tb,
       CASE WHEN direction = 'in' AND sender_kind = 'customer' THEN 'in'
            WHEN direction = 'out' AND NOT private AND NOT deleted
                 AND sender_kind = 'agent' THEN 'reply'
            WHEN direction = 'out' AND NOT private AND NOT deleted
                 AND sender_kind = 'bot' THEN 'bot'
            ELSE 'note' END AS k,
       direction, agent_id, channel, queue, customer_id, priority, source_tz,
       source_file, source_line, CAST(NULL AS VARCHAR) AS activity
FROM msgs
UNION ALL
SELECT source, conversation_id, "at", coalesce(source_file, ''), coalesce(source_line, 0),
       activity, kind, CAST(NULL AS VARCHAR), agent_id, channel, queue, customer_id,
       priority, source_tz, source_file, source_line, activity
FROM evs
"""
"""SQL: every row of the conversations that got new rows: their stored messages and
events (the replaced ones left out) and the load's, as one row kind ``k``: ``in``
(customer message), ``reply``, ``bot``, ``note`` (system, private, deleted) or the event's
kind."""

_STATE_SQL = f"""
CREATE OR REPLACE TEMP TABLE _cv_state AS
WITH o AS (
    SELECT *,
           row_number() OVER w AS rn,
           last_value(CASE WHEN k IN {_R_KINDS} THEN k END IGNORE NULLS) OVER wb AS prev_r,
           last_value(CASE WHEN k IN {_T_KINDS} THEN k END IGNORE NULLS) OVER wb AS prev_t,
           count(*) FILTER (WHERE k IN {_REPLY}) OVER wb AS replies_before,
           first_value(CASE WHEN k NOT IN ('reply', 'bot', 'note') THEN "at" END IGNORE NULLS)
               OVER wa AS next_end,
           first_value(direction) OVER wall AS first_direction,
           min("at") FILTER (WHERE k = 'in') OVER wall AS first_in_at,
           first_value(CASE WHEN k = 'assigned' THEN {{'at': "at", 'agent': agent_id}} END
                       IGNORE NULLS) OVER wall AS assigned
    FROM _cv_rows
    WINDOW w AS (PARTITION BY source, conversation_id ORDER BY "at", f, l, tb),
           wb AS (PARTITION BY source, conversation_id ORDER BY "at", f, l, tb
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           wa AS (PARTITION BY source, conversation_id ORDER BY "at", f, l, tb
                  ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING),
           wall AS (PARTITION BY source, conversation_id ORDER BY "at", f, l, tb
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
s AS (
    SELECT *,
           coalesce(prev_r IN ('resolved', 'closed'), false) AS was_resolved,
           k = 'in' AND coalesce(prev_t, '') <> 'in' AS turn_start
    FROM o
)
SELECT *,
       k IN ('resolved', 'closed') AND NOT was_resolved AS resolves,
       k IN ('responded', 'reopened', 'in') AND was_resolved AS reopens,
       k = 'pending' AND NOT was_resolved AS pends,
       coalesce(sum(CASE WHEN k IN ('resolved', 'closed') AND NOT was_resolved THEN 1 END)
                OVER wb2, 0) AS resolutions_before,
       sum(CASE WHEN turn_start THEN 1 ELSE 0 END) OVER wc AS turn,
       -- the first-response clock: from creation, or from the first customer message
       -- when an agent's (or bot's) message opened the conversation
       CASE WHEN first_direction = 'out' THEN first_in_at
            ELSE min("at") OVER wall2 END AS clock_at,
       CASE WHEN first_direction = 'out' THEN min(rn) FILTER (WHERE k = 'in') OVER wall2
            ELSE 1 END AS clock_rn,
       min(rn) FILTER (WHERE k = 'assigned') OVER wall2 AS assigned_rn
FROM s
WINDOW wb2 AS (PARTITION BY source, conversation_id ORDER BY rn
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
       wc AS (PARTITION BY source, conversation_id ORDER BY rn
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
       wall2 AS (PARTITION BY source, conversation_id)
"""
"""SQL: the rows of each conversation in order, with the state before each (the last
row that set the resolved state, the last turn row, replies so far, the time of the next
row that ends a pending period), what the conversation's first rows say (the direction
of the first, the first customer message, the first assignment), and what each row does:
resolves, reopens, starts a pending period, starts a customer turn; resolutions before
it; its turn number (0 before the first turn); where the first-response clock starts
(time and row number) and the row number of the first assignment."""

_ANSWER = "k IN ('reply', 'responded')"

_CONVERSATIONS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _cv_conv_all AS
WITH a AS (
    SELECT source, conversation_id,
           min("at") AS created_at,
           arg_min(channel, rn) AS channel,
           coalesce(arg_min(queue, rn) FILTER (WHERE queue IS NOT NULL AND direction = 'out'),
                    arg_min(queue, rn) FILTER (WHERE queue IS NOT NULL)) AS queue,
           arg_min(customer_id, rn) FILTER (WHERE customer_id IS NOT NULL) AS customer_id,
           arg_max(priority, rn) FILTER (WHERE priority IS NOT NULL) AS priority,
           arg_min(source_tz, rn) AS source_tz,
           arg_min(source_file, rn) AS source_file,
           arg_min(source_line, rn) AS source_line,
           max("at") AS last_activity_at,
           any_value(clock_at) AS clock_at,
           any_value(assigned) AS assigned,
           min("at") FILTER (WHERE resolves) AS first_resolved_at,
           max("at") FILTER (WHERE resolves) AS resolved_at,
           count(*) FILTER (WHERE reopens) AS reopened,
           arg_max(k, rn) FILTER (WHERE k IN {_R_KINDS}) AS last_r,
           arg_max(k, rn) FILTER (WHERE k IN ('resolved', 'closed')) AS last_resolution,
           sum(epoch_us(next_end) - epoch_us("at")) FILTER (WHERE pends AND next_end IS NOT NULL)
               AS pending_us,
           max("at") FILTER (WHERE pends AND next_end IS NULL) AS pending_since,
           arg_min({{'at': "at", 'agent': agent_id}}, rn)
               FILTER (WHERE {_ANSWER} AND rn >= clock_rn AND resolutions_before = 0) AS fr,
           min("at") FILTER (WHERE (k = 'bot' OR {_ANSWER}) AND rn >= clock_rn
                             AND resolutions_before = 0) AS fr_bot,
           min("at") FILTER (WHERE {_ANSWER} AND rn > assigned_rn
                             AND agent_id = assigned.agent) AS a1,
           bool_or({_ANSWER} AND resolutions_before > 0) AS replied_later,
           min(rn) FILTER (WHERE k = 'bot' AND rn >= clock_rn) AS first_bot_rn,
           arg_min({{'at': "at", 'rn': rn}}, rn)
               FILTER (WHERE k NOT IN ('bot', 'in')
                             AND ({_ANSWER} OR k = 'assigned' OR agent_id IS NOT NULL))
               AS person
    FROM _cv_state
    GROUP BY source, conversation_id
),
b AS (
    SELECT *,
           first_bot_rn IS NOT NULL AND (person IS NULL OR first_bot_rn < person.rn)
               AS bot_phase
    FROM a
),
c AS (
    SELECT *,
           CASE WHEN bot_phase THEN person."at" END AS handoff_at,
           -- the resolution clocks start when a person takes part (never, while a bot
           -- alone has answered)
           CASE WHEN bot_phase THEN person."at" ELSE created_at END AS person_at
    FROM b
)
SELECT source, conversation_id, channel, queue, customer_id, priority, created_at,
       assigned."at" AS first_assigned_at,
       assigned.agent AS assignee_id,
       fr."at" AS first_response_at,
       fr.agent AS agent_id,
       (epoch_us(fr."at") - epoch_us(clock_at)) / 1e6 AS first_response_s,
       (epoch_us(fr_bot) - epoch_us(clock_at)) / 1e6 AS first_response_incl_bot_s,
       (epoch_us(a1) - epoch_us(assigned."at")) / 1e6 AS a1rt_s,
       first_resolved_at,
       resolved_at,
       CASE WHEN last_r IN ('resolved', 'closed') THEN resolved_at END AS final_resolved_at,
       CASE WHEN person_at <= first_resolved_at
            THEN (epoch_us(first_resolved_at) - epoch_us(person_at)) / 1e6 END AS resolution_s,
       CASE WHEN last_r IN ('resolved', 'closed') AND person_at <= resolved_at
            THEN (epoch_us(resolved_at) - epoch_us(person_at)) / 1e6 END
           AS final_resolution_s,
       handoff_at,
       CASE WHEN bot_phase
            THEN (epoch_us(coalesce(handoff_at, first_resolved_at, last_activity_at))
                  - epoch_us(created_at)) / 1e6 END AS bot_s,
       CAST(reopened AS INTEGER) AS reopened,
       CASE WHEN last_r IN ('resolved', 'closed') THEN last_resolution
            WHEN pending_since IS NOT NULL THEN 'pending'
            ELSE 'open' END AS status,
       coalesce(pending_us, 0) / 1e6 AS pending_s,
       CASE WHEN last_r IN ('resolved', 'closed') THEN NULL ELSE pending_since END
           AS pending_since,
       last_activity_at, source_tz, source_file, source_line,
       fr IS NULL AND first_resolved_at IS NOT NULL AND coalesce(replied_later, false)
           AS late_reply
FROM c
"""
"""SQL: one conversations row per conversation (the rules of the module docstring), and
``late_reply`` for the notes (resolved before any reply, replied after a reopen)."""

_RESPONSES_SQL = """
CREATE OR REPLACE TEMP TABLE _cv_responses AS
WITH t AS (
    SELECT source, conversation_id, turn,
           min("at") FILTER (WHERE turn_start) AS started_at,
           arg_min({'at': "at", 'k': k, 'agent': agent_id}, rn)
               FILTER (WHERE k IN ('reply', 'responded', 'resolved', 'closed')) AS ended
    FROM _cv_state
    WHERE turn > 0
    GROUP BY source, conversation_id, turn
)
SELECT t.source, t.conversation_id, CAST(t.turn AS INTEGER) AS turn,
       c.channel, c.queue, c.priority, t.started_at,
       CASE WHEN ended.k IN ('reply', 'responded') THEN ended."at" END AS replied_at,
       CASE WHEN ended.k IN ('reply', 'responded') THEN ended.agent END AS agent_id,
       CASE WHEN ended.k IN ('resolved', 'closed') THEN ended."at" END AS stopped_at,
       CASE WHEN ended.k IN ('reply', 'responded')
            THEN (epoch_us(ended."at") - epoch_us(t.started_at)) / 1e6 END AS response_s
FROM t JOIN _cv_conv_all c USING (source, conversation_id)
"""
"""SQL: one row per customer turn and the reply (or resolution) that ended it."""

_EVENTS_SQL = """
CREATE OR REPLACE TEMP TABLE _cv_events AS
SELECT e.source, e.conversation_id, e."at", e.k AS kind, e.activity, e.agent_id,
       e.channel, e.queue, e.customer_id, e.priority,
       e.resolves, e.replies_before > 0 AS replied,
       CASE WHEN e.pends THEN e.next_end END AS pending_until,
       e.source_tz, e.source_file, e.source_line
FROM _cv_state e
WHERE e.activity IS NOT NULL
"""
"""SQL: every event of the conversations derived, with its derived columns."""

_AGENT_CONVERSATIONS_SQL = """
CREATE OR REPLACE TEMP TABLE _cv_agent_conv AS
WITH a AS (
    SELECT source, conversation_id, agent_id,
           min("at") AS started_at,
           min("at") FILTER (WHERE k IN ('reply', 'responded')) AS first_reply_at,
           count(*) FILTER (WHERE k IN ('reply', 'responded')) AS replies
    FROM _cv_state
    WHERE agent_id IS NOT NULL AND k IN ('reply', 'responded', 'assigned')
    GROUP BY source, conversation_id, agent_id
),
ends AS (
    SELECT a.source, a.conversation_id, a.agent_id, min(r."at") AS resolved_at
    FROM a JOIN (SELECT source, conversation_id, "at" FROM _cv_state WHERE resolves) r
        ON r.source = a.source AND r.conversation_id = a.conversation_id
       AND r."at" >= a.started_at
    GROUP BY ALL
)
SELECT a.source, a.conversation_id, a.agent_id, c.channel, c.queue, a.started_at,
       a.first_reply_at, CAST(a.replies AS INTEGER) AS replies,
       coalesce(e.resolved_at, c.last_activity_at) AS ended_at
FROM a JOIN _cv_conv_all c USING (source, conversation_id)
LEFT JOIN ends e ON e.source = a.source AND e.conversation_id = a.conversation_id
    AND e.agent_id = a.agent_id
"""
"""SQL: the agents who took part in each conversation derived (assigned, or replied), from
their first assignment or reply to the conversation's next resolution (or last row)."""

_AGENT_LOAD_SQL = """
CREATE OR REPLACE TEMP TABLE _cv_agent_load AS
WITH spans AS (
    SELECT a.source, a.agent_id, a.channel, a.queue, a.started_at, a.ended_at
    FROM agent_conversations a
    WHERE EXISTS (SELECT 1 FROM _cv_agents s
                  WHERE s.source = a.source AND s.agent_id = a.agent_id
                    AND s.channel = a.channel AND s.queue IS NOT DISTINCT FROM a.queue)
      AND a.ended_at > a.started_at
),
steps AS (
    SELECT source, agent_id, channel, queue, t, sum(d) AS d FROM (
        SELECT source, agent_id, channel, queue, started_at AS t, 1 AS d FROM spans
        UNION ALL
        SELECT source, agent_id, channel, queue, ended_at AS t, -1 AS d FROM spans)
    GROUP BY ALL
),
run AS (
    SELECT *,
           sum(d) OVER w AS open,
           lead(t) OVER (PARTITION BY source, agent_id, channel, queue ORDER BY t) AS until
    FROM steps
    WINDOW w AS (PARTITION BY source, agent_id, channel, queue ORDER BY t
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT source, agent_id, channel, queue, t AS since, until, CAST(open AS INTEGER) AS open
FROM run WHERE open > 0 AND until IS NOT NULL
"""
"""SQL: for every agent, channel and queue the load touched, the spans of constant count of
conversations open with the agent (from agent_conversations, already written)."""
