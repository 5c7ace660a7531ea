"""First-contact resolution: hand-computed cases across channels, at the window and data
edges, the options, and a brute-force reference on random contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.app.report import outcome_options
from tests.outcomes.helpers import answer, report

FCR = ["fcr", "repeat_contact_rate", "resolution_rate"]


def contact(
    customer: str | None,
    outcome: str,
    start: str,
    end: str | None,
    channel: str = "voice",
    **extra: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "customer_id": customer,
        "outcome": outcome,
        "offered_at": start,
        "channel": channel,
        "wait_s": 1.0,
    }
    if end is not None:
        row["ended_at"] = dt.datetime.fromisoformat(end).replace(tzinfo=dt.UTC)
    if outcome == "answered":
        row["answered_at"] = dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
        row["talking"] = end is None
    row.update(extra)
    return row


CASES = [
    # C1: answered by voice, back 2 days later on chat (abandoned): repeated (any channel)
    contact("C1", "answered", "2024-03-01 09:00", "2024-03-01 09:05", contact_id="A1"),
    contact("C1", "abandoned", "2024-03-03 10:00", "2024-03-03 10:01", "chat", contact_id="A2"),
    # C2: back exactly 7 days after the end: repeated (the window's end is inside it)
    contact("C2", "answered", "2024-03-01 09:00", "2024-03-01 09:10", contact_id="B1"),
    contact("C2", "answered", "2024-03-08 09:10", "2024-03-08 09:20", contact_id="B2"),
    # C3: back 7 days and 1 s after the end: resolved
    contact("C3", "answered", "2024-03-01 10:00", "2024-03-01 10:05", contact_id="D1"),
    contact("C3", "answered", "2024-03-08 10:05:01", "2024-03-08 10:10", contact_id="D2"),
    # C4: back 30 s after the end (a repeat, or a continuation with a 60 s minimum gap)
    contact("C4", "answered", "2024-03-02 08:00", "2024-03-02 08:10", contact_id="E1"),
    contact("C4", "answered", "2024-03-02 08:10:30", "2024-03-02 08:15", contact_id="E2"),
    # C5: a second contact that started while the first was still going: not a repeat
    contact("C5", "answered", "2024-03-02 11:00", "2024-03-02 11:30", contact_id="G1"),
    contact("C5", "abandoned", "2024-03-02 11:10", "2024-03-02 11:11", contact_id="G2"),
    # C6: still talking at the end of the data: pending
    contact("C6", "answered", "2024-03-09 09:00", None, contact_id="T1"),
    # C7: its window ends exactly at the last contact of the data: not pending, resolved
    contact("C7", "answered", "2024-03-03 11:50", "2024-03-03 12:00", contact_id="H1"),
    # C8: back while still waiting in the queue (in_progress): repeated
    contact("C8", "answered", "2024-03-01 12:00", "2024-03-01 12:05", contact_id="K1"),
    contact("C8", "in_progress", "2024-03-02 12:00", None, contact_id="K2"),
    # not identified: empty, "0", "000", scientific notation; they never repeat each other
    contact(None, "answered", "2024-03-01 13:00", "2024-03-01 13:05", contact_id="U1"),
    contact("0", "answered", "2024-03-01 13:00", "2024-03-01 13:05", contact_id="U2"),
    contact("000", "answered", "2024-03-01 13:10", "2024-03-01 13:15", contact_id="U3"),
    contact("6.02E+11", "answered", "2024-03-01 13:20", "2024-03-01 13:25", contact_id="U4"),
    contact("6.02E+11", "answered", "2024-03-01 13:40", "2024-03-01 13:45", contact_id="U5"),
    # the last contact of the data (ended in the IVR: never offered, never a repeat)
    contact("C9", "ivr_abandoned", "2024-03-10 12:00", "2024-03-10 12:00", contact_id="Z"),
]
# answered, identified, settled: A1 B1 D1 E1 E2 G1 H1 K1 (8); repeated: A1 B1 E1 K1;
# pending: B2 D2 (window past 03-10 12:00) and T1 (no end); received: those 8 + A2 + G2


def one(metrics: list[str], **options: Any) -> dict[str, Any]:
    extra = {"outcomes": outcome_options(**options)} if options else {}
    result = report(CASES, [], metrics, **extra)
    (row,) = result.rows()
    return {**row, "_notes": result.notes}


def test_hand_computed_fcr() -> None:
    row = one([*FCR, "fcr_declared"])
    assert row["fcr"] == pytest.approx(4 / 8)
    assert row["repeat_contact_rate"] == pytest.approx(4 / 8)
    assert row["resolution_rate"] == pytest.approx(4 / 10)
    assert row["fcr_declared"] is None
    notes = row["_notes"]
    assert any(n.startswith("3 answered contacts are pending") for n in notes), notes
    assert any(n.startswith("5 answered contacts have no reliable customer id") for n in notes)
    assert any("repeat window 7d, any channel" in n for n in notes)
    declared = "fcr_declared: no answered contact has a resolution flag"
    assert any(n.startswith(declared) for n in notes)


def test_same_channel_min_gap_and_window_options() -> None:
    assert one(["fcr"], fcr_same_channel=True)["fcr"] == pytest.approx(5 / 8)  # A1 resolved
    assert one(["fcr"], fcr_min_gap="60s")["fcr"] == pytest.approx(5 / 8)  # E1 continued
    assert one(["fcr"], fcr_min_gap="30s")["fcr"] == pytest.approx(4 / 8)  # 30 s: a repeat
    # one day: B2 and D2 are no longer pending; only E1 and K1 repeat within a day
    day = one(["fcr"], fcr_window="1d")
    assert day["fcr"] == pytest.approx(8 / 10)
    assert any(n.startswith("1 answered contacts are pending") for n in day["_notes"])


def test_fcr_by_day_and_queue_filter_sees_other_queues() -> None:
    rows = {r["day"]: r for r in report(CASES, [], ["fcr"], by=("day",)).rows()}
    assert rows["2024-03-01"]["fcr"] == pytest.approx(1 / 4)  # A1 B1 K1 repeated, D1 not
    assert rows["2024-03-02"]["fcr"] == pytest.approx(2 / 3)  # E1 repeated; E2, G1 not
    assert rows["2024-03-03"]["fcr"] == 1.0  # H1
    # a repeat in another queue still counts when the report keeps one queue
    moved = [dict(c, queue="q2") if c.get("contact_id") == "A2" else c for c in CASES]
    (only,) = report(moved, [], ["fcr"], queues=("q1",)).rows()
    assert only["fcr"] == pytest.approx(4 / 8)


# ----------------------------------------------------------------------------- reference
BASE = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


@st.composite
def contacts(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 25))):
        start = BASE + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 12)))
        outcome = draw(
            st.sampled_from(["answered", "answered", "abandoned", "timed_out", "in_progress"])
        )
        length = dt.timedelta(minutes=draw(st.integers(0, 90)))
        talking = outcome == "answered" and draw(st.booleans()) and draw(st.booleans())
        end = None if outcome == "in_progress" or talking else start + length
        row: dict[str, Any] = {
            "contact_id": f"k{i}",
            "customer_id": draw(st.sampled_from(["a", "b", "c", "0", None, "1E+5"])),
            "channel": draw(st.sampled_from(["voice", "chat"])),
            "outcome": outcome,
            "offered_at": start,
            "ended_at": end,
            "talking": talking,
            "wait_s": 0.0,
        }
        if outcome == "answered":
            row["answered_at"] = start
        out.append(row)
    return out


def reference(
    rows: list[dict[str, Any]], window: dt.timedelta, gap: dt.timedelta, same: bool
) -> dict[str, int]:
    """Counts by the definition, pair by pair."""
    last = max(r["offered_at"] for r in rows)

    def ident(r: dict[str, Any]) -> bool:
        return r["customer_id"] in ("a", "b", "c")

    counts = {"eligible": 0, "resolved": 0, "received": 0}
    for a in rows:
        if not ident(a) or a["outcome"] not in ("answered", "abandoned", "timed_out"):
            continue
        end = a["ended_at"]
        if end is None or end + window > last:
            continue
        counts["received"] += 1
        if a["outcome"] != "answered":
            continue
        counts["eligible"] += 1
        repeated = any(
            ident(b)
            and b["customer_id"] == a["customer_id"]
            and (not same or b["channel"] == a["channel"])
            and b["outcome"] in ("answered", "abandoned", "timed_out", "in_progress")
            and b["offered_at"] > end
            and gap <= b["offered_at"] - end <= window
            for b in rows
        )
        counts["resolved"] += not repeated
    return counts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contacts(),
    st.sampled_from(["1d", "3d", "7d"]),
    st.sampled_from(["0", "10m", "1h"]),
    st.booleans(),
)
def test_fcr_matches_the_definition(
    rows: list[dict[str, Any]], window: str, gap: str, same: bool
) -> None:
    options = outcome_options(fcr_window=window, fcr_min_gap=gap, fcr_same_channel=same)
    (got,) = report(rows, [], FCR, outcomes=options).rows()
    want = reference(
        rows,
        dt.timedelta(seconds=options.repeat_window_s),
        dt.timedelta(seconds=options.min_gap_s),
        same,
    )
    if want["eligible"]:
        assert got["fcr"] == pytest.approx(want["resolved"] / want["eligible"])
        assert got["fcr"] + got["repeat_contact_rate"] == pytest.approx(1.0)
    else:
        assert got["fcr"] is None
    if want["received"]:
        assert got["resolution_rate"] == pytest.approx(want["resolved"] / want["received"])
        assert got["resolution_rate"] <= (got["fcr"] if got["fcr"] is not None else 0) + 1e-12
    else:
        assert got["resolution_rate"] is None


def test_csi_takes_fcr_with_its_weight() -> None:
    answers = [answer("csat", 5, 1, 5), answer("csat", 1, 1, 5)]  # csat 0.5
    only = report(CASES, answers, ["csi"], outcomes=outcome_options(csi_weights="fcr=1"))
    (row,) = only.rows()
    assert row["csi"] == pytest.approx(4 / 8)
    both = report(CASES, answers, ["csi"], outcomes=outcome_options(csi_weights="csat=1,fcr=3"))
    (row,) = both.rows()
    assert row["csi"] == pytest.approx((0.5 + 3 * 4 / 8) / 4)
    assert any("csat=1, fcr=3" in n for n in both.notes)
    assert any("repeat window 7d" in n for n in both.notes)
