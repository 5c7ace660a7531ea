"""Each agent's share of the availability lost (issue 11, section 5): a hand-computed
interval with two agents, the command and its formats, the scorecard's columns, and a
run on the real PBXware export (no schedules)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import contactcenter as cc
from contactcenter.cli.main import app
from contactcenter.errors import InputError
from contactcenter.staffing import erlang_a
from contactcenter.store import Store
from tests.conftest import contacts_table
from tests.sources.conftest import QUEUE_LOG_DIR, load, write

T0 = dt.datetime(2024, 3, 4, 9, tzinfo=dt.UTC)

# One half hour, 09:00-09:30 UTC: 10 calls, all answered within 5 s; ann answers 5 of
# 240 s, bob 5 of 120 s (AHT 180 s: A = 10 x 180 / 1800 = 1 Erlang), bob transfers 2.
# Both are scheduled to work the whole half hour; ann is available all of it, bob
# pauses (unscheduled) from 09:15: agents actually available n = (1800 + 900) / 1800.
STATES = """agent,state,start,end,reason
ann,available,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z,
bob,available,2024-03-04T09:00:00Z,2024-03-04T09:15:00Z,
bob,not_ready,2024-03-04T09:15:00Z,2024-03-04T09:30:00Z,Coffee
"""
SCHEDULE = """agent,activity,start,end
ann,work,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
bob,work,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z
"""


def _calls(extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(10):
        agent = "ann" if i < 5 else "bob"
        rows.append(
            {
                "contact_id": f"c{i}",
                "offered_at": T0 + dt.timedelta(minutes=2 * i),
                "outcome": "answered",
                "wait_s": 5.0,
                "agent_id": agent,
                "talk_s": 240.0 if agent == "ann" else 120.0,
                "transferred": i in (5, 6),
            }
        )
    return rows + (extra or [])


def _store(tmp_path: Path, calls: list[dict[str, Any]], *, schedule: bool = True) -> Path:
    path = tmp_path / "impact.duckdb"
    with Store(path) as store:
        with store.load(fmt="test", files=["calls"]) as session:
            session.account.read = session.account.used = len(calls)
            session.write("contacts", contacts_table(calls))
        load(store, "agent_states", write(tmp_path / "states.csv", STATES))
        if schedule:
            load(store, "schedule_csv", write(tmp_path / "schedule.csv", SCHEDULE))
    return path


def _erlang_c_sl(n: int, load_erl: float, aht: float, t: float = 20.0) -> float:
    """Erlang C's service level from its textbook form, independently of staffing/:
    C = (A^n/n! · n/(n−A)) / (Σ_{k<n} A^k/k! + A^n/n! · n/(n−A)); 0 when n <= A."""
    if n <= load_erl:
        return 0.0
    top = load_erl**n / math.factorial(n) * n / (n - load_erl)
    c = top / (sum(load_erl**k / math.factorial(k) for k in range(n)) + top)
    return 1 - c * math.exp(-(n - load_erl) * t / aht)


def _by_agent(path: Path, **kw: Any) -> dict[str, dict[str, Any]]:
    return {r["agent"]: r for r in cc.impact(path, period="day", **kw).to_pylist()}


def test_a_hand_computed_interval_erlang_c(tmp_path: Path) -> None:
    """No call abandoned: Erlang C. With 1 Erlang, SL(1 agent) = 0 (unstable) and
    SL(2 agents) = 1 − C(2, 1)·e^{−20/180} with C(2, 1) = 1/3 (the textbook value), so
    1.5 agents give half of it."""
    got = _by_agent(_store(tmp_path, _calls()))
    sl2 = 1 - math.exp(-20 / 180) / 3
    assert _erlang_c_sl(2, 1.0, 180) == pytest.approx(sl2)
    base = 0.5 * 0.0 + 0.5 * sl2
    ann, bob = got["ann"], got["bob"]
    for row in (ann, bob):
        assert row["day"] == "2024-03-04"
        assert row["queue_offered"] == 10
        assert row["queue_sl_observed"] == 1.0  # every wait 5 s <= 20 s
        assert row["queue_sl_model"] == pytest.approx(base)
        assert row["aht_team_median_s"] == 180.0  # median of 240 and 120
    # adherence: bob's 900 s away given back -> 2 agents
    assert bob["unscheduled_away_s"] == 900.0
    assert bob["sl_lost_adherence"] == pytest.approx(sl2 - base)
    assert ann["unscheduled_away_s"] == 0.0
    assert ann["sl_lost_adherence"] == 0.0
    # AHT: ann's 60 s above the median on 5 of 10 answered -> AHT 150 s, A = 0.8333
    assert ann["aht_s"] == 240.0
    assert ann["aht_excess_s"] == 60.0
    a = 10 * 150 / 1800
    faster = 0.5 * _erlang_c_sl(1, a, 150) + 0.5 * _erlang_c_sl(2, a, 150)
    assert ann["sl_lost_aht"] == pytest.approx(faster - base)
    assert bob["aht_excess_s"] == 0.0
    assert bob["sl_lost_aht"] == 0.0
    # transfers: bob's 2 -> 8 calls, A = 0.8
    assert bob["transferred"] == 2
    fewer = 0.5 * _erlang_c_sl(1, 0.8, 180) + 0.5 * _erlang_c_sl(2, 0.8, 180)
    assert bob["sl_lost_transfers"] == pytest.approx(fewer - base)
    assert ann["transferred"] == 0
    assert ann["sl_lost_transfers"] == 0.0


def test_erlang_a_against_staffings_own_function(tmp_path: Path) -> None:
    """Two more calls, abandoned after 30 s and 50 s: patience = total wait / abandoned =
    (10 x 5 + 30 + 50) / 2 = 65 s; 12 calls, AHT still 180 s (answered ones)."""
    lost = [
        {"contact_id": f"x{i}", "offered_at": T0 + dt.timedelta(minutes=3 + i),
         "outcome": "abandoned", "wait_s": w}
        for i, w in enumerate((30.0, 50.0))
    ]  # fmt: skip
    table = cc.impact(_store(tmp_path, _calls(lost)), period="day")
    got = {r["agent"]: r for r in table.to_pylist()}
    meta = json.loads(table.schema.metadata[b"contactcenter"])
    assert meta["parameters"]["patience_s"] == pytest.approx(65.0)
    assert meta["parameters"]["model"] == "erlang_a"

    def sl(n: int, calls: float = 12, aht: float = 180) -> float:
        return float(
            erlang_a(
                agents=n, load_erl=calls * aht / 1800, aht_s=aht, patience_s=65, threshold_s=20
            ).service_level
        )

    base = 0.5 * sl(1) + 0.5 * sl(2)
    assert got["bob"]["queue_sl_model"] == pytest.approx(base)
    assert got["bob"]["queue_sl_observed"] == pytest.approx(10 / 12)
    assert got["bob"]["sl_lost_adherence"] == pytest.approx(sl(2) - base)
    assert got["bob"]["sl_lost_transfers"] == pytest.approx(
        0.5 * sl(1, 10) + 0.5 * sl(2, 10) - base
    )
    # ann: 5 of 10 answered, 60 s above the median -> AHT 150 s
    faster = 0.5 * sl(1, aht=150) + 0.5 * sl(2, aht=150)
    assert got["ann"]["sl_lost_aht"] == pytest.approx(faster - base)


def test_without_a_schedule_the_adherence_loss_is_empty(tmp_path: Path) -> None:
    got = _by_agent(_store(tmp_path, _calls(), schedule=False))
    assert got["bob"]["sl_lost_adherence"] is None
    assert got["bob"]["unscheduled_away_s"] is None
    assert got["bob"]["sl_lost_transfers"] > 0  # the other causes are still computed
    assert got["ann"]["sl_lost_aht"] > 0


def test_the_command_and_its_formats(tmp_path: Path) -> None:
    db = _store(tmp_path, _calls())
    runner = CliRunner()
    result = runner.invoke(
        app, ["impact", "--db", str(db), "--by", "agent", "--period", "month", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:3] == ["agent", "month", "queue_offered"]
    assert [(r["agent"], r["month"]) for r in rows] == [("ann", "2024-03"), ("bob", "2024-03")]
    assert float(rows[1]["sl_lost_adherence"]) > 0
    as_json = runner.invoke(app, ["impact", "--db", str(db), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    assert doc["parameters"]["period"] == "month"
    assert any("Erlang C" in n for n in doc["notes"])
    table = runner.invoke(app, ["impact", "--db", str(db), "--period", "all"])
    assert table.exit_code == 0, table.output
    assert "sl_lost_adherence" in table.stdout
    assert "100.0%" in table.stdout  # queue_sl_observed, a fraction, as a percentage
    every = json.loads(
        runner.invoke(
            app, ["impact", "--db", str(db), "--period", "all", "--format", "json"]
        ).stdout
    )
    assert every["parameters"]["period"] == "all"
    assert [sorted(r)[:2] for r in every["rows"]] == [["agent", "aht_excess_s"]] * 2
    bad = runner.invoke(app, ["impact", "--db", str(db), "--by", "queue"])
    assert bad.exit_code == 2
    assert "--by must be agent" in bad.stderr
    bad = runner.invoke(app, ["impact", "--db", str(db), "--period", "hour"])
    assert bad.exit_code == 2
    assert "--period must be one of" in bad.stderr
    bad = runner.invoke(app, ["impact", "--db", str(db), "--interval", "10m"])
    assert bad.exit_code == 2
    assert "--interval must be a multiple of 15 minutes" in bad.stderr


def test_a_store_without_agent_states_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calls.duckdb"
    with Store(path) as store, store.load(fmt="test", files=["calls"]) as session:
        session.account.read = session.account.used = 10
        session.write("contacts", contacts_table(_calls()))
    with pytest.raises(InputError, match="no agent states"):
        cc.impact(path)


def _pbx_calls() -> dict[tuple[str, str], dict[str, Any]]:
    """Independently of the loader, from the PBXware rows: per (callid, queue) the UTC day
    it entered the queue, how it ended (CONNECT, ABANDON, EXITWITHTIMEOUT) and its wait
    (PBXware puts the wait in ``htime`` on those lines, SOURCE.md)."""
    calls: dict[tuple[str, str], dict[str, Any]] = {}
    with (QUEUE_LOG_DIR / "pbxware_queue_log.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            key = (r["callid"], r["queue_name"])
            if r["event"] == "ENTERQUEUE":
                day = dt.datetime.fromtimestamp(int(r["date_time"]), dt.UTC).date()
                calls[key] = {"day": day.isoformat(), "end": None}
            elif r["event"] in ("CONNECT", "ABANDON", "EXITWITHTIMEOUT") and key in calls:
                calls[key].update(end=r["event"], wait=float(r["htime"]))
    return {k: v for k, v in calls.items() if v["end"] is not None}


def test_the_real_pbxware_export_without_schedules(shared_data: Path, tmp_path: Path) -> None:
    """PBXware's export has agent events but no schedule: the adherence loss is empty for
    every agent, the AHT and transfer losses are computed; the observed service level per
    day and the fitted patience equal an independent count from the raw rows."""
    db = tmp_path / "pbx.duckdb"
    with Store(db) as store:
        load(store, "queue_log_csv", QUEUE_LOG_DIR / "pbxware_queue_log.csv")
    table = cc.impact(db, period="day")
    rows = table.to_pylist()
    calls = _pbx_calls()
    assert len(calls) == 106  # SOURCE.md: 93 connected, 12 abandoned, 1 timed out
    for row in rows:
        day = [c for c in calls.values() if c["day"] == row["day"]]
        within = sum(1 for c in day if c["end"] == "CONNECT" and c["wait"] <= 20)
        assert row["queue_offered"] == len(day)
        assert row["queue_sl_observed"] == pytest.approx(within / len(day))
        assert row["sl_lost_adherence"] is None
        assert row["unscheduled_away_s"] is None
        for name in ("sl_lost_aht", "sl_lost_transfers"):
            assert 0 <= row[name] <= 1
    meta = json.loads(table.schema.metadata[b"contactcenter"])
    abandoned = sum(1 for c in calls.values() if c["end"] == "ABANDON")
    patience = sum(c["wait"] for c in calls.values()) / abandoned
    assert meta["parameters"]["patience_s"] == pytest.approx(patience)
    # the transfers: the two calls Agent/1128 transferred (BLINDTRANSFER, ATTENDEDTRANSFER)
    moved = {r["agent"]: 0 for r in rows}
    for r in rows:
        moved[r["agent"]] += r["transferred"]
    assert {a: n for a, n in moved.items() if n} == {"Agent/1128": 2}
    assert all((r["sl_lost_transfers"] > 0) == (r["transferred"] > 0) for r in rows), (
        "a transfer costs points, and only a transfer does"
    )
    # an agent at or below the day's median AHT loses nothing to handle time
    for r in rows:
        if r["aht_excess_s"] == 0:
            assert r["sl_lost_aht"] == 0.0


def test_the_scorecard_shows_the_same_columns(tmp_path: Path) -> None:
    """``report --by agent,day --impact``: the impact command's figures, joined on agent
    and day, beside the report's own metrics and ranking (one computation, app layer)."""
    db = _store(tmp_path, _calls())
    alone = {r["agent"]: r for r in cc.impact(db, period="day").to_pylist()}
    card = cc.report(
        db, by="agent,day", metrics="aht_s,transferred", sort="aht_s", impact=True
    ).to_pylist()
    assert [r["agent"] for r in card] == ["bob", "ann"]  # ranked by AHT: 120, 240
    for row in card:
        for name in ("queue_sl_model", "sl_lost_adherence", "sl_lost_aht", "sl_lost_transfers"):
            assert row[name] == alone[row["agent"]][name], name
        assert row["transferred"] == alone[row["agent"]]["transferred"]
    result = CliRunner().invoke(
        app, ["report", "--db", str(db), "--by", "agent,month", "--impact", "--format", "csv",
              "--metrics", "contacts_handled"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split(",")
    assert header[:3] == ["agent", "month", "contacts_handled"]
    assert header[-3:] == ["sl_lost_adherence", "sl_lost_aht", "sl_lost_transfers"]
    bad = CliRunner().invoke(app, ["report", "--db", str(db), "--by", "queue", "--impact"])
    assert bad.exit_code == 2
    assert "--impact needs agent" in bad.stderr


def test_an_absent_agent_and_the_pool_of_a_queue(tmp_path: Path) -> None:
    """cyd is scheduled for the half hour and never logs in: the whole 1,800 s is given
    back (1.5 -> 2.5 agents). With --queue q1 the pool is q1's members (ann and bob, who
    are members of q1 in the states file): cyd is not in it."""
    states = STATES.replace("agent,state,start,end,reason", "agent,state,start,end,reason,queue")
    states = "\n".join(
        line + (",q1" if i else "") for i, line in enumerate(states.strip().splitlines())
    )
    schedule = SCHEDULE + "cyd,work,2024-03-04T09:00:00Z,2024-03-04T09:30:00Z\n"
    path = tmp_path / "absent.duckdb"
    with Store(path) as store:
        with store.load(fmt="test", files=["calls"]) as session:
            session.account.read = session.account.used = 10
            session.write("contacts", contacts_table(_calls()))
        load(store, "agent_states", write(tmp_path / "states.csv", states + "\n"))
        load(store, "schedule_csv", write(tmp_path / "schedule.csv", schedule))
    got = _by_agent(path)
    sl2 = 1 - math.exp(-20 / 180) / 3
    base = 0.5 * sl2
    # 2.5 agents: half of SL(2) and SL(3) with 1 Erlang
    sl3 = _erlang_c_sl(3, 1.0, 180)
    assert got["cyd"]["unscheduled_away_s"] == 1800.0
    assert got["cyd"]["sl_lost_adherence"] == pytest.approx(0.5 * sl2 + 0.5 * sl3 - base)
    assert got["cyd"]["aht_s"] is None
    assert got["cyd"]["sl_lost_aht"] == 0.0
    pool = _by_agent(path, queues="q1")
    assert set(pool) == {"ann", "bob"}
    assert pool["bob"]["sl_lost_adherence"] == pytest.approx(got["bob"]["sl_lost_adherence"])
