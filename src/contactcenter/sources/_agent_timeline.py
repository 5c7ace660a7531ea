"""The agents' time lines, vectorised with NumPy: from the event flags that
:data:`~contactcenter.sources._agent_sessions.EVENT_SQL` computes per agent and the
agent's contacts, the runs of states of each time line and their 15-minute pieces.

Per agent (one NumPy pass over its sorted change instants, no Python loop over events):

* the **time line** is every instant where something changes: the agent's events, its
  contacts' starts and ends, the ends of after-contact work (sorted, distinct);
* contacts on = running sum of +1 at each start and -1 at each end; after-contact work
  lasts while the running maximum of (end + acw) is later than the instant;
* the event flags (login, members, pause of all queues and its reason) hold from their
  instant to the next event's (carried forward by a running maximum of row numbers), and
  so do each queue's membership and pause (per queue the agent touched);
* the agent's own state and each queue's state follow the rules of
  :mod:`contactcenter.sources._agent_sessions`; a row is a run of equal (state, reason)
  on a time line, ending at the next change (open when nothing changes after it).

Strings (agents, queues, reasons) travel as integer codes into their dictionaries.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

NONE, HANDLING, ACW, NOT_READY, AVAILABLE = 0, 1, 2, 3, 4
STATE_NAMES = ("", "handling", "acw", "not_ready", "available")
"""State codes (0: logged out, no row) and their names."""

_MIN = np.iinfo(np.int64).min


@dataclass
class Runs:
    """Runs of states of every time line: parallel arrays (codes into ``agents``,
    ``queues`` (-1: the agent's own time line), ``reasons`` (-1: none); ``end`` is valid
    where ``closed``)."""

    agents: list[str]
    queues: list[str]
    reasons: list[str]
    agent: list[I64] = field(default_factory=list)
    queue: list[I64] = field(default_factory=list)
    state: list[I64] = field(default_factory=list)
    reason: list[I64] = field(default_factory=list)
    start: list[I64] = field(default_factory=list)
    end: list[I64] = field(default_factory=list)
    closed: list[B] = field(default_factory=list)
    logged_out_contacts: dict[int, int] = field(default_factory=dict)
    """agent code -> contacts answered (or chats taken) while logged out"""

    def add(self, agent: int, queue: int, t: I64, state: I64, reason: I64) -> None:
        """Add the runs of one time line: ``state``/``reason`` at each instant of ``t``."""
        if not len(t):
            return
        change = np.ones(len(t), dtype=np.bool_)
        change[1:] = (state[1:] != state[:-1]) | (reason[1:] != reason[:-1])
        b = np.flatnonzero(change)
        end = np.empty(len(b), dtype=np.int64)
        end[:-1] = t[b[1:]]
        end[-1] = 0
        closed = np.ones(len(b), dtype=np.bool_)
        closed[-1] = False
        keep = state[b] != NONE
        n = int(keep.sum())
        self.agent.append(np.full(n, agent, dtype=np.int64))
        self.queue.append(np.full(n, queue, dtype=np.int64))
        self.state.append(state[b][keep])
        self.reason.append(reason[b][keep])
        self.start.append(t[b][keep])
        self.end.append(end[keep])
        self.closed.append(closed[keep])

    def arrays(self) -> dict[str, np.ndarray]:
        """The runs as one array per column."""

        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

        return {
            "agent": cat(self.agent, np.int64),
            "queue": cat(self.queue, np.int64),
            "state": cat(self.state, np.int64),
            "reason": cat(self.reason, np.int64),
            "start": cat(self.start, np.int64),
            "end": cat(self.end, np.int64),
            "closed": cat(self.closed, np.bool_),
        }


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, np.ndarray]:
    table = con.execute(sql).to_arrow_table()
    return {name: table.column(name).to_numpy() for name in table.column_names}


def _blocks(keys: I64, n: int) -> I64:
    """Start offsets of the runs of each code 0..n-1 in the sorted ``keys`` (n + 1)."""
    out: I64 = np.searchsorted(keys, np.arange(n + 1)).astype(np.int64)
    return out


def _carry(at: I64, t: I64) -> I64:
    """For each instant of the sorted, distinct time line ``t``: the index of the last of
    the sorted instants ``at`` (all of them on the time line) at or before it, or -1."""
    idx = np.full(len(t), -1, dtype=np.int64)
    idx[np.searchsorted(t, at)] = np.arange(len(at), dtype=np.int64)
    out: I64 = np.maximum.accumulate(idx) if len(idx) else idx
    return out


def derive_runs(con: duckdb.DuckDBPyConnection) -> Runs:
    """The runs of the agents of ``_as_ev`` from the tables ``_as_et`` and ``_as_pt`` of
    :data:`~contactcenter.sources._agent_sessions.EVENT_SQL` and the contacts ``_as_ct``."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _as_ag AS
           SELECT agent, (row_number() OVER (ORDER BY agent) - 1)::BIGINT AS k
           FROM (SELECT DISTINCT agent FROM _as_ev)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _as_rs AS
           SELECT reason, (row_number() OVER (ORDER BY reason) - 1)::BIGINT AS k
           FROM (SELECT DISTINCT reason FROM _as_ev WHERE reason IS NOT NULL)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _as_qs AS
           SELECT q, (row_number() OVER (ORDER BY q) - 1)::BIGINT AS k
           FROM (SELECT DISTINCT q FROM _as_pt)"""
    )
    agents = [r[0] for r in con.execute("SELECT agent FROM _as_ag ORDER BY k").fetchall()]
    reasons = [r[0] for r in con.execute("SELECT reason FROM _as_rs ORDER BY k").fetchall()]
    queues = [r[0] for r in con.execute("SELECT q FROM _as_qs ORDER BY k").fetchall()]
    ev = _fetch(
        con,
        """SELECT g.k AS agent, e.t, e.s.l AS l, e.s.m AS m, e.s.a AS a,
                  coalesce(r.k, -1) AS ar
           FROM _as_et e JOIN _as_ag g USING (agent)
           LEFT JOIN _as_rs r ON r.reason = e.s.ar
           ORDER BY g.k, e.t""",
    )
    ct = _fetch(
        con,
        """SELECT g.k AS agent, c.a, coalesce(c.e, 0) AS e, c.e IS NOT NULL AS ended,
                  coalesce(c.acw, 0) AS acw
           FROM _as_ct c JOIN _as_ag g USING (agent)
           ORDER BY g.k""",
    )
    pt = _fetch(
        con,
        """SELECT g.k AS agent, q.k AS q, p.t, p.s.mem AS mem, p.s.on AS on_,
                  coalesce(r.k, -1) AS r, coalesce(p.s.s, -1) AS s
           FROM _as_pt p JOIN _as_ag g USING (agent) JOIN _as_qs q USING (q)
           LEFT JOIN _as_rs r ON r.reason = p.s.r
           ORDER BY g.k, q.k, p.t""",
    )
    for name in ("_as_ag", "_as_rs", "_as_qs"):
        con.execute(f"DROP TABLE {name}")
    n = len(agents)
    eb, cb, pb = _blocks(ev["agent"], n), _blocks(ct["agent"], n), _blocks(pt["agent"], n)
    out = Runs(agents=agents, queues=queues, reasons=reasons)
    for k in range(n):
        _agent(k, out, _slice(ev, eb, k), _slice(ct, cb, k), _slice(pt, pb, k))
    return out


def _slice(cols: dict[str, np.ndarray], blocks: I64, k: int) -> dict[str, np.ndarray]:
    lo, hi = int(blocks[k]), int(blocks[k + 1])
    return {name: v[lo:hi] for name, v in cols.items()}


def _agent(
    k: int,
    out: Runs,
    ev: dict[str, np.ndarray],
    ct: dict[str, np.ndarray],
    pt: dict[str, np.ndarray],
) -> None:
    """Add the runs of agent ``k`` (its event flags ``ev``, contacts ``ct`` and queue
    flags ``pt``)."""
    ended = ct["ended"].astype(np.bool_)
    with_acw = ended & (ct["acw"] > 0)
    a_, e_ = ct["a"].astype(np.int64), ct["e"].astype(np.int64)
    acw_end = e_ + ct["acw"].astype(np.int64)
    ev_t = ev["t"].astype(np.int64)
    pts = np.concatenate([ev_t, a_, e_[ended], acw_end[with_acw]])
    t, inv = np.unique(pts, return_inverse=True)
    m = len(t)
    n_ev, n_ct, n_end = len(ev_t), len(a_), int(ended.sum())
    d = np.zeros(m, dtype=np.int64)
    np.add.at(d, inv[n_ev : n_ev + n_ct], 1)
    starts = d.copy()
    np.add.at(d, inv[n_ev + n_ct : n_ev + n_ct + n_end], -1)
    au = np.full(m, _MIN, dtype=np.int64)
    np.maximum.at(
        au,
        inv[n_ev + n_ct : n_ev + n_ct + n_end],
        np.where(with_acw[ended], acw_end[ended], _MIN),
    )
    n_on = np.cumsum(d)
    acw_until = np.maximum.accumulate(au)
    i = _carry(ev_t, t)
    has = i >= 0
    j = np.where(has, i, 0)
    login = has & ev["l"].astype(np.bool_)[j] if n_ev else np.zeros(m, dtype=np.bool_)
    members = np.where(has, ev["m"].astype(np.int64)[j], 0) if n_ev else np.zeros(m, np.int64)
    all_on = has & ev["a"].astype(np.bool_)[j] if n_ev else np.zeros(m, dtype=np.bool_)
    all_why = np.where(has, ev["ar"].astype(np.int64)[j], -1) if n_ev else np.full(m, -1)
    busy = np.where(n_on > 0, HANDLING, np.where(acw_until > t, ACW, NONE))
    # contacts answered while logged out, one at a time (an end at the same instant first)
    out_ = (starts > 0) & ~(login | (members > 0))
    if out_.any():
        before = n_on - starts
        n = np.minimum(starts, np.maximum(0, 1 - before))[out_]
        if n.sum():
            out.logged_out_contacts[k] = int(n.sum())
    # each queue the agent touched: membership and its own pause, carried forward
    q_paused = np.zeros(m, dtype=np.int64)
    q_best = np.full(m, -1, dtype=np.int64)
    q_why = np.full(m, -1, dtype=np.int64)
    member_lines: list[tuple[int, int, B, B, I64]] = []
    qk = pt["q"].astype(np.int64)
    for lo, hi in _runs_of(qk):
        p_t = pt["t"][lo:hi].astype(np.int64)
        i_q = _carry(p_t, t)
        has_q = i_q >= 0
        j_q = np.where(has_q, i_q + lo, lo)
        mem = has_q & pt["mem"][j_q].astype(np.bool_)
        on = has_q & pt["on_"][j_q].astype(np.bool_)
        why = np.where(on, pt["r"][j_q].astype(np.int64), -1)
        if on.any():
            q_paused += on
            s = np.where(on, pt["s"][j_q].astype(np.int64), -1)
            newer = on & (s > q_best)
            q_best = np.where(newer, s, q_best)
            q_why = np.where(newer, why, q_why)
        if mem.any():
            first = int(np.argmax(mem))
            member_lines.append((int(qk[lo]), first, mem, on, why))
    logged = login | (members > 0) | (n_on > 0)
    paused = all_on | (q_paused > 0)
    state = np.where(
        ~logged, NONE, np.where(busy != NONE, busy, np.where(paused, NOT_READY, AVAILABLE))
    )
    reason = np.where(state == NOT_READY, np.where(all_on, all_why, q_why), -1)
    out.add(k, -1, t, state, reason)
    for q, first, mem, on, why in member_lines:
        sl = slice(first, None)
        qs = np.where(
            ~mem[sl],
            NONE,
            np.where(
                busy[sl] != NONE,
                busy[sl],
                np.where(all_on[sl] | on[sl], NOT_READY, AVAILABLE),
            ),
        )
        qr = np.where(qs == NOT_READY, np.where(all_on[sl], all_why[sl], why[sl]), -1)
        out.add(k, q, t[sl], qs, qr)


def _runs_of(keys: I64) -> list[tuple[int, int]]:
    """[lo, hi) of each run of equal values in ``keys``."""
    if not len(keys):
        return []
    b = np.flatnonzero(np.diff(keys)) + 1
    edges = [0, *b.tolist(), len(keys)]
    return list(itertools.pairwise(edges))


def pieces_table(source: str, runs: Runs, grain_us: int, *, from_us: I64 | None = None) -> pa.Table:
    """The runs as rows of ``agent_states`` (columns in schema order, source ``source``),
    closed runs cut at every multiple of ``grain_us`` (µs of UTC); with ``from_us`` (per
    agent code), only the pieces that start at or after the agent's instant."""
    r = runs.arrays()
    start, end, closed = r["start"], r["end"], r["closed"]
    first = start // grain_us
    pieces = np.where(closed, (end - 1) // grain_us - first + 1, 1)
    idx = np.repeat(np.arange(len(start)), pieces)
    j = np.arange(len(idx)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    cell = first[idx] + j
    p_start = np.maximum(start[idx], cell * grain_us)
    if from_us is not None:
        keep = p_start >= from_us[r["agent"][idx]]
        idx, cell, p_start = idx[keep], cell[keep], p_start[keep]
    p_closed = closed[idx]
    p_end = np.where(p_closed, np.minimum(end[idx], (cell + 1) * grain_us), 0)

    def coded(codes: np.ndarray, names: list[str]) -> pa.Array:
        values = pa.array(names, pa.string())
        codes = codes[idx]
        indices = pa.array(np.maximum(codes, 0), pa.int64(), mask=codes < 0)
        return pa.DictionaryArray.from_arrays(indices, values).dictionary_decode()

    ts = pa.timestamp("us", tz="UTC")
    scope = np.where(r["queue"] < 0, 0, 1)
    return pa.table(
        {
            "source": pa.array([source], pa.string()).take(pa.array(np.zeros(len(idx), np.int64))),
            "agent_id": coded(r["agent"], runs.agents),
            "scope": coded(scope, ["agent", "queue"]),
            "queue": coded(r["queue"], runs.queues),
            "state": coded(r["state"], list(STATE_NAMES)),
            "reason": coded(r["reason"], runs.reasons),
            "start_at": pa.array(p_start, pa.int64()).cast(ts),
            "end_at": pa.array(p_end, pa.int64(), mask=~p_closed).cast(ts),
            "duration_s": pa.array((p_end - p_start) / 1e6, pa.float64(), mask=~p_closed),
        }
    )
