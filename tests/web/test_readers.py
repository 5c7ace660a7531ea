"""The engines a server keeps between requests (``web.readers``, ``Engine.run``): a kept
engine answers what a fresh one answers, sees every load committed before the report
starts, and is opened again when a load creates a table."""

from __future__ import annotations

from pathlib import Path

from contactcenter.app.report import report_result
from contactcenter.live.writer import LiveStore
from contactcenter.reports.render import render_json
from contactcenter.web.readers import Readers
from tests.web.conftest import QUEUE_LOG

OPTIONS = {"by": "queue,interval", "start": "2024-03-01", "end": "2024-03-02"}


def test_a_kept_engine_answers_as_a_fresh_one_after_every_load(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    live = LiveStore(db)  # the server's writer holds the store
    readers = Readers(db)
    lines = QUEUE_LOG.encode().splitlines()
    try:
        for k, cut in enumerate([12, 40, 77, len(lines)]):
            start = [0, 12, 40, 77][k]
            live.load_lines(name="api-events", data=b"\n".join(lines[start:cut]))
            kept = report_result(db, **OPTIONS, opened=readers.engine())
            fresh = report_result(db, **OPTIONS)
            assert render_json(kept) == render_json(fresh)
            again = report_result(db, **OPTIONS, opened=readers.engine())  # the kept SQL
            assert render_json(again) == render_json(fresh)
        (total,) = report_result(db, metrics="offered", opened=readers.engine()).rows()
        assert total["offered"] == 40  # every call of QUEUE_LOG, once
    finally:
        readers.close()
        live.close()


def test_an_engine_is_opened_again_when_the_tables_change(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    live = LiveStore(db)
    readers = Readers(db)
    try:
        first = readers.engine()
        assert readers.engine() is first  # kept while nothing changes
        live.store.con.execute("CREATE TABLE later_table (x INTEGER)")
        assert readers.engine() is not first
    finally:
        readers.close()
        live.close()
