"""Alerts: rules over the live state that fire once when they start to hold and clear once
when they stop.

The rules (``live.alerts`` in the config file, :mod:`contactcenter.live.config`):

==============================  =============================================================
rule                            holds for a queue (or an agent) while
==============================  =============================================================
``interval_sl_below_target``    the current interval's service level < the queue's target
``waiting_above: N``            contacts waiting > N
``longest_wait_above: X``       the longest wait now > X seconds
``agent_paused_over: Y``        an agent has been paused (one pause, one reason) > Y seconds
``projected_sl_below_target``   the projected end-of-day service level < the target
==============================  =============================================================

Each time the live state is read (:class:`~contactcenter.live.hub.Hub`) the rules are
evaluated; a rule and subject (queue, or agent) that holds now and did not at the last
evaluation **fires** an alert, one that held and no longer does (or whose queue or agent
is gone) **clears** it. Nothing is sent while a rule goes on holding. A rule whose
figure is unknown (no service level yet) does not hold. Each alert goes to the event
stream and the wallboard (:meth:`Alerts.since`, :meth:`Alerts.active`) and, when the
config names one, to a webhook: a JSON POST, retried with back-off
(:class:`WebhookSender`). The state of the rules lives in the server's memory: after a
restart, a rule that holds fires again.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from contactcenter.live.config import LiveConfig, Webhook
from contactcenter.live.state import LiveState

KEEP = 1000
"""Alert events kept in memory for the streams (the newest)."""


@dataclass(frozen=True)
class Alert:
    """One alert event: ``status`` ``fired`` or ``cleared``, of ``rule`` for ``queue``
    (or ``agent``, in ``queues``), at the epoch second ``at``; ``value`` is the figure
    and ``limit`` the rule's bound when it fired or cleared."""

    id: int
    rule: str
    status: str
    queue: str | None
    agent: str | None
    queues: tuple[str, ...]
    value: float | None
    limit: float | None
    at: float
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the alert (the event stream, the webhook; docs/api.md)."""
        return {
            "id": self.id,
            "rule": self.rule,
            "status": self.status,
            "queue": self.queue,
            "agent": self.agent,
            "queues": list(self.queues),
            "value": None if self.value is None else round(self.value, 6),
            "limit": self.limit,
            "at": datetime.fromtimestamp(self.at, ZoneInfo("UTC"))
            .isoformat(timespec="seconds")
            .replace("+00:00", "Z"),
            "message": self.message,
        }

    def visible(self, queues: frozenset[str] | None, agent: str | None = None) -> bool:
        """Whether a caller limited to ``queues`` (and, for an agent, to its own agent id
        ``agent``) may see it: an agent sees no alert about another agent."""
        if agent is not None and self.agent is not None and self.agent != agent:
            return False
        return queues is None or bool(set(self.queues) & queues)


Key = tuple[str, str | None, str | None]
"""(rule, queue, agent)"""
Holding = dict[Key, tuple[float | None, float | None, tuple[str, ...], str]]


def holding(state: LiveState, config: LiveConfig) -> Holding:
    """The rules that hold in ``state``: (rule, queue, agent) -> (value, limit, queues,
    message)."""
    rules = config.alerts
    out: Holding = {}
    for q in state.queues:
        where = (q.queue,)
        sl = q.interval_service_level
        if rules.interval_sl_below_target and sl is not None and sl < q.target:
            out[("interval_sl_below_target", q.queue, None)] = (
                sl, q.target, where,
                f"{q.queue}: service level of the interval from {q.interval_start} is "
                f"{sl:.1%}, below the target {q.target:.0%}",
            )  # fmt: skip
        if rules.waiting_above is not None and q.waiting > rules.waiting_above:
            out[("waiting_above", q.queue, None)] = (
                float(q.waiting), float(rules.waiting_above), where,
                f"{q.queue}: {q.waiting} contacts waiting, more than {rules.waiting_above}",
            )  # fmt: skip
        limit = rules.longest_wait_above_s
        if limit is not None and q.longest_wait_s > limit:
            out[("longest_wait_above", q.queue, None)] = (
                q.longest_wait_s, limit, where,
                f"{q.queue}: a contact has waited {q.longest_wait_s:.0f} s, more than "
                f"{limit:g} s",
            )  # fmt: skip
        projected = q.projection.projected_service_level
        if rules.projected_sl_below_target and projected is not None and projected < q.target:
            out[("projected_sl_below_target", q.queue, None)] = (
                projected, q.target, where,
                f"{q.queue}: the day is projected to end at {projected:.1%}, below the "
                f"target {q.target:.0%}",
            )  # fmt: skip
    paused = rules.agent_paused_over_s
    if paused is not None:
        for a in state.agents:
            length = state.now - a.since
            if a.state == "paused" and length > paused:
                reason = f" ({a.reason})" if a.reason else ""
                out[("agent_paused_over", None, a.agent)] = (
                    length, paused, a.queues,
                    f"{a.agent} has been paused{reason} for {length / 60:.0f} min, more "
                    f"than {paused / 60:g} min",
                )  # fmt: skip
    return out


class Alerts:
    """The alert rules of ``config`` and what they fired (module docstring). ``post``
    replaces the webhook sender (tests)."""

    def __init__(
        self, config: LiveConfig, *, post: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._active: dict[Key, Alert] = {}
        self._log: deque[Alert] = deque(maxlen=KEEP)
        self._next = 1
        self._sender = (
            WebhookSender(config.webhook) if config.webhook is not None and post is None else None
        )
        self._post = post

    def start(self) -> None:
        """Start the webhook sender (when there is a webhook)."""
        if self._sender is not None:
            self._sender.start()

    def stop(self) -> None:
        """Stop the webhook sender (alerts not sent yet are dropped)."""
        if self._sender is not None:
            self._sender.stop()

    def evaluate(self, state: LiveState) -> list[Alert]:
        """Evaluate the rules on ``state``: the alerts fired and cleared now."""
        if not self.config.alerts.any():
            return []
        now_holding = holding(state, self.config)
        changes: list[Alert] = []
        with self._lock:
            for key, (value, limit, queues, message) in now_holding.items():
                if key not in self._active:
                    alert = self._new(key, "fired", value, limit, queues, state.now, message)
                    self._active[key] = alert
                    changes.append(alert)
            for key in [k for k in self._active if k not in now_holding]:
                fired = self._active.pop(key)
                changes.append(
                    self._new(
                        key, "cleared", fired.value, fired.limit, fired.queues, state.now,
                        f"cleared: {fired.message}",
                    )
                )  # fmt: skip
            self._log.extend(changes)
        for alert in changes:
            if self._post is not None:
                self._post(alert.as_dict())
            elif self._sender is not None:
                self._sender.send(alert.as_dict())
        return changes

    def _new(
        self,
        key: Key,
        status: str,
        value: float | None,
        limit: float | None,
        queues: tuple[str, ...],
        at: float,
        message: str,
    ) -> Alert:
        alert = Alert(self._next, key[0], status, key[1], key[2], queues, value, limit, at,
                      message)  # fmt: skip
        self._next += 1
        return alert

    def active(self, queues: frozenset[str] | None = None, agent: str | None = None) -> list[Alert]:
        """The alerts fired and not cleared, that a caller limited to ``queues`` (and to
        the agent ``agent``) sees."""
        with self._lock:
            return sorted(
                (a for a in self._active.values() if a.visible(queues, agent)),
                key=lambda a: a.id,
            )

    def last_id(self) -> int:
        """The id of the latest alert event (0: none yet)."""
        with self._lock:
            return self._next - 1

    def since(
        self, last: int, queues: frozenset[str] | None = None, agent: str | None = None
    ) -> Iterable[Alert]:
        """The alert events after the id ``last`` that a caller limited to ``queues``
        (and to the agent ``agent``) sees, oldest first."""
        with self._lock:
            return [a for a in self._log if a.id > last and a.visible(queues, agent)]


class WebhookSender:
    """POSTs alerts as JSON to the webhook, one at a time and in order, from its own
    thread. A try fails on a connection error, a timeout or an answer other than 2xx; a
    failed alert is tried again after ``backoff_s``, then twice as long each time, up to
    ``attempts`` tries in all, then dropped (said on stderr)."""

    def __init__(self, hook: Webhook, *, say: Callable[[str], None] | None = None) -> None:
        self.hook = hook
        self.say = say or _stderr
        self._queue: deque[dict[str, Any]] = deque()
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="contactcenter-webhook",
                                        daemon=True)  # fmt: skip
        self.tries = 0
        """POSTs tried (tests)."""

    def start(self) -> None:
        """Start sending."""
        self._thread.start()

    def stop(self) -> None:
        """Stop (a back-off in progress is cut short; what is not sent is dropped)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def send(self, payload: dict[str, Any]) -> None:
        """Queue ``payload`` to be POSTed."""
        with self._wake:
            self._queue.append(payload)
            self._wake.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._wake:
                while not self._queue and not self._stop.is_set():
                    self._wake.wait()
                if self._stop.is_set():
                    return
                payload = self._queue.popleft()
            self._deliver(payload)

    def _deliver(self, payload: dict[str, Any]) -> bool:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        wait = self.hook.backoff_s
        problem = ""
        for attempt in range(1, self.hook.attempts + 1):
            if attempt > 1:
                if self._stop.wait(wait):
                    return False
                wait *= 2
            self.tries += 1
            request = urllib.request.Request(
                self.hook.url, data=body, method="POST",
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=self.hook.timeout_s) as answer:
                    if 200 <= answer.status < 300:
                        return True
                    problem = f"HTTP {answer.status}"
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:
                problem = " ".join(str(exc).split()) or type(exc).__name__
        self.say(
            f"webhook {self.hook.url}: alert {payload.get('id')} not delivered after "
            f"{self.hook.attempts} tries ({problem}); dropped"
        )
        return False


def _stderr(message: str) -> None:
    print(f"live: {message}", file=sys.stderr, flush=True)


__all__ = ["KEEP", "Alert", "Alerts", "WebhookSender", "holding"]
