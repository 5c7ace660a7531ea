"""Agent states end to end: a queue_log of a team to sessions and the agent report by
agent x day, against a hand-written DuckDB query in the same run (issue 11, section 7).

    .venv/bin/python benchmarks/agent_states.py [--agents 300] [--days 90] [--json FILE]

Writes a deterministic raw queue_log under a temporary folder: per agent and day a login
(AGENTLOGIN + ADDMEMBER) at 08:00 plus a few minutes, about 20 calls of 2-6 minutes
with gaps of 10-30 minutes (ENTERQUEUE, CONNECT, COMPLETECALLER), a lunch pause
(PAUSEALL Lunch / UNPAUSEALL) and two short pauses with reasons, and a logoff
(REMOVEMEMBER + AGENTLOGOFF) about 8 hours later; 300 agents x 90 days is about 2M lines.
Then, each in a fresh process, timed from start to exit:

==============  ==========================================================================
step            command
==============  ==========================================================================
ingest          ``contactcenter ingest --format queue_log`` into a new store (contacts,
                agent events and agent states)
report          ``contactcenter report --by agent,day --metrics logged_in_s,available_s,
                handling_s,not_ready_s,contacts_handled,occupancy,utilization --format csv``
baseline        DuckDB alone, one hand-written query: read the file, pair each AGENTLOGIN
                with the agent's next AGENTLOGOFF and each PAUSEALL with the next
                UNPAUSEALL (window functions), each CONNECT with its call's COMPLETE*,
                and sum per agent and day logged-in, paused and handling seconds,
                available as the rest, and the calls (what the generated day needs:
                no overlaps, no queue time lines, no cut at 15 minutes, no store)
==============  ==========================================================================

The goal of the issue: ingest + report under 10 s on 2 cores. The machine may be shared:
the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DAY = 86_400
T0 = 1_704_067_200  # 2024-01-01 00:00:00 UTC


def write_log(path: Path, agents: int, days: int, seed: int = 7) -> int:
    """Write the team's queue_log; return its line count."""
    rng = random.Random(seed)
    n = 0
    call = 0
    with path.open("w", encoding="utf-8") as fh:
        for d in range(days):
            lines: list[tuple[int, str]] = []
            for a in range(agents):
                agent = f"Agent/{1000 + a}"
                t = T0 + d * DAY + 8 * 3600 + rng.randrange(0, 600)
                end = t + 8 * 3600 + rng.randrange(-600, 600)
                lines.append((t, f"{t}|NONE|NONE|{agent}|AGENTLOGIN|SIP/{a}"))
                lines.append((t, f"{t}|NONE|sales|{agent}|ADDMEMBER|"))
                lunch = t + 4 * 3600
                pauses = [
                    (lunch, lunch + 1800, "Lunch"),
                    (t + 2 * 3600, t + 2 * 3600 + 600, "Break"),
                    (t + 6 * 3600, t + 6 * 3600 + 300, "Coaching"),
                ]
                for p0, p1, why in pauses:
                    lines.append((p0, f"{p0}|NONE|NONE|{agent}|PAUSEALL|{why}"))
                    lines.append((p1, f"{p1}|NONE|NONE|{agent}|UNPAUSEALL|"))
                c = t + 60
                while c < end - 600:
                    if any(p0 - 400 <= c < p1 for p0, p1, _ in pauses):
                        c += 300
                        continue
                    call += 1
                    talk = rng.randrange(120, 360)
                    wait = rng.randrange(0, 30)
                    cid = f"{c}.{call}"
                    lines.append((c - wait, f"{c - wait}|{cid}|sales|NONE|ENTERQUEUE||555{call}|1"))
                    lines.append((c, f"{c}|{cid}|sales|{agent}|CONNECT|{wait}|{cid}b|2"))
                    lines.append(
                        (c + talk, f"{c + talk}|{cid}|sales|{agent}|COMPLETECALLER|{wait}|{talk}|1")
                    )
                    c += talk + rng.randrange(600, 1800)
                lines.append((end, f"{end}|NONE|sales|{agent}|REMOVEMEMBER|"))
                lines.append((end, f"{end}|NONE|NONE|{agent}|AGENTLOGOFF|SIP/{a}|{end - t}"))
            lines.sort(key=lambda x: x[0])
            fh.writelines(text + "\n" for _, text in lines)
            n += len(lines)
    return n


def timed(cmd: list[str]) -> float:
    """Wall-clock seconds of ``cmd`` in a fresh process (fails loudly)."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


BASELINE = """
import duckdb, sys
con = duckdb.connect()
con.sql(f'''
WITH ev AS (
  SELECT column0::BIGINT AS t, column1 AS callid, column3 AS agent, column4 AS event
  FROM read_csv('{sys.argv[1]}', delim='|', header=false, columns={{
      'column0': 'VARCHAR', 'column1': 'VARCHAR', 'column2': 'VARCHAR', 'column3': 'VARCHAR',
      'column4': 'VARCHAR', 'column5': 'VARCHAR', 'column6': 'VARCHAR', 'column7': 'VARCHAR'}},
      null_padding=true, auto_detect=false, quote='', escape='', strict_mode=false)
  WHERE column4 IN ('AGENTLOGIN', 'AGENTLOGOFF', 'PAUSEALL', 'UNPAUSEALL', 'CONNECT',
                    'COMPLETECALLER', 'COMPLETEAGENT')),
s AS (SELECT agent, event, t,
             lead(t) OVER (PARTITION BY agent, event IN ('AGENTLOGIN', 'AGENTLOGOFF'),
                           event IN ('PAUSEALL', 'UNPAUSEALL') ORDER BY t, event) AS t1,
             lead(event) OVER (PARTITION BY agent, event IN ('AGENTLOGIN', 'AGENTLOGOFF'),
                               event IN ('PAUSEALL', 'UNPAUSEALL') ORDER BY t, event) AS e1
      FROM ev WHERE event NOT IN ('CONNECT', 'COMPLETECALLER', 'COMPLETEAGENT')),
c AS (SELECT any_value(agent) FILTER (WHERE event = 'CONNECT') AS agent,
             min(t) FILTER (WHERE event = 'CONNECT') AS t,
             min(t) FILTER (WHERE event <> 'CONNECT') AS t1
      FROM ev WHERE event IN ('CONNECT', 'COMPLETECALLER', 'COMPLETEAGENT') GROUP BY callid)
SELECT agent, day, sum(logged_in_s) AS logged_in_s, sum(not_ready_s) AS not_ready_s,
       sum(handling_s) AS handling_s,
       sum(logged_in_s) - sum(not_ready_s) - sum(handling_s) AS available_s,
       sum(n) AS contacts_handled
FROM (
  SELECT agent, t // 86400 AS day,
         CASE WHEN event = 'AGENTLOGIN' AND e1 = 'AGENTLOGOFF' THEN t1 - t ELSE 0 END
             AS logged_in_s,
         CASE WHEN event = 'PAUSEALL' AND e1 = 'UNPAUSEALL' THEN t1 - t ELSE 0 END
             AS not_ready_s,
         0 AS handling_s, 0 AS n
  FROM s
  UNION ALL
  SELECT agent, t // 86400, 0, 0, t1 - t, 1 FROM c WHERE t1 IS NOT NULL
) GROUP BY ALL ORDER BY ALL
''').fetchall()
"""


PHASES = """
import sys, time
from pathlib import Path
import contactcenter as cc
import contactcenter.sources._queue_log_events as q
spent = {}
def timed_call(name, f):
    def g(*a, **k):
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
    return g
q.refresh_agent_states = timed_call("agent_states", q.refresh_agent_states)
from contactcenter.sources import _agent_sessions as s
s.run_derivation = timed_call("derivation", s.run_derivation)
from contactcenter.store import warehouse as w
write = w.LoadSession.write
def write_states(self, name, data, **kw):
    f = timed_call("write " + name, write)
    return f(self, name, data, **kw)
w.LoadSession.write = write_states
t = time.perf_counter()
cc.ingest(Path(sys.argv[2]), [Path(sys.argv[1])], format="queue_log")
spent["ingest"] = time.perf_counter() - t
print(repr(spent))
"""
"""In process, with a stopwatch around the parts of the load (monkeypatched): the agent
states as a whole (derivation, pieces, writing them, notes), the derivation SQL alone, and
each table's write."""


def phases(log: Path, db: Path) -> dict[str, float]:
    """Seconds of the parts of one ingest (see :data:`PHASES`)."""
    out = subprocess.run(
        [sys.executable, "-c", PHASES, str(log), str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spent: dict[str, float] = eval(out.strip().splitlines()[-1])  # our own repr
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--phases", action="store_true", help="also time the parts of the load in process"
    )
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    cli = str(bin_dir / "contactcenter")
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "queue_log"
        t = time.perf_counter()
        lines = write_log(log, args.agents, args.days)
        print(f"wrote {lines:,} lines in {time.perf_counter() - t:.1f} s")
        db = Path(tmp) / "s.duckdb"
        results: dict[str, Any] = {
            "lines": lines,
            "agents": args.agents,
            "days": args.days,
            "ingest_s": timed([cli, "ingest", "--db", str(db), "--format", "queue_log", str(log)]),
            "report_s": timed(
                [
                    cli,
                    "report",
                    "--db",
                    str(db),
                    "--by",
                    "agent,day",
                    "--format",
                    "csv",
                    "--metrics",
                    "logged_in_s,available_s,handling_s,not_ready_s,"
                    "contacts_handled,occupancy,utilization",
                ]
            ),
            "baseline_s": timed([sys.executable, "-c", BASELINE, str(log)]),
        }
        if args.phases:
            results["phases"] = phases(log, Path(tmp) / "p.duckdb")
    total = float(results["ingest_s"]) + float(results["report_s"])
    results["total_s"] = total
    results["ratio_to_baseline"] = total / results["baseline_s"]
    for key, value in results.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.2f}" for k, v in value.items())
        print(f"{key:>18}: {value:,.2f}" if isinstance(value, float) else f"{key:>18}: {value}")
    print(f"load average at end: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
