"""A report is the same whatever order the queue_log lines came in, however the log was
split into rotated files and however those overlap (hypothesis)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.engines import open_engine
from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, run_report
from contactcenter.sources import ingest
from contactcenter.store import Store
from tests.metrics.test_cases import close

T0 = 1_700_000_000


def synthetic_log(seed: int, calls: int = 40) -> list[str]:
    """A plausible raw queue_log: each call enters, rings, then connects and completes,
    abandons, or times out; some are left open at the end."""
    rnd = random.Random(seed)
    lines = []
    for i in range(calls):
        t = T0 + rnd.randrange(4 * 3600)
        call = f"{t}.{i}"
        queue = rnd.choice(["sales", "support"])
        lines.append(f"{t}|{call}|{queue}|NONE|ENTERQUEUE||5550{i:03d}|1")
        wait = rnd.randrange(0, 90)
        fate = rnd.random()
        if rnd.random() < 0.3:
            lines.append(f"{t + 5}|{call}|{queue}|Agent/2|RINGNOANSWER|5000")
        if fate < 0.6:
            talk = rnd.randrange(20, 600)
            lines.append(f"{t + wait}|{call}|{queue}|Agent/1|CONNECT|{wait}|{call}9|3")
            lines.append(f"{t + wait + talk}|{call}|{queue}|Agent/1|COMPLETECALLER|{wait}|{talk}|1")
        elif fate < 0.85:
            lines.append(f"{t + wait}|{call}|{queue}|NONE|ABANDON|1|1|{wait}")
        elif fate < 0.95:
            lines.append(f"{t + 300}|{call}|{queue}|NONE|EXITWITHTIMEOUT|1|1|300")
        # else: still waiting when the log ends
    lines.sort(key=lambda line: int(line.split("|", 1)[0]))
    return lines


def kpis(db: Path) -> list[dict[str, Any]]:
    engine = open_engine("duckdb", db=db)
    try:
        request = ReportRequest(metrics=tuple(select_metrics(None)), by=("queue", "interval"))
        return run_report(engine, request).rows()
    finally:
        engine.close()


def load(db: Path, files: list[list[str]], loads: int) -> None:
    paths = []
    for n, lines in enumerate(files):
        path = db.parent / f"queue_log.{n}"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    with Store(db) as store:
        if loads == 1:
            ingest(store, fmt="queue_log", files=paths)
        else:
            for path in paths:
                ingest(store, fmt="queue_log", files=[path])


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    shuffle=st.randoms(use_true_random=False),
    cuts=st.lists(st.floats(0, 1), max_size=3),
    overlap=st.integers(0, 5),
    separate_loads=st.booleans(),
)
def test_report_does_not_depend_on_line_order_or_rotation(
    tmp_path_factory: Any,
    seed: int,
    shuffle: Any,
    cuts: list[float],
    overlap: int,
    separate_loads: bool,
) -> None:
    lines = synthetic_log(seed)
    reference_db = tmp_path_factory.mktemp("ordered") / "s.duckdb"
    load(reference_db, [lines], 1)
    want = kpis(reference_db)

    mixed = lines[:]
    shuffle.shuffle(mixed)
    bounds = sorted({0, len(mixed), *(int(c * len(mixed)) for c in cuts)})
    files = [
        mixed[max(0, a - overlap) : b]  # rotated files that overlap by a few lines
        for a, b in itertools.pairwise(bounds)
    ]
    shuffle.shuffle(files)
    db = tmp_path_factory.mktemp("mixed") / "s.duckdb"
    load(db, files, 2 if separate_loads else 1)
    got = kpis(db)
    assert len(got) == len(want) > 0
    for a, b in zip(got, want, strict=True):
        for key in b:
            assert close(a[key], b[key]), (key, a[key], b[key])
