"""HTML sections of the planning results: a forecast backtest and a shift roster.

Built from :mod:`contactcenter.reports.html` sections (inline SVG charts, no script), so
the pages are self-contained and work offline.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from contactcenter.forecasting import AUTO, BacktestResult
from contactcenter.reports.html import Band, Chart, Series, Table, Text
from contactcenter.scheduling import ScheduleResult


def _clean(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return value


def backtest_sections(result: BacktestResult, scores: pd.DataFrame) -> list[Any]:
    """Report sections: WAPE per fold and method, the latest fold against the actuals, and
    the score table."""
    level = round(result.level * 100)
    sections: list[Any] = [
        Text(
            f"Rolling-origin backtest: {result.horizon_days}-day horizon at "
            f"{result.interval_s // 60}-minute intervals; fold 0 holds out the last "
            f"{result.horizon_days} days. WAPE = sum|actual - forecast| / sum actual; "
            f"coverage = share of open intervals inside the {level} % interval."
        )
    ]

    def values(frame: pd.DataFrame, column: str) -> list[float | None]:
        return [None if pd.isna(v) else float(v) for v in frame[column]]

    for queue in scores["queue"].unique():
        folds = result.by_fold[result.by_fold["queue"] == queue]
        origins = sorted(folds["origin"].unique())
        wape = folds.pivot_table(index="origin", columns="method", values="wape", aggfunc="first")
        wape = wape.reindex(origins)
        sections.append(
            Chart(
                f"WAPE by fold, queue {queue}",
                [pd.Timestamp(o).to_pydatetime() for o in origins],
                [Series(str(m), values(wape, m)) for m in folds["method"].unique()],
                bars="group",
                percent=True,
                x_time=False,
                x_label="fold origin (first forecast day)",
                y_label="WAPE",
            )
        )
        detail = result.detail[result.detail["queue"] == queue]
        q_scores = scores[scores["queue"] == queue]
        best = q_scores.sort_values("wape").iloc[0]["method"]
        shown = AUTO if AUTO in set(detail["method"]) else best
        part = detail[detail["method"] == shown].sort_values("interval_start")
        sections.append(
            Chart(
                f"Latest fold, queue {queue}: {shown} against the actuals",
                [pd.Timestamp(t).to_pydatetime() for t in part["interval_start"]],
                [
                    Series(str(shown), values(part, "calls"), kind="line", color="#4c78a8"),
                    Series(
                        "actual", values(part, "actual"), kind="line", color="#222222", width=1.2
                    ),
                ],
                bands=[
                    Band(
                        f"{level} % interval",
                        values(part, "calls_lo"),
                        values(part, "calls_hi"),
                        color="#4c78a8",
                    )
                ],
                x_step=result.interval_s,
                x_label="interval start",
                y_label="calls per interval",
                height=400,
            )
        )
    sections.append(
        Table(
            "Scores pooled over the folds",
            list(scores.columns),
            [[_fmt(v) for v in row] for row in scores.itertuples(index=False)],
        )
    )
    return sections


def _fmt(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def coverage_sections(result: ScheduleResult) -> list[Any]:
    """HTML report sections: the summary, a coverage chart and the shift table."""
    cov = result.coverage
    summary = result.summary()
    gap = [float(g) if g > 0 else None for g in cov["gap"]]
    chart = Chart(
        "Coverage: required and scheduled agents per interval",
        [pd.Timestamp(t).to_pydatetime() for t in cov["interval_start"]],
        [
            Series(
                "scheduled (working, not on break)",
                [float(v) for v in cov["scheduled"]],
                kind="step",
                fill=True,
                color="#4c78a8",
            ),
            Series("required", [float(v) for v in cov["required"]], kind="step", color="#222222"),
            Series("short (required - scheduled)", gap, color="#dc143c"),
        ],
        x_step=result.interval_s,
        integer=True,
        x_label="interval start",
        y_label="agents",
        height=420,
    )
    text = (
        f"Status {summary['status']}: {summary['paid_hours']} paid hours in "
        f"{summary['shift_count']} shifts; {summary['uncovered_agent_intervals']} agent-"
        f"intervals short and {summary['over_agent_intervals']} over; optimality gap "
        f"{summary['optimality_gap']:.4%}. An agent on a break is never counted as scheduled."
    )
    shifts = result.shifts_frame()
    return [
        Text(text),
        chart,
        Table("Shifts", list(shifts.columns), shifts.astype(str).values.tolist()),
    ]
