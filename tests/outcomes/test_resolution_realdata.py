"""resolution_rate of conversations on the real Helpdesk ticket log: tickets resolved in
each year (by their first resolution) over tickets created in it, against a short
independent reading of the raw file (the csv module; the mapping's activities: "Resolve
ticket" and "Closed" resolve). Skipped without ../shared."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from contactcenter.app.report import report_result
from contactcenter.sources import IngestOptions, ingest
from contactcenter.store import Store

pytestmark = pytest.mark.realdata
MAPPING = Path(__file__).resolve().parents[2] / "data" / "mappings" / "helpdesk.yaml"


def by_year(path: Path) -> tuple[Counter[int], Counter[int]]:
    """Tickets created and tickets first resolved, per year (UTC)."""
    created: dict[str, dt.datetime] = {}
    resolved: dict[str, dt.datetime] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            case, at = r["case:concept:name"], dt.datetime.fromisoformat(r["time:timestamp"])
            created[case] = min(at, created.get(case, at))
            if r["concept:name"] in ("Resolve ticket", "Closed"):
                resolved[case] = min(at, resolved.get(case, at))
    return Counter(t.year for t in created.values()), Counter(t.year for t in resolved.values())


def test_helpdesk_resolution_rate_by_year(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "helpdesk-ticket-eventlog" / "helpdesk.csv"
    created, resolved = by_year(path)
    db = tmp_path / "h.duckdb"
    with Store(db) as store:
        ingest(store, fmt="ticket_events", files=[path], options=IngestOptions(mapping=MAPPING))
    result = report_result(
        db, by="year", metrics="resolution_rate,resolved_in_period,conversations", tz="UTC"
    )
    got = {int(r["year"]): r for r in result.rows()}
    assert set(got) == set(created) | set(resolved)
    for year, row in got.items():
        assert row["conversations"] == created[year], year
        assert row["resolved_in_period"] == resolved[year], year
        want = resolved[year] / created[year] if created[year] else None
        assert row["resolution_rate"] == pytest.approx(want), year
    # some tickets were never resolved
    assert sum(resolved.values()) < sum(created.values())
