"""The live state of a served store, read again as it changes, for every watcher at once.

A :class:`Hub` runs one background thread that reads the live state
(:func:`~contactcenter.live.state.read_live_state`) right after each committed load
(the writer notifies it) and at least every ``period_s`` seconds (waits grow while no
load comes), and keeps the latest one with a sequence number. The event stream
(``GET /api/v1/live/stream``) and the wallboard take the latest state when its number
changes, each scoped to its caller; they never read the store themselves. A state is
read at most every ``min_gap_s`` seconds, however fast loads come.

It also hands each state to ``on_state`` (the alert rules,
:mod:`contactcenter.live.alerts`), once, in the thread that read it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from contactcenter.live.config import LiveConfig
from contactcenter.live.state import DayCache, LiveState, read_live_state
from contactcenter.live.writer import LiveStore
from contactcenter.metrics.thresholds import Thresholds
from contactcenter.store.database import connect

PERIOD_S = 1.0
"""Longest time between two reads of the live state (waits grow by the second)."""
MIN_GAP_S = 0.2
"""Shortest time between two reads, however fast loads come."""


class Hub:
    """Reads the live state of ``writer``'s store as it changes (module docstring)."""

    def __init__(
        self,
        writer: LiveStore,
        *,
        thresholds: Thresholds,
        config: LiveConfig,
        period_s: float = PERIOD_S,
        min_gap_s: float = MIN_GAP_S,
        on_state: Callable[[LiveState], object] | None = None,
        cache: DayCache | None = None,
    ) -> None:
        self.writer = writer
        self.thresholds = thresholds
        self.config = config
        self.period_s = period_s
        self.min_gap_s = min_gap_s
        self.on_state = on_state
        self.cache = cache or DayCache()
        self.sequence = 0
        """Number of the latest state (0: none read yet)."""
        self.state: LiveState | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="contactcenter-live", daemon=True)
        self._failed: str | None = None

    @property
    def db(self) -> Path:
        """The store file."""
        return self.writer.path

    def start(self) -> None:
        """Start reading."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the read in progress."""
        self._stop.set()
        with self.writer.changed:
            self.writer.changed.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def latest(self) -> tuple[int, LiveState | None]:
        """The latest state and its number."""
        return self.sequence, self.state

    def _run(self) -> None:
        connection = connect(self.db, read_only=True)
        try:
            seen = -1
            while not self._stop.is_set():
                started = time.monotonic()
                with self.writer.changed:
                    seen = self.writer.version
                self._read(connection.con)
                # wait for the next load or the period, but not less than the gap
                rest = self.min_gap_s - (time.monotonic() - started)
                if rest > 0 and self._stop.wait(rest):
                    break
                with self.writer.changed:
                    if self.writer.version == seen and not self._stop.is_set():
                        self.writer.changed.wait(self.period_s)
        finally:
            connection.close()

    def _read(self, con: object) -> None:
        try:
            state = read_live_state(
                con, thresholds=self.thresholds, config=self.config, cache=self.cache
            )
        except Exception as exc:  # the store failed: say it once, try again next time
            message = " ".join(str(exc).split()) or type(exc).__name__
            if message != self._failed:
                print(f"live: {message}; trying again", file=sys.stderr, flush=True)
                self._failed = message
            return
        self._failed = None
        if self.on_state is not None:  # before the state is shown, so it shows its alerts
            try:
                self.on_state(state)
            except Exception as exc:
                print(f"live: alerts: {exc}", file=sys.stderr, flush=True)
        self.state = state
        self.sequence += 1


__all__ = ["MIN_GAP_S", "PERIOD_S", "Hub"]
