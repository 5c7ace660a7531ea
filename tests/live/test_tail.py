"""Following a growing queue_log (``serve --tail``), step by step in this process:
appended lines, a last line completed later, rotation and truncation, restarts; every
line read exactly once (the journal's lines_read add up to the file's lines) and the
store at the end as after one ``ingest`` of the same lines."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from contactcenter.live import tail
from contactcenter.live.tail import Followed, positions
from contactcenter.live.writer import LiveStore
from contactcenter.sources._text import R_LONG
from contactcenter.sources.queue_log import R_FIELDS
from tests.live.conftest import contacts, day_lines, journal, lines_read, reference, reports

said: list[str] = []


def follow(db: Path, log: Path) -> tuple[LiveStore, Followed]:
    live = LiveStore(db)
    return live, Followed(live, log, said.append)


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def test_appended_lines_and_a_last_line_completed_later(tmp_path: Path) -> None:
    db, log = tmp_path / "live.duckdb", tmp_path / "queue_log"
    lines = day_lines(60)
    text = "".join(lines)
    live, followed = follow(db, log)
    followed.step()  # no file yet: waits
    assert followed.fh is None
    cut = len(text) // 3 + 7  # inside a line
    log.write_text(text[:cut])
    followed.step()
    complete = text[:cut].rfind("\n") + 1
    assert followed.position == len(text[:complete].encode())
    assert followed.lines == text[:complete].count("\n")
    followed.step()  # nothing new: no load
    loads = len(live.store.journal())
    append(log, text[cut:])
    followed.step()
    assert followed.position == len(text.encode())
    assert len(live.store.journal()) == loads + 1
    followed.close()
    live.close()
    ref = reference(tmp_path, [log])
    assert reports(db) == reports(ref)
    assert contacts(db) == contacts(ref)
    assert lines_read(db) == len(lines)
    rejected = sum(load["lines_rejected"] for load in journal(db))
    assert rejected == 1  # "this is not a queue_log line", rejected where it was read
    assert "this is not a queue_log line" in (tmp_path / "live.duckdb.rejects.csv").read_text()


def test_rotation_while_followed_reads_the_old_file_to_its_end(tmp_path: Path) -> None:
    db, log = tmp_path / "live.duckdb", tmp_path / "queue_log"
    lines = day_lines(80)
    half = len(lines) // 2
    live, followed = follow(db, log)
    log.write_text("".join(lines[: half - 5]))
    followed.step()
    append(log, "".join(lines[half - 5 : half]))  # written just before the rotation
    os.rename(log, tmp_path / "queue_log.1")
    followed.step()  # the name is gone: the old file is still read through its handle
    assert followed.lines == half
    log.write_text("".join(lines[half:]))
    followed.step()  # a new file under the name: read from its start
    assert (followed.name, followed.lines) == ("queue_log", len(lines) - half)
    followed.close()
    live.close()
    ref = reference(tmp_path, [tmp_path / "queue_log.1", log])
    assert reports(db) == reports(ref)
    assert contacts(db) == contacts(ref)
    assert lines_read(db) == len(lines)


def test_truncation_reads_the_file_again_from_its_start(tmp_path: Path) -> None:
    db, log = tmp_path / "live.duckdb", tmp_path / "queue_log"
    lines = day_lines(60)
    half = len(lines) // 2
    live, followed = follow(db, log)
    log.write_text("".join(lines[:half]))
    followed.step()
    (tmp_path / "copy").write_text(log.read_text())  # what copytruncate keeps
    log.write_text("")  # truncated in place: same inode
    followed.step()
    assert followed.position == 0
    append(log, "".join(lines[half:]))
    followed.step()
    assert followed.lines == len(lines) - half
    followed.close()
    live.close()
    ref = reference(tmp_path, [tmp_path / "copy", log])
    assert reports(db) == reports(ref)
    assert lines_read(db) == len(lines)


def test_truncated_and_rewritten_longer_between_two_looks(tmp_path: Path) -> None:
    """The same inode, longer than the position, but other first bytes: read again."""
    db, log = tmp_path / "live.duckdb", tmp_path / "queue_log"
    lines = day_lines(60)
    live, followed = follow(db, log)
    log.write_text("".join(lines[:10]))
    followed.step()
    with log.open("r+", encoding="utf-8") as fh:
        fh.truncate(0)
        fh.write("".join(lines[10:]))
    followed.step()
    assert followed.lines == len(lines) - 10
    followed.close()
    live.close()
    assert lines_read(db) == len(lines)


def test_a_restart_goes_on_from_the_position_kept_in_the_store(tmp_path: Path) -> None:
    db, log = tmp_path / "live.duckdb", tmp_path / "queue_log"
    lines = day_lines(60)
    third = len(lines) // 3
    log.write_text("".join(lines[:third]))
    live, followed = follow(db, log)
    followed.step()
    followed.close()
    live.close()
    (kept,) = positions_of(db)
    assert (kept.lines, kept.position) == (third, len("".join(lines[:third]).encode()))
    append(log, "".join(lines[third : 2 * third]))
    live, followed = follow(db, log)  # a new process: nothing in memory
    followed.step()
    followed.close()
    live.close()
    # stopped again; rotated while stopped, with lines added to the old file before
    append(log, "".join(lines[2 * third : 2 * third + 4]))
    os.rename(log, tmp_path / "queue_log.1")
    log.write_text("".join(lines[2 * third + 4 :]))
    live, followed = follow(db, log)
    followed.step()
    followed.close()
    live.close()
    assert lines_read(db) == len(lines)  # no line read twice, none skipped
    ref = reference(tmp_path, [tmp_path / "queue_log.1", log])
    assert reports(db) == reports(ref)
    assert contacts(db) == contacts(ref)


def positions_of(db: Path) -> list[tail.Position]:
    live = LiveStore(db)
    try:
        return positions(live)
    finally:
        live.close()


def test_small_chunks_and_a_line_longer_than_a_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tail, "CHUNK", 256)
    db, log = tmp_path / "live.duckdb", tmp_path / "queue_log"
    lines = day_lines(20)
    long_line = "1709280000|x|q|NONE|ENTERQUEUE|" + "y" * 1000 + "\n"
    lines.insert(5, long_line)
    log.write_text("".join(lines))
    live, followed = follow(db, log)
    followed.step()
    followed.close()
    live.close()
    loads = journal(db)
    assert len(loads) > 10  # many small loads
    assert sum(int(load["lines_read"]) for load in loads) == len(lines)
    rejected: dict[str, int] = {}
    for load in loads:
        for reason, n in load["rejected_reasons"].items():
            rejected[reason] = rejected.get(reason, 0) + n
    # the line longer than a chunk is kept cut and rejected (a real chunk is 8 MiB, past
    # the 1 MiB any ingest rejects); the line that is not queue_log is rejected too
    assert rejected == {R_LONG: 1, R_FIELDS: 1}
    ref_lines = [line for line in lines if line is not long_line]
    (tmp_path / "ref.log").write_text("".join(ref_lines))
    ref = reference(tmp_path, [tmp_path / "ref.log"])
    assert reports(db) == reports(ref)


def test_a_failed_load_is_said_once_and_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load that fails (a full disk, say) rolls back; the follower says so and goes on
    from the position in the store, so the lines are read once, later."""
    db, log = tmp_path / "live.duckdb", tmp_path / "queue_log"
    lines = day_lines(30)
    log.write_text("".join(lines))
    live = LiveStore(db)
    real = live.load_lines
    failures = iter([OSError("No space left on device")] * 3)

    def flaky(**kwargs: object) -> object:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(live, "load_lines", flaky)
    messages: list[str] = []
    follower = tail.Follower(live, [log], poll_s=0.01, say=messages.append)
    follower.start()
    try:
        deadline = time.monotonic() + 120
        while follower.status()[0]["lines"] != len(lines):
            assert time.monotonic() < deadline, messages
            time.sleep(0.01)
    finally:
        follower.stop()
        live.close()
    assert messages == [f"{log}: No space left on device; trying again"]
    assert lines_read(db) == len(lines)
