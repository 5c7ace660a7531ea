"""A tiny pure-Python reference of the metric catalog, written apart from the compiler.

It reads contacts as plain dicts and computes every metric with the formulas of
METRICS.md, using Python's own calendar and zoneinfo for the time keys. Tests check the
engines against it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

FINISHED = {"answered", "abandoned", "timed_out"}


def key_of(row: dict[str, Any], by: tuple[str, ...], interval_s: int, tz: str) -> tuple[Any, ...]:
    local = row["offered_at"].astimezone(ZoneInfo(tz))
    out: list[Any] = []
    for k in by:
        if k == "interval":
            minutes = local.hour * 60 + local.minute
            start = minutes * 60 // interval_s * interval_s
            out.append(
                f"{local:%Y-%m-%d} {start // 3600:02d}:{start % 3600 // 60:02d}:{start % 60:02d}"
            )
        elif k == "hour":
            out.append(local.hour)
        elif k == "day":
            out.append(f"{local:%Y-%m-%d}")
        elif k == "week":
            y, w, _ = local.date().isocalendar()
            out.append(f"{y}-W{w:02d}")
        elif k == "month":
            out.append(f"{local:%Y-%m}")
        elif k == "agent":
            out.append(row["agent_id"])
        else:
            out.append(row[k])
    return tuple(out)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def div(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def metrics_of(
    rows: list[dict[str, Any]], *, t: float, s: float, target: float, interval_s: int, tz: str
) -> dict[str, Any]:
    def n(pred: Any) -> int:
        return sum(1 for r in rows if pred(r))

    def w(r: dict[str, Any]) -> float | None:
        v: float | None = r["wait_s"]
        return v

    offered = n(lambda r: r["outcome"] in FINISHED)
    answered = n(lambda r: r["outcome"] == "answered")
    abandoned = n(lambda r: r["outcome"] == "abandoned")
    short = n(lambda r: r["outcome"] == "abandoned" and w(r) is not None and w(r) < s)
    ait = n(lambda r: r["outcome"] == "answered" and w(r) is not None and w(r) <= t)
    abit = n(lambda r: r["outcome"] == "abandoned" and w(r) is not None and w(r) <= t)
    transferred = n(lambda r: r["outcome"] == "answered" and r["transferred"])
    ans_waits = [w(r) for r in rows if r["outcome"] == "answered" and w(r) is not None]
    ab_waits = [w(r) for r in rows if r["outcome"] == "abandoned" and w(r) is not None]
    off_waits = [w(r) for r in rows if r["outcome"] in FINISHED and w(r) is not None]
    ans = [r for r in rows if r["outcome"] == "answered" and not r.get("talking")]

    def comp(name: str) -> float | None:
        return mean([r[name] for r in ans if r[name] is not None])

    buckets: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        buckets[key_of(r, ("interval",), interval_s, tz)].append(r)
    measured = met = 0
    for group in buckets.values():
        g_off = sum(1 for r in group if r["outcome"] in FINISHED)
        g_short = sum(
            1
            for r in group
            if r["outcome"] == "abandoned" and r["wait_s"] is not None and r["wait_s"] < s
        )
        g_ait = sum(
            1
            for r in group
            if r["outcome"] == "answered" and r["wait_s"] is not None and r["wait_s"] <= t
        )
        sl = div(g_ait, g_off - g_short)
        if g_off > 0 and sl is not None:
            measured += 1
            met += sl >= target
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "timed_out": n(lambda r: r["outcome"] == "timed_out"),
        "ivr_abandoned": n(lambda r: r["outcome"] == "ivr_abandoned"),
        "in_progress": n(lambda r: r["outcome"] == "in_progress"),
        "in_talk": n(lambda r: r["outcome"] == "answered" and r.get("talking")),
        "short_abandoned": short,
        "answered_in_threshold": ait,
        "abandoned_in_threshold": abit,
        "transferred": transferred,
        "ring_no_answer": 0,  # a fact of its own: see reference_report
        "service_level": div(ait, offered - short),
        "service_level_answered": div(ait, answered),
        "service_level_abandons_favourable": div(ait + abit, offered),
        "service_level_abandons_ignored": div(ait, offered - abit),
        "abandon_rate": div(abandoned - short, offered - short),
        "abandon_rate_raw": div(abandoned, offered),
        "asa_s": mean(ans_waits),
        "avg_abandon_wait_s": mean(ab_waits),
        "max_wait_s": max(off_waits) if off_waits else None,
        "wait_p50_s": percentile(ans_waits, 0.5),
        "wait_p90_s": percentile(ans_waits, 0.9),
        "wait_p95_s": percentile(ans_waits, 0.95),
        "talk_s": comp("talk_s"),
        "hold_s": comp("hold_s"),
        "acw_s": comp("acw_s"),
        "aht_s": mean([(r["talk_s"] or 0) + (r["hold_s"] or 0) + (r["acw_s"] or 0) for r in ans]),
        "transfer_rate": div(transferred, answered),
        "sl_target_met_share": div(met, measured),
    }


def reference_report(
    rows: list[dict[str, Any]],
    *,
    by: tuple[str, ...] = (),
    t: float = 20.0,
    s: float = 5.0,
    target: float = 0.8,
    interval_s: int = 1800,
    tz: str = "UTC",
) -> list[dict[str, Any]]:
    """Rows of the report, sorted by key (nulls last), as the engines produce them.

    Ring-outs are their own fact: a contact's count belongs to no agent (the canonical
    contacts give no member), in the period the contact was offered, whatever its outcome;
    a group that only ring-outs reach has zero counts and null ratios."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    rings: dict[tuple[Any, ...], int] = defaultdict(int)
    for r in rows:
        groups[key_of(r, by, interval_s, tz)].append(r)
        if r["ring_no_answer"]:
            rings[key_of({**r, "agent_id": None}, by, interval_s, tz)] += r["ring_no_answer"]
    for key in rings:
        groups.setdefault(key, [])
    out = []
    names = [{"interval": "interval_start"}.get(k, k) for k in by]
    for key in sorted(groups, key=lambda k: tuple((v is None, v) for v in k)):
        rec = dict(zip(names, key, strict=True))
        rec.update(metrics_of(groups[key], t=t, s=s, target=target, interval_s=interval_s, tz=tz))
        rec["ring_no_answer"] = rings.get(key, 0)
        out.append(rec)
    return out
