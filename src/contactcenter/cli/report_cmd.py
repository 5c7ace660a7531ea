"""``contactcenter report``: KPIs from the store, grouped and filtered, in any format."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from contactcenter.cli.common import duration_option, user_errors
from contactcenter.engines import open_engine
from contactcenter.errors import InputError
from contactcenter.metrics import GROUP_KEYS, Thresholds, select_metrics
from contactcenter.metrics.thresholds import DEFAULT_TARGET
from contactcenter.reports.query import ReportRequest, run_report
from contactcenter.reports.render import FORMATS, TABLE_METRICS, write_report


def _split(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


@user_errors
def report(
    db: Path = typer.Option(..., "--db", help="The store (DuckDB file) to read."),
    by: str = typer.Option(
        "", "--by", help=f"Group keys, comma-separated: {', '.join(GROUP_KEYS)}."
    ),
    interval: str = typer.Option(
        "30m", "--interval", help="Interval length for 'interval' and sl_target_met_share."
    ),
    threshold: str | None = typer.Option(
        None, "--threshold", help="Answer threshold T for every queue (20, 20s, 1m)."
    ),
    short_abandon: str | None = typer.Option(
        None, "--short-abandon", help="Short-abandon threshold S for every queue."
    ),
    target: float | None = typer.Option(
        None, "--target", help="Service-level target as a fraction (0.8)."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="YAML with thresholds per channel and queue."
    ),
    start: str | None = typer.Option(
        None, "--from", help="Start (inclusive), YYYY-MM-DD[ HH:MM], in the report zone."
    ),
    end: str | None = typer.Option(None, "--to", help="End (exclusive), same form as --from."),
    queue: str | None = typer.Option(None, "--queue", help="Only these queues (comma-separated)."),
    tz: str | None = typer.Option(
        None, "--tz", help="Report time zone (default: UTC, or the source's own zone)."
    ),
    metrics: str | None = typer.Option(
        None, "--metrics", help="Metrics to show (comma-separated, or 'all')."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
    spark_master: str | None = typer.Option(
        None, "--spark-master", help="Spark master URL (default local[*])."
    ),
    fmt: str = typer.Option("table", "--format", help=f"One of: {', '.join(FORMATS)}."),
    output: Path | None = typer.Option(None, "--output", help="Write to this file."),
) -> None:
    """Compute KPIs from the store, grouped by the --by keys."""
    if fmt not in FORMATS:
        raise InputError(f"--format: unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    interval_s = duration_option(interval, "--interval")
    assert interval_s is not None
    if interval_s != int(interval_s):
        raise InputError(f"--interval must be whole seconds, got {interval}")
    thresholds = Thresholds.from_yaml(config) if config else Thresholds()
    thresholds = thresholds.with_overrides(
        threshold_s=duration_option(threshold, "--threshold"),
        short_abandon_s=duration_option(short_abandon, "--short-abandon"),
        target=target,
    )
    if metrics and metrics.strip() == "all":
        chosen = select_metrics(None)
    elif metrics:
        chosen = select_metrics(list(_split(metrics)))
    elif fmt == "table":
        chosen = select_metrics(list(TABLE_METRICS))
    else:
        chosen = select_metrics(None)
    request = ReportRequest(
        metrics=tuple(chosen),
        by=_split(by),
        interval_s=int(interval_s),
        thresholds=thresholds,
        tz=tz,
        start=start,
        end=end,
        queues=_split(queue),
        explicit=bool(metrics),
    )
    eng = open_engine(engine, db=db, spark_master=spark_master)
    try:
        result = run_report(eng, request)
        by_interval = None
        if fmt == "html" and "interval" not in request.by:
            by_interval = run_report(
                eng, ReportRequest(**{**request.__dict__, "by": ("interval",)})
            )
    finally:
        eng.close()
    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console = Console(soft_wrap=False, width=400)
    written = write_report(
        result,
        fmt,
        output,
        console=console,
        by_interval=by_interval,
        target=target if target is not None else DEFAULT_TARGET,
    )
    if written is not None:
        Console(stderr=True).print(f"wrote {written}")


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
