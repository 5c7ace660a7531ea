"""The ``contactcenter`` application: registers every command module."""

from __future__ import annotations

import typer

from contactcenter.cli import (
    forecast_cmd,
    ingest_cmd,
    metrics_cmd,
    report_cmd,
    schedule_cmd,
    staffing_cmd,
)

app = typer.Typer(
    name="contactcenter",
    help="Measure and plan a contact center: ingest events, compute KPIs, plan staffing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for module in (ingest_cmd, report_cmd, metrics_cmd, staffing_cmd, forecast_cmd, schedule_cmd):
    module.register(app)


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
