"""`contactcenter report` and `contactcenter metrics` as a user runs them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.metrics import catalog
from contactcenter.store import Store
from tests.conftest import contacts_table

runner = CliRunner()
T0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    rows = [
        {
            "offered_at": T0,
            "outcome": "answered",
            "wait_s": 10.0,
            "queue": "billing",
            "agent_id": "ann",
            "talk_s": 120.0,
        },
        {
            "offered_at": T0 + dt.timedelta(minutes=5),
            "outcome": "answered",
            "wait_s": 40.0,
            "queue": "billing",
            "agent_id": "bob",
            "talk_s": 60.0,
        },
        {
            "offered_at": T0 + dt.timedelta(minutes=40),
            "outcome": "abandoned",
            "wait_s": 12.0,
            "queue": "sales",
        },
        {
            "offered_at": T0 + dt.timedelta(days=1),
            "outcome": "answered",
            "wait_s": 2.0,
            "queue": "sales",
            "agent_id": "ann",
            "talk_s": 30.0,
        },
    ]
    with Store(path) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = len(rows)
        session.write("contacts", contacts_table(rows))
    return path


def test_csv_has_documented_columns(db: Path) -> None:
    result = runner.invoke(
        app, ["report", "--db", str(db), "--by", "queue,interval", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    header = lines[0].split(",")
    assert header == ["queue", "interval_start", *(m.name for m in catalog() if m.default)]
    assert lines[1].startswith("billing,2024-03-01 08:00:00,2,2,0,")
    assert len(lines) == 4  # billing 08:00, sales 08:30, sales next day


def test_json_rows_and_threshold_flag(db: Path) -> None:
    result = runner.invoke(
        app, ["report", "--db", str(db), "--by", "day", "--threshold", "45s", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"parameters", "notes", "rows"}
    first = doc["rows"][0]
    assert first["day"] == "2024-03-01"
    assert first["offered"] == 3
    assert first["service_level"] == pytest.approx(2 / 3)  # both answered within 45 s
    assert any("hold_s" in note for note in doc["notes"])


def test_table_is_for_people(db: Path) -> None:
    result = runner.invoke(app, ["report", "--db", str(db), "--by", "queue"])
    assert result.exit_code == 0, result.output
    assert "service_level" in result.stdout
    assert "50.0%" in result.stdout  # billing: 1 of 2 within 20 s


def test_xlsx_parquet_html_files(db: Path, tmp_path: Path) -> None:
    for fmt in ("xlsx", "parquet", "html"):
        out = tmp_path / f"r.{fmt}"
        result = runner.invoke(
            app, ["report", "--db", str(db), "--by", "queue", "--format", fmt, "--output", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.column("queue").to_pylist() == ["billing", "sales"]
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book["report"]["A1"].value == "queue"
    assert book["definitions"]["A2"].value == "offered"
    html = (tmp_path / "r.html").read_text()
    assert "Service level per interval against the target" in html
    assert html.count("<svg") == 3  # SL, volume, abandon rate: inline SVG, no library


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "queue,colour"], "--by: unknown key(s) colour"),
        (["--target", "1.5"], "--target must be in (0, 1)"),
        (["--interval", "7m"], "--interval must divide a day"),
        (["--threshold", "twenty"], "--threshold: cannot read 'twenty'"),
        (["--format", "pdf"], "--format: unknown format 'pdf'"),
        (["--format", "xlsx"], "give --output"),
        (["--tz", "Mars/Olympus"], "unknown time zone"),
        (["--from", "yesterday"], "--from: cannot read"),
        (["--metrics", "happiness"], "unknown metric(s) happiness"),
    ],
)
def test_bad_options_give_one_line_and_status_2(db: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["report", "--db", str(db), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_store(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_filters_by_time_and_queue(db: Path) -> None:
    result = runner.invoke(
        app,
        [
            "report",
            "--db",
            str(db),
            "--from",
            "2024-03-01 08:30",
            "--to",
            "2024-03-02",
            "--queue",
            "sales",
            "--format",
            "json",
            "--metrics",
            "offered,abandoned",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == [{"offered": 1, "abandoned": 1}]


def test_metrics_lists_the_catalog_with_formulas() -> None:
    result = runner.invoke(app, ["metrics", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == [m.name for m in catalog()]
    sl = next(r for r in rows if r["name"] == "service_level")
    assert sl["formula"] == "answered_in_threshold / (offered_timed − short_abandoned)"


def test_docs_metrics_page_embeds_the_catalog() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text()
    result = runner.invoke(app, ["metrics", "--format", "markdown"])
    assert result.exit_code == 0
    assert result.stdout in page, (
        "regenerate docs/metrics.md: contactcenter metrics --format markdown"
    )


def test_the_table_shows_conversation_metrics_for_conversation_channels(
    db: Path, tmp_path: Path
) -> None:
    tickets = tmp_path / "t.csv"
    tickets.write_text(
        "case:concept:name,concept:name,org:resource,time:timestamp\n"
        "T1,Insert ticket,A,2024-03-01 09:00:00+00:00\n"
        "T1,Take in charge ticket,B,2024-03-01 09:10:00+00:00\n"
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text("activities: {Take in charge ticket: responded}\n")
    args = ["ingest", "--db", str(db), "--format", "ticket_events", "--mapping", str(mapping)]
    assert runner.invoke(app, [*args, str(tickets)]).exit_code == 0
    voice = runner.invoke(app, ["report", "--db", str(db)])
    assert "offered" in voice.stdout
    assert "first_response_s" not in voice.stdout
    got = runner.invoke(app, ["report", "--db", str(db), "--channel", "ticket"])
    assert got.exit_code == 0, got.output
    assert "first_response_s" in got.stdout
    assert "offered" not in got.stdout
    assert "600.0" in got.stdout
    as_csv = runner.invoke(
        app, ["report", "--db", str(db), "--channel", "ticket", "--format", "csv"]
    )
    header = as_csv.stdout.splitlines()[0].split(",")
    assert "offered" not in header
    assert {"conversations", "first_response_s", "concurrency"} <= set(header)
    agents = runner.invoke(app, ["report", "--db", str(db), "--channel", "ticket", "--by", "agent"])
    assert "conversations_handled" in agents.stdout


def test_the_table_of_a_store_without_calls_shows_conversations(tmp_path: Path) -> None:
    tweets = tmp_path / "tw.csv"
    tweets.write_text(
        ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "0,1,c1,True,Fri Mar 01 09:00:00 +0000 2024,@B hi,2,\n"
        "1,2,B,False,Fri Mar 01 09:01:30 +0000 2024,@c1 yes,,1\n"
    )
    db = tmp_path / "s.duckdb"
    assert (
        runner.invoke(app, ["ingest", "--db", str(db), "--format", "twcs", str(tweets)]).exit_code
        == 0
    )
    got = runner.invoke(app, ["report", "--db", str(db), "--by", "queue"])
    assert got.exit_code == 0, got.output
    assert "first_response_s" in got.stdout
    assert "90.0" in got.stdout
    assert "offered" not in got.stdout
