"""Files (or their starts) an earlier load read are recognised by their bytes and not read
again; the load report accounts for their lines as the first reading did."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.sources.queue_log import stream
from contactcenter.store import Store
from tests.sources.conftest import lines, load, rejects, snapshot, write
from tests.sources.test_ingest_queue_log import CALLS, T

MIXED = [
    *CALLS[:6],
    "",  # blank
    f"{T + 1}|NONE|sales|NONE|QUEUESTART",  # unused verb
    "not a queue_log line",  # rejected
    *CALLS[6:12],
    f"{T + 2}|c9|sales|NONE|ENTERQUEUE||+15550009|1",
]


def _whole(tmp_path: Path, text: str) -> Path:
    (tmp_path / "whole").mkdir(exist_ok=True)
    return write(tmp_path / "whole" / "queue_log", text)


def _skipped_note(notes: tuple[str, ...]) -> list[str]:
    return [n for n in notes if "not read again" in n]


def test_a_reload_skips_the_file_and_accounts_for_every_line_as_before(
    store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "queue_log", lines(*MIXED))
    first = load(store, "queue_log", path)
    before = snapshot(store)
    again = load(store, "queue_log", path)
    assert snapshot(store) == before
    assert _skipped_note(again.notes), again.notes
    assert again.lines_read == first.lines_read == len(MIXED)
    assert again.lines_used == 0
    assert again.ignored == {
        "already in the store": first.lines_used,
        "blank line": 1,
        "event QUEUESTART not used": 1,
    }
    assert again.rejected == first.rejected
    got = [(r["load_id"], r["file"], r["line_no"], r["reason"], r["text"]) for r in rejects(store)]
    assert got[0][1:] == got[1][1:] == ("queue_log", "9", got[0][3], "not a queue_log line")
    assert (got[0][0], got[1][0]) == ("1", "2")


def test_a_grown_log_reads_only_its_new_lines(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "queue_log", lines(*MIXED[:10]))
    load(store, "queue_log", path)
    write(path, lines(*MIXED))
    grown = load(store, "queue_log", path)
    assert _skipped_note(grown.notes)
    assert grown.lines_read == len(MIXED)
    assert grown.lines_used == len(MIXED) - 10
    # the same store as one load of the whole file
    with Store(tmp_path / "once.duckdb") as once:
        load(once, "queue_log", _whole(tmp_path, lines(*MIXED)))
        assert snapshot(once)[:2] == snapshot(store)[:2]
    # line numbers of the new part are the file's
    new_rows = store.con.execute(
        "SELECT min(source_line) FROM queue_log_events WHERE load_id = 2"
    ).fetchone()
    assert new_rows == (11,)


def test_a_rotated_copy_under_another_name_is_recognised(store: Store, tmp_path: Path) -> None:
    text = lines(*CALLS)
    load(store, "queue_log", write(tmp_path / "queue_log", text))
    rotated = load(store, "queue_log", write(tmp_path / "queue_log.1", text))
    assert any("from queue_log)" in n for n in rotated.notes)
    assert rotated.ignored == {"already in the store": len(CALLS)}


def test_a_last_line_without_lf_is_read_again_when_it_is_complete(
    store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "queue_log", lines(*CALLS[:3]) + CALLS[3][:20])
    first = load(store, "queue_log", path)
    assert first.lines_read == 4
    write(path, lines(*CALLS[:4]))
    second = load(store, "queue_log", path)
    assert _skipped_note(second.notes)
    assert second.lines_read == 4
    assert second.lines_used == 1  # the completed line
    with Store(tmp_path / "once.duckdb") as once:
        load(once, "queue_log", _whole(tmp_path, lines(*CALLS[:4])))
        assert snapshot(once)[0] == snapshot(store)[0]


def test_a_changed_start_is_read_again(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "queue_log", lines(*CALLS))
    load(store, "queue_log", path)
    changed = CALLS[:]
    changed[1] = changed[1].replace("15000", "15001")
    again = load(store, "queue_log", write(path, lines(*changed)))
    assert not _skipped_note(again.notes)
    assert again.lines_used == 1
    assert again.ignored == {"already in the store": len(CALLS) - 1}


def test_another_source_name_does_not_use_the_fingerprint(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "queue_log", lines(*CALLS))
    load(store, "queue_log", path)
    other = load(store, "queue_log", path, source="pbx2")
    assert not _skipped_note(other.notes)
    assert other.lines_used == len(CALLS)


def test_a_failed_load_leaves_no_fingerprint(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "queue_log", lines(*CALLS))

    def interrupt(name: str, done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load(store, "queue_log", path, progress=interrupt)
    again = load(store, "queue_log", path)
    assert not _skipped_note(again.notes)
    assert again.lines_used == len(CALLS)


def test_stream_can_read_everything_again(store: Store, tmp_path: Path) -> None:
    """``skip_known=False`` reads a known file in full (what the benchmarks time)."""
    from contactcenter.sources._queue_log_events import QueueLogLoader

    path = write(tmp_path / "queue_log", lines(*CALLS))
    load(store, "queue_log", path)
    with store.load(fmt="queue_log", files=[str(path)]) as session:
        with QueueLogLoader(session, "queue_log", [path]) as loader:
            stream(loader, [path], skip_known=False)
            assert session.account.used == len(CALLS)
            loader.finish()
        assert session.account.ignored == {"already in the store": len(CALLS)}
