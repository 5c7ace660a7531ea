"""Agent events and contacts to agent states (the ``agent_states`` fact).

Derived set-based: what the events set, in SQL (:data:`EVENT_SQL`); the time lines, per
agent with NumPy (:mod:`contactcenter.sources._agent_timeline`). The per-event state
machine this replaced is the tests' oracle (tests/sources/agent_states_oracle.py).

Rules (documented for users in docs/data-model.md, "Agent states")

* **Logged in**: from a login (AGENTLOGIN, AGENTCALLBACKLOGIN) to the next logout
  (AGENTLOGOFF, AGENTCALLBACKLOGOFF), or while a member of at least one queue
  (ADDMEMBER to REMOVEMEMBER of that queue). A logout ends the login, every queue
  membership and every pause: the agent is gone.
* **Paused**: a PAUSEALL (or a PAUSE without queue) pauses the agent in every queue until
  UNPAUSEALL; a PAUSE in a queue pauses that queue until an UNPAUSE there. On the agent's
  own time line the agent is paused while any pause is open; the reason is that of the
  latest pause still open. An ADDMEMBER with reason ``PAUSED`` adds the member paused.
  A reason that is a code of the stored pause reasons (``ingest --pause-reasons``,
  :func:`store_pause_reasons`) is named by its name.
* **On a contact**: from a contact's answered_at to its ended_at (the union when contacts
  overlap); a contact still talking keeps the agent on a contact until it ends. An agent
  on a contact is logged in even when no login was seen (the load's notes count those
  contacts). **After-contact work**: from ended_at to ended_at + acw_s where the source
  records acw_s, cut short by the next contact. **Chats**: a chat conversation of the
  agent (any source) is a contact from the agent's first assignment or reply to the
  conversation's next resolution or transfer (:data:`CHAT_SPANS_SQL`).
* **State** of a logged-in agent: handling (on a contact) > acw > not_ready (paused) >
  available. A queue's time line (scope ``queue``) has the same states while the agent is
  a member of it, paused only by pauses of that queue or of all queues.
* Odd sequences are kept and counted in the notes, never guessed: a login while logged in
  (the session goes on), a logout with no session open (nothing to end), an ADDMEMBER of
  a queue the agent is a member of already, a REMOVEMEMBER of a queue it is not in, an
  UNPAUSE with no pause open.
* A state still open after the last event is stored with no end (end_at and duration_s
  null) and counts no time until a later load brings its end.
* Agents are named as in the contacts; the PBXware callback member interface
  ``Local/<ext>@callback-agent`` of ADDMEMBER/REMOVEMEMBER is the agent ``Agent/<ext>`` of
  its login and calls (:data:`CALLBACK_MEMBER`).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from contactcenter.errors import ConfigError
from contactcenter.facts import AGENT_STATES_SCHEMA, GRAIN_S
from contactcenter.sources._agent_timeline import STATE_NAMES, Runs, derive_runs, pieces_table
from contactcenter.store import LoadSession

CALLBACK_MEMBER = r"^Local/(.+)@callback-agent$"
"""A PBXware callback agent's member interface; its agent is ``Agent/<ext>``."""

AGENT_SQL = f"regexp_replace({{col}}, '{CALLBACK_MEMBER}', 'Agent/\\1')"
"""SQL naming the agent of an agent column ``{col}`` (see :data:`CALLBACK_MEMBER`)."""

US = 1_000_000
GRAIN_US = GRAIN_S * US

ODD_TEXT = {
    "login_twice": "a login while already logged in (the session goes on)",
    "logout_alone": "a logout with no session open (nothing to end)",
    "added_twice": "an ADDMEMBER of a queue the agent was a member of already",
    "removed_alone": "a REMOVEMEMBER of a queue the agent was not a member of",
    "unpause_alone": "an UNPAUSE with no pause open",
    "contact_logged_out": "a contact answered (or a chat taken) while the agent was logged "
    "out (counted as handling and as logged in)",
}
"""The odd sequences the notes name, and how each is read."""


@dataclass(frozen=True)
class Event:
    """One agent event: instant (µs since 1970 UTC), canonical kind, queue, reason."""

    at: int
    kind: str
    queue: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Contact:
    """One answered contact of the agent: answered and ended (µs; ended None while
    talking), after-contact work in seconds (None when not recorded)."""

    answered: int
    ended: int | None
    acw_s: float | None = None


@dataclass
class Derived:
    """States of one agent as rows of ``agent_states`` and the odd sequences seen."""

    rows: list[tuple[str, str | None, str, str | None, int, int | None]] = field(
        default_factory=list
    )
    """(scope, queue, state, reason, start µs, end µs or None)"""
    odd: Counter[str] = field(default_factory=Counter)


_WINDOW = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
_ADD, _REMOVE = "'added_to_queue'", "'removed_from_queue'"

EVENT_SQL: tuple[str, ...] = (
    # 1. the agent's own flags after each event (i: the events' order per agent)
    f"""
CREATE OR REPLACE TEMP TABLE _as_ea AS
SELECT agent, i, t, kind, queue,
       coalesce(last_value(CASE kind WHEN 'login' THEN true WHEN 'logout' THEN false END
                           IGNORE NULLS) OVER w, false) AS l,
       last_value(CASE WHEN kind = 'pause' AND queue IS NULL
                           THEN {{'on': true, 'r': reason}}
                       WHEN (kind = 'unpause' AND queue IS NULL) OR kind = 'logout'
                           THEN {{'on': false, 'r': NULL::VARCHAR}} END
                  IGNORE NULLS) OVER w AS ap
FROM _as_ev
WINDOW w AS (PARTITION BY agent ORDER BY i {_WINDOW})
""",
    # 2. per agent and queue: membership and the queue's own pause after each event that
    #    touches it (its own events, and every logout and UNPAUSEALL of the agent)
    f"""
CREATE OR REPLACE TEMP TABLE _as_pe AS
WITH own AS (
    SELECT agent, i, t, kind, reason,
           CASE WHEN kind IN ({_ADD}, {_REMOVE}) THEN coalesce(queue, '') ELSE queue END AS q,
           true AS own_q
    FROM _as_ev
    WHERE kind IN ({_ADD}, {_REMOVE}) OR (kind IN ('pause', 'unpause') AND queue IS NOT NULL)
),
pairs AS (SELECT DISTINCT agent, q FROM own),
shared AS (
    SELECT e.agent, e.i, e.t, e.kind, e.reason, p.q, false AS own_q
    FROM _as_ev e JOIN pairs p USING (agent)
    WHERE e.kind = 'logout' OR (e.kind = 'unpause' AND e.queue IS NULL)
),
m AS (
    SELECT *,
           coalesce(last_value(CASE WHEN kind = {_ADD} THEN true
                                    WHEN kind IN ({_REMOVE}, 'logout') THEN false END
                               IGNORE NULLS) OVER w, false) AS mem,
           last_value(CASE WHEN kind = 'pause'
                               THEN {{'on': true, 'r': reason, 's': i}}
                           WHEN kind = {_ADD} AND upper(coalesce(reason, '')) = 'PAUSED'
                               THEN {{'on': true, 'r': NULL::VARCHAR, 's': i}}
                           WHEN kind IN ('unpause', 'logout', {_REMOVE})
                               THEN {{'on': false, 'r': NULL::VARCHAR, 's': NULL::BIGINT}} END
                      IGNORE NULLS) OVER w AS qp
    FROM (SELECT * FROM own UNION ALL SELECT * FROM shared)
    WINDOW w AS (PARTITION BY agent, q ORDER BY i {_WINDOW})
)
SELECT *, coalesce(qp.on, false) AS qon,
       coalesce(lag(mem) OVER w, false) AS mem0,
       coalesce(lag(qp.on) OVER w, false) AS qon0
FROM m
WINDOW w AS (PARTITION BY agent, q ORDER BY i)
""",
    # 3. per event: members (a running count), and the flags just before it
    f"""
CREATE OR REPLACE TEMP TABLE _as_ei AS
WITH pd AS (
    SELECT agent, i, sum(mem::INTEGER - mem0::INTEGER) AS dm,
           bool_or(qon0) FILTER (WHERE NOT own_q AND kind = 'unpause') AS qon0
    FROM _as_pe GROUP BY agent, i
)
SELECT a.agent, a.i, a.t, a.kind, a.queue, a.l, coalesce(a.ap.on, false) AS a, a.ap.r AS ar,
       coalesce(sum(pd.dm) OVER w, 0) AS m, coalesce(pd.dm, 0) AS dm,
       coalesce(pd.qon0, false) AS qon0,
       coalesce(lag(a.l) OVER w0, false) AS l0,
       coalesce(lag(coalesce(a.ap.on, false)) OVER w0, false) AS a0
FROM _as_ea a LEFT JOIN pd USING (agent, i)
WINDOW w AS (PARTITION BY a.agent ORDER BY a.i {_WINDOW}),
       w0 AS (PARTITION BY a.agent ORDER BY a.i)
""",
    # 4. the state after the last event of each instant (all events of an instant first)
    """
CREATE OR REPLACE TEMP TABLE _as_et AS
SELECT agent, t, arg_max({'l': l, 'm': m, 'a': a, 'ar': ar}, i) AS s
FROM _as_ei GROUP BY agent, t
""",
    """
CREATE OR REPLACE TEMP TABLE _as_pt AS
SELECT agent, q, t, arg_max({'mem': mem, 'on': qon, 'r': qp.r, 's': qp.s}, i) AS s
FROM _as_pe GROUP BY agent, q, t
""",
    # 5. the odd sequences of events
    f"""
CREATE OR REPLACE TEMP TABLE _as_odd AS
SELECT odd, agent, CAST(sum(n) AS BIGINT) AS n FROM (
    SELECT agent,
           CASE WHEN kind = 'login' AND l0 THEN 'login_twice'
                WHEN kind = 'logout' AND NOT l0 AND m - dm = 0 THEN 'logout_alone'
                WHEN kind = 'unpause' AND queue IS NULL AND NOT a0 AND NOT qon0
                    THEN 'unpause_alone' END AS odd,
           1 AS n
    FROM _as_ei
    UNION ALL
    SELECT p.agent,
           CASE WHEN p.kind = {_ADD} AND p.mem0 THEN 'added_twice'
                WHEN p.kind = {_REMOVE} AND NOT p.mem0 THEN 'removed_alone'
                WHEN p.kind = 'unpause' AND NOT p.qon0 AND NOT e.a0 THEN 'unpause_alone' END,
           1
    FROM _as_pe p JOIN _as_ei e USING (agent, i) WHERE p.own_q
) WHERE odd IS NOT NULL AND n > 0
GROUP BY odd, agent
""",
)
"""SQL: the flags of the agents of ``_as_ev`` (agent, t µs, kind, queue, reason, i: the
order of the agent's events) after each instant of their events: ``_as_et`` (agent, t,
s: login, members, all paused and its reason) and ``_as_pt`` (agent, q, t, s: member of
q, q paused, its reason, the order of the event that paused it); and the odd sequences of
events into ``_as_odd`` (odd, agent, n), following the module's rules.

Set-based: each flag is the last value set by the events up to each event (a window per
agent, or per agent and queue for membership and a queue's pauses). The time lines are
then built from these flags and the contacts by :mod:`contactcenter.sources._agent_timeline`
(NumPy)."""

_TEMP = ("_as_ea", "_as_pe", "_as_ei", "_as_et", "_as_pt")


def run_derivation(con: duckdb.DuckDBPyConnection) -> tuple[Runs, dict[tuple[str, str], int]]:
    """The runs of states of the agents of ``_as_ev`` with their contacts ``_as_ct``
    (agent, a: answered µs, e: ended µs, at or after a, or null while talking; acw: µs of
    after-contact work or null), and the odd sequences per (kind, agent): :data:`EVENT_SQL`
    on ``con``, then the time lines (:func:`derive_runs`)."""
    try:
        for sql in EVENT_SQL:
            con.execute(sql)
        odd = {
            (str(kind), str(agent)): int(n)
            for kind, agent, n in con.execute("SELECT odd, agent, n FROM _as_odd").fetchall()
        }
        runs = derive_runs(con)
    finally:
        for name in (*_TEMP, "_as_odd"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    for k, n in runs.logged_out_contacts.items():
        odd[("contact_logged_out", runs.agents[k])] = n
    return runs, odd


def derive(events: Sequence[Event], contacts: Iterable[Contact]) -> Derived:
    """The states of one agent from its events (in the order they happened) and its
    answered contacts (any order), following the module's rules: :func:`run_derivation`
    on an in-memory database (the loads run the same on the store's tables)."""
    ev = pa.table(
        {
            "agent": pa.array(["a"] * len(events), pa.string()),
            "t": pa.array([e.at for e in events], pa.int64()),
            "kind": pa.array([e.kind for e in events], pa.string()),
            "queue": pa.array([e.queue for e in events], pa.string()),
            "reason": pa.array([e.reason for e in events], pa.string()),
            "i": pa.array(range(len(events)), pa.int64()),
        }
    )
    cs = list(contacts)
    ct = pa.table(
        {
            "agent": pa.array(["a"] * len(cs), pa.string()),
            "a": pa.array([c.answered for c in cs], pa.int64()),
            "e": pa.array(
                [None if c.ended is None else max(c.ended, c.answered) for c in cs], pa.int64()
            ),
            "acw": pa.array([_acw_us(c.acw_s) for c in cs], pa.int64()),
        }
    )
    con = duckdb.connect()
    try:
        con.register("_as_ev_in", ev)
        con.register("_as_ct_in", ct)
        con.execute("CREATE TEMP TABLE _as_ev AS SELECT * FROM _as_ev_in")
        con.execute("CREATE TEMP TABLE _as_ct AS SELECT * FROM _as_ct_in")
        runs, odd = run_derivation(con)
        out = Derived()
        r = runs.arrays()
        for q, state, reason, start, end, closed in zip(
            *(r[c].tolist() for c in ("queue", "state", "reason", "start", "end", "closed")),
            strict=True,
        ):
            out.rows.append(
                (
                    "agent" if q < 0 else "queue",
                    None if q < 0 else runs.queues[q],
                    STATE_NAMES[state],
                    None if reason < 0 else runs.reasons[reason],
                    start,
                    end if closed else None,
                )
            )
        for (kind, _), n in odd.items():
            out.odd[kind] += n
        return out
    finally:
        con.close()


def _acw_us(acw_s: float | None) -> int | None:
    """After-contact work in µs (rounded half to even), or None when not recorded or 0."""
    if not acw_s or acw_s <= 0:
        return None
    return round(acw_s * US)


ACW_US_SQL = "CASE WHEN {col} > 0 THEN CAST(round_even({col} * 1e6, 0) AS BIGINT) END"
"""SQL: a contact's ``acw_s`` column ``{col}`` as after-contact work in µs (as
:func:`_acw_us`)."""


def cut(start: int, end: int, grain_us: int = GRAIN_US) -> list[tuple[int, int]]:
    """[start, end) cut at every multiple of ``grain_us`` (µs since 1970 UTC)."""
    pieces = []
    t = start
    while t < end:
        nxt = min(end, (t // grain_us + 1) * grain_us)
        pieces.append((t, nxt))
        t = nxt
    return pieces


def rows_table(source: str, per_agent: dict[str, Derived]) -> pa.Table:
    """The ``agent_states`` rows of derived agents, closed states cut at the grain
    (the pieces are computed with NumPy: a state over k cells gives k rows)."""
    agents: list[str] = []
    rows: list[tuple[str, str | None, str, str | None, int, int | None]] = []
    for agent, derived in per_agent.items():
        agents.extend([agent] * len(derived.rows))
        rows.extend(derived.rows)
    n = len(rows)
    start = np.fromiter((r[4] for r in rows), np.int64, n)
    end = np.fromiter((-1 if r[5] is None else r[5] for r in rows), np.int64, n)
    is_open = end < 0
    first = start // GRAIN_US
    pieces = np.where(is_open, 1, (end - 1) // GRAIN_US - first + 1)
    idx = np.repeat(np.arange(n), pieces)
    j = np.arange(len(idx)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cell = first[idx] + j
    piece_start = np.maximum(start[idx], cell * GRAIN_US)
    open_piece = is_open[idx]
    piece_end = np.minimum(end[idx], (cell + 1) * GRAIN_US)
    take = pa.array(idx, pa.int64())
    ts = pa.timestamp("us", tz="UTC")

    def strings(values: list[str | None]) -> pa.Array:
        return pa.array(values, pa.string()).take(take)

    columns = {
        "source": pa.array([source] * len(idx), pa.string()),
        "agent_id": strings(list(agents)),
        "scope": strings([r[0] for r in rows]),
        "queue": strings([r[1] for r in rows]),
        "state": strings([r[2] for r in rows]),
        "reason": strings([r[3] for r in rows]),
        "start_at": pa.array(piece_start, pa.int64()).cast(ts),
        "end_at": pa.array(piece_end, pa.int64(), mask=open_piece).cast(ts),
        "duration_s": pa.array((piece_end - piece_start) / US, pa.float64(), mask=open_piece),
    }
    return pa.Table.from_arrays(
        [columns[f.name] for f in AGENT_STATES_SCHEMA], schema=AGENT_STATES_SCHEMA
    )


PAUSE_REASONS_TABLE = "pause_reasons"
"""Raw table of the queue_log formats: pause reason codes and their names, per source."""

_PAUSE_REASONS_DDL = f"""CREATE TABLE IF NOT EXISTS {PAUSE_REASONS_TABLE} (
    source VARCHAR NOT NULL, code VARCHAR NOT NULL, name VARCHAR NOT NULL)"""


def read_pause_reasons(path: Path) -> dict[str, str]:
    """Pause reason code -> name from a CSV with a header naming ``code`` and ``name``
    (other columns, such as PBXware's billable/payable flags, are not read)."""

    def bad(message: str) -> ConfigError:
        return ConfigError(f"{{field}}: {path}: {message}", field="pause_reasons")

    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise bad(f"cannot read it: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise bad(f"not a CSV file: {exc}") from None
    if not rows:
        raise bad("empty file: no header line")
    header = [h.strip() for h in rows[0]]
    if "code" not in header or "name" not in header:
        raise bad(f"needs the columns code and name; the header has {header}")
    ci, ni = header.index("code"), header.index("name")
    out: dict[str, str] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise bad(f"line {line_no}: number of fields differs from the header")
        code, name = row[ci].strip(), row[ni].strip()
        if not code or not name:
            raise bad(f"line {line_no}: code and name must not be empty")
        if out.get(code, name) != name:
            raise bad(f"line {line_no}: code {code!r} has two names")
        out[code] = name
    return out


def store_pause_reasons(session: LoadSession, source: str, path: Path) -> set[str]:
    """Store the pause reasons of ``path`` for ``source`` (a code given again takes its new
    name) and return the agents whose states name one of those codes (to derive again)."""
    reasons = read_pause_reasons(path)
    con = session.con
    con.execute(_PAUSE_REASONS_DDL)
    table = pa.table(
        {
            "code": pa.array(list(reasons), pa.string()),
            "name": pa.array(list(reasons.values()), pa.string()),
        }
    )
    con.register("_pr_new", table)
    try:
        con.execute(
            f"DELETE FROM {PAUSE_REASONS_TABLE} WHERE source = $1 "
            "AND code IN (SELECT code FROM _pr_new)",
            [source],
        )
        con.execute(
            f"INSERT INTO {PAUSE_REASONS_TABLE} SELECT $1, code, name FROM _pr_new", [source]
        )
        agent = AGENT_SQL.format(col="agent_id")
        rows = con.execute(
            f"""SELECT DISTINCT {agent} FROM agent_events
                WHERE source = $1 AND reason IN (SELECT code FROM _pr_new)""",
            [source],
        ).fetchall()
    finally:
        con.unregister("_pr_new")
    session.account.notes.append(f"pause reasons: {len(reasons)} codes named from {path.name}")
    return {r[0] for r in rows}


CHAT_CHANNELS: tuple[str, ...] = ("chat",)
"""Channels of the conversations whose open time is handling time of the agent."""

CHAT_SPANS_SQL = f"""
SELECT a.agent_id AS agent, epoch_us(a.started_at) AS a,
       greatest(epoch_us(least(a.ended_at, coalesce(min(x."at"), a.ended_at))),
                epoch_us(a.started_at)) AS e,
       NULL::BIGINT AS acw, true AS chat
FROM agent_conversations a
LEFT JOIN conversation_events x
    ON x.source = a.source AND x.conversation_id = a.conversation_id AND x.kind = 'assigned'
   AND x.agent_id IS DISTINCT FROM a.agent_id AND x."at" > a.started_at
WHERE a.channel IN ({", ".join(f"'{c}'" for c in CHAT_CHANNELS)})
  AND a.agent_id IN (SELECT agent FROM _as_wanted)
GROUP BY a.source, a.conversation_id, a.agent_id, a.started_at, a.ended_at
"""
"""SQL: the chat conversations of the agents of ``_as_wanted`` (any source) as contacts
(agent, a, e, acw, chat) of :func:`run_derivation`: open for the agent from its first assignment or
reply (``agent_conversations.started_at``) to the conversation's next resolution (or its
last row: ``ended_at``), or to an earlier assignment of the conversation to someone else
(a transfer), whichever is first."""


def _has_tables(con: duckdb.DuckDBPyConnection, *names: str) -> bool:
    row = con.execute(
        "SELECT count(DISTINCT table_name) FROM information_schema.tables "
        "WHERE table_name IN (SELECT unnest($1::VARCHAR[]))",
        [list(names)],
    ).fetchone()
    return bool(row and row[0] == len(names))


def refresh_chat_agents(session: LoadSession, agents: Iterable[str]) -> None:
    """Derive again the states of ``agents`` whose chat conversations changed, in every
    source of agent events that names them (a load of conversations calls it)."""
    wanted = sorted({a for a in agents if a})
    con = session.con
    if not wanted or not _has_tables(con, "agent_events"):
        return
    agent = AGENT_SQL.format(col="agent_id")
    rows = con.execute(
        f"""SELECT source, list(DISTINCT {agent}) FROM agent_events
            WHERE {agent} IN (SELECT unnest($1::VARCHAR[])) GROUP BY source ORDER BY source""",
        [wanted],
    ).fetchall()
    for source, names in rows:
        refresh_agent_states(session, str(source), names)


def refresh_agent_states(
    session: LoadSession, source: str, agents: Iterable[str] | Mapping[str, int | None]
) -> None:
    """Derive again the states of ``agents`` (agent names as in the contacts) of
    ``source`` from all their stored events and contacts of ``source`` and their chat
    conversations of any source (:func:`run_derivation`, :data:`CHAT_SPANS_SQL`), replace
    their stored states, and add the load's notes.

    ``agents`` may map each agent to the earliest instant (µs) its new rows can change,
    or None: the states before it cannot change (each instant's state depends only on
    what happened up to it), so only the stored pieces from the 15-minute piece holding
    it on (and from the agent's state still open, if any) are replaced and written."""
    since: Mapping[str, int | None] = (
        agents if isinstance(agents, Mapping) else dict.fromkeys(agents)
    )
    wanted = sorted({a for a in since if a})
    if not wanted:
        return
    con = session.con
    con.register("_as_wanted", pa.table({"agent": pa.array(wanted, pa.string())}))
    try:
        con.execute(_PAUSE_REASONS_DDL)
        agent = AGENT_SQL.format(col="e.agent_id")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _as_ev AS
                SELECT agent, t, kind, queue, reason,
                       row_number() OVER (PARTITION BY agent ORDER BY t, f, l) AS i
                FROM (SELECT {agent} AS agent, epoch_us(e."at") AS t, e.kind, e.queue,
                             coalesce(r.name, e.reason) AS reason, e.source_file AS f,
                             e.source_line AS l
                      FROM agent_events e
                      LEFT JOIN {PAUSE_REASONS_TABLE} r
                          ON r.source = e.source AND r.code = e.reason
                      WHERE e.source = $1 AND {agent} IN (SELECT agent FROM _as_wanted))""",
            [source],
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _as_ct AS
                SELECT agent_id AS agent, epoch_us(answered_at) AS a,
                       CASE WHEN ended_at IS NOT NULL
                            THEN greatest(epoch_us(ended_at), epoch_us(answered_at)) END AS e,
                       {ACW_US_SQL.format(col="acw_s")} AS acw, false AS chat
                FROM contacts
                WHERE source = $1 AND answered_at IS NOT NULL
                  AND agent_id IN (SELECT agent FROM _as_wanted)""",
            [source],
        )
        if _has_tables(con, "agent_conversations", "conversation_events"):
            con.execute(f"INSERT INTO _as_ct {CHAT_SPANS_SQL}")
    finally:
        con.unregister("_as_wanted")
    try:
        _derive_and_write(session, source, _window_starts(session, source, since))
    finally:
        for name in ("_as_ev", "_as_ct"):
            con.execute(f"DROP TABLE IF EXISTS {name}")


_ALL_FROM, _ALL_UNTIL = -(2**62), 2**62
"""µs bounds of a replacement of all an agent's time."""


def _window_starts(
    session: LoadSession, source: str, since: Mapping[str, int | None]
) -> dict[str, int]:
    """Per agent: the first instant (µs) whose stored pieces a derivation replaces: the
    start of the piece holding ``since`` and no later than the start of the agent's
    stored state still open (its piece changes when it closes); :data:`_ALL_FROM` for
    all of it, and for an agent with no stored state (its earlier contacts, loaded
    before it had any event, were never derived)."""
    out = {a: _ALL_FROM if t is None else (t // GRAIN_US) * GRAIN_US for a, t in since.items() if a}
    partial = [a for a, v in out.items() if v != _ALL_FROM]
    con = session.con
    stored: dict[str, int | None] = {}
    if partial and _has_tables(con, "agent_states"):
        stored = {
            str(agent): None if start is None else int(start)
            for agent, start in con.execute(
                """SELECT agent_id, epoch_us(min(start_at) FILTER (WHERE end_at IS NULL))
                   FROM agent_states
                   WHERE source = $1 AND agent_id IN (SELECT unnest($2::VARCHAR[]))
                   GROUP BY agent_id""",
                [source, partial],
            ).fetchall()
        }
    for agent in partial:
        if agent not in stored:
            out[agent] = _ALL_FROM
        elif (open_at := stored[agent]) is not None:
            out[agent] = min(out[agent], open_at)
    return out


def _derive_and_write(session: LoadSession, source: str, window: dict[str, int]) -> None:
    con = session.con
    derived = [r[0] for r in con.execute("SELECT DISTINCT agent FROM _as_ev ORDER BY 1").fetchall()]
    if derived:
        runs, odd = run_derivation(con)
        starts = np.array([window.get(a, _ALL_FROM) for a in runs.agents], dtype=np.int64)
        table = pieces_table(source, runs, GRAIN_US, from_us=starts)
        ts = pa.timestamp("us", tz="UTC")
        scope = pa.table(
            {
                "source": pa.array([source] * len(derived), pa.string()),
                "agent_id": pa.array(derived, pa.string()),
                "_from": pa.array([window.get(a, _ALL_FROM) for a in derived], pa.int64()).cast(ts),
                "_until": pa.array([_ALL_UNTIL] * len(derived), pa.int64()).cast(ts),
            }
        )
        session.write("agent_states", table, replace=scope)
        del table
    notes = session.account.notes
    if derived:
        notes.append(f"agent states derived again for {len(derived)} agents")
        who: dict[str, list[str]] = {}
        for kind, agent in sorted(odd):
            who.setdefault(kind, []).append(agent)
        for kind, names in who.items():
            n = sum(odd[(kind, a)] for a in names)
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            notes.append(f"agent states: {n} times {ODD_TEXT[kind]}: {shown}")
        r = runs.arrays()
        still = len(set(r["agent"][(r["queue"] < 0) & ~r["closed"]].tolist()))
        if still:
            notes.append(
                f"agent states: {still} agents have a state still open at the end of the "
                "data (no time counted for it until a later load brings its end)"
            )
    row = con.execute(
        """SELECT count(*), count(DISTINCT agent) FROM _as_ct
           ANTI JOIN (SELECT DISTINCT agent FROM _as_ev) x USING (agent) WHERE NOT chat"""
    ).fetchone()
    if row and row[0]:
        notes.append(
            f"agent states: {int(row[0])} answered contacts of {int(row[1])} agents with no "
            "agent event in the store (no login, pause or queue membership): no states "
            "derived for them"
        )
    if derived:
        from contactcenter.sources._adherence import refresh_adherence

        refresh_adherence(session)
