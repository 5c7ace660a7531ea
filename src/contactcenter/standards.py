"""The industry defaults every part of contactcenter starts from, declared once.

Answer threshold T per channel (../shared/METRICS.md): 20 s voice, 90 s chat, 4 h e-mail
and tickets, 1 h social and messaging; short-abandon threshold S = 5 s; service-level
target 80 %. Reports apply them per channel unless a thresholds file or a flag says
otherwise (:mod:`contactcenter.metrics.thresholds`); ``staff``, ``plan`` and
``simulate`` default to the voice threshold, or the chat one for concurrent chats.
"""

from __future__ import annotations

DEFAULT_THRESHOLD_S: dict[str, float] = {
    "voice": 20.0,
    "chat": 90.0,
    "email": 14400.0,
    "ticket": 14400.0,
    "social": 3600.0,
    "messaging": 3600.0,
}
"""Answer threshold T in seconds, per channel."""

DEFAULT_SHORT_ABANDON_S = 5.0
"""Abandons faster than this are short abandons (S)."""

DEFAULT_TARGET = 0.8
"""Service-level target: the share of contacts answered within T."""


def default_threshold_s(*, concurrency: int = 1, channel: str | None = None) -> float:
    """T for a staffing question: the channel's, else chat's when agents hold several
    contacts at once, else voice's."""
    if channel is not None:
        return DEFAULT_THRESHOLD_S[channel]
    return DEFAULT_THRESHOLD_S["chat" if concurrency > 1 else "voice"]
