"""Output formats of a KPI report: csv, json, xlsx, parquet, html (and the cells of the
table for people, which the CLI prints).

Machine formats keep ratios as fractions and the documented column names; the table and
the HTML page show ratios as percentages and seconds rounded to one decimal. Files are
written whole or not at all (:func:`contactcenter.reports.writers.write_file`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import xlsxwriter

from contactcenter.errors import InputError
from contactcenter.metrics import Metric
from contactcenter.reports.html import (
    Chart,
    LegendItem,
    Rule,
    Section,
    Series,
    Table,
    Text,
    render_html,
)
from contactcenter.reports.query import ReportResult
from contactcenter.reports.writers import neutralise_cell, write_file

FORMATS = ("table", "csv", "json", "xlsx", "parquet", "html")
BINARY_FORMATS = ("xlsx", "parquet", "html")

TABLE_METRICS = (
    "offered",
    "answered",
    "abandoned",
    "timed_out",
    "in_progress",
    "ivr_abandoned",
    "service_level",
    "abandon_rate",
    "asa_s",
    "wait_p90_s",
    "max_wait_s",
    "aht_s",
    "sl_target_met_share",
)
"""Metrics the ``table`` format shows when ``--metrics`` is not given (a terminal is narrow)."""

CONVERSATION_TABLE_METRICS = (
    "conversations",
    "responded",
    "unanswered",
    "resolved",
    "reopened",
    "first_response_s",
    "first_response_p90_s",
    "next_response_s",
    "resolution_s",
    "first_response_within_t",
    "open_at_end",
)
"""What the ``table`` format shows instead for chats, e-mails, tickets and social threads
(``--channel`` names no voice, or the selection holds no calls but conversations)."""

SLA_TABLE_METRICS = ("first_response_bh_s", "resolution_bh_s", "resolution_overdue",
                     "overdue_at_end")  # fmt: skip
"""Added to :data:`CONVERSATION_TABLE_METRICS` when ``--config`` has SLA policies."""

AGENT_CONVERSATION_TABLE_METRICS = (
    "messages_sent",
    "conversations_handled",
    "closed_with_reply",
    "closed_without_reply",
    "deleted_messages",
    "concurrency",
)
"""What the ``table`` format shows for conversations grouped by ``agent``."""


def conversation_table_metrics(by: Sequence[str], sla: bool) -> tuple[str, ...]:
    """The default ``table`` metrics of a conversation report grouped by ``by`` (with SLA
    policies or not)."""
    if "agent" in by:
        return AGENT_CONVERSATION_TABLE_METRICS
    return CONVERSATION_TABLE_METRICS + (SLA_TABLE_METRICS if sla else ())


def human(value: Any, metric: Metric | None) -> str:
    """A cell for people: percentages for fractions, one decimal for seconds."""
    return human_unit(value, None if metric is None else metric.unit)


def human_unit(value: Any, unit: str | None) -> str:
    """:func:`human` by the unit's name (None: the value as it is)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit is None or isinstance(value, bool):
        return str(value)
    if unit == "fraction":
        return f"{value * 100:.1f}%"
    if unit == "balance":
        return f"{value * 100:+.1f}"
    if unit == "score":
        return f"{value:.2f}"
    if unit in ("seconds", "z"):
        return f"{value:.1f}" if unit == "seconds" else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


EXTRA_UNITS: dict[str, str] = {
    "queue_sl_observed": "fraction",
    "queue_sl_model": "fraction",
    "sl_lost_adherence": "fraction",
    "sl_lost_aht": "fraction",
    "sl_lost_transfers": "fraction",
    "unscheduled_away_s": "seconds",
    "aht_s": "seconds",
    "aht_team_median_s": "seconds",
    "aht_excess_s": "seconds",
}
"""Units of the columns a scorecard or ``impact`` adds beside the catalog's metrics."""


def column_units(result: ReportResult) -> dict[str, str | None]:
    """Per column of ``result``, the unit its cells are shown in by the ``table`` format:
    a metric's own, a ranking's ``_team_median`` that of its metric and ``_percentile`` a
    fraction, the "slower than usual" ``_baseline`` that of its metric and ``_z`` a
    z-score, and the impact columns' (:data:`EXTRA_UNITS`)."""
    metrics = _metric_of(result)
    units: dict[str, str | None] = {}
    for name in result.table.column_names:
        unit: str | None = metrics[name].unit if name in metrics else EXTRA_UNITS.get(name)
        for suffix in ("_team_median", "_baseline"):
            base = name.removesuffix(suffix)
            if unit is None and base != name and base in metrics:
                unit = metrics[base].unit
        if unit is None and name.endswith("_percentile"):
            unit = "fraction"
        if unit is None and name.endswith("_z"):
            unit = "z"
        units[name] = unit
    return units


def _metric_of(result: ReportResult) -> dict[str, Metric]:
    return {m.name: m for m in result.metrics}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def render_csv(result: ReportResult) -> str:
    """CSV text: header of column names, empty cells for nulls; a text cell that a
    spreadsheet would run as a formula (a queue or agent named ``=HYPERLINK(...)``) gets
    a leading ``'`` (:func:`~contactcenter.reports.writers.neutralise_cell`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(result.table.column_names)
    for row in result.rows():
        writer.writerow(
            [
                "" if v is None else neutralise_cell(v) if isinstance(v, str) else v
                for v in row.values()
            ]
        )
    return buf.getvalue()


def render_json(result: ReportResult) -> str:
    """JSON: {"parameters": ..., "notes": [...], "rows": [{column: value}, ...]}."""
    rows = [{k: _plain(v) for k, v in row.items()} for row in result.rows()]
    doc = {"parameters": result.parameters, "notes": list(result.notes), "rows": rows}
    return json.dumps(doc, indent=2, ensure_ascii=False)


XLSX_CREATED = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
"""The creation date written into a report workbook (the date xlsxwriter gives the files
inside it): reports are reproducible to the byte."""


def xlsx_bytes(result: ReportResult) -> bytes:
    """Excel workbook: sheet ``report`` (fractions formatted as %) and ``definitions``."""
    metrics = _metric_of(result)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    # a fixed creation date (xlsxwriter's default is now): the same report is the same
    # bytes, whether written by the CLI or answered by the web API
    book.set_properties({"created": XLSX_CREATED})
    try:
        sheet = book.add_worksheet("report")
        bold = book.add_format({"bold": True})
        pct = book.add_format({"num_format": "0.0%"})
        secs = book.add_format({"num_format": "0.0"})
        for c, name in enumerate(result.table.column_names):
            sheet.write(0, c, name, bold)
            sheet.set_column(c, c, max(10, len(name) + 2))
        for r, row in enumerate(result.rows(), start=1):
            for c, name in enumerate(result.table.column_names):
                value = _plain(row[name])
                metric = metrics.get(name)
                fmt = None
                if metric is not None and metric.unit == "fraction":
                    fmt = pct
                elif metric is not None and metric.unit == "seconds":
                    fmt = secs
                if value is None:
                    sheet.write_blank(r, c, None)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value, fmt)
                else:  # text is never read as a formula
                    sheet.write_string(r, c, str(value))
        defs = book.add_worksheet("definitions")
        for c, head in enumerate(("metric", "formula", "unit", "description")):
            defs.write(0, c, head, bold)
        for r, m in enumerate(result.metrics, start=1):
            defs.write_row(r, 0, [m.name, m.formula, m.unit, m.description])
        row_no = len(result.metrics) + 2
        for key, value in result.parameters.items():
            defs.write_row(row_no, 0, [key, json.dumps(value)])
            row_no += 1
        for note in result.notes:
            defs.write_row(row_no, 0, ["note", note])
            row_no += 1
    finally:
        book.close()
    return buffer.getvalue()


SL_MET = "#2e9e5b"
SL_MISSED = "#e0703a"
VOLUME = (("answered", "#4c78a8"), ("abandoned", "#e45756"), ("timed_out", "#eeca3b"))
"""Stacked volume series and their colours."""

MAX_CHART_GROUPS = 12
"""Charts are drawn for at most this many groups (e.g. queues of --by queue,interval)."""


def _percent(x: float) -> str:
    return f"{x * 100:.4g}%"


def interval_charts(
    rows: Sequence[dict[str, Any]],
    *,
    target: float,
    interval_s: float | None,
    tz: str,
    suffix: str = "",
) -> list[Section]:
    """The charts of one series of interval rows: service level against the target (bars
    green when met), volume (answered, abandoned, timed out, stacked) and abandon rate.
    A chart whose metric is not in the rows is left out."""
    rows = [r for r in rows if r.get("interval_start") is not None]
    if not rows:
        return []
    x = [r["interval_start"] for r in rows]
    x_label = f"interval start ({tz})"
    out: list[Section] = []
    if "service_level" in rows[0]:
        levels = [r["service_level"] for r in rows]
        colours = [SL_MET if v is not None and v >= target else SL_MISSED for v in levels]
        out.append(
            Chart(
                "Service level per interval against the target" + suffix,
                x,
                [Series("service level", levels, colors=colours)],
                rules=[Rule(target, f"target {_percent(target)}")],
                legend=[
                    LegendItem(f"target met (≥ {_percent(target)})", SL_MET),
                    LegendItem("below target", SL_MISSED),
                ],
                percent=True,
                y_max=1.0,
                x_step=interval_s,
                x_label=x_label,
                y_label="service level",
            )
        )
    volume = [(name, colour) for name, colour in VOLUME if name in rows[0]]
    if volume:
        out.append(
            Chart(
                "Volume per interval" + suffix,
                x,
                [Series(name, [r[name] for r in rows], color=c) for name, c in volume],
                bars="stack",
                integer=True,
                x_step=interval_s,
                x_label=x_label,
                y_label="contacts",
            )
        )
    if "abandon_rate" in rows[0]:
        out.append(
            Chart(
                "Abandon rate per interval" + suffix,
                x,
                [
                    Series(
                        "abandon rate",
                        [r["abandon_rate"] for r in rows],
                        kind="line",
                        color="#e45756",
                    )
                ],
                percent=True,
                x_step=interval_s,
                x_slots=True,
                x_label=x_label,
                y_label="abandon rate",
            )
        )
    return out


def html_sections(
    result: ReportResult, by_interval: ReportResult | None, *, target: float
) -> list[Section]:
    """Charts (SL per interval against the target, volume, abandon rate), then the table.

    The charts are drawn from ``by_interval`` when given (the same report by interval),
    else from ``result`` when it is by interval; when ``result`` is also by other keys
    (``--by queue,interval``), each group gets its charts, up to
    :data:`MAX_CHART_GROUPS` groups."""
    sections: list[Section] = []
    source = by_interval if by_interval is not None else result
    if "interval_start" in source.table.column_names:
        others = [k for k in source.keys if k != "interval_start"]
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for r in source.rows():
            groups.setdefault(tuple(r[k] for k in others), []).append(r)
        if len(groups) > MAX_CHART_GROUPS:
            sections.append(
                Text(
                    f"Charts for the first {MAX_CHART_GROUPS} of {len(groups)} groups "
                    f"({', '.join(others)}); the table below has every group."
                )
            )
        interval_s = source.parameters.get("interval_s")
        for key, rows in list(groups.items())[:MAX_CHART_GROUPS]:
            suffix = "".join(
                f", {k} {'(none)' if v is None else v}" for k, v in zip(others, key, strict=True)
            )
            sections.extend(
                interval_charts(
                    rows,
                    target=target,
                    interval_s=float(interval_s) if interval_s else None,
                    tz=source.tz,
                    suffix=suffix,
                )
            )
    metrics = _metric_of(result)
    names = result.table.column_names
    sections.append(
        Table(
            "KPIs",
            names,
            [[human(row[c], metrics.get(c)) for c in names] for row in result.rows()],
        )
    )
    sections.append(Text(f"Time zone: {result.tz}. Parameters: {json.dumps(result.parameters)}"))
    sections.extend(Text(f"Note: {n}") for n in result.notes)
    defs = [[m.name, m.formula] for m in result.metrics]
    sections.append(Table("Definitions", ["metric", "formula"], defs))
    return sections


def parquet_bytes(result: ReportResult) -> bytes:
    """The rows as a Parquet file."""
    buffer = io.BytesIO()
    pq.write_table(result.table, buffer)
    return buffer.getvalue()


def html_text(
    result: ReportResult, by_interval: ReportResult | None = None, *, target: float = 0.8
) -> str:
    """The self-contained HTML page (charts as inline SVG, then the table)."""
    return render_html(
        "Contact-center KPI report", html_sections(result, by_interval, target=target)
    )


def check_output(output: Path | None, fmt: str, *, protect: Sequence[Path] = ()) -> None:
    """Refuse a file format without ``output``, and an ``output`` that is one of the
    ``protect``ed files (the store and its companions: writing there would destroy it)."""
    if fmt not in FORMATS:
        raise InputError(
            f"{{field}}: unknown format {fmt!r}; allowed: {', '.join(FORMATS)}", field="format"
        )
    if fmt in BINARY_FORMATS and output is None:
        raise InputError(f"format {fmt} writes a file: give {{field}} FILE", field="output")
    if output is None:
        return
    target = output.resolve()
    for path in protect:
        if target == path.resolve():
            raise InputError(
                f"{{field}} {output} is the store's own file {path}; writing there would "
                "destroy it",
                field="output",
            )


def write_report(
    result: ReportResult,
    fmt: str,
    output: Path,
    *,
    by_interval: ReportResult | None = None,
    target: float = 0.8,
) -> Path:
    """Write ``result`` as ``fmt`` (csv, json, xlsx, parquet, html) to ``output``."""
    if fmt == "csv":
        data: str | bytes = render_csv(result)
    elif fmt == "json":
        data = render_json(result) + "\n"
    elif fmt == "xlsx":
        data = xlsx_bytes(result)
    elif fmt == "parquet":
        data = parquet_bytes(result)
    elif fmt == "html":
        data = html_text(result, by_interval, target=target)
    else:
        raise InputError(
            f"{{field}}: {fmt!r} is not a file format; allowed: csv, json, xlsx, parquet, html",
            field="format",
        )
    return write_file(output, data)


def metric_rows(metrics: Sequence[Metric]) -> list[dict[str, str]]:
    """The catalog as rows (name, fact, kind, unit, formula, description)."""
    return [
        {
            "name": m.name,
            "fact": ", ".join(m.facts),
            "kind": m.kind,
            "unit": m.unit,
            "formula": m.formula,
            "description": m.description,
        }
        for m in metrics
    ]


def metrics_markdown(metrics: Sequence[Metric]) -> str:
    """The catalog as a Markdown table (docs/metrics.md embeds it verbatim)."""
    lines = [
        "| name | fact | kind | unit | formula | description |",
        "|---|---|---|---|---|---|",
    ]
    for row in metric_rows(metrics):
        cells = [row[k] for k in ("name", "fact", "kind", "unit", "formula", "description")]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
