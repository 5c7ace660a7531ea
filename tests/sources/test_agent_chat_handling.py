"""Chat time is handling time (issue 11, section 3): an agent's time with at least one chat
conversation open counts as handling in the agent states, once when chats overlap each
other or a call, on a hand-computed day."""

from __future__ import annotations

from pathlib import Path

import pytest

import contactcenter as cc
from contactcenter.store import Store
from tests.sources.conftest import load, write
from tests.sources.test_agent_states import _write_day, at, ql

# Agent/1 on 2024-03-04 (UTC): logged in and a member of sales 08:00-12:00 (14,400 s);
# a call 09:00-09:10; chat c1 assigned 08:30, resolved 09:05; chat c2 assigned 08:50,
# resolved 09:20 (overlapping c1 and the call); chat c3 assigned 10:00 and transferred to
# Agent/2 at 10:15 (resolved by Agent/2 at 10:30: Agent/1's part ends at the transfer).
# Handling: 08:30-09:20 once (3,000 s: the two chats and the call overlap) + 10:00-10:15
# (900 s) = 3,900 s; available 14,400 - 3,900 = 10,500 s.
VOICE = [
    ql("08:00", "NONE", "NONE", "Agent/1", "AGENTLOGIN", "SIP/1"),
    ql("08:00", "NONE", "sales", "Agent/1", "ADDMEMBER", ""),
    ql("08:59:50", "v1", "sales", "NONE", "ENTERQUEUE", "", "5550101", "1"),
    ql("09:00", "v1", "sales", "Agent/1", "CONNECT", "10", "v1b", "2"),
    ql("09:10", "v1", "sales", "Agent/1", "COMPLETECALLER", "10", "600", "1"),
    ql("12:00", "NONE", "sales", "Agent/1", "REMOVEMEMBER", ""),
    ql("12:00", "NONE", "NONE", "Agent/1", "AGENTLOGOFF", "SIP/1", "14400"),
]

MAPPING = """\
version: 1
source: chat_tool
channel: chat
columns:
  case: chat
  activity: what
  timestamp: at
  resource: agent
activities:
  Assign: assigned
  Resolve: resolved
"""


def _iso(hhmm: str) -> str:
    return f"2024-03-04T{hhmm}:00Z"


CHATS = [
    ("c1", "Assign", "08:30", "Agent/1"),
    ("c1", "Resolve", "09:05", "Agent/1"),
    ("c2", "Assign", "08:50", "Agent/1"),
    ("c2", "Resolve", "09:20", "Agent/1"),
    ("c3", "Assign", "10:00", "Agent/1"),
    ("c3", "Assign", "10:15", "Agent/2"),
    ("c3", "Resolve", "10:30", "Agent/2"),
]


def _chats(tmp_path: Path) -> tuple[Path, Path]:
    text = "chat,what,at,agent\n" + "".join(f"{c},{w},{_iso(t)},{a}\n" for c, w, t, a in CHATS)
    return write(tmp_path / "chats.csv", text), write(tmp_path / "chats.yaml", MAPPING)


METRICS = "logged_in_s,handling_s,available_s,occupancy,utilization"


def _agent_rows(db: Path, by: str = "agent") -> dict[str, dict[str, object]]:
    table = cc.report(db, by=by, metrics=METRICS)
    return {str(r[by]): r for r in table.to_pylist() if r[by]}


@pytest.mark.parametrize("chats_first", [False, True])
def test_two_overlapping_chats_and_a_call_count_once(
    store: Store, tmp_path: Path, chats_first: bool
) -> None:
    voice = _write_day(tmp_path, VOICE)
    chats, mapping = _chats(tmp_path)
    loads = [("queue_log", voice, {}), ("ticket_events", chats, {"mapping": mapping})]
    for fmt, path, kw in reversed(loads) if chats_first else loads:
        load(store, fmt, path, **kw)
    rows = _agent_rows(store.path)
    assert set(rows) == {"Agent/1"}  # Agent/2 has chats but no agent events: no states
    row = rows["Agent/1"]
    assert row["logged_in_s"] == 14_400
    assert row["handling_s"] == 3_000 + 900
    assert row["available_s"] == 14_400 - 3_900
    assert row["occupancy"] == pytest.approx(3_900 / 14_400)
    assert row["utilization"] == pytest.approx(3_900 / 14_400)
    # the queue's time line has the same handling; per interval the pieces add up
    (queue,) = _agent_rows(store.path, "queue").values()
    assert (queue["logged_in_s"], queue["handling_s"]) == (14_400, 3_900)
    spans = store.con.execute(
        """SELECT epoch(start_at), epoch(end_at) FROM agent_states
           WHERE scope = 'agent' AND state = 'handling' ORDER BY start_at"""
    ).fetchall()
    merged: list[list[float]] = []
    for s, e in spans:
        if merged and merged[-1][1] == s:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    assert merged == [[at("08:30"), at("09:20")], [at("10:00"), at("10:15")]]


def test_a_chat_while_logged_out_is_named(store: Store, tmp_path: Path) -> None:
    _, mapping = _chats(tmp_path)
    load(store, "queue_log", _write_day(tmp_path, VOICE[:1] + VOICE[-1:]))
    late = write(
        tmp_path / "late.csv",
        "chat,what,at,agent\n"
        f"c9,Assign,{_iso('13:00')},Agent/1\nc9,Resolve,{_iso('13:10')},Agent/1\n",
    )
    report = load(store, "ticket_events", late, mapping=mapping)
    assert any(
        "1 times a contact answered (or a chat taken) while the agent was logged out" in n
        for n in report.notes
    )
    row = _agent_rows(store.path)["Agent/1"]
    assert (row["logged_in_s"], row["handling_s"]) == (14_400 + 600, 600)
