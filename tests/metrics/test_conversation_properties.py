"""Property tests of the conversation derivation, on generated chats: a plain-Python
reading of the documented rules gives the same first response, resolution, reopen and
unanswered figures; loading the rows in two loads, in either order, gives what one load
gives; the reported counts and times keep their invariants."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.sources._conversations import ConversationLoader, stage_schema
from contactcenter.store import Store
from tests.metrics.test_conversation_metrics import report
from tests.sources.test_conversation_derivation import event, message, rows

T0 = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
WHO = ["customer", "customer", "agent:A", "agent:B", "bot", "system", "note", "deleted"]
EVENTS = ["assigned", "resolved", "closed", "reopened", "responded", "pending"]

SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def chats(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Up to 3 conversations of up to 7 rows each, at minutes 0-9 (ties happen)."""
    messages: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for c in range(draw(st.integers(1, 3))):
        conv = f"c{c}"
        for i in range(draw(st.integers(1, 7))):
            when = T0 + dt.timedelta(minutes=draw(st.integers(0, 9)))
            if draw(st.integers(0, 3)) == 0:
                kind = draw(st.sampled_from(EVENTS))
                agent = draw(st.sampled_from(["A", "B", None]))
                if (conv, when, kind, agent) not in seen:  # an event's key
                    seen.add((conv, when, kind, agent))
                    events.append(event(conv, kind, when, agent))
                continue
            who = draw(st.sampled_from(WHO))
            if who == "note":
                messages.append(message(conv, str(i), when, "agent:A", private=True))
            elif who == "deleted":
                messages.append(message(conv, str(i), when, "agent:B", deleted=True))
            else:
                messages.append(message(conv, str(i), when, who))
    for line, row in enumerate(messages + events, start=2):
        row["source_line"] = line
    return messages, events


def load(db: Path, messages: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """One load of these rows, their line numbers kept (the rows are copied)."""
    with Store(db) as store, store.load(fmt="test", files=["m.csv"]) as session:
        session.account.read = session.account.used = len(messages) + len(events)
        loader = ConversationLoader(session)
        loader.add("messages", pa.Table.from_pylist(fresh(messages), stage_schema("messages")))
        loader.add("events", pa.Table.from_pylist(fresh(events), stage_schema("events")))
        loader.finish()


def reference(messages: list[dict[str, Any]], events: list[dict[str, Any]]) -> dict[str, Any]:
    """The documented rules (docs/ingestion.md), one conversation at a time."""
    out: dict[str, Any] = {}
    for conv in sorted({r["conversation_id"] for r in messages + events}):
        mine = []
        for m in (r for r in messages if r["conversation_id"] == conv):
            if m["direction"] == "in":
                kind = "in"
            elif m["private"] or m["deleted"]:
                kind = "note"
            else:
                kind = {"agent": "reply", "bot": "bot"}.get(m["sender_kind"], "note")
            mine.append((m["at"], m["source_file"], m["source_line"], m["message_id"], kind, m))
        for e in (r for r in events if r["conversation_id"] == conv):
            mine.append((e["at"], e["source_file"], e["source_line"], e["activity"], e["kind"], e))
        mine.sort(key=lambda r: r[:4])
        created = mine[0][0]
        first = mine[0][5]
        clock = created
        start_index = 0
        if first.get("direction") == "out":  # an agent's (or bot's) message opened it
            ins = [i for i, r in enumerate(mine) if r[4] == "in"]
            clock = mine[ins[0]][0] if ins else None
            start_index = ins[0] if ins else len(mine)
        resolved = False
        resolutions = 0
        first_resolved = None
        reopened = 0
        fr = fr_bot = None
        for i, (at, _, _, _, kind, _) in enumerate(mine):
            if kind in ("reply", "responded") and resolutions == 0 and i >= start_index:
                fr = fr or at
            if kind in ("reply", "responded", "bot") and resolutions == 0 and i >= start_index:
                fr_bot = fr_bot or at
            if kind in ("resolved", "closed") and not resolved:
                resolved = True
                resolutions += 1
                first_resolved = first_resolved or at
            elif kind in ("responded", "reopened", "in") and resolved:
                resolved = False
                reopened += 1

        def seconds(t: dt.datetime | None, clock: dt.datetime | None = clock) -> float | None:
            return None if t is None or clock is None else (t - clock).total_seconds()

        out[conv] = {
            "first_response_s": seconds(fr),
            "first_response_incl_bot_s": seconds(fr_bot),
            "first_resolved_at": first_resolved,
            "reopened": reopened,
            "unanswered": fr is None and first_resolved is not None,
            "status_resolved": resolved,
        }
    return out


def fresh(rows_: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows_]


@SETTINGS
@given(chats())
def test_the_derivation_follows_the_documented_rules(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    messages, events = data
    want = reference(messages, events)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.duckdb"
        load(db, messages, events)
        got = {
            r["conversation_id"]: r
            for r in rows(
                db,
                "SELECT conversation_id, first_response_s, first_response_incl_bot_s, "
                "first_resolved_at, reopened, status, first_response_at FROM conversations",
            )
        }
    assert sorted(got) == sorted(want)
    for conv, w in want.items():
        g = got[conv]
        assert g["first_response_s"] == w["first_response_s"], conv
        assert g["first_response_incl_bot_s"] == w["first_response_incl_bot_s"], conv
        assert (g["first_resolved_at"], g["reopened"]) == (w["first_resolved_at"], w["reopened"])
        assert (g["status"] in ("resolved", "closed")) == w["status_resolved"], conv
        assert (g["first_response_at"] is None and g["first_resolved_at"] is not None) == (
            w["unanswered"]
        )


@SETTINGS
@given(chats(), st.integers(0, 100), st.booleans())
def test_two_loads_in_either_order_give_what_one_load_gives(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]], cut: int, swap: bool
) -> None:
    messages, events = data
    m_cut = cut * len(messages) // 100
    e_cut = cut * len(events) // 100
    parts = [(messages[:m_cut], events[:e_cut]), (messages[m_cut:], events[e_cut:])]
    if swap:
        parts.reverse()
    with tempfile.TemporaryDirectory() as tmp:
        one, two = Path(tmp) / "one.duckdb", Path(tmp) / "two.duckdb"
        load(one, messages, events)
        for part_messages, part_events in parts:
            if part_messages or part_events:
                load(two, part_messages, part_events)
        for sql in (
            "SELECT * FROM conversations ORDER BY conversation_id",
            "SELECT * EXCLUDE (resolves, replied, pending_until), resolves, replied, "
            'pending_until FROM conversation_events ORDER BY conversation_id, "at", activity',
            "SELECT * FROM responses ORDER BY conversation_id, turn",
        ):
            assert rows(one, sql) == rows(two, sql)


@SETTINGS
@given(chats())
def test_reported_counts_and_times_keep_their_invariants(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    messages, events = data
    names = ["conversations", "responded", "unanswered", "resolved", "reopened",
             "first_response_s", "first_response_incl_bot_s", "resolution_s",
             "final_resolution_s", "first_response_within_t", "next_response_s"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.duckdb"
        load(db, messages, events)
        (total,) = report(db, names, ())
        by_queue = report(db, ["conversations", "responded", "resolved"], ("queue",))
        stored = rows(db, "SELECT * FROM conversations")
    assert total["conversations"] == len({r["conversation_id"] for r in messages + events})
    assert total["responded"] + total["unanswered"] <= total["conversations"]
    assert total["unanswered"] <= total["resolved"] <= total["conversations"]
    assert total["reopened"] <= total["resolved"]
    for name in ("conversations", "responded", "resolved"):
        assert sum(r[name] for r in by_queue) == total[name]
    within = total["first_response_within_t"]
    assert within is None or 0 <= within <= 1
    for name in ("first_response_s", "resolution_s", "final_resolution_s", "next_response_s"):
        assert total[name] is None or total[name] >= 0
    for c in stored:
        if c["first_response_s"] is not None and c["first_response_incl_bot_s"] is not None:
            assert c["first_response_incl_bot_s"] <= c["first_response_s"]
        if c["bot_s"] is not None:
            assert c["bot_s"] >= 0
        if c["resolution_s"] is not None and c["final_resolution_s"] is not None:
            assert c["resolution_s"] <= c["final_resolution_s"]
