"""``contactcenter impact``: each agent's share of the availability lost.

Parses the options, calls :func:`contactcenter.app.impact.impact_result` and prints the
table (or writes csv, json, xlsx, parquet) as ``report`` does.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import typer
from rich.console import Console

from contactcenter.app.impact import PERIODS, impact_result
from contactcenter.cli.common import command_errors
from contactcenter.cli.report_cmd import print_table
from contactcenter.errors import InputError
from contactcenter.reports.render import check_output, render_csv, render_json, write_report
from contactcenter.reports.writers import write_file
from contactcenter.store import check_store_path, store_files

FORMATS: tuple[str, ...] = ("table", "csv", "json", "xlsx", "parquet")
TITLE = "Service-level points lost per agent"


@command_errors()
def impact(
    db: Path = typer.Option(..., "--db", help="The store (DuckDB file) to read."),
    by: str = typer.Option("agent", "--by", help="Group key: agent."),
    period: str = typer.Option(
        "month", "--period", help=f"One of: {', '.join(PERIODS)} (all: the whole selection)."
    ),
    interval: str = typer.Option(
        "30m", "--interval", help="The model's interval (a multiple of 15 minutes)."
    ),
    threshold: str | None = typer.Option(
        None, "--threshold", help="Answer threshold T of the service level (default 20s)."
    ),
    tolerance: str = typer.Option(
        "60s", "--tolerance", help="Away runs this long or shorter are not given back."
    ),
    start: str | None = typer.Option(
        None, "--from", help="Start (inclusive), YYYY-MM-DD[ HH:MM], in the report zone."
    ),
    end: str | None = typer.Option(None, "--to", help="End (exclusive), same form as --from."),
    queue: str | None = typer.Option(
        None, "--queue", help="Only these queues (comma-separated), modelled as one pool."
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="Report time zone (default: UTC, or the source's own zone)."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
    fmt: str = typer.Option("table", "--format", help=f"One of: {', '.join(FORMATS)}."),
    output: Path | None = typer.Option(None, "--output", help="Write to this file."),
) -> None:
    """Service-level points lost per agent: away time, slow handling, transfers."""
    check_store_path(db)
    if fmt not in FORMATS:
        raise InputError(
            f"{{field}}: unknown format {fmt!r}; allowed: {', '.join(FORMATS)}", field="format"
        )
    check_output(output, fmt, protect=store_files(db))
    result = impact_result(
        db,
        by=by,
        period=period,
        interval=interval,
        threshold=threshold,
        tolerance=tolerance,
        start=start,
        end=end,
        queues=queue,
        tz=tz,
        engine=engine,
    )
    if fmt == "table":
        if output is None:
            console = Console(soft_wrap=False, highlight=False)
            if not console.is_terminal:
                console = Console(soft_wrap=False, width=400, highlight=False)
            print_table(result, console, title=TITLE)
            return
        buffer = io.StringIO()
        print_table(result, Console(file=buffer, width=200, highlight=False), title=TITLE)
        write_file(output, buffer.getvalue())
        print(f"wrote {output}", file=sys.stderr)
        return
    if output is None:
        sys.stdout.write(render_csv(result) if fmt == "csv" else render_json(result) + "\n")
        return
    print(f"wrote {write_report(result, fmt, output)}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add ``impact`` to ``app``."""
    app.command("impact")(impact)
