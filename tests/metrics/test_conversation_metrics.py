"""The conversation metrics reported from a store, hand-computed (counts, times and their
percentiles, next response, reopen rate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contactcenter.engines import open_engine
from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, run_report
from tests.sources.test_conversation_derivation import C1, C1_EVENTS, C2, C3, derive

COUNTS = ["conversations", "responded", "unanswered", "resolved", "reopened", "reopen_rate"]
TIMES = ["first_response_s", "resolution_s", "final_resolution_s"]


def report(db: Path, names: list[str], by: tuple[str, ...], **extra: Any) -> list[dict[str, Any]]:
    engine = open_engine("duckdb", db=db)
    try:
        request = ReportRequest(metrics=tuple(select_metrics(names)), by=by, **extra)
        return run_report(engine, request).rows()
    finally:
        engine.close()


def test_ticket_counts_and_times_by_day_of_creation(ticket_store: Path) -> None:
    """1 March: T1 (responded in 600 s, resolved in 7,200 s) and T2 (resolved in 1,800 s
    with no reply, reopened, resolved again after 10,800 s); 2 March: T3 (responded at
    creation, pending)."""
    got = report(ticket_store, COUNTS + TIMES, ("day",))
    assert got == [
        {"day": "2024-03-01", "conversations": 2, "responded": 1, "unanswered": 1,
         "resolved": 2, "reopened": 1, "reopen_rate": 0.5, "first_response_s": 600.0,
         "resolution_s": 4500.0, "final_resolution_s": 9000.0},
        {"day": "2024-03-02", "conversations": 1, "responded": 1, "unanswered": 0,
         "resolved": 0, "reopened": 0, "reopen_rate": None, "first_response_s": 0.0,
         "resolution_s": None, "final_resolution_s": None},
    ]  # fmt: skip
    (total,) = report(ticket_store, ["first_response_p50_s", "first_response_p90_s"], ())
    assert total == {"first_response_p50_s": 300.0, "first_response_p90_s": 540.0}
    by_agent = report(ticket_store, ["responded", "first_response_s"], ("agent",))
    assert by_agent == [
        {"agent": "A", "responded": 1, "first_response_s": 0.0},
        {"agent": "B", "responded": 1, "first_response_s": 600.0},
        {"agent": None, "responded": 0, "first_response_s": None},
    ]


def test_chat_next_response_bots_and_a1rt(tmp_path: Path) -> None:
    """c1: first response 60 s (5 s with the bot), later turns replied in 180 and 600 s (the
    turn stopped by the resolution is left out), A1RT 290 s; c2: 60 s from the customer's
    first message; c3: never answered."""
    db = tmp_path / "c.duckdb"
    derive(db, C1 + C2 + C3, C1_EVENTS)
    names = [
        "conversations", "responded", "unanswered", "first_response_s",
        "first_response_incl_bot_s", "a1rt_s", "next_response_s", "next_response_p50_s",
        "next_response_p90_s",
    ]  # fmt: skip
    (total,) = report(db, names, ())
    assert total == {
        "conversations": 3, "responded": 2, "unanswered": 0, "first_response_s": 60.0,
        "first_response_incl_bot_s": 32.5, "a1rt_s": 290.0, "next_response_s": 390.0,
        "next_response_p50_s": 390.0, "next_response_p90_s": 558.0,
    }  # fmt: skip
    by_agent = report(db, ["next_response_s"], ("agent",))
    assert by_agent == [
        {"agent": "X", "next_response_s": 600.0},
        {"agent": "Y", "next_response_s": 180.0},
        {"agent": None, "next_response_s": None},
    ]
