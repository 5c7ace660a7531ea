"""Property: however a queue_log grows (cut anywhere, inside lines too, read after any
piece, rotated at any piece), following it reads every line exactly once and stores the
contacts one ``ingest`` of the whole file stores."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.live.tail import Followed
from contactcenter.live.writer import LiveStore
from tests.live.conftest import contacts, day_lines, lines_read, reference

TEXT = "".join(day_lines(25, seed=11)).encode()


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("reference")
    log = folder / "queue_log"
    log.write_bytes(TEXT)
    return contacts(reference(folder, [log]))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    cuts=st.lists(st.integers(1, len(TEXT) - 1), max_size=6, unique=True).map(sorted),
    rotate_at=st.one_of(st.none(), st.integers(0, 6)),
)
def test_any_growth_reads_each_line_once(
    expected: list[dict[str, Any]], cuts: list[int], rotate_at: int | None
) -> None:
    pieces = [TEXT[a:b] for a, b in zip([0, *cuts], [*cuts, len(TEXT)], strict=True)]
    with tempfile.TemporaryDirectory() as folder:
        db, log = Path(folder) / "live.duckdb", Path(folder) / "queue_log"
        live = LiveStore(db)
        followed = Followed(live, log, lambda _: None)
        rotated = b""
        try:
            for k, piece in enumerate(pieces):
                if k == rotate_at and log.exists():
                    # rotate at a line end (Asterisk writes whole lines): the rest of a
                    # partial line goes on in the new file
                    data = log.read_bytes()
                    end = data.rfind(b"\n") + 1
                    os.rename(log, Path(folder) / "queue_log.1")
                    (Path(folder) / "queue_log.1").write_bytes(data[:end])
                    rotated = data[:end]
                    log.write_bytes(data[end:])
                with log.open("ab") as fh:
                    fh.write(piece)
                followed.step()
            followed.step()
        finally:
            followed.close()
            live.close()
        assert lines_read(db) == TEXT.count(b"\n")
        assert rotated + log.read_bytes() == TEXT
        assert contacts(db) == expected
