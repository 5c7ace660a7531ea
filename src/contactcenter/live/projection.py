"""End-of-day projection of a queue's service level, and the answers still needed.

At an instant ``now`` of a queue's day (in its zone), with

* ``A`` = contacts of the day answered within T so far (``answered_in_threshold``),
* ``N`` = contacts of the day that count in the service level so far
  (``offered_timed − short_abandoned``: the denominator of ``service_level``),
* ``W`` = contacts waiting now, of which ``W_late`` have waited longer than T already
  (they can no longer be answered within T),
* ``R`` = contacts still expected today, from ``now`` to the end of the day, in the same
  units as ``N`` (:func:`expected_remaining`),
* ``r`` = the current interval's answering rate: its service level so far (the last
  earlier interval of the day that has one when the current one has none yet; else the
  day's so far; else the target),
* ``target`` = the queue's service-level target,

the day ends with ``N + W + R`` contacts counted, of which ``A`` plus those answered
within T from now on are within T::

    projected_service_level = (A + r · (W − W_late + R)) / (N + W + R)
    needed_in_threshold     = max(0, ⌈target · (N + W + R) − A⌉),
                              or "cannot be met" when target · (N + W + R) − A is more
                              than W − W_late + R (the contacts that can still be
                              answered within T)

``projected_service_level`` assumes the rest of the day is answered at the current
interval's rate; ``needed_in_threshold`` is how many of the contacts still to come (and
waiting now) must be answered within T for the day to end at the target. Both are null
when nothing is known about the day (no contact counted and none expected).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

CANNOT_BE_MET = "cannot be met"
"""``needed_in_threshold`` when even every contact still to come answered within T would
not bring the day to its target."""

PROFILE_WEEKS = 4
"""Weeks of history the profile of expected calls averages (the same weekday of each)."""


@dataclass(frozen=True)
class Projection:
    """A queue's end-of-day projection (see the module docstring).

    ``basis`` says where ``expected`` came from: ``forecast``, ``profile`` (the same
    weekday's mean over the last weeks, ``weeks`` of them with data) or ``none``."""

    projected_service_level: float | None
    needed_in_threshold: int | str | None
    expected: float
    rate: float | None
    basis: str
    weeks: int = 0


def project(
    *,
    answered_in_threshold: float,
    counted: float,
    waiting: float,
    waiting_late: float,
    expected: float,
    rate: float | None,
    target: float,
    basis: str = "profile",
    weeks: int = 0,
) -> Projection:
    """The formula of the module docstring: ``answered_in_threshold`` = A, ``counted`` =
    N, ``waiting`` = W, ``waiting_late`` = W_late, ``expected`` = R, ``rate`` = r."""
    total = counted + waiting + expected
    can_still = waiting - waiting_late + expected
    if total <= 0:
        return Projection(None, None, expected, rate, basis, weeks)
    r = target if rate is None else rate
    projected = (answered_in_threshold + r * can_still) / total
    # the small tolerance keeps 0.8 · 100 − 80 (79.99999...) from asking for 80 answers
    # when 80 are already in: a floating-point artefact, not a missing answer
    short = target * total - answered_in_threshold
    if short > can_still + 1e-9:
        return Projection(projected, CANNOT_BE_MET, expected, r, basis, weeks)
    needed = max(0, math.ceil(short - 1e-9))
    return Projection(projected, needed, expected, r, basis, weeks)


def expected_remaining(
    slots: Mapping[int, float],
    *,
    now_slot: int,
    fraction_left: float,
) -> float:
    """The contacts expected from now to the end of the day, from ``slots`` (interval of
    the day -> contacts expected in it): every later interval in full, and the current
    interval (``now_slot``) for the ``fraction_left`` of it still to come."""
    total = sum(v for k, v in slots.items() if k > now_slot)
    return total + slots.get(now_slot, 0.0) * fraction_left


def profile(days: Sequence[Mapping[int, float]]) -> dict[int, float]:
    """The mean per interval of the day over ``days`` (each a mapping interval -> count;
    an interval a day lacks counts 0 for it)."""
    if not days:
        return {}
    slots = {k for day in days for k in day}
    return {k: sum(day.get(k, 0.0) for day in days) / len(days) for k in sorted(slots)}


__all__ = [
    "CANNOT_BE_MET",
    "PROFILE_WEEKS",
    "Projection",
    "expected_remaining",
    "profile",
    "project",
]
