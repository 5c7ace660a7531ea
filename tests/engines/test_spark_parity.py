"""The same report on DuckDB and on Spark (local mode) gives the same rows."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from contactcenter.engines import open_engine
from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, run_report
from contactcenter.sources import ingest
from contactcenter.store import Store
from tests.conftest import contacts_table, memory_engine
from tests.metrics.test_cases import close
from tests.metrics.test_facts import (  # noqa: F401  (fixtures)
    agent_time,
    at,
    load,
    load_tickets,
    tickets,
)

pytestmark = pytest.mark.spark


def sample_rows(n: int = 600, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    base = dt.datetime(2024, 3, 30, tzinfo=dt.UTC)
    rows = []
    for i in range(n):
        outcome = rnd.choice(
            ["answered"] * 6
            + ["abandoned", "abandoned", "timed_out", "ivr_abandoned", "in_progress"]
        )
        rows.append(
            {
                "contact_id": f"c{i}",
                "offered_at": base + dt.timedelta(seconds=rnd.randrange(3 * 86400)),
                "outcome": outcome,
                "wait_s": rnd.uniform(0, 90)
                if outcome not in ("ivr_abandoned", "in_progress")
                else None,
                "queue": rnd.choice(["billing", "sales", None]),
                "agent_id": rnd.choice(["ann", "bob"]) if outcome == "answered" else None,
                "talk_s": rnd.uniform(30, 400) if outcome == "answered" else None,
                "transferred": outcome == "answered" and rnd.random() < 0.1,
                "ring_no_answer": rnd.randrange(3),
            }
        )
    return rows


def assert_same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert len(a) == len(b) > 0
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            assert close(x[key], y[key]), (key, x[key], y[key])


@pytest.mark.parametrize(
    ("by", "tz"),
    [
        (("queue", "interval"), "UTC"),
        (("day", "hour"), "Europe/Vilnius"),
        (("week", "month", "agent"), "America/New_York"),
    ],
)
def test_spark_matches_duckdb(spark_engine_factory: Any, by: tuple[str, ...], tz: str) -> None:
    table = contacts_table(sample_rows())
    request = ReportRequest(metrics=tuple(select_metrics(None)), by=by, tz=tz)
    duck = run_report(memory_engine(table), request).rows()
    spark = run_report(spark_engine_factory(table), request).rows()
    assert_same(duck, spark)


def test_spark_engine_reads_a_store(spark_engine_factory: Any, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    rows = sample_rows(200, seed=3)
    with Store(db) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = len(rows)
        session.write("contacts", contacts_table(rows))
    request = ReportRequest(metrics=tuple(select_metrics(None)), by=("queue",))
    duck = open_engine("duckdb", db=db)
    try:
        want = run_report(duck, request).rows()
    finally:
        duck.close()
    got = run_report(open_engine("spark", db=db), request).rows()
    assert_same(want, got)


@pytest.mark.usefixtures("agent_time", "tickets")
def test_spark_runs_derived_and_snapshot_metrics(spark_engine_factory: Any, tmp_path: Path) -> None:
    """The parts of a multi-fact report (two flows joined, a derived ratio, snapshots on
    a period grid and at the end of the selection) give the same rows on Spark."""
    db = tmp_path / "s.duckdb"
    load(
        db,
        [{"offered_at": at(1, 9), "outcome": "answered", "agent_id": "a", "talk_s": 100.0}],
        [
            {"id": "1", "line": "q1", "agent": "a", "at": at(1, 9), "available_s": 300.0},
            {"id": "2", "line": "q1", "agent": "b", "at": at(1, 10), "available_s": 100.0},
        ],
    )
    load_tickets(db)
    cases = [
        (["answered", "toy_available_s", "toy_occupancy"], ("agent",), {}),
        (["toy_created", "toy_open", "toy_open_urgent"], ("queue", "day"), {}),
        (["toy_open"], ("queue",), {"end": "2024-03-02 12:00"}),
    ]
    for names, by, extra in cases:
        request = ReportRequest(metrics=tuple(select_metrics(names)), by=by, **extra)
        duck = open_engine("duckdb", db=db)
        try:
            want = run_report(duck, request).rows()
        finally:
            duck.close()
        spark = open_engine("spark", db=db)
        try:
            got = run_report(spark, request).rows()
        finally:
            spark.close()
        assert_same(want, got)


def test_spark_runs_the_agent_and_adherence_metrics(tmp_path: Path) -> None:
    """Agent states (both scopes, cut pieces, open states), pause reasons and adherence
    with its tolerance give the same rows on Spark as on DuckDB."""
    from tests.sources.conftest import write
    from tests.sources.test_adherence import DAY, SCHEDULE
    from tests.sources.test_agent_states import DAY_LOG

    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        for fmt, name, text in [
            ("queue_log", "a", "\n".join(DAY_LOG + DAY) + "\n"),
            ("schedule_csv", "s.csv", SCHEDULE),
        ]:
            ingest(store, fmt=fmt, files=[write(tmp_path / name, text)])
    cases = [
        (
            "logged_in_s,available_s,handling_s,not_ready_s,contacts_handled,"
            "contacts_per_hour,occupancy,utilization",
            ("agent", "interval"),
            {},
        ),
        ("not_ready_s,logged_in_s", ("queue", "reason"), {}),
        (
            "scheduled_s,out_of_adherence_s,late_login_s,break_overrun_s,adherence,"
            "conformance,shrinkage_observed",
            ("agent", "day"),
            {"tolerance_s": 0.0},
        ),
    ]
    for names, by, extra in cases:
        request = ReportRequest(metrics=tuple(select_metrics(names.split(","))), by=by, **extra)
        duck = open_engine("duckdb", db=db)
        try:
            want = run_report(duck, request).rows()
        finally:
            duck.close()
        spark = open_engine("spark", db=db)
        try:
            got = run_report(spark, request).rows()
        finally:
            spark.close()
        assert want
        assert_same(want, got)
