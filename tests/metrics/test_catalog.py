"""The catalog's rules: every flag decomposes into outcomes and a row condition, and any
metric the catalog accepts (not only those it ships) aggregates as over the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from contactcenter.errors import InputError
from contactcenter.facts import OUTCOMES
from contactcenter.metrics import catalog
from contactcenter.metrics.catalog import Metric, validate_catalog
from contactcenter.metrics.measures import measures_of
from contactcenter.reports.query import ReportRequest, run_report
from tests.conftest import contacts_table, memory_engine

T0 = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)


def metric(name: str, kind: Any, where: str, of: str, q: float | None = None) -> Metric:
    return Metric(name, kind, "seconds", name, name, where=where, of=of, q=q)


def test_every_contact_flag_is_outcomes_and_conditions() -> None:
    measures = measures_of("contacts")
    assert measures.partition == "outcome"
    for name, flag in measures.flags.items():
        assert flag.partition, name
        assert set(flag.partition) <= set(OUTCOMES), name
        assert set(flag.conditions) <= set(measures.conditions), name


def test_a_percentile_over_several_outcomes_is_refused() -> None:
    bad = metric("wait_p50_offered_s", "percentile", "offered", "wait_s", q=0.5)
    with pytest.raises(InputError, match="wait_p50_offered_s: a percentile's flag must name"):
        validate_catalog((*catalog(), bad))
    validate_catalog((*catalog(), metric("ok", "percentile", "abandoned", "wait_s", q=0.5)))


def test_metrics_over_flags_with_a_row_condition() -> None:
    """Hand-computed (T = 20 s, S = 5 s): queue a has answered waits 3, 10 (transferred,
    2 ring-no-answers) and 25, abandoned waits 2, 4 and 30, a timeout after 400 s;
    queue b one answer after 50 s and one abandon after 6 s."""

    def row(queue: str, outcome: str, wait: float, **extra: Any) -> dict[str, Any]:
        return {"queue": queue, "offered_at": T0, "outcome": outcome, "wait_s": wait, **extra}

    rows = [
        row("a", "answered", 3.0, ring_no_answer=1),
        row("a", "answered", 10.0, transferred=True, ring_no_answer=2),
        row("a", "answered", 25.0),
        row("a", "abandoned", 2.0),
        row("a", "abandoned", 4.0, ring_no_answer=5),
        row("a", "abandoned", 30.0),
        row("a", "timed_out", 400.0),
        row("b", "answered", 50.0, ring_no_answer=1),
        row("b", "abandoned", 6.0),
    ]
    custom = (
        metric("short_abandon_wait_s", "mean", "short_abandoned", "wait_s"),
        metric("max_wait_in_threshold_s", "max", "answered_in_threshold", "wait_s"),
        metric("rna_transferred", "sum", "transferred", "ring_no_answer"),
        metric("rna_abandoned", "sum", "abandoned", "ring_no_answer"),
        metric("p50_in_threshold_s", "percentile", "answered_in_threshold", "wait_s", q=0.5),
        metric("p50_abandoned_s", "percentile", "abandoned", "wait_s", q=0.5),
    )
    validate_catalog(custom)
    engine = memory_engine(contacts_table(rows))
    try:
        got = run_report(engine, ReportRequest(metrics=custom, by=("queue",))).rows()
    finally:
        engine.close()
    assert got == [
        {
            "queue": "a",
            "short_abandon_wait_s": 3.0,
            "max_wait_in_threshold_s": 10.0,
            "rna_transferred": 2,
            "rna_abandoned": 5,
            "p50_in_threshold_s": 6.5,
            "p50_abandoned_s": 4.0,
        },
        {
            "queue": "b",
            "short_abandon_wait_s": None,
            "max_wait_in_threshold_s": None,
            "rna_transferred": 0,
            "rna_abandoned": 0,
            "p50_in_threshold_s": None,
            "p50_abandoned_s": 6.0,
        },
    ]
