"""Agent states derived from queue_log agent events and contacts (issue 11, section 1),
and the agent metrics over them (section 3), on hand-computed days."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import contactcenter as cc
from contactcenter.errors import ConfigError, InputError
from contactcenter.sources._agent_sessions import Contact, Event, cut, derive
from contactcenter.store import Store
from tests.sources.conftest import load, snapshot, write

DAY = 1709510400  # 2024-03-04 00:00:00 UTC


def at(hhmm: str) -> int:
    """Epoch seconds of HH:MM[:SS] on DAY."""
    parts = [int(p) for p in hhmm.split(":")]
    h, m, s = ([*parts, 0])[:3]
    return DAY + h * 3600 + m * 60 + s


def us(hhmm: str) -> int:
    return at(hhmm) * 1_000_000


def ql(hhmm: str, callid: str, queue: str, agent: str, event: str, *data: object) -> str:
    return "|".join([str(at(hhmm)), callid, queue, agent, event, *(str(d) for d in data)])


# The hand-computed day of Agent/1 (queue sales), 08:00 to 13:00 UTC:
#   login and join sales 08:00; call c1 08:10:00-08:16:00 (360 s); call c2 08:50-09:05
#   (900 s, across 09:00); PAUSEALL Lunch 12:00, UNPAUSEALL 12:40 (2,400 s); a PAUSE in
#   sales with reason Coaching 10:00 that the agent is on call c3 during (10:00-10:05,
#   300 s, handling wins), UNPAUSE 10:15 (so 600 s not_ready Coaching); logoff 13:00.
#   logged in 18,000 s; handling 360 + 900 + 300 = 1,560 s; not_ready 2,400 + 600 =
#   3,000 s; available 18,000 - 1,560 - 3,000 = 13,440 s.
DAY_LOG = [
    ql("08:00", "NONE", "NONE", "Agent/1", "AGENTLOGIN", "SIP/1"),
    ql("08:00", "NONE", "sales", "Agent/1", "ADDMEMBER", ""),
    ql("08:09:50", "c1", "sales", "NONE", "ENTERQUEUE", "", "5550101", "1"),
    ql("08:10", "c1", "sales", "Agent/1", "CONNECT", "10", "c1b", "2"),
    ql("08:16", "c1", "sales", "Agent/1", "COMPLETECALLER", "10", "360", "1"),
    ql("08:49:30", "c2", "sales", "NONE", "ENTERQUEUE", "", "5550102", "1"),
    ql("08:50", "c2", "sales", "Agent/1", "CONNECT", "30", "c2b", "2"),
    ql("09:05", "c2", "sales", "Agent/1", "COMPLETEAGENT", "30", "900", "1"),
    ql("09:59:55", "c3", "sales", "NONE", "ENTERQUEUE", "", "5550103", "1"),
    ql("10:00", "c3", "sales", "Agent/1", "CONNECT", "5", "c3b", "2"),
    ql("10:00", "NONE", "sales", "Agent/1", "PAUSE", "Coaching"),
    ql("10:05", "c3", "sales", "Agent/1", "COMPLETEAGENT", "5", "300", "1"),
    ql("10:15", "NONE", "sales", "Agent/1", "UNPAUSE", ""),
    ql("12:00", "NONE", "NONE", "Agent/1", "PAUSEALL", "Lunch"),
    ql("12:40", "NONE", "NONE", "Agent/1", "UNPAUSEALL", ""),
    ql("13:00", "NONE", "sales", "Agent/1", "REMOVEMEMBER", ""),
    ql("13:00", "NONE", "NONE", "Agent/1", "AGENTLOGOFF", "SIP/1", "18000"),
]


def _write_day(tmp_path: Path, lines: list[str], name: str = "queue_log") -> Path:
    return write(tmp_path / name, "\n".join(lines) + "\n")


def _report(db: Path, by: str, metrics: str, **kw: Any) -> list[dict[str, Any]]:
    table = cc.report(db, by=by, metrics=metrics, **kw)
    return [dict(row.items()) for row in table.to_pylist()]


AGENT_METRICS = (
    "logged_in_s,available_s,handling_s,acw_time_s,not_ready_s,contacts_handled,"
    "contacts_per_hour,occupancy,utilization"
)


def test_a_hand_computed_day_by_agent(store: Store, tmp_path: Path) -> None:
    load(store, "queue_log", _write_day(tmp_path, DAY_LOG))
    (row,) = _report(store.path, "agent", AGENT_METRICS)
    assert row["agent"] == "Agent/1"
    assert row["logged_in_s"] == 18_000
    assert row["handling_s"] == 1_560
    assert row["not_ready_s"] == 3_000
    assert row["available_s"] == 13_440
    assert row["acw_time_s"] == 0
    assert row["contacts_handled"] == 3
    assert row["contacts_per_hour"] == pytest.approx(3 / 5)
    assert row["occupancy"] == pytest.approx(1_560 / (1_560 + 13_440))
    assert row["utilization"] == pytest.approx(1_560 / 18_000)


def test_states_split_at_interval_boundaries(store: Store, tmp_path: Path) -> None:
    load(store, "queue_log", _write_day(tmp_path, DAY_LOG))
    rows = _report(
        store.path, "interval", "logged_in_s,handling_s,available_s", end="2024-03-04 09:30"
    )
    got = {r["interval_start"]: (r["logged_in_s"], r["handling_s"], r["available_s"]) for r in rows}
    assert got == {
        "2024-03-04 08:00:00": (1800, 360, 1440),
        "2024-03-04 08:30:00": (1800, 600, 1200),  # c2 from 08:50
        "2024-03-04 09:00:00": (1800, 300, 1500),  # c2 until 09:05
    }
    # and per hour (a multiple of 15 minutes) they add up the same
    hourly = _report(store.path, "interval", "logged_in_s", interval="1h")
    assert sum(r["logged_in_s"] for r in hourly) == 18_000
    assert all(r["logged_in_s"] == 3600 for r in hourly)


def test_not_ready_by_reason_and_by_queue(store: Store, tmp_path: Path) -> None:
    load(store, "queue_log", _write_day(tmp_path, DAY_LOG))
    rows = _report(store.path, "agent,reason", "not_ready_s")
    got = {r["reason"]: r["not_ready_s"] for r in rows if r["not_ready_s"]}
    assert got == {"Lunch": 2400, "Coaching": 600}
    # the queue's time line: a member of sales the whole session, paused there by both
    (q,) = _report(store.path, "queue", "logged_in_s,handling_s,not_ready_s,occupancy")
    assert (q["queue"], q["logged_in_s"], q["handling_s"], q["not_ready_s"]) == (
        "sales",
        18_000,
        1_560,
        3_000,
    )


def test_an_interval_finer_than_the_grain_is_refused(store: Store, tmp_path: Path) -> None:
    load(store, "queue_log", _write_day(tmp_path, DAY_LOG))
    with pytest.raises(InputError, match="multiple of 900"):
        cc.report(store.path, by="interval", metrics="logged_in_s", interval="10m")


def test_agent_metrics_are_not_in_the_default_report(store: Store, tmp_path: Path) -> None:
    load(store, "queue_log", _write_day(tmp_path, DAY_LOG))
    table = cc.report(store.path, by="agent")
    assert "logged_in_s" not in table.column_names
    assert "answered" in table.column_names


def test_an_open_session_stays_open_until_a_later_load(store: Store, tmp_path: Path) -> None:
    first, second = DAY_LOG[:-2], DAY_LOG[-2:]
    report = load(store, "queue_log", _write_day(tmp_path, first, "a"))
    assert any("still open at the end of the data" in n for n in report.notes)
    open_rows = store.con.execute(
        "SELECT scope, state, epoch(start_at) FROM agent_states WHERE end_at IS NULL ORDER BY scope"
    ).fetchall()
    assert open_rows == [("agent", "available", at("12:40")), ("queue", "available", at("12:40"))]
    (row,) = _report(store.path, "agent", "logged_in_s")
    assert row["logged_in_s"] == at("12:40") - at("08:00")  # the open state counts nothing
    load(store, "queue_log", _write_day(tmp_path, second, "b"))
    (row,) = _report(store.path, "agent", "logged_in_s,available_s")
    assert (row["logged_in_s"], row["available_s"]) == (18_000, 13_440)
    closed = store.con.execute("SELECT count(*) FROM agent_states WHERE end_at IS NULL").fetchone()
    assert closed == (0,)


def test_two_loads_give_the_store_of_one(tmp_path: Path) -> None:
    with Store(tmp_path / "one.duckdb") as one:
        load(one, "queue_log", _write_day(tmp_path, DAY_LOG))
        expected = snapshot(one)[2]
    # the second half first: states are derived again from all stored events each time
    with Store(tmp_path / "two.duckdb") as two:
        load(two, "queue_log", _write_day(tmp_path, DAY_LOG[9:], "late"))
        load(two, "queue_log", _write_day(tmp_path, DAY_LOG[:9], "early"))
        assert snapshot(two)[2] == expected
        before = snapshot(two)
        again = load(two, "queue_log", _write_day(tmp_path, DAY_LOG, "all"))
        assert snapshot(two) == before
        assert "agent_states" not in again.tables


def test_odd_sequences_are_kept_and_named(store: Store, tmp_path: Path) -> None:
    lines = [
        ql("07:00", "NONE", "NONE", "Agent/2", "AGENTLOGOFF", "SIP/2", "0"),
        ql("08:00", "NONE", "NONE", "Agent/2", "AGENTLOGIN", "SIP/2"),
        ql("08:30", "NONE", "NONE", "Agent/2", "AGENTLOGIN", "SIP/2"),
        ql("09:00", "NONE", "NONE", "Agent/2", "AGENTLOGOFF", "SIP/2", "3600"),
    ]
    report = load(store, "queue_log", _write_day(tmp_path, lines))
    notes = "\n".join(report.notes)
    assert "1 times a logout with no session open (nothing to end): Agent/2" in notes
    assert "1 times a login while already logged in (the session goes on): Agent/2" in notes
    (row,) = _report(store.path, "agent", "logged_in_s,available_s")
    assert (row["logged_in_s"], row["available_s"]) == (3600, 3600)


def test_pbxware_callback_member_is_its_agent(store: Store, tmp_path: Path) -> None:
    lines = [
        ql("08:00", "x1", "IT", "Local/1127@callback-agent", "ADDMEMBER", ""),
        ql("08:00", "x1", "NONE", "Agent/1127", "AGENTCALLBACKLOGIN", "hint:1127@default"),
        ql("09:00", "x2", "IT", "Local/1127@callback-agent", "REMOVEMEMBER", ""),
        ql("09:00", "x2", "NONE", "Agent/1127", "AGENTCALLBACKLOGOFF", "hint", "3600"),
    ]
    load(store, "queue_log", _write_day(tmp_path, lines))
    agents = store.con.execute("SELECT DISTINCT agent_id FROM agent_states").fetchall()
    assert agents == [("Agent/1127",)]
    (q,) = _report(store.path, "queue", "logged_in_s")
    assert (q["queue"], q["logged_in_s"]) == ("IT", 3600)


# ----------------------------------------------------------------------------- derive()
def test_derive_acw_follows_a_contact_and_is_cut_by_the_next() -> None:
    events = [Event(us("08:00"), "login"), Event(us("09:00"), "logout")]
    contacts = [
        Contact(us("08:10"), us("08:20"), acw_s=120.0),  # acw 08:20-08:22
        Contact(us("08:30"), us("08:40"), acw_s=600.0),  # acw cut at 08:45 by the next
        Contact(us("08:45"), us("08:50"), acw_s=None),
    ]
    d = derive(events, contacts)
    totals: dict[str, int] = {}
    for scope, _, state, _, start, end in d.rows:
        assert scope == "agent"
        assert end is not None
        totals[state] = totals.get(state, 0) + (end - start) // 1_000_000
    assert totals == {"handling": 600 + 600 + 300, "acw": 120 + 300, "available": 3600 - 1920}


def test_derive_contact_without_session_counts_and_is_named() -> None:
    d = derive([Event(us("10:00"), "pause", None, "Break")], [Contact(us("08:00"), us("08:05"))])
    assert d.odd["contact_logged_out"] == 1
    assert [(r[2], r[4], r[5]) for r in d.rows] == [("handling", us("08:00"), us("08:05"))]


def test_cut_at_the_grain() -> None:
    assert cut(100, 2000, 900) == [(100, 900), (900, 1800), (1800, 2000)]
    assert cut(900, 1800, 900) == [(900, 1800)]
    assert cut(5, 5, 900) == []


PAUSES = [
    ql("08:00", "NONE", "NONE", "Agent/3", "AGENTLOGIN", "SIP/3"),
    ql("09:00", "NONE", "NONE", "Agent/3", "PAUSEALL", "2609"),
    ql("09:10", "NONE", "NONE", "Agent/3", "UNPAUSEALL", ""),
    ql("12:00", "NONE", "NONE", "Agent/3", "PAUSEALL", "2610"),
    ql("12:30", "NONE", "NONE", "Agent/3", "UNPAUSEALL", ""),
    ql("13:00", "NONE", "NONE", "Agent/3", "PAUSEALL", "9999"),
    ql("13:05", "NONE", "NONE", "Agent/3", "UNPAUSEALL", ""),
    ql("14:00", "NONE", "NONE", "Agent/3", "AGENTLOGOFF", "SIP/3", "21600"),
]


def _reasons(db: Path) -> dict[str, float]:
    rows = _report(db, "reason", "not_ready_s")
    return {r["reason"]: r["not_ready_s"] for r in rows if r["not_ready_s"]}


def test_pause_reason_codes_are_named(store: Store, tmp_path: Path, real_data: Path) -> None:
    reasons = real_data / "asterisk-queue-log" / "pbxware_pause_reasons.csv"
    log = _write_day(tmp_path, PAUSES)
    load(store, "queue_log", log)
    assert _reasons(store.path) == {"2609": 600, "2610": 1800, "9999": 300}
    # given later: the agents with those codes are derived again, with the names
    report = load(store, "queue_log", log, pause_reasons=reasons)
    assert "pause reasons: 3 codes named from pbxware_pause_reasons.csv" in report.notes
    assert _reasons(store.path) == {"Tea Break": 600, "Lunch": 1800, "9999": 300}
    stored = store.con.execute("SELECT DISTINCT reason FROM agent_events ORDER BY 1").fetchall()
    assert stored == [("2609",), ("2610",), ("9999",), (None,)]  # events keep the codes


def test_pause_reasons_only_for_the_queue_log_formats(store: Store, tmp_path: Path) -> None:
    reasons = write(tmp_path / "r.csv", "code,name\n1,Break\n")
    with pytest.raises(InputError, match="pause_reasons does not apply to format agent_states"):
        load(
            store,
            "agent_states",
            write(tmp_path / "s.csv", "agent,state,start,end\n"),
            pause_reasons=reasons,
        )
    bad = write(tmp_path / "bad.csv", "id,label\n1,Break\n")
    with pytest.raises(ConfigError, match="needs the columns code and name"):
        load(store, "queue_log", _write_day(tmp_path, PAUSES), pause_reasons=bad)


def test_the_cli_reports_by_reason_and_refuses_a_bad_tolerance(
    store: Store, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from contactcenter.cli.main import app

    load(store, "queue_log", _write_day(tmp_path, DAY_LOG))
    runner = CliRunner()
    ok = runner.invoke(
        app,
        ["report", "--db", str(store.path), "--by", "agent,reason", "--metrics",
         "not_ready_s", "--format", "csv"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.splitlines() == [
        "agent,reason,not_ready_s",
        "Agent/1,Coaching,600.0",
        "Agent/1,Lunch,2400.0",
        "Agent/1,,0.0",
    ]
    bad = runner.invoke(
        app, ["report", "--db", str(store.path), "--metrics", "adherence", "--tolerance", "x"]
    )
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: --tolerance: cannot read 'x' as a duration")
