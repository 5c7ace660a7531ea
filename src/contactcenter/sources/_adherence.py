"""Schedules against agent states: the ``adherence`` fact.

Rules (documented for users in docs/data-model.md, "Adherence")

* The **expected** category of an instant is ``work`` when the agent's scheduled activity
  is work, else ``away`` (break, lunch, meeting, training, off; an instant no schedule
  row covers is off). The **actual** category is ``work`` when the agent is logged in
  and not paused (agent states handling, acw, available), else ``away`` (not_ready, or
  logged out).
* Time is **out of adherence** when the two differ. A run of such time shorter than or
  equal to the report's tolerance is ignored (the fact keeps each piece's run length,
  ``episode_s``, so the report chooses the tolerance).
* **Shift**: a run of consecutive schedule rows other than off. **Late login**: from the
  shift's start to the agent's first logged-in instant in it (nothing when the agent
  never logs in during the shift: that is absence, out of adherence but not late).
  **Early logout**: from the end of the agent's last logged-in time in the shift to the
  shift's end, when the agent logged in during the shift and left before its end.
  **Break overrun**: from the end of a break or lunch followed by work, to the agent's
  first working instant in that work (when the agent is away at the break's end and
  works again before the work ends).
* Evaluated up to the end of what is known of the agent: the start of a state still open,
  and no later than the last instant of any agent state in the store.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import pyarrow as pa

from contactcenter.facts import ADHERENCE_SCHEMA, table_spec
from contactcenter.sources._agent_sessions import US, cut
from contactcenter.store import LoadSession

WORKING = ("handling", "acw", "available")
"""Agent states that are ``work``: logged in and not paused."""

Row = tuple[str, str, str, int, int, int | None, str | None]
"""(activity, expected, actual, start µs, end µs, episode µs or None, deviation or None)"""


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _inside(spans: list[tuple[int, int]], t: int) -> bool:
    return any(a <= t < b for a, b in spans)


def derive_adherence(
    schedule: Sequence[tuple[int, int, str]],
    states: Sequence[tuple[int, int, str]],
    horizon: int,
) -> list[Row]:
    """The adherence rows of one agent from its schedule rows (start, end, activity; not
    overlapping) and its closed agent-scope states (start, end, state), up to
    ``horizon`` (µs), following the module's rules."""
    sched = sorted((a, min(b, horizon), act) for a, b, act in schedule if a < horizon)
    sched = [(a, b, act) for a, b, act in sched if b > a and act != "off"]
    logged = _merge((a, min(b, horizon)) for a, b, _ in states if a < horizon)
    working = _merge((a, min(b, horizon)) for a, b, s in states if s in WORKING and a < horizon)
    labels: list[tuple[int, int, str]] = []
    # shifts: runs of consecutive scheduled rows
    shifts: list[tuple[int, int]] = []
    for a, b, _ in sched:
        if shifts and shifts[-1][1] == a:
            shifts[-1] = (shifts[-1][0], b)
        else:
            shifts.append((a, b))
    for s0, s1 in shifts:
        inside = [(max(a, s0), min(b, s1)) for a, b in logged if a < s1 and b > s0]
        if not inside:
            continue
        if inside[0][0] > s0:
            labels.append((s0, inside[0][0], "late_login"))
        if inside[-1][1] < s1:
            labels.append((inside[-1][1], s1, "early_logout"))
    for (_, b, act), (c, d, nxt) in itertools.pairwise(sched):
        if act in ("break", "lunch") and nxt == "work" and b == c and not _inside(working, b):
            back = next((max(x, b) for x, y in working if y > b and x < d), None)
            if back is not None and back > b:
                labels.append((b, back, "break_overrun"))
    points = {t for a, b, _ in sched for t in (a, b)}
    points |= {t for a, b in working for t in (a, b)}
    points |= {t for a, b, _ in labels for t in (a, b)}
    cuts = sorted(t for t in points if t <= horizon)
    segments: list[list[object]] = []
    for t0, t1 in itertools.pairwise(cuts):
        act = next((x for a, b, x in sched if a <= t0 < b), "off")
        actual = "work" if _inside(working, t0) else "away"
        if act == "off" and actual == "away":
            continue
        expected = "work" if act == "work" else "away"
        label = next((x for a, b, x in labels if a <= t0 < b), None)
        segments.append([act, expected, actual, t0, t1, None, label])
    # runs of consecutive out-of-adherence segments
    i = 0
    while i < len(segments):
        if segments[i][1] == segments[i][2]:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(segments)
            and segments[j + 1][1] != segments[j + 1][2]
            and segments[j + 1][3] == segments[j][4]
        ):
            j += 1
        length = int(segments[j][4]) - int(segments[i][3])  # type: ignore[call-overload]
        for k in range(i, j + 1):
            segments[k][5] = length
        i = j + 1
    return [tuple(s) for s in segments]  # type: ignore[misc]


def rows_table(per_agent: dict[str, list[Row]]) -> pa.Table:
    """The ``adherence`` rows of agents, cut every 15 minutes of UTC."""
    cols: dict[str, list[object]] = {name: [] for name in ADHERENCE_SCHEMA.names}
    for agent, rows in per_agent.items():
        for act, expected, actual, start, end, episode, deviation in rows:
            for s, e in cut(start, end):
                cols["agent_id"].append(agent)
                cols["activity"].append(act)
                cols["expected"].append(expected)
                cols["actual"].append(actual)
                cols["start_at"].append(s)
                cols["end_at"].append(e)
                cols["duration_s"].append((e - s) / US)
                cols["episode_s"].append(None if episode is None else episode / US)
                cols["deviation"].append(deviation)
    arrays = []
    for f in ADHERENCE_SCHEMA:
        values = cols[f.name]
        if f.type == pa.timestamp("us", tz="UTC"):
            arrays.append(pa.array(values, pa.int64()).cast(f.type))
        else:
            arrays.append(pa.array(values, f.type))
    return pa.Table.from_arrays(arrays, schema=ADHERENCE_SCHEMA)


def refresh_adherence(session: LoadSession) -> None:
    """Derive again the adherence of every agent with a schedule (the end of the data
    may have moved for all of them) and replace the stored rows; add the load's note."""
    con = session.con
    for name in ("schedules", "agent_states", "adherence"):
        session.store.ensure(table_spec(name))
    sched = con.execute(
        """SELECT agent_id, epoch_us(min(start_at)), epoch_us(max(end_at)), activity
           FROM (SELECT *, sum(CASE WHEN start_at = prev_end AND activity = prev_act
                                    THEN 0 ELSE 1 END) OVER w2 AS grp
                 FROM (SELECT *, lag(end_at) OVER w AS prev_end, lag(activity) OVER w
                              AS prev_act FROM schedules
                       WINDOW w AS (PARTITION BY agent_id ORDER BY start_at))
                 WINDOW w2 AS (PARTITION BY agent_id ORDER BY start_at))
           GROUP BY agent_id, activity, grp ORDER BY 1, 2"""
    ).fetchall()
    agents = sorted({r[0] for r in sched})
    stored = con.execute("SELECT DISTINCT agent_id FROM adherence").fetchall()
    gone = sorted({r[0] for r in stored} - set(agents))
    if not agents and not gone:
        return
    end = con.execute(
        "SELECT epoch_us(max(coalesce(end_at, start_at))) FROM agent_states"
    ).fetchone()
    horizon = int(end[0]) if end and end[0] is not None else None
    con.register("_adh_agents", pa.table({"agent": pa.array(agents, pa.string())}))
    try:
        states = con.execute(
            """SELECT agent_id, epoch_us(start_at), epoch_us(end_at), state
               FROM agent_states
               WHERE scope = 'agent' AND agent_id IN (SELECT agent FROM _adh_agents)
               ORDER BY agent_id, start_at"""
        ).fetchall()
    finally:
        con.unregister("_adh_agents")
    by_agent_states: dict[str, list[tuple[int, int, str]]] = {}
    open_at: dict[str, int] = {}
    for agent, start, stop, state in states:
        if stop is None:
            open_at[agent] = min(open_at.get(agent, start), start)
        else:
            by_agent_states.setdefault(agent, []).append((start, stop, state))
    by_agent_sched: dict[str, list[tuple[int, int, str]]] = {}
    for agent, start, stop, activity in sched:
        by_agent_sched.setdefault(agent, []).append((start, stop, activity))
    per_agent: dict[str, list[Row]] = {}
    for agent in agents:
        if horizon is None:
            continue
        limit = min(horizon, open_at.get(agent, horizon))
        rows = derive_adherence(by_agent_sched[agent], by_agent_states.get(agent, []), limit)
        if rows:
            per_agent[agent] = rows
    scope = pa.table({"agent_id": pa.array(agents + gone, pa.string())})
    session.write("adherence", rows_table(per_agent), replace=scope)
    session.account.notes.append(
        f"adherence derived again for {len(per_agent)} scheduled agents"
        + ("" if horizon is None else " (up to the end of the agent states in the store)")
    )
