"""``contactcenter metrics``: list the metric catalog with formulas."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from contactcenter.app.report import catalog
from contactcenter.cli.common import user_errors
from contactcenter.errors import InputError
from contactcenter.reports.render import metric_rows, metrics_markdown


@user_errors
def metrics(
    fmt: str = typer.Option("table", "--format", help="table, json or markdown."),
) -> None:
    """List every metric: name, the fact it reads, kind, unit, formula and description."""
    rows = metric_rows(catalog())
    if fmt == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if fmt == "markdown":
        print(metrics_markdown(catalog()), end="")
        return
    if fmt != "table":
        raise InputError(
            f"{{field}}: unknown format {fmt!r}; allowed: table, json, markdown", field="format"
        )
    table = Table(title="Metric catalog", title_justify="left", show_lines=False)
    for col in ("name", "fact", "kind", "unit", "formula"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["name"], row["fact"], row["kind"], row["unit"], row["formula"])
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``metrics`` to ``app``."""
    app.command("metrics")(metrics)
