"""The per-event state machine that derived agent states before the set-based SQL of
:mod:`contactcenter.sources._agent_sessions` (kept only as the tests' oracle: the SQL must
give exactly its rows and odd counts)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from contactcenter.sources._agent_sessions import US, Contact, Derived, Event


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


def oracle_derive(events: Sequence[Event], contacts: Iterable[Contact]) -> Derived:
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
