"""The open calendar learned from history, calendar features and holiday lists."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contactcenter.errors import FormatError, InputError
from contactcenter.forecasting import learn_calendar, load_holidays
from contactcenter.forecasting.calendar import calendar_features, weekdays_of


def test_learns_open_weekdays_and_slots() -> None:
    # 3 weeks from Monday 2024-01-01, 4 slots; weekends never open; slot 0 never used;
    # Wednesday of week 2 missing (a holiday), which must not close Wednesdays.
    calls = np.zeros((21, 4))
    for d in range(21):
        if d % 7 < 5:
            calls[d] = [0, 5, 6, 7]
    calls[9] = np.nan
    cal = learn_calendar(calls, weekdays_of(pd.Timestamp("2024-01-01"), 21), np.zeros(21, bool))
    assert cal.open_weekdays == (True, True, True, True, True, False, False)
    assert cal.open_slots[0].tolist() == [False, True, True, True]
    assert not cal.open_slots[5].any()


def test_a_weekday_closed_most_recent_weeks_is_closed() -> None:
    calls = np.zeros((28, 1))
    for d in range(28):
        calls[d] = 1.0
    calls[[5, 12, 19]] = 0.0  # Saturdays closed 3 of 4 weeks
    cal = learn_calendar(calls, weekdays_of(pd.Timestamp("2024-01-01"), 28), np.zeros(28, bool))
    assert cal.open_weekdays[5] is False
    assert cal.open_weekdays[6] is True


def test_calendar_features_mark_month_turns_and_days_after_closures() -> None:
    # 2024-01-29 (Mon) .. 2024-02-09 (Fri); weekends closed, Fri 2024-02-02 a holiday.
    first = pd.Timestamp("2024-01-29")
    n = 12
    wd = weekdays_of(first, n)
    is_open = wd < 5
    is_open[4] = False
    open_wd = np.array([True] * 5 + [False] * 2)
    f = calendar_features(first, is_open, wd, open_wd)
    days = [str((first + pd.Timedelta(days=i)).date()) for i in range(n)]
    col = {name: i for i, name in enumerate(["d1", "d2", "d3", "last", "after"])}
    # January's start is outside the range: no open-day-of-month flags for January,
    # but its last open day (Wed 31) is known.
    assert f[days.index("2024-01-31"), col["last"]] == 1
    assert f[days.index("2024-01-29"), col["d1"]] == 0
    # February: the 1st is Thursday; the 2nd is a holiday; so Thu 1, Mon 5, Tue 6.
    assert f[days.index("2024-02-01"), col["d1"]] == 1
    assert f[days.index("2024-02-05"), col["d2"]] == 1
    assert f[days.index("2024-02-06"), col["d3"]] == 1
    # Monday after the holiday Friday follows an unexpected closure; a normal Monday not.
    assert f[days.index("2024-02-05"), col["after"]] == 1
    assert f[days.index("2024-01-29"), col["after"]] == 0
    assert f[:, col["after"]].sum() == 1
    # February's end is outside the range.
    assert f[:, col["last"]].sum() == 1


def test_holidays_from_a_plain_file_and_a_csv(tmp_path: Path) -> None:
    plain = tmp_path / "h.txt"
    plain.write_text("# closed days\n2024-12-25\n\n2024-12-26\n", encoding="utf-8")
    assert load_holidays(plain, [2024]) == {dt.date(2024, 12, 25), dt.date(2024, 12, 26)}
    table = tmp_path / "h.csv"
    table.write_text("name,date\nXmas,2024-12-25\n", encoding="utf-8")
    assert load_holidays(table, [2024]) == {dt.date(2024, 12, 25)}


def test_a_bad_holiday_line_is_named(tmp_path: Path) -> None:
    f = tmp_path / "h.txt"
    f.write_text("2024-12-25\n# note\n25/12/2024\n", encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load_holidays(f, [2024])
    assert "h.txt:3" in str(info.value)
    assert "'25/12/2024'" in str(info.value)


def test_holidays_from_the_holidays_package() -> None:
    us = load_holidays("US", [2024])
    assert dt.date(2024, 7, 4) in us
    il = load_holidays("IL", [1999])
    assert dt.date(1999, 9, 20) in il  # Yom Kippur 1999
    with pytest.raises(InputError, match="neither an existing file nor a country code"):
        load_holidays("Atlantis", [2024])
    assert load_holidays(None, [2024]) == frozenset()
