"""Scorecards: agents ranked by a metric with a volume guard, the team median and each
agent's percentile (issue 11, section 4), hand-checked."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

import contactcenter as cc
from contactcenter.cli.main import app
from contactcenter.errors import InputError
from contactcenter.store import Store
from tests.conftest import contacts_table

T0 = dt.datetime(2024, 3, 4, 8, tzinfo=dt.UTC)

# talk times per agent (all answered, ended): AHT ann 100, bob 200, cat 150, dan 50 (1
# contact only), eve 200; one unanswered contact (no agent)
TALKS = {
    "ann": [90.0, 110.0, 100.0],
    "bob": [200.0, 200.0],
    "cat": [150.0, 150.0],
    "dan": [50.0],
    "eve": [100.0, 300.0],
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    rows = []
    for i, (agent, talks) in enumerate(TALKS.items()):
        for j, talk in enumerate(talks):
            rows.append(
                {
                    "contact_id": f"{agent}{j}",
                    "offered_at": T0 + dt.timedelta(minutes=10 * i + j),
                    "outcome": "answered",
                    "wait_s": 5.0,
                    "queue": "sales",
                    "agent_id": agent,
                    "talk_s": talk,
                }
            )
    rows.append({"contact_id": "x", "offered_at": T0, "outcome": "abandoned", "wait_s": 9.0})
    path = tmp_path / "s.duckdb"
    with Store(path) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = len(rows)
        session.write("contacts", contacts_table(rows))
    return path


def test_rank_with_a_volume_guard_medians_and_percentiles(db: Path) -> None:
    table = cc.report(db, by="agent", metrics="aht_s", sort="aht_s", min_contacts=2)
    rows = table.to_pylist()
    assert table.column_names[:4] == ["agent", "rank", "aht_s", "contacts_handled"]
    got = [(r["agent"], r["rank"], r["aht_s"]) for r in rows]
    # team (>= 2 contacts): ann 100, cat 150, bob 200, eve 200 -> ranks 1, 2, 3, 3
    assert got == [
        ("ann", 1, 100.0),
        ("cat", 2, 150.0),
        ("bob", 3, 200.0),
        ("eve", 3, 200.0),
        ("dan", None, 50.0),  # 1 contact: listed apart
        (None, None, None),  # the unanswered contact's row
    ]
    by_agent = {r["agent"]: r for r in rows}
    # median of the team's AHT: (150 + 200) / 2
    assert {r["aht_s_team_median"] for r in rows} == {175.0}
    # percentile: (below + half of equal) / 4
    assert by_agent["ann"]["aht_s_percentile"] == pytest.approx(0.5 / 4)
    assert by_agent["bob"]["aht_s_percentile"] == pytest.approx((2 + 1) / 4)
    assert by_agent["dan"]["aht_s_percentile"] == pytest.approx(0.0)
    assert by_agent[None]["contacts_handled_percentile"] is None  # no agent, no percentile
    # contacts handled: median of 3, 2, 2, 2
    assert by_agent["ann"]["contacts_handled_team_median"] == 2.0


def test_descending_and_top(db: Path) -> None:
    rows = cc.report(
        db, by="agent", metrics="aht_s", sort="aht_s", desc=True, min_contacts=2, top=2
    ).to_pylist()
    assert [(r["agent"], r["rank"]) for r in rows] == [
        ("bob", 1),
        ("eve", 1),
        ("dan", None),
        (None, None),
    ]


def test_ranking_needs_agent_and_a_known_metric(db: Path) -> None:
    with pytest.raises(InputError, match="needs agent among"):
        cc.report(db, by="queue", metrics="aht_s", sort="aht_s")
    with pytest.raises(InputError, match="unknown metric 'speed'"):
        cc.report(db, by="agent", sort="speed")
    with pytest.raises(InputError, match="needed by --desc"):
        cc.report(db, by="agent", top=3)


def test_csv_export_through_the_cli(db: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "report", "--db", str(db), "--by", "agent", "--metrics", "aht_s", "--sort",
            "aht_s", "--min-contacts", "2", "--top", "1", "--format", "csv",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["agent"], r["rank"]) for r in rows] == [("ann", "1"), ("dan", ""), ("", "")]
    bad = CliRunner().invoke(app, ["report", "--db", str(db), "--by", "agent", "--top", "0",
                                   "--sort", "aht_s"])  # fmt: skip
    assert bad.exit_code == 2
    assert "--top must be >= 1" in bad.stderr
