"""Schedules (format schedule_csv) against agent states: adherence, conformance,
shrinkage and the named deviations, on a hand-computed day (issue 11, sections 2-3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import contactcenter as cc
from contactcenter.errors import FormatError
from contactcenter.sources._adherence import derive_adherence
from contactcenter.store import Store
from tests.sources.conftest import load, rejects, snapshot, write
from tests.sources.test_agent_states import ql

# Agent/5 is scheduled 09:00-12:00 work, 12:00-12:30 lunch, 12:30-15:00 work (UTC).
SCHEDULE = """agent,activity,start,end
Agent/5,work,2024-03-04T09:00:00Z,2024-03-04T12:00:00Z
Agent/5,lunch,2024-03-04T12:00:00Z,2024-03-04T12:30:00Z
Agent/5,work,2024-03-04T12:30:00Z,2024-03-04T15:00:00Z
"""

# What the agent did:
#   logs in at 09:05                      late login 300 s
#   pauses for lunch 12:00-12:40          lunch overrun 600 s
#   pauses 14:00-14:10 (unscheduled)      out of adherence 600 s
#   pauses 14:30:00-14:30:30              30 s: under the 60 s tolerance, ignored
#   logs off at 15:00, on again 16:00-16:20 (outside the schedule): 1,200 s
DAY = [
    ql("09:05", "NONE", "NONE", "Agent/5", "AGENTLOGIN", "SIP/5"),
    ql("12:00", "NONE", "NONE", "Agent/5", "PAUSEALL", "Lunch"),
    ql("12:40", "NONE", "NONE", "Agent/5", "UNPAUSEALL", ""),
    ql("14:00", "NONE", "NONE", "Agent/5", "PAUSEALL", "Smoke"),
    ql("14:10", "NONE", "NONE", "Agent/5", "UNPAUSEALL", ""),
    ql("14:30", "NONE", "NONE", "Agent/5", "PAUSEALL", "Water"),
    ql("14:30:30", "NONE", "NONE", "Agent/5", "UNPAUSEALL", ""),
    ql("15:00", "NONE", "NONE", "Agent/5", "AGENTLOGOFF", "SIP/5", "21300"),
    ql("16:00", "NONE", "NONE", "Agent/5", "AGENTLOGIN", "SIP/5"),
    ql("16:20", "NONE", "NONE", "Agent/5", "AGENTLOGOFF", "SIP/5", "1200"),
]

METRICS = (
    "scheduled_s,scheduled_work_s,scheduled_paid_s,out_of_adherence_s,late_login_s,"
    "early_logout_s,break_overrun_s,adherence,conformance,shrinkage_observed,logged_in_s,"
    "unscheduled_away_s"
)


def _load_day(store: Store, tmp_path: Path, *, schedule_first: bool = True) -> None:
    sched = write(tmp_path / "schedule.csv", SCHEDULE)
    log = write(tmp_path / "queue_log", "\n".join(DAY) + "\n")
    steps = [("schedule_csv", sched), ("queue_log", log)]
    for fmt, path in steps if schedule_first else steps[::-1]:
        load(store, fmt, path)


def _row(db: Path, **kw: Any) -> dict[str, Any]:
    (row,) = cc.report(db, by="agent", metrics=METRICS, **kw).to_pylist()
    return dict(row)


def test_a_hand_computed_day(store: Store, tmp_path: Path) -> None:
    _load_day(store, tmp_path)
    row = _row(store.path)
    assert row["agent"] == "Agent/5"
    assert row["scheduled_s"] == 21_600  # 09:00-15:00, lunch included
    assert row["scheduled_work_s"] == 19_800
    assert row["scheduled_paid_s"] == 19_800  # lunch is not paid
    assert row["late_login_s"] == 300
    assert row["break_overrun_s"] == 600
    assert row["early_logout_s"] == 0
    assert row["out_of_adherence_s"] == 300 + 600 + 600 + 1_200
    # away when scheduled to work: late, the lunch overrun, the unscheduled pause (the
    # login outside the schedule is work, not away; the 30 s pause is under tolerance)
    assert row["unscheduled_away_s"] == 300 + 600 + 600
    assert row["adherence"] == pytest.approx(1 - 2_700 / 21_600)
    # logged in 09:05-15:00 and 16:00-16:20; paused 2,400 + 600 + 30 s
    assert row["logged_in_s"] == 21_300 + 1_200
    working = 21_300 + 1_200 - 3_030
    assert row["conformance"] == pytest.approx(working / 19_800)
    assert row["shrinkage_observed"] == pytest.approx(1 - working / 19_800)


def test_the_tolerance_is_the_reports(store: Store, tmp_path: Path) -> None:
    _load_day(store, tmp_path)
    assert _row(store.path, tolerance="0s")["out_of_adherence_s"] == 2_700 + 30
    strict = _row(store.path, tolerance="10m")  # runs of 600 s or less are ignored
    assert strict["out_of_adherence_s"] == 1_200
    assert (strict["late_login_s"], strict["break_overrun_s"]) == (0, 0)


def test_files_in_either_order_give_the_same_store(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with Store(tmp_path / "a" / "s.duckdb") as one:
        _load_day(one, tmp_path / "a")
        first = snapshot(one), one.con.execute("SELECT * FROM adherence ORDER BY 2, 5").fetchall()
    with Store(tmp_path / "b" / "s.duckdb") as two:
        _load_day(two, tmp_path / "b", schedule_first=False)
        second = snapshot(two), two.con.execute("SELECT * FROM adherence ORDER BY 2, 5").fetchall()
    assert first[1] == second[1]
    assert first[1]


def test_by_interval_adds_up(store: Store, tmp_path: Path) -> None:
    _load_day(store, tmp_path)
    rows = cc.report(
        store.path, by="interval", metrics="scheduled_s,out_of_adherence_s", interval="1h"
    ).to_pylist()
    got = {r["interval_start"][11:16]: (r["scheduled_s"], r["out_of_adherence_s"]) for r in rows}
    assert got["09:00"] == (3600, 300)
    assert got["12:00"] == (3600, 600)  # lunch overrun 12:30-12:40
    assert got["14:00"] == (3600, 600)  # the 30 s pause is under the tolerance
    assert got["16:00"] == (0, 1200)  # logged in outside the schedule
    assert sum(v[0] for v in got.values()) == 21_600


def test_schedule_lines_accounted_and_reloading_changes_nothing(
    store: Store, tmp_path: Path
) -> None:
    text = SCHEDULE + (
        "Agent/5,work,2024-03-04T14:00:00Z,2024-03-04T16:00:00Z\n"  # overlaps line 4
        "Agent/5,nap,2024-03-04T16:00:00Z,2024-03-04T17:00:00Z\n"
        "Agent/5,work,2024-03-04T17:00:00Z,2024-03-04T16:00:00Z\n"
        "Agent/5,work,2024-03-04T17:00:00Z,2024-03-04T17:00:00Z\n"
        "\n"
        "Agent/5,lunch,2024-03-04T12:00:00Z,2024-03-04T12:30:00Z\n"
    )
    path = write(tmp_path / "s.csv", text)
    report = load(store, "schedule_csv", path)
    assert (report.lines_read, report.lines_used) == (10, 3)
    assert report.ignored == {
        "header": 1,
        "blank line": 1,
        "activity of no length": 1,
        "duplicate line": 1,
    }
    assert {(r["line_no"], r["reason"]) for r in rejects(store)} == {
        ("5", "overlaps the agent's activity of s.csv line 4"),
        ("6", "activity 'nap' is not one of work, break, lunch, meeting, training, off"),
        ("7", "end is before start"),
    }
    before = snapshot(store), store.con.execute("SELECT * FROM schedules").fetchall()
    load(store, "schedule_csv", path)
    assert (snapshot(store), store.con.execute("SELECT * FROM schedules").fetchall()) == before


def test_an_unknown_schedule_column_stops_the_load(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="unknown columns"):
        load(store, "schedule_csv", write(tmp_path / "s.csv", "agent,activity,start,end,x\n"))


def test_derive_early_logout_and_absence() -> None:
    h = 3_600_000_000
    sched = [(9 * h, 12 * h, "work"), (13 * h, 14 * h, "work")]
    states = [(9 * h, 11 * h, "available")]  # leaves at 11:00; absent from 13:00 shift
    rows = derive_adherence(sched, states, horizon=20 * h)
    dev = {(r[3] // h, r[4] // h): (r[6], r[5]) for r in rows if r[1] != r[2]}
    assert dev == {(11, 12): ("early_logout", h), (13, 14): (None, h)}
