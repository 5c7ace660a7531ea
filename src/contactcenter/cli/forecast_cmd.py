"""CLI commands ``forecast`` and ``backtest``: thin wrappers over :mod:`contactcenter.forecasting`.

``forecast`` writes interval_start, queue, calls, calls_lo, calls_hi, aht_s: the input of
``contactcenter plan --forecast``. ``backtest`` scores every method (and ``auto``) on
rolling origins and shows them beside the two seasonal baselines, as a table, CSV, JSON
and an HTML chart. Every bad value is one ``error: ...`` line on stderr (exit 2).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from contactcenter.cli.common import user_errors
from contactcenter.errors import InputError
from contactcenter.forecasting import (
    ALL_METHODS,
    AUTO,
    BASELINES,
    CORE_METHODS,
    BacktestResult,
    ForecastResult,
    History,
    backtest,
    forecast,
    load_holidays,
    read_history,
)
from contactcenter.units import parse_duration

FORMATS_FORECAST = ("csv", "json", "table", "xlsx")
FORMATS_BACKTEST = ("table", "csv", "json")
OUTPUT_COLUMNS = ("interval_start", "queue", "calls", "calls_lo", "calls_hi", "aht_s")


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


# --------------------------------------------------------------------------- parsing


def _choice(value: str, option: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(f"{option} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _whole(value: str, option: str, minimum: int) -> int:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not math.isfinite(number) or number != int(number) or number < minimum:
        raise InputError(f"{option} must be a whole number >= {minimum}, got {value!r}")
    return int(number)


def _interval(value: str) -> int:
    seconds = parse_duration(value, field="--interval")
    if seconds <= 0 or seconds != int(seconds) or 86_400 % int(seconds):
        raise InputError(f"--interval must divide a day (e.g. 15m, 30m, 1h), got {value!r}")
    return int(seconds)


def _horizon(value: str) -> int:
    """Calendar days: a plain whole number is days, otherwise a duration of whole days."""
    text = value.strip()
    if text.isdigit():
        days = int(text)
    else:
        seconds = parse_duration(text, field="--horizon")
        if seconds % 86_400:
            raise InputError(f"--horizon counts whole days (28d or 28), got {value!r}")
        days = int(seconds // 86_400)
    if days < 1:
        raise InputError(f"--horizon must be at least 1 day, got {value!r}")
    return days


def _columns(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        name, sep, column = item.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise InputError(f"--column must look like interval_start=DateTime, got {item!r}")
        out[name.strip()] = column.strip()
    return out


def _methods(value: str | None, option: str, allow_auto: bool) -> list[str]:
    if value is None:
        return []
    allowed = (*ALL_METHODS, AUTO) if allow_auto else ALL_METHODS
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise InputError(f"{option} needs at least one method name")
    for name in names:
        _choice(name, option, allowed)
    return names


def _load(
    history: Path, column: list[str] | None, queue: str | None
) -> tuple[History, dict[str, str]]:
    cols = _columns(column)
    return read_history(history, columns=cols or None, queue=queue), cols


def _holidays(spec: str | None, hist: History, horizon_days: int) -> frozenset[Any]:
    if spec is None:
        return frozenset()
    first = pd.Timestamp(hist.frame["interval_start"].min()).year
    last = (hist.last_day + pd.Timedelta(days=horizon_days + 31)).year
    return load_holidays(spec, range(first, last + 1))


# --------------------------------------------------------------------------- output
def _clean(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _emit_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


def _write_xlsx(output: Path | None, sheets: dict[str, pd.DataFrame]) -> None:
    if output is None:
        raise InputError("--format xlsx needs --output FILE.xlsx")
    output.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(output, engine="xlsxwriter") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)


def forecast_frame(result: ForecastResult, *, open_only: bool, aht_s: float | None) -> pd.DataFrame:
    """The output table: the plan's input columns, rounded for files."""
    frame = result.frame
    if open_only:
        frame = frame[frame["open"]]
    out = frame.reindex(columns=list(OUTPUT_COLUMNS)).copy()
    out["interval_start"] = out["interval_start"].dt.strftime("%Y-%m-%d %H:%M:%S")
    for col in ("calls", "calls_lo", "calls_hi"):
        out[col] = out[col].round(3)
    if aht_s is not None:
        out["aht_s"] = out["aht_s"].fillna(aht_s)
    out["aht_s"] = out["aht_s"].round(1)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- charts
def backtest_sections(result: BacktestResult, scores: pd.DataFrame) -> list[Any]:
    """Report sections: WAPE per fold and method, the latest fold against the actuals, and
    the score table."""
    from contactcenter.reports.html import Band, Chart, Series, Table, Text

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


def score_table(result: BacktestResult) -> pd.DataFrame:
    """Pooled scores with WAPE relative to the better seasonal baseline of each queue."""
    scores = result.scores.copy()
    base = scores[scores["method"].isin(BASELINES)].groupby("queue")["wape"].min()
    best = scores["queue"].map(base)
    scores["wape_vs_best_baseline"] = scores["wape"] / best - 1.0
    return scores


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
        fmt = _choice(output_format, "--format", FORMATS_FORECAST)
        if fmt == "xlsx" and output is None:
            raise InputError("--format xlsx needs --output FILE.xlsx")
        interval_s = _interval(interval)
        horizon_days = _horizon(horizon)
        _choice(method, "--method", (*ALL_METHODS, AUTO))
        cands = _methods(candidates, "--candidates", allow_auto=False) or list(CORE_METHODS)
        n_folds = _whole(folds, "--folds", 0)
        k = _whole(mean_weeks, "--mean-weeks", 1)
        aht_s = parse_duration(aht, field="--aht") if aht is not None else None
        if aht_s is not None and aht_s <= 0:
            raise InputError(f"--aht must be a duration > 0, got {aht!r}")
        hist, _ = _load(history, column, queue)
        hol = _holidays(holidays, hist, horizon_days)
        result = forecast(
            hist,
            interval_s=interval_s,
            horizon_days=horizon_days,
            method=method,
            candidates=cands,
            holidays=hol,
            folds=n_folds,
            mean_k=k,
        )
        frame = forecast_frame(result, open_only=open_only, aht_s=aht_s)
        for q, m in result.methods.items():
            note = "" if result.calibrated[q] else " (intervals not calibrated: short history)"
            print(f"queue {q}: method {m}{note}", file=sys.stderr)
        if frame["aht_s"].isna().any():
            print(
                "note: the history has no aht_s; pass --aht 180s to fill it "
                "(contactcenter plan needs it)",
                file=sys.stderr,
            )
        if fmt == "csv":
            _emit_text(frame.to_csv(index=False), output)
        elif fmt == "json":
            doc = {
                "interval_s": result.interval_s,
                "horizon_days": result.horizon_days,
                "level": result.level,
                "methods": result.methods,
                "calibrated": result.calibrated,
                "selection": _records(result.selection),
                "forecast": _records(frame),
            }
            _emit_text(json.dumps(doc, indent=2) + "\n", output)
        elif fmt == "table":
            _emit_text(frame.to_string(index=False) + "\n", output)
        else:
            _write_xlsx(output, {"forecast": frame, "selection": result.selection})

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
        fmt = _choice(output_format, "--format", FORMATS_BACKTEST)
        interval_s = _interval(interval)
        horizon_days = _horizon(horizon)
        n_folds = _whole(folds, "--folds", 1)
        n_inner = _whole(inner_folds, "--inner-folds", 0)
        k = _whole(mean_weeks, "--mean-weeks", 1)
        wanted = _methods(methods, "--methods", allow_auto=True) or [*CORE_METHODS, AUTO]
        cands = _methods(candidates, "--candidates", allow_auto=False) or list(CORE_METHODS)
        hist, _ = _load(history, column, queue)
        hol = _holidays(holidays, hist, 0)
        result = backtest(
            hist,
            interval_s=interval_s,
            horizon_days=horizon_days,
            folds=n_folds,
            methods=wanted,
            candidates=cands,
            holidays=hol,
            inner_folds=n_inner,
            mean_k=k,
        )
        scores = score_table(result)
        if html is not None:
            from contactcenter.reports.html import write_html

            write_html(html, "Forecast backtest", backtest_sections(result, scores))
        if fmt == "csv":
            _emit_text(scores.to_csv(index=False), output)
        elif fmt == "json":
            doc = {
                "interval_s": result.interval_s,
                "horizon_days": result.horizon_days,
                "folds": n_folds,
                "level": result.level,
                "scores": _records(scores),
                "by_fold": _records(result.by_fold),
            }
            _emit_text(json.dumps(doc, indent=2) + "\n", output)
        else:
            shown = scores.copy()
            for col in ("wape", "mape", "bias", "coverage", "wape_vs_best_baseline"):
                shown[col] = (shown[col] * 100).round(2)
            shown = shown.rename(
                columns={
                    "wape": "wape_%",
                    "mape": "mape_%",
                    "bias": "bias_%",
                    "coverage": "coverage_%",
                    "wape_vs_best_baseline": "vs_best_baseline_%",
                }
            )
            text = shown.to_string(index=False) + "\n"
            chosen = result.by_fold[result.by_fold["method"] == AUTO]
            if not chosen.empty:
                picks = ", ".join(f"{r.origin}: {r.chosen}" for r in chosen.itertuples(index=False))
                text += f"auto chose: {picks}\n"
            _emit_text(text, output)
