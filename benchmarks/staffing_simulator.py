"""Benchmark: simulator throughput on one core (target: at least 1M calls per minute).

    .venv/bin/python benchmarks/staffing_simulator.py [--calls 2000000] [--team]

Simulates a voice queue with abandonment (100 Erlangs, 108 agents, AHT 180 s, mean
patience 300 s) long enough for ``--calls`` arrivals, then writes them as canonical
contacts. Prints calls per minute for the simulation alone and with the contacts table,
and the ratio to the 1M calls/minute target. The run is pinned to one CPU when the OS
allows it.

``--team`` also runs the same queue with a simulated team (108 named agents on duty for
the whole run, 20 % of them late at the start, unscheduled pauses at 0.5 per hour) and
writes its queue_log, and prints the time of each step.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from contactcenter.simulation import simulate, to_contacts
from contactcenter.staffing import erlang_a

TARGET_PER_MIN = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--team", action="store_true", help="also time a simulated team")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    per_period = 1000.0  # 1,000 calls per 30 min x 180 s = 100 Erlangs
    periods = max(1, round(args.calls / per_period))
    start = time.perf_counter()
    result = simulate(
        calls_per_interval=np.full(periods, per_period),
        interval_s=1800.0,
        agents_per_interval=108,
        aht_s=180.0,
        patience_s=300.0,
        seed=1,
    )
    t_sim = time.perf_counter() - start
    start = time.perf_counter()
    table = to_contacts(result)
    t_out = time.perf_counter() - start
    n = len(result)
    answered = result.answered
    sl_sim = float(np.mean(answered & (result.wait_s <= 20.0)))
    pab_sim = float(np.mean(~answered))
    model = erlang_a(agents=108, load_erl=100.0, aht_s=180.0, patience_s=300.0, threshold_s=20.0)
    print(f"{n:,} calls over {periods:,} half hours, one core")
    sim_rate = n / t_sim * 60
    all_rate = n / (t_sim + t_out) * 60
    print(f"  simulate:              {t_sim:6.2f} s  {sim_rate:12,.0f} calls/min")
    rows = f"({table.num_rows:,} rows)"
    print(f"  + canonical contacts:  {t_out:6.2f} s  {all_rate:12,.0f} calls/min {rows}")
    print(f"  ratio to the 1M calls/min target: {sim_rate / TARGET_PER_MIN:.0f}x (simulate), "
          f"{all_rate / TARGET_PER_MIN:.0f}x (with contacts)")  # fmt: skip
    sl, pab = float(model.service_level), float(model.p_abandon)
    print(
        f"  check against Erlang A: SL {sl_sim:.4f} vs {sl:.4f}, "
        f"P(abandon) {pab_sim:.4f} vs {pab:.4f}"
    )

    if args.team:
        team_run(periods, per_period)


def team_run(periods: int, per_period: float) -> None:
    """The same queue answered by a simulated team, and its queue_log."""
    from contactcenter.simulation import DEFAULT_START
    from contactcenter.simulation.output import team_rows, to_queue_log
    from contactcenter.simulation.team import Behaviour, team_from_staffing

    team = team_from_staffing([108] * periods, 1800)
    behaviour = Behaviour(late_login_share=0.2, pause_rate_per_h=0.5)
    start = time.perf_counter()
    result = simulate(
        calls_per_interval=np.full(periods, per_period),
        interval_s=1800.0,
        agents_per_interval=0,
        aht_s=180.0,
        patience_s=300.0,
        seed=1,
        team=team,
        behaviour=behaviour,
    )
    t_sim = time.perf_counter() - start
    start = time.perf_counter()
    rows = team_rows(result)
    t_rows = time.perf_counter() - start
    start = time.perf_counter()
    text = to_queue_log(result, start=DEFAULT_START, queue="q")
    t_log = time.perf_counter() - start
    n = len(result)
    print(f"team of {len(rows)} agents, {n:,} calls")
    print(f"  simulate:              {t_sim:6.2f} s  {n / t_sim * 60:12,.0f} calls/min")
    print(f"  own figures per agent: {t_rows:6.2f} s")
    print(f"  queue_log:             {t_log:6.2f} s  ({text.count(chr(10)):,} lines)")


if __name__ == "__main__":
    main()
