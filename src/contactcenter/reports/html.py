"""Self-contained HTML reports: a title, notes, charts and tables in one small file.

Charts are inline SVG drawn by :mod:`contactcenter.reports.charts` (no JavaScript, no
library, nothing fetched), so the page opens offline and a report of a few hundred
intervals weighs tens of kilobytes. Any part of the product that shows a chart (KPI
report, schedule coverage, backtests) builds a list of sections -- :class:`Chart`,
:class:`Table`, :class:`Text` -- and calls :func:`write_html`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactcenter.reports.charts import (
    MAX_HOVER,
    Band,
    Chart,
    LegendItem,
    Rule,
    Series,
    render_svg,
)


@dataclass(frozen=True)
class Table:
    """A table: column names and rows of already formatted cells."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text (escaped)."""

    text: str


Section = Chart | Table | Text

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222}
h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem} th,td{border:1px solid #ddd;padding:.25rem .5rem;
text-align:right} th{background:#f4f4f4} td:first-child,th:first-child{text-align:left}
p.note{color:#555;font-size:.9rem} div.scroll{overflow-x:auto;max-width:100%}
figure{margin:0} svg.chart{display:block;width:100%;max-width:960px;height:auto;fill:#222}
svg.chart text{font-family:inherit} svg.chart .hover rect:hover{fill:rgba(0,0,0,.07)}
"""


def render_html(title: str, sections: Sequence[Section]) -> str:
    """Return the HTML document for ``sections``."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for section in sections:
        if isinstance(section, Chart):
            parts.append(f"<h2>{html.escape(section.title)}</h2>")
            parts.append(f"<figure>{render_svg(section)}</figure>")
            if len(section.x) > MAX_HOVER:
                parts.append(
                    f"<p class='note'>{len(section.x):,} points: values are shown on hover "
                    f"up to {MAX_HOVER:,}; the table has every one.</p>"
                )
        elif isinstance(section, Table):
            parts.append(f"<h2>{html.escape(section.title)}</h2><div class='scroll'><table><tr>")
            parts.extend(f"<th>{html.escape(str(c))}</th>" for c in section.columns)
            parts.append("</tr>")
            for row in section.rows:
                cells = "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table></div>")
        else:
            parts.append(f"<p class='note'>{html.escape(section.text)}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def write_html(path: str | Path, title: str, sections: Sequence[Section]) -> Path:
    """Write the report to ``path`` and return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(title, sections), encoding="utf-8")
    return out


__all__ = [
    "Band",
    "Chart",
    "LegendItem",
    "Rule",
    "Section",
    "Series",
    "Table",
    "Text",
    "render_html",
    "write_html",
]
