"""What support leads complain about in other tools, hand-computed here so it cannot come
back: bot time counted in resolution, the first response after a reopen measured from
the original creation, next-reply clocks still running after a resolution, automatic
replies counted as a response.

Five chats on Friday 2024-03-01 (UTC); the SLA calendar is open 08:00-18:00 UTC that day,
so business time equals calendar time and every figure is checked once for both:

B1  customer 10:00, the bot answers 10:00:05, the customer writes 10:10 and 10:20 (the bot
    answers 10:10:05), X is assigned 10:30 and replies 10:35, X resolves 11:30.
    bot phase 10:00-10:30 (1,800 s); first response 2,100 s (the customer waited that
    long for a person), 5 s with the bot; resolution from the handoff: 3,600 s.
B2  customer 12:00, the bot answers 12:00:03 and resolves 12:05 alone: resolved,
    unanswered, no resolution time (no person had it); bot phase 300 s.
R   customer 09:00, Y resolves 09:30 with no reply; the customer writes again 10:00
    (reopen), Y replies 10:15 and resolves 10:20. Unanswered (no first response: the
    reply answers the second turn, 900 s); resolution 1,800 s, final 4,800 s.
N   customer 11:00, Z replies 11:01; the customer writes 11:02 and Z resolves 11:03 with
    no reply: that turn's clock stops at the resolution (met, not breached at the end
    of the data, 12:05, nor "active").
A   customer 13:00, an automatic acknowledgement (system) 13:00:01, the bot 13:00:02, an
    internal note by W 13:05 (W takes over: bot phase 300 s), W resolves 13:10: no
    response at all (unanswered, closed without reply by W); resolution 300 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.metrics.sla import SlaConfig
from tests.metrics.test_conversation_metrics import report
from tests.sources.test_conversation_derivation import at, derive, event, message, rows

MESSAGES = [
    message("B1", "1", at(10), "customer"),
    message("B1", "2", at(10, 0, 5), "bot"),
    message("B1", "3", at(10, 10), "customer"),
    message("B1", "4", at(10, 10, 5), "bot"),
    message("B1", "5", at(10, 20), "customer"),
    message("B1", "6", at(10, 35), "agent:X"),
    message("B2", "1", at(12), "customer"),
    message("B2", "2", at(12, 0, 3), "bot"),
    message("R", "1", at(9), "customer"),
    message("R", "2", at(10), "customer"),
    message("R", "3", at(10, 15), "agent:Y"),
    message("N", "1", at(11), "customer"),
    message("N", "2", at(11, 1), "agent:Z"),
    message("N", "3", at(11, 2), "customer"),
    message("A", "1", at(13), "customer"),
    message("A", "2", at(13, 0, 1), "system"),
    message("A", "3", at(13, 0, 2), "bot"),
    message("A", "4", at(13, 5), "agent:W", private=True),
]
EVENTS = [
    event("B1", "assigned", at(10, 30), "X"),
    event("B1", "resolved", at(11, 30), "X"),
    event("B2", "resolved", at(12, 5), None),
    event("R", "resolved", at(9, 30), "Y"),
    event("R", "resolved", at(10, 20), "Y"),
    event("N", "resolved", at(11, 3), "Z"),
    event("A", "resolved", at(13, 10), "W"),
]

CONFIG = {
    "calendars": {"day": {"tz": "UTC", "hours": {"fri": "08:00-18:00"}}},
    "policies": [
        {
            "match": {"channel": "chat"},
            "calendar": "day",
            "first_response": "1h",
            "next_response": "10m",
            "resolution": "2h",
        }
    ],
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "p.duckdb"
    derive(path, [dict(m) for m in MESSAGES], [dict(e) for e in EVENTS])
    return path


def test_the_bot_phase_is_kept_out_of_resolution(db: Path) -> None:
    got = {
        r["conversation_id"]: r
        for r in rows(
            db,
            "SELECT conversation_id, handoff_at, bot_s, resolution_s, final_resolution_s, "
            "first_response_s, first_response_incl_bot_s, a1rt_s FROM conversations",
        )
    }
    assert got["B1"] == {
        "conversation_id": "B1", "handoff_at": at(10, 30), "bot_s": 1800.0,
        "resolution_s": 3600.0, "final_resolution_s": 3600.0, "first_response_s": 2100.0,
        "first_response_incl_bot_s": 5.0, "a1rt_s": 300.0,
    }  # fmt: skip
    assert got["B2"] == {
        "conversation_id": "B2", "handoff_at": None, "bot_s": 300.0, "resolution_s": None,
        "final_resolution_s": None, "first_response_s": None,
        "first_response_incl_bot_s": 3.0, "a1rt_s": None,
    }  # fmt: skip
    # no bot answered first: no bot phase, the clocks run from creation
    assert [(got[c]["bot_s"], got[c]["resolution_s"]) for c in ("R", "N")] == [
        (None, 1800.0), (None, 180.0)
    ]  # fmt: skip
    # A: the bot answered (after the system's acknowledgement) until W's internal note
    assert (got["A"]["handoff_at"], got["A"]["bot_s"], got["A"]["resolution_s"]) == (
        at(13, 5), 300.0, 300.0
    )  # fmt: skip


def test_counts_and_times_as_hand_computed(db: Path) -> None:
    names = ["conversations", "responded", "unanswered", "resolved", "reopened",
             "first_response_s", "first_response_incl_bot_s", "next_response_s",
             "resolution_s", "final_resolution_s", "first_response_within_t"]  # fmt: skip
    (total,) = report(db, names, ())
    assert total == {
        "conversations": 5,
        "responded": 2,  # B1 and N; R's reply after its reopen is not a first response
        "unanswered": 3,  # B2 (a bot alone), R (resolved before any reply), A (automatic)
        "resolved": 5,
        "reopened": 1,
        "first_response_s": (2100 + 60) / 2,
        "first_response_incl_bot_s": (5 + 3 + 60 + 2) / 4,
        "next_response_s": 900.0,  # R's second turn; N's second was resolved unanswered
        "resolution_s": (3600 + 1800 + 180 + 300) / 4,  # B2 has none
        "final_resolution_s": (3600 + 4800 + 180 + 300) / 4,
        "first_response_within_t": 1 / 5,  # chat T = 90 s: only N (60 s)
    }


def test_the_sla_clocks(db: Path) -> None:
    names = ["first_response_bh_s", "resolution_bh_s", "first_response_within_t",
             "first_response_met", "first_response_breached", "first_response_active",
             "resolution_met", "resolution_overdue", "resolution_active", "resolution_paused",
             "next_response_met", "next_response_breached", "next_response_active"]  # fmt: skip
    (total,) = report(db, names, (), sla=SlaConfig.from_mapping(CONFIG))
    assert total == {
        "first_response_bh_s": (2100 + 60) / 2,
        "resolution_bh_s": (3600 + 1800 + 180 + 300) / 4,  # from the handoff; B2 has none
        # within 1 h: B1 (2,100 s) and N (60 s)
        "first_response_within_t": 2 / 5,
        # met: B1, N (replies), B2, R, A (resolved with none within 1 h)
        "first_response_met": 5,
        "first_response_breached": 0,
        "first_response_active": 0,
        # B1 3,600 s from the handoff (not 5,400 s from creation) is within 2 h
        "resolution_met": 5,
        "resolution_overdue": 0,
        "resolution_active": 0,
        "resolution_paused": 0,
        # R's second turn: 900 s > 10 m; N's second: resolved after 60 s, the clock stops
        "next_response_met": 1,
        "next_response_breached": 1,
        "next_response_active": 0,
    }


def test_automatic_replies_and_notes_are_no_ones_messages_or_replies(db: Path) -> None:
    names = ["messages_sent", "closed_with_reply", "closed_without_reply", "responded"]
    got = {r.pop("agent"): r for r in report(db, names, ("agent",))}
    assert got["W"] == {
        "messages_sent": 0, "closed_with_reply": 0, "closed_without_reply": 1, "responded": 0
    }  # fmt: skip
    assert got["X"] == {
        "messages_sent": 1, "closed_with_reply": 1, "closed_without_reply": 0, "responded": 1
    }  # fmt: skip
    # Y resolved R first with no reply, then again after replying to its reopening
    assert got["Y"] == {
        "messages_sent": 1, "closed_with_reply": 1, "closed_without_reply": 1, "responded": 0
    }  # fmt: skip
    assert got["Z"] == {
        "messages_sent": 1, "closed_with_reply": 1, "closed_without_reply": 0, "responded": 1
    }  # fmt: skip
