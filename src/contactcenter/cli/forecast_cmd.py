"""CLI commands ``forecast`` and ``backtest``: options in, one call of
:mod:`contactcenter.app.forecast`, the answer out.

``forecast`` writes interval_start, queue, calls, calls_lo, calls_hi, aht_s: the input of
``contactcenter plan --forecast``. ``backtest`` scores every method (and ``auto``) on
rolling origins and shows them beside the two seasonal baselines, as a table, CSV, JSON
and an HTML chart. Every bad value is one ``error: ...`` line on stderr (exit 2).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from contactcenter.app import forecast as api
from contactcenter.app._options import choice
from contactcenter.cli.common import require_file, user_errors
from contactcenter.forecasting import ALL_METHODS, AUTO, BacktestResult
from contactcenter.reports import writers

FORMATS_FORECAST = api.FORECAST_FORMATS
FORMATS_BACKTEST = api.BACKTEST_FORMATS


# Options shared by forecast and backtest (one declaration, one help text).
HistoryOpt = Annotated[Path, typer.Option("--history", help="Interval history, CSV or Parquet.")]
IntervalOpt = Annotated[str, typer.Option("--interval", help="Forecast interval (15m, 30m, 1h).")]
CandidatesOpt = Annotated[
    str | None, typer.Option("--candidates", help="Methods auto chooses from (comma list).")
]
HolidaysOpt = Annotated[
    str | None, typer.Option("--holidays", help="File of dates, or a country code (US, IL, DE-BY).")
]
MeanWeeksOpt = Annotated[
    str, typer.Option("--mean-weeks", help="k of seasonal_mean (last k same weekdays).")
]
ColumnOpt = Annotated[
    list[str] | None,
    typer.Option("--column", help="Map a column: interval_start=DateTime (repeat)."),
]
QueueOpt = Annotated[str | None, typer.Option("--queue", help="Queue name when the file has none.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", help="Write here instead of stdout.")]


def _clean(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return value


# --------------------------------------------------------------------------- charts
def backtest_sections(result: BacktestResult, scores: pd.DataFrame) -> list[Any]:
    """Report sections: WAPE per fold and method, the latest fold against the actuals, and
    the score table."""
    import plotly.graph_objects as go

    from contactcenter.reports.html import Chart, Table, Text

    sections: list[Any] = [
        Text(
            f"Rolling-origin backtest: {result.horizon_days}-day horizon at "
            f"{result.interval_s // 60}-minute intervals; fold 0 holds out the last "
            f"{result.horizon_days} days. WAPE = sum|actual - forecast| / sum actual; "
            f"coverage = share of open intervals inside the {round(result.level * 100)} % "
            "interval."
        )
    ]
    for queue in scores["queue"].unique():
        folds = result.by_fold[result.by_fold["queue"] == queue]
        fig = go.Figure()
        for method in folds["method"].unique():
            part = folds[folds["method"] == method]
            fig.add_bar(x=part["origin"], y=part["wape"] * 100, name=method)
        fig.update_layout(
            barmode="group", yaxis_title="WAPE %", xaxis_title="fold origin", height=380
        )
        sections.append(Chart(f"WAPE by fold, queue {queue}", fig))
        detail = result.detail[result.detail["queue"] == queue]
        q_scores = scores[scores["queue"] == queue]
        best = q_scores.sort_values("wape").iloc[0]["method"]
        shown = AUTO if AUTO in set(detail["method"]) else best
        part = detail[detail["method"] == shown]
        fig2 = go.Figure()
        fig2.add_scatter(
            x=part["interval_start"],
            y=part["calls_hi"],
            mode="lines",
            line={"width": 0},
            name=f"{round(result.level * 100)} % high",
            showlegend=False,
        )
        fig2.add_scatter(
            x=part["interval_start"],
            y=part["calls_lo"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(31,119,180,0.2)",
            name=f"{round(result.level * 100)} % interval",
        )
        fig2.add_scatter(x=part["interval_start"], y=part["calls"], mode="lines", name=shown)
        fig2.add_scatter(
            x=part["interval_start"],
            y=part["actual"],
            mode="lines",
            name="actual",
            line={"color": "black", "width": 1},
        )
        fig2.update_layout(yaxis_title="calls per interval", height=420)
        sections.append(Chart(f"Latest fold, queue {queue}: {shown} against the actuals", fig2))
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


# --------------------------------------------------------------------------- commands
def register(app: typer.Typer) -> None:
    """Add ``forecast`` and ``backtest`` to ``app``."""

    @app.command("forecast")
    @user_errors
    def forecast_cmd(
        history: HistoryOpt,
        interval: IntervalOpt = "30m",
        horizon: Annotated[
            str, typer.Option("--horizon", help="Calendar days after the history (28d).")
        ] = "28d",
        method: Annotated[
            str,
            typer.Option("--method", help=f"auto or one of: {', '.join(ALL_METHODS)}."),
        ] = AUTO,
        candidates: CandidatesOpt = None,
        holidays: HolidaysOpt = None,
        folds: Annotated[
            str, typer.Option("--folds", help="Backtest folds for the choice and intervals.")
        ] = "8",
        mean_weeks: MeanWeeksOpt = "4",
        aht: Annotated[
            str | None,
            typer.Option("--aht", help="AHT to write where the history has none (180, 3m)."),
        ] = None,
        column: ColumnOpt = None,
        queue: QueueOpt = None,
        open_only: Annotated[
            bool, typer.Option("--open-only", help="Leave out closed intervals.")
        ] = False,
        output_format: Annotated[
            str, typer.Option("--format", help="csv, json, table or xlsx.")
        ] = "csv",
        output: OutputOpt = None,
    ) -> None:
        """Forecast calls (80 % interval) and AHT per interval; the output feeds `plan`."""
        fmt = choice(output_format, "format", FORMATS_FORECAST)
        require_file(fmt, output)
        result = api.forecast(
            history=history,
            interval=interval,
            horizon=horizon,
            method=method,
            candidates=candidates,
            holidays=holidays,
            folds=folds,
            mean_weeks=mean_weeks,
            aht=aht,
            column=column,
            queue=queue,
            open_only=open_only,
        )
        for q, m in result.methods.items():
            note = "" if result.calibrated[q] else " (intervals not calibrated: short history)"
            print(f"queue {q}: method {m}{note}", file=sys.stderr)
        if not result.has_aht:
            print(
                "note: the history has no aht_s; pass --aht 180s to fill it "
                "(contactcenter plan needs it)",
                file=sys.stderr,
            )
        if output is None:
            sys.stdout.write(result.to_text(fmt))
        else:
            result.write(output, format=fmt)

    @app.command("backtest")
    @user_errors
    def backtest_cmd(
        history: HistoryOpt,
        interval: IntervalOpt = "30m",
        horizon: Annotated[
            str, typer.Option("--horizon", help="Days held out per fold (28d).")
        ] = "28d",
        folds: Annotated[str, typer.Option("--folds", help="Rolling origins, 7 days apart.")] = "4",
        methods: Annotated[
            str | None,
            typer.Option("--methods", help="Methods to score (comma list; default all + auto)."),
        ] = None,
        candidates: CandidatesOpt = None,
        inner_folds: Annotated[
            str, typer.Option("--inner-folds", help="Folds inside each origin (choice, intervals).")
        ] = "8",
        holidays: HolidaysOpt = None,
        mean_weeks: MeanWeeksOpt = "4",
        column: ColumnOpt = None,
        queue: QueueOpt = None,
        output_format: Annotated[
            str, typer.Option("--format", help="table, csv or json.")
        ] = "table",
        output: OutputOpt = None,
        html: Annotated[
            Path | None, typer.Option("--html", help="Also write the chart report here.")
        ] = None,
    ) -> None:
        """Score the methods on rolling origins beside the seasonal baselines."""
        fmt = choice(output_format, "format", FORMATS_BACKTEST)
        result = api.backtest(
            history=history,
            interval=interval,
            horizon=horizon,
            folds=folds,
            methods=methods,
            candidates=candidates,
            inner_folds=inner_folds,
            holidays=holidays,
            mean_weeks=mean_weeks,
            column=column,
            queue=queue,
        )
        if html is not None:
            from contactcenter.reports.html import render_html

            sections = backtest_sections(result.result, result.scores())
            writers.write_file(html, render_html("Forecast backtest", sections), field="html")
        writers.write_text(result.to_text(fmt), output)
