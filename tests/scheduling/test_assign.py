"""Named agents on the chosen shifts (``schedule --agents``): a hand-checked assignment,
contracted hours and availability respected, unassignable shifts reported, and the roster
loaded by ``ingest --format schedule_csv`` and measured by ``report``."""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from contactcenter.app.schedule import schedule
from contactcenter.cli.main import app
from contactcenter.errors import FormatError
from contactcenter.scheduling.assign import (
    AgentAvailability,
    Duty,
    assign,
    parse_agents,
)

runner = CliRunner()

# Monday 6 January 2025: a late shift on Monday, an early one on Tuesday and Wednesday
SHIFTS = {
    "interval": "1h",
    "templates": [
        {
            "name": "late",
            "start": {"earliest": "14:00", "latest": "14:00"},
            "length": "8h",
            "breaks": [{"length": "1h", "paid": "false", "earliest": "4h", "latest": "4h"}],
            "days": ["mon"],
        },
        {
            "name": "early",
            "start": {"earliest": "06:00", "latest": "06:00"},
            "length": "8h",
            "breaks": [
                {"length": "1h", "paid": "true", "earliest": "2h", "latest": "2h"},
                {"length": "1h", "paid": "false", "earliest": "4h", "latest": "4h"},
            ],
            "days": ["tue", "wed"],
        },
    ],
}


def _plan(hours: dict[str, list[int]]) -> pd.DataFrame:
    rows = []
    for day, span in hours.items():
        for h in span:
            rows.append({"interval_start": f"{day} {h:02d}:00:00", "queue": "q", "agents": 1})
    return pd.DataFrame(rows)


PLAN = _plan(
    {
        "2025-01-06": list(range(14, 22)),
        "2025-01-07": list(range(6, 14)),
        "2025-01-08": list(range(6, 14)),
    }
)

AGENTS = """agent,days,available_from,available_to,contracted_hours
Ana,mon-tue,,,40
Ben,mon,12:00,23:00,7
Cleo,wed,07:00,15:00,40
"""


def test_a_hand_checked_assignment(tmp_path: Path) -> None:
    # Shifts: Mon 14-22 (7 paid h), Tue 06-14 (7 paid h), Wed 06-14 (7 paid h).
    # Ana may work Mon and Tue, but not both: 8 h of rest between Mon 22:00 and Tue 06:00
    # is less than 11 h. Ben may work Monday 12-23 (7 h contract: exactly one shift).
    # Cleo's window 07:00-15:00 does not hold the Wednesday shift starting 06:00.
    # Greedy in time order would give Monday to Ana (more hours left) and leave Tuesday
    # empty; the optimum is Ben on Monday, Ana on Tuesday, Wednesday unassigned.
    agents = tmp_path / "agents.csv"
    agents.write_text(AGENTS, encoding="utf-8")
    roster = schedule(plan=PLAN, shifts=SHIFTS, agents=agents, time_limit="20s", workers=1)
    assert roster.assignment_summary() == {
        "assignment_status": "optimal",
        "assigned_shifts": 2,
        "unassigned_shifts": 1,
    }
    day = "2025-01-0"
    assert [tuple(r.values()) for r in roster.roster.to_pylist()] == [
        ("Ana", "work", f"{day}7T06:00:00", f"{day}7T08:00:00"),
        ("Ana", "break", f"{day}7T08:00:00", f"{day}7T09:00:00"),
        ("Ana", "work", f"{day}7T09:00:00", f"{day}7T10:00:00"),
        ("Ana", "lunch", f"{day}7T10:00:00", f"{day}7T11:00:00"),
        ("Ana", "work", f"{day}7T11:00:00", f"{day}7T14:00:00"),
        ("Ben", "work", f"{day}6T14:00:00", f"{day}6T18:00:00"),
        ("Ben", "lunch", f"{day}6T18:00:00", f"{day}6T19:00:00"),
        ("Ben", "work", f"{day}6T19:00:00", f"{day}6T22:00:00"),
    ]
    assert roster.unassigned.to_pylist() == [
        {
            "template": "early",
            "start": "2025-01-08T06:00:00",
            "end": "2025-01-08T14:00:00",
            "reason": "no agent is available on that day and time (days, window)",
        }
    ]
    hours = {(r["agent"], r["week"]): r["scheduled_hours"] for r in roster.agent_hours.to_pylist()}
    assert hours == {
        ("Ana", "2025-01-06"): 7.0,
        ("Ben", "2025-01-06"): 7.0,
        ("Cleo", "2025-01-06"): 0.0,
    }
    # with 8 h of rest allowed, Ana could work both days, but Ben's Monday is still the
    # one way to staff Monday and Tuesday with one shift each: the same assignment
    relaxed = schedule(plan=PLAN, shifts=SHIFTS, agents=agents, min_rest="8h", workers=1)
    assert relaxed.assignment_summary()["assigned_shifts"] == 2


def test_contract_reason_when_every_available_agent_is_full() -> None:
    day = pd.Timestamp("2025-01-06")  # a Monday
    duties = [
        Duty(i, "d", i * 86_400 + 8 * 3600, i * 86_400 + 16 * 3600, 8 * 3600, ()) for i in range(3)
    ]
    agents = [AgentAvailability("Ana", tuple(range(7)), 0, 86_400, 16 * 3600)]
    result = assign(duties, agents, day, time_limit_s=10)
    assert result.agent_of.count("Ana") == 2  # 16 contracted hours: two 8 h shifts
    (why,) = [r for r in result.reasons if r]
    assert why.startswith("every agent available then is at its contracted hours")


def _random_case(seed: int) -> tuple[list[Duty], list[AgentAvailability], pd.Timestamp]:
    rng = random.Random(seed)
    first = pd.Timestamp("2025-01-09")  # a Thursday: the roster crosses a week boundary
    duties = []
    for i in range(40):
        day = rng.randrange(10)
        start = day * 86_400 + rng.choice([6, 8, 10, 14, 18, 22]) * 3600
        length = rng.choice([4, 6, 8]) * 3600
        duties.append(Duty(i, "t", start, start + length, length - 1800, ()))
    agents = []
    for j in range(8):
        days = tuple(sorted(rng.sample(range(7), rng.randint(2, 6))))
        frm = rng.choice([0, 6, 7, 12, 20]) * 3600
        to = frm + rng.choice([8, 10, 12, 24]) * 3600
        agents.append(AgentAvailability(f"a{j}", days, frm, to, rng.choice([10, 20, 38]) * 3600))
    return duties, agents, first


@pytest.mark.parametrize("seed", range(6))
def test_contracted_hours_availability_and_rest_are_respected(seed: int) -> None:
    duties, agents, first = _random_case(seed)
    result = assign(duties, agents, first, min_rest_s=11 * 3600, time_limit_s=10)
    by_name = {a.name: a for a in agents}
    worked: dict[str, list[Duty]] = {}
    for duty, who in zip(duties, result.agent_of, strict=True):
        if who is None:
            continue
        agent = by_name[who]
        start = first + pd.Timedelta(seconds=duty.start)
        end = first + pd.Timedelta(seconds=duty.end)
        # independent check of the window: some day d (the start day or the one before)
        # among the agent's days whose window [d + from, d + to] holds the shift
        fits = False
        for back in (0, 1):
            d = start.normalize() - pd.Timedelta(days=back)
            lo = d + pd.Timedelta(seconds=agent.from_s)
            hi = d + pd.Timedelta(seconds=agent.to_s)
            fits |= d.weekday() in agent.days and lo <= start and end <= hi
        assert fits, (who, start, end)
        worked.setdefault(who, []).append(duty)
    for who, mine in worked.items():
        weeks: dict[object, int] = {}
        for duty in mine:
            start = first + pd.Timedelta(seconds=duty.start)
            monday = (start - pd.Timedelta(days=start.weekday())).normalize()
            weeks[monday] = weeks.get(monday, 0) + duty.paid_s
        assert max(weeks.values()) <= by_name[who].contracted_s
        mine.sort(key=lambda d: d.start)
        for a, b in itertools.pairwise(mine):
            assert b.start - a.end >= 11 * 3600
    # nothing silently dropped: every duty is assigned or has a reason
    assert all(
        (who is None) == (why is not None)
        for who, why in zip(result.agent_of, result.reasons, strict=True)
    )
    # and no unassigned duty could have been added as it stands (the solution is maximal)
    for duty, who in zip(duties, result.agent_of, strict=True):
        if who is not None:
            continue
        for agent in agents:
            mine = worked.get(agent.name, [])
            start = first + pd.Timedelta(seconds=duty.start)
            monday = (start - pd.Timedelta(days=start.weekday())).normalize()
            used = sum(
                d.paid_s
                for d in mine
                if (
                    first
                    + pd.Timedelta(seconds=d.start)
                    - pd.Timedelta(days=(first + pd.Timedelta(seconds=d.start)).weekday())
                ).normalize()
                == monday
            )
            rested = all(duty.start >= d.end + 39600 or d.start >= duty.end + 39600 for d in mine)
            ok_window = any(
                (
                    (first + pd.Timedelta(seconds=duty.start)).normalize() - pd.Timedelta(days=k)
                ).weekday()
                in agent.days
                and ((first + pd.Timedelta(seconds=duty.start)).normalize() - pd.Timedelta(days=k))
                + pd.Timedelta(seconds=agent.from_s)
                <= start
                and first + pd.Timedelta(seconds=duty.end)
                <= ((first + pd.Timedelta(seconds=duty.start)).normalize() - pd.Timedelta(days=k))
                + pd.Timedelta(seconds=agent.to_s)
                for k in (0, 1)
            )
            assert not (ok_window and rested and used + duty.paid_s <= agent.contracted_s)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("agent,hours\nAna,40\n", ":1: unknown column 'hours'"),
        ("agent,days\nAna,mon\n", "missing column 'contracted_hours'"),
        ("agent,contracted_hours\nAna,40\n,20\n", ":3: agent is empty"),
        ("agent,contracted_hours\nAna,40\nAna,20\n", ":3: agent 'Ana' is already on line 2"),
        ("agent,contracted_hours\nAna,forty\n", ":2: contracted_hours 'forty'"),
        ("agent,contracted_hours\n-Ana,40\n", ":2: agent '-Ana': a name starting with"),
        ("agent,contracted_hours\nAna,-1\n", ":2: contracted_hours '-1'"),
        ("agent,days,contracted_hours\nAna,mon-fry,40\n", ":2: days 'mon-fry'"),
        ("agent,available_from,available_to,contracted_hours\nAna,07:00,,40\n", ":2: give both"),
        (
            "agent,available_from,available_to,contracted_hours\nAna,7h,12:00,40\n",
            ":2: available_from '7h'",
        ),
        (
            "agent,available_from,available_to,contracted_hours\nAna,07:00,24:30,40\n",
            ":2: available_to '24:30'",
        ),
        ("agent,contracted_hours\nAna,40,x\n", ":2: 3 fields, the header has 2"),
        ("agent,contracted_hours\n", "no agent"),
        ("", "no header line"),
    ],
)
def test_bad_agents_files_name_the_line(text: str, fragment: str) -> None:
    with pytest.raises(FormatError) as err:
        parse_agents(text, source="agents.csv")
    assert fragment in str(err.value)
    assert err.value.field == "agents"


def test_agents_file_forms() -> None:
    (a, b, c) = parse_agents(
        "contracted_hours,agent,days,available_to,available_from\n"
        "40,Ana,mon-fri,19:00,07:00\n20,Ben,fri-mon,06:00,22:00\n10,Cleo,,24:00,00:00\n"
    )
    assert (a.days, a.from_s, a.to_s, a.contracted_s) == ((0, 1, 2, 3, 4), 25200, 68400, 144000)
    assert (b.days, b.from_s, b.to_s) == ((0, 4, 5, 6), 79200, 86400 + 21600)  # past midnight
    assert (c.days, c.from_s, c.to_s) == (tuple(range(7)), 0, 86400)
    assert a.line_no == 2
    assert c.line_no == 4


def test_roster_is_loaded_by_schedule_csv_and_measured(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    PLAN.to_csv(plan, index=False)
    shifts = tmp_path / "shifts.yaml"
    shifts.write_text(json.dumps(SHIFTS), encoding="utf-8")  # JSON is YAML
    agents = tmp_path / "agents.csv"
    agents.write_text(AGENTS, encoding="utf-8")
    roster = tmp_path / "roster.csv"
    result = runner.invoke(
        app,
        ["schedule", "--plan", str(plan), "--shifts", str(shifts), "--agents", str(agents),
         "--workers", "1", "--output", str(roster), "--format", "csv"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "unassigned: 1 shifts have no agent" in result.stderr
    rows = list(csv.DictReader(io.StringIO(roster.read_text(encoding="utf-8"))))
    assert [r["agent"] for r in rows] == ["Ana"] * 5 + ["Ben"] * 3
    # Ben works his Monday 5 minutes late and takes lunch 18:00-19:10; Ana keeps to hers
    log = tmp_path / "queue_log"

    def t(stamp: str) -> int:
        return int(pd.Timestamp(stamp, tz="UTC").timestamp())

    lines = [
        (t("2025-01-06 14:05"), "Ben", "ADDMEMBER", ""),
        (t("2025-01-06 18:00"), "Ben", "PAUSE", "lunch"),
        (t("2025-01-06 19:10"), "Ben", "UNPAUSE", ""),
        (t("2025-01-06 22:00"), "Ben", "REMOVEMEMBER", ""),
        (t("2025-01-07 06:00"), "Ana", "ADDMEMBER", ""),
        (t("2025-01-07 08:00"), "Ana", "PAUSE", "break"),
        (t("2025-01-07 09:00"), "Ana", "UNPAUSE", ""),
        (t("2025-01-07 10:00"), "Ana", "PAUSE", "lunch"),
        (t("2025-01-07 11:00"), "Ana", "UNPAUSE", ""),
        (t("2025-01-07 14:00"), "Ana", "REMOVEMEMBER", ""),
    ]
    log.write_text(
        "".join(f"{at}|NONE|q|{who}|{ev}|{data}\n" for at, who, ev, data in lines),
        encoding="utf-8",
    )
    db = str(tmp_path / "cc.duckdb")
    for fmt, path in (("schedule_csv", roster), ("queue_log", log)):
        done = runner.invoke(app, ["ingest", "--db", db, "--format", fmt, str(path)])
        assert done.exit_code == 0, done.output
    shown = runner.invoke(
        app,
        ["report", "--db", db, "--by", "agent", "--format", "json", "--metrics",
         "scheduled_s,scheduled_work_s,late_login_s,break_overrun_s,out_of_adherence_s,adherence"],
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    got = {r["agent"]: r for r in json.loads(shown.stdout)["rows"]}
    # scheduled time: the whole shifts (8 h each), work 7 h (Ben) and 6 h (Ana)
    assert got["Ben"]["scheduled_s"] == 8 * 3600
    assert got["Ben"]["scheduled_work_s"] == 7 * 3600
    assert got["Ana"]["scheduled_s"] == 8 * 3600
    assert got["Ana"]["scheduled_work_s"] == 6 * 3600
    assert got["Ben"]["late_login_s"] == 300
    assert got["Ben"]["break_overrun_s"] == 600
    assert got["Ben"]["out_of_adherence_s"] == 900
    assert got["Ben"]["adherence"] == pytest.approx(1 - 900 / 28800)
    assert got["Ana"]["out_of_adherence_s"] == 0
    assert got["Ana"]["adherence"] == 1.0
