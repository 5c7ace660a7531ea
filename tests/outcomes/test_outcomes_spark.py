"""The outcome metrics give the same rows on Spark as on DuckDB (FCR's window query,
the survey flags, the distinct count and the index)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from contactcenter.app.report import outcome_options
from contactcenter.engines import open_engine
from contactcenter.facts import QA_EVALUATIONS
from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, run_report
from contactcenter.store import Store
from tests.outcomes.helpers import answer, contacts_with_ends, conversations_table, surveys_table
from tests.outcomes.test_fcr import CASES
from tests.outcomes.test_fcr_channels import CHATS

METRICS = [
    "qa_score",
    "qa_critical_fail_rate",
    "qa_calibration_spread",
    "fcr",
    "repeat_contact_rate",
    "resolution_rate",
    "csat",
    "nps",
    "ces_mean",
    "surveys_answered",
    "survey_response_rate",
    "csi",
    "fcr_declared",
    "dispositioned",
    "complaint_rate",
    "resolved_in_period",
]


def qa_rows() -> pa.Table:
    """Three evaluations: c1 scored by two evaluators (spread 40), one critical fail."""
    at = dt.datetime(2024, 3, 1, 15, tzinfo=dt.UTC)
    rows = [
        ("e1", "c1", "ann", "qa1", 90.0, False),
        ("e2", "c1", "ann", "qa2", 50.0, False),
        ("e3", "c2", "bob", "qa1", 0.0, True),
    ]
    return QA_EVALUATIONS.conform(
        pa.Table.from_pylist(
            [
                {
                    "evaluation_id": e,
                    "source": "qa",
                    "form": "f",
                    "contact_id": c,
                    "agent_id": a,
                    "evaluator_id": q,
                    "evaluated_at": at,
                    "score": score,
                    "critical_failed": failed,
                    "items_answered": 3,
                    "items_na": 0,
                }
                for e, c, a, q, score, failed in rows
            ]
        )
    )


@pytest.mark.usefixtures("spark_engine_factory")  # one local Spark session per run
@pytest.mark.parametrize("options", [{"fcr_same_channel": True, "fcr_min_gap": "60s"}])
def test_spark_matches_duckdb_on_outcomes(tmp_path: Path, options: dict[str, Any]) -> None:
    db = tmp_path / "store.duckdb"
    answers = [
        answer("csat", 5, 1, 5, survey_id="r1", answered_at=CASES[0]["ended_at"]),
        answer("nps", 9, 0, 10, survey_id="r1", answered_at=CASES[0]["ended_at"]),
        answer("ces", 3, 1, 7, survey_id="r2", answered_at=CASES[4]["ended_at"]),
        answer("resolved", 1, 0, 1, contact_id="B1", survey_id="r3"),
        answer("resolved", 0, 0, 1, contact_id="D1", survey_id="r4"),
        answer("resolved", 1, 0, 1, conversation_id="CV1", survey_id="r5"),
        answer("csat", 4, 1, 5, conversation_id="CV1", survey_id="r5"),
    ]
    cases = [dict(c) for c in CASES]
    cases[0].update(disposition="COMPLAINT", resolved=True)  # A1
    cases[2].update(disposition="SALE")
    with Store(db) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = len(CASES)
        session.write("contacts", contacts_with_ends(cases))
        session.write("conversations", conversations_table(CHATS))
        session.write("surveys", surveys_table(answers))
        session.write("qa_evaluations", qa_rows())
    request = ReportRequest(
        metrics=tuple(select_metrics(METRICS)),
        by=("day",),
        outcomes=outcome_options(
            csi_weights="csat=1,nps=1,ces=1,fcr=1", complaints=["COMPLAINT"], **options
        ),
    )
    duck = open_engine("duckdb", db=db)
    try:
        want = run_report(duck, request)
    finally:
        duck.close()
    got = run_report(open_engine("spark", db=db), request)
    assert got.notes == want.notes
    assert len(got.rows()) == len(want.rows())
    for x, y in zip(want.rows(), got.rows(), strict=True):
        for key in x:
            if isinstance(x[key], float):
                assert y[key] == pytest.approx(x[key]), key
            else:
                assert y[key] == x[key], key
    assert any(r["fcr"] is not None for r in want.rows())
    assert any(r["fcr_declared"] is not None for r in want.rows())
    assert any(r["complaint_rate"] is not None for r in want.rows())
    names = ["csat", "nps", "fcr", "resolution_rate", "fcr_declared", "complaint_rate"]
    by_queue = dataclasses.replace(
        request, by=("queue", "channel"), metrics=tuple(select_metrics(names))
    )
    duck = open_engine("duckdb", db=db)
    try:
        want = run_report(duck, by_queue)
    finally:
        duck.close()
    got = run_report(open_engine("spark", db=db), by_queue)
    assert len(got.rows()) == len(want.rows()) > 1
    for x, y in zip(want.rows(), got.rows(), strict=True):
        for key in x:
            if isinstance(x[key], float):
                assert y[key] == pytest.approx(x[key]), key
            else:
                assert y[key] == x[key], key
