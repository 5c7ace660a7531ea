"""``contactcenter report``: KPIs from the store, grouped and filtered, in any format.

Parses the options, calls :func:`contactcenter.app.report.report_result`, and prints the
table for people (rich) or writes a file format (:mod:`contactcenter.reports.render`).
"""

from __future__ import annotations

import functools
import io
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable

from contactcenter.app.report import report_result
from contactcenter.cli.common import command_errors
from contactcenter.facts import CONVERSATION_CHANNELS
from contactcenter.metrics import GROUP_KEYS
from contactcenter.metrics.sla import SlaConfig
from contactcenter.reports.query import NO_CONTACTS, ReportResult
from contactcenter.reports.render import (
    FORMATS,
    TABLE_METRICS,
    check_output,
    column_units,
    conversation_table_metrics,
    human_unit,
    render_csv,
    render_json,
    write_report,
)
from contactcenter.reports.text import printable
from contactcenter.reports.writers import write_file
from contactcenter.standards import DEFAULT_TARGET
from contactcenter.store import check_store_path, store_files


def print_table(result: ReportResult, console: Console, *, title: str = "KPI report") -> None:
    """Print ``result`` as a rich table followed by its notes (control characters in
    names are shown as escapes, never sent to the terminal)."""
    units = column_units(result)
    table = RichTable(title=title, title_justify="left", header_style="bold")
    for name in result.table.column_names:
        table.add_column(name, justify="left" if name in result.keys else "right", no_wrap=True)
    for row in result.rows():
        table.add_row(*(printable(human_unit(row[c], units[c])) for c in result.table.column_names))
    console.print(table, markup=False)
    console.print(f"time zone: {result.tz}", style="dim", markup=False)
    for note in result.notes:
        console.print(f"note: {printable(note)}", style="yellow", markup=False)


@command_errors(channels="--channel")
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
    target: str | None = typer.Option(
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
    channel: str | None = typer.Option(
        None, "--channel", help="Only these channels (comma-separated): voice, chat, ..."
    ),
    agent: str | None = typer.Option(
        None, "--agent", help="Only the rows of these agents (comma-separated agent ids)."
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="Report time zone (default: UTC, or the source's own zone)."
    ),
    metrics: str | None = typer.Option(
        None, "--metrics", help="Metrics to show (comma-separated, or 'all')."
    ),
    tolerance: str = typer.Option(
        "60s",
        "--tolerance",
        help="Adherence: deviations from the schedule this long or shorter are ignored.",
    ),
    sort: str | None = typer.Option(
        None, "--sort", help="Rank agents by this metric (needs --by agent): a scorecard."
    ),
    desc: bool = typer.Option(False, "--desc", help="Rank in descending order."),
    min_contacts: int = typer.Option(
        0, "--min-contacts", help="Volume guard: agents with fewer contacts are not ranked."
    ),
    top: int | None = typer.Option(None, "--top", help="Keep the first N ranks."),
    slow: bool = typer.Option(
        False, "--slow", help="Slower than usual: AHT and first response against a baseline."
    ),
    baseline_weeks: int = typer.Option(
        8, "--baseline-weeks", help="--slow: the weeks before each period it is compared with."
    ),
    z: str = typer.Option("2.0", "--z", help="--slow: flag a z-score above this."),
    impact: bool = typer.Option(
        False, "--impact", help="Add the service-level points lost per agent (impact)."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
    spark_master: str | None = typer.Option(
        None, "--spark-master", help="Spark master URL (default local[*])."
    ),
    fmt: str = typer.Option("table", "--format", help=f"One of: {', '.join(FORMATS)}."),
    output: Path | None = typer.Option(None, "--output", help="Write to this file."),
    fcr_window: str = typer.Option(
        "7d", "--fcr-window", help="FCR repeat window: a later contact within it is a repeat."
    ),
    fcr_same_channel: bool = typer.Option(
        False, "--fcr-same-channel", help="FCR: only a contact on the same channel repeats."
    ),
    fcr_min_gap: str = typer.Option(
        "0", "--fcr-min-gap", help="FCR: a contact sooner than this after the end continues it."
    ),
    csat_top_box: str | None = typer.Option(
        None, "--csat-top-box", help="CSAT top points per scale size, e.g. 5=2,10=3."
    ),
    csi_weights: str | None = typer.Option(
        None, "--csi-weights", help="CSI weights, e.g. csat=0.5,nps=0.25,ces=0.25,fcr=0."
    ),
    complaints: Path | None = typer.Option(
        None, "--complaints", help="YAML list of the disposition codes that are complaints."
    ),
) -> None:
    """Compute KPIs from the store, grouped by the --by keys."""
    check_store_path(db)
    check_output(output, fmt, protect=store_files(db))
    run = functools.partial(
        report_result,
        db,
        interval=interval,
        threshold=threshold,
        short_abandon=short_abandon,
        target=target,
        config=config,
        start=start,
        end=end,
        queues=queue,
        agents=agent,
        channels=channel,
        tz=tz,
        tolerance=tolerance,
        engine=engine,
        spark_master=spark_master,
        fcr_window=fcr_window,
        fcr_same_channel=fcr_same_channel,
        fcr_min_gap=fcr_min_gap,
        csat_top_box=csat_top_box,
        csi_weights=csi_weights,
        complaints=complaints,
        sort=sort,
        desc=desc,
        min_contacts=min_contacts,
        top=top,
        slow=slow,
        baseline_weeks=baseline_weeks,
        z=z,
        impact=impact,
    )
    keys = [k.strip() for k in by.split(",") if k.strip()]
    chosen = metrics if metrics or fmt != "table" else ",".join(TABLE_METRICS)
    if metrics is None and fmt == "table":
        # the table's default columns: the voice ones, or the conversation ones when
        # --channel names only conversation channels or the selection holds no calls
        sla = config is not None and bool(SlaConfig.from_yaml(config).policies)
        wanted = [c.strip() for c in (channel or "").split(",") if c.strip()]
        conversational = ",".join(conversation_table_metrics(keys, sla))
        if wanted and all(c in CONVERSATION_CHANNELS for c in wanted):
            chosen = conversational
    result = run(by=by, metrics=chosen)
    if metrics is None and fmt == "table" and NO_CONTACTS in result.notes:
        other = run(by=by, metrics=conversational)
        if other.table.num_rows:
            result = other
    if fmt == "table":
        if output is None:
            console = Console(soft_wrap=False, highlight=False)
            if not console.is_terminal:
                console = Console(soft_wrap=False, width=400, highlight=False)
            print_table(result, console)
            return
        buffer = io.StringIO()
        print_table(result, Console(file=buffer, width=200, highlight=False))
        write_file(output, buffer.getvalue())
        print(f"wrote {output}", file=sys.stderr)
        return
    if output is None:
        sys.stdout.write(render_csv(result) if fmt == "csv" else render_json(result) + "\n")
        return
    by_interval = None
    if fmt == "html" and "interval_start" not in result.keys:
        by_interval = run(by="interval", metrics=chosen, slow=False, impact=False)
    written = write_report(
        result,
        fmt,
        output,
        by_interval=by_interval,
        target=result_target(result, target),
    )
    print(f"wrote {written}", file=sys.stderr)


def result_target(result: ReportResult, target: str | None) -> float:
    """The service-level target the HTML charts draw (the flag's, else the default)."""
    return float(target) if target is not None else DEFAULT_TARGET


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
