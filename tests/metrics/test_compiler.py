"""Properties of the compiled query that the benchmarks rely on (docs/decisions/0003)."""

from __future__ import annotations

import ibis

from contactcenter.metrics import ReportSpec, catalog, compile_report
from tests.conftest import contacts_table, memory_engine

VOICE = tuple(m for m in catalog() if set(m.facts) <= {"contacts", "ring_outs"})
"""The metrics the report benchmark runs (benchmarks/report_bench.py): those of calls."""


def sql(by: tuple[str, ...]) -> str:
    engine = memory_engine(contacts_table([]))
    try:
        expr = compile_report(engine.table, ReportSpec(metrics=VOICE, by=by))
        return str(ibis.to_sql(expr, dialect="duckdb"))
    finally:
        engine.close()


def test_the_two_parts_of_a_daily_report_share_no_prepared_rows() -> None:
    """sl_target_met_share by day aggregates one level below the metrics. If both parts
    read one prepared table, Ibis emits it as a CTE and DuckDB materialises every row
    (1.2 GB at 10M contacts); each part prepares its own rows instead."""
    assert "WITH" not in sql(("day",)).upper().split()
    assert "WITH" not in sql(("queue", "interval")).upper().split()
