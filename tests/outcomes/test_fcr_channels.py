"""First-contact resolution across channels: calls and conversations repeat each other,
a reopened conversation is repeated, conversations at the end of the data are pending;
resolution_rate of conversations (resolved in the period over created in it); and
fcr_declared from a contacts column and from survey answers of kind resolved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.app.report import outcome_options
from contactcenter.metrics import Thresholds
from contactcenter.metrics.fcr import contact_repeats
from contactcenter.metrics.measures import Context
from tests.outcomes.helpers import answer, engine, report
from tests.outcomes.test_fcr import contact

CALLS = [
    contact("X", "answered", "2024-03-01 09:00", "2024-03-01 09:05", contact_id="V1"),
    contact("Z", "answered", "2024-03-01 08:00", "2024-03-01 08:10", contact_id="V2"),
    contact("U", "answered", "2024-03-04 23:00", "2024-03-04 23:30", contact_id="V3"),
    # the last contact of the data: windows ending after 03-05 00:00 reach past it
    contact("Q", "abandoned", "2024-03-12 00:00", "2024-03-12 00:01", contact_id="Q1"),
]


def conv(cid: str, customer: str, created: str, **extra: Any) -> dict[str, Any]:
    return {"conversation_id": cid, "customer_id": customer, "created_at": created, **extra}


CHATS = [
    # X is back by chat the day after a call: V1 repeated; CV1 itself resolved
    conv(
        "CV1",
        "X",
        "2024-03-02 10:00",
        first_response_at="2024-03-02 10:01",
        first_resolved_at="2024-03-02 10:20",
    ),
    # reopened after its first resolution: repeated (the customer came back in the thread)
    conv(
        "CV2",
        "Y",
        "2024-03-01 12:00",
        first_response_at="2024-03-01 12:05",
        first_resolved_at="2024-03-02 08:00",
        reopened=1,
    ),
    # never responded (resolved without a reply): not judged, but it repeats V2
    conv("CV3", "Z", "2024-03-01 13:00", first_resolved_at="2024-03-01 13:10"),
    # responded, never resolved: its end is unknown, pending
    conv("CV4", "W", "2024-03-09 09:00", first_response_at="2024-03-09 09:05"),
    # at the end of the data: pending; it starts 6.5 days after V3 ended: V3 repeated
    conv(
        "CV6",
        "U",
        "2024-03-11 12:00",
        first_response_at="2024-03-11 12:01",
        first_resolved_at="2024-03-11 12:30",
    ),
]
# judged (answered, identified, settled): V1 V2 V3 CV1 CV2; repeated: V1 V2 V3 CV2


def one(metrics: list[str], **options: Any) -> dict[str, Any]:
    extra = {"outcomes": outcome_options(**options)} if options else {}
    result = report(CALLS, [], metrics, conversations=CHATS, **extra)
    (row,) = result.rows()
    return {**row, "_notes": result.notes}


def test_calls_and_conversations_repeat_each_other() -> None:
    row = one(["fcr", "repeat_contact_rate", "resolution_rate"])
    assert row["fcr"] == pytest.approx(1 / 5)  # CV1 only
    assert row["repeat_contact_rate"] == pytest.approx(4 / 5)
    # contacts: 0 resolved of 3 received (Q1 pending); conversations: 4 resolved, 5 created
    assert row["resolution_rate"] == pytest.approx((0 + 4) / (3 + 5))
    notes = row["_notes"]
    assert any(n.startswith("2 answered contacts are pending") for n in notes), notes
    assert any(n.startswith("2 of the answered contacts judged are conversations") for n in notes)
    assert any("1 of them were reopened" in n for n in notes)


def test_same_channel_keeps_calls_and_chats_apart() -> None:
    row = one(["fcr"], fcr_same_channel=True)
    assert row["fcr"] == pytest.approx(4 / 5)  # V1 V2 V3 CV1 resolved; CV2 reopened


def test_by_channel_and_day() -> None:
    rows = report(CALLS, [], ["fcr", "resolution_rate"], by=("channel",), conversations=CHATS)
    by = {r["channel"]: r for r in rows.rows()}
    assert by["voice"]["fcr"] == 0.0  # V1 V2 V3 all came back by chat
    assert by["chat"]["fcr"] == pytest.approx(1 / 2)  # CV1 resolved, CV2 reopened
    assert by["voice"]["resolution_rate"] == 0.0
    assert by["chat"]["resolution_rate"] == pytest.approx(4 / 5)
    days = report(CALLS, [], ["resolution_rate"], by=("day",), conversations=CHATS)
    got = {r["day"]: r["resolution_rate"] for r in days.rows()}
    # 03-01: V1 V2 received, not resolved; CV2 CV3 created, CV3 resolved
    assert got["2024-03-01"] == pytest.approx(1 / 4)
    # 03-02: CV1 created; CV1 and CV2 resolved that day: a backlog day goes above 1
    assert got["2024-03-02"] == pytest.approx(2.0)
    assert got["2024-03-04"] == 0.0  # V3
    assert got["2024-03-09"] == 0.0  # CV4 created, not resolved
    assert got["2024-03-11"] == 1.0  # CV6
    assert got["2024-03-12"] is None  # Q1 pending, nothing created


def test_window_reaching_the_end_of_the_data() -> None:
    # a 6-day window: V3's window (to 03-10 23:30) ends before the last contact, and CV6
    # starts after it: V3 resolved
    row = one(["fcr"], fcr_window="6d")
    assert row["fcr"] == pytest.approx(2 / 5)  # V3 and CV1
    # 8 days: V3 (ended 03-04 23:30) reaches 03-12 23:30, past the last contact: pending
    row = one(["fcr"], fcr_window="8d")
    assert row["fcr"] == pytest.approx(1 / 4)


def test_fcr_declared_by_the_source_and_by_surveys() -> None:
    calls = [dict(c) for c in CALLS]
    calls[0]["resolved"] = True  # V1 flagged by the source; its survey says no: the flag wins
    calls[3]["resolved"] = False  # Q1 is not answered: never counted
    surveys = [
        answer("resolved", 0, 0, 1, contact_id="V1", survey_id="a"),
        answer("resolved", 1, 0, 1, contact_id="V2", survey_id="b"),
        answer("resolved", 1, 0, 1, contact_id="V3", survey_id="c"),
        answer("resolved", 0, 0, 1, contact_id="V3", survey_id="d"),  # V3: one no -> no
        answer("resolved", 1, 0, 1, conversation_id="CV1", survey_id="e"),
        answer("csat", 5, 1, 5, contact_id="V3", survey_id="f"),  # another kind: not read
    ]
    result = report(calls, surveys, ["fcr_declared"], conversations=CHATS)
    (row,) = result.rows()
    assert row["fcr_declared"] == pytest.approx(3 / 4)  # V1 V2 CV1 yes, V3 no
    assert any(
        "resolution flag for 1 answered contacts, by survey answers of kind resolved for 3" in n
        for n in result.notes
    ), result.notes
    by = {
        r["channel"]: r
        for r in report(
            calls, surveys, ["fcr_declared"], by=("channel",), conversations=CHATS
        ).rows()
    }
    assert by["voice"]["fcr_declared"] == pytest.approx(2 / 3)
    assert by["chat"]["fcr_declared"] == 1.0


def test_a_yes_no_survey_column_declares_resolution(tmp_path: Path) -> None:
    from contactcenter.app.ingest import ingest
    from contactcenter.app.report import report_result

    (tmp_path / "calls.csv").write_text(
        "contact_id,offered_at,outcome\n"
        "k1,2024-03-01 09:00,answered\nk2,2024-03-01 09:10,answered\n"
        "k3,2024-03-01 09:20,answered\n",
        encoding="utf-8",
    )
    (tmp_path / "answers.csv").write_text(
        "Response,Call,Submitted,Resolved?\n"
        "r1,k1,2024-03-01 10:00,Yes\nr2,k2,2024-03-01 10:00,No\nr3,k3,2024-03-01 10:00,\n",
        encoding="utf-8",
    )
    (tmp_path / "map.yaml").write_text(
        "columns:\n"
        "  survey_id: Response\n"
        "  contact_id: Call\n"
        "  answered_at: Submitted\n"
        "  kind: {value: resolved}\n"
        "  score: {column: 'Resolved?', values: {'Yes': '1', 'No': '0'}}\n"
        "  scale_min: {value: 0}\n"
        "  scale_max: {value: 1}\n",
        encoding="utf-8",
    )
    db = tmp_path / "cc.duckdb"
    ingest(db, tmp_path / "calls.csv", format="contacts")
    loaded = ingest(
        db, tmp_path / "answers.csv", format="surveys_csv", mapping=tmp_path / "map.yaml"
    )
    assert loaded.lines_used == 2  # r3 has no answer: rejected or ignored, not read as no
    result = report_result(db, metrics="fcr_declared")
    (row,) = result.rows()
    assert row["fcr_declared"] == pytest.approx(1 / 2)
    assert any("by survey answers of kind resolved for 2" in n for n in result.notes)


# ----------------------------------------------------------------------------- reference
BASE = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
PEOPLE = ["a", "b", "c", "0", None]


@st.composite
def mixed(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Random calls and conversations of a few customers over 12 days."""

    def at(minutes: int) -> dt.datetime:
        return BASE + dt.timedelta(minutes=minutes)

    calls = []
    for i in range(draw(st.integers(0, 12))):
        start = at(draw(st.integers(0, 60 * 24 * 12)))
        outcome = draw(st.sampled_from(["answered", "abandoned", "in_progress"]))
        end = None if outcome == "in_progress" else start + dt.timedelta(minutes=5)
        row: dict[str, Any] = {
            "contact_id": f"k{i}",
            "customer_id": draw(st.sampled_from(PEOPLE)),
            "outcome": outcome,
            "offered_at": start,
            "ended_at": end,
            "wait_s": 0.0,
        }
        if outcome == "answered":
            row["answered_at"] = start
        calls.append(row)
    chats = []
    for i in range(draw(st.integers(0, 12))):
        start = at(draw(st.integers(0, 60 * 24 * 12)))
        responded = draw(st.booleans())
        resolved = draw(st.booleans())
        chats.append(
            {
                "conversation_id": f"v{i}",
                "customer_id": draw(st.sampled_from(PEOPLE)),
                "created_at": start,
                "first_response_at": start + dt.timedelta(minutes=1) if responded else None,
                "first_resolved_at": start + dt.timedelta(hours=draw(st.integers(1, 60)))
                if resolved
                else None,
                "reopened": draw(st.sampled_from([0, 0, 1])) if resolved else 0,
            }
        )
    return calls, chats


def reference(
    calls: list[dict[str, Any]], chats: list[dict[str, Any]], window: dt.timedelta, same: bool
) -> dict[str, float]:
    """The definitions, pair by pair: every call and conversation as one contact."""
    rows = [
        {
            "who": c["customer_id"],
            "channel": "voice",
            "start": c["offered_at"],
            "end": c["ended_at"],
            "answered": c["outcome"] == "answered",
            "counts": c["outcome"] != "ivr_abandoned",
            "reopened": False,
        }
        for c in calls
    ] + [
        {
            "who": v["customer_id"],
            "channel": "chat",
            "start": v["created_at"],
            "end": v["first_resolved_at"],
            "answered": v["first_response_at"] is not None,
            "counts": True,
            "reopened": v["reopened"] > 0,
        }
        for v in chats
    ]
    if not rows:
        return {}
    last = max(r["start"] for r in rows)
    judged = resolved = 0
    for a in rows:
        if a["who"] not in ("a", "b", "c") or not a["answered"]:
            continue
        if a["end"] is None or a["end"] + window > last:
            continue
        judged += 1
        back = a["reopened"] or any(
            b["who"] == a["who"]
            and (not same or b["channel"] == a["channel"])
            and b["counts"]
            and a["end"] < b["start"] <= a["end"] + window
            for b in rows
        )
        resolved += not back
    return {"judged": judged, "resolved": resolved}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed(), st.sampled_from(["1d", "3d"]), st.booleans())
def test_fcr_across_channels_matches_the_definition(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]], window: str, same: bool
) -> None:
    calls, chats = data
    options = outcome_options(fcr_window=window, fcr_same_channel=same)
    want = reference(calls, chats, dt.timedelta(seconds=options.repeat_window_s), same)
    (got,) = report(calls, [], ["fcr"], conversations=chats, outcomes=options).rows()
    if want.get("judged"):
        assert got["fcr"] == pytest.approx(want["resolved"] / want["judged"])
    else:
        assert got["fcr"] is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed(), st.sampled_from(["1d", "3d"]), st.sampled_from(["0", "2h"]), st.booleans())
def test_the_duckdb_asof_path_gives_the_rows_of_the_portable_window(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]], window: str, gap: str, same: bool
) -> None:
    calls, chats = data
    options = outcome_options(fcr_window=window, fcr_min_gap=gap, fcr_same_channel=same)
    eng = engine(calls, [], chats)
    try:
        got = {}
        for name in ("", "duckdb"):
            ctx = Context(Thresholds(), outcomes=options, engine=name)
            rows = eng.execute(contact_repeats(eng.table, ctx)).to_pylist()
            got[name] = sorted(rows, key=lambda r: (r["fact"], r["contact_id"]))
        assert got[""] == got["duckdb"]
    finally:
        eng.close()
