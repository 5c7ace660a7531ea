"""Builders shared by the outcome tests: survey answers and engines over them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa

from contactcenter.engines.base import Engine
from contactcenter.facts import SURVEYS, ring_outs
from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, ReportResult, run_report
from tests.conftest import contacts_table

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def answer(kind: str, score: float, low: int, high: int, **extra: Any) -> dict[str, Any]:
    """One survey answer (survey_id from ``extra`` or made unique by the caller)."""
    row: dict[str, Any] = {
        "survey_id": extra.pop("survey_id", None),
        "source": "test",
        "kind": kind,
        "answered_at": extra.pop("answered_at", T0),
        "score": float(score),
        "scale_min": low,
        "scale_max": high,
    }
    row.update(extra)
    return row


def surveys_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Canonical survey answers; a row without survey_id gets its own."""
    full = []
    for i, row in enumerate(rows):
        rec = dict(row)
        if rec.get("survey_id") is None:
            rec["survey_id"] = f"s{i}"
        full.append(rec)
    return SURVEYS.conform(pa.Table.from_pylist(full)) if full else SURVEYS.empty()


def contacts_with_ends(rows: list[dict[str, Any]]) -> pa.Table:
    """:func:`tests.conftest.contacts_table` plus customer_id, answered_at and ended_at
    (datetimes, naive ones UTC) as the rows give them."""
    table = contacts_table(rows)

    def instant(value: Any) -> dt.datetime | None:
        if value is None:
            return None
        at = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)

    for name in ("answered_at", "ended_at"):
        values = pa.array([instant(r.get(name)) for r in rows], table.schema.field(name).type)
        table = table.set_column(table.column_names.index(name), name, values)
    ids = pa.array([r.get("customer_id") for r in rows], pa.string())
    return table.set_column(table.column_names.index("customer_id"), "customer_id", ids)


def engine(contacts: list[dict[str, Any]], surveys: list[dict[str, Any]]) -> Engine:
    """An in-memory DuckDB engine over contacts and survey answers."""
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET enable_progress_bar = false")
    table = contacts_with_ends(contacts) if contacts else None
    if table is not None:
        backend.create_table("contacts", table)
        backend.create_table("ring_outs", ring_outs.from_contacts(table))
    backend.create_table("surveys", surveys_table(surveys))
    return Engine.over("duckdb", backend)


def report(
    contacts: list[dict[str, Any]],
    surveys: list[dict[str, Any]],
    metrics: list[str],
    by: tuple[str, ...] = (),
    **extra: Any,
) -> ReportResult:
    """Run ``metrics`` grouped by ``by`` over the rows."""
    eng = engine(contacts, surveys)
    try:
        request = ReportRequest(metrics=tuple(select_metrics(metrics)), by=by, **extra)
        return run_report(eng, request)
    finally:
        eng.close()
