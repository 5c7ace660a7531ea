"""Live load benchmark (issue 13, section 6): queue_log events at a steady rate into a
served store, through a tailed file or ``POST /api/v1/events``, while reports are asked.

For each mode (``tail``, ``post``) a fresh store gets ``--history-days`` of earlier
traffic (one ``ingest``), an admin token, and a ``contactcenter serve`` process (with
``--tail FILE`` in the tail mode). Then for ``--seconds`` seconds this process

* **sends** ``--rate`` queue_log lines per second, in slices every ``--tick`` seconds
  (10 ms): appended to the tailed file (``tail``), or posted as ``text/plain`` batches
  (``post``: each request carries every line due and not yet sent, as a forwarder that
  batches while the previous request is in flight);
* **measures the lag** of every slice, from the moment it was due (appended, or due to be
  sent) to the moment it is committed: in the tail mode when ``GET /api/v1/tail`` shows
  the file's position past the slice (the position is written in the transaction of the
  lines, polled every ``--poll`` seconds, so the figure is an upper bound by that much),
  in the post mode when the request that carried it is answered 200 (a 200 means
  committed);
* **asks for a day's report** (``GET /api/v1/report?by=queue,interval&from=D&to=D+1``,
  every metric of the default set, JSON) every ``--report-every`` seconds and times it.

Then it waits for the backlog to drain, stops the server (SIGTERM), and checks the store:
``queue_log_events`` holds exactly the lines sent (0 lost, 0 doubled: every generated
line is a distinct event), the journal read each line once (the sum of ``lines_read`` of
the live loads equals the lines sent), nothing was rejected, and ``contacts`` holds one
row per call sent.

The calls: ``--queues`` queues, ``--agents`` agents, each call ENTERQUEUE then CONNECT and
COMPLETECALLER/COMPLETEAGENT (85 %) or ABANDON, waits of 0-60 s, talks of 20-400 s, in
time order over the benchmark's day (2024-03-04 from 08:00 UTC); the history is the same
traffic on the days before at ``--history-calls`` calls a day.

    .venv/bin/python benchmarks/live_bench.py                       # both modes, 10k/s, 60 s
    .venv/bin/python benchmarks/live_bench.py --mode post --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data" / "live"
DAY = 1_709_510_400  # 2024-03-04 00:00 UTC
START = DAY + 8 * 3600
REPORT_DAY = ("2024-03-04", "2024-03-05")


# ----------------------------------------------------------------------------- traffic
def calls_lines(n_calls: int, start: int, span_s: int, seed: int, prefix: str,
                queues: int, agents: int) -> list[tuple[int, str]]:  # fmt: skip
    """The queue_log lines of ``n_calls`` calls arriving over [start, start + span_s), as
    (time, line) pairs in time order (a call's lines in their order)."""
    rng = np.random.default_rng(seed)
    arrive = np.sort(rng.integers(start, start + span_s, n_calls))
    wait = rng.integers(0, 60, n_calls)
    talk = rng.integers(20, 400, n_calls)
    answered = rng.random(n_calls) < 0.85
    queue = rng.integers(0, queues, n_calls)
    agent = rng.integers(0, agents, n_calls)
    by_caller = rng.random(n_calls) < 0.5
    out: list[tuple[int, int, str]] = []
    for i in range(n_calls):
        t, q, cid = int(arrive[i]), f"q{queue[i]}", f"{prefix}{i}"
        out.append((t, 0, f"{t}|{cid}|{q}|NONE|ENTERQUEUE||+3706{i % 100000:05d}|1"))
        w = int(wait[i])
        if answered[i]:
            a = f"Agent/{1000 + int(agent[i])}"
            out.append((t + w, 1, f"{t + w}|{cid}|{q}|{a}|CONNECT|{w}|{cid}b|2"))
            end = t + w + int(talk[i])
            verb = "COMPLETECALLER" if by_caller[i] else "COMPLETEAGENT"
            out.append((end, 2, f"{end}|{cid}|{q}|{a}|{verb}|{w}|{int(talk[i])}|1"))
        else:
            out.append((t + w, 1, f"{t + w}|{cid}|{q}|NONE|ABANDON|1|1|{w}"))
    out.sort(key=lambda x: (x[0], x[1]))
    return [(t, line) for t, _, line in out]


def live_traffic(rate: int, seconds: int, args: argparse.Namespace) -> list[str]:
    """Exactly ``rate * seconds`` lines: the first ones, in time order, of calls arriving
    from 08:00 at about the rate that gives ``rate`` lines a second."""
    total = rate * seconds
    calls = int(total / 2.85 * 1.6)  # more calls than needed: the tail of late lines is cut
    pairs = calls_lines(calls, START, max(1, int(seconds * 1.6)), args.seed, "L",
                        args.queues, args.agents)  # fmt: skip
    lines = [line for _, line in pairs][:total]
    assert len(lines) == total
    return lines


# ----------------------------------------------------------------------------- server
def cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "contactcenter.cli.main", *args]
    return subprocess.run(command, capture_output=True, text=True, check=True)


def start_server(db: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "contactcenter.cli.main", "serve", "--db", str(db),
               "--port", "0", *args]  # fmt: skip
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if sel.select(timeout=1):
            line = proc.stderr.readline()
            found = re.search(r"on (http://127\.0\.0\.1:\d+)/api/v1", line)
            if found:
                threading.Thread(target=_drain, args=(proc,), daemon=True).start()
                return proc, found.group(1)
            if not line:
                break
    proc.kill()
    raise SystemExit("the server did not start")


def _drain(proc: subprocess.Popen[str]) -> None:
    assert proc.stderr is not None
    for _ in proc.stderr:
        pass


def request(url: str, token: str, *, data: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "text/plain")
    try:
        with urllib.request.urlopen(req, timeout=300) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# ----------------------------------------------------------------------------- a run
@dataclass
class Run:
    mode: str
    lag_s: list[float] = field(default_factory=list)
    report_ms: list[float] = field(default_factory=list)
    idle_report_ms: list[float] = field(default_factory=list)
    requests: int = 0
    send_s: float = 0.0
    drain_s: float = 0.0
    checks: dict[str, Any] = field(default_factory=dict)
    server_cpu_s: float = 0.0


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def report_loop(
    url: str, token: str, every: float, stop: threading.Event, out: list[float]
) -> None:
    query = urllib.parse.urlencode(
        {"by": "queue,interval", "from": REPORT_DAY[0], "to": REPORT_DAY[1]}
    )
    while not stop.is_set():
        t0 = time.perf_counter()
        status, body = request(f"{url}/api/v1/report?{query}", token)
        took = time.perf_counter() - t0
        if status != 200:
            raise SystemExit(f"report answered {status}: {body[:300]!r}")
        out.append(took * 1000)
        stop.wait(max(0.0, every - took))


def run_mode(mode: str, args: argparse.Namespace, lines: list[str], history: Path) -> Run:
    folder = DATA / mode
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = folder / "cc.duckdb"
    shutil.copyfile(history, db)
    token = cli("token", "create", "--db", str(db), "--role", "admin").stdout.strip()
    log = folder / "queue_log"
    log.write_bytes(b"")
    extra = ("--tail", str(log)) if mode == "tail" else ()
    proc, url = start_server(db, *extra)
    run = Run(mode)
    try:
        # reports on the idle server first, for reference
        stop = threading.Event()
        idle = threading.Thread(
            target=report_loop, args=(url, token, 0.0, stop, run.idle_report_ms)
        )
        idle.start()
        time.sleep(5)
        stop.set()
        idle.join()
        run.idle_report_ms = run.idle_report_ms[2:]  # the first ones warm the caches
        stop = threading.Event()
        reporter = threading.Thread(
            target=report_loop, args=(url, token, args.report_every, stop, run.report_ms)
        )
        cpu0 = _cpu(proc.pid)
        reporter.start()
        if mode == "tail":
            _send_tail(run, url, token, log, lines, args)
        else:
            _send_post(run, url, token, lines, args)
        stop.set()
        reporter.join()
        run.server_cpu_s = _cpu(proc.pid) - cpu0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=300)
    run.checks = check_store(db, lines, last_load(history))
    return run


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _slices(lines: list[str], args: argparse.Namespace) -> list[bytes]:
    per = max(1, round(args.rate * args.tick))
    return [("\n".join(lines[i : i + per]) + "\n").encode() for i in range(0, len(lines), per)]


def _send_tail(run: Run, url: str, token: str, log: Path, lines: list[str],
               args: argparse.Namespace) -> None:  # fmt: skip
    slices = _slices(lines, args)
    ends: list[tuple[int, float]] = []  # (end offset, appended at)
    done = threading.Event()
    lock = threading.Lock()

    def watch() -> None:
        seen = 0
        while True:
            status, body = request(f"{url}/api/v1/tail", token)
            now = time.perf_counter()
            run.requests += 1
            position = int(json.loads(body)[0]["position"]) if status == 200 else 0
            with lock:
                while seen < len(ends) and ends[seen][0] <= position:
                    run.lag_s.append(now - ends[seen][1])
                    seen += 1
                finished = done.is_set() and seen == len(slices)
            if finished:
                return
            time.sleep(args.poll)

    watcher = threading.Thread(target=watch)
    watcher.start()
    t0 = time.perf_counter()
    offset = 0
    with log.open("ab", buffering=0) as fh:
        for k, data in enumerate(slices):
            due = t0 + k * args.tick
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            fh.write(data)
            offset += len(data)
            with lock:
                ends.append((offset, time.perf_counter()))
    run.send_s = time.perf_counter() - t0
    done.set()
    watcher.join()
    run.drain_s = time.perf_counter() - t0 - run.send_s


def _send_post(run: Run, url: str, token: str, lines: list[str],
               args: argparse.Namespace) -> None:  # fmt: skip
    slices = _slices(lines, args)
    t0 = time.perf_counter()
    sent = 0
    while sent < len(slices):
        now = time.perf_counter()
        due = min(len(slices), int((now - t0) / args.tick) + 1)
        if due <= sent:
            time.sleep(t0 + sent * args.tick - now)
            continue
        batch = slices[sent:due][: args.max_batch]
        status, body = request(f"{url}/api/v1/events", token, data=b"".join(batch))
        answered = time.perf_counter()
        if status != 200:
            raise SystemExit(f"events answered {status}: {body[:300]!r}")
        run.requests += 1
        for k in range(sent, sent + len(batch)):
            run.lag_s.append(answered - (t0 + k * args.tick))
        sent += len(batch)
    run.send_s = len(slices) * args.tick
    run.drain_s = time.perf_counter() - t0 - run.send_s


def last_load(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchone()
    return int(row[0]) if row else 0


def check_store(db: Path, lines: list[str], history_loads: int) -> dict[str, Any]:
    calls = len({line.split("|", 2)[1] for line in lines})
    with duckdb.connect(str(db), read_only=True) as con:
        events = con.execute(
            "SELECT count(*) FROM queue_log_events WHERE callid LIKE 'L%'"
        ).fetchone()
        journal = con.execute(
            "SELECT count(*), sum(lines_read), sum(lines_rejected) FROM loads WHERE load_id > ?",
            [history_loads],
        ).fetchone()
        contacts = con.execute(
            "SELECT count(*), count(DISTINCT contact_id) FROM contacts WHERE contact_id LIKE 'L%'"
        ).fetchone()
    assert events is not None
    assert journal is not None
    assert contacts is not None
    return {
        "lines_sent": len(lines),
        "events_stored": int(events[0]),
        "loads": int(journal[0]),
        "lines_read": int(journal[1] or 0),
        "lines_rejected": int(journal[2] or 0),
        "calls_sent": calls,
        "contacts": int(contacts[0]),
        "distinct_contacts": int(contacts[1]),
        "ok": int(events[0]) == len(lines)
        and int(journal[1] or 0) == len(lines)
        and int(journal[2] or 0) == 0
        and int(contacts[0]) == calls == int(contacts[1]),
    }


def make_history(args: argparse.Namespace) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    name = (
        f"history-{args.history_days}d-{args.history_calls}-{args.queues}q-"
        f"{args.agents}a-{args.seed}"
    )
    db = DATA / f"{name}.duckdb"
    if db.exists():
        return db
    log = DATA / f"{name}.queue_log"
    with log.open("w") as fh:
        for d in range(args.history_days, 0, -1):
            pairs = calls_lines(args.history_calls, DAY - d * 86400 + 8 * 3600, 12 * 3600,
                                args.seed + d, f"H{d}-", args.queues, args.agents)  # fmt: skip
            fh.write("".join(line + "\n" for _, line in pairs))
    cli("ingest", "--db", str(db), "--format", "queue_log", str(log))
    log.unlink()
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["tail", "post", "both"], default="both")
    parser.add_argument("--rate", type=int, default=10_000, help="lines per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--tick", type=float, default=0.01, help="seconds between slices")
    parser.add_argument("--poll", type=float, default=0.02, help="tail mode: position polls")
    parser.add_argument("--max-batch", type=int, default=1000, help="post: most slices a request")
    parser.add_argument("--report-every", type=float, default=0.5)
    parser.add_argument("--history-days", type=int, default=28)
    parser.add_argument("--history-calls", type=int, default=20_000, help="calls a day")
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()

    t = time.perf_counter()
    history = make_history(args)
    print(f"history store: {history.name} ({time.perf_counter() - t:.1f} s)", flush=True)
    lines = live_traffic(args.rate, args.seconds, args)
    print(f"{len(lines):,} live lines generated", flush=True)
    results = []
    for mode in ["tail", "post"] if args.mode == "both" else [args.mode]:
        run = run_mode(mode, args, lines, history)
        summary = {
            "mode": mode,
            "rate": args.rate,
            "seconds": args.seconds,
            "lag_p50_s": round(pct(run.lag_s, 50), 3),
            "lag_p99_s": round(pct(run.lag_s, 99), 3),
            "lag_max_s": round(max(run.lag_s), 3),
            "report_idle_p50_ms": round(pct(run.idle_report_ms, 50), 1),
            "report_idle_p99_ms": round(pct(run.idle_report_ms, 99), 1),
            "reports": len(run.report_ms),
            "report_p50_ms": round(pct(run.report_ms, 50), 1),
            "report_p99_ms": round(pct(run.report_ms, 99), 1),
            "report_max_ms": round(max(run.report_ms), 1),
            "requests": run.requests,
            "drain_s": round(run.drain_s, 2),
            "server_cpu_s": round(run.server_cpu_s, 1),
            **run.checks,
        }
        results.append(summary)
        print(json.dumps(summary), flush=True)
    machine = {
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "peak_rss_mib_client": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(json.dumps(machine))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "machine": machine}, indent=2))


if __name__ == "__main__":
    main()
