"""ingest, report and metrics as Python functions: the CLI's values, typed, errors by field;
and the report's file outputs that protect the store and its reader."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

import contactcenter
from contactcenter.cli.main import app
from contactcenter.errors import InputError, StoreError
from contactcenter.reports.query import ReportResult
from contactcenter.reports.writers import neutralise_cell
from contactcenter.store import LoadReport

runner = CliRunner()

QUEUE_LOG = """\
1709280000|c1|sales|NONE|ENTERQUEUE||5551|1
1709280005|c1|sales|Agent/2|RINGNOANSWER|5000
1709280012|c1|sales|Agent/1|CONNECT|12|c1b|3
1709280200|c1|sales|Agent/1|COMPLETECALLER|12|188|1
1709280100|c2|=HYPERLINK("http://x")|NONE|ENTERQUEUE||5552|1
1709280130|c2|=HYPERLINK("http://x")|NONE|ABANDON|1|1|30
1709281900|c3|sales|NONE|ENTERQUEUE||5553|1
1709281903|c3|sales|Agent/1|CONNECT|3|c3b|2
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    log = tmp_path / "queue_log"
    log.write_text(QUEUE_LOG)
    path = tmp_path / "cc.duckdb"
    report = contactcenter.ingest(path, log, format="queue_log")
    assert isinstance(report, LoadReport)
    return path


def cli_csv(args: list[str]) -> list[dict[str, str]]:
    result = runner.invoke(app, ["report", *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"by": "queue,interval", "interval": "15m"},
        {"by": ("day", "agent"), "threshold": "10s", "short_abandon": 0},
        {"by": "month,queue", "metrics": "offered,service_level,in_talk,ring_no_answer"},
        {"by": "quarter", "queues": "sales", "tz": "Europe/Vilnius", "target": 0.9},
    ],
)
def test_report_is_the_csv_of_the_cli(db: Path, options: dict[str, object]) -> None:
    table = contactcenter.report(db, **options)  # type: ignore[arg-type]
    assert isinstance(table, pa.Table)
    args = ["--db", str(db)]
    for key, value in options.items():
        flag = {"queues": "--queue"}.get(key, "--" + key.replace("_", "-"))
        args += [flag, value if isinstance(value, str) else ",".join(map(str, value))
                 if isinstance(value, tuple) else str(value)]  # fmt: skip
    rows = cli_csv(args)
    assert table.column_names == list(rows[0])
    assert len(rows) == table.num_rows
    for got, want in zip(table.to_pylist(), rows, strict=True):
        # the CSV is the table with formula-like text cells quoted (docs/cli.md)
        expected = {k: "" if v is None else str(v) for k, v in got.items()}
        expected = {k: neutralise_cell(v) for k, v in expected.items()}
        assert expected == want


def test_the_report_table_carries_its_notes_and_zone(db: Path) -> None:
    table = contactcenter.report(db, by="queue")
    result = ReportResult.from_table(table)
    assert result.tz == "UTC"
    assert any("still talking" in note for note in result.notes)
    assert result.parameters["by"] == ["queue"]
    row = next(r for r in table.to_pylist() if r["queue"] == "sales")
    assert (row["answered"], row["in_talk"], row["aht_s"]) == (2, 1, 188.0)


def test_errors_name_the_keyword(db: Path) -> None:
    cases = [
        ({"by": "team"}, "by"),
        ({"interval": "7m"}, "interval"),
        ({"target": 1.5}, "target"),
        ({"metrics": "happiness"}, "metrics"),
        ({"start": "yesterday"}, "start"),
        ({"engine": "oracle"}, "engine"),
    ]
    for options, field in cases:
        with pytest.raises(InputError) as info:
            contactcenter.report(db, **options)  # type: ignore[arg-type]
        assert info.value.field == field, options
    with pytest.raises(StoreError) as store_info:
        contactcenter.report(db.with_name("missing.duckdb"))
    assert store_info.value.field == "db"


def test_metrics_lists_the_catalog() -> None:
    names = [m.name for m in contactcenter.catalog()]
    assert "service_level" in names
    assert "in_talk" in names
    assert [m.name for m in contactcenter.catalog("aht_s,offered")] == ["offered", "aht_s"]
    assert contactcenter.catalog("ring_no_answer")[0].facts == ("ring_outs",)


def test_ingest_checks_before_it_creates_a_store(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    with pytest.raises(InputError) as info:
        contactcenter.ingest(path, tmp_path / "absent.log", format="queue_log")
    assert info.value.field == "files"
    with pytest.raises(InputError) as fmt:
        contactcenter.ingest(path, tmp_path / "absent.log", format="asterisk")
    assert fmt.value.field == "format"
    assert not path.exists()


# --------------------------------------------------------------------------- outputs
def test_the_store_cannot_be_the_output(db: Path) -> None:
    before = db.read_bytes()
    for target in (db, db.with_name(db.name + ".rejects.csv")):
        result = runner.invoke(
            app, ["report", "--db", str(db), "--format", "csv", "--output", str(target)]
        )
        assert result.exit_code == 2
        assert "the store's own file" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "parquet", "html", "table"])
def test_an_output_that_cannot_be_written_is_one_line(db: Path, tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    for target, status in ((folder, 2), (Path("/dev/full"), 1)):
        result = runner.invoke(
            app, ["report", "--db", str(db), "--format", fmt, "--output", str(target)]
        )
        assert result.exit_code == status, (fmt, target, result.output)
        assert result.stderr.startswith("error: --output: "), result.stderr
        assert ("is a folder" if status == 2 else "No space left") in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert list(folder.iterdir()) == []


def test_names_with_control_characters_are_escaped_in_the_terminal(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text(
        "1709280000|c1|evil\x1b[2J\x1b]0;pwned\x07|NONE|ENTERQUEUE||1|1\n"
        "1709280010|c1|evil\x1b[2J\x1b]0;pwned\x07|NONE|ABANDON|1|1|10\n"
    )
    db = tmp_path / "cc.duckdb"
    contactcenter.ingest(db, log, format="queue_log")
    result = runner.invoke(app, ["report", "--db", str(db), "--by", "queue"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert "\x07" not in result.stdout
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07" in result.stdout


def test_xlsx_writes_names_as_text_not_formulas(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    result = runner.invoke(
        app, ["report", "--db", str(db), "--by", "queue", "--format", "xlsx", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["report"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("http://x")' in cells
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type != "f"


def test_report_csv_neutralises_formula_cells(db: Path) -> None:
    rows = cli_csv(["--db", str(db), "--by", "queue"])
    assert {r["queue"] for r in rows} == {"sales", '\'=HYPERLINK("http://x")'}
    assert all(not r["offered"].startswith("'") for r in rows)  # numbers stay numbers


def test_json_keeps_every_row(db: Path) -> None:
    result = runner.invoke(app, ["report", "--db", str(db), "--by", "queue", "--format", "json"])
    doc = json.loads(result.stdout)
    assert {r["queue"] for r in doc["rows"]} == {"sales", '=HYPERLINK("http://x")'}


def test_a_store_holding_instants_at_the_ends_of_the_calendar_still_reports(
    tmp_path: Path,
) -> None:
    """Year 1 and 9999-12-31 23:00 UTC (year 10000 in Tokyo): every key and format works."""
    import datetime as dt

    from contactcenter.store import Store
    from tests.conftest import contacts_table

    db = tmp_path / "far.duckdb"
    rows = [
        {"offered_at": dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC), "outcome": "answered",
         "wait_s": 5.0},
        {"offered_at": dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.UTC), "outcome": "abandoned",
         "wait_s": 3.0},
        {"offered_at": dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC), "outcome": "answered",
         "wait_s": 5.0},
    ]  # fmt: skip
    with Store(db) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = len(rows)
        session.write("contacts", contacts_table(rows))
    days = contactcenter.report(db, by="day", tz="Asia/Tokyo", metrics="offered")
    assert days.column("day").to_pylist() == ["0001-01-01", "2024-03-01", "10000-01-01"]
    for by in ("interval", "hour", "week", "month", "quarter", "year"):
        table = contactcenter.report(db, by=by, tz="Europe/Vilnius", metrics="offered")
        assert sum(table.column("offered").to_pylist()) == 3, by
    for fmt in ("html", "xlsx", "parquet", "json", "csv", "table"):
        out = tmp_path / f"far.{fmt}"
        result = runner.invoke(
            app, ["report", "--db", str(db), "--by", "interval", "--format", fmt,
                  "--output", str(out)],
        )  # fmt: skip
        assert result.exit_code == 0, (fmt, result.output)
        assert out.stat().st_size > 0
