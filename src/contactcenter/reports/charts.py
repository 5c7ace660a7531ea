"""Small hand-written SVG charts for the HTML reports: no JavaScript, no library, offline.

A :class:`Chart` is data: x values (times or categories), bar and line series, shaded
bands and dashed reference lines. :func:`render_svg` draws it as one ``<svg>`` element
with a legend, a y axis with ticks (percentages for fractions) and grid lines, an x axis
with a subset of tick labels that do not overlap, and values on hover (SVG ``<title>``
tooltips over each x slot, up to :data:`MAX_HOVER` slots).

Shapes, for readers and tests: each series is a ``<g class="bars"|"line"|"step"
data-name=...>``; a bar is one ``<rect>`` per non-null value, in x order (a 0 is a
zero-height rect in stacks, a :data:`ZERO_PX` sliver with ``class="zero"`` otherwise); a
line is one ``<path>`` (a gap where a value is null or an interval is missing) with
``<circle>`` markers when there are few points; a band is ``<g class="band">`` with one
``<path>``; a reference line is ``<g class="rule">``; the hover targets are
``<g class="hover">``, one ``<rect>`` with a ``<title>`` per x value.

Times are drawn on a time axis (gaps in the data stay gaps): a bar covers its interval
``[x, x + x_step)``; lines are drawn at the middle of the interval when the chart also
has bars or steps (or ``x_slots``), at ``x`` otherwise. Any other x values are
categories, one slot each.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

WIDTH = 960
"""Width of the drawing (the ``viewBox``; the page scales it to the column)."""

MAX_HOVER = 2000
"""Charts with more x slots than this show no per-slot values on hover (the table has
them): thousands of invisible hover targets would only weigh the page down."""

MAX_MARKERS = 120
"""Line charts with more points than this draw no point markers."""

ZERO_PX = 2.0
"""Height of the sliver that shows a bar of value 0 (side-by-side bars only)."""

PALETTE = (
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#b279a2",
    "#eeca3b",
    "#9d755d",
    "#ff9da6",
    "#bab0ac",
)
"""Default series colours, in order."""

_FONT = 12
_CHAR_PX = 7.0  # average width of a 12 px sans-serif character, for layout
_EPOCH = dt.datetime(1970, 1, 1)
_MONDAY = 4 * 86400  # 1970-01-05 was a Monday: weekly ticks fall on Mondays

XValue = str | dt.datetime | dt.date | int | float


@dataclass(frozen=True)
class Series:
    """One series of values, one per x value (None = no value).

    kind: ``bar``, ``line`` or ``step`` (a line that holds each value over its interval).
    colors: per-value bar colours (e.g. target met / missed), overriding ``color``.
    fill: shade the area under a line or step down to zero.
    """

    name: str
    values: Sequence[float | None]
    kind: Literal["bar", "line", "step"] = "bar"
    color: str | None = None
    colors: Sequence[str] | None = None
    fill: bool = False
    width: float = 2.0


@dataclass(frozen=True)
class Band:
    """A shaded band between ``low`` and ``high`` (e.g. a forecast interval)."""

    name: str
    low: Sequence[float | None]
    high: Sequence[float | None]
    color: str = PALETTE[0]
    opacity: float = 0.2


@dataclass(frozen=True)
class Rule:
    """A dashed horizontal reference line at ``value`` (e.g. the target), labelled."""

    value: float
    label: str
    color: str = "#333333"


@dataclass(frozen=True)
class LegendItem:
    """A legend entry: a name and its colour."""

    name: str
    color: str


@dataclass(frozen=True)
class Chart:
    """A chart section: a heading and the data to draw (see the module docstring).

    bars: ``stack`` (bar series on top of each other) or ``group`` (side by side).
    percent: the y values are fractions; the axis and the tooltips show percentages.
    integer: the y values are counts: ticks at whole numbers.
    y_max: fixed top of the y axis (default: the data's, rounded up to a tick).
    x_step: interval length of time x values in seconds (default: the smallest gap).
    x_time: False draws time x values as categories (one slot each, as labelled); by
        default x is a time axis when every x value is a time or an ISO date.
    x_slots: draw lines at the middle of each x value's interval, as bars are (so charts
        of the same intervals line up); default: only when the chart has bars or steps.
    legend: entries to show instead of one per series, band and rule.
    """

    title: str
    x: Sequence[XValue]
    series: Sequence[Series] = ()
    bands: Sequence[Band] = ()
    rules: Sequence[Rule] = ()
    bars: Literal["stack", "group"] = "group"
    x_label: str = ""
    y_label: str = ""
    percent: bool = False
    integer: bool = False
    y_max: float | None = None
    x_step: float | None = None
    x_time: bool | None = None
    x_slots: bool | None = None
    legend: Sequence[LegendItem] | None = None
    height: int = 360


def _num(v: float) -> str:
    """A coordinate with at most one decimal."""
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _as_time(value: XValue) -> dt.datetime | None:
    """A wall-clock datetime for a time-like x value, or None."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            return None
    return None


def _label(value: XValue) -> str:
    t = _as_time(value)
    if t is None:
        return str(value)
    if t.hour == t.minute == t.second == 0 and not isinstance(value, str):
        return t.strftime("%Y-%m-%d")
    return t.strftime("%Y-%m-%d %H:%M") if t.second == 0 else t.isoformat(sep=" ")


def _fmt_value(v: float | None, percent: bool) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if percent:
        return f"{v * 100:.1f}%"
    if float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def _clean(v: float | None) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) or math.isinf(f) else f


def nice_step(span: float, target: int = 5, *, integer: bool = False) -> float:
    """A 1-2-2.5-5 × 10^k step that cuts ``span`` into about ``target`` parts (with
    ``integer``, a whole number: 1, 2, 5, 10, 20, ...)."""
    if span <= 0:
        return 1.0
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return float(max(m * mag, 1)) if integer else float(m * mag)
    return float(10 * mag)  # pragma: no cover - the loop always returns


def _decimals(step: float) -> int:
    """Decimals that show every multiple of ``step`` exactly (at most 6)."""
    for d in range(7):
        if abs(round(step, d) - step) < 1e-9 * max(1.0, abs(step)):
            return d
    return 6


def _y_ticks(
    lo: float, hi: float, percent: bool, integer: bool = False
) -> tuple[float, float, list[tuple[float, str]]]:
    step = nice_step(hi - lo, integer=integer and not percent)
    top = math.ceil(hi / step - 1e-9) * step
    bottom = math.floor(lo / step + 1e-9) * step
    decimals = _decimals(step * 100 if percent else step)
    ticks = []
    n = round((top - bottom) / step)
    for i in range(n + 1):
        v = bottom + i * step
        text = f"{v * 100:.{decimals}f}%" if percent else f"{v:,.{decimals}f}"
        ticks.append((v, text))
    return bottom, top, ticks


_TIME_STEPS = (
    60,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
    2 * 86400,
    7 * 86400,
    14 * 86400,
)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)


def _seconds(t: dt.datetime) -> float:
    return (t - _EPOCH).total_seconds()


def _from_seconds(s: float) -> dt.datetime:
    return _EPOCH + dt.timedelta(seconds=s)


def same_day(t0: float, t1: float) -> bool:
    """True when the time range [t0, t1] (seconds; t1 may be the next midnight) lies in
    one calendar day."""
    return _from_seconds(t0).date() == _from_seconds(max(t0, t1 - 1)).date()


def _time_ticks(t0: float, t1: float, plot_w: float) -> list[tuple[float, str]]:
    """Tick positions (seconds) and labels for the time range [t0, t1], as many as fit."""
    span = max(t1 - t0, 1.0)
    multi_day = not same_day(t0, t1)
    for step in _TIME_STEPS:
        fmt = "%Y-%m-%d" if step >= 86400 else ("%m-%d %H:%M" if multi_day else "%H:%M")
        label_px = len(_from_seconds(t0).strftime(fmt)) * _CHAR_PX + 18
        if (span / step + 1) * label_px <= plot_w:
            base = _MONDAY if step % (7 * 86400) == 0 else 0
            first = math.ceil((t0 - base) / step - 1e-9) * step + base
            out: list[tuple[float, str]] = []
            t = float(first)
            while t <= t1 + 1e-6:
                out.append((t, _from_seconds(t).strftime(fmt)))
                t += step
            if step >= 86400 or not multi_day:
                return out
            # several days at sub-day steps: the date on the first tick and at midnight
            return [
                (t, text if i == 0 or text.endswith("00:00") else text[-5:])
                for i, (t, text) in enumerate(out)
            ]
    first_day = _from_seconds(t0)
    for months in _MONTH_STEPS:
        label_px = 7 * _CHAR_PX + 18
        if (span / (months * 30.44 * 86400) + 1) * label_px <= plot_w:
            break
    y, m = first_day.year, first_day.month
    if first_day != dt.datetime(y, m, 1):
        m += 1
    m0 = (y * 12 + m - 1) // months * months if months > 1 else y * 12 + m - 1
    months_out: list[tuple[float, str]] = []
    while True:
        t = _seconds(dt.datetime(m0 // 12, m0 % 12 + 1, 1))
        if t > t1 + 1e-6:
            break
        if t >= t0 - 1e-6:
            months_out.append((t, _from_seconds(t).strftime("%Y-%m")))
        m0 += months
    return months_out


@dataclass
class _Frame:
    """Where the plot area is and how values map to it."""

    left: float
    top: float
    width: float
    height: float
    y_lo: float
    y_hi: float

    def y(self, v: float) -> float:
        return self.top + self.height * (1 - (v - self.y_lo) / (self.y_hi - self.y_lo))


TIME_AXIS_YEARS = (1900, 2200)
"""x values in these years are drawn on a time axis; others as categories."""


class _XScale:
    """x positions: slot [start, end) of each x value, and the point where lines go."""

    def __init__(self, chart: Chart, left: float, width: float) -> None:
        self.n = len(chart.x)
        times = [_as_time(v) for v in chart.x]
        # a time axis needs its ticks' months and days: far-off years (a store holding
        # year 1 or 9999) are drawn as categories instead
        is_time = self.n > 0 and all(
            t is not None and TIME_AXIS_YEARS[0] <= t.year <= TIME_AXIS_YEARS[1] for t in times
        )
        self.time = is_time and chart.x_time is not False
        # bars and steps fill an interval (a slot); lines alone go through points
        self.slots = not self.time or (
            chart.x_slots
            if chart.x_slots is not None
            else any(s.kind in ("bar", "step") for s in chart.series)
        )
        self.left, self.width = left, width
        self.t0 = self.t1 = 0.0
        self.step_px = math.inf  # the width of one interval (time axis)
        if self.time:
            secs = [_seconds(t) for t in times if t is not None]
            distinct = sorted(set(secs))
            gaps = [b - a for a, b in itertools.pairwise(distinct)]
            step = chart.x_step or (min(gaps) if gaps else 3600.0)
            lo, hi = min(secs), max(secs) + (step if self.slots else 0.0)
            if hi <= lo:
                lo, hi = lo - step / 2, hi + step / 2
            self.t0, self.t1 = lo, hi
            mid = step / 2 if self.slots else 0.0
            self.step_px = self.width * step / (hi - lo)
            self.points = [self._px(s + mid) for s in secs]
            self.starts = [self._px(s) for s in secs]
            self.ends = [self._px(s + step) for s in secs]
        else:
            slot = width / max(self.n, 1)
            self.starts = [left + i * slot for i in range(self.n)]
            self.ends = [left + (i + 1) * slot for i in range(self.n)]
            self.points = [left + (i + 0.5) * slot for i in range(self.n)]

    def _px(self, s: float) -> float:
        return self.left + self.width * (s - self.t0) / (self.t1 - self.t0)

    def ticks(self, labels: Sequence[str]) -> list[tuple[float, str]]:
        """(x position, label) of the ticks to draw: as many as fit without overlapping."""
        if self.time:
            return [(self._px(t), text) for t, text in _time_ticks(self.t0, self.t1, self.width)]
        if not self.n:
            return []
        widest = max(len(label[:18]) for label in labels) * _CHAR_PX + 12
        every = max(1, math.ceil(self.n * widest / self.width))
        return [(self.points[i], labels[i][:18]) for i in range(0, self.n, every)]

    def hover_slots(self) -> list[tuple[float, float]]:
        """[x0, x1) of each x value's hover target: its slot, or for lines without bars the
        half-way points to its neighbours."""
        if self.slots:
            return list(zip(self.starts, self.ends, strict=True))
        order = sorted(range(self.n), key=lambda i: self.points[i])
        out = [(0.0, 0.0)] * self.n
        for k, i in enumerate(order):
            a = self.points[order[k - 1]] if k else self.left
            b = self.points[order[k + 1]] if k + 1 < self.n else self.left + self.width
            here = self.points[i]
            out[i] = ((a + here) / 2 if k else a, (here + b) / 2 if k + 1 < self.n else b)
        return out


def _y_range(chart: Chart) -> tuple[float, float]:
    values: list[float] = [0.0]
    bars = [s for s in chart.series if s.kind == "bar"]
    if chart.bars == "stack" and bars:
        for i in range(len(chart.x)):
            vals = [_clean(s.values[i]) or 0.0 for s in bars]
            values.append(sum(v for v in vals if v > 0))
            values.append(sum(v for v in vals if v < 0))
    others = [s for s in chart.series if not (chart.bars == "stack" and s.kind == "bar")]
    for s in others:
        values.extend(v for v in map(_clean, s.values) if v is not None)
    for b in chart.bands:
        values.extend(v for v in map(_clean, [*b.low, *b.high]) if v is not None)
    values.extend(r.value for r in chart.rules)
    lo, hi = min(values), max(values)
    if chart.y_max is not None:
        hi = max(chart.y_max, hi)
    if hi <= lo:
        hi = lo + 1.0
    return lo, hi


def _legend(chart: Chart) -> list[tuple[str, str, str]]:
    """(kind, name, colour) of each legend entry: kind is swatch, line, dash or band."""
    if chart.legend is not None:
        items = [("swatch", item.name, item.color) for item in chart.legend]
    else:
        items = []
        for i, s in enumerate(chart.series):
            color = s.color or PALETTE[i % len(PALETTE)]
            items.append(("swatch" if s.kind == "bar" or s.fill else "line", s.name, color))
        items.extend(("band", b.name, b.color) for b in chart.bands)
    items.extend(("dash", r.label, r.color) for r in chart.rules)
    return items


def render_svg(chart: Chart) -> str:
    """The chart as one ``<svg>`` element (see the module docstring for its shapes)."""
    n = len(chart.x)
    for s in chart.series:
        if len(s.values) != n:
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {n} x values")
    for b in chart.bands:
        if len(b.low) != n or len(b.high) != n:
            raise ValueError(f"band {b.name!r} needs {n} low and high values")
    labels = [_label(v) for v in chart.x]
    lo, hi = _y_range(chart)
    y_lo, y_hi, y_ticks = _y_ticks(lo, hi, chart.percent, chart.integer)
    tick_w = max(len(t) for _, t in y_ticks) * _CHAR_PX
    # a common minimum, so that charts of one page start their plots at the same x
    left = max(14 + (18 if chart.y_label else 0) + tick_w, 72)
    right = 16
    legend, legend_h = _legend_svg(chart, left, right)
    top = 10 + legend_h + 6
    bottom = 26 + 18
    frame = _Frame(left, top, WIDTH - left - right, chart.height - top - bottom, y_lo, y_hi)
    xs = _XScale(chart, frame.left, frame.width)
    x_label = chart.x_label
    if xs.time and same_day(xs.t0, xs.t1):  # tick labels are clock times: name the day
        day = _from_seconds(xs.t0).strftime("%Y-%m-%d")
        x_label = f"{x_label}, {day}" if x_label else day
    return "".join(
        [
            f'<svg class="chart" viewBox="0 0 {WIDTH} {chart.height}" role="img" '
            f'font-size="{_FONT}"><title>{_esc(chart.title)}</title>',
            legend,
            _y_axis_svg(frame, y_ticks, chart.y_label),
            _x_axis_svg(frame, xs.ticks(labels), x_label, chart.height),
            *_bands(chart, xs, frame),
            *_bars(chart, xs, frame),
            *_lines(chart, xs, frame),
            *(_rule_svg(frame, r) for r in chart.rules),
            *_hover(chart, xs, frame, labels),
            "</svg>",
        ]
    )


def _legend_svg(chart: Chart, left: float, right: float) -> tuple[str, int]:
    """The legend (entries in rows that fit the width) and its height."""
    items = _legend(chart)
    if not items:
        return "", 0
    rows: list[list[tuple[float, tuple[str, str, str]]]] = [[]]
    cursor = left
    for item in items:
        w = 22 + len(item[1]) * _CHAR_PX + 18
        if rows[-1] and cursor + w > WIDTH - right:
            rows.append([])
            cursor = left
        rows[-1].append((cursor, item))
        cursor += w
    out = ['<g class="legend">']
    for r, row in enumerate(rows):
        y = 18 + r * 20
        for x0, (kind, name, color) in row:
            if kind in ("swatch", "band"):
                op = ' fill-opacity="0.3"' if kind == "band" else ""
                out.append(
                    f'<rect x="{_num(x0)}" y="{y - 6}" width="14" height="12" fill="{color}"{op}/>'
                )
            else:
                dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
                out.append(
                    f'<line x1="{_num(x0)}" y1="{y}" x2="{_num(x0 + 16)}" y2="{y}" '
                    f'stroke="{color}" stroke-width="2"{dash}/>'
                )
            out.append(f'<text x="{_num(x0 + 22)}" y="{y + 4}">{_esc(name)}</text>')
    out.append("</g>")
    return "".join(out), 20 * len(rows)


def _y_axis_svg(frame: _Frame, ticks: list[tuple[float, str]], label: str) -> str:
    out = ['<g class="y-axis" fill="#555">']
    right = frame.left + frame.width
    for v, text in ticks:
        y = _num(frame.y(v))
        out.append(
            f'<line x1="{_num(frame.left)}" y1="{y}" x2="{_num(right)}" y2="{y}" '
            f'stroke="#e5e5e5"/><text x="{_num(frame.left - 6)}" y="{_num(frame.y(v) + 4)}" '
            f'text-anchor="end">{_esc(text)}</text>'
        )
    if label:
        cy = _num(frame.top + frame.height / 2)
        out.append(
            f'<text class="axis-title" transform="translate(14 {cy}) rotate(-90)" '
            f'text-anchor="middle">'
            f"{_esc(label)}</text>"
        )
    out.append("</g>")
    return "".join(out)


def _x_axis_svg(frame: _Frame, ticks: list[tuple[float, str]], label: str, height: int) -> str:
    base = frame.top + frame.height
    out = [
        '<g class="x-axis" fill="#555">',
        f'<line x1="{_num(frame.left)}" y1="{_num(base)}" x2="{_num(frame.left + frame.width)}" '
        f'y2="{_num(base)}" stroke="#888"/>',
    ]
    for x, text in ticks:
        half = len(text) * _CHAR_PX / 2
        # a label that would run off the drawing is aligned to its tick instead of centred
        anchor = "end" if x + half > WIDTH - 2 else "start" if x - half < 2 else "middle"
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(base)}" x2="{_num(x)}" y2="{_num(base + 4)}" '
            f'stroke="#888"/><text x="{_num(x)}" y="{_num(base + 17)}" '
            f'text-anchor="{anchor}">{_esc(text)}</text>'
        )
    if label:
        out.append(
            f'<text class="axis-title" x="{_num(frame.left + frame.width / 2)}" '
            f'y="{height - 6}" text-anchor="middle">{_esc(label)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _rule_svg(frame: _Frame, rule: Rule) -> str:
    y = frame.y(rule.value)
    right = frame.left + frame.width
    return (
        f'<g class="rule"><line x1="{_num(frame.left)}" y1="{_num(y)}" x2="{_num(right)}" '
        f'y2="{_num(y)}" stroke="{rule.color}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        f'<text x="{_num(right - 4)}" y="{_num(y - 5)}" text-anchor="end" '
        f'fill="{rule.color}" stroke="#fff" stroke-width="3" paint-order="stroke">'
        f"{_esc(rule.label)}</text></g>"
    )


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if r]


def _path(run: list[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{_num(x)} {_num(y)}" for x, y in run)


def _bands(chart: Chart, xs: _XScale, frame: _Frame) -> list[str]:
    out = []
    for b in chart.bands:
        order = sorted(range(len(chart.x)), key=lambda t: xs.points[t])
        d = []
        run: list[tuple[float, float, float]] = []
        for t in [*order, None]:
            lo = _clean(b.low[t]) if t is not None else None
            hi = _clean(b.high[t]) if t is not None else None
            if t is not None and lo is not None and hi is not None:
                run.append((xs.points[t], frame.y(lo), frame.y(hi)))
                continue
            if run:
                upper = "L".join(f"{_num(x)} {_num(h)}" for x, _, h in run)
                lower = "L".join(f"{_num(x)} {_num(low)}" for x, low, _ in reversed(run))
                d.append(f"M{upper}L{lower}Z")
                run = []
        out.append(
            f'<g class="band" data-name="{_esc(b.name)}"><path d="{"".join(d)}" '
            f'fill="{b.color}" fill-opacity="{b.opacity}"/></g>'
        )
    return out


def _bars(chart: Chart, xs: _XScale, frame: _Frame) -> list[str]:
    bars = [(i, s) for i, s in enumerate(chart.series) if s.kind == "bar"]
    if not bars:
        return []
    out = []
    n = len(chart.x)
    zero = frame.y(max(frame.y_lo, 0.0))
    pos = [0.0] * n  # stacked heights so far, above and below zero
    neg = [0.0] * n
    k = len(bars)
    for j, (i, s) in enumerate(bars):
        color = s.color or PALETTE[i % len(PALETTE)]
        out.append(f'<g class="bars" data-name="{_esc(s.name)}" fill="{color}">')
        for t in range(n):
            v = _clean(s.values[t])
            if v is None:
                continue
            x0, x1 = xs.starts[t], xs.ends[t]
            slot = x1 - x0
            pad = slot * 0.1 if slot > 4 else 0.0
            if chart.bars == "stack":
                w, bx = slot - 2 * pad, x0 + pad
                base = pos if v >= 0 else neg
                ya, yb = sorted((frame.y(base[t]), frame.y(base[t] + v)))
                base[t] += v
            else:
                w = (slot - 2 * pad) / k
                bx = x0 + pad + j * w
                ya, yb = sorted((frame.y(v), zero))
            fill = f' fill="{s.colors[t]}"' if s.colors is not None else ""
            if v == 0 and chart.bars != "stack":
                # a zero (0 % service level) is a value, not a gap: a sliver shows it
                ya, fill = zero - ZERO_PX, fill + ' class="zero"'
            out.append(
                f'<rect x="{_num(bx)}" y="{_num(ya)}" width="{_num(max(w, 0.1))}" '
                f'height="{_num(yb - ya)}"{fill}/>'
            )
        out.append("</g>")
    return out


def _lines(chart: Chart, xs: _XScale, frame: _Frame) -> list[str]:
    out = []
    n = len(chart.x)
    order = sorted(range(n), key=lambda t: xs.starts[t])
    for i, s in enumerate(chart.series):
        if s.kind == "bar":
            continue
        color = s.color or PALETTE[i % len(PALETTE)]
        values = [_clean(s.values[t]) for t in range(n)]
        zero = frame.y(max(frame.y_lo, 0.0))
        d = []
        fill = []
        if s.kind == "step":
            run: list[tuple[float, float, float]] = []
            for t in [*order, None]:
                v = values[t] if t is not None else None
                contiguous = t is not None and run and abs(xs.starts[t] - run[-1][1]) < 0.05
                if v is None or (run and not contiguous):
                    if run:
                        steps = "L".join(f"{_num(a)} {_num(y)}H{_num(b)}" for a, b, y in run)
                        d.append(f"M{steps}")
                        fill.append(
                            f"M{_num(run[0][0])} {_num(zero)}L{steps}"
                            f"L{_num(run[-1][1])} {_num(zero)}Z"
                        )
                    run = []
                if t is not None and v is not None:
                    run.append((xs.starts[t], xs.ends[t], frame.y(v)))
        else:
            pts: list[tuple[float, float] | None] = []
            for t in order:
                v = values[t]
                # on a time axis, a missing interval (no row) breaks the line too
                if pts and pts[-1] is not None and xs.points[t] - pts[-1][0] > 1.5 * xs.step_px:
                    pts.append(None)
                pts.append(None if v is None else (xs.points[t], frame.y(v)))
            for seg in _segments(pts):
                d.append(_path(seg))
                if s.fill:
                    fill.append(
                        f"M{_num(seg[0][0])} {_num(zero)}L{_path(seg)[1:]}"
                        f"L{_num(seg[-1][0])} {_num(zero)}Z"
                    )
        out.append(f'<g class="{s.kind}" data-name="{_esc(s.name)}">')
        if s.fill and fill:
            out.append(f'<path d="{"".join(fill)}" fill="{color}" fill-opacity="0.25"/>')
        out.append(
            f'<path d="{"".join(d)}" fill="none" stroke="{color}" '
            f'stroke-width="{_num(s.width)}" stroke-linejoin="round"/>'
        )
        count = sum(v is not None for v in values)
        if s.kind == "line" and 0 < count <= MAX_MARKERS:
            out.append(f'<g fill="{color}">')
            out.extend(
                f'<circle cx="{_num(xs.points[t])}" cy="{_num(frame.y(v))}" r="3"/>'
                for t, v in enumerate(values)
                if v is not None
            )
            out.append("</g>")
        out.append("</g>")
    return out


def _hover(chart: Chart, xs: _XScale, frame: _Frame, labels: list[str]) -> list[str]:
    n = len(chart.x)
    if n == 0 or n > MAX_HOVER:
        return []
    out = ['<g class="hover" fill="none" pointer-events="all">']
    for t, (x0, x1) in enumerate(xs.hover_slots()):
        lines = [labels[t]]
        for s in chart.series:
            lines.append(f"{s.name}: {_fmt_value(_clean(s.values[t]), chart.percent)}")
        for b in chart.bands:
            lo = _fmt_value(_clean(b.low[t]), chart.percent)
            hi = _fmt_value(_clean(b.high[t]), chart.percent)
            lines.append(f"{b.name}: {lo} – {hi}")
        out.append(
            f'<rect x="{_num(x0)}" y="{_num(frame.top)}" width="{_num(max(x1 - x0, 0.1))}" '
            f'height="{_num(frame.height)}"><title>{_esc(chr(10).join(lines))}</title></rect>'
        )
    out.append("</g>")
    return out
