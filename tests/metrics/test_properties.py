"""Invariants of the catalog on random contacts (hypothesis), engine against reference."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, run_report
from tests.conftest import contacts_table, memory_engine
from tests.metrics.reference import reference_report
from tests.metrics.test_cases import close

BASE = dt.datetime(2024, 3, 29, tzinfo=dt.UTC)  # spans a DST change in Europe

outcomes = st.sampled_from(
    ["answered", "answered", "abandoned", "timed_out", "ivr_abandoned", "in_progress"]
)


@st.composite
def contact(draw: Any) -> dict[str, Any]:
    outcome = draw(outcomes)
    has_wait = outcome in ("answered", "abandoned", "timed_out")
    talking = outcome == "answered" and draw(st.integers(0, 4)) == 0
    return {
        "talking": talking,
        "offered_at": BASE + dt.timedelta(seconds=draw(st.integers(0, 5 * 86400))),
        "outcome": outcome,
        "wait_s": float(draw(st.integers(0, 120))) if has_wait else None,
        "queue": draw(st.sampled_from(["a", "b", None])),
        "agent_id": draw(st.sampled_from(["x", "y"])) if outcome == "answered" else None,
        "talk_s": draw(st.one_of(st.none(), st.floats(0, 600)))
        if outcome == "answered" and not talking
        else None,
        "transferred": draw(st.booleans()) if outcome == "answered" else False,
        "ring_no_answer": draw(st.integers(0, 3)),
    }


contact_lists = st.lists(contact(), min_size=1, max_size=40)
CONTACT_METRICS = tuple(select_metrics(None))
"""The default set: the metrics of contacts (agent and adherence metrics have their own
property tests in tests/sources)."""
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def report(
    rows: list[dict[str, Any]], by: tuple[str, ...], tz: str | None = None
) -> list[dict[str, Any]]:
    engine = memory_engine(contacts_table(rows))
    try:
        return run_report(engine, ReportRequest(metrics=CONTACT_METRICS, by=by, tz=tz)).rows()
    finally:
        engine.close()


@FAST
@given(contact_lists, st.sampled_from([(), ("day",), ("queue", "interval"), ("week", "agent")]))
def test_ratios_are_fractions_and_counts_add_up(
    rows: list[dict[str, Any]], by: tuple[str, ...]
) -> None:
    for row in report(rows, by):
        for m in CONTACT_METRICS:
            value = row[m.name]
            if m.unit == "fraction" and value is not None:
                assert 0.0 <= value <= 1.0, (m.name, value)
        assert row["answered"] + row["abandoned"] + row["timed_out"] == row["offered"]
        assert row["short_abandoned"] <= row["abandoned"]
        assert row["answered_in_threshold"] <= row["answered"]


@FAST
@given(contact_lists)
def test_counts_by_day_sum_to_the_total(rows: list[dict[str, Any]]) -> None:
    total = report(rows, ())[0]
    by_day = report(rows, ("day",))
    for name in (
        "offered",
        "answered",
        "abandoned",
        "timed_out",
        "ivr_abandoned",
        "in_progress",
        "short_abandoned",
        "answered_in_threshold",
        "transferred",
        "ring_no_answer",
    ):
        assert sum(r[name] for r in by_day) == total[name], name


@FAST
@given(contact_lists, st.randoms(use_true_random=False))
def test_report_does_not_depend_on_line_order(rows: list[dict[str, Any]], rnd: Any) -> None:
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    for a, b in zip(
        report(rows, ("queue", "interval")), report(shuffled, ("queue", "interval")), strict=True
    ):
        assert a.keys() == b.keys()
        for key in a:
            assert close(a[key], b[key]), key


@FAST
@given(
    contact_lists,
    st.sampled_from([(), ("day", "hour"), ("queue",), ("month", "agent"), ("interval",)]),
    st.sampled_from(["UTC", "Europe/Vilnius", "Asia/Jerusalem", "America/New_York"]),
)
def test_engine_agrees_with_reference(
    rows: list[dict[str, Any]], by: tuple[str, ...], tz: str
) -> None:
    got = report(rows, by, tz)
    want = reference_report(contacts_table(rows).to_pylist(), by=by, tz=tz)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        for key, value in b.items():
            assert close(a[key], value), (key, a[key], value)


def test_service_level_null_when_only_short_abandons() -> None:
    rows = [{"offered_at": BASE, "outcome": "abandoned", "wait_s": 1.0}]
    row = report(rows, ())[0]
    assert row["service_level"] is None  # 0 / (1 - 1): empty denominator is null, never 0
    assert row["abandon_rate"] is None
    assert row["abandon_rate_raw"] == 1.0
    assert not math.isnan(row["max_wait_s"])
