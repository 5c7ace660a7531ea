"""UTC offsets of a time zone as a short list of segments, for engine-portable bucketing.

Engines differ in their time-zone functions (Spark has no equivalent of every DuckDB
one), so reports shift UTC epoch seconds by the zone's offset with a CASE over the
offset changes (DST transitions) inside the data's time range, then bucket with integer
arithmetic that every engine runs the same way.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contactcenter.errors import InputError


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"{{field}}: unknown time zone {name!r}; use an IANA name such as UTC, "
            "Europe/Vilnius or Asia/Jerusalem",
            field="tz",
        ) from None


FIRST_EPOCH = int(dt.datetime(1900, 1, 1, tzinfo=dt.UTC).timestamp())
LAST_EPOCH = int(dt.datetime(2200, 1, 1, tzinfo=dt.UTC).timestamp())
"""Offset changes are looked up between these instants; before and after, the offset of
the nearest end applies. Contact-center data lives well inside; a store holding instants
outside (year 1, year 9999) still reports, with those times shifted by that offset."""


def _offset(tz: ZoneInfo, epoch: int) -> int:
    clamped = min(max(epoch, FIRST_EPOCH), LAST_EPOCH)
    off = dt.datetime.fromtimestamp(clamped, tz).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def offset_segments(tz_name: str, start_epoch: int, end_epoch: int) -> list[tuple[int, int]]:
    """Return ``[(from_epoch, offset_s), ...]`` covering [start_epoch, end_epoch].

    The first segment starts at ``start_epoch``; each later one at the exact second the
    offset changes. A zone without changes in the range gives one segment.
    """
    tz = zone(tz_name)
    segments = [(start_epoch, _offset(tz, start_epoch))]
    start_epoch = max(start_epoch, FIRST_EPOCH)
    end_epoch = min(end_epoch, LAST_EPOCH)
    step = 7 * 86400  # offsets change at most about twice a month (Morocco in Ramadan)
    t = start_epoch
    while t < end_epoch:
        nxt = min(t + step, end_epoch)
        if _offset(tz, nxt) != segments[-1][1]:
            lo, hi = t, nxt  # offset(lo) == current, offset(hi) differs
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(tz, mid) == segments[-1][1]:
                    lo = mid
                else:
                    hi = mid
            segments.append((hi, _offset(tz, hi)))
            t = hi
        else:
            t = nxt
    return segments


def to_epoch(value: dt.datetime | dt.date, tz_name: str) -> int:
    """Epoch seconds of a wall-clock ``value`` in ``tz_name`` (aware datetimes kept as is)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz_name))
    return int(value.timestamp())
