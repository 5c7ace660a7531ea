""" "Slower than usual" (issue 11, section 4): each agent's AHT and first response in a
period against the agent's previous weeks and the team, hand-computed, with the
invariant that an agent identical to their baseline is never flagged."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import contactcenter as cc
from contactcenter.cli.main import app
from contactcenter.errors import InputError
from contactcenter.reports.slower import baseline_z
from contactcenter.store import Store
from tests.conftest import contacts_table
from tests.sources.test_conversation_derivation import derive, message

UTC = dt.UTC


def _call(agent: str, when: dt.datetime, talk: float) -> dict[str, Any]:
    return {
        "contact_id": f"{agent}-{when.isoformat()}",
        "offered_at": when,
        "outcome": "answered",
        "wait_s": 5.0,
        "agent_id": agent,
        "talk_s": talk,
    }


# The period: ISO week 2024-W10 (Monday 4 March); its 8-week baseline: 8 January to 3 March.
WEEK = dt.datetime(2024, 3, 4, 10, tzinfo=UTC)
FEB = dt.datetime(2024, 2, 12, 10, tzinfo=UTC)
CALLS = [
    # ann: usually 100, 200, 300 s (mean 200, sd 100); this week 400, 400
    *(_call("ann", FEB + dt.timedelta(hours=i), t) for i, t in enumerate((100, 200, 300))),
    *(_call("ann", WEEK + dt.timedelta(hours=i), 400) for i in range(2)),
    # ... and a 5,000 s call 9 weeks before: outside an 8-week baseline
    _call("ann", dt.datetime(2024, 1, 1, 10, tzinfo=UTC), 5000),
    # bob: this week exactly as usual
    *(_call("bob", FEB + dt.timedelta(hours=i), t) for i, t in enumerate((100, 300))),
    *(_call("bob", WEEK + dt.timedelta(hours=i), t) for i, t in enumerate((100, 300))),
    # cat: new this week, no baseline
    *(_call("cat", WEEK + dt.timedelta(hours=i), 200) for i in range(2)),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "slow.duckdb"
    with Store(path) as store, store.load(fmt="test", files=["calls"]) as session:
        session.account.read = session.account.used = len(CALLS)
        session.write("contacts", contacts_table(CALLS))
    return path


def _week(db: Path, **kw: Any) -> dict[str, dict[str, Any]]:
    rows = cc.report(db, by="agent,week", metrics="contacts_handled", slow=True, **kw)
    return {r["agent"]: r for r in rows.to_pylist() if r["week"] == "2024-W10"}


def test_against_the_agents_own_previous_weeks(db: Path) -> None:
    got = _week(db)
    ann, bob, cat = got["ann"], got["bob"], got["cat"]
    # ann: z = (400 - 200) / (100 * sqrt(1/2 + 1/3))
    assert ann["aht_s"] == 400.0
    assert ann["aht_s_n"] == 2
    assert ann["aht_s_baseline"] == 200.0
    assert ann["aht_s_baseline_n"] == 3  # the 5,000 s call of 1 January is 9 weeks back
    assert ann["aht_s_z"] == pytest.approx(200 / (100 * math.sqrt(1 / 2 + 1 / 3)))
    assert ann["aht_s_slow"] is True
    # bob: as usual, z = 0
    assert bob["aht_s_baseline"] == 200.0
    assert bob["aht_s_z"] == pytest.approx(0.0, abs=1e-12)
    assert bob["aht_s_slow"] is False
    # cat: no baseline, no z, no flag
    assert (cat["aht_s_baseline"], cat["aht_s_baseline_n"], cat["aht_s_z"]) == (None, 0, None)
    assert cat["aht_s_slow"] is None
    # the team of the week: 400, 200, 200 (mean 266.7, sample sd 115.5)
    sd = math.sqrt(((400 - 800 / 3) ** 2 + 2 * (200 - 800 / 3) ** 2) / 2)
    assert ann["aht_s_team_z"] == pytest.approx((400 - 800 / 3) / sd)
    assert bob["aht_s_team_z"] == pytest.approx((200 - 800 / 3) / sd)
    assert ann["aht_s_team_slow"] is False  # 1.15 is not beyond 2
    # a stricter z, a longer baseline
    assert _week(db, z=2.5)["ann"]["aht_s_slow"] is False
    longer = _week(db, baseline_weeks=9)["ann"]
    assert longer["aht_s_baseline_n"] == 4
    assert longer["aht_s_baseline"] == pytest.approx((600 + 5000) / 4)
    assert longer["aht_s_slow"] is False  # the long call widens the usual spread


def test_the_periods_mean_is_the_reports_aht(db: Path) -> None:
    rows = cc.report(db, by="agent,month", metrics="aht_s", slow=True).to_pylist()
    for r in rows:
        if r["agent"] is not None and r["aht_s_n"]:
            values = [
                c["talk_s"]
                for c in CALLS
                if c["agent_id"] == r["agent"] and c["offered_at"].strftime("%Y-%m") == r["month"]
            ]
            assert r["aht_s_n"] == len(values)
            assert r["aht_s"] == pytest.approx(sum(values) / len(values))


def test_options_and_errors_through_the_cli(db: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["report", "--db", str(db), "--by", "agent,week", "--slow", "--baseline-weeks", "8",
         "--z", "2.0", "--format", "csv", "--from", "2024-03-04"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    ann = next(r for r in rows if r["agent"] == "ann")
    assert ann["aht_s_slow"] == "True"
    assert ann["aht_s_baseline_n"] == "3"  # --from does not cut the baseline off
    for args, message_part in (
        (["--by", "agent,hour", "--slow"], "--slow groups by agent and at most one of"),
        (["--by", "week", "--slow"], "--slow needs agent"),
        (["--by", "agent", "--slow"], "--slow without a period key in --by needs --from"),
        (["--by", "agent,week", "--slow", "--z", "0"], "--z must be"),
        (["--by", "agent,week", "--slow", "--baseline-weeks", "0"], "--baseline-weeks must"),
        (["--by", "agent,week", "--z", "3"], "--slow is needed by"),
    ):
        bad = runner.invoke(app, ["report", "--db", str(db), *args])
        assert bad.exit_code == 2, args
        assert message_part in bad.stderr, (args, bad.stderr)


def test_without_a_period_key_the_period_is_from_to(db: Path) -> None:
    rows = cc.report(db, by="agent", slow=True, start="2024-03-04", end="2024-03-11")
    ann = next(r for r in rows.to_pylist() if r["agent"] == "ann")
    assert (ann["aht_s_n"], ann["aht_s_baseline_n"]) == (2, 3)
    with pytest.raises(InputError, match="needs --from"):
        cc.report(db, by="agent", slow=True)


def test_first_response_times_when_conversations_exist(tmp_path: Path) -> None:
    """X's first responses: 60, 120, 180 s in February (mean 120, sd 60), 300 s in the
    week of 4 March: z = 180 / (60 * sqrt(1 + 1/3))."""
    db = tmp_path / "chats.duckdb"
    msgs = []
    for i, (day, delay) in enumerate(
        (dt.datetime(2024, 2, 12, 10, tzinfo=UTC), d) for d in (60, 120, 180)
    ):
        when = day + dt.timedelta(hours=i)
        msgs += [message(f"b{i}", "1", when, "customer"),
                 message(f"b{i}", "2", when + dt.timedelta(seconds=delay), "agent:X")]  # fmt: skip
    msgs += [message("p", "1", WEEK, "customer"),
             message("p", "2", WEEK + dt.timedelta(seconds=300), "agent:X")]  # fmt: skip
    derive(db, msgs, [])
    rows = cc.report(db, by="agent,week", metrics="first_response_s", slow=True).to_pylist()
    x = next(r for r in rows if r["agent"] == "X" and r["week"] == "2024-W10")
    assert x["first_response_s"] == 300.0
    assert x["first_response_s_baseline"] == 120.0
    assert x["first_response_s_baseline_n"] == 3
    assert x["first_response_s_z"] == pytest.approx(180 / (60 * math.sqrt(1 + 1 / 3)))
    assert x["first_response_s_slow"] is True
    assert "aht_s_z" in rows[0]  # AHT is compared too (no calls: no value)


values = st.lists(st.floats(1, 10_000), min_size=2, max_size=40)


@settings(max_examples=200, deadline=None)
@given(values, st.randoms(use_true_random=False))
def test_an_agent_identical_to_their_baseline_is_never_flagged(
    baseline: list[float], rnd: Any
) -> None:
    """The period holds the baseline's values (in any order): z = 0 (up to rounding)."""
    period = list(baseline)
    rnd.shuffle(period)
    mean, z = baseline_z(
        (len(period), math.fsum(period)),
        (len(baseline), sum(baseline), sum(v * v for v in baseline)),
    )
    assert mean == pytest.approx(sum(baseline) / len(baseline))
    assert z is None or abs(z) < 1e-6


@settings(max_examples=200, deadline=None)
@given(values, values)
def test_faster_than_usual_is_never_slow(baseline: list[float], period: list[float]) -> None:
    """A period whose mean is at or under the baseline's mean has z <= 0."""
    mean_b = sum(baseline) / len(baseline)
    period = [min(v, mean_b) for v in period]
    _, z = baseline_z(
        (len(period), sum(period)),
        (len(baseline), sum(baseline), sum(v * v for v in baseline)),
    )
    assert z is None or z <= 1e-9
