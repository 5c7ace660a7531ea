"""The HTML reports: one small self-contained page, offline, with inline SVG charts whose
shapes match the report's rows."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.reports.charts import (
    MAX_HOVER,
    ZERO_PX,
    Band,
    Chart,
    Rule,
    Series,
    render_svg,
)
from contactcenter.store import Store
from tests.conftest import contacts_table

runner = CliRunner()
T0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)


def _calls(n: int = 38, seed: int = 3) -> list[dict[str, Any]]:
    """n calls over a working day: answered (some slow), abandoned, timed out."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        offered = T0 + dt.timedelta(minutes=rnd.randint(0, 9 * 60))
        outcome = rnd.choices(["answered", "abandoned", "timed_out"], [8, 3, 1])[0]
        row: dict[str, Any] = {
            "offered_at": offered,
            "outcome": outcome,
            "wait_s": float(rnd.choice([3, 8, 15, 25, 45, 90])),
            "queue": "sales" if i % 2 else "billing",
        }
        if outcome == "answered":
            row.update(agent_id=f"a{i % 4}", talk_s=float(rnd.randint(30, 400)))
        rows.append(row)
    return rows


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    rows = _calls()
    with Store(path) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = len(rows)
        session.write("contacts", contacts_table(rows))
    return path


def _report(db: Path, out: Path, *args: str) -> list[dict[str, Any]]:
    """Write the HTML report and return the rows of the same report as JSON."""
    base = ["report", "--db", str(db), "--by", "interval", *args]
    res = runner.invoke(app, [*base, "--format", "html", "--output", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*base, "--format", "json"])
    assert res.exit_code == 0, res.output
    import json

    rows: list[dict[str, Any]] = json.loads(res.stdout)["rows"]
    return rows


def _svgs(text: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", text, flags=re.S)]


def _group(svg: ET.Element, cls: str, name: str) -> ET.Element:
    (g,) = [g for g in svg.iter("g") if g.get("class") == cls and g.get("data-name") == name]
    return g


def _heights(g: ET.Element) -> list[float]:
    return [float(r.get("height", "nan")) for r in g.iter("rect")]


def test_small_report_is_small_offline_and_has_an_svg_per_chart(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    _report(db, out)
    assert out.stat().st_size < 1_000_000
    text = out.read_text("utf-8")
    assert len(_svgs(text)) == 3
    assert "<script" not in text
    assert "<link" not in text
    assert not re.search(r"https?://", text)
    assert "plotly" not in text.lower()
    for title in (
        "Service level per interval against the target",
        "Volume per interval",
        "Abandon rate per interval",
    ):
        assert f"<h2>{title}</h2>" in text


def test_chart_shapes_match_the_report_rows(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    rows = _report(db, out, "--target", "0.7")
    sl_svg, vol_svg, ab_svg = _svgs(out.read_text("utf-8"))

    # service level: one bar per interval with a value; heights proportional to it
    levels = [r["service_level"] for r in rows if r["service_level"] is not None]
    bars = list(_group(sl_svg, "bars", "service level").iter("rect"))
    assert len(bars) == len(levels)
    full = max(h / v for h, v in zip(_heights(_group(sl_svg, "bars", "service level")),
                                     levels, strict=True) if v)  # fmt: skip
    assert 0.0 in levels  # a 0 % interval is drawn as a sliver, not left out
    for rect, v in zip(bars, levels, strict=True):
        height = ZERO_PX if v == 0 else v * full
        assert float(rect.get("height", "0")) == pytest.approx(height, abs=0.15)
        assert (rect.get("class") == "zero") == (v == 0)
        met = v >= 0.7
        assert rect.get("fill") == ("#2e9e5b" if met else "#e0703a")
    (rule,) = [g for g in sl_svg.iter("g") if g.get("class") == "rule"]
    assert "target 70%" in "".join(rule.itertext())
    assert "100%" in "".join(sl_svg.itertext())  # a percent axis

    # volume: stacked answered + abandoned + timed_out, one bar per interval and series
    per_interval = [0.0] * len(rows)
    for name in ("answered", "abandoned", "timed_out"):
        heights = _heights(_group(vol_svg, "bars", name))
        assert len(heights) == len(rows)
        per_interval = [a + b for a, b in zip(per_interval, heights, strict=True)]
    offered = [r["answered"] + r["abandoned"] + r["timed_out"] for r in rows]
    scale = max(per_interval) / max(offered)
    assert per_interval == pytest.approx([o * scale for o in offered], abs=0.35)

    # abandon rate: a line through every interval with a value
    rates = [r["abandon_rate"] for r in rows if r["abandon_rate"] is not None]
    line = _group(ab_svg, "line", "abandon rate")
    assert len(list(line.iter("circle"))) == len(rates)

    # hover: one target per interval naming its values
    hover = next(g for g in sl_svg.iter("g") if g.get("class") == "hover")
    titles = [t.text or "" for t in hover.iter("title")]
    assert len(titles) == len(rows)
    assert titles[0].startswith(rows[0]["interval_start"][:16])


def _dense_chart(n: int) -> Chart:
    start = dt.datetime(2024, 1, 1)
    x = [start + dt.timedelta(minutes=30 * i) for i in range(n)]
    values = [float((i * 7) % 13) for i in range(n)]
    return Chart(
        "dense",
        x,
        [Series("a", values), Series("b", [v / 2 for v in values])],
        bars="stack",
        rules=[Rule(10, "target")],
        x_step=1800,
    )


def _tick_labels(svg: ET.Element) -> list[tuple[float, str]]:
    axis = next(g for g in svg.iter("g") if g.get("class") == "x-axis")
    return [
        (float(t.get("x", "0")), t.text or "")
        for t in axis.iter("text")
        if t.get("class") != "axis-title"
    ]


@pytest.mark.parametrize("n", [1, 2, 48, 10_000])
def test_any_number_of_points_is_drawn_readably(n: int) -> None:
    svg_text = render_svg(_dense_chart(n))
    svg = ET.fromstring(svg_text)
    assert len(_heights(_group(svg, "bars", "a"))) == n
    assert all(h >= 0 for h in _heights(_group(svg, "bars", "b")))
    rects = list(_group(svg, "bars", "a").iter("rect"))
    xs = [float(r.get("x", "0")) for r in rects]
    widths = [float(r.get("width", "0")) for r in rects]
    assert xs == sorted(xs)
    assert all(0 < w <= 900 for w in widths)
    # tick labels: at least one, inside the drawing, never overlapping
    ticks = [(x, t) for x, t in _tick_labels(svg) if re.match(r"\d", t)]
    assert ticks
    for (x0, a), (x1, b) in itertools.pairwise(ticks):
        assert x1 - x0 >= (len(a) + len(b)) / 2 * 7, (a, b)
    assert all(0 <= x <= 960 for x, _ in ticks)
    hover = [g for g in svg.iter("g") if g.get("class") == "hover"]
    assert len(list(hover[0].iter("rect")) if hover else []) == (n if n <= MAX_HOVER else 0)
    if n == 10_000:
        assert len(svg_text) < 2_000_000


def test_band_and_lines_and_gaps() -> None:
    x = ["2024-03-04 08:00:00", "2024-03-04 08:30:00", "2024-03-04 09:00:00",
         "2024-03-04 09:30:00"]  # fmt: skip
    chart = Chart(
        "forecast",
        x,
        [Series("forecast", [10, 12, None, 9], kind="line"), Series("actual", [9, 13, 11, 8],
                                                                     kind="line")],
        bands=[Band("80 % interval", [8, 9, None, 7], [12, 15, None, 11])],
    )  # fmt: skip
    svg = ET.fromstring(render_svg(chart))
    fc = _group(svg, "line", "forecast").find("path")
    assert fc is not None
    assert fc.get("d", "").count("M") == 2  # the null splits the line
    band = _group(svg, "band", "80 % interval").find("path")
    assert band is not None
    assert band.get("d", "").count("Z") == 2
    labels = [t for _, t in _tick_labels(svg)]
    assert "08:00" in labels
    titles = [t.text or "" for t in svg.iter("text") if t.get("class") == "axis-title"]
    assert titles == ["2024-03-04"]  # one day: clock times on the ticks, the day named once


def test_category_axis_and_grouped_bars() -> None:
    chart = Chart(
        "wape",
        ["fold 0", "fold 1", "fold 2"],
        [Series("naive", [0.3, 0.2, 0.25]), Series("profile", [0.15, 0.1, 0.3])],
        percent=True,
    )
    svg = ET.fromstring(render_svg(chart))
    naive = list(_group(svg, "bars", "naive").iter("rect"))
    profile = list(_group(svg, "bars", "profile").iter("rect"))
    for a, b in zip(naive, profile, strict=True):  # side by side, not stacked
        assert float(b.get("x", "0")) > float(a.get("x", "0"))
    assert float(naive[0].get("height", "0")) == pytest.approx(
        2 * float(profile[0].get("height", "0")), abs=0.2
    )
    assert "%" in "".join(t.text or "" for t in svg.iter("text"))


def test_a_missing_interval_breaks_a_line_and_counts_get_whole_ticks() -> None:
    x = ["2024-03-04 08:00:00", "2024-03-04 08:30:00", "2024-03-04 10:00:00"]
    chart = Chart("abandon rate", x, [Series("rate", [0.1, 0.2, 0.3], kind="line")], x_step=1800)
    path = _group(ET.fromstring(render_svg(chart)), "line", "rate").find("path")
    assert path is not None
    assert path.get("d", "").count("M") == 2  # 08:30 -> 10:00 has no rows between
    counts = Chart("volume", x[:1], [Series("calls", [1])], integer=True, x_step=1800)
    axis = next(g for g in ET.fromstring(render_svg(counts)).iter("g")
                if g.get("class") == "y-axis")  # fmt: skip
    assert [t.text for t in axis.iter("text")] == ["0", "1"]
