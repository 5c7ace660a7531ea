"""Live state per queue (issue 13, section 3) on hand-made queue_log days, read as of an
instant: waiting and the longest wait, agents by state, today's figures in the queue's
zone, the current interval's service level; today's figures equal the report's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import contactcenter as cc
from contactcenter.app.live import live
from contactcenter.errors import ConfigError
from contactcenter.live.config import LiveConfig
from contactcenter.live.state import LiveState, QueueNow

DAY = 1709510400  # 2024-03-04 00:00:00 UTC, a Monday
ROOT = Path(__file__).resolve().parents[2]
TECHNION = ROOT / "data" / "sample" / "technion_1999-01-sample.txt"


def at(hhmm: str, day: int = DAY) -> int:
    """Epoch seconds of HH:MM[:SS] on ``day``."""
    parts = [int(p) for p in hhmm.split(":")]
    h, m, s = ([*parts, 0])[:3]
    return day + h * 3600 + m * 60 + s


def ql(hhmm: str, callid: str, queue: str, agent: str, event: str, *data: object) -> str:
    return "|".join([str(at(hhmm)), callid, queue, agent, event, *(str(d) for d in data)])


# 10:00-10:30 in sales (T 20 s, S 5 s):
#   c1 enters 10:00:00, answered 10:00:15 (wait 15, within T) by Agent/1, ends 10:05:15
#   c2 enters 10:01:00, abandons 10:01:03 (wait 3: a short abandon)
#   c3 enters 10:02:00, answered 10:02:40 (wait 40, outside T) by Agent/2, ends 10:06:40
#   c4 enters 10:20:00, still waiting
#   c5 enters 10:25:00, still waiting
# agents: Agent/1 and Agent/2 and Agent/3 join sales at 09:00; Agent/3 pauses (Lunch)
# at 10:10; Agent/2 leaves sales at 10:15 (logged out then); Agent/1 is on c1 until
# 10:05:15, then available.
LOG = [
    ql("09:00", "NONE", "sales", "Agent/1", "ADDMEMBER", ""),
    ql("09:00", "NONE", "sales", "Agent/2", "ADDMEMBER", ""),
    ql("09:00", "NONE", "sales", "Agent/3", "ADDMEMBER", ""),
    ql("10:00", "c1", "sales", "NONE", "ENTERQUEUE", "", "5550101", "1"),
    ql("10:00:15", "c1", "sales", "Agent/1", "CONNECT", "15", "c1b", "2"),
    ql("10:01", "c2", "sales", "NONE", "ENTERQUEUE", "", "5550102", "1"),
    ql("10:01:03", "c2", "sales", "NONE", "ABANDON", "1", "1", "3"),
    ql("10:02", "c3", "sales", "NONE", "ENTERQUEUE", "", "5550103", "1"),
    ql("10:02:40", "c3", "sales", "Agent/2", "CONNECT", "40", "c3b", "2"),
    ql("10:05:15", "c1", "sales", "Agent/1", "COMPLETECALLER", "15", "300", "1"),
    ql("10:06:40", "c3", "sales", "Agent/2", "COMPLETEAGENT", "40", "240", "1"),
    ql("10:10", "NONE", "sales", "Agent/3", "PAUSE", "Lunch"),
    ql("10:15", "NONE", "sales", "Agent/2", "REMOVEMEMBER", ""),
    ql("10:20", "c4", "sales", "NONE", "ENTERQUEUE", "", "5550104", "1"),
    ql("10:25", "c5", "sales", "NONE", "ENTERQUEUE", "", "5550105", "1"),
]


@pytest.fixture
def day_db(tmp_path: Path) -> Path:
    log = tmp_path / "queue_log"
    log.write_text("\n".join(LOG) + "\n")
    db = tmp_path / "cc.duckdb"
    cc.ingest(db, log, format="queue_log")
    return db


def queue(state: LiveState, name: str) -> QueueNow:
    (found,) = [q for q in state.queues if q.queue == name]
    return found


def test_waiting_longest_wait_and_today_by_hand(day_db: Path) -> None:
    state = live(day_db, now=at("10:26:30"))
    q = queue(state, "sales")
    # c4 and c5 wait; c4 since 10:20:00: 390 s
    assert (q.waiting, q.longest_wait_s) == (2, 390.0)
    # offered c1, c2, c3; answered c1, c3; abandoned c2
    assert (q.offered, q.answered, q.abandoned) == (3, 2, 1)
    # within T: c1; counted: 3 offered - 1 short abandon = 2
    assert (q.answered_in_threshold, q.counted, q.service_level) == (1, 2, 0.5)
    assert q.asa_s == pytest.approx((15 + 40) / 2)
    assert q.aht_s == pytest.approx((300 + 240) / 2)
    assert (q.day, q.tz, q.interval_start) == ("2024-03-04", "UTC", "2024-03-04 10:00:00")
    assert q.interval_service_level == 0.5


def test_as_of_an_earlier_instant_a_contact_answered_later_is_waiting(day_db: Path) -> None:
    q = queue(live(day_db, now=at("10:02:30")), "sales")
    # c1 answered, c2 abandoned; c3 (entered 10:02:00, answered 10:02:40) waits 30 s
    assert (q.waiting, q.longest_wait_s) == (1, 30.0)
    assert (q.offered, q.answered, q.abandoned) == (2, 1, 1)
    # c1 is still talking at 10:02:30: no handle time known yet
    assert q.aht_s is None


def test_agents_by_state_by_hand(day_db: Path) -> None:
    state = live(day_db, now=at("10:03"))
    counts = queue(state, "sales").agents
    assert counts is not None
    # Agent/1 on c1, Agent/2 on c3, Agent/3 available; none logged out yet
    assert (counts.available, counts.on_contact, counts.paused, counts.logged_out) == (1, 2, {}, 0)
    state = live(day_db, now=at("10:26:30"))
    counts = queue(state, "sales").agents
    assert counts is not None
    # Agent/1 available; Agent/3 paused for Lunch since 10:10; Agent/2 left at 10:15
    assert (counts.available, counts.on_contact, counts.paused, counts.logged_out) == (
        1, 0, {"Lunch": 1}, 1,
    )  # fmt: skip
    paused = {a.agent: a for a in state.agents}["Agent/3"]
    assert (paused.state, paused.reason, paused.since) == ("paused", "Lunch", at("10:10"))
    assert paused.queues == ("sales",)
    assert "Agent/2" not in {a.agent for a in state.agents}


def test_a_pause_across_15_minute_pieces_is_one_pause(day_db: Path) -> None:
    # the pause from 10:10 is stored in pieces cut at 10:15, 10:30, ...: still since 10:10
    state = live(day_db, now=at("10:50"))
    paused = {a.agent: a for a in state.agents}["Agent/3"]
    assert paused.since == at("10:10")


def test_the_json_document(day_db: Path) -> None:
    doc = live(day_db, now=at("10:26:30")).as_dict()
    (q,) = doc["queues"]
    assert set(q) >= {"queue", "waiting", "longest_wait_s", "agents", "today", "interval",
                      "projected_service_level", "needed_in_threshold", "colours"}  # fmt: skip
    assert q["agents"] == {"available": 1, "on_contact": 0, "paused": {"Lunch": 1},
                           "logged_out": 1}  # fmt: skip
    assert q["today"] == {"offered": 3, "answered": 2, "abandoned": 1, "service_level": 0.5,
                          "asa_s": 27.5, "aht_s": 270.0}  # fmt: skip
    assert q["interval"] == {"start": "2024-03-04 10:00:00", "service_level": 0.5}
    # waiting 2 >= warn 3? no: ok; longest 390 s >= alarm 60 s; SL 0.5 far below 0.8
    assert q["colours"]["waiting"] == "ok"
    assert q["colours"]["longest_wait_s"] == "alarm"
    assert q["colours"]["service_level"] == "alarm"
    assert doc["now"] == "2024-03-04T10:26:30Z"
    (agent,) = [a for a in doc["agents"] if a["agent"] == "Agent/3"]
    assert agent == {"agent": "Agent/3", "state": "paused", "reason": "Lunch",
                     "since": "2024-03-04T10:10:00Z", "for_s": 990.0,
                     "queues": ["sales"]}  # fmt: skip


def test_scope_filters(day_db: Path) -> None:
    assert live(day_db, now=at("10:26:30"), queues=frozenset({"other"})).queues == ()
    mine = live(day_db, now=at("10:26:30"), agent="Agent/3")
    assert [a.agent for a in mine.agents] == ["Agent/3"]
    (q,) = mine.queues
    assert q.agents is not None
    assert (q.agents.available, q.agents.paused, q.agents.logged_out) == (0, {"Lunch": 1}, 0)
    # an agent logged out now sees no queue
    assert live(day_db, now=at("10:26:30"), agent="Agent/2").queues == ()


def test_the_queue_zone_moves_the_day(tmp_path: Path) -> None:
    # 2024-03-01 21:30 and 22:30 UTC are 23:30 and 00:30 (the next day) in Vilnius (UTC+2)
    t0 = 1709328600  # 2024-03-01 21:30:00 UTC
    lines = []
    for i, t in enumerate((t0, t0 + 3600)):
        lines += [f"{t}|z{i}|sales|NONE|ENTERQUEUE||555|1",
                  f"{t + 5}|z{i}|sales|Agent/1|CONNECT|5|x|1",
                  f"{t + 65}|z{i}|sales|Agent/1|COMPLETECALLER|5|60|1"]  # fmt: skip
    log = tmp_path / "queue_log"
    log.write_text("\n".join(lines) + "\n")
    db = tmp_path / "cc.duckdb"
    cc.ingest(db, log, format="queue_log")
    now = t0 + 2 * 3600  # 23:30 UTC
    assert queue(live(db, now=now), "sales").offered == 2
    config = tmp_path / "c.yaml"
    config.write_text("live:\n  zones: {sales: Europe/Vilnius}\n")
    q = queue(live(db, now=now, config=config), "sales")
    assert (q.day, q.tz, q.offered) == ("2024-03-02", "Europe/Vilnius", 1)
    config.write_text("live:\n  tz: Europe/Vilnius\n  interval: 15m\n")
    q = queue(live(db, now=now, config=config), "sales")
    assert (q.offered, q.interval_start) == (1, "2024-03-02 01:30:00")


def test_queue_thresholds_of_the_config_apply(day_db: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("queues:\n  sales: {threshold: 45s, short_abandon: 0, target: 0.9}\n")
    q = queue(live(day_db, now=at("10:26:30"), config=config), "sales")
    # T 45: c1 and c3 within; S 0: c2 counts
    assert (q.answered_in_threshold, q.counted, q.target) == (2, 3, 0.9)


def test_today_equals_the_report_on_a_technion_day(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    cc.ingest(db, TECHNION, format="technion")
    state = live(db, now="1999-01-04 23:59:59", tz="Asia/Jerusalem")
    report = cc.report(db, by="queue", start="1999-01-04", end="1999-01-05",
                       metrics="offered,answered,abandoned,service_level,asa_s,aht_s")  # fmt: skip
    rows: dict[str, dict[str, Any]] = {r["queue"]: r for r in report.to_pylist()}
    shown = {q.queue: q for q in state.queues if q.offered}
    assert set(shown) == {k for k, r in rows.items() if r["offered"]}
    for name, q in shown.items():
        r = rows[name]
        assert q.tz == "Asia/Jerusalem"
        assert (q.offered, q.answered, q.abandoned) == (r["offered"], r["answered"], r["abandoned"])
        for key in ("service_level", "asa_s", "aht_s"):
            assert getattr(q, key) == pytest.approx(r[key], rel=1e-9), (name, key)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("live:\n  tz: Mars/Base\n", "live.tz"),
        ("live:\n  interval: 7m\n", "live.interval"),
        ("live:\n  colours: {waiting: {warn: 5, alarm: 2}}\n", "live.colours.waiting"),
        ("live:\n  alerts: {waiting_above: -1}\n", "live.alerts.waiting_above"),
        ("live:\n  alerts: {sometimes: true}\n", "live.alerts"),
        ("live:\n  webhook: {url: ftp://x}\n", "live.webhook.url"),
        ("live:\n  colour: {}\n", "live"),
    ],
)
def test_a_bad_live_section_names_its_key(tmp_path: Path, text: str, key: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        LiveConfig.from_yaml(config)
