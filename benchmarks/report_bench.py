"""Report benchmark (issue 2, section 7): queue x 30-minute interval over N contacts.

Generates N synthetic canonical contacts (default 10,000,000) into a store under
``benchmarks/.data/`` (reused when present; ``--layout store`` in offered_at order as the
store's loads write them, ``--layout random`` in random time order), then measures in
rounds, each run in a fresh process:

(a) contactcenter's report: ``run_report`` with every metric of calls (those reading
    ``contacts`` and ``ring_outs``) by (queue, interval) at 1800 s, the path
    ``contactcenter report`` takes (profile query, compiled query, finishing of the keys);
(b) the baseline: one hand-written DuckDB SQL query computing the same metrics, written
    the usual way (one FILTERed aggregate per metric, time_bucket());
(b2) for reference, a tuned hand-written query (aggregate per outcome first, then combine);
(c) a straightforward pandas groupby computing the same metrics (load time apart).

It checks that all produce the same numbers, prints wall-clock times (best and median)
and CPU times (the timed process, all threads), the ratios a/b and c/a (best against best,
and the median of the rounds' ratios), the machine's load average (the machine may be
shared), and the peak memory of the ``contactcenter report`` command, measured in a
separate process.

    .venv/bin/python benchmarks/report_bench.py            # 10M rows
    .venv/bin/python benchmarks/report_bench.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from contactcenter.engines import open_engine
from contactcenter.metrics import Thresholds, catalog
from contactcenter.metrics.compiler import compile_report
from contactcenter.reports.query import ReportRequest, run_report
from contactcenter.store.warehouse import Store

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
GENERATOR_VERSION = 2
"""Bump when the generated data changes, so that an old store file is not reused."""

INTERVAL_S = 1800
START = "2024-03-01 00:00:00+00"
DAYS = 30
QUEUES = 20
AGENTS = 400
VOICE_METRICS = tuple(m for m in catalog() if set(m.facts) <= {"contacts", "ring_outs"})
"""The metrics of calls: what the baselines compute (the catalog also holds the
conversation metrics, over other facts)."""
METRIC_NAMES = [m.name for m in VOICE_METRICS]
KEYS = ["queue", "interval_start"]

# --------------------------------------------------------------------------- generation


def _u(k: int, seed: int) -> str:
    """SQL for a uniform double in [0, 1), a deterministic function of (row, seed, k).

    DuckDB's one-argument hash() mixes well; its several-argument form does not (draws
    for the same row come out correlated), so the three are packed into one BIGINT.
    """
    assert 0 <= k < 64
    return f"((hash(i * 64 + {k} + {seed} * 1099511627776) >> 11)::DOUBLE / 9007199254740992.0)"


def generation_sql(rows: int, seed: int, layout: str = "store") -> str:
    """One INSERT ... SELECT from range(): no Python loop, deterministic for a seed.

    Shape: 20 queues of unequal size (queue_01 the busiest), 30 days from 2024-03-01 UTC,
    arrivals peaking around midday (a few at night), outcomes answered 80 %, abandoned
    12 %, timed_out 3 %, ivr_abandoned 4 %, in_progress 1 %; waits exponential per
    outcome, queue and time of day (whole seconds, as Asterisk logs them); talk log-normal around
    5 minutes, hold on a third of answered calls, after-call work recorded for 90 %.

    ``layout`` "store" writes the rows in offered_at order, as the store's loads do
    (``LoadSession.write``); "random" leaves them in generation order, which is
    random in time: the worst case, for comparison.
    """
    u = lambda k: _u(k, seed)  # noqa: E731
    normal = f"(sqrt(-2 * ln(1 - {u(20)})) * cos(2 * pi() * {u(21)}))"
    return f"""
    INSERT INTO contacts BY NAME
    WITH base AS (
        SELECT
            i,
            -- Zipf-like queue sizes: the first queues take most of the traffic
            least({QUEUES} - 1, floor({QUEUES} * pow({u(1)}, 1.7)))::INTEGER AS q,
            floor({DAYS} * {u(2)})::INTEGER AS day,
            -- seconds of the day: 95 % between 07:00 and 21:00 peaking near 14:00,
            -- 5 % spread over the whole day
            CASE WHEN {u(3)} < 0.95
                 THEN 25200 + 50400 * ({u(4)} + {u(5)} + {u(6)}) / 3
                 ELSE 86400 * {u(7)} END AS tod,
            {u(8)} AS o,
            {u(9)} AS w,
            {u(10)} AS x
        FROM range({rows}) r(i)
    ), shaped AS (
        SELECT *,
            CASE WHEN o < 0.80 THEN 'answered'
                 WHEN o < 0.92 THEN 'abandoned'
                 WHEN o < 0.95 THEN 'timed_out'
                 WHEN o < 0.99 THEN 'ivr_abandoned'
                 ELSE 'in_progress' END AS outcome,
            TIMESTAMPTZ '{START}'
                + to_microseconds(((day * 86400 + tod) * 1000000)::BIGINT) AS offered_at,
            -- mean wait by queue (8 s .. 46 s), longer around the midday peak
            (8 + 2 * q) * (0.6 + 0.8 * exp(-pow((tod - 50400) / 10800, 2))) AS mean_wait
        FROM base
    ), timed AS (
        SELECT *,
            CASE outcome
                WHEN 'answered' THEN round(-ln(1 - w) * mean_wait)
                WHEN 'abandoned' THEN round(-ln(1 - w) * (mean_wait * 1.5))
                WHEN 'timed_out' THEN 300 + round(w * 300)
                ELSE NULL END AS wait_s,
            CASE WHEN outcome = 'answered'
                 THEN round(exp(5.5 + 0.6 * {normal})) END AS talk_s,
            CASE WHEN outcome = 'answered'
                 THEN CASE WHEN {u(11)} < 0.33 THEN round(-ln(1 - {u(12)}) * 40) ELSE 0 END
                 END AS hold_s,
            CASE WHEN outcome = 'answered' AND {u(13)} < 0.9
                 THEN round(-ln(1 - {u(14)}) * 30) END AS acw_s
        FROM shaped
    )
    SELECT
        'bench-' || i::VARCHAR AS contact_id,
        'queue_log' AS source,
        'voice' AS channel,
        printf('queue_%02d', q + 1) AS queue,
        printf('+1555%07d', floor({u(15)} * 10000000)::BIGINT) AS customer_id,
        offered_at,
        CASE WHEN outcome = 'answered'
             THEN offered_at + to_microseconds((wait_s * 1000000)::BIGINT) END AS answered_at,
        CASE WHEN outcome = 'in_progress' THEN NULL
             ELSE offered_at + to_microseconds(
                 ((coalesce(wait_s, 0) + coalesce(talk_s, 0) + coalesce(hold_s, 0))
                  * 1000000)::BIGINT) END AS ended_at,
        outcome,
        false AS talking,
        wait_s,
        talk_s,
        hold_s,
        acw_s,
        CASE WHEN outcome = 'answered'
             THEN printf('agent_%03d', floor({u(16)} * {AGENTS})::INTEGER + 1) END AS agent_id,
        outcome = 'answered' AND x < 0.06 AS transferred,
        CASE WHEN outcome IN ('answered', 'abandoned', 'timed_out')
             THEN floor(-ln(1 - {u(17)}) * 0.3)::INTEGER ELSE 0 END AS ring_no_answer,
        NULL AS source_tz,
        printf('queue_log.%02d', day + 1) AS source_file,
        i + 1 AS source_line
    FROM timed
    {"ORDER BY offered_at" if layout == "store" else ""}
    """


def ring_outs_sql(seed: int, layout: str = "store") -> str:
    """The ring-outs of the generated contacts, as a queue_log load writes them: one row
    per contact and member that let it ring (here one member per contact with rings, drawn
    from the agents), in the contacts' offered_at order for ``layout`` "store"."""
    agent = f"printf('agent_%03d', (hash(contact_id || '{seed}') % {AGENTS})::INTEGER + 1)"
    return f"""
    INSERT INTO ring_outs BY NAME
    SELECT source, contact_id, {agent} AS agent_id, queue, channel, offered_at,
           ring_no_answer AS rings
    FROM contacts WHERE ring_no_answer > 0
    {"ORDER BY offered_at" if layout == "store" else ""}
    """


LAYOUTS = ("store", "random")


def store_path(rows: int, seed: int, layout: str = "store") -> Path:
    """The store file for ``rows``, ``seed`` and ``layout`` (the generator version is in
    the name)."""
    return DATA / f"contacts_{rows}_seed{seed}_{layout}_v{GENERATOR_VERSION}.duckdb"


def ensure_store(rows: int, seed: int, layout: str = "store") -> tuple[Path, float | None]:
    """Create (or reuse) the store; return its path and the generation time (None if
    reused). The file is built under a temporary name and renamed once complete."""
    path = store_path(rows, seed, layout)
    if path.exists():
        return path, None
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    Store(tmp).close()  # the real store schema: contacts, agent_events, loads
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(generation_sql(rows, seed, layout))
        con.execute(ring_outs_sql(seed, layout))
        n = con.execute("SELECT count(*) FROM contacts").fetchone()
        if n is None or n[0] != rows:
            raise RuntimeError(f"generated {n} contacts, expected {rows}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.rename(path)
    return path, time.perf_counter() - started


# --------------------------------------------------------------------------- (a) contactcenter

REQUEST = ReportRequest(metrics=VOICE_METRICS, by=("queue", "interval"), interval_s=INTERVAL_S)


def run_contactcenter(db: Path) -> pd.DataFrame:
    """What ``contactcenter report --by queue,interval --interval 30m`` computes: open the
    store, profile the data, run the compiled query, finish the keys."""
    engine = open_engine("duckdb", db=db)
    try:
        result = run_report(engine, REQUEST)
    finally:
        engine.close()
    return result.table.to_pandas()


def contactcenter_phases(db: Path) -> dict[str, float]:
    """The same path cut into its phases (seconds each), to see where the time goes."""
    from contactcenter.metrics import ReportSpec
    from contactcenter.metrics.timezones import offset_segments
    from contactcenter.reports.query import _data_profile, _local, finish

    t0 = time.perf_counter()
    engine = open_engine("duckdb", db=db)
    t1 = time.perf_counter()
    facts = list(dict.fromkeys(f for m in REQUEST.metrics for f in m.facts))
    profile = _data_profile(engine, facts, REQUEST.queues)
    t2 = time.perf_counter()
    lo, hi = int(profile.lo or 0), int(profile.hi or 0)
    segments = tuple(offset_segments("UTC", lo - 86400, hi + 86400))
    spec = ReportSpec(
        metrics=REQUEST.metrics,
        by=REQUEST.by,
        interval_s=INTERVAL_S,
        thresholds=REQUEST.thresholds,
        tz_segments=segments,
        engine=engine.name,
        period_range=(_local(lo, segments), _local(hi, segments)),
    )
    expr = compile_report(engine.table, spec)
    t3 = time.perf_counter()
    raw = engine.execute(expr)
    t4 = time.perf_counter()
    finish(raw, ("queue", "interval_start"))
    t5 = time.perf_counter()
    engine.close()
    return {
        "open": t1 - t0,
        "profile query": t2 - t1,
        "compile": t3 - t2,
        "report query": t4 - t3,
        "finish": t5 - t4,
    }


# --------------------------------------------------------------------------- (b) DuckDB SQL

_T_BY_CHANNEL = Thresholds().channels
THRESHOLD_CASE = (
    "CASE channel "
    + " ".join(f"WHEN '{c}' THEN {lv.threshold_s}" for c, lv in _T_BY_CHANNEL.items())
    + f" ELSE {_T_BY_CHANNEL['voice'].threshold_s} END"
)
SHORT_S = _T_BY_CHANNEL["voice"].short_abandon_s
TARGET = _T_BY_CHANNEL["voice"].target
assert all(lv.short_abandon_s == SHORT_S and lv.target == TARGET for lv in _T_BY_CHANNEL.values())

FINISHED_SQL = "('answered', 'abandoned', 'timed_out')"


def _final_select(interval_start: str) -> str:
    """The output of both hand-written queries, from ``r`` (the per-group counts, sums
    and service_level): ratios, percentiles unpacked, the interval share, sorted."""
    return f"""
SELECT
    queue,
    {interval_start} AS interval_start,
    offered, answered, abandoned, timed_out, ivr_abandoned, in_progress, in_talk,
    short_abandoned,
    answered_in_threshold, abandoned_in_threshold, transferred, ring_no_answer,
    service_level,
    answered_in_threshold / nullif(answered, 0) AS service_level_answered,
    (answered_in_threshold + abandoned_in_threshold) / nullif(offered, 0)
        AS service_level_abandons_favourable,
    answered_in_threshold / nullif(offered - abandoned_in_threshold, 0)
        AS service_level_abandons_ignored,
    (abandoned - short_abandoned) / nullif(offered - short_abandoned, 0) AS abandon_rate,
    abandoned / nullif(offered, 0) AS abandon_rate_raw,
    asa_s, avg_abandon_wait_s, max_wait_s,
    wait_q[1] AS wait_p50_s, wait_q[2] AS wait_p90_s, wait_q[3] AS wait_p95_s,
    talk_s, hold_s, acw_s, aht_s,
    transferred / nullif(answered, 0) AS transfer_rate,
    -- by interval, the share of intervals meeting the target is 1 or 0 (null: unmeasured)
    CASE WHEN offered > 0 AND service_level IS NOT NULL
         THEN (service_level >= {TARGET})::DOUBLE END AS sl_target_met_share
FROM r
ORDER BY queue NULLS LAST, bucket
"""


BASELINE_SQL = f"""
WITH g AS (
    SELECT
        queue,
        time_bucket(INTERVAL {INTERVAL_S} SECOND, offered_at) AS bucket,
        count(*) FILTER (outcome IN ('answered', 'abandoned', 'timed_out')) AS offered,
        count(*) FILTER (outcome = 'answered') AS answered,
        count(*) FILTER (outcome = 'abandoned') AS abandoned,
        count(*) FILTER (outcome = 'timed_out') AS timed_out,
        count(*) FILTER (outcome = 'ivr_abandoned') AS ivr_abandoned,
        count(*) FILTER (outcome = 'in_progress') AS in_progress,
        count(*) FILTER (outcome = 'answered' AND talking) AS in_talk,
        count(*) FILTER (outcome = 'abandoned' AND wait_s < {SHORT_S}) AS short_abandoned,
        count(*) FILTER (outcome = 'answered' AND wait_s <= {THRESHOLD_CASE})
            AS answered_in_threshold,
        count(*) FILTER (outcome = 'abandoned' AND wait_s <= {THRESHOLD_CASE})
            AS abandoned_in_threshold,
        count(*) FILTER (outcome = 'answered' AND transferred) AS transferred,
        avg(wait_s) FILTER (outcome = 'answered') AS asa_s,
        avg(wait_s) FILTER (outcome = 'abandoned') AS avg_abandon_wait_s,
        max(wait_s) FILTER (outcome IN ('answered', 'abandoned', 'timed_out')) AS max_wait_s,
        quantile_cont(wait_s, [0.5, 0.9, 0.95]) FILTER (outcome = 'answered') AS wait_q,
        avg(talk_s) FILTER (outcome = 'answered') AS talk_s,
        avg(hold_s) FILTER (outcome = 'answered') AS hold_s,
        avg(acw_s) FILTER (outcome = 'answered') AS acw_s,
        avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0))
            FILTER (outcome = 'answered') AS aht_s
    FROM contacts
    GROUP BY ALL
), rings AS (
    SELECT queue, time_bucket(INTERVAL {INTERVAL_S} SECOND, offered_at) AS bucket,
        sum(rings) AS ring_no_answer
    FROM ring_outs
    GROUP BY ALL
), r AS (
    SELECT g.*, coalesce(rings.ring_no_answer, 0) AS ring_no_answer,
        answered_in_threshold / nullif(offered - short_abandoned, 0) AS service_level
    FROM g LEFT JOIN rings ON g.queue IS NOT DISTINCT FROM rings.queue
                          AND g.bucket = rings.bucket
)
""" + _final_select("strftime(bucket, '%Y-%m-%d %H:%M:%S')")
"""(b) The baseline: the way one writes this report in DuckDB SQL, one FILTERed aggregate
per metric, time_bucket() for the interval."""

TUNED_SQL = f"""
WITH by_outcome AS (
    -- one pass, no FILTER: every row updates one group of (queue, interval, outcome)
    SELECT
        queue,
        epoch_us(offered_at) // {INTERVAL_S * 1_000_000} AS bucket,
        outcome,
        count(*) AS n,
        count_if(wait_s < {SHORT_S}) AS n_short,
        count_if(wait_s <= {THRESHOLD_CASE}) AS n_in_t,
        count_if(transferred) AS n_transferred,
        count_if(talking) AS n_talking,
        sum(wait_s) AS wait_sum, count(wait_s) AS wait_n, max(wait_s) AS wait_max,
        sum(talk_s) AS talk_sum, count(talk_s) AS talk_n,
        sum(hold_s) AS hold_sum, count(hold_s) AS hold_n,
        sum(acw_s) AS acw_sum, count(acw_s) AS acw_n,
        sum(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0)) AS handle_sum,
        quantile_cont(CASE WHEN outcome = 'answered' THEN wait_s END, [0.5, 0.9, 0.95])
            AS wait_q
    FROM contacts
    GROUP BY ALL
), g AS (
    SELECT
        queue,
        bucket,
        coalesce(sum(n) FILTER (outcome IN {FINISHED_SQL}), 0) AS offered,
        coalesce(sum(n) FILTER (outcome = 'answered'), 0) AS answered,
        coalesce(sum(n) FILTER (outcome = 'abandoned'), 0) AS abandoned,
        coalesce(sum(n) FILTER (outcome = 'timed_out'), 0) AS timed_out,
        coalesce(sum(n) FILTER (outcome = 'ivr_abandoned'), 0) AS ivr_abandoned,
        coalesce(sum(n) FILTER (outcome = 'in_progress'), 0) AS in_progress,
        coalesce(sum(n_talking) FILTER (outcome = 'answered'), 0) AS in_talk,
        coalesce(sum(n_short) FILTER (outcome = 'abandoned'), 0) AS short_abandoned,
        coalesce(sum(n_in_t) FILTER (outcome = 'answered'), 0) AS answered_in_threshold,
        coalesce(sum(n_in_t) FILTER (outcome = 'abandoned'), 0) AS abandoned_in_threshold,
        coalesce(sum(n_transferred) FILTER (outcome = 'answered'), 0) AS transferred,
        sum(wait_sum) FILTER (outcome = 'answered')
            / nullif(sum(wait_n) FILTER (outcome = 'answered'), 0) AS asa_s,
        sum(wait_sum) FILTER (outcome = 'abandoned')
            / nullif(sum(wait_n) FILTER (outcome = 'abandoned'), 0) AS avg_abandon_wait_s,
        max(wait_max) FILTER (outcome IN {FINISHED_SQL}) AS max_wait_s,
        any_value(wait_q) FILTER (outcome = 'answered') AS wait_q,
        sum(talk_sum) FILTER (outcome = 'answered')
            / nullif(sum(talk_n) FILTER (outcome = 'answered'), 0) AS talk_s,
        sum(hold_sum) FILTER (outcome = 'answered')
            / nullif(sum(hold_n) FILTER (outcome = 'answered'), 0) AS hold_s,
        sum(acw_sum) FILTER (outcome = 'answered')
            / nullif(sum(acw_n) FILTER (outcome = 'answered'), 0) AS acw_s,
        sum(handle_sum) FILTER (outcome = 'answered')
            / nullif(sum(n) FILTER (outcome = 'answered'), 0) AS aht_s
    FROM by_outcome
    GROUP BY ALL
), rings AS (
    SELECT queue, epoch_us(offered_at) // {INTERVAL_S * 1_000_000} AS bucket,
        sum(rings) AS ring_no_answer
    FROM ring_outs
    GROUP BY ALL
), r AS (
    SELECT g.*, coalesce(rings.ring_no_answer, 0) AS ring_no_answer,
        answered_in_threshold / nullif(offered - short_abandoned, 0) AS service_level
    FROM g LEFT JOIN rings ON g.queue IS NOT DISTINCT FROM rings.queue
                          AND g.bucket = rings.bucket
)
""" + _final_select(
    f"strftime(make_timestamp(bucket * {INTERVAL_S * 1_000_000}), '%Y-%m-%d %H:%M:%S')"
)
"""(b2) A tuned hand-written query: aggregate by outcome first (plain aggregates, no
FILTER on 10M rows), then combine the few outcome rows per group; bucket on epoch_us()."""


def run_duckdb_sql(db: Path, sql: str = BASELINE_SQL) -> pd.DataFrame:
    """One hand-written query on the same file, same settings as the report's engine
    (read-only, UTC session, default threads), fetched as Arrow."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        table = con.execute(sql).to_arrow_table()
    finally:
        con.close()
    return table.to_pandas()


# --------------------------------------------------------------------------- (c) pandas

PANDAS_COLUMNS = [
    "queue",
    "channel",
    "offered_at",
    "outcome",
    "wait_s",
    "talk_s",
    "hold_s",
    "acw_s",
    "transferred",
    "talking",
]


RING_COLUMNS = ["queue", "offered_at", "rings"]


def pandas_load(db: Path, limit: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The columns the metrics need, read from the store into a pandas DataFrame."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        tail = f" LIMIT {limit}" if limit else ""
        cols = ", ".join(PANDAS_COLUMNS)
        contacts = con.execute(f"SELECT {cols} FROM contacts{tail}").to_arrow_table()
        cols = ", ".join(RING_COLUMNS)
        rings = con.execute(f"SELECT {cols} FROM ring_outs{tail}").to_arrow_table()
        return contacts.to_pandas(), rings.to_pandas()
    finally:
        con.close()


def pandas_report(data: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """The straightforward pandas way: per-row flags and masked values, one groupby with
    named aggregations (plus the percentiles of the answered waits), ratios afterwards;
    the ring-outs summed by the same keys and joined."""
    df, rings = data
    out = df["outcome"]
    answered = out == "answered"
    abandoned = out == "abandoned"
    offered = out.isin(["answered", "abandoned", "timed_out"])
    wait = df["wait_s"]
    channel = df["channel"]
    threshold = np.select(
        [channel == c for c in _T_BY_CHANNEL],
        [lv.threshold_s for lv in _T_BY_CHANNEL.values()],
        default=_T_BY_CHANNEL["voice"].threshold_s,
    )
    handle = df["talk_s"].fillna(0) + df["hold_s"].fillna(0) + df["acw_s"].fillna(0)
    frame = pd.DataFrame(
        {
            "queue": df["queue"],
            "interval_start": df["offered_at"].dt.floor(f"{INTERVAL_S}s"),
            "offered": offered,
            "answered": answered,
            "abandoned": abandoned,
            "timed_out": out == "timed_out",
            "ivr_abandoned": out == "ivr_abandoned",
            "in_progress": out == "in_progress",
            "short_abandoned": abandoned & (wait < SHORT_S),
            "answered_in_threshold": answered & (wait <= threshold),
            "abandoned_in_threshold": abandoned & (wait <= threshold),
            "in_talk": answered & df["talking"],
            "transferred": answered & df["transferred"],
            "answered_wait": wait.where(answered),
            "abandoned_wait": wait.where(abandoned),
            "offered_wait": wait.where(offered),
            "talk_s": df["talk_s"].where(answered),
            "hold_s": df["hold_s"].where(answered),
            "acw_s": df["acw_s"].where(answered),
            "aht_s": handle.where(answered),
        }
    )
    groups = frame.groupby(KEYS, sort=True, dropna=False)
    counts = [
        "offered",
        "answered",
        "abandoned",
        "timed_out",
        "ivr_abandoned",
        "in_progress",
        "in_talk",
        "short_abandoned",
        "answered_in_threshold",
        "abandoned_in_threshold",
        "transferred",
    ]
    agg = groups.agg(
        **{c: (c, "sum") for c in counts},
        asa_s=("answered_wait", "mean"),
        avg_abandon_wait_s=("abandoned_wait", "mean"),
        max_wait_s=("offered_wait", "max"),
        talk_s=("talk_s", "mean"),
        hold_s=("hold_s", "mean"),
        acw_s=("acw_s", "mean"),
        aht_s=("aht_s", "mean"),
    )
    ring_keys = pd.DataFrame(
        {
            "queue": rings["queue"],
            "interval_start": rings["offered_at"].dt.floor(f"{INTERVAL_S}s"),
            "ring_no_answer": rings["rings"],
        }
    )
    ring_sums = ring_keys.groupby(KEYS, sort=True, dropna=False)["ring_no_answer"].sum()
    agg["ring_no_answer"] = ring_sums.reindex(agg.index, fill_value=0)
    quantiles = groups["answered_wait"].quantile([0.5, 0.9, 0.95]).unstack()
    for q, name in ((0.5, "wait_p50_s"), (0.9, "wait_p90_s"), (0.95, "wait_p95_s")):
        agg[name] = quantiles[q]

    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        return num / den.where(den != 0)

    ait, abit = agg["answered_in_threshold"], agg["abandoned_in_threshold"]
    off, ans, short = agg["offered"], agg["answered"], agg["short_abandoned"]
    agg["service_level"] = ratio(ait, off - short)
    agg["service_level_answered"] = ratio(ait, ans)
    agg["service_level_abandons_favourable"] = ratio(ait + abit, off)
    agg["service_level_abandons_ignored"] = ratio(ait, off - abit)
    agg["abandon_rate"] = ratio(agg["abandoned"] - short, off - short)
    agg["abandon_rate_raw"] = ratio(agg["abandoned"], off)
    agg["transfer_rate"] = ratio(agg["transferred"], ans)
    measured = (off > 0) & agg["service_level"].notna()
    agg["sl_target_met_share"] = (agg["service_level"] >= TARGET).astype(float).where(measured)
    agg = agg.reset_index()
    agg["interval_start"] = agg["interval_start"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return agg[[*KEYS, *METRIC_NAMES]]


# --------------------------------------------------------------------------- checks


def _normalise(df: pd.DataFrame, what: str) -> pd.DataFrame:
    missing = [c for c in [*KEYS, *METRIC_NAMES] if c not in df.columns]
    if missing:
        raise AssertionError(f"{what}: missing columns {missing}")
    out = df[[*KEYS, *METRIC_NAMES]].copy()
    for key in KEYS:
        out[key] = out[key].astype(object).where(out[key].notna(), None).astype(str)
    out = out.sort_values(KEYS, kind="stable").reset_index(drop=True)
    for name in METRIC_NAMES:
        out[name] = pd.to_numeric(out[name]).astype("float64")
    return out


def same_numbers(left: pd.DataFrame, right: pd.DataFrame, what: str) -> str:
    """Raise unless the two reports have the same rows and numbers (1e-9 relative for
    fractional values, exact for counts); return a one-line description."""
    a, b = _normalise(left, what), _normalise(right, what)
    if len(a) != len(b) or not (a[KEYS].to_numpy() == b[KEYS].to_numpy()).all():
        raise AssertionError(f"{what}: the groups differ ({len(a)} vs {len(b)} rows)")
    for name in METRIC_NAMES:
        x, y = a[name].to_numpy(), b[name].to_numpy()
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            raise AssertionError(f"{what}: {name} is null in different groups")
        ok = ~np.isnan(x)
        if not np.allclose(x[ok], y[ok], rtol=1e-9, atol=1e-9):
            worst = int(np.argmax(np.abs(x[ok] - y[ok])))
            raise AssertionError(f"{what}: {name} differs, e.g. {x[ok][worst]} vs {y[ok][worst]}")
    return f"{what}: {len(a)} groups x {len(METRIC_NAMES)} metrics agree"


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds (this process, all threads: DuckDB's included) of fn()."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def summary(walls: list[float], cpus: list[float]) -> dict[str, Any]:
    """Best and median wall-clock seconds, best CPU seconds, and every run."""
    return {
        "best": min(walls),
        "median": statistics.median(walls),
        "cpu_best": min(cpus),
        "runs": [round(w, 3) for w in walls],
    }


MEMORY_WRAPPER = """
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(json.dumps({"rc": proc.returncode,
                  "max_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def peak_rss_mb(argv: list[str]) -> float:
    """Peak resident memory (MiB) of ``argv`` run as the only child of a fresh process
    (getrusage(RUSAGE_CHILDREN).ru_maxrss there), interpreter and imports included."""
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_WRAPPER, *argv], capture_output=True, text=True, check=True
    )
    result = json.loads(proc.stdout)
    if result["rc"] != 0:
        raise RuntimeError(f"{argv} failed with status {result['rc']}")
    return float(result["max_rss_kb"]) / 1024


def _own_peak_mb() -> float:
    """This process's peak RSS in MiB: VmHWM (reset by exec, unlike ru_maxrss, which a
    child started with vfork inherits from its big parent), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timing_child(name: str, db: Path) -> None:
    """``--timing-child NAME DB``: time contender ``NAME`` once in this fresh process and
    print its wall and CPU seconds (for (c): of the load and of the groupby).

    Every timed run gets a process of its own, so that no contender inherits another's
    heap (pandas allocates and frees gigabytes) or warm allocator. Imports and first-call
    paths are warmed up first, untimed: (a) on an empty selection, (c) on 100,000 rows.
    """
    out: dict[str, tuple[float, float]] = {}
    if name == "a":
        engine = open_engine("duckdb", db=db)
        try:
            run_report(engine, ReportRequest(metrics=REQUEST.metrics, queues=("-",)))
        finally:
            engine.close()
        wall, cpu, _ = timed(lambda: run_contactcenter(db))
        out["a"] = (wall, cpu)
    elif name in ("b", "b2"):
        sql = BASELINE_SQL if name == "b" else TUNED_SQL
        wall, cpu, _ = timed(lambda: run_duckdb_sql(db, sql))
        out[name] = (wall, cpu)
    elif name == "c":
        pandas_report(pandas_load(db, limit=100_000))
        load_wall, load_cpu, df = timed(lambda: pandas_load(db))
        groupby_wall, groupby_cpu, _ = timed(lambda: pandas_report(df))
        out["c_load"] = (load_wall, load_cpu)
        out["c_groupby"] = (groupby_wall, groupby_cpu)
    else:
        raise SystemExit(f"unknown contender {name!r}")
    print(json.dumps(out))


def memory_child(db: Path) -> None:
    """``--memory-child DB``: run the report once in this process; print the peak RSS
    after the imports (the process's baseline) and at the end, in MiB."""
    base = _own_peak_mb()
    run_contactcenter(db)
    print(json.dumps({"baseline_mb": base, "peak_mb": _own_peak_mb()}))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="store",
        help="row order of the generated store: 'store' (offered_at order, as loads write "
        "it) or 'random' (the worst case)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="rounds (each runs all once)")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--timing-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child)
        return 0
    if args.timing_child:
        timing_child(args.timing_child[0], Path(args.timing_child[1]))
        return 0

    results: dict[str, Any] = {
        "rows": args.rows,
        "seed": args.seed,
        "layout": args.layout,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.platform()}",
        "versions": {
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "ibis": __import__("ibis").__version__,
            "pandas": pd.__version__,
            "pyarrow": pa.__version__,
        },
    }
    results["load_average_start"] = os.getloadavg()
    print(f"machine: {results['machine']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()))

    db, generated = ensure_store(args.rows, args.seed, args.layout)
    size_mb = db.stat().st_size / 2**20
    if generated is None:
        print(f"store: {db} ({size_mb:.0f} MiB, reused)")
    else:
        made = f"{args.rows:,} contacts generated in {generated:.1f} s"
        print(f"store: {db} ({size_mb:.0f} MiB, {made})")
    results["store_mb"] = size_mb

    # Peak memory first, in fresh processes, before this one grows.
    cli = str(Path(sys.executable).with_name("contactcenter"))
    report_argv = [cli, "report", "--db", str(db), "--by", "queue,interval"]
    report_argv += ["--interval", "30m", "--format", "csv", "--output", os.devnull]
    cli_peak = peak_rss_mb(report_argv)
    child = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    inproc = json.loads(child.stdout)
    results["memory_mb"] = {"cli_peak": cli_peak, **inproc}
    print(
        f"peak memory of 'contactcenter report --by queue,interval --format csv': "
        f"{cli_peak:.0f} MiB (run_report alone: baseline after imports "
        f"{inproc['baseline_mb']:.0f} MiB, peak {inproc['peak_mb']:.0f} MiB)"
    )

    # (a), (b), (b2) and (c): first checked to give the same numbers, then timed in
    # rounds: each round runs every contender once, each run in a fresh process
    # (timing_child), so that all see the same machine (it is shared and its speed
    # drifts over minutes) and none inherits another's memory; ratios are taken within
    # each round.
    report = run_contactcenter(db)
    if not args.skip_pandas:
        print("check: " + same_numbers(report, pandas_report(pandas_load(db)), "(a) vs (c)"))
    print("check: " + same_numbers(report, run_duckdb_sql(db, BASELINE_SQL), "(a) vs (b)"))
    print("check: " + same_numbers(report, run_duckdb_sql(db, TUNED_SQL), "(a) vs (b2)"))
    contenders = ["a", "b", "b2", *([] if args.skip_pandas else ["c"])]
    keys = [*contenders[:3], *([] if args.skip_pandas else ["c_load", "c_groupby"])]
    walls: dict[str, list[float]] = {k: [] for k in keys}
    cpus: dict[str, list[float]] = {k: [] for k in keys}
    print(f"timing {args.repeat} rounds of " + ", ".join(f"({c})" for c in contenders))
    for _ in range(args.repeat):
        for name in contenders:
            child = subprocess.run(
                [sys.executable, __file__, "--timing-child", name, str(db)],
                capture_output=True,
                text=True,
                check=True,
            )
            for key, (wall, cpu) in json.loads(child.stdout).items():
                walls[key].append(wall)
                cpus[key].append(cpu)
    for key in keys:
        results[key] = summary(walls[key], cpus[key])
    phases = [contactcenter_phases(db) for _ in range(3)]
    results["a_phases_best"] = {k: min(p[k] for p in phases) for k in phases[0]}
    a = results["a"]
    for key in ("b", "b2"):
        results[f"a_over_{key}"] = {
            "best": a["best"] / results[key]["best"],
            "median_of_rounds": statistics.median(
                x / y for x, y in zip(walls["a"], walls[key], strict=True)
            ),
            "cpu": a["cpu_best"] / results[key]["cpu_best"],
        }
    labels = {
        "a": "(a)  contactcenter run_report",
        "b": "(b)  DuckDB SQL, baseline",
        "b2": "(b2) DuckDB SQL, tuned",
        "c_load": "(c)  pandas: load",
        "c_groupby": "(c)  pandas: groupby",
    }
    for key in keys:
        r = results[key]
        print(
            f"  {labels[key]:30s} best {r['best']:6.2f} s  median {r['median']:6.2f} s  "
            f"CPU best {r['cpu_best']:6.2f} s"
        )
    print(
        "  (a) phases, best of 3: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in results["a_phases_best"].items())
    )
    for key in ("b", "b2"):
        r = results[f"a_over_{key}"]
        print(
            f"  a/{key} = {r['best']:.2f} (best), {r['median_of_rounds']:.2f} (median of "
            f"rounds), {r['cpu']:.2f} (CPU){'; goal <= 1.3' if key == 'b' else ''}"
        )
    if not args.skip_pandas:
        end_to_end = [x + y for x, y in zip(walls["c_load"], walls["c_groupby"], strict=True)]
        rounds = {
            "load_and_groupby": [x / y for x, y in zip(end_to_end, walls["a"], strict=True)],
            "groupby": [x / y for x, y in zip(walls["c_groupby"], walls["a"], strict=True)],
        }
        results["c_over_a"] = {
            "load_and_groupby_best": min(end_to_end) / a["best"],
            "load_and_groupby_median_of_rounds": statistics.median(rounds["load_and_groupby"]),
            "groupby_best": results["c_groupby"]["best"] / a["best"],
            "groupby_median_of_rounds": statistics.median(rounds["groupby"]),
            "rounds": {k: [round(x, 2) for x in v] for k, v in rounds.items()},
        }
        r = results["c_over_a"]
        print(
            f"  c/a = {r['load_and_groupby_best']:.2f} (load + groupby, best), "
            f"{r['load_and_groupby_median_of_rounds']:.2f} (median of rounds); goal >= 3"
        )
        print(
            f"  c/a = {r['groupby_best']:.2f} (groupby alone, best), "
            f"{r['groupby_median_of_rounds']:.2f} (median of rounds)"
        )

    goals = {
        "a/b <= 1.3": results["a_over_b"]["best"] <= 1.3,
        "peak memory < 1.5 GiB": cli_peak < 1536,
    }
    if "c_over_a" in results:
        # Both sides from the store file to the finished table: (a) is timed with its
        # scan, so pandas is timed with its load (docs/decisions/0003-report-speed.md).
        goals["c/a >= 3 (load + groupby)"] = results["c_over_a"]["load_and_groupby_best"] >= 3
    results["goals"] = goals
    results["load_average_end"] = os.getloadavg()
    print(
        "load average (1, 5, 15 min) at start "
        + ", ".join(f"{x:.1f}" for x in results["load_average_start"])
        + "; at end "
        + ", ".join(f"{x:.1f}" for x in results["load_average_end"])
    )
    for goal, met in goals.items():
        print(f"goal {goal}: {'met' if met else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
