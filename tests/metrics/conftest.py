"""Fixtures of the metric tests: a store of the hand-made tickets (ticket_store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.sources import IngestOptions, ingest
from contactcenter.store import Store
from tests.sources.test_ingest_ticket_events import MAPPING, T1, T2, T3, log


@pytest.fixture
def ticket_store(tmp_path: Path) -> Path:
    db = tmp_path / "t.duckdb"
    (tmp_path / "m.yaml").write_text(MAPPING)
    (tmp_path / "log.csv").write_text(log(*T1, *T2, *T3))
    with Store(db) as store:
        ingest(
            store,
            fmt="ticket_events",
            files=[tmp_path / "log.csv"],
            options=IngestOptions(mapping=tmp_path / "m.yaml"),
        )
    return db
