"""Live state per queue: now, today so far, the current interval, the end-of-day projection.

Read from the store at an instant (docs/api.md, ``GET /api/v1/live``), per queue:

* **now**: ``waiting`` (contacts in the queue with no answer and no end, offered in the
  last 24 hours: an older one is taken for a lost end), ``longest_wait_s`` (now minus the
  earliest of their offered_at; 0 when none waits), and the agents by state where agent
  states exist: ``available``, ``on_contact`` (handling or after-contact work),
  ``paused`` by reason, ``logged_out`` (agents of the queue seen today with no state
  now).
* **today so far**, in the queue's zone (:meth:`LiveConfig.zone_of`), with the queue's
  thresholds (``--config``, as the report applies them): ``offered``, ``answered``,
  ``abandoned``, ``service_level``, ``asa_s``, ``aht_s`` with the catalog's formulas
  (docs/metrics.md), over the contacts offered since the queue's local midnight; and the
  current interval's ``service_level``.
* the end-of-day projection (:mod:`contactcenter.live.projection`).

Only the rows of the last 26 hours are read each time (a day in any zone starts less
than 26 hours before now); the queues, their zones and the profile of expected calls
(the same weekday of the last 4 weeks) are read once per day and kept
(:class:`DayCache`).

``now`` may be given (a replay, a test): then the store is read as of that instant, a
contact counting as answered, abandoned or timed out only from the instant it was, and as
waiting before. Without it, ``now`` is the clock and every stored end counts.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from contactcenter.live.config import Colours, LiveConfig
from contactcenter.live.projection import (
    PROFILE_WEEKS,
    Projection,
    expected_remaining,
    profile,
    project,
)
from contactcenter.metrics.thresholds import Thresholds

WINDOW_S = 26 * 3600
"""How far back the rows of "today" are read: a local day starts less than this before."""
WAITING_WINDOW_S = 24 * 3600
"""A contact with no end offered longer ago than this is not counted as waiting."""
HISTORY_DAYS = PROFILE_WEEKS * 7 + 1
"""Days of history read once a day for the queues, their zones and the profile."""
FINISHED = ("answered", "abandoned", "timed_out")
ON_CONTACT = ("handling", "acw")


@dataclass(frozen=True)
class AgentNow:
    """One agent's state now: ``available``, ``on_contact`` or ``paused`` (with its
    ``reason``), since the epoch second ``since``, in ``queues``."""

    agent: str
    state: str
    reason: str | None
    since: float
    queues: tuple[str, ...]


@dataclass(frozen=True)
class AgentCounts:
    """Agents of a queue by state now."""

    available: int
    on_contact: int
    paused: dict[str, int]
    logged_out: int


@dataclass(frozen=True)
class QueueNow:
    """One queue's live state (see the module docstring)."""

    queue: str
    tz: str
    day: str
    threshold_s: float
    target: float
    waiting: int
    longest_wait_s: float
    agents: AgentCounts | None
    offered: int
    answered: int
    abandoned: int
    service_level: float | None
    asa_s: float | None
    aht_s: float | None
    interval_start: str
    interval_service_level: float | None
    answered_in_threshold: int
    counted: int
    projection: Projection


@dataclass(frozen=True)
class LiveState:
    """Every queue's :class:`QueueNow` and every agent's :class:`AgentNow` at ``now``
    (epoch seconds)."""

    now: float
    queues: tuple[QueueNow, ...]
    agents: tuple[AgentNow, ...]

    def scoped(self, queues: frozenset[str] | None = None, agent: str | None = None) -> LiveState:
        """The part of the state a caller limited to ``queues`` (None: every queue) and
        to the agent ``agent`` (None: every agent) may see: those queues and the agents in
        them; with ``agent``, only the queues that agent is in now, agent counts of that
        agent alone and no other agent's row (a logged-out agent sees no queue)."""
        rows = [q for q in self.queues if queues is None or q.queue in queues]
        agents = [a for a in self.agents if queues is None or set(a.queues) & queues]
        if agent is None:
            return LiveState(self.now, tuple(rows), tuple(agents))
        mine = [a for a in agents if a.agent == agent]
        kept = []
        for q in rows:
            here = [a for a in mine if q.queue in a.queues]
            if not here:
                continue
            paused: dict[str, int] = {}
            for a in here:
                if a.state == "paused":
                    paused[a.reason or ""] = paused.get(a.reason or "", 0) + 1
            counts = AgentCounts(
                available=sum(a.state == "available" for a in here),
                on_contact=sum(a.state == "on_contact" for a in here),
                paused=paused,
                logged_out=0,
            )
            kept.append(replace(q, agents=counts))
        return LiveState(self.now, tuple(kept), tuple(mine))

    def as_dict(self, colours: Colours | None = None) -> dict[str, Any]:
        """The JSON document of ``GET /api/v1/live`` (docs/api.md)."""
        c = colours or Colours()
        return {
            "now": _iso(self.now),
            "queues": [queue_dict(q, c) for q in self.queues],
            "agents": [
                {
                    "agent": a.agent,
                    "state": a.state,
                    "reason": a.reason,
                    "since": _iso(a.since),
                    "for_s": round(max(0.0, self.now - a.since), 3),
                    "queues": list(a.queues),
                }
                for a in self.agents
            ],
        }


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, ZoneInfo("UTC"))
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def colour_of_sl(value: float | None, target: float, colours: Colours) -> str:
    """``ok`` at or above the target, ``warn`` below it by at most ``sl_warn``, ``alarm``
    further below; ``none`` when there is no value."""
    if value is None:
        return "none"
    if value >= target - 1e-12:
        return "ok"
    return "warn" if target - value <= colours.sl_warn + 1e-12 else "alarm"


def colour_of(value: float, warn: float, alarm: float) -> str:
    """``alarm`` at or above ``alarm``, ``warn`` at or above ``warn``, else ``ok``."""
    if value >= alarm:
        return "alarm"
    return "warn" if value >= warn else "ok"


def queue_dict(q: QueueNow, colours: Colours) -> dict[str, Any]:
    """One queue of the JSON document (docs/api.md)."""
    p = q.projection
    agents = None
    if q.agents is not None:
        agents = {
            "available": q.agents.available,
            "on_contact": q.agents.on_contact,
            "paused": dict(sorted(q.agents.paused.items())),
            "logged_out": q.agents.logged_out,
        }
    return {
        "queue": q.queue,
        "tz": q.tz,
        "day": q.day,
        "threshold_s": q.threshold_s,
        "target": q.target,
        "waiting": q.waiting,
        "longest_wait_s": round(q.longest_wait_s, 3),
        "agents": agents,
        "today": {
            "offered": q.offered,
            "answered": q.answered,
            "abandoned": q.abandoned,
            "service_level": _round(q.service_level),
            "asa_s": _round(q.asa_s, 3),
            "aht_s": _round(q.aht_s, 3),
        },
        "interval": {"start": q.interval_start, "service_level": _round(q.interval_service_level)},
        "projected_service_level": _round(p.projected_service_level),
        "needed_in_threshold": p.needed_in_threshold,
        "projection": {
            "expected_remaining": round(p.expected, 3),
            "rate": _round(p.rate),
            "basis": p.basis,
            "weeks": p.weeks,
            "answered_in_threshold": q.answered_in_threshold,
            "counted": q.counted,
        },
        "colours": {
            "waiting": colour_of(q.waiting, colours.waiting_warn, colours.waiting_alarm),
            "longest_wait_s": colour_of(
                q.longest_wait_s, colours.longest_wait_warn_s, colours.longest_wait_alarm_s
            ),
            "service_level": colour_of_sl(q.service_level, q.target, colours),
            "interval_service_level": colour_of_sl(q.interval_service_level, q.target, colours),
            "projected_service_level": colour_of_sl(p.projected_service_level, q.target, colours),
        },
    }


# ----------------------------------------------------------------------------- the day cache
@dataclass
class _Day:
    """What is read once per day: queue -> (zone of its contacts or None), and per
    (queue, zone, date, interval) the profile of expected calls and its weeks."""

    key: tuple[int, int]
    zones: dict[str, str | None] = field(default_factory=dict)
    profiles: dict[tuple[str, str, str, float], tuple[dict[int, float], int]] = field(
        default_factory=dict
    )
    forecast: dict[tuple[str, str], dict[int, float]] | None = None
    tables: dict[str, bool] = field(default_factory=dict)


class DayCache:
    """Keeps the once-a-day reads (queues, zones, profiles, forecast) between calls of
    :func:`read_live_state`; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day: _Day | None = None

    def day(self, now: float) -> _Day:
        """The entry of the UTC hour ``now`` falls in (the history is read again every
        hour, so a queue that appears or a load of older days is seen within the hour)."""
        key = (int(now // 3600), 0)
        with self._lock:
            if self._day is None or self._day.key != key:
                self._day = _Day(key)
            return self._day

    def clear(self) -> None:
        """Forget what was kept (a load of history, a new forecast)."""
        with self._lock:
            self._day = None


# ----------------------------------------------------------------------------- reading
def _frame(con: Any, sql: str, params: list[Any]) -> pd.DataFrame:
    frame: pd.DataFrame = con.execute(sql, params).df()
    return frame


def _has_table(con: Any, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def _queue_filter(queues: frozenset[str] | None, column: str = "queue") -> tuple[str, list[Any]]:
    if queues is None:
        return "", []
    if not queues:
        return " AND false", []
    marks = ", ".join("?" for _ in queues)
    return f" AND {column} IN ({marks})", sorted(queues)


def _history_zones(con: Any, now: float, queues: frozenset[str] | None) -> dict[str, str | None]:
    where, params = _queue_filter(queues)
    rows = con.execute(
        "SELECT queue, min(source_tz), max(source_tz), count(source_tz), count(*) "
        "FROM contacts WHERE offered_at >= to_timestamp(?) AND offered_at <= to_timestamp(?) "
        f"AND queue IS NOT NULL{where} GROUP BY queue",
        [now - HISTORY_DAYS * 86400, now, *params],
    ).fetchall()
    return {str(r[0]): _one_zone(r[1], r[2], r[3], r[4]) for r in rows}


def _one_zone(lo: Any, hi: Any, with_zone: Any, n: Any) -> str | None:
    """The source zone when every row has the same one (a naive-local source), else None."""
    if lo is not None and lo == hi and int(with_zone) == int(n):
        return str(lo)
    return None


def _local(epoch: pd.Series, tz: str) -> pd.DatetimeIndex:
    instants = pd.to_datetime(epoch, unit="s", utc=True)
    return pd.DatetimeIndex(instants).tz_convert(tz)


def _offset(epoch: float, tz: str) -> float:
    off = datetime.fromtimestamp(epoch, ZoneInfo(tz)).utcoffset()
    return off.total_seconds() if off is not None else 0.0


def _wall(epoch: np.ndarray, tz: str) -> np.ndarray:
    """Seconds since local midnight (the wall clock) of each epoch second in ``tz``:
    one offset when the zone's offset does not change over the rows (no DST change),
    else pandas' conversion row by row."""
    if not len(epoch):
        return np.zeros(0)
    lo, hi = float(np.min(epoch)), float(np.max(epoch))
    off = _offset(lo, tz)
    if off == _offset(hi, tz) and off == _offset((lo + hi) / 2, tz):
        return np.asarray(np.mod(epoch + off, 86400.0), dtype=float)
    index = _local(pd.Series(epoch), tz)
    frac = np.mod(epoch, 1.0)
    wall = index.hour * 3600 + index.minute * 60 + index.second
    out: np.ndarray = np.asarray(wall, dtype=float) + frac
    return out


def _slot_of_wall(epoch: np.ndarray, tz: str, interval_s: float) -> np.ndarray:
    """The interval of the local day (0, 1, ...) each epoch second falls in."""
    return np.floor(_wall(epoch, tz) / interval_s).astype(np.int64)


def _day_span(day: date, tz: str) -> tuple[float, float]:
    zone = ZoneInfo(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()
    nxt = day + timedelta(days=1)
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).timestamp()


def _levels(frame: pd.DataFrame, thresholds: Thresholds) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the answer threshold T and the short-abandon threshold S of its queue and
    channel."""
    if not len(frame):
        return np.empty(0), np.empty(0)
    pairs = frame["channel"].astype(str) + "\x1f" + frame["queue"].astype(str)
    codes, uniques = pd.factorize(pairs)
    t_of = np.empty(len(uniques))
    s_of = np.empty(len(uniques))
    for i, pair in enumerate(uniques):
        channel, queue = str(pair).split("\x1f", 1)
        level = thresholds.resolve(channel=channel, queue=queue)
        t_of[i], s_of[i] = level.threshold_s, level.short_abandon_s
    return t_of[codes], s_of[codes]


def _counted_mask(frame: pd.DataFrame, s: np.ndarray) -> np.ndarray:
    """Rows of finished contacts that count in the service level's denominator
    (offered_timed − short_abandoned)."""
    wait = frame["wait_s"].to_numpy(dtype=float, na_value=np.nan)
    timed = ~np.isnan(wait)
    short = (frame["outcome"].to_numpy() == "abandoned") & timed & (wait < s)
    counted: np.ndarray = timed & ~short
    return counted


def _profiles(
    con: Any,
    day: _Day,
    wanted: list[tuple[str, str, date]],
    interval_s: float,
    thresholds: Thresholds,
) -> None:
    """Read the profile of expected calls of each (queue, zone, date) in ``wanted`` not
    kept yet: per interval of the day, the mean over the same weekday of the last
    :data:`PROFILE_WEEKS` weeks (the weeks the queue had contacts that day) of the
    contacts that count in the service level."""
    todo = [
        (q, tz, d) for q, tz, d in wanted if (q, tz, d.isoformat(), interval_s) not in day.profiles
    ]
    if not todo:
        return
    spans = sorted(
        {_day_span(d - timedelta(days=7 * k), tz) for _, tz, d in todo
         for k in range(1, PROFILE_WEEKS + 1)}
    )  # fmt: skip
    ors = " OR ".join("(offered_at >= to_timestamp(?) AND offered_at < to_timestamp(?))"
                      for _ in spans)  # fmt: skip
    where, params = _queue_filter(frozenset(q for q, _, _ in todo))
    frame = _frame(
        con,
        "SELECT queue, channel, outcome, epoch(offered_at) AS at, wait_s FROM contacts "
        f"WHERE outcome IN ('answered', 'abandoned', 'timed_out') AND ({ors}){where}",
        [v for span in spans for v in span] + params,
    )
    _, s = _levels(frame, thresholds)
    frame = frame.assign(counted=_counted_mask(frame, s))
    for q, tz, d in todo:
        rows = frame[frame["queue"] == q]
        days: list[dict[int, float]] = []
        for k in range(1, PROFILE_WEEKS + 1):
            lo, hi = _day_span(d - timedelta(days=7 * k), tz)
            one = rows[(rows["at"] >= lo) & (rows["at"] < hi)]
            if not len(one):
                continue  # no contact that day: the store does not reach back so far
            slots = _slot_of_wall(one["at"].to_numpy(dtype=float), tz, interval_s)
            counts = pd.Series(one["counted"].to_numpy(dtype=float)).groupby(slots).sum()
            days.append({int(str(k2)): float(v) for k2, v in counts.items()})
        day.profiles[(q, tz, d.isoformat(), interval_s)] = (profile(days), len(days))


def _forecast(day: _Day, config: LiveConfig) -> dict[tuple[str, str], dict[int, float]] | None:
    """The loaded forecast as (queue, date) -> {wall-clock second of the day: calls}."""
    if config.forecast is None:
        return None
    if day.forecast is None:
        from contactcenter.forecasting.files import read_forecast

        table = read_forecast(config.forecast, field="live.forecast")
        starts = pd.to_datetime(pd.Series(table.column("interval_start").to_pylist()))
        calls = table.column("calls").to_pylist()
        out: dict[tuple[str, str], dict[int, float]] = {}
        for start, queue, n in zip(starts, table.column("queue").to_pylist(), calls, strict=True):
            key = (str(queue), start.date().isoformat())
            second = start.hour * 3600 + start.minute * 60 + start.second
            out.setdefault(key, {})[second] = out.get(key, {}).get(second, 0.0) + float(n or 0)
        day.forecast = out
    return day.forecast


def _forecast_remaining(rows: Mapping[int, float], wall_now: float) -> float:
    """Calls of a forecast day (wall-clock second of each interval's start -> calls)
    from ``wall_now`` on: later intervals in full, the current one pro rata."""
    starts = sorted(rows)
    total = 0.0
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else 86400
        if end <= start:
            continue
        if start >= wall_now:
            total += rows[start]
        elif end > wall_now:
            total += rows[start] * (end - wall_now) / (end - start)
    return total


def _agents_now(
    con: Any,
    day: _Day,
    now: float,
    cutoff: float | None,
    queues: frozenset[str] | None,
    agent: str | None,
) -> tuple[list[AgentNow], dict[str, set[str]]]:
    """Every agent's state now (their own time line, with the queues whose time line
    they are in now), and per queue the agents with a state in it in the last
    :data:`WINDOW_S` (to count the logged-out ones)."""
    if "agent_states" not in day.tables:
        day.tables["agent_states"] = _has_table(con, "agent_states")
    if not day.tables["agent_states"]:
        return [], {}
    who = " AND agent_id = ?" if agent is not None else ""
    at = now if cutoff is None else cutoff
    frame = _frame(
        con,
        "SELECT agent_id, scope, queue, state, reason, epoch(start_at) AS start, "
        "epoch(end_at) AS stop FROM agent_states "
        "WHERE (end_at IS NULL OR end_at >= to_timestamp(?)) AND start_at <= to_timestamp(?)"
        f"{who}",
        [at - WINDOW_S, at, *([agent] if agent is not None else [])],
    )
    if not len(frame):
        return [], {}
    frame["queue"] = frame["queue"].astype(object).where(frame["queue"].notna(), "")
    frame["reason"] = frame["reason"].astype(object).where(frame["reason"].notna(), None)
    seen: dict[str, set[str]] = {}
    for q, a in frame.loc[frame["scope"] == "queue", ["queue", "agent_id"]].itertuples(index=False):
        seen.setdefault(str(q), set()).add(str(a))
    frame = frame.sort_values(["agent_id", "scope", "queue", "start"], kind="stable")
    stop = frame["stop"].to_numpy(dtype=float, na_value=np.nan)
    start = frame["start"].to_numpy(dtype=float)
    columns = [frame[c].astype(object).to_numpy() for c in
               ("agent_id", "scope", "queue", "state", "reason")]  # fmt: skip
    keys_arr = np.array(["\x1f".join(map(str, row)) for row in zip(*columns, strict=True)])
    # a state cut into 15-minute pieces is one run: a piece continues the previous one
    # when it has the same agent, scope, queue, state and reason and starts at its end
    same = np.zeros(len(frame), dtype=bool)
    same[1:] = (keys_arr[1:] == keys_arr[:-1]) & (start[1:] == stop[:-1])
    run = np.cumsum(~same)
    run_start = pd.Series(start).groupby(run).transform("min").to_numpy()
    current = (start <= at) & (np.isnan(stop) | (stop > at))
    if cutoff is None:
        current = np.isnan(stop)
    rows = frame.assign(since=run_start)[current]
    own = rows[rows["scope"] == "agent"]
    members: dict[str, list[str]] = {}
    for a, q in rows.loc[rows["scope"] == "queue", ["agent_id", "queue"]].itertuples(index=False):
        members.setdefault(str(a), []).append(str(q))
    out = []
    for r in own.itertuples(index=False):
        state = str(r.state)
        kind = "on_contact" if state in ON_CONTACT else "paused" if state == "not_ready" else state
        qs = tuple(sorted(set(members.get(str(r.agent_id), []))))
        out.append(
            AgentNow(
                agent=str(r.agent_id),
                state=kind,
                reason=(str(r.reason) if r.reason is not None else "")
                if kind == "paused"
                else None,
                since=float(r.since),
                queues=qs,
            )
        )
    if queues is not None:
        out = [a for a in out if not a.queues or set(a.queues) & queues]
    return sorted(out, key=lambda a: a.agent), seen


def read_live_state(
    con: Any,
    *,
    thresholds: Thresholds,
    config: LiveConfig,
    now: float | None = None,
    queues: frozenset[str] | None = None,
    agent: str | None = None,
    cache: DayCache | None = None,
) -> LiveState:
    """The live state of the store behind the cursor ``con`` at ``now`` (epoch seconds;
    default: the clock, with every stored end counted), for the queues ``queues`` (None:
    every queue) and, with ``agent``, as that agent may see it (:meth:`LiveState.scoped`).
    ``cache`` keeps the once-a-day reads between calls."""
    cutoff = now
    at = time.time() if now is None else now
    day = (cache or DayCache()).day(at)
    if not day.zones:
        day.zones.update(_history_zones(con, at, None))
    where, params = _queue_filter(queues)
    upper = " AND offered_at <= to_timestamp(?)" if cutoff is not None else ""
    frame = _frame(
        con,
        "SELECT queue, channel, outcome, epoch(offered_at) AS offered, "
        "epoch(answered_at) AS answered_at, epoch(ended_at) AS ended_at, wait_s, talk_s, "
        "hold_s, acw_s, talking, agent_id, source_tz FROM contacts "
        f"WHERE offered_at >= to_timestamp(?){upper} AND queue IS NOT NULL{where}",
        [at - WINDOW_S, *([cutoff] if cutoff is not None else []), *params],
    )
    agents, seen = _agents_now(con, day, at, cutoff, queues, None)
    names = set(frame["queue"].astype(str)) | set(day.zones) | set(seen)
    names |= {q for a in agents for q in a.queues}
    if queues is not None:
        names &= queues
    window_zones = {
        str(q): _one_zone(
            g["source_tz"].min(), g["source_tz"].max(), g["source_tz"].count(), len(g)
        )
        for q, g in frame.groupby("queue")
    }
    rows_of = {str(q): g for q, g in frame.groupby("queue")}
    zones = {q: config.zone_of(q, window_zones.get(q, day.zones.get(q))) for q in names}
    dates = {q: datetime.fromtimestamp(at, ZoneInfo(zones[q])).date() for q in names}
    if config.forecast is None:
        _profiles(
            con,
            day,
            [(q, zones[q], dates[q]) for q in sorted(names)],
            config.interval_s,
            thresholds,
        )
    forecast = _forecast(day, config)
    out = []
    for q in sorted(names):
        out.append(
            _queue_now(
                q,
                rows_of.get(q, frame.iloc[0:0]),
                zone=zones[q],
                today=dates[q],
                now=at,
                cutoff=cutoff,
                thresholds=thresholds,
                config=config,
                agents=agents,
                seen=seen.get(q, set()),
                day=day,
                forecast=forecast,
            )
        )
    state = LiveState(at, tuple(out), tuple(agents))
    if agent is not None:
        return state.scoped(None, agent)
    return state


def _queue_now(
    q: str,
    rows: pd.DataFrame,
    *,
    zone: str,
    today: date,
    now: float,
    cutoff: float | None,
    thresholds: Thresholds,
    config: LiveConfig,
    agents: list[AgentNow],
    seen: set[str],
    day: _Day,
    forecast: dict[tuple[str, str], dict[int, float]] | None,
) -> QueueNow:
    channels = rows["channel"].value_counts()
    channel = str(channels.index[0]) if len(channels) else "voice"
    level = thresholds.resolve(channel=channel, queue=q)
    day_start, day_end = _day_span(today, zone)
    t, s = _levels(rows, thresholds)
    offered = rows["offered"].to_numpy(dtype=float)
    outcome = rows["outcome"].to_numpy().astype(str)
    answered_at = rows["answered_at"].to_numpy(dtype=float, na_value=np.nan)
    ended_at = rows["ended_at"].to_numpy(dtype=float, na_value=np.nan)
    wait = rows["wait_s"].to_numpy(dtype=float, na_value=np.nan)
    if cutoff is None:
        answered = outcome == "answered"
        left = (outcome == "abandoned") | (outcome == "timed_out")
        ended = answered & ~rows["talking"].to_numpy(dtype=bool)
    else:
        answered = (outcome == "answered") & ~(answered_at > cutoff)
        left = ((outcome == "abandoned") | (outcome == "timed_out")) & ~(ended_at > cutoff)
        ended = answered & ~rows["talking"].to_numpy(dtype=bool) & ~(ended_at > cutoff)
    finished = answered | left
    open_ = ~finished & (outcome != "ivr_abandoned")
    waiting_rows = open_ & (offered >= now - WAITING_WINDOW_S)
    if cutoff is None:
        waiting_rows = outcome == "in_progress"
        waiting_rows &= offered >= now - WAITING_WINDOW_S
    waits_now = now - offered[waiting_rows]
    longest = float(max(0.0, waits_now.max())) if len(waits_now) else 0.0
    t_wait = t[waiting_rows]
    waiting_late = int(np.sum(waits_now > t_wait))

    todays = (offered >= day_start) & (offered < day_end)
    timed = ~np.isnan(wait)
    abandoned = todays & (outcome == "abandoned") & left
    fin = todays & finished
    in_t = fin & answered & timed & (wait <= t)
    short = fin & (outcome == "abandoned") & timed & (wait < s)
    counted_rows = fin & timed & ~short
    n_counted = int(counted_rows.sum())
    n_in_t = int(in_t.sum())
    ans = todays & answered
    ans_timed = ans & timed
    asa = float(wait[ans_timed].mean()) if ans_timed.any() else None
    handled = todays & ended
    if handled.any():
        parts = sum(
            np.nan_to_num(rows[c].to_numpy(dtype=float, na_value=np.nan)[handled])
            for c in ("talk_s", "hold_s", "acw_s")
        )
        aht: float | None = float(np.mean(parts))
    else:
        aht = None

    local_now = datetime.fromtimestamp(now, ZoneInfo(zone))
    wall_now = local_now.hour * 3600.0 + local_now.minute * 60 + local_now.second
    wall_now += local_now.microsecond / 1e6
    now_slot = math.floor(wall_now / config.interval_s)
    slots = _slot_of_wall(offered, zone, config.interval_s)
    per_slot: dict[int, tuple[int, int]] = {}
    for slot in np.unique(slots[todays & finished]) if len(rows) else []:
        m = slots == slot
        per_slot[int(slot)] = (int((in_t & m).sum()), int((counted_rows & m).sum()))
    cur = per_slot.get(now_slot)
    interval_sl = cur[0] / cur[1] if cur and cur[1] else None
    rate = interval_sl
    if rate is None:
        earlier = [k for k, v in per_slot.items() if k < now_slot and v[1]]
        if earlier:
            a, n = per_slot[max(earlier)]
            rate = a / n
        elif n_counted:
            rate = n_in_t / n_counted
    start_wall = now_slot * config.interval_s
    interval_start = datetime(
        today.year, today.month, today.day, int(start_wall // 3600),
        int(start_wall % 3600 // 60), int(start_wall % 60),
    ).strftime("%Y-%m-%d %H:%M:%S")  # fmt: skip

    basis, weeks = "none", 0
    expected = 0.0
    if forecast is not None:
        frows = forecast.get((q, today.isoformat()))
        if frows:
            n_fin = int(fin.sum())
            share = n_counted / n_fin if n_fin else 1.0
            expected = _forecast_remaining(frows, wall_now) * share
            basis = "forecast"
    else:
        slots_profile, weeks = day.profiles.get(
            (q, zone, today.isoformat(), config.interval_s), ({}, 0)
        )
        if weeks:
            fraction_left = (now_slot + 1) - wall_now / config.interval_s
            expected = expected_remaining(
                slots_profile, now_slot=now_slot, fraction_left=fraction_left
            )
            basis = "profile"
    projection = project(
        answered_in_threshold=n_in_t,
        counted=n_counted,
        waiting=int(waiting_rows.sum()),
        waiting_late=waiting_late,
        expected=expected,
        rate=rate,
        target=level.target,
        basis=basis,
        weeks=weeks,
    )
    counts = _agent_counts(q, agents, seen, rows, ans)
    return QueueNow(
        queue=q,
        tz=zone,
        day=today.isoformat(),
        threshold_s=level.threshold_s,
        target=level.target,
        waiting=int(waiting_rows.sum()),
        longest_wait_s=longest,
        agents=counts,
        offered=int(fin.sum()),
        answered=int(ans.sum()),
        abandoned=int(abandoned.sum()),
        service_level=n_in_t / n_counted if n_counted else None,
        asa_s=asa,
        aht_s=aht,
        interval_start=interval_start,
        interval_service_level=interval_sl,
        answered_in_threshold=n_in_t,
        counted=n_counted,
        projection=projection,
    )


def _agent_counts(
    q: str,
    agents: list[AgentNow],
    seen: set[str],
    rows: pd.DataFrame,
    answered: np.ndarray,
) -> AgentCounts | None:
    """The queue's agents by state: those whose time line in the queue is open now; an
    agent who is in no queue's time line (logins without queue membership) counts in
    the queues of the contacts it answered today."""
    if not agents and not seen:
        return None
    answered_by = set(rows.loc[answered, "agent_id"].dropna().astype(str)) if len(rows) else set()
    here = [a for a in agents if q in a.queues or (not a.queues and a.agent in answered_by)]
    if not here and not seen:
        return None
    paused: dict[str, int] = {}
    for a in here:
        if a.state == "paused":
            paused[a.reason or ""] = paused.get(a.reason or "", 0) + 1
    present = {a.agent for a in here}
    return AgentCounts(
        available=sum(a.state == "available" for a in here),
        on_contact=sum(a.state == "on_contact" for a in here),
        paused=paused,
        logged_out=len(seen - present),
    )


def queue_names(state: LiveState) -> Iterable[str]:
    """The queues of ``state``, in order."""
    return (q.queue for q in state.queues)


__all__ = [
    "HISTORY_DAYS",
    "WAITING_WINDOW_S",
    "WINDOW_S",
    "AgentCounts",
    "AgentNow",
    "DayCache",
    "LiveState",
    "QueueNow",
    "colour_of",
    "colour_of_sl",
    "queue_dict",
    "read_live_state",
]
