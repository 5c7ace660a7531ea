"""KPI cases as small data files: each is checked against its hand-computed values and
against the pure-Python reference (tests/metrics/reference.py)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.metrics import Thresholds, select_metrics
from contactcenter.reports.query import ReportRequest, run_report
from tests.conftest import contacts_table, memory_engine
from tests.metrics.reference import reference_report

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def run_case(case: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    params = case.get("params", {})
    thresholds = Thresholds().with_overrides(
        threshold_s=params.get("threshold"),
        short_abandon_s=params.get("short_abandon"),
        target=params.get("target"),
    )
    table = contacts_table(case["contacts"])
    engine = memory_engine(table)
    result = run_report(
        engine,
        ReportRequest(
            metrics=tuple(select_metrics(None)),  # the contact metrics
            by=tuple(params.get("by", ())),
            interval_s=int(params.get("interval", 1800)),
            thresholds=thresholds,
            tz=params.get("tz"),
        ),
    )
    reference = reference_report(
        table.to_pylist(),
        by=tuple(params.get("by", ())),
        t=params.get("threshold", 20.0),
        s=params.get("short_abandon", 5.0),
        target=params.get("target", 0.8),
        interval_s=int(params.get("interval", 1800)),
        tz=params.get("tz") or "UTC",
    )
    return result.rows(), reference


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_matches_hand_computed_values(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    rows, _ = run_case(case)
    expected = case["expected"]
    assert len(rows) == len(expected), rows
    for got, want in zip(rows, expected, strict=True):
        for key, value in want.items():
            assert close(got[key], value), f"{path.stem}: {key} = {got[key]!r}, want {value!r}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_matches_reference(path: Path) -> None:
    rows, reference = run_case(yaml.safe_load(path.read_text()))
    assert len(rows) == len(reference)
    for got, want in zip(rows, reference, strict=True):
        for key, value in want.items():
            assert close(got[key], value), f"{path.stem}: {key} = {got[key]!r}, want {value!r}"


def test_cases_exist() -> None:
    assert len(CASES) >= 5
