"""The end-of-day projection (issue 13, section 3): the formula by hand, its invariants,
and the profile of expected calls read from a hand-made history."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import contactcenter as cc
from contactcenter.app.live import live
from contactcenter.live.projection import (
    CANNOT_BE_MET,
    expected_remaining,
    profile,
    project,
)

DAY = 1709510400  # 2024-03-04 00:00:00 UTC, a Monday


def test_the_formula_by_hand() -> None:
    # A 30 within T of N 40 counted; 3 waiting, 1 of them past T; 57 expected; rate 0.75
    p = project(answered_in_threshold=30, counted=40, waiting=3, waiting_late=1,
                expected=57, rate=0.75, target=0.8)  # fmt: skip
    # (30 + 0.75 * (3 - 1 + 57)) / (40 + 3 + 57) = 74.25 / 100
    assert p.projected_service_level == pytest.approx(0.7425)
    # ceil(0.8 * 100 - 30) = 50, and 59 can still be within T
    assert p.needed_in_threshold == 50


def test_cannot_be_met_by_hand() -> None:
    # 0.8 * 60 - 10 = 38 needed, only 20 to come
    p = project(answered_in_threshold=10, counted=40, waiting=0, waiting_late=0,
                expected=20, rate=0.9, target=0.8)  # fmt: skip
    assert p.needed_in_threshold == CANNOT_BE_MET
    assert p.projected_service_level == pytest.approx((10 + 0.9 * 20) / 60)


def test_met_already_needs_none_and_nothing_known_is_null() -> None:
    p = project(answered_in_threshold=80, counted=100, waiting=0, waiting_late=0,
                expected=0, rate=None, target=0.8)  # fmt: skip
    assert (p.projected_service_level, p.needed_in_threshold) == (0.8, 0)
    p = project(answered_in_threshold=0, counted=0, waiting=0, waiting_late=0,
                expected=0, rate=None, target=0.8)  # fmt: skip
    assert (p.projected_service_level, p.needed_in_threshold) == (None, None)


def test_without_a_rate_the_target_is_assumed() -> None:
    p = project(answered_in_threshold=0, counted=0, waiting=0, waiting_late=0,
                expected=10, rate=None, target=0.8)  # fmt: skip
    assert p.projected_service_level == pytest.approx(0.8)
    assert p.needed_in_threshold == 8


@settings(max_examples=300, deadline=None)
@given(
    counted=st.integers(0, 500),
    share=st.floats(0, 1),
    waiting=st.integers(0, 30),
    late_share=st.floats(0, 1),
    expected=st.floats(0, 500, allow_nan=False),
    rate=st.one_of(st.none(), st.floats(0, 1)),
    target=st.floats(0.05, 0.95),
)
def test_invariants(
    counted: int,
    share: float,
    waiting: int,
    late_share: float,
    expected: float,
    rate: float | None,
    target: float,
) -> None:
    answered = math.floor(counted * share)
    late = math.floor(waiting * late_share)
    p = project(answered_in_threshold=answered, counted=counted, waiting=waiting,
                waiting_late=late, expected=expected, rate=rate, target=target)  # fmt: skip
    total = counted + waiting + expected
    if total == 0:
        assert p.projected_service_level is None
        return
    assert p.projected_service_level is not None
    assert -1e-12 <= p.projected_service_level <= 1 + 1e-12
    can_still = waiting - late + expected
    if p.needed_in_threshold == CANNOT_BE_MET:
        # even every contact still to come within T leaves the day below target
        assert (answered + can_still) / total < target
    else:
        assert isinstance(p.needed_in_threshold, int)
        n = p.needed_in_threshold
        # (R is a mean, so the last answer needed may be a fraction of a contact)
        assert 0 <= n < can_still + 1
        # n answers within T reach the target, one fewer does not
        assert answered + n >= target * total - 1e-9
        if n > 0:
            assert answered + n - 1 < target * total


def test_expected_remaining_and_profile_by_hand() -> None:
    days = [{18: 1, 21: 3, 22: 6}, {18: 1, 21: 1}, {18: 1, 21: 2, 22: 3}]
    assert profile(days) == {18: 1.0, 21: 2.0, 22: 3.0}
    assert profile([]) == {}
    # at slot 21 with half of it to come: 2 * 0.5 + 3
    assert expected_remaining(profile(days), now_slot=21, fraction_left=0.5) == 4.0
    assert expected_remaining(profile(days), now_slot=22, fraction_left=0.0) == 0.0


def _call(lines: list[str], t: int, callid: str, wait: int) -> None:
    lines += [f"{t}|{callid}|sales|NONE|ENTERQUEUE||555|1",
              f"{t + wait}|{callid}|sales|Agent/1|CONNECT|{wait}|x|1",
              f"{t + wait + 60}|{callid}|sales|Agent/1|COMPLETECALLER|{wait}|60|1"]  # fmt: skip


def test_the_profile_of_the_last_four_same_weekdays_from_the_store(tmp_path: Path) -> None:
    # Mondays before 2024-03-04: one, two and three weeks before have calls; four weeks
    # before has none (left out). Calls per 30-minute slot: 09:00 1, 1, 1; 10:30 3, 1,
    # 2; 11:00 6, 0, 3 (and a short abandon on week 1 that does not count).
    lines: list[str] = []
    per_week = {1: {"09:00": 1, "10:30": 3, "11:00": 6}, 2: {"09:00": 1, "10:30": 1},
                3: {"09:00": 1, "10:30": 2, "11:00": 3}}  # fmt: skip
    for week, slots in per_week.items():
        day = DAY - 7 * week * 86400
        for hhmm, n in slots.items():
            h, m = (int(x) for x in hhmm.split(":"))
            for i in range(n):
                _call(lines, day + h * 3600 + m * 60 + 60 * i, f"w{week}-{hhmm}-{i}", 5)
    short = DAY - 7 * 86400 + 11 * 3600 + 600
    lines += [f"{short}|short|sales|NONE|ENTERQUEUE||555|1",
              f"{short + 2}|short|sales|NONE|ABANDON|1|1|2"]  # fmt: skip
    # a Tuesday's calls are not in a Monday's profile
    _call(lines, DAY - 6 * 86400 + 11 * 3600, "tuesday", 5)
    # today: c1 at 10:00 within T (wait 10), c2 at 10:35 outside T (wait 30); now 10:45
    _call(lines, DAY + 10 * 3600, "c1", 10)
    _call(lines, DAY + 10 * 3600 + 35 * 60, "c2", 30)
    lines.sort(key=lambda line: int(line.split("|")[0]))
    log = tmp_path / "queue_log"
    log.write_text("\n".join(lines) + "\n")
    db = tmp_path / "cc.duckdb"
    cc.ingest(db, log, format="queue_log")
    state = live(db, now=DAY + 10 * 3600 + 45 * 60 + 60)  # 10:46: c2 ended at 10:36:30
    (q,) = state.queues
    p = q.projection
    assert (p.basis, p.weeks) == ("profile", 3)
    # slot 10:30-11:00 (mean 2) with 14/30 of it to come, and slot 11:00 (mean 3)
    assert p.expected == pytest.approx(2 * 14 / 30 + 3)
    # the current interval: c2 outside T -> rate 0
    assert (q.answered_in_threshold, q.counted, p.rate) == (1, 2, 0.0)
    assert p.projected_service_level == pytest.approx(1 / (2 + p.expected))
    assert p.needed_in_threshold == math.ceil(0.8 * (2 + p.expected) - 1)


def test_a_loaded_forecast_is_used_instead(tmp_path: Path) -> None:
    lines: list[str] = []
    _call(lines, DAY + 10 * 3600, "c1", 10)
    log = tmp_path / "queue_log"
    log.write_text("\n".join(lines) + "\n")
    db = tmp_path / "cc.duckdb"
    cc.ingest(db, log, format="queue_log")
    (tmp_path / "forecast.csv").write_text(
        "interval_start,queue,calls,aht_s\n"
        "2024-03-04 10:00:00,sales,10,60\n"
        "2024-03-04 10:30:00,sales,20,60\n"
        "2024-03-04 11:00:00,sales,5,60\n"
        "2024-03-05 10:00:00,sales,99,60\n"
    )
    config = tmp_path / "c.yaml"
    config.write_text("live:\n  forecast: forecast.csv\n")
    (q,) = live(db, now=DAY + 10 * 3600 + 15 * 60, config=config).queues
    # 10:15: half of 10:00-10:30 (5) + 20 + 5; every call so far counted: share 1
    assert (q.projection.basis, q.projection.expected) == ("forecast", 30.0)
    assert q.projection.needed_in_threshold == math.ceil(0.8 * 31 - 1)
