"""Benchmark: staffing answers up to the documented bounds, and schedule within its limit.

    .venv/bin/python benchmarks/limits_speed.py [--quick]

1. ``contactcenter.staff`` (what ``contactcenter staff`` runs) for loads from 1,000 to
   1,000,000 Erlangs (chat up to 20,000) with Erlang C, Erlang A under each SL
   definition, and the harder targets (an occupancy cap, a tiny ASA target), timed in
   process after a warm-up; the worst time is what the bound promises ("well under a
   second"). Where the old exact climb is feasible (it is forced by raising the size at
   which rows are searched), it is timed beside and must give the same agents.
2. ``contactcenter schedule`` on a week of 48 half-hours with the sample shifts and
   ``--time-limit 20s``, as a fresh process: its wall time (Python start included)
   against the limit.

Nothing here asserts a time; docs/benchmarks.md has the last results.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import contactcenter as cc
from contactcenter.errors import InputError
from contactcenter.staffing import _core, chat_model, inverse

ROOT = Path(__file__).resolve().parents[1]

CASES: list[tuple[str, dict[str, object]]] = [
    ("erlang_c", {}),
    ("erlang_c cap 0.85", {"max_occupancy": 0.85}),
    ("erlang_c asa 0.001 s", {"asa_target": 0.001}),
    ("erlang_a offered", {"patience": "5m"}),
    ("erlang_a answered", {"patience": "5m", "sl_definition": "answered"}),
    ("erlang_a virtual 0.99", {"patience": "1d", "sl_definition": "virtual", "target": 0.99}),
    ("erlang_a abandon 1%", {"patience": "1m", "max_abandon": 0.01}),
]
CHAT = [
    ("chat", {"concurrency": 3, "aht": "3m,4m,5m"}),
    ("chat answered", {"concurrency": 3, "aht": "3m,4m,5m", "patience": "5m",
                       "sl_definition": "answered"}),
    ("chat cap 0.31", {"concurrency": 3, "aht": "5m", "asa_target": 0.001, "max_occupancy": 0.31}),
]  # fmt: skip


def timed(**kwargs: object) -> tuple[float, int]:
    start = time.perf_counter()
    result = cc.staff(**kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - start, result.agents


def climbed(**kwargs: object) -> tuple[float, int]:
    """The same answer by the exact climb (the code before the search); agents -1 when
    the climb gives up ("cannot be met with up to N agents")."""
    saved = (_core.DIRECT_FROM, inverse.SEARCH_FROM_ERL, chat_model.CHAT_SEARCH_FROM)
    _core.DIRECT_FROM, inverse.SEARCH_FROM_ERL = 10**9, math.inf
    chat_model.CHAT_SEARCH_FROM = math.inf
    try:
        return timed(**kwargs)
    except InputError:
        return math.nan, -1
    finally:
        _core.DIRECT_FROM, inverse.SEARCH_FROM_ERL, chat_model.CHAT_SEARCH_FROM = saved


def staffing(quick: bool) -> None:
    cc.staff(calls=100, period="30m", aht="3m", patience="5m")  # imports, first calls
    cc.staff(calls=100, period="30m", aht="3m", concurrency=2)
    print(f"{'case':26} {'Erlangs':>10} {'agents':>9} {'time s':>8} {'climb s':>8}")
    worst = 0.0
    loads = [1e3, 1e4, 1e5, 1e6] if not quick else [1e3, 1e5]
    for name, extra in CASES:
        for load in loads:
            kwargs = {"calls": load * 10, "period": "30m", "aht": "3m", **extra}
            seconds, agents = timed(**kwargs)
            worst = max(worst, seconds)
            old = ""
            if load <= (1e4 if "erlang_a" in name else 1e5):
                old_s, old_agents = climbed(**kwargs)
                assert old_agents in (agents, -1), (name, load, old_agents, agents)
                old = f"{old_s:8.3f}" if old_agents == agents else "gave up"
            print(f"{name:26} {load:10,.0f} {agents:9,} {seconds:8.3f} {old:>8}")
    for name, extra in CHAT:
        for load in [1e3, 1e4, 2e4] if not quick else [1e3, 1e4]:
            aht_k = 300.0 if "5m" in str(extra["aht"]) else 180.0
            kwargs = {"calls": load * 1800 / aht_k, "period": "30m", **extra}
            seconds, agents = timed(**kwargs)
            worst = max(worst, seconds)
            old = ""
            if load <= 1e3:
                old_s, old_agents = climbed(**kwargs)
                assert old_agents in (agents, -1), (name, load, old_agents, agents)
                old = f"{old_s:8.3f}" if old_agents == agents else "gave up"
            print(f"{name:26} {load:10,.0f} {agents:9,} {seconds:8.3f} {old:>8}")
    print(f"worst staffing answer: {worst:.3f} s")


def schedule(limit_s: int) -> None:
    rows = []
    for day in pd.date_range("2025-01-06", periods=7):
        for slot in range(48):
            hour = slot / 2
            calls = (
                0.0 if hour < 7 or hour >= 21 else 300 * math.sin(math.pi * (hour - 7) / 14) + 20
            )
            rows.append((day + pd.Timedelta(minutes=30 * slot), "sales", round(calls, 3), 180.0))
    with tempfile.TemporaryDirectory() as tmp:
        forecast = Path(tmp) / "fc.csv"
        pd.DataFrame(rows, columns=["interval_start", "queue", "calls", "aht_s"]).to_csv(
            forecast, index=False
        )
        plan = Path(tmp) / "plan.csv"
        cc.plan(forecast=forecast).write(plan)
        roster = Path(tmp) / "r.json"
        command = [
            str(Path(sys.executable).parent / "contactcenter"), "schedule", "--plan", str(plan),
            "--shifts", str(ROOT / "data" / "sample" / "shifts.yaml"),
            "--time-limit", f"{limit_s}s", "--format", "json", "--output", str(roster),
        ]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - start
        import json

        out = json.loads(roster.read_text("utf-8"))
    print(
        f"schedule, a week of 48 half-hours, sample shifts, --time-limit {limit_s}s: "
        f"{wall:.2f} s wall (process start included); status {out['status']}, "
        f"gap {out['optimality_gap']:.4%}, {out['shift_count']} shifts"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer loads, a 5 s schedule")
    args = parser.parse_args()
    np.seterr(all="ignore")
    staffing(args.quick)
    schedule(5 if args.quick else 20)


if __name__ == "__main__":
    main()
