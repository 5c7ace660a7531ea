"""Load speed and memory of every bulk format, against DuckDB's own CSV reader in the same run.

    .venv/bin/python benchmarks/ingest_loads.py [--lines 6000000] [--contacts 2000000]
        [--csv-rows 1000000] [--repeat 1] [--only raw,reload,...] [--json FILE]

Writes its inputs under a temporary folder (deterministic): a raw queue_log of about
``--lines`` lines (the generator of ``ingest_queue_log.py``: per call an ENTERQUEUE, 0-3
RINGNOANSWER, CONNECT + COMPLETECALLER or ABANDON; a PAUSE every 50 calls; a blank line every
10,000), the same events as an Asterisk realtime table export (``--csv-rows`` rows,
``queue_log_csv``), and ``--contacts`` canonical contacts as Parquet and as CSV. Then it
runs each step as its own command, in a fresh process, timed from the command's start to
its exit (the store committed and closed), with its peak RSS (``/usr/bin/time``-style,
``getrusage`` of the child):

==================  =====================================================================
step                command
==================  =====================================================================
baseline_raw        DuckDB's CSV reader loading the raw file into a table of a new
                    database file (``CREATE TABLE AS SELECT * FROM read_csv(...)``, '|'
                    separated, 10 VARCHAR columns): the named baseline
raw                 ``contactcenter ingest --format queue_log`` into a new store
raw_half            the same on the first half of the file (memory must not grow)
reload              the same file again into that store (nothing changes)
baseline_csv        DuckDB's CSV reader loading the realtime export into a table
queue_log_csv       ``contactcenter ingest --format queue_log_csv`` into a new store
baseline_contacts   DuckDB's CSV reader loading the contacts CSV into a table
contacts_csv        ``contactcenter ingest --format contacts`` of the CSV into a new store
baseline_parquet    DuckDB loading the contacts Parquet file into a table
contacts_parquet    ``contactcenter ingest --format contacts`` of the Parquet file
==================  =====================================================================

Rates are input lines (rows) per second of wall-clock time; each step's ratio is its time
over its baseline's in the same run. The machine may be shared: the load average is
printed at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ingest_queue_log import generate  # noqa: E402

LINES_PER_CALL = 4.37
"""Lines per call of the generator (4,370,329 lines for 1,000,000 calls)."""

CHILD = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "wall": wall, "cpu": use.ru_utime + use.ru_stime,
                  "peak_mb": use.ru_maxrss / 1024, "err": proc.stderr[-2000:]}))
"""

BASELINE = """
import duckdb, sys
db, sql = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")
con.execute(sql)
con.close()
"""


def run(argv: list[str]) -> dict[str, Any]:
    """Run ``argv`` in a fresh process; wall and CPU seconds and peak RSS (MiB)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *argv], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    if result["rc"] != 0:
        raise RuntimeError(f"{argv} failed: {result['err']}")
    return result


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def baseline_argv(db: Path, sql: str) -> list[str]:
    """DuckDB loading a file into a table of the new database ``db``."""
    return [sys.executable, "-c", BASELINE, str(db), sql]


def raw_baseline_sql(path: Path) -> str:
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(10)) + "}"
    return (
        f"CREATE TABLE t AS SELECT * FROM read_csv({_q(path)}, delim='|', header=false, "
        f"auto_detect=false, null_padding=true, quote='', escape='', columns={cols})"
    )


def csv_baseline_sql(path: Path) -> str:
    return f"CREATE TABLE t AS SELECT * FROM read_csv({_q(path)}, header=true, all_varchar=true)"


def realtime_export(raw: Path, out: Path, rows: int) -> int:
    """The first ``rows`` event lines of the raw log as an Asterisk realtime CSV export."""
    n = 0
    with raw.open() as src, out.open("w") as dst:
        dst.write("time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n")
        for line in src:
            parts = line.rstrip("\n").split("|")
            if len(parts) < 5:
                continue
            parts += [""] * (10 - len(parts))
            dst.write(",".join(f'"{p}"' if " " in p else p for p in parts[:10]) + "\n")
            n += 1
            if n >= rows:
                break
    return n + 1


def contacts_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """``rows`` canonical contacts (the report benchmark's generator) as Parquet and CSV."""
    import duckdb

    from contactcenter.store import Store
    from report_bench import generation_sql

    db = folder / "gen.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("SET enable_progress_bar = false")
    con.execute(generation_sql(rows, 7, "random"))
    pq, csv = folder / "contacts.parquet", folder / "contacts.csv"
    con.execute(
        f"COPY (SELECT * EXCLUDE (source_file, source_line, talking) FROM contacts) "
        f"TO {_q(pq)} (FORMAT parquet)"
    )
    con.execute(
        f"COPY (SELECT * EXCLUDE (source_file, source_line, talking) FROM contacts) "
        f"TO {_q(csv)} (HEADER, DELIMITER ',')"
    )
    con.close()
    db.unlink()
    return pq, csv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=6_000_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each step; best counts")
    parser.add_argument("--only", help="comma-separated steps to run (default: all)")
    parser.add_argument("--dir", type=Path, help="where to write the inputs (default: a temp dir)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    cli = str(Path(sys.executable).with_name("contactcenter"))
    tmp = Path(tempfile.mkdtemp(prefix="cc-ingest-bench-", dir=args.dir))
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.platform()}",
        "load_average_start": os.getloadavg(),
        "python": platform.python_version(),
    }
    try:
        raw = tmp / "queue_log"
        n_lines, _ = generate(raw, round(args.lines / LINES_PER_CALL))
        half = tmp / "queue_log.half"
        with raw.open("rb") as src, half.open("wb") as dst:
            for i, line in enumerate(src):
                if i >= n_lines // 2:
                    break
                dst.write(line)
        export = tmp / "realtime.csv"
        csv_lines = realtime_export(raw, export, args.csv_rows)
        pq, ccsv = contacts_files(tmp, args.contacts)
        print(
            f"inputs: raw {n_lines:,} lines ({raw.stat().st_size / 1e6:.0f} MB), export "
            f"{csv_lines:,} lines, contacts {args.contacts:,} rows",
            file=sys.stderr,
        )

        def store(name: str) -> Path:
            db = tmp / f"{name}.duckdb"
            for p in tmp.glob(f"{name}.duckdb*"):
                p.unlink()
            return db

        def ingest(name: str, fmt: str, path: Path, fresh: bool = True) -> list[str]:
            db = store(name) if fresh else tmp / f"{name}.duckdb"
            return [cli, "ingest", "--db", str(db), "--format", fmt, str(path)]

        steps: list[tuple[str, int, str | None, Any]] = [
            (
                "baseline_raw",
                n_lines,
                None,
                lambda: baseline_argv(store("b"), raw_baseline_sql(raw)),
            ),
            ("raw", n_lines, "baseline_raw", lambda: ingest("raw", "queue_log", raw)),
            ("reload", n_lines, "baseline_raw", lambda: ingest("raw", "queue_log", raw, False)),
            ("raw_half", n_lines // 2, None, lambda: ingest("half", "queue_log", half)),
            (
                "baseline_csv",
                csv_lines,
                None,
                lambda: baseline_argv(store("b"), csv_baseline_sql(export)),
            ),
            (
                "queue_log_csv",
                csv_lines,
                "baseline_csv",
                lambda: ingest("qlc", "queue_log_csv", export),
            ),
            (
                "baseline_contacts",
                args.contacts + 1,
                None,
                lambda: baseline_argv(store("b"), csv_baseline_sql(ccsv)),
            ),
            (
                "contacts_csv",
                args.contacts + 1,
                "baseline_contacts",
                lambda: ingest("cc", "contacts", ccsv),
            ),
            (
                "baseline_parquet",
                args.contacts,
                None,
                lambda: baseline_argv(
                    store("b"), f"CREATE TABLE t AS SELECT * FROM read_parquet({_q(pq)})"
                ),
            ),
            (
                "contacts_parquet",
                args.contacts,
                "baseline_parquet",
                lambda: ingest("cp", "contacts", pq),
            ),
        ]
        for name, lines, base, argv in steps:
            if only is not None and name not in only:
                continue
            runs = []
            for _ in range(1 if name in ("raw",) else args.repeat):
                if name == "reload" and not (tmp / "raw.duckdb").exists():
                    run(ingest("raw", "queue_log", raw))
                runs.append(run(argv()))
            best = min(runs, key=lambda r: r["wall"])
            r = {
                "lines": lines,
                "wall": best["wall"],
                "cpu": best["cpu"],
                "peak_mb": max(x["peak_mb"] for x in runs),
                "runs": [round(x["wall"], 2) for x in runs],
                "lines_per_s": lines / best["wall"],
                "baseline": base,
            }
            if base and base in results:
                r["vs_baseline"] = r["wall"] / results[base]["wall"]
            results[name] = r
            ratio = f"  {r['vs_baseline']:.2f}x its baseline" if "vs_baseline" in r else ""
            print(
                f"{name:18s} {lines:>10,} lines {r['wall']:7.2f} s (CPU {r['cpu']:6.2f} s) "
                f"{r['lines_per_s'] / 1e6:5.2f} M/s  peak {r['peak_mb']:6.0f} MiB{ratio}",
                file=sys.stderr,
                flush=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["load_average_end"] = os.getloadavg()
    load = ", ".join(f"{x:.1f}" for x in results["load_average_start"])
    end = ", ".join(f"{x:.1f}" for x in results["load_average_end"])
    print(f"\n{results['machine']}; load average at start {load}, at end {end}\n")
    print("| step | lines | s | CPU s | M lines/s | vs baseline | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        if not isinstance(r, dict):
            continue
        ratio = f"{r['vs_baseline']:.2f}x" if "vs_baseline" in r else "–"
        print(
            f"| {name} | {r['lines']:,} | {r['wall']:.2f} | {r['cpu']:.2f} | "
            f"{r['lines_per_s'] / 1e6:.2f} | {ratio} | {r['peak_mb']:.0f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    time.sleep(0)


if __name__ == "__main__":
    main()
