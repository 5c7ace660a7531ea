"""Conversation benchmark (issue 10, section 5): load N messages in N/10 conversations
through the canonical ``messages`` format, then report by queue x day.

Generates the messages as a Parquet file under ``benchmarks/.data/`` (reused when
present; deterministic for a seed): conversations of ten messages, customer and agent in
turn, a bot reply now and then, 1 % internal notes and 0.5 % deleted replies, 50 queues,
500 agents, over 30 days. Then, in fresh processes:

(load)   ``contactcenter.ingest(..., format="messages")`` into a new store: the messages
         written, the conversations, customer turns, agent conversations and agent spans
         derived in the same transaction; messages per second, wall and CPU;
(reload) the same file again into that store (every row already there);
(a)      ``run_report`` with the conversation metrics that read ``conversations`` and
         ``responses`` by (queue, day), the path ``contactcenter report`` takes;
(b)      one hand-written DuckDB query computing the same metrics from the same tables.

It checks that (a) and (b) agree, and prints the times (best of the rounds) and a/b.
The chat export has no status events, so the resolution metrics are null in both.

    .venv/bin/python benchmarks/omni_bench.py                      # 10M messages
    .venv/bin/python benchmarks/omni_bench.py --messages 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
GENERATOR_VERSION = 1
PER_CONVERSATION = 10
QUEUES = 50
AGENTS = 500
DAYS = 30

METRICS = [
    "conversations", "responded", "unanswered", "resolved", "reopened",
    "first_response_s", "first_response_p50_s", "first_response_p90_s",
    "first_response_incl_bot_s", "a1rt_s", "next_response_s", "next_response_p50_s",
    "next_response_p90_s", "resolution_s", "final_resolution_s", "first_response_within_t",
    "reopen_rate",
]  # fmt: skip
"""The conversation metrics the report and the hand-written query compute."""


def generation_sql(conversations: int, seed: int, path: Path) -> str:
    """One COPY ... FROM range(): conversations x 10 messages, no Python loop."""

    def u(k: int) -> str:
        return f"((hash(c * 64 + {k} + {seed} * 1099511627776) >> 11)::DOUBLE / 9007199254740992.0)"

    def v(k: int) -> str:
        return (
            f"((hash((c * 16 + m) * 64 + {k} + {seed} * 1099511627776) >> 11)::DOUBLE "
            "/ 9007199254740992.0)"
        )

    return f"""
COPY (
    SELECT 'c' || c AS conversation_id,
           CAST(m AS VARCHAR) AS message_id,
           TIMESTAMPTZ '2024-03-01 00:00:00+00'
               + to_microseconds(CAST({u(0)} * {DAYS * 86400e6} AS BIGINT)
                                 + m * 90000000 + CAST({v(1)} * 240e6 AS BIGINT)) AS "at",
           CASE WHEN m % 2 = 0 THEN 'customer'
                WHEN {v(2)} < 0.1 THEN 'bot' ELSE 'agent' END AS sender_kind,
           CASE WHEN m % 2 = 1 THEN 'a' || CAST({u(3)} * {AGENTS} AS INTEGER) END AS agent_id,
           m % 2 = 1 AND {v(4)} < 0.01 AS private,
           m % 2 = 1 AND {v(5)} >= 0.995 AS deleted,
           'chat' AS channel,
           'q' || CAST({u(6)} * {QUEUES} AS INTEGER) AS queue,
           'u' || CAST({u(7)} * {conversations // 5 + 1} AS BIGINT) AS customer_id
    FROM range({conversations}) t(c), range({PER_CONVERSATION}) s(m)
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
"""


def data_file(messages: int, seed: int) -> Path:
    """The generated Parquet file (made once per size and seed)."""
    DATA.mkdir(exist_ok=True)
    conversations = messages // PER_CONVERSATION
    path = DATA / f"messages-v{GENERATOR_VERSION}-{messages}-{seed}.parquet"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        con = duckdb.connect()
        con.execute(generation_sql(conversations, seed, tmp))
        con.close()
        tmp.rename(path)
    return path


def child(task: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``task`` in a fresh Python process and return what it printed (JSON)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", task, json.dumps(args)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def task_load(args: dict[str, Any]) -> dict[str, Any]:
    """Load the file into the store (new, or again)."""
    from contactcenter.sources import ingest
    from contactcenter.store import Store

    t0, c0 = time.perf_counter(), _cpu()
    with Store(args["db"]) as store:
        report = ingest(store, fmt="messages", files=[Path(args["file"])])
    return {
        "wall": time.perf_counter() - t0,
        "cpu": _cpu() - c0,
        "read": report.lines_read,
        "used": report.lines_used,
        "tables": report.tables,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def task_ours(args: dict[str, Any]) -> dict[str, Any]:
    """(a): run_report by queue and day."""
    from contactcenter.engines import open_engine
    from contactcenter.metrics import select_metrics
    from contactcenter.reports.query import ReportRequest, run_report

    request = ReportRequest(metrics=tuple(select_metrics(METRICS)), by=("queue", "day"))
    t0, c0 = time.perf_counter(), _cpu()
    engine = open_engine("duckdb", db=args["db"])
    rows = run_report(engine, request).rows()
    engine.close()
    return {"wall": time.perf_counter() - t0, "cpu": _cpu() - c0, "rows": rows}


BASELINE_SQL = """
WITH c AS (
    SELECT queue, strftime(created_at, '%Y-%m-%d') AS day,
           count(*) AS conversations,
           count(*) FILTER (first_response_at IS NOT NULL) AS responded,
           count(*) FILTER (first_resolved_at IS NOT NULL AND first_response_at IS NULL)
               AS unanswered,
           count(*) FILTER (first_resolved_at IS NOT NULL) AS resolved,
           count(*) FILTER (reopened > 0) AS reopened,
           avg(first_response_s) FILTER (first_response_at IS NOT NULL) AS first_response_s,
           quantile_cont(first_response_s, [0.5, 0.9]) FILTER (first_response_at IS NOT NULL)
               AS frq,
           avg(first_response_incl_bot_s) AS first_response_incl_bot_s,
           avg(a1rt_s) FILTER (first_assigned_at IS NOT NULL) AS a1rt_s,
           avg(resolution_s) FILTER (first_resolved_at IS NOT NULL) AS resolution_s,
           avg(final_resolution_s) FILTER (first_resolved_at IS NOT NULL) AS final_resolution_s,
           count(*) FILTER (first_response_at IS NOT NULL AND first_response_s <= 90)
               / count(*) AS first_response_within_t
    FROM conversations GROUP BY ALL
),
r AS (
    SELECT queue, strftime(started_at, '%Y-%m-%d') AS day,
           avg(response_s) FILTER (turn > 1 AND replied_at IS NOT NULL) AS next_response_s,
           quantile_cont(response_s, [0.5, 0.9]) FILTER (turn > 1 AND replied_at IS NOT NULL)
               AS nrq
    FROM responses GROUP BY ALL
)
SELECT queue, day,
       coalesce(conversations, 0) AS conversations, coalesce(responded, 0) AS responded,
       coalesce(unanswered, 0) AS unanswered, coalesce(resolved, 0) AS resolved,
       coalesce(reopened, 0) AS reopened,
       first_response_s, frq[1] AS first_response_p50_s, frq[2] AS first_response_p90_s,
       first_response_incl_bot_s, a1rt_s, next_response_s,
       nrq[1] AS next_response_p50_s, nrq[2] AS next_response_p90_s,
       resolution_s, final_resolution_s, first_response_within_t,
       reopened / nullif(resolved, 0) AS reopen_rate
FROM c FULL JOIN r USING (queue, day)
ORDER BY queue, day
"""
"""(b): the same metrics in one query, written the usual way (chat threshold 90 s)."""


def task_baseline(args: dict[str, Any]) -> dict[str, Any]:
    """(b): the hand-written query."""
    t0, c0 = time.perf_counter(), _cpu()
    con = duckdb.connect(args["db"], read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    cur = con.execute(BASELINE_SQL)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    con.close()
    return {"wall": time.perf_counter() - t0, "cpu": _cpu() - c0, "rows": rows}


def same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> str:
    """Check that (a) and (b) give the same numbers; describe what was compared."""
    assert len(a) == len(b), (len(a), len(b))
    for x, y in zip(a, b, strict=True):
        for name in ("queue", "day", *METRICS):
            p, q = x[name], y[name]
            if p is None or q is None:
                assert (p, q) == (None, None), (name, p, q)
            elif isinstance(p, float) or isinstance(q, float):
                assert math.isclose(p, q, rel_tol=1e-9, abs_tol=1e-6), (name, p, q)
            else:
                assert p == q, (name, p, q)
    return f"{len(a)} groups x {len(METRICS)} metrics agree"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, raw = args.child
        tasks = {"load": task_load, "ours": task_ours, "baseline": task_baseline}
        print(json.dumps(tasks[task](json.loads(raw)), default=str))
        return
    t0 = time.perf_counter()
    path = data_file(args.messages, args.seed)
    print(f"data: {path.name} ({path.stat().st_size / 2**20:.0f} MiB, made/reused in "
          f"{time.perf_counter() - t0:.1f} s)")  # fmt: skip
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        loads = []
        for i in range(args.repeat):
            db = Path(tmp) / f"store-{i}.duckdb"
            loads.append(child("load", {"db": str(db), "file": str(path)}))
        best = min(loads, key=lambda r: r["wall"])
        rate = best["used"] / best["wall"]
        rounds = ", ".join(f"{r['wall']:.2f}" for r in loads)
        print(
            f"load   : best {best['wall']:.2f} s wall, {best['cpu']:.1f} s CPU, "
            f"{rate:,.0f} messages/s (goal 500,000), peak {best['peak_mib']:.0f} MiB; "
            f"rounds {rounds} s"
        )
        print(f"         tables {best['tables']}")
        db = str(Path(tmp) / "store-0.duckdb")
        again = child("load", {"db": db, "file": str(path)})
        print(f"reload : {again['wall']:.2f} s wall, {again['used']} used of {again['read']}")
        ours = [child("ours", {"db": db}) for _ in range(args.repeat)]
        base = [child("baseline", {"db": db}) for _ in range(args.repeat)]
        print(same(ours[0]["rows"], base[0]["rows"]))
        a = min(r["wall"] for r in ours)
        b = min(r["wall"] for r in base)
        times_a = ", ".join(f"{r['wall']:.3f}" for r in ours)
        times_b = ", ".join(f"{r['wall']:.3f}" for r in base)
        print(f"(a) run_report queue x day : best {a:.3f} s ({times_a})")
        print(f"(b) hand-written DuckDB    : best {b:.3f} s ({times_b})")
        print(f"a/b = {a / b:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
