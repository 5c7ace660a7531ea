"""Group keys: declared once, encoded in the query (Ibis) and decoded in the result (Arrow).

Time keys are computed from a fact's time column with integer arithmetic on epoch
seconds shifted to the report's time zone, because engines disagree on time functions
(Ibis's ``bucket()`` is not defined for PySpark, DuckDB's ``time_bucket`` has no Spark
equivalent); the same arithmetic runs in Python for the period grids of snapshot
metrics. Group keys map to a column each fact declares
(:attr:`contactcenter.facts.TableSpec.keys`).

============  ==========================================================  ===============
key           raw value in the query                                      shown as
============  ==========================================================  ===============
interval      local epoch // interval_s * interval_s                      interval_start
                                                                          YYYY-MM-DD HH:MM:SS
hour          hour of day 0..23 of the local time                          hour (int)
day           local days since 1970-01-01                                  day YYYY-MM-DD
week          local day number of that ISO week's Monday                   week YYYY-Www
month         year * 100 + month (civil calendar from the day number)      month YYYY-MM
quarter       year * 10 + quarter                                          quarter YYYY-Qn
year          year                                                         year YYYY
queue         the fact's queue column                                      queue
channel       the fact's channel column                                    channel
agent         the fact's agent column                                      agent
reason        the fact's reason column (agent_states: the pause reason)    reason
evaluator     the fact's evaluator column (QA evaluations)                 evaluator
item          the fact's item column (QA answers)                          item
disposition   the fact's disposition column (contacts: the wrap-up code)    disposition
============  ==========================================================  ===============

A row belongs to the period of its fact's time column (a contact to that of its
``offered_at``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.units import DAY_S

KEYS: dict[str, str] = {
    "interval": "interval_start",
    "hour": "hour",
    "day": "day",
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
    "queue": "queue",
    "channel": "channel",
    "agent": "agent",
    "reason": "reason",
    "evaluator": "evaluator",
    "item": "item",
    "disposition": "disposition",
}
"""Accepted ``by`` keys and the output column each becomes."""

TIME_KEYS: tuple[str, ...] = ("interval", "hour", "day", "week", "month", "quarter", "year")
PERIOD_KEYS: tuple[str, ...] = ("interval", "day", "week", "month", "quarter", "year")
"""Time keys that are consecutive periods (``hour`` is an hour of the day, not a period)."""
STRING_KEYS: tuple[str, ...] = (
    "queue",
    "channel",
    "agent",
    "reason",
    "evaluator",
    "item",
    "disposition",
)
"""Keys whose values are the fact's own strings (may be null)."""

NULL_KEY = "\u2205"
"""Stands for a null string key inside the query (so joins match it); shown as null."""


@dataclass(frozen=True)
class Civil:
    """Year, month and day of a day number (days since 1970-01-01)."""

    year: int
    month: int
    day: int


# ----------------------------------------------------------------------------- in queries
def _civil(day: ir.IntegerValue) -> tuple[ir.IntegerValue, ir.IntegerValue]:
    """Year and month of days since 1970-01-01 (H. Hinnant's civil_from_days)."""
    z = day + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = ibis.ifelse(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + ibis.ifelse(month <= 2, 1, 0)
    return year, month


def _mod(x: ir.IntegerValue, m: int) -> ir.IntegerValue:
    """x mod m with the sign of m (as Python's %): engines' % keeps the sign of x, which
    would put instants before 1970 in the wrong hour and week."""
    return x - (x // m) * m


def time_key(local: ir.IntegerValue, key: str, interval_s: int) -> ir.IntegerValue:
    """The raw value of time key ``key`` for local epoch seconds ``local``."""
    day = local // DAY_S
    if key == "interval":
        return local // interval_s * interval_s
    if key == "hour":
        return _mod(local // 3600, 24)
    if key == "day":
        return day
    if key == "week":
        return day - _mod(day + 3, 7)
    year, month = _civil(day)
    if key == "month":
        return (year * 100 + month).cast("int64")
    if key == "quarter":
        return (year * 10 + (month - 1) // 3 + 1).cast("int64")
    if key == "year":
        return year.cast("int64")
    raise AssertionError(f"not a time key: {key}")


# ----------------------------------------------------------------------------- in Python
def civil_from_days(day: int) -> Civil:
    """The civil date of a day number (proleptic Gregorian, any sign)."""
    date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
    return Civil(date.year, date.month, date.day)


def python_key(key: str, local: int, interval_s: int) -> int:
    """:func:`time_key` in Python, for one local epoch second."""
    day = local // DAY_S
    if key == "interval":
        return local // interval_s * interval_s
    if key == "hour":
        return (local // 3600) % 24
    if key == "day":
        return day
    if key == "week":
        return day - (day + 3) % 7
    c = civil_from_days(day)
    if key == "month":
        return c.year * 100 + c.month
    if key == "quarter":
        return c.year * 10 + (c.month - 1) // 3 + 1
    if key == "year":
        return c.year
    raise AssertionError(f"not a time key: {key}")


def periods(key: str, lo: int, hi: int, interval_s: int) -> list[int]:
    """Raw keys of the periods of ``key`` that meet the local range [lo, hi], in order."""
    if key == "interval":
        first = lo // interval_s * interval_s
        return list(range(first, hi + 1, interval_s))
    first_day, last_day = lo // DAY_S, hi // DAY_S
    if key in ("day", "week"):
        days = range(first_day, last_day + 1)
        return sorted({python_key(key, d * DAY_S, interval_s) for d in days})
    out: list[int] = []
    day = first_day
    while day <= last_day:
        value = python_key(key, day * DAY_S, interval_s)
        if not out or out[-1] != value:
            out.append(value)
        c = civil_from_days(day)  # jump to the first day of the next month
        nxt = dt.date(c.year + (c.month == 12), c.month % 12 + 1, 1)
        day = (nxt - dt.date(1970, 1, 1)).days
    return out


def period_bounds(key: str, value: int, interval_s: int) -> tuple[int, int]:
    """The local epoch seconds [start, end) of the period whose raw key is ``value``."""
    if key == "interval":
        return value, value + interval_s
    if key == "day":
        return value * DAY_S, (value + 1) * DAY_S
    if key == "week":
        return value * DAY_S, (value + 7) * DAY_S
    if key == "month":
        first, months = dt.date(value // 100, value % 100, 1), 1
    elif key == "quarter":
        first, months = dt.date(value // 10, (value % 10 - 1) * 3 + 1, 1), 3
    elif key == "year":
        first, months = dt.date(value, 1, 1), 12
    else:
        raise AssertionError(f"not a period key: {key}")
    index = first.year * 12 + first.month - 1 + months
    last = dt.date(index // 12, index % 12 + 1, 1)
    epoch = dt.date(1970, 1, 1)
    return (first - epoch).days * DAY_S, (last - epoch).days * DAY_S


# ----------------------------------------------------------------------------- results
def _fmt_epoch(values: pa.ChunkedArray | pa.Array, fmt: str) -> pa.ChunkedArray:
    seconds = values.cast(pa.int64()).cast(pa.timestamp("s"))
    formatted: pa.ChunkedArray = pc.strftime(seconds, format=fmt)
    return formatted


def _per_value(values: pa.ChunkedArray | pa.Array, fmt: str) -> pa.Array:
    out: list[str | None] = []
    for v in values.to_pylist():
        if v is None:
            out.append(None)
        elif fmt == "week":
            year, week, _ = (dt.date(1970, 1, 1) + dt.timedelta(days=int(v))).isocalendar()
            out.append(f"{year:04d}-W{week:02d}")
        elif fmt == "month":
            out.append(f"{v // 100:04d}-{v % 100:02d}")
        elif fmt == "quarter":
            out.append(f"{v // 10:04d}-Q{v % 10}")
        else:
            out.append(f"{v:04d}")
    return pa.array(out, pa.string())


def decode(name: str, values: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """The documented form of output key column ``name`` from its raw values."""
    if name == "interval_start":
        return _fmt_epoch(values, "%Y-%m-%d %H:%M:%S")
    if name == "day":
        return _fmt_epoch(pc.multiply(values.cast(pa.int64()), DAY_S), "%Y-%m-%d")
    if name in ("week", "month", "quarter", "year"):
        return _per_value(values, name)
    if name == "hour":
        return values.cast(pa.int32())
    if name in STRING_KEYS:
        return pc.if_else(pc.equal(values, NULL_KEY), None, values)
    return values
