"""FCR benchmark (issue 12, section 5): first-contact resolution over N contacts of M
customers, contactcenter's report against a hand-written DuckDB query.

Generates N canonical contacts (default 10,000,000 of 2,000,000 customers, over 90 days;
every tenth customer id empty or ``0``) in an in-memory DuckDB, then measures:

(a) contactcenter: ``run_report`` with ``fcr`` over the whole data (the derived fact
    ``contact_repeats``: a union of starts and end markers, a running minimum per
    customer, then the two-level aggregation);
(b) the hand-written DuckDB window query the issue asks for: the same union of end
    markers and starts, ``min(start) OVER (PARTITION BY customer ORDER BY time DESC)``;
(c) a hand-written DuckDB query with an ASOF join (for each answered contact, the first
    start of the same customer at or after its end + 1 µs), DuckDB's fastest form.

The hand-written queries identify customers with the same single regular expression as
contactcenter. It checks that all three give the same fcr and prints the best wall-clock
time of each over ``--repeat`` rounds, and the machine's load average (run it on a quiet
machine).

    .venv/bin/python benchmarks/fcr_bench.py                      # 10M contacts
    .venv/bin/python benchmarks/fcr_bench.py --rows 200000 --customers 40000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import time

import ibis

from contactcenter.engines.base import Engine
from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, run_report

GENERATE = """
CREATE TABLE contacts AS
WITH raw AS (
    SELECT i,
           hash(i) % {customers} AS c,
           TIMESTAMPTZ '2024-01-01 00:00:00+00'
             + to_microseconds(CAST(hash(i * 7 + 1) % 7776000000000::UBIGINT AS BIGINT)) AS t,
           hash(i * 13 + 5) % 10 AS o
    FROM range({rows}) r(i)
)
SELECT CAST(i AS VARCHAR) AS contact_id, 'bench' AS source, 'voice' AS channel,
       'q' || CAST(c % 20 AS VARCHAR) AS queue,
       CASE WHEN c % 10 = 0 THEN NULL WHEN c % 10 = 1 THEN '0' ELSE 'C' || CAST(c AS VARCHAR) END
         AS customer_id,
       t AS offered_at,
       CASE WHEN o < 8 THEN t + INTERVAL 20 SECOND END AS answered_at,
       t + INTERVAL 200 SECOND AS ended_at,
       CASE WHEN o < 8 THEN 'answered' ELSE 'abandoned' END AS outcome,
       false AS talking, 20.0 AS wait_s, 180.0 AS talk_s, CAST(NULL AS DOUBLE) AS hold_s,
       CAST(NULL AS DOUBLE) AS acw_s, 'a' || CAST(c % 300 AS VARCHAR) AS agent_id,
       false AS transferred, CAST(0 AS INTEGER) AS ring_no_answer,
       CAST(NULL AS VARCHAR) AS source_tz, CAST(NULL AS VARCHAR) AS source_file,
       CAST(NULL AS BIGINT) AS source_line
FROM raw ORDER BY t
"""

IDENTIFIED = (
    "customer_id IS NOT NULL AND NOT regexp_matches(customer_id, "
    "'^\\s*(0*|[0-9]+(\\.[0-9]+)?[eE][+-]?[0-9]+)\\s*$')"
)

WINDOW = f"""
WITH ident AS (SELECT * FROM contacts WHERE {IDENTIFIED}),
events AS (
    SELECT customer_id, ended_at + INTERVAL 1 MICROSECOND AS t, 0 AS k,
           NULL::TIMESTAMPTZ AS s, ended_at
    FROM ident WHERE outcome = 'answered' AND ended_at IS NOT NULL
    UNION ALL
    SELECT customer_id, offered_at, 1, offered_at, NULL FROM ident
    WHERE outcome IN ('answered', 'abandoned', 'timed_out', 'in_progress')
),
nxt AS (
    SELECT ended_at, k, min(s) OVER (PARTITION BY customer_id ORDER BY t DESC, k DESC
                                     ROWS UNBOUNDED PRECEDING) AS s
    FROM events
),
last AS (SELECT max(offered_at) AS last FROM contacts)
SELECT count(*) FILTER (WHERE s IS NULL OR s > ended_at + INTERVAL 7 DAY)::DOUBLE / count(*)
FROM nxt, last WHERE k = 0 AND ended_at + INTERVAL 7 DAY <= last
"""

BASELINE = f"""
WITH ident AS (SELECT * FROM contacts WHERE {IDENTIFIED}),
starts AS (
    SELECT customer_id, offered_at AS s FROM ident
    WHERE outcome IN ('answered', 'abandoned', 'timed_out', 'in_progress')
),
marks AS (
    SELECT customer_id, ended_at, ended_at + INTERVAL 1 MICROSECOND AS m FROM ident
    WHERE outcome = 'answered' AND ended_at IS NOT NULL
),
nxt AS (
    SELECT marks.ended_at, starts.s FROM marks
    ASOF LEFT JOIN starts ON marks.customer_id = starts.customer_id AND marks.m <= starts.s
),
last AS (SELECT max(offered_at) AS last FROM contacts)
SELECT count(*) FILTER (WHERE s IS NULL OR s > ended_at + INTERVAL 7 DAY)::DOUBLE / count(*)
FROM nxt, last WHERE ended_at + INTERVAL 7 DAY <= last
"""


def main() -> None:
    """Generate the contacts, time both ways, check they agree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET enable_progress_bar = false")
    backend.raw_sql(GENERATE.format(rows=args.rows, customers=args.customers))
    engine = Engine.over("duckdb", backend)
    request = ReportRequest(metrics=tuple(select_metrics(["fcr"])))
    ours, window, asof = [], [], []
    got = by_window = by_asof = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        (row,) = run_report(engine, request).rows()
        ours.append(time.perf_counter() - start)
        got = row["fcr"]
        start = time.perf_counter()
        found = backend.con.execute(WINDOW).fetchone()
        window.append(time.perf_counter() - start)
        by_window = found[0] if found else None
        start = time.perf_counter()
        found = backend.con.execute(BASELINE).fetchone()
        asof.append(time.perf_counter() - start)
        by_asof = found[0] if found else None
    print(f"contacts {args.rows:,}, customers {args.customers:,}, load {os.getloadavg()}")
    print(f"fcr: contactcenter {got!r}, window {by_window!r}, asof {by_asof!r}")
    print(
        f"best of {args.repeat}: contactcenter {min(ours):.2f} s, hand-written window "
        f"{min(window):.2f} s, hand-written ASOF {min(asof):.2f} s"
    )
    if any(v is None or got is None or abs(got - v) > 1e-12 for v in (by_window, by_asof)):
        raise SystemExit("the results differ")


if __name__ == "__main__":
    main()
