"""Tiny rosters with a known optimum, break placement, partial rosters and invariants."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.scheduling import (
    Requirement,
    ScheduleResult,
    ShiftConfig,
    lp_bound,
    parse_shifts,
    requirement_from_frame,
    solve,
)

DAY = pd.Timestamp("2024-03-04")  # a Monday


def requirement(hours: dict[int, int], *, days: int = 1, interval_s: int = 3600) -> Requirement:
    """A plan on an hourly grid: {hour from the first midnight: agents}."""
    last = days * 24 - 1
    rows = {h: hours.get(h, 0) for h in range(last + 1)}
    plan = pd.DataFrame(
        {
            "interval_start": [DAY + pd.Timedelta(hours=h) for h in rows],
            "agents": list(rows.values()),
        }
    )
    return requirement_from_frame(plan, interval_s=interval_s)


def config(templates: list[dict[str, Any]], **top: Any) -> ShiftConfig:
    return parse_shifts({"interval": "1h", "templates": templates, **top})


def run(req: Requirement, cfg: ShiftConfig) -> ScheduleResult:
    return solve(req, cfg, time_limit_s=10, workers=1)


def test_one_shift_covers_a_four_hour_need() -> None:
    cfg = config(
        [{"name": "t4", "start": {"earliest": "08:00", "latest": "08:00"}, "length": "4h"}]
    )
    res = run(requirement({8: 1, 9: 1, 10: 1, 11: 1}), cfg)
    assert res.status == "optimal"
    assert res.paid_hours == 4.0
    assert res.optimality_gap == 0.0
    assert res.uncovered_agent_intervals == 0
    assert [(s.template, s.start.hour, s.count) for s in res.shifts] == [("t4", 8, 1)]
    assert res.coverage["gap"].abs().sum() == 0


def test_the_cheapest_mix_of_templates_is_chosen() -> None:
    cfg = config(
        [
            {"name": "full", "start": {"earliest": "08:00", "latest": "08:00"}, "length": "8h"},
            {
                "name": "half",
                "start": {"earliest": "08:00", "latest": "12:00", "step": "4h"},
                "length": "4h",
                "cost": 4.5,
            },
        ]
    )
    req = requirement({8: 2, 9: 2, 10: 2, 11: 2, 12: 1, 13: 1, 14: 1, 15: 1})
    res = run(req, cfg)
    # full + half at 08:00 = 8 + 4.5; two fulls cost 16, three halves 13.5.
    assert res.status == "optimal"
    assert res.cost == pytest.approx(12.5)
    assert res.paid_hours == 12.0
    assert sorted((s.template, s.start.hour) for s in res.shifts) == [("full", 8), ("half", 8)]
    assert lp_bound(req, cfg) == pytest.approx(12.5)


def test_an_agent_on_a_break_never_counts() -> None:
    cfg = config(
        [
            {
                "name": "t3",
                "start": {"earliest": "08:00", "latest": "08:00"},
                "length": "3h",
                "breaks": [{"length": "1h", "paid": "false", "earliest": "1h", "latest": "1h"}],
            }
        ]
    )
    res = run(requirement({8: 1, 9: 1, 10: 1}), cfg)
    # Every t3 agent is on a break at 09:00, so 09:00 cannot be covered at all.
    assert res.status == "partial"
    assert res.uncovered_agent_intervals == 1
    cov = res.coverage.set_index(res.coverage["interval_start"].dt.hour)
    assert cov.loc[[8, 9, 10], "scheduled"].tolist() == [1, 0, 1]
    assert cov.loc[[8, 9, 10], "gap"].tolist() == [0, 1, 0]
    assert res.paid_hours == 2.0  # the unpaid hour is not paid
    # One shift plus one uncovered agent-hour (penalty 2 x cost 2) beats 0 or 2 shifts.
    assert res.objective == pytest.approx(2 + 4)
    assert res.status == "partial"
    assert res.optimality_gap == 0.0


def test_breaks_are_spread_to_keep_coverage() -> None:
    cfg = config(
        [
            {
                "name": "t4",
                "start": {"earliest": "08:00", "latest": "08:00"},
                "length": "4h",
                "breaks": [{"length": "1h", "paid": "true", "earliest": "1h", "latest": "2h"}],
            }
        ]
    )
    res = run(requirement({8: 2, 9: 1, 10: 1, 11: 2}), cfg)
    assert res.status == "optimal"
    assert res.paid_hours == 8.0  # paid breaks are paid
    starts = sorted(b.start.hour for s in res.shifts for b in s.breaks for _ in range(s.count))
    assert starts == [9, 10]
    assert res.coverage["scheduled"].iloc[8:12].tolist() == [2, 1, 1, 2]


def test_breaks_with_overlapping_windows_are_taken_in_order() -> None:
    # Both breaks may start at 09:00 or 10:00; the second must follow the first. Taking
    # both at 09:00 would free 10:00, which is exactly what the order forbids.
    cfg = config(
        [
            {
                "name": "t4",
                "start": {"earliest": "08:00", "latest": "08:00"},
                "length": "4h",
                "breaks": [
                    {"length": "1h", "paid": "true", "earliest": "1h", "latest": "2h"},
                    {"length": "1h", "paid": "true", "earliest": "1h", "latest": "2h"},
                ],
            }
        ]
    )
    res = run(requirement({8: 1, 10: 1, 11: 1}), cfg)
    for s in res.shifts:
        assert [b.start.hour for b in s.breaks] == [9, 10]
    assert res.status == "partial"
    assert res.coverage["gap"].iloc[10] == 1


def test_an_unreachable_requirement_gives_the_documented_gap() -> None:
    cfg = config(
        [{"name": "day", "start": {"earliest": "06:00", "latest": "10:00"}, "length": "4h"}]
    )
    res = run(requirement({3: 2, 9: 1}), cfg)
    assert res.status == "partial"
    assert res.uncovered_agent_intervals == 2
    doc = res.to_dict()
    by_hour = {row["interval_start"][11:13]: row for row in doc["coverage"]}
    assert by_hour["03"] == {
        "interval_start": "2024-03-04 03:00:00",
        "required": 2,
        "scheduled": 0,
        "gap": 2,
    }
    assert by_hour["09"]["gap"] <= 0
    assert doc["status"] == "partial"
    assert doc["uncovered_agent_intervals"] == 2
    assert sum(s["count"] for s in doc["shifts"]) == 1


def test_max_count_and_days_limit_the_roster() -> None:
    capped = config(
        [
            {
                "name": "t2",
                "start": {"earliest": "08:00", "latest": "08:00"},
                "length": "2h",
                "max_count": "1",
            }
        ]
    )
    res = run(requirement({8: 3, 9: 3}), capped)
    assert res.uncovered_agent_intervals == 4
    assert sum(s.count for s in res.shifts) == 1
    tuesday_only = config(
        [
            {
                "name": "t2",
                "start": {"earliest": "08:00", "latest": "08:00"},
                "length": "2h",
                "days": ["tue"],
            }
        ]
    )
    res = run(requirement({8: 1, 9: 1, 24 + 8: 1, 24 + 9: 1}, days=2), tuesday_only)
    assert [s.start.day_name() for s in res.shifts] == ["Tuesday"]
    assert res.uncovered_agent_intervals == 2


def test_min_count_places_shifts_without_need() -> None:
    cfg = config(
        [
            {
                "name": "t2",
                "start": {"earliest": "08:00", "latest": "10:00"},
                "length": "2h",
                "min_count": "2",
            }
        ]
    )
    res = run(requirement({}, days=2), cfg)
    assert res.status == "optimal"
    assert sum(s.count for s in res.shifts) == 4
    assert res.over_agent_intervals == 8


def test_a_night_shift_covers_the_next_morning() -> None:
    cfg = config(
        [{"name": "night", "start": {"earliest": "22:00", "latest": "22:00"}, "length": "8h"}]
    )
    res = run(requirement({22: 1, 23: 1, 24: 1, 24 + 5: 1}, days=2), cfg)
    assert res.status == "optimal"
    assert [s.start for s in res.shifts] == [DAY + pd.Timedelta(hours=22)]
    assert res.uncovered_agent_intervals == 0


def test_a_tiny_time_limit_still_returns_a_roster() -> None:
    cfg = config(
        [{"name": "t4", "start": {"earliest": "00:00", "latest": "20:00"}, "length": "4h"}]
    )
    rng = np.random.default_rng(5)
    req = requirement({h: int(v) for h, v in enumerate(rng.integers(0, 30, 24 * 7))}, days=7)
    res = solve(req, cfg, time_limit_s=0.2, workers=1)
    assert res.status in ("optimal", "feasible", "partial")
    assert 0.0 <= res.optimality_gap <= 1.0
    assert res.best_bound <= res.objective + 1e-6


# --------------------------------------------------------------------------- properties
def working(res: ScheduleResult, req: Requirement) -> np.ndarray:
    """Agents working per slot, recomputed from the shifts (not on a break)."""
    out = np.zeros(req.required.size, dtype=int)
    for i, t in enumerate(req.timestamps()):
        for s in res.shifts:
            on_shift = s.start <= t < s.end
            on_break = any(b.start <= t < b.end for b in s.breaks)
            if on_shift and not on_break:
                out[i] += s.count
    return out


@st.composite
def instances(draw: st.DrawFn) -> tuple[Requirement, ShiftConfig]:
    hours = {h: draw(st.integers(0, 3)) for h in range(6, 20)}
    templates = []
    for k in range(draw(st.integers(1, 2))):
        length = draw(st.integers(3, 7))
        first = draw(st.integers(4, 12))
        last = draw(st.integers(first, 14))
        breaks = []
        for _ in range(draw(st.integers(0, 2))):
            b_len = draw(st.integers(1, 2))
            lo = draw(st.integers(1, max(1, length - b_len - 1)))
            hi = draw(st.integers(lo, max(lo, length - b_len)))
            if breaks and lo < breaks[-1]["lo"] + breaks[-1]["len"]:
                continue  # keep the breaks takeable in order; their windows may still overlap
            if hi + b_len > length:
                continue
            breaks.append({"lo": lo, "hi": hi, "len": b_len})
        templates.append(
            {
                "name": f"t{k}",
                "start": {"earliest": f"{first:02d}:00", "latest": f"{last:02d}:00"},
                "length": f"{length}h",
                "breaks": [
                    {
                        "length": f"{b['len']}h",
                        "paid": draw(st.sampled_from(["true", "false"])),
                        "earliest": f"{b['lo']}h",
                        "latest": f"{b['hi']}h",
                    }
                    for b in breaks
                ],
            }
        )
    return requirement(hours), config(templates)


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(instance=instances())
def test_reported_coverage_is_recomputable_and_breaks_are_valid(
    instance: tuple[Requirement, ShiftConfig],
) -> None:
    req, cfg = instance
    res = run(req, cfg)
    scheduled = working(res, req)
    assert res.coverage["scheduled"].tolist() == scheduled.tolist()
    gap = req.required - scheduled
    assert res.coverage["gap"].tolist() == gap.tolist()
    assert res.uncovered_agent_intervals == int(np.clip(gap, 0, None).sum())
    templates = {t.name: t for t in cfg.templates}
    paid = 0.0
    for s in res.shifts:
        t = templates[s.template]
        assert (s.end - s.start).total_seconds() == t.length_s
        paid += s.count * t.paid_s / 3600
        previous_end = s.start
        for b, rule in zip(s.breaks, t.breaks, strict=True):
            offset = (b.start - s.start).total_seconds()
            assert rule.earliest_s <= offset <= rule.latest_s
            assert b.start >= previous_end  # in order, never overlapping
            assert b.end <= s.end
            assert b.paid == rule.paid
            previous_end = b.end
    assert res.paid_hours == pytest.approx(paid)
    assert lp_bound(req, cfg) <= res.objective + 1e-6
    if res.status == "optimal":
        assert res.uncovered_agent_intervals == 0


def brute_force(req: Requirement, cfg: ShiftConfig) -> float:
    """Cheapest cost + penalty over every roster with at most 3 of each shift (no breaks)."""
    columns = []
    for t in cfg.templates:
        for offset in t.start_offsets():
            start = offset // req.interval_s
            columns.append((start, t.length_s // req.interval_s, t.shift_cost))
    best = float("inf")
    for counts in itertools.product(range(4), repeat=len(columns)):
        cover = np.zeros(req.required.size, dtype=int)
        cost = 0.0
        for n, (start, length, c) in zip(counts, columns, strict=True):
            cover[start : start + length] += n
            cost += n * c
        short = np.clip(req.required - cover, 0, None).sum()
        best = min(best, cost + cfg.penalty * short)
    return best


def test_float_noise_in_the_bound_is_not_an_optimality_gap() -> None:
    """The groups' bounds add up to 13.999999999999998 for an optimum of 14."""
    req = requirement({8 + i: n for i, n in enumerate([0, 1, 0, 3, 2, 1])})
    cfg = config(
        [
            {"name": "a", "start": {"earliest": "08:00", "latest": "10:00", "step": "2h"},
             "length": "3h", "cost": "2"},
            {"name": "b", "start": {"earliest": "08:00", "latest": "12:00", "step": "2h"},
             "length": "3h", "cost": "6"},
        ]
    )  # fmt: skip
    res = run(req, cfg)
    assert res.objective == 14.0
    assert res.optimality_gap == 0.0
    assert res.status == "optimal"


@PROPERTY
@given(
    needs=st.lists(st.integers(0, 3), min_size=6, max_size=6),
    lengths=st.tuples(st.integers(2, 4), st.integers(3, 6)),
    costs=st.tuples(st.integers(1, 9), st.integers(1, 9)),
)
def test_the_solver_matches_exhaustive_search(
    needs: list[int], lengths: tuple[int, int], costs: tuple[int, int]
) -> None:
    req = requirement({8 + i: n for i, n in enumerate(needs)})
    cfg = config(
        [
            {
                "name": "a",
                "start": {"earliest": "08:00", "latest": "10:00", "step": "2h"},
                "length": f"{lengths[0]}h",
                "cost": str(costs[0]),
            },
            {
                "name": "b",
                "start": {"earliest": "08:00", "latest": "12:00", "step": "2h"},
                "length": f"{lengths[1]}h",
                "cost": str(costs[1]),
            },
        ]
    )
    res = run(req, cfg)
    assert res.optimality_gap == 0.0
    assert res.objective == pytest.approx(brute_force(req, cfg))
