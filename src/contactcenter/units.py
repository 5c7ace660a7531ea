"""Units users type and the calendar constants every part shares.

Durations: ``20``, ``20s``, ``30m``, ``4h``, ``8h30m``, ``1d``; plain numbers are seconds.
Every parse error is an :class:`~contactcenter.errors.InputError` that names the field,
the value and what is allowed. :data:`DAY_S` and :func:`check_interval` are the one
definition of a day and of an interval that divides it.
"""

from __future__ import annotations

import math
import re

from contactcenter.errors import InputError

DAY_S = 86_400
"""Seconds in a (civil, UTC) day."""

_UNIT_S = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")


def parse_duration(value: str | float | int, *, field: str = "duration") -> float:
    """Return the duration ``value`` in seconds (finite, >= 0).

    Accepts plain seconds (``20``, ``2.5``) or a sequence of number+unit parts with units
    d, h, m, s, ms (``20s``, ``30m``, ``4h``, ``8h30m``, ``1d``).

    >>> parse_duration("8h30m")
    30600.0
    >>> parse_duration("20")
    20.0
    """
    if isinstance(value, bool):
        raise InputError(f"{{field}} must be a duration, got {value!r}", field=field)
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            pos = 0
            seconds = 0.0
            for match in _PART.finditer(text):
                if match.start() != pos:
                    break
                seconds += float(match.group(1)) * _UNIT_S[match.group(2)]
                pos = match.end()
            if pos != len(text) or not text:
                raise InputError(
                    f"{{field}}: cannot read {value!r} as a duration; use seconds (20) "
                    "or a number with a unit d/h/m/s/ms (20s, 30m, 4h, 8h30m)",
                    field=field,
                ) from None
    if not math.isfinite(seconds):
        raise InputError(f"{{field}} must be a finite duration, got {value!r}", field=field)
    if seconds < 0:
        raise InputError(f"{{field}} must be a non-negative duration, got {value!r}", field=field)
    return seconds


def check_interval(seconds: float, *, field: str = "interval") -> int:
    """An interval length in whole seconds that divides a day evenly (15m, 30m, 1h...)."""
    if (
        not math.isfinite(seconds)
        or seconds <= 0
        or seconds != int(seconds)
        or DAY_S % int(seconds)
    ):
        raise InputError(
            f"{{field}} must divide a day evenly (15m, 30m, 60m, ...), got {seconds:g} s",
            field=field,
        )
    return int(seconds)


def format_duration(seconds: float) -> str:
    """Format a whole number of seconds compactly (``1800`` -> ``30m``, ``5400`` -> ``1h30m``)."""
    total = round(seconds)
    if total == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
