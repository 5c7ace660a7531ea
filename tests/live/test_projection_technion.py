"""The end-of-day projection on replayed Technion days (issue 13, section 3).

January and February 1999 of the Technion bank are loaded; each working day of February
is replayed: the live state read as of 10:00, 12:00, 14:00 and 16:00 (Asia/Jerusalem),
when only the calls answered or abandoned by then count. A short independent pandas
reading of the raw file gives, per day and queue, what the live state must hold at that
instant (the calls within T and counted so far, the calls waiting, the profile of the 4
same weekdays before) and the day's actual end; the projection is compared with it."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import contactcenter as cc
from contactcenter.app.live import live
from contactcenter.live.state import DayCache

pytestmark = pytest.mark.realdata

T, S, TARGET, SLOT = 20, 5, 0.8, 1800
HOURS = ("10:00", "12:00", "14:00", "16:00")


def _seconds(text: pd.Series) -> pd.Series:
    parts = text.str.split(":", expand=True).astype(int)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def raw_calls(folder: Path) -> pd.DataFrame:
    """The offered calls of the raw files, by the documented Technion rules: AGENT rows
    and HANG rows that reached the queue; offered at q_start (at vru_exit when served
    without queueing, wait 0); wait q_time."""
    frames = []
    for name in ("january.txt", "february.txt"):
        raw = pd.read_csv(folder / name, sep="\t", dtype=str)
        raw = raw[raw["outcome"].str.strip().isin(["AGENT", "HANG"])]
        queued = raw["q_start"].str.strip() != "0:00:00"
        raw = raw[(raw["outcome"].str.strip() == "AGENT") | queued]
        queued = raw["q_start"].str.strip() != "0:00:00"
        frame = pd.DataFrame(
            {
                "queue": raw["type"].str.strip(),
                "day": pd.to_datetime("19" + raw["date"].str.strip(), format="%Y%m%d").dt.date,
                "at": np.where(
                    queued,
                    _seconds(raw["q_start"].str.strip()),
                    _seconds(raw["vru_exit"].str.strip()),
                ),
                "wait": np.where(queued, raw["q_time"].astype(int), 0),
                "answered": (raw["outcome"].str.strip() == "AGENT").to_numpy(),
            }
        )
        frames.append(frame)
    calls = pd.concat(frames, ignore_index=True)
    calls["in_t"] = calls["answered"] & (calls["wait"] <= T)
    calls["counted"] = calls["answered"] | (calls["wait"] >= S)
    return calls


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    from tests.conftest import SHARED_DATA

    folder = SHARED_DATA / "technion-anonymous-bank-1999"
    if not folder.is_dir():
        pytest.skip("../shared/data is not present beside this checkout")
    db = tmp_path_factory.mktemp("technion") / "t.duckdb"
    cc.ingest(db, [folder / "january.txt", folder / "february.txt"], format="technion")
    return db, raw_calls(folder)


def expected_by_script(calls: pd.DataFrame, queue: str, day: date, now_s: int) -> tuple[float, int]:
    """Mean over the same weekday of the 4 weeks before (those with calls in the queue)
    of the counted calls from ``now_s`` (seconds of the day) on, the current half hour
    pro rata; and the number of weeks."""
    totals = []
    for k in range(1, 5):
        one = calls[(calls["queue"] == queue) & (calls["day"] == day - timedelta(days=7 * k))]
        if not len(one):
            continue
        slot = one["at"] // SLOT
        now_slot = now_s // SLOT
        later = one["counted"] & (slot > now_slot)
        current = one["counted"] & (slot == now_slot)
        left = ((now_slot + 1) * SLOT - now_s) / SLOT
        totals.append(float(later.sum()) + float(current.sum()) * left)
    return (sum(totals) / len(totals) if totals else 0.0), len(totals)


def test_a_replayed_day_matches_an_independent_reading(replay: tuple[Path, pd.DataFrame]) -> None:
    db, calls = replay
    cache = DayCache()
    checked = 0
    for day in (date(1999, 2, 7), date(1999, 2, 16), date(1999, 2, 24)):
        for hour in HOURS:
            now_s = int(hour[:2]) * 3600
            state = live(db, now=f"{day} {hour}", tz="Asia/Jerusalem", cache=cache)
            for q in state.queues:
                mine = calls[(calls["queue"] == q.queue) & (calls["day"] == day)]
                done = mine[mine["at"] + mine["wait"] <= now_s]
                # (a call entering exactly at now counts as waiting, 0 s)
                waiting = mine[(mine["at"] <= now_s) & (mine["at"] + mine["wait"] > now_s)]
                assert q.tz == "Asia/Jerusalem"
                assert q.offered == len(done), (day, hour, q.queue)
                assert q.answered_in_threshold == int(done["in_t"].sum())
                assert q.counted == int(done["counted"].sum())
                assert q.waiting == len(waiting)
                expected, weeks = expected_by_script(calls, q.queue, day, now_s)
                assert q.projection.weeks == weeks
                assert q.projection.expected == pytest.approx(expected, abs=1e-9)
                checked += 1
    assert checked > 40


def projection_errors(db: Path, calls: pd.DataFrame) -> pd.DataFrame:
    cache = DayCache()
    rows = []
    end = calls.groupby(["day", "queue"]).agg(a=("in_t", "sum"), n=("counted", "sum"))
    for day in sorted(d for d in calls["day"].unique() if d.month == 2 and d.weekday() != 5):
        for hour in HOURS:
            state = live(db, now=f"{day} {hour}", tz="Asia/Jerusalem", cache=cache)
            for q in state.queues:
                if (day, q.queue) not in end.index:
                    continue
                a, n = end.loc[(day, q.queue)]
                projected = q.projection.projected_service_level
                if n < 100 or projected is None:
                    continue
                rows.append((day, hour, q.queue, projected, a / n, q.service_level))
    return pd.DataFrame(rows, columns=["day", "hour", "queue", "projected", "actual", "so_far"])


def test_the_projection_against_the_days_actual_end(replay: tuple[Path, pd.DataFrame]) -> None:
    db, calls = replay
    errors = projection_errors(db, calls)
    assert len(errors) > 50
    err = (errors["projected"] - errors["actual"]).abs()
    by_hour = err.groupby(errors["hour"]).mean()
    # measured on these days (docs/api.md, "End-of-day projection"): mean absolute
    # errors 0.19 at 10:00, 0.16 at 12:00, 0.11 at 14:00, 0.09 at 16:00; the bounds keep
    # those figures from growing unnoticed
    bounds = {"10:00": 0.22, "12:00": 0.19, "14:00": 0.13, "16:00": 0.10}
    for hour, bound in bounds.items():
        assert by_hour[hour] < bound, by_hour.to_dict()
    # the later in the day, the closer to its end
    assert by_hour["16:00"] < by_hour["14:00"] < by_hour["12:00"] < by_hour["10:00"]


def test_at_the_end_of_the_day_the_projection_is_the_actual_end(
    replay: tuple[Path, pd.DataFrame],
) -> None:
    db, calls = replay
    day = date(1999, 2, 16)
    state = live(db, now=f"{day} 23:59:59", tz="Asia/Jerusalem")
    end = calls[calls["day"] == day].groupby("queue").agg(a=("in_t", "sum"), n=("counted", "sum"))
    for q in state.queues:
        if q.queue not in end.index or not end.loc[q.queue, "n"]:
            continue
        actual = end.loc[q.queue, "a"] / end.loc[q.queue, "n"]
        # calls ending after midnight are left out of the day's end both ways; what is
        # left to come is 1/1800 of a half hour's mean
        assert q.projection.projected_service_level == pytest.approx(actual, abs=0.01)
        assert q.service_level == pytest.approx(actual, abs=0.01)
        if q.projection.needed_in_threshold != "cannot be met":
            short = TARGET * (q.counted + q.projection.expected) - q.answered_in_threshold
            assert q.projection.needed_in_threshold == max(0, math.ceil(short - 1e-9))
