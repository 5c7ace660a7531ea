"""The catalog over several facts: a fact declared in a test and reported with no other
edit, a metric whose parts come from two facts, and a snapshot metric (hand-computed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from contactcenter.engines import open_engine
from contactcenter.errors import InputError
from contactcenter.facts import TIMESTAMP, TableSpec, register, unregister
from contactcenter.metrics import Metric, register_metric, select_metrics, unregister_metric
from contactcenter.metrics.measures import Flag, Measures, register_measures
from contactcenter.reports.query import ReportRequest, run_report
from contactcenter.store import Store
from tests.conftest import contacts_table

T0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, minute, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- a toy fact
@pytest.fixture
def agent_time() -> Iterator[None]:
    """A toy fact: an agent's available seconds per queue and moment, with a metric that
    sums them and one that relates them to the contacts' handle time."""
    register(
        TableSpec(
            name="toy_agent_time",
            schema=pa.schema(
                [
                    pa.field("id", pa.string(), nullable=False),
                    pa.field("line", pa.string()),
                    pa.field("agent", pa.string()),
                    pa.field("at", TIMESTAMP, nullable=False),
                    pa.field("available_s", pa.float64()),
                ]
            ),
            key=("id",),
            write="upsert",
            time="at",
            keys={"queue": "line", "agent": "agent"},
        )
    )
    metrics = [
        Metric(
            name="toy_available_s",
            kind="sum",
            unit="seconds",
            fact="toy_agent_time",
            formula="sum of available_s",
            description="test",
            of="available_s",
        ),
        Metric(
            name="toy_records",
            kind="count",
            unit="count",
            fact="toy_agent_time",
            formula="rows",
            description="test",
        ),
        Metric(
            name="toy_handled_s",
            kind="sum",
            unit="seconds",
            fact="contacts",
            formula="sum of handle_s of answered, ended contacts",
            description="test",
            where="answered_ended",
            of="handle_s",
        ),
        Metric(
            name="toy_occupancy",
            kind="derived",
            unit="fraction",
            fact=None,
            formula="toy_handled_s / (toy_handled_s + toy_available_s)",
            description="test",
            numerator="toy_handled_s",
            denominator="toy_handled_s + toy_available_s",
        ),
    ]
    for m in metrics:
        register_metric(m)
    yield
    for m in metrics:
        unregister_metric(m.name)
    unregister("toy_agent_time")


def load(db: Path, contacts: list[dict[str, Any]], agent_time: list[dict[str, Any]]) -> None:
    with Store(db) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = len(contacts) + len(agent_time)
        if contacts:
            session.write("contacts", contacts_table(contacts))
        if agent_time:
            session.write("toy_agent_time", pa.Table.from_pylist(agent_time))


def report(db: Path, names: list[str], by: tuple[str, ...], **extra: Any) -> list[dict[str, Any]]:
    engine = open_engine("duckdb", db=db)
    try:
        request = ReportRequest(metrics=tuple(select_metrics(names)), by=by, **extra)
        return run_report(engine, request).rows()
    finally:
        engine.close()


def test_a_fact_declared_in_a_test_is_reported_by_queue_and_day(
    tmp_path: Path, agent_time: None
) -> None:
    db = tmp_path / "s.duckdb"
    load(
        db,
        [],
        [
            {"id": "1", "line": "sales", "agent": "a", "at": at(1, 9), "available_s": 600.0},
            {"id": "2", "line": "sales", "agent": "b", "at": at(1, 23, 59), "available_s": 60.0},
            {"id": "3", "line": "sales", "agent": "a", "at": at(2, 0), "available_s": 30.0},
            {"id": "4", "line": None, "agent": "a", "at": at(2, 10), "available_s": 5.0},
        ],
    )
    got = report(db, ["toy_records", "toy_available_s"], ("queue", "day"))
    assert got == [
        {"queue": "sales", "day": "2024-03-01", "toy_records": 2, "toy_available_s": 660.0},
        {"queue": "sales", "day": "2024-03-02", "toy_records": 1, "toy_available_s": 30.0},
        {"queue": None, "day": "2024-03-02", "toy_records": 1, "toy_available_s": 5.0},
    ]


def test_a_metric_over_two_facts_joins_them_on_the_keys(tmp_path: Path, agent_time: None) -> None:
    """By agent: a handled 100 + 200 s and was available 300 s -> 0.5; b handled nothing
    and was available 100 s -> 0.0; c answered a call (50 s) but has no agent time ->
    1.0; the abandoned call's row (no agent) has no handle time and no availability ->
    null."""
    db = tmp_path / "s.duckdb"
    load(
        db,
        [
            {"offered_at": at(1, 9), "outcome": "answered", "agent_id": "a", "talk_s": 100.0},
            {"offered_at": at(1, 9), "outcome": "answered", "agent_id": "a", "talk_s": 150.0,
             "acw_s": 50.0},
            {"offered_at": at(1, 9), "outcome": "answered", "agent_id": "c", "talk_s": 50.0},
            {"offered_at": at(1, 9), "outcome": "abandoned", "wait_s": 30.0},
        ],
        [
            {"id": "1", "line": "q1", "agent": "a", "at": at(1, 9), "available_s": 300.0},
            {"id": "2", "line": "q1", "agent": "b", "at": at(1, 10), "available_s": 100.0},
        ],
    )  # fmt: skip
    got = report(db, ["answered", "toy_handled_s", "toy_available_s", "toy_occupancy"], ("agent",))
    assert got == [
        {"agent": "a", "answered": 2, "toy_handled_s": 300.0, "toy_available_s": 300.0,
         "toy_occupancy": 0.5},
        {"agent": "b", "answered": 0, "toy_handled_s": 0.0, "toy_available_s": 100.0,
         "toy_occupancy": 0.0},
        {"agent": "c", "answered": 1, "toy_handled_s": 50.0, "toy_available_s": 0.0,
         "toy_occupancy": 1.0},
        {"agent": None, "answered": 0, "toy_handled_s": 0.0, "toy_available_s": 0.0,
         "toy_occupancy": None},
    ]  # fmt: skip
    total = report(db, ["toy_occupancy"], ())
    assert total == [{"toy_occupancy": pytest.approx(350 / 750)}]


def test_a_metric_whose_fact_lacks_a_key_is_refused_when_asked_for(
    tmp_path: Path, agent_time: None
) -> None:
    db = tmp_path / "s.duckdb"
    load(db, [], [{"id": "1", "line": "q", "agent": "a", "at": at(1, 9), "available_s": 1.0}])
    with pytest.raises(InputError, match="toy_agent_time, which has no channel") as info:
        report(db, ["toy_records"], ("channel",))
    assert info.value.field == "by"


# --------------------------------------------------------------------------- snapshots
@pytest.fixture
def tickets() -> Iterator[None]:
    register(
        TableSpec(
            name="toy_tickets",
            schema=pa.schema(
                [
                    pa.field("id", pa.string(), nullable=False),
                    pa.field("queue", pa.string()),
                    pa.field("priority", pa.string()),
                    pa.field("created_at", TIMESTAMP, nullable=False),
                    pa.field("resolved_at", TIMESTAMP),
                ]
            ),
            key=("id",),
            write="upsert",
            time="created_at",
            keys={"queue": "queue"},
        )
    )
    register_measures(
        Measures(
            fact="toy_tickets",
            partition="priority",
            flags={"urgent": Flag(("urgent",))},
        )
    )
    metrics = [
        Metric(
            name="toy_open",
            kind="snapshot",
            unit="count",
            fact="toy_tickets",
            formula="tickets created and not resolved at the end of the period",
            description="test",
            since="created_at",
            until="resolved_at",
        ),
        Metric(
            name="toy_open_urgent",
            kind="snapshot",
            unit="count",
            fact="toy_tickets",
            formula="urgent tickets open at the end of the period",
            description="test",
            where="urgent",
            since="created_at",
            until="resolved_at",
        ),
        Metric(
            name="toy_created",
            kind="count",
            unit="count",
            fact="toy_tickets",
            formula="tickets created",
            description="test",
        ),
    ]
    for m in metrics:
        register_metric(m)
    yield
    for m in metrics:
        unregister_metric(m.name)
    unregister("toy_tickets")


TICKETS = [
    # id, queue, priority, created, resolved
    ("t1", "q1", "normal", at(1, 9), at(1, 17)),  # opened and closed on day 1
    ("t2", "q1", "urgent", at(1, 10), at(3, 9)),  # open at the end of days 1 and 2
    ("t3", "q1", "normal", at(2, 11), None),  # open since day 2
    ("t4", "q2", "normal", at(1, 12), at(2, 0)),  # resolved exactly at midnight: still open
    # at the end of day 1 (the state just before the period ends)
    ("t5", "q2", "urgent", at(3, 8), None),
]


def load_tickets(db: Path) -> None:
    rows = [
        {"id": i, "queue": q, "priority": p, "created_at": c, "resolved_at": r}
        for i, q, p, c, r in TICKETS
    ]
    with Store(db) as store, store.load(fmt="test", files=["t"]) as session:
        session.account.read = session.account.used = len(rows)
        session.write("toy_tickets", pa.Table.from_pylist(rows))


def test_a_snapshot_counts_what_is_open_at_the_end_of_each_period(
    tmp_path: Path, tickets: None
) -> None:
    db = tmp_path / "s.duckdb"
    load_tickets(db)
    got = report(db, ["toy_created", "toy_open", "toy_open_urgent"], ("day",))
    assert got == [
        {"day": "2024-03-01", "toy_created": 3, "toy_open": 2, "toy_open_urgent": 1},
        {"day": "2024-03-02", "toy_created": 1, "toy_open": 2, "toy_open_urgent": 1},
        {"day": "2024-03-03", "toy_created": 1, "toy_open": 2, "toy_open_urgent": 1},
    ]
    by_queue = report(db, ["toy_open"], ("queue", "day"))
    assert by_queue == [
        {"queue": "q1", "day": "2024-03-01", "toy_open": 1},
        {"queue": "q1", "day": "2024-03-02", "toy_open": 2},
        {"queue": "q1", "day": "2024-03-03", "toy_open": 1},
        {"queue": "q2", "day": "2024-03-01", "toy_open": 1},
        {"queue": "q2", "day": "2024-03-03", "toy_open": 1},
    ]


def test_a_snapshot_without_a_period_is_taken_at_the_end_of_the_selection(
    tmp_path: Path, tickets: None
) -> None:
    db = tmp_path / "s.duckdb"
    load_tickets(db)
    # --to 2024-03-02: the state just before midnight between day 1 and day 2
    assert report(db, ["toy_open"], (), end="2024-03-02") == [{"toy_open": 2}]
    assert report(db, ["toy_open"], ("queue",), end="2024-03-02 12:00") == [
        {"queue": "q1", "toy_open": 2}
    ]
    # no end: what is open now, after every event the store holds
    assert report(db, ["toy_open"], ()) == [{"toy_open": 2}]
    assert report(db, ["toy_open_urgent"], ("queue",)) == [{"queue": "q2", "toy_open_urgent": 1}]
    # a period range after the data carries the open tickets on
    assert report(db, ["toy_open"], ("day",), start="2024-03-04", end="2024-03-06") == [
        {"day": "2024-03-04", "toy_open": 2},
        {"day": "2024-03-05", "toy_open": 2},
    ]


def test_a_snapshot_by_hour_of_day_is_refused(tmp_path: Path, tickets: None) -> None:
    db = tmp_path / "s.duckdb"
    load_tickets(db)
    with pytest.raises(InputError, match="end of each period") as info:
        report(db, ["toy_open"], ("hour",))
    assert info.value.field == "by"
