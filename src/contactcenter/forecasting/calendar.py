"""The open calendar, learned from history, and the holiday list.

Rules (documented in docs/forecasting.md):

* A history day is **open** when it has rows and its calls add up to more than 0. A day
  with no rows (missing) or with zero calls is closed; a day on the holiday list is never
  used for training, whatever its count.
* A weekday is **open** when it was open on at least half of its last 8 non-holiday
  occurrences in the history (a weekday never seen is closed).
* A slot (time of day) is open on a weekday when it had calls on at least one of the last 8
  open, non-holiday days of that weekday. Everything else is **closed** and is forecast as 0.
* A future day is open when its weekday is open and it is not on the holiday list.

Because days are addressed by calendar date, a missing day (a holiday, a data gap) never
shifts the weekly pattern: "the same weekday last week" is looked up by date and skips
closed days.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from contactcenter.errors import FormatError, InputError

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LOOKBACK_OCCURRENCES = 8


@dataclass(frozen=True)
class OpenCalendar:
    """Which weekdays (Monday = 0) and which slots of each weekday are open."""

    open_weekdays: tuple[bool, ...]
    open_slots: BoolArray  # 7 x slots

    def slot_mask(self, weekdays: IntArray) -> BoolArray:
        """Open-slot mask (days x slots) for days with the given weekdays."""
        return self.open_slots[weekdays]


def weekdays_of(first_day: pd.Timestamp, n_days: int) -> IntArray:
    """Weekday (Monday = 0) of each of ``n_days`` days from ``first_day``."""
    return ((first_day.day_of_week + np.arange(n_days)) % 7).astype(np.int64)


def holiday_mask(first_day: pd.Timestamp, n_days: int, holidays: frozenset[dt.date]) -> BoolArray:
    """True on the days from ``first_day`` that are on the holiday list."""
    if not holidays:
        return np.zeros(n_days, dtype=bool)
    days = pd.date_range(first_day, periods=n_days, freq="D")
    mask: BoolArray = np.array([d.date() in holidays for d in days], dtype=bool)
    return mask


def training_days(calls: FloatArray, holidays: BoolArray) -> BoolArray:
    """Days usable for training: present, with calls > 0, not holidays."""
    with np.errstate(invalid="ignore"):
        totals = np.nansum(calls, axis=1)
    present = ~np.isnan(calls).all(axis=1)
    usable: BoolArray = present & (totals > 0) & ~holidays[: calls.shape[0]]
    return usable


def learn_calendar(calls: FloatArray, weekdays: IntArray, holidays: BoolArray) -> OpenCalendar:
    """Learn open weekdays and open slots from a day x slot history (see module rules)."""
    n = calls.shape[0]
    normal = training_days(calls, holidays)
    open_weekdays = []
    open_slots = np.zeros((7, calls.shape[1]), dtype=bool)
    for w in range(7):
        occurrences = np.flatnonzero((weekdays[:n] == w) & ~holidays[:n])[-LOOKBACK_OCCURRENCES:]
        is_open = occurrences.size > 0 and float(normal[occurrences].mean()) >= 0.5
        open_weekdays.append(bool(is_open))
        if is_open:
            days = np.flatnonzero(normal & (weekdays[:n] == w))[-LOOKBACK_OCCURRENCES:]
            open_slots[w] = (np.nan_to_num(calls[days]) > 0).any(axis=0)
    return OpenCalendar(open_weekdays=tuple(open_weekdays), open_slots=open_slots)


def future_open(weekdays: IntArray, holidays: BoolArray, calendar: OpenCalendar) -> BoolArray:
    """Open flags of future days: an open weekday that is not a holiday."""
    return np.array(calendar.open_weekdays, dtype=bool)[weekdays] & ~holidays


def calendar_features(
    first_day: pd.Timestamp, is_open: BoolArray, weekdays: IntArray, open_weekdays: BoolArray
) -> FloatArray:
    """Calendar-effect regressors for every day of a contiguous range (days x 5).

    Columns: the 1st, 2nd and 3rd open day of the month, the last open day of the month,
    and "first open day after an unexpected closure" (the previous day of an open weekday
    was closed: a holiday or a gap). Month positions are 0 in a month whose start (or end,
    for the last-day flag) lies outside the range, because they cannot be known there.
    """
    n = is_open.size
    days = pd.date_range(first_day, periods=n, freq="D")
    out = np.zeros((n, 5))
    month_key = (days.year * 12 + days.month).to_numpy()
    starts = np.flatnonzero(np.r_[True, month_key[1:] != month_key[:-1]])
    ends = np.r_[starts[1:], n]
    for a, b in zip(starts, ends, strict=True):
        open_idx = a + np.flatnonzero(is_open[a:b])
        if days[int(a)].day == 1:
            for k in range(min(3, open_idx.size)):
                out[open_idx[k], k] = 1.0
        if (days[int(b) - 1] + pd.Timedelta(days=1)).day == 1 and open_idx.size:
            out[open_idx[-1], 3] = 1.0
    prev_usual = -1
    for i in range(n):
        if is_open[i] and prev_usual >= 0 and not is_open[prev_usual]:
            out[i, 4] = 1.0
        if open_weekdays[weekdays[i]]:
            prev_usual = i
    return out


def load_holidays(spec: str | Path | None, years: Iterable[int]) -> frozenset[dt.date]:
    """Holidays from a file of dates or from the ``holidays`` package.

    ``spec`` is a path to a file (one ISO date per line, or a CSV with a ``date`` column;
    blank lines and lines starting with # are skipped) or a country code known to the
    ``holidays`` package, optionally with a subdivision: ``US``, ``IL``, ``DE-BY``.
    """
    if spec is None or str(spec) == "":
        return frozenset()
    path = Path(spec)
    if path.is_file():
        return _holidays_from_file(path)
    text = str(spec).strip()
    import holidays as holidays_pkg

    country, _, subdiv = text.partition("-")
    supported = holidays_pkg.list_supported_countries()
    if country.upper() not in supported:
        raise InputError(
            f"{{field}} {text!r} is neither an existing file nor a country code of the "
            "holidays package; give a file of dates (one YYYY-MM-DD per line) or a code "
            "such as US, GB, IL, DE-BY",
            field="spec",
        )
    try:
        table = holidays_pkg.country_holidays(
            country.upper(), subdiv=subdiv or None, years=sorted(set(years))
        )
    except NotImplementedError as exc:
        raise InputError(f"{{field}} {text!r}: {exc}", field="spec") from None
    return frozenset(table.keys())


def _holidays_from_file(path: Path) -> frozenset[dt.date]:
    """Parse a holiday file: a ``date`` column of a CSV, or one date per line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(
            str(path),
            None,
            f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); give one date (YYYY-MM-DD) per line",
        ) from None
    numbered = [
        (no, ln)
        for no, ln in enumerate(text.splitlines(), start=1)
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not numbered:
        return frozenset()
    header = [h.strip().lower() for h in next(csv.reader([numbered[0][1]]))]
    col = header.index("date") if "date" in header else 0
    body = numbered[1:] if "date" in header else numbered
    dates: set[dt.date] = set()
    for line_no, row in body:
        cells = next(csv.reader([row]))
        value = cells[col].strip() if col < len(cells) else ""
        try:
            dates.add(dt.date.fromisoformat(value))
        except ValueError:
            raise FormatError(
                str(path),
                line_no,
                f"holiday {value!r} is not a date; write one YYYY-MM-DD per line "
                "(or a CSV with a date column)",
            ) from None
    return frozenset(dates)
