"""Agent events and contacts to agent states (the ``agent_states`` fact).

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
  records acw_s, cut short by the next contact.
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
import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from contactcenter.errors import ConfigError
from contactcenter.facts import AGENT_STATES_SCHEMA, GRAIN_S
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
    "contact_logged_out": "a contact answered while the agent was logged out "
    "(counted as handling and as logged in)",
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


@dataclass
class _Agent:
    login: bool = False
    members: dict[str, None] = field(default_factory=dict)
    paused_all: str | None = None
    all_on: bool = False
    paused: dict[str, str | None] = field(default_factory=dict)
    """queue -> reason of the pause open in that queue (insertion order: latest last)"""
    on: int = 0
    acw_until: int = 0

    def logged(self, t: int) -> bool:
        return self.login or bool(self.members) or self.on > 0

    def busy(self, t: int) -> str | None:
        if self.on > 0:
            return "handling"
        if self.acw_until > t:
            return "acw"
        return None

    def agent_state(self, t: int) -> tuple[str, str | None] | None:
        if not self.logged(t):
            return None
        busy = self.busy(t)
        if busy:
            return busy, None
        if self.all_on:
            return "not_ready", self.paused_all
        if self.paused:
            return "not_ready", next(reversed(self.paused.values()))
        return "available", None

    def queue_state(self, q: str, t: int) -> tuple[str, str | None]:
        busy = self.busy(t)
        if busy:
            return busy, None
        if self.all_on:
            return "not_ready", self.paused_all
        if q in self.paused:
            return "not_ready", self.paused[q]
        return "available", None


def derive(events: Sequence[Event], contacts: Iterable[Contact]) -> Derived:
    """The states of one agent from its events (in the order they happened) and its
    answered contacts (any order), following the module's rules."""
    out = Derived()
    # change points: (instant, order, sequence, action, payload); at one instant the
    # events first (in their own order), then contacts' ends, then contacts' starts
    changes: list[tuple[int, int, int, str, object]] = []
    for i, e in enumerate(events):
        changes.append((e.at, 0, i, "event", e))
    for i, c in enumerate(contacts):
        changes.append((c.answered, 2, i, "start", c))
        if c.ended is not None:
            changes.append((max(c.ended, c.answered), 1, i, "end", c))
    heapq.heapify(changes)
    a = _Agent()
    open_rows: dict[tuple[str, str | None], tuple[str, str | None, int]] = {}
    """(scope, queue) -> (state, reason, since) of the state now running"""

    def settle(t: int) -> None:
        """Close the states that differ from the agent's state at ``t``; open new ones."""
        now: dict[tuple[str, str | None], tuple[str, str | None]] = {}
        own = a.agent_state(t)
        if own is not None:
            now[("agent", None)] = own
        for q in a.members:
            now[("queue", q)] = a.queue_state(q, t)
        for key in list(open_rows):
            state, reason, since = open_rows[key]
            if now.get(key) != (state, reason):
                if t > since:
                    out.rows.append((key[0], key[1], state, reason, since, t))
                del open_rows[key]
        for key, (state, reason) in now.items():
            if key not in open_rows:
                open_rows[key] = (state, reason, t)

    while changes:
        t = changes[0][0]
        while changes and changes[0][0] == t:
            _, _, _, action, payload = heapq.heappop(changes)
            if action == "start":
                if not a.logged(t):
                    out.odd["contact_logged_out"] += 1
                a.on += 1
            elif action == "end":
                assert isinstance(payload, Contact)
                a.on -= 1
                if payload.acw_s:
                    until = t + round(payload.acw_s * US)
                    if until > a.acw_until:
                        a.acw_until = until
                        heapq.heappush(changes, (until, 3, 0, "acw_end", None))
            elif action == "event":
                assert isinstance(payload, Event)
                _apply(a, payload, out.odd)
        settle(t)
    for (scope, queue), (state, reason, since) in open_rows.items():
        out.rows.append((scope, queue, state, reason, since, None))
    return out


def _apply(a: _Agent, e: Event, odd: Counter[str]) -> None:
    if e.kind == "login":
        if a.login:
            odd["login_twice"] += 1
        a.login = True
    elif e.kind == "logout":
        if not a.login and not a.members:
            odd["logout_alone"] += 1
        a.login = False
        a.members.clear()
        a.paused.clear()
        a.paused_all, a.all_on = None, False
    elif e.kind == "added_to_queue":
        q = e.queue or ""
        if q in a.members:
            odd["added_twice"] += 1
        a.members[q] = None
        if (e.reason or "").upper() == "PAUSED":
            a.paused.pop(q, None)
            a.paused[q] = None
    elif e.kind == "removed_from_queue":
        q = e.queue or ""
        if q not in a.members:
            odd["removed_alone"] += 1
        a.members.pop(q, None)
        a.paused.pop(q, None)
    elif e.kind == "pause":
        if e.queue is None:
            a.paused_all, a.all_on = e.reason, True
        else:
            a.paused.pop(e.queue, None)
            a.paused[e.queue] = e.reason
    elif e.kind == "unpause":
        if e.queue is None:
            if not a.all_on and not a.paused:
                odd["unpause_alone"] += 1
            a.paused_all, a.all_on = None, False
            a.paused.clear()
        else:
            if e.queue not in a.paused and not a.all_on:
                odd["unpause_alone"] += 1
            a.paused.pop(e.queue, None)


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


def refresh_agent_states(session: LoadSession, source: str, agents: Iterable[str]) -> None:
    """Derive again the states of ``agents`` (agent names as in the contacts) of
    ``source`` from all their stored events and contacts, replace their stored states,
    and add the load's notes."""
    wanted = sorted({a for a in agents if a})
    if not wanted:
        return
    con = session.con
    con.register("_as_wanted", pa.table({"agent": pa.array(wanted, pa.string())}))
    try:
        con.execute(_PAUSE_REASONS_DDL)
        agent = AGENT_SQL.format(col="e.agent_id")
        ev = con.execute(
            f"""SELECT {agent} AS agent, epoch_us(e."at") AS t, e.kind, e.queue,
                       coalesce(r.name, e.reason) AS reason
                FROM agent_events e
                LEFT JOIN {PAUSE_REASONS_TABLE} r ON r.source = e.source AND r.code = e.reason
                WHERE e.source = $1 AND {agent} IN (SELECT agent FROM _as_wanted)
                ORDER BY agent, e."at", e.source_file, e.source_line""",
            [source],
        ).fetch_arrow_table()
        ct = con.execute(
            """SELECT agent_id AS agent, epoch_us(answered_at) AS a, epoch_us(ended_at) AS e,
                      acw_s
               FROM contacts
               WHERE source = $1 AND answered_at IS NOT NULL
                 AND agent_id IN (SELECT agent FROM _as_wanted)""",
            [source],
        ).fetch_arrow_table()
    finally:
        con.unregister("_as_wanted")
    events: dict[str, list[Event]] = {}
    for name, t, kind, queue, reason in zip(
        *(ev.column(c).to_pylist() for c in ("agent", "t", "kind", "queue", "reason")),
        strict=True,
    ):
        events.setdefault(name, []).append(Event(t, kind, queue, reason))
    contacts: dict[str, list[Contact]] = {}
    for name, ans, end, acw in zip(
        *(ct.column(c).to_pylist() for c in ("agent", "a", "e", "acw_s")), strict=True
    ):
        contacts.setdefault(name, []).append(Contact(ans, end, acw))
    per_agent = {name: derive(evs, contacts.get(name, ())) for name, evs in events.items()}
    if not per_agent:
        _notes(session, per_agent, contacts)
        return
    table = rows_table(source, per_agent)
    scope = pa.table(
        {
            "source": pa.array([source] * len(per_agent), pa.string()),
            "agent_id": pa.array(list(per_agent), pa.string()),
        }
    )
    session.write("agent_states", table, replace=scope)
    _notes(session, per_agent, contacts)
    from contactcenter.sources._adherence import refresh_adherence

    refresh_adherence(session)


def _notes(
    session: LoadSession,
    per_agent: dict[str, Derived],
    contacts: dict[str, list[Contact]],
) -> None:
    notes = session.account.notes
    if per_agent:
        notes.append(f"agent states derived again for {len(per_agent)} agents")
    odd: Counter[str] = Counter()
    who: dict[str, list[str]] = {}
    for name, derived in per_agent.items():
        odd.update(derived.odd)
        for kind in derived.odd:
            who.setdefault(kind, []).append(name)
    for kind, n in sorted(odd.items()):
        names = who[kind]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        notes.append(f"agent states: {n} times {ODD_TEXT[kind]}: {shown}")
    still = sum(
        1 for d in per_agent.values() if any(r[5] is None and r[0] == "agent" for r in d.rows)
    )
    if still:
        notes.append(
            f"agent states: {still} agents have a state still open at the end of the data "
            "(no time counted for it until a later load brings its end)"
        )
    without = sorted(set(contacts) - set(per_agent))
    if without:
        n = sum(len(contacts[a]) for a in without)
        notes.append(
            f"agent states: {n} answered contacts of {len(without)} agents with no agent "
            "event in the store (no login, pause or queue membership): no states derived "
            "for them"
        )
