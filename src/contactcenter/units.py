"""Parsing of the units users type: durations (``20``, ``20s``, ``30m``, ``4h``, ``8h30m``).

Plain numbers are seconds. Every parse error is an :class:`~contactcenter.errors.InputError`
that names the option, the value and what is allowed.
"""

from __future__ import annotations

import re

from contactcenter.errors import InputError

_UNIT_S = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")


def parse_duration(value: str | float | int, *, option: str = "duration") -> float:
    """Return the duration ``value`` in seconds.

    Accepts plain seconds (``20``, ``2.5``) or a sequence of number+unit parts with units
    d, h, m, s, ms (``20s``, ``30m``, ``4h``, ``8h30m``, ``1d``).

    >>> parse_duration("8h30m")
    30600.0
    >>> parse_duration("20")
    20.0
    """
    if isinstance(value, bool):
        raise InputError(f"{option} must be a duration, got {value!r}")
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
                    f"{option}: cannot read {value!r} as a duration; use seconds (20) "
                    "or a number with a unit d/h/m/s/ms (20s, 30m, 4h, 8h30m)"
                ) from None
    if seconds != seconds or seconds < 0:  # NaN or negative
        raise InputError(f"{option} must be a non-negative duration, got {value!r}")
    return seconds


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
