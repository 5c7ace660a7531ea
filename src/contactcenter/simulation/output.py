"""What a simulated run gives back: the figures only the simulator knows, and canonical
contacts.

The KPIs that the metric catalog defines (offered, answered, abandoned, service level,
ASA, abandon rate) are not computed here: :func:`contactcenter.app.simulate` computes them
with the catalog over :func:`to_contacts`, so that the same contacts loaded into the store
give the same numbers by construction. :func:`summarize` gives the rest:

    p_wait         contacts with wait_s > 0 / offered
    occupancy      agent-seconds with at least one contact open, inside the run, /
                   agent-seconds on duty
    mean_wait_s    mean wait_s of all offered contacts, abandoned included; this, not
                   asa_s, is what the Erlang models call ASA (mean wait over all arrivals)
    contacts       contacts that arrived in the run (rows of :func:`to_contacts`)

With a simulated team, occupancy is the team's handling / (handling + available) time
(:func:`team_rows`, the metric catalog's definition), :func:`team_rows` gives each
agent's own figures, :func:`to_queue_log` the run as an Asterisk queue_log (agent and
call events) and :func:`to_schedule_csv` the team's schedule as ``schedule_csv``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from contactcenter.errors import InputError
from contactcenter.facts import CONTACTS
from contactcenter.limits import LATEST_END
from contactcenter.simulation.engine import SimulationResult
from contactcenter.simulation.team import AVAILABLE, team_figures

TEAM_COLUMNS = (
    "agent",
    "logged_in_s",
    "available_s",
    "handling_s",
    "not_ready_s",
    "contacts_handled",
    "occupancy",
    "scheduled_s",
    "late_login_s",
    "out_of_adherence_s",
    "adherence",
)
"""The per-agent figures of a simulated team (:func:`team_rows`)."""

DEFAULT_START = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)
"""Default first instant of a simulated day: Monday 6 January 2025, 08:00 UTC (fixed, so
that the same command writes the same contacts)."""


def _busy_union_s(result: SimulationResult) -> float:
    """Agent-seconds with at least one contact open, clipped to the run's horizon."""
    served = result.answered
    if not served.any():
        return 0.0
    start = result.arrival_s[served] + result.wait_s[served]
    end = start + result.service_s[served]
    horizon = result.horizon_s
    start = np.clip(start, 0.0, horizon)
    end = np.clip(end, 0.0, horizon)
    agent = result.agent[served]
    if result.concurrency == 1:
        return float(np.sum(end - start))
    # union of intervals per agent: shift each agent by a gap larger than the horizon
    shift = agent.astype(np.float64) * (2.0 * horizon + 1.0)
    s = start + shift
    e = end + shift
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)
    prev = np.concatenate(([-np.inf], reach[:-1]))
    return float(np.sum(np.maximum(0.0, reach - np.maximum(s, prev))))


def summarize(result: SimulationResult) -> dict[str, Any]:
    """The run's own figures (definitions in the module docstring); ratios are None when
    nothing was offered (an empty denominator)."""
    offered = len(result)
    staffed = float(np.sum(result.agents_per_interval)) * result.interval_s
    busy = _busy_union_s(result)
    if result.team is not None:
        rows = team_rows(result)
        busy = sum(float(r["handling_s"] or 0) for r in rows)
        staffed = busy + sum(float(r["available_s"] or 0) for r in rows)

    def ratio(num: float, den: float) -> float | None:
        return num / den if den > 0 else None

    return {
        "p_wait": ratio(float(np.count_nonzero(result.wait_s > 0)), offered),
        "occupancy": ratio(busy, staffed),
        "mean_wait_s": float(np.mean(result.wait_s)) if offered else None,
        "contacts": offered,
    }


def to_contacts(
    result: SimulationResult,
    *,
    start: dt.datetime = DEFAULT_START,
    queue: str = "simulated",
    channel: str = "voice",
) -> pa.Table:
    """The run as canonical contacts (``CONTACTS_SCHEMA``): source "simulate", outcome
    answered/abandoned, wait_s, talk_s (the handle time), hold_s/acw_s null, agent_id,
    offered_at = ``start`` + arrival (UTC), contact_id unique per (queue, seed, start, n).
    """
    if start.tzinfo is None:
        raise InputError(f"start must carry a time zone (e.g. 2025-01-06T08:00Z), got {start}")
    if channel not in ("voice", "chat"):
        raise InputError(f"channel must be voice or chat, got {channel!r}")
    n = len(result)
    t0 = np.datetime64(start.astimezone(dt.UTC).replace(tzinfo=None), "us")
    arrival_us = np.round(result.arrival_s * 1e6).astype("timedelta64[us]")
    wait_us = np.round(result.wait_s * 1e6).astype("timedelta64[us]")
    svc = np.where(result.answered, result.service_s, 0.0)
    svc_us = np.round(svc * 1e6).astype("timedelta64[us]")
    offered_at = t0 + arrival_us
    answered_at = offered_at + wait_us
    ended_at = answered_at + svc_us
    last = np.datetime64(LATEST_END.replace(tzinfo=None), "us")
    if n and ended_at.max() > last:
        raise InputError(
            f"{{field}} {start.isoformat()}: a contact of this run ends at "
            f"{ended_at.max()}, after 9999-12-31 (a queue that never empties, or a very long "
            "handle time); start earlier or simulate fewer periods",
            field="start",
        )
    stamp = start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    prefix = f"{queue}-{result.seed}-{stamp}-"
    ids = [f"{prefix}{i:07d}" for i in range(1, n + 1)]
    answered = result.answered
    n_agents = max(1, int(result.agent.max()) + 1) if n else 1
    agent_ids = np.array(
        list(result.agent_names)
        if result.agent_names
        else [f"agent-{a + 1:03d}" for a in range(n_agents)]
    )
    agent_col = pa.array(
        agent_ids[np.maximum(result.agent, 0)],
        pa.string(),
        mask=~answered,
    )
    ts = pa.timestamp("us", tz="UTC")
    table = pa.table(
        {
            "contact_id": pa.array(ids, pa.string()),
            "source": pa.array(["simulate"] * n, pa.string()),
            "channel": pa.array([channel] * n, pa.string()),
            "queue": pa.array([queue] * n, pa.string()),
            "offered_at": pa.array(offered_at, ts),
            "answered_at": pa.array(answered_at, ts, mask=~answered),
            "ended_at": pa.array(np.where(answered, ended_at, answered_at), ts),
            "outcome": pa.array(np.where(answered, "answered", "abandoned"), pa.string()),
            "wait_s": pa.array(result.wait_s, pa.float64()),
            "talk_s": pa.array(svc, pa.float64(), mask=~answered),
            "agent_id": agent_col,
        }
    )
    return CONTACTS.conform(table, what="simulated contacts")


def team_rows(result: SimulationResult, *, tolerance_s: float = 60.0) -> list[dict[str, Any]]:
    """Each agent's own figures (:data:`TEAM_COLUMNS`;
    :func:`contactcenter.simulation.team.team_figures`); empty without a team."""
    if result.team is None or result.changes is None:
        return []
    n = len(result.team.names)
    answered = result.answered
    who = result.agent[answered]
    counts = np.bincount(who, minlength=n)
    handling = np.bincount(who, weights=result.service_s[answered], minlength=n)
    handled = [(int(c), float(h)) for c, h in zip(counts.tolist(), handling.tolist(), strict=True)]
    return team_figures(result.team, result.changes, handled, tolerance_s=tolerance_s)


def _check_names(names: tuple[str, ...]) -> None:
    for name in names:
        if not name or any(ch in name for ch in "|\r\n") or name.strip() != name:
            raise InputError(
                f"{{field}}: agent {name!r} cannot be written in a queue_log (no '|', line "
                "break or surrounding space)",
                field="schedule",
            )


def to_queue_log(result: SimulationResult, *, start: dt.datetime, queue: str) -> str:
    """The run as Asterisk queue_log lines (``epoch|callid|queue|agent|EVENT|data...``):
    per agent ADDMEMBER/REMOVEMEMBER when it joins and leaves the queue and PAUSE (with the
    reason) / UNPAUSE; per contact ENTERQUEUE, then CONNECT (hold time, the agent) and
    COMPLETECALLER (hold and talk time), or ABANDON (wait). Ordered by time, the agent
    events first within a second. Needs a team (:attr:`SimulationResult.changes`)."""
    if result.changes is None or result.agent_names is None:
        raise InputError("{field}: only a simulated team has agent events", field="queue_log")
    _check_names(result.agent_names)
    if any(ch in queue for ch in "|\r\n"):
        raise InputError(f"{{field}} {queue!r} cannot be written in a queue_log", field="queue")
    t0 = start.timestamp()
    if t0 != int(t0):
        raise InputError(
            f"{{field}} {start.isoformat()} must be a whole second for a queue_log", field="start"
        )
    base = int(t0)
    times: list[int] = []
    lines: list[str] = []
    for name, changes in zip(result.agent_names, result.changes, strict=True):
        prev: str | None = None
        for t, mode in changes:
            at = base + t
            head = f"{at}|NONE|{queue}|{name}|"
            if prev is None:
                times.append(at)
                lines.append(head + "ADDMEMBER|")
            if mode is None:
                times.append(at)
                lines.append(head + "REMOVEMEMBER|")
            elif mode == AVAILABLE and prev is not None:
                times.append(at)
                lines.append(head + "UNPAUSE|")
            elif mode != AVAILABLE:
                times.append(at)
                lines.append(head + f"PAUSE|{mode}")
            prev = mode
    n = len(result)
    arrival = result.arrival_s.astype(np.int64) + base
    wait = np.round(result.wait_s).astype(np.int64)
    ans = result.answered
    talk = np.round(np.where(ans, result.service_s, 0.0)).astype(np.int64)
    names = np.array(list(result.agent_names) or [""], dtype=object)
    stamp = start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    ids = [f"sim{result.seed}-{stamp}-{i:07d}" for i in range(1, n + 1)]
    call_times: list[int] = []
    call_lines: list[str] = []
    for cid, a, w, ok, s, ag in zip(
        ids, arrival.tolist(), wait.tolist(), ans.tolist(), talk.tolist(),
        result.agent.tolist(), strict=True,
    ):  # fmt: skip
        call_times.append(a)
        call_lines.append(f"{a}|{cid}|{queue}|NONE|ENTERQUEUE||")
        if ok:
            who = names[ag]
            call_times.append(a + w)
            call_lines.append(f"{a + w}|{cid}|{queue}|{who}|CONNECT|{w}|{cid}|0")
            call_times.append(a + w + s)
            call_lines.append(f"{a + w + s}|{cid}|{queue}|{who}|COMPLETECALLER|{w}|{s}|1")
        else:
            call_times.append(a + w)
            call_lines.append(f"{a + w}|{cid}|{queue}|NONE|ABANDON|1|1|{w}")
    all_times = np.array(times + call_times, dtype=np.int64)
    order = np.argsort(all_times, kind="stable")
    all_lines = lines + call_lines
    return "".join(all_lines[k] + "\n" for k in order.tolist())


def to_schedule_csv(result: SimulationResult, *, start: dt.datetime) -> str:
    """The team's schedule as ``schedule_csv`` (agent, activity, start, end; UTC times
    with their offset)."""
    if result.team is None:
        raise InputError("{field}: only a simulated team has a schedule", field="schedule_output")
    base = start.astimezone(dt.UTC)
    out = ["agent,activity,start,end"]
    for name, rows in zip(result.team.names, result.team.schedules, strict=True):
        quoted = '"' + name.replace('"', '""') + '"' if any(c in name for c in ',"') else name
        for a, b, activity in rows:
            first = (base + dt.timedelta(seconds=a)).isoformat()
            last = (base + dt.timedelta(seconds=b)).isoformat()
            out.append(f"{quoted},{activity},{first},{last}")
    return "\n".join(out) + "\n"
