"""The instants a load accepts: [1900-01-01, 2200-01-01) UTC, in every format.

Reports look up time-zone offsets within these years (an instant outside them has no
offset, no interval, no ISO week a report can print), and a date such as 0001-01-01 or
9999-12-31 in a source is a placeholder or damage, not a contact. A row whose instant
(offered, answered, ended; a queue_log line's time) falls outside is rejected with
:data:`R_RANGE` or :func:`range_reason` naming its field.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MIN_INSTANT = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
"""The earliest instant accepted (included)."""
MAX_INSTANT = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
"""The first instant no longer accepted (excluded)."""

MIN_EPOCH = int((MIN_INSTANT - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds())
MAX_EPOCH = int((MAX_INSTANT - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds())

RANGE_TEXT = "outside 1900-01-01 .. 2199-12-31 UTC"
R_RANGE = f"time is {RANGE_TEXT}"


def range_reason(field: str) -> str:
    """The reject reason of a value of ``field`` outside the range."""
    return f"{field} is {RANGE_TEXT}"


def epoch_in_range(epoch: pa.Array) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    """Per value of ``epoch`` (int64 seconds, nulls allowed), True when it is in range
    (nulls are False)."""
    ok = pc.and_(pc.greater_equal(epoch, MIN_EPOCH), pc.less(epoch, MAX_EPOCH))
    out: np.ndarray[tuple[int], np.dtype[np.bool_]] = np.asarray(
        pc.fill_null(ok, False).to_numpy(zero_copy_only=False), dtype=np.bool_
    )
    return out


def in_range(at: dt.datetime) -> bool:
    """Whether the aware datetime ``at`` is in range."""
    return MIN_INSTANT <= at < MAX_INSTANT


def sql_in_range(expr: str) -> str:
    """SQL: the TIMESTAMPTZ ``expr`` is in range."""
    return (
        f"({expr} >= TIMESTAMPTZ '1900-01-01 00:00:00+00' "
        f"AND {expr} < TIMESTAMPTZ '2200-01-01 00:00:00+00')"
    )
