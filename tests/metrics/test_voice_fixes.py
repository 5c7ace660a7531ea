"""The voice fixes found on outside queue_logs, hand-computed: calls still talking, ring-outs
on the member who let the phone ring, waits that are not recorded, quarter and year."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import contactcenter
from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, ReportResult, run_report
from tests.conftest import contacts_table, memory_engine

T = 1_709_280_000  # 2024-03-01 08:00:00 UTC


def load(tmp_path: Path, lines: list[str]) -> Path:
    log = tmp_path / "queue_log"
    log.write_text("\n".join(lines) + "\n")
    db = tmp_path / "cc.duckdb"
    contactcenter.ingest(db, log, format="queue_log")
    return db


def test_a_call_still_talking_has_unknown_talk(tmp_path: Path) -> None:
    """Two answered calls: one completed after 100 s of talk, one connected and still
    talking when the log ends. answered 2, in_talk 1, talk_s and aht_s = 100 (not 50)."""
    db = load(
        tmp_path,
        [
            f"{T}|c1|q|NONE|ENTERQUEUE||1|1",
            f"{T + 10}|c1|q|A1|CONNECT|10|c1b|1",
            f"{T + 110}|c1|q|A1|COMPLETEAGENT|10|100|1",
            f"{T + 20}|c2|q|NONE|ENTERQUEUE||2|1",
            f"{T + 25}|c2|q|A2|CONNECT|5|c2b|1",
        ],
    )
    result = ReportResult.from_table(
        contactcenter.report(db, metrics="answered,in_talk,talk_s,aht_s,asa_s,service_level")
    )
    assert result.rows() == [
        {"answered": 2, "in_talk": 1, "talk_s": 100.0, "aht_s": 100.0, "asa_s": 7.5,
         "service_level": 1.0}
    ]  # fmt: skip
    # the source records talk: no note says it does not; the note names the calls in talk
    assert not any("talk_s is not recorded" in n for n in result.notes)
    assert any("1 answered contacts were still talking" in n for n in result.notes)
    assert any("hold_s is not recorded by the source" in n for n in result.notes)


def test_the_end_of_a_call_in_talk_arrives_in_a_later_load(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text(f"{T}|c1|q|NONE|ENTERQUEUE||1|1\n{T + 10}|c1|q|A1|CONNECT|10|c1b|1\n")
    db = tmp_path / "cc.duckdb"
    contactcenter.ingest(db, log, format="queue_log")
    assert contactcenter.report(db, metrics="in_talk,aht_s").to_pylist() == [
        {"in_talk": 1, "aht_s": None}
    ]
    with log.open("a") as fh:
        fh.write(f"{T + 190}|c1|q|A1|COMPLETECALLER|10|180|1\n")
    contactcenter.ingest(db, log, format="queue_log")
    assert contactcenter.report(db, metrics="in_talk,aht_s").to_pylist() == [
        {"in_talk": 0, "aht_s": 180.0}
    ]


def test_ring_outs_land_on_the_member_who_let_it_ring(tmp_path: Path) -> None:
    """c1 rang A2 twice and A3 once, A1 answered; c2 rang A3 and was abandoned. By agent:
    A1 answered 1 with no ring-outs; A2 2 ring-outs; A3 2 ring-outs; the abandoned call's
    row (no agent) has none."""
    db = load(
        tmp_path,
        [
            f"{T}|c1|q|NONE|ENTERQUEUE||1|1",
            f"{T + 5}|c1|q|A2|RINGNOANSWER|5000",
            f"{T + 10}|c1|q|A2|RINGNOANSWER|5000",
            f"{T + 15}|c1|q|A3|RINGNOANSWER|5000",
            f"{T + 20}|c1|q|A1|CONNECT|20|c1b|1",
            f"{T + 80}|c1|q|A1|COMPLETECALLER|20|60|1",
            f"{T + 100}|c2|q|NONE|ENTERQUEUE||2|1",
            f"{T + 105}|c2|q|A3|RINGNOANSWER|5000",
            f"{T + 130}|c2|q|NONE|ABANDON|1|1|30",
        ],
    )
    rows = contactcenter.report(db, by="agent", metrics="answered,ring_no_answer").to_pylist()
    assert rows == [
        {"agent": "A1", "answered": 1, "ring_no_answer": 0},
        {"agent": "A2", "answered": 0, "ring_no_answer": 2},
        {"agent": "A3", "answered": 0, "ring_no_answer": 2},
        {"agent": None, "answered": 0, "ring_no_answer": 0},
    ]
    # by queue the ring-outs of every member add up, as before
    assert contactcenter.report(db, by="queue", metrics="ring_no_answer").to_pylist() == [
        {"queue": "q", "ring_no_answer": 4}
    ]


def test_a_contact_without_a_recorded_wait_is_left_out_of_the_ratios() -> None:
    """Three answered (waits 5, 30 and unknown) and two abandoned (waits 2 and unknown),
    T = 20, S = 5: offered_timed 3 (5, 30, 2), short abandons 1 (2 s), so SL = 1 / (3 - 1)
    = 0.5 (not 1 / (5 - 1)); abandon_rate_raw = 1 / 3; answered_timed 2, so the answered
    SL = 1 / 2."""
    t0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)

    def row(outcome: str, wait: float | None) -> dict[str, Any]:
        return {"offered_at": t0, "outcome": outcome, "wait_s": wait}

    rows = [
        row("answered", 5.0),
        row("answered", 30.0),
        row("answered", None),
        row("abandoned", 2.0),
        row("abandoned", None),
    ]
    names = ["offered", "service_level", "service_level_answered", "abandon_rate_raw"]
    engine = memory_engine(contacts_table(rows))
    try:
        result = run_report(engine, ReportRequest(metrics=tuple(select_metrics(names))))
    finally:
        engine.close()
    assert result.rows() == [
        {"offered": 5, "service_level": 0.5, "service_level_answered": 0.5,
         "abandon_rate_raw": 1 / 3}
    ]  # fmt: skip
    assert any(n.startswith("2 offered contacts have no recorded wait") for n in result.notes)


def test_quarter_and_year_keys() -> None:
    days = [dt.datetime(2024, 3, 31, 23, tzinfo=dt.UTC), dt.datetime(2024, 4, 1, 1, tzinfo=dt.UTC),
            dt.datetime(2025, 1, 1, tzinfo=dt.UTC)]  # fmt: skip
    rows = [{"offered_at": d, "outcome": "answered", "wait_s": 1.0} for d in days]
    engine = memory_engine(contacts_table(rows))
    try:
        metrics = tuple(select_metrics(["offered"]))
        by_quarter = run_report(engine, ReportRequest(metrics=metrics, by=("quarter",))).rows()
        by_year = run_report(engine, ReportRequest(metrics=metrics, by=("year",))).rows()
        # in Vilnius (UTC+3 in summer, +2 in winter) 2024-03-31 23:00 UTC is already April
        local = run_report(
            engine, ReportRequest(metrics=metrics, by=("quarter",), tz="Europe/Vilnius")
        ).rows()
    finally:
        engine.close()
    assert by_quarter == [
        {"quarter": "2024-Q1", "offered": 1},
        {"quarter": "2024-Q2", "offered": 1},
        {"quarter": "2025-Q1", "offered": 1},
    ]
    assert by_year == [{"year": "2024", "offered": 2}, {"year": "2025", "offered": 1}]
    assert local == [{"quarter": "2024-Q2", "offered": 2}, {"quarter": "2025-Q1", "offered": 1}]
