"""A simulated team end to end: named agents with schedules, breaks, late logins, break
overruns and unscheduled pauses answer the queue; the queue_log and schedule it writes,
loaded by ``ingest`` and measured by ``report --by agent``, give back the simulator's own
figures per agent (exactly: they are fixed by the event log), and the measured figures
agree with the queueing model and the behaviour's parameters within batch-means
confidence intervals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.errors import FormatError, InputError
from contactcenter.simulation import simulate
from contactcenter.simulation.output import team_rows, to_queue_log, to_schedule_csv
from contactcenter.simulation.team import (
    AVAILABLE,
    Behaviour,
    Team,
    actual_changes,
    plan_team,
    read_schedule,
    run_team,
    team_from_staffing,
)
from contactcenter.staffing import erlang_a

runner = CliRunner()

AGENT_METRICS = (
    "logged_in_s,available_s,handling_s,not_ready_s,contacts_handled,occupancy,"
    "scheduled_s,late_login_s,out_of_adherence_s,adherence"
)


def run_cli(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


# --------------------------------------------------------------------------- hand-checked
def test_run_team_by_hand() -> None:
    # Agent 0 available [0, 100) and [200, 300); agent 1 available [50, 400).
    # c0 at 10 (120 s): agent 0 at 10, to 130 (it may run past its window).
    # c1 at 20 (10 s): nobody until agent 1 at 50 -> waits 30, to 60.
    # c2 at 150 (40 s): agent 1 (free since 60; agent 0 is away until 200) -> 150-190.
    # c3 at 160 (5 s), patience 20: agent 1 busy to 190, agent 0 back at 200 -> wait 40
    #   > 20: abandons after 20 s.
    # c4 at 195 (30 s): agent 0 returns at 200, agent 1 free since 190 (longest idle):
    #   agent 1 at 195 -> 195-225.
    wait, svc, agent = run_team(
        arrival=np.array([10.0, 20.0, 150.0, 160.0, 195.0]),
        service=np.array([120.0, 10.0, 40.0, 5.0, 30.0]),
        patience=np.array([np.inf, np.inf, np.inf, 20.0, np.inf]),
        windows=[[(0, 100), (200, 300)], [(50, 400)]],
    )
    assert wait.tolist() == [0.0, 30.0, 0.0, 20.0, 0.0]
    assert agent.tolist() == [0, 1, 1, -1, 1]
    assert np.isnan(svc[3])


def test_changes_inside_a_contact_wait_for_its_end() -> None:
    # plan: available 0-100, break 100-130, available 130-200, then logged out
    plan = [(0, 100, AVAILABLE), (100, 130, "break"), (130, 200, AVAILABLE)]
    # a contact 90-140 covers the whole break: the agent goes on from the call to work;
    # a contact 190-260 keeps the agent past its logout at 200, which happens at 260
    changes = actual_changes(plan, [(90, 140), (190, 260)])
    assert changes == [(0, AVAILABLE), (260, None)]
    # a contact 90-110: the break starts at 110 (and ends at 130 as planned)
    assert actual_changes(plan, [(90, 110)]) == [
        (0, AVAILABLE),
        (110, "break"),
        (130, AVAILABLE),
        (200, None),
    ]


def test_plan_without_departures_is_the_schedule() -> None:
    team = Team(
        ("a",),
        (
            (
                (0, 3600, "work"),
                (3600, 4500, "break"),
                (4500, 9000, "work"),
                (9000, 9900, "meeting"),
            ),
        ),
    )
    (plan,) = plan_team(team, Behaviour(), np.random.default_rng(0))
    assert plan == [
        (0, 3600, AVAILABLE),
        (3600, 4500, "break"),
        (4500, 9000, AVAILABLE),
        (9000, 9900, "meeting"),
    ]


def test_a_team_from_staffing_works_the_periods_with_more_than_i_agents() -> None:
    team = team_from_staffing([2, 1, 0, 2], 1800)
    assert team.names == ("agent-001", "agent-002")
    assert team.schedules == (
        ((0, 3600, "work"), (5400, 7200, "work")),
        ((0, 1800, "work"), (5400, 7200, "work")),
    )


# --------------------------------------------------------------------------- end to end
PLAN_ROWS = [(h, m) for h in range(8, 16) for m in (0, 30)]
SHIFTS = """interval: 15m
templates:
  - name: day
    start: {earliest: "08:00", latest: "08:00"}
    length: 8h
    breaks:
      - {length: 15m, paid: true,  earliest: 1h45m, latest: 2h15m}
      - {length: 30m, paid: false, earliest: 3h30m, latest: 4h30m}
      - {length: 15m, paid: true,  earliest: 6h,    latest: 6h30m}
"""
AGENTS = "agent,days,available_from,available_to,contracted_hours\n" + "".join(
    f"Agent/{100 + i},mon-fri,07:00,18:00,40\n" for i in range(10)
)


def test_plan_roster_simulate_ingest_report_gives_back_each_agents_figures(
    tmp_path: Path,
) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "interval_start,queue,calls,aht_s,agents\n"
        + "".join(f"2025-01-06 {h:02d}:{m:02d}:00,support,60,200,8\n" for h, m in PLAN_ROWS),
        encoding="utf-8",
    )
    shifts = tmp_path / "shifts.yaml"
    shifts.write_text(SHIFTS, encoding="utf-8")
    agents = tmp_path / "agents.csv"
    agents.write_text(AGENTS, encoding="utf-8")
    roster = tmp_path / "roster.csv"
    run_cli(
        ["schedule", "--plan", str(plan), "--shifts", str(shifts), "--agents", str(agents),
         "--workers", "1", "--time-limit", "30s", "--format", "csv", "--output", str(roster)]
    )  # fmt: skip
    assert {row.split(",")[1] for row in roster.read_text().splitlines()[1:]} == {
        "work",
        "break",
        "lunch",
    }
    log = tmp_path / "queue_log"
    written = tmp_path / "schedule.csv"
    summary = json.loads(
        run_cli(
            [
                "simulate",
                "--plan",
                str(plan),
                "--schedule",
                str(roster),
                "--patience",
                "4m",
                "--seed",
                "7",
                "--late-login-share",
                "0.4",
                "--late-login-mean",
                "4m",
                "--overrun-share",
                "0.5",
                "--overrun-mean",
                "3m",
                "--pause-rate",
                "0.8",
                "--pause-mean",
                "2m",
                "--queue-log",
                str(log),
                "--schedule-output",
                str(written),
                "--threshold",
                "20",
                "--format",
                "json",
            ]
        )
    )
    own = {row["agent"]: row for row in summary["agents"]}
    assert len(own) >= 8
    db = str(tmp_path / "team.duckdb")
    run_cli(["ingest", "--db", db, "--format", "queue_log", str(log)])
    run_cli(["ingest", "--db", db, "--format", "schedule_csv", str(roster)])
    doc = json.loads(
        run_cli(
            ["report", "--db", db, "--by", "agent", "--format", "json", "--metrics", AGENT_METRICS]
        )
    )
    measured = {row["agent"]: row for row in doc["rows"] if row["agent"] is not None}
    assert set(measured) == set(own)
    departures = {"late": 0, "paused": 0, "out": 0}
    for name, mine in own.items():
        got = measured[name]
        # fixed by the event log: equal to the second
        for key in ("logged_in_s", "available_s", "handling_s", "not_ready_s", "scheduled_s",
                    "late_login_s", "out_of_adherence_s", "contacts_handled"):  # fmt: skip
            assert got[key] == mine[key], (name, key, got[key], mine[key])
        assert got["occupancy"] == pytest.approx(mine["occupancy"], abs=1e-12)
        assert got["adherence"] == pytest.approx(mine["adherence"], abs=1e-12)
        departures["late"] += mine["late_login_s"] > 0
        departures["paused"] += mine["not_ready_s"] > 0
        departures["out"] += mine["out_of_adherence_s"] > 0
    assert all(n > 0 for n in departures.values())  # the run did depart from the schedule
    # the team's queue as measured from the queue_log: the summary's service level
    (queue_row,) = json.loads(
        run_cli(
            [
                "report",
                "--db",
                db,
                "--format",
                "json",
                "--threshold",
                "20",
                "--short-abandon",
                "0",
                "--metrics",
                "offered,service_level",
            ]
        )
    )["rows"]
    assert queue_row["offered"] == summary["offered"]
    assert queue_row["service_level"] == pytest.approx(summary["service_level"], abs=1e-12)
    # the schedule it wrote is the roster it read (times in UTC with their offset)
    again = tmp_path / "again.duckdb"
    run_cli(["ingest", "--db", str(again), "--format", "schedule_csv", str(written)])
    run_cli(["ingest", "--db", str(again), "--format", "queue_log", str(log)])
    other = json.loads(
        run_cli(
            [
                "report",
                "--db",
                str(again),
                "--by",
                "agent",
                "--format",
                "json",
                "--metrics",
                AGENT_METRICS,
            ]
        )
    )
    assert [r for r in other["rows"] if r["agent"]] == [r for r in doc["rows"] if r["agent"]]


def test_the_last_agents_stay_until_the_queue_is_empty(tmp_path: Path) -> None:
    # 5 Erlangs on 4 agents for an hour, nobody abandons: calls still wait at the end of
    # the schedule; the last shift's agents answer them and leave after their last call,
    # and the store measures the overtime as the simulator does
    log = tmp_path / "queue_log"
    sched = tmp_path / "schedule.csv"
    summary = json.loads(
        run_cli(
            ["simulate", "--calls", "30", "--period", "30m", "--aht", "300", "--agents", "4",
             "--periods", "2", "--seed", "2", "--queue-log", str(log), "--schedule-output",
             str(sched), "--format", "json"]
        )
    )  # fmt: skip
    assert summary["abandoned"] == 0
    assert summary["answered"] == summary["offered"]
    own = {r["agent"]: r for r in summary["agents"]}
    assert max(r["logged_in_s"] for r in own.values()) > 3600  # someone stayed
    db = str(tmp_path / "cc.duckdb")
    run_cli(["ingest", "--db", db, "--format", "queue_log", str(log)])
    run_cli(["ingest", "--db", db, "--format", "schedule_csv", str(sched)])
    doc = json.loads(
        run_cli(["report", "--db", db, "--by", "agent", "--format", "json", "--metrics",
                 AGENT_METRICS])
    )  # fmt: skip
    for row in doc["rows"]:
        if row["agent"] is None:
            continue
        mine = own[row["agent"]]
        for key in ("logged_in_s", "handling_s", "available_s", "out_of_adherence_s"):
            assert row[key] == mine[key], (row["agent"], key)


# --------------------------------------------------------------------------- batch means
def _within_ci(samples: np.ndarray, expected: float, z: float = 4.0) -> None:
    """Batch-means check: |mean - expected| <= z standard errors, and the interval is
    narrow compared with the quantity."""
    mean = samples.mean()
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(mean - expected) <= z * se + 1e-12, (mean, expected, se)
    assert z * se < 0.2 * max(expected, 0.05)


def _by_day(db: str, metrics: str, *extra: str) -> list[dict[str, float]]:
    doc = json.loads(
        run_cli(
            ["report", "--db", db, "--by", "day", "--format", "json", "--metrics", metrics, *extra]
        )
    )
    rows: list[dict[str, float]] = doc["rows"]
    return rows


def _daily_team(n_agents: int, days: int) -> Team:
    shift = [(d * 86_400, d * 86_400 + 8 * 3600, "work") for d in range(days)]
    return Team(
        tuple(f"a{i:03d}" for i in range(n_agents)),
        tuple(tuple(shift) for _ in range(n_agents)),
    )


def _load(tmp_path: Path, text: str) -> str:
    log = tmp_path / "queue_log"
    log.write_text(text, encoding="utf-8")
    db = str(tmp_path / "cc.duckdb")
    run_cli(["ingest", "--db", db, "--format", "queue_log", str(log)])
    return db


def test_a_measured_team_agrees_with_erlang_a(tmp_path: Path) -> None:
    # 14 agents on 08:00-16:00 for 30 days, 100 calls per half hour of 180 s (10 Erlangs),
    # patience 300 s: each day's service level and occupancy, measured through the
    # queue_log, against Erlang A
    days = 30
    calls = np.zeros(48 * days)
    for d in range(days):
        calls[d * 48 : d * 48 + 16] = 100.0
    start = dt.datetime(2025, 1, 6, 8, tzinfo=dt.UTC)
    run = simulate(
        calls_per_interval=calls,
        interval_s=1800.0,
        agents_per_interval=0,
        aht_s=180.0,
        patience_s=300.0,
        seed=5,
        team=_daily_team(14, days),
    )
    db = _load(tmp_path, to_queue_log(run, start=start, queue="q"))
    rows = _by_day(db, "service_level,handling_s,available_s", "--threshold", "20",
                   "--short-abandon", "0")  # fmt: skip
    assert len(rows) == days
    model = erlang_a(agents=14, load_erl=10.0, aht_s=180.0, patience_s=300.0, threshold_s=20.0)
    sl = np.array([r["service_level"] for r in rows])
    occ = np.array([r["handling_s"] / (r["handling_s"] + r["available_s"]) for r in rows])
    _within_ci(sl, float(model.service_level))
    _within_ci(occ, float(model.occupancy))
    # and the team's own figures add up to what the store measured
    own = team_rows(run)
    assert sum(r["handling_s"] for r in own) == pytest.approx(
        sum(r["handling_s"] for r in rows), abs=1e-6
    )


def test_late_logins_and_unscheduled_pauses_follow_their_parameters(tmp_path: Path) -> None:
    # no calls: 100 agents x 40 days of 8 h shifts; 40 % of shifts start late by an
    # exponential time of mean 300 s; unscheduled pauses at 1 per hour available, mean
    # 300 s. Per shift: E[late] = 0.4 x 300 s; for an alternating process that starts
    # available (rates a = 1/3600, b = 1/300), E[paused in a span of T] = p (T - 1 / (a +
    # b)) with p = b' / (a' + b') = 300 / 3900, over T = 8 h - the lateness.
    days, n = 40, 100
    start = dt.datetime(2025, 1, 6, 8, tzinfo=dt.UTC)
    behaviour = Behaviour(
        late_login_share=0.4, late_login_mean_s=300.0, pause_rate_per_h=1.0, pause_mean_s=300.0
    )
    run = simulate(
        calls_per_interval=np.zeros(48 * days),
        interval_s=1800.0,
        agents_per_interval=0,
        aht_s=180.0,
        seed=11,
        team=_daily_team(n, days),
        behaviour=behaviour,
    )
    db = _load(tmp_path, to_queue_log(run, start=start, queue="q"))
    sched = tmp_path / "schedule.csv"
    sched.write_text(to_schedule_csv(run, start=start), encoding="utf-8")
    run_cli(["ingest", "--db", db, "--format", "schedule_csv", str(sched)])
    rows = _by_day(db, "late_login_s,not_ready_s")
    assert len(rows) == days
    late = np.array([r["late_login_s"] for r in rows]) / n
    paused = np.array([r["not_ready_s"] for r in rows]) / n
    _within_ci(late, 0.4 * 300.0)
    p = 300.0 / 3900.0
    settle = 1.0 / (1 / 3600 + 1 / 300)
    _within_ci(paused, p * (8 * 3600 - 0.4 * 300.0 - settle))


# --------------------------------------------------------------------------- refusals
def test_bad_team_inputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"s.csv:3: activity 'nap'"):
        read_schedule(
            "agent,activity,start,end\na,work,2025-01-06T08:00Z,2025-01-06T09:00Z\n"
            "a,nap,2025-01-06T09:00Z,2025-01-06T10:00Z\n",
            source="s.csv",
        )
    with pytest.raises(FormatError, match=r":2: end is before start"):
        read_schedule("agent,activity,start,end\na,work,2025-01-06T09:00Z,2025-01-06T08:00Z\n")
    with pytest.raises(FormatError, match="header must be"):
        read_schedule("who,activity,start,end\n")
    args = ["simulate", "--calls", "10", "--period", "30m", "--aht", "60", "--agents", "2"]
    bad = runner.invoke(app, [*args, "--pause-rate", "1"])
    assert bad.exit_code == 2
    assert "--pause-rate applies to a simulated team" in bad.stderr
    bad = runner.invoke(app, [*args, "--late-login-share", "1.5", "--queue-log", "x.log"])
    assert bad.exit_code == 2
    assert "--late-login-share must be in [0, 1]" in bad.stderr
    bad = runner.invoke(app, [*args, "--concurrency", "2", "--queue-log", str(tmp_path / "x")])
    assert bad.exit_code == 2
    assert "--concurrency" in bad.stderr
    roster = tmp_path / "r.csv"
    roster.write_text("agent,activity,start,end\na,work,2025-01-06T08:00Z,2025-01-06T09:00Z\n")
    bad = runner.invoke(
        app,
        [
            "simulate",
            "--calls",
            "10",
            "--period",
            "30m",
            "--aht",
            "60",
            "--agents",
            "2",
            "--schedule",
            str(roster),
        ],
    )
    assert bad.exit_code == 2
    assert "--agents comes from the schedule" in bad.stderr
    with pytest.raises(InputError, match="no agent of the team is available"):
        simulate(
            calls_per_interval=[50],
            interval_s=1800.0,
            agents_per_interval=0,
            aht_s=60.0,
            team=Team(("a",), (((0, 600, "work"), (600, 900, "break")),)),
        )


def test_same_seed_same_team_run() -> None:
    kw = {
        "calls_per_interval": [40, 40],
        "interval_s": 1800.0,
        "agents_per_interval": [3, 3],
        "aht_s": 120.0,
        "patience_s": 200.0,
        "team": team_from_staffing([3, 3], 1800),
        "behaviour": Behaviour(late_login_share=0.5, pause_rate_per_h=2.0),
    }
    a = simulate(seed=3, **kw)
    b = simulate(seed=3, **kw)
    assert a.changes == b.changes
    np.testing.assert_array_equal(a.wait_s, b.wait_s)


# --------------------------------------------------------------------------- invariants
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    calls=st.floats(0, 80),
    agents=st.lists(st.integers(0, 4), min_size=1, max_size=6),
    late=st.floats(0, 1),
    overrun=st.floats(0, 1),
    rate=st.floats(0, 6),
    patience=st.sampled_from([30.0, 300.0]),
)
def test_team_invariants(
    seed: int, calls: float, agents: list[int], late: float, overrun: float, rate: float,
    patience: float,
) -> None:  # fmt: skip
    # every agent's logged-in time is available + handling + not ready; nobody handles a
    # contact while paused or logged out; occupancy and adherence are in [0, 1]; every
    # answered contact is counted once
    schedules = []
    for i, n in enumerate(agents):
        rows = [(0, 1800 * (n + 1), "work")]
        rows.append((rows[-1][1], rows[-1][1] + 900, "break" if i % 2 else "lunch"))
        rows.append((rows[-1][1], rows[-1][1] + 3600, "work"))
        schedules.append(tuple(rows))
    team = Team(tuple(f"a{i}" for i in range(len(agents))), tuple(schedules))
    run = simulate(
        calls_per_interval=[calls] * 4,
        interval_s=1800.0,
        agents_per_interval=0,
        aht_s=120.0,
        patience_s=patience,
        seed=seed,
        team=team,
        behaviour=Behaviour(late_login_share=late, overrun_share=overrun, pause_rate_per_h=rate),
    )
    assert run.changes is not None
    starts = run.arrival_s + run.wait_s
    for k in np.flatnonzero(run.answered).tolist():
        changes = run.changes[int(run.agent[k])]
        before = [mode for t, mode in changes if t <= starts[k]]
        assert before, "a contact before the agent's first login"
        assert before[-1] == AVAILABLE
        assert not any(starts[k] < t < starts[k] + run.service_s[k] for t, _ in changes)
    rows = team_rows(run)
    assert sum(r["contacts_handled"] for r in rows) == int(run.answered.sum())
    for r in rows:
        assert r["available_s"] >= 0
        assert r["logged_in_s"] == r["available_s"] + r["handling_s"] + r["not_ready_s"]
        for key in ("occupancy", "adherence"):
            assert r[key] is None or 0.0 <= r[key] <= 1.0
