"""CLI commands ``forecast`` and ``backtest``: options in, one call of
:mod:`contactcenter.app.forecast`, the answer out.

``forecast`` writes interval_start, queue, calls, calls_lo, calls_hi, aht_s: the input of
``contactcenter plan --forecast``. ``backtest`` scores every method (and ``auto``) on
rolling origins and shows them beside the two seasonal baselines, as a table, CSV, JSON
and an HTML chart. Every bad value is one ``error: ...`` line on stderr (exit 2).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from contactcenter.app import forecast as api
from contactcenter.cli.common import output_format as cli_format
from contactcenter.cli.common import require_file, user_errors
from contactcenter.forecasting import ALL_METHODS, AUTO
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
            str | None,
            typer.Option(
                "--format", help="csv, json, table or xlsx (default: --output's suffix, else csv)."
            ),
        ] = None,
        output: OutputOpt = None,
    ) -> None:
        """Forecast calls (80 % interval) and AHT per interval; the output feeds `plan`."""
        fmt = cli_format(output_format, output, FORMATS_FORECAST, "csv")
        require_file(fmt, output)
        if output is not None:
            writers.check_target(output, "output")
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
        if output is None:
            sys.stdout.write(result.to_text(fmt))
        else:
            result.write(output, format=fmt)
        for q, m in result.methods.items():
            note = "" if result.calibrated[q] else " (intervals not calibrated: short history)"
            print(f"queue {q}: method {m}{note}", file=sys.stderr)
        if not result.has_aht:
            print(
                "note: the history has no aht_s; pass --aht 180s to fill it "
                "(contactcenter plan needs it)",
                file=sys.stderr,
            )

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
            str | None,
            typer.Option(
                "--format", help="table, csv or json (default: --output's suffix, else table)."
            ),
        ] = None,
        output: OutputOpt = None,
        html: Annotated[
            Path | None, typer.Option("--html", help="Also write the chart report here.")
        ] = None,
    ) -> None:
        """Score the methods on rolling origins beside the seasonal baselines."""
        fmt = cli_format(output_format, output, FORMATS_BACKTEST, "table")
        for name, target in (("output", output), ("html", html)):
            if target is not None:
                writers.check_target(target, name)
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
        files: list[tuple[Path, str | bytes, str]] = []
        if output is not None:
            files.append((output, result.to_text(fmt), "output"))
        if html is not None:
            from contactcenter.reports import planning
            from contactcenter.reports.html import render_html

            sections = planning.backtest_sections(result.result, result.scores())
            files.append((html, render_html("Forecast backtest", sections), "html"))
        writers.write_files(files)  # all of them or none
        if output is None:
            sys.stdout.write(result.to_text(fmt))
