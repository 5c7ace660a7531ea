"""Builders shared by the outcome tests: survey answers and engines over them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa

from contactcenter.engines.base import Engine
from contactcenter.facts import CONVERSATIONS, SURVEYS, ring_outs
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


ANSWER_DEFAULTS = ("source_tz", "source_file", "source_line")


def surveys_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Canonical survey answers; a row without survey_id gets its own."""
    full = []
    for i, row in enumerate(rows):
        rec = {name: None for name in SURVEYS.schema.names if name not in ANSWER_DEFAULTS}
        rec.update(row)
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


def conversations_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Canonical conversations: each row gives conversation_id, customer_id, created_at
    and optionally first_response_at, first_resolved_at, reopened, channel, queue (naive
    datetimes or ISO texts are UTC); last_activity_at is the latest of them."""

    def instant(value: Any) -> dt.datetime | None:
        if value is None:
            return None
        at = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)

    full = []
    for row in rows:
        rec: dict[str, Any] = {
            "source": "chat_tool",
            "channel": "chat",
            "queue": "q1",
            "agent_id": None,
            "reopened": 0,
            **row,
        }
        for name in ("created_at", "first_response_at", "first_resolved_at"):
            rec[name] = instant(rec.get(name))
        rec["last_activity_at"] = max(
            v
            for k in ("created_at", "first_response_at", "first_resolved_at")
            if (v := rec[k]) is not None
        )
        rec["status"] = "resolved" if rec["first_resolved_at"] is not None else "open"
        rec["resolved_at"] = rec["first_resolved_at"]
        full.append(rec)
    return CONVERSATIONS.conform(pa.Table.from_pylist(full)) if full else CONVERSATIONS.empty()


def engine(
    contacts: list[dict[str, Any]],
    surveys: list[dict[str, Any]],
    conversations: list[dict[str, Any]] | None = None,
) -> Engine:
    """An in-memory DuckDB engine over contacts, survey answers and conversations."""
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET enable_progress_bar = false")
    table = contacts_with_ends(contacts) if contacts else None
    if table is not None:
        backend.create_table("contacts", table)
        backend.create_table("ring_outs", ring_outs.from_contacts(table))
    backend.create_table("surveys", surveys_table(surveys))
    if conversations:
        backend.create_table("conversations", conversations_table(conversations))
    return Engine.over("duckdb", backend)


def report(
    contacts: list[dict[str, Any]],
    surveys: list[dict[str, Any]],
    metrics: list[str],
    by: tuple[str, ...] = (),
    conversations: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> ReportResult:
    """Run ``metrics`` grouped by ``by`` over the rows."""
    eng = engine(contacts, surveys, conversations)
    try:
        request = ReportRequest(metrics=tuple(select_metrics(metrics)), by=by, **extra)
        return run_report(eng, request)
    finally:
        eng.close()
