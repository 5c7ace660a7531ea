"""A day of queue_log lines (calls answered and abandoned in two queues, agents pausing,
a blank line, a line that is not queue_log, a duplicate) and the reference it is checked
against: one ``ingest`` of the same lines."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import contactcenter
from contactcenter.store import Store

T0 = 1_709_280_000  # 2024-03-01 08:00 UTC


def day_lines(calls: int, *, seed: int = 1) -> list[str]:
    """queue_log lines of ``calls`` calls over a day, in time order (with LF)."""
    rng = random.Random(seed)
    events: list[tuple[int, int, str]] = []
    for i in range(calls):
        t = T0 + i * 30 + rng.randrange(20)
        queue = "sales" if rng.random() < 0.6 else "support"
        agent = f"Agent/{rng.randrange(6)}"
        events.append((t, 0, f"{t}|c{i}|{queue}|NONE|ENTERQUEUE||+3706{i:05d}|1"))
        wait = rng.randrange(1, 90)
        if rng.random() < 0.15:
            events.append((t + wait, 1, f"{t + wait}|c{i}|{queue}|NONE|ABANDON|1|1|{wait}"))
            continue
        if rng.random() < 0.2:
            events.append((t + 2, 1, f"{t + 2}|c{i}|{queue}|{agent}|RINGNOANSWER|2000"))
        talk = rng.randrange(20, 400)
        events.append((t + wait, 1, f"{t + wait}|c{i}|{queue}|{agent}|CONNECT|{wait}|c{i}b|1"))
        end = t + wait + talk
        events.append((end, 2, f"{end}|c{i}|{queue}|{agent}|COMPLETECALLER|{wait}|{talk}|1"))
        if i % 25 == 0:
            events.append((end + 1, 3, f"{end + 1}|NONE|{queue}|{agent}|PAUSE|lunch"))
            events.append((end + 600, 3, f"{end + 600}|NONE|{queue}|{agent}|UNPAUSE|"))
    events.sort()
    lines = [text + "\n" for _, _, text in events]
    lines.insert(len(lines) // 3, "\n")  # a blank line
    lines.insert(len(lines) // 2, "this is not a queue_log line\n")  # rejected
    lines.insert(2 * len(lines) // 3, lines[2 * len(lines) // 3 - 1])  # a duplicate line
    return lines


def reference(folder: Path, files: list[Path]) -> Path:
    """A store holding one ``ingest`` of ``files``."""
    db = folder / "reference.duckdb"
    contactcenter.ingest(db, files, format="queue_log")
    return db


def reports(db: Path) -> dict[str, Any]:
    """What must be the same after live ingestion and after one ingest."""
    return {
        by: contactcenter.report(db, by=by, metrics="all").to_pylist()
        for by in ("queue,interval", "agent", "day")
    }


def contacts(db: Path) -> list[dict[str, Any]]:
    """The stored contacts without where they were read from (a rotated file's name)."""
    with Store(db) as store:
        table = store.table("contacts")
    rows = table.drop_columns(["source_file", "source_line"]).to_pylist()
    return sorted(rows, key=lambda r: r["contact_id"])


def journal(db: Path) -> list[dict[str, Any]]:
    """The load journal."""
    with Store(db) as store:
        return store.journal()


def lines_read(db: Path) -> int:
    """Lines read by every load of ``db``: each line once, when no line is read twice."""
    return sum(int(load["lines_read"]) for load in journal(db))
