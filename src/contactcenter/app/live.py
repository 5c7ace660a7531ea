"""Live state of a store: what ``GET /api/v1/live`` and the wallboard show.

:func:`live` reads the store at an instant (the clock, or ``now`` for a replay) with the
thresholds of the config file and its ``live`` section (:mod:`contactcenter.live.config`),
and returns a :class:`~contactcenter.live.state.LiveState`: per queue, contacts waiting
and the longest wait, agents by state, today's figures so far in the queue's zone, the
current interval's service level, and the end-of-day projection
(:mod:`contactcenter.live.projection`). docs/api.md describes the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from contactcenter.errors import InputError
from contactcenter.live.config import LiveConfig
from contactcenter.live.state import DayCache, LiveState, read_live_state
from contactcenter.metrics import Thresholds
from contactcenter.store.database import connect


def live_settings(config: str | Path | None) -> tuple[Thresholds, LiveConfig]:
    """The thresholds and the ``live`` section of the config file (defaults when None)."""
    thresholds = Thresholds.from_yaml(config) if config is not None else Thresholds()
    return thresholds, LiveConfig.from_yaml(config)


def _instant(now: str | float | datetime | None, tz: str | None) -> float | None:
    if now is None or isinstance(now, int | float):
        return None if now is None else float(now)
    if isinstance(now, datetime):
        moment = now
    else:
        try:
            moment = datetime.fromisoformat(str(now))
        except ValueError:
            raise InputError(
                f"{{field}}: cannot read {now!r} as an instant; use YYYY-MM-DD HH:MM[:SS]",
                field="now",
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz or "UTC"))
    return moment.timestamp()


def _queue_set(queues: Iterable[str] | str | None) -> frozenset[str] | None:
    if queues is None:
        return None
    if isinstance(queues, str):
        return frozenset(q.strip() for q in queues.split(",") if q.strip())
    return frozenset(queues)


def live(
    db: str | Path,
    *,
    config: str | Path | None = None,
    now: str | float | datetime | None = None,
    tz: str | None = None,
    queues: frozenset[str] | Iterable[str] | str | None = None,
    agent: str | None = None,
    cache: DayCache | None = None,
    settings: tuple[Thresholds, LiveConfig] | None = None,
) -> LiveState:
    """The live state of the store ``db``.

    ``config``: the YAML of thresholds (and its ``live`` section); ``now``: read the
    store as of this instant (epoch seconds, an aware datetime, or ``YYYY-MM-DD
    HH:MM[:SS]`` in ``tz``, default UTC) instead of the clock; ``queues``: only these
    queues (None: every queue); ``agent``: as this agent may see it (its own state, the
    queues it is in); ``cache``: the once-a-day reads to keep between calls;
    ``settings``: the config already read (a server reads it once)."""
    thresholds, live_config = settings if settings is not None else live_settings(config)
    connection = connect(db, read_only=True)
    try:
        return read_live_state(
            connection.con,
            thresholds=thresholds,
            config=live_config,
            now=_instant(now, tz),
            queues=_queue_set(queues),
            agent=agent,
            cache=cache,
        )
    finally:
        connection.close()


__all__ = ["live", "live_settings"]
