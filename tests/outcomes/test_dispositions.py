"""Dispositions (wrap-up codes) and complaints: from a contacts file, a mapped CSV and a
queue_log event named at ingest; ``--by disposition``, ``complaints``, ``complaint_rate``
with the codes from a YAML file or the config; old stores without the column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from contactcenter.app.ingest import ingest
from contactcenter.app.report import report_result
from contactcenter.cli.main import app
from contactcenter.errors import InputError

runner = CliRunner()

CONTACTS = (
    "contact_id,offered_at,outcome,agent_id,disposition,resolved\n"
    "k1,2024-03-01 09:00,answered,a1,BILLING,true\n"
    "k2,2024-03-01 09:10,answered,a1,COMPLAINT_PRODUCT,false\n"
    "k3,2024-03-01 09:20,answered,a2, COMPLAINT_STAFF ,\n"
    "k4,2024-03-01 09:30,answered,a2,,\n"
    "k5,2024-03-01 09:40,abandoned,,,\n"
    "k6,2024-03-01 09:50,answered,a1,BILLING,maybe\n"
)
CODES = "- COMPLAINT_PRODUCT\n- COMPLAINT_STAFF\n"


def rows(result: Any, key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in result.rows()}


@pytest.fixture
def contacts_db(tmp_path: Path) -> Path:
    (tmp_path / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    (tmp_path / "complaints.yaml").write_text(CODES, encoding="utf-8")
    db = tmp_path / "cc.duckdb"
    loaded = ingest(db, tmp_path / "contacts.csv", format="contacts")
    assert loaded.lines_used == 5
    assert loaded.rejected == {"resolved is not true/false": 1}
    return db


def test_by_disposition_and_complaint_rate(contacts_db: Path) -> None:
    codes = contacts_db.parent / "complaints.yaml"
    by = rows(
        report_result(contacts_db, by="disposition", metrics="offered,answered"), "disposition"
    )
    assert {k: r["offered"] for k, r in by.items()} == {
        "BILLING": 1,
        "COMPLAINT_PRODUCT": 1,
        "COMPLAINT_STAFF": 1,  # trimmed
        None: 2,  # k4 (no code), k5 (abandoned)
    }
    names = "dispositioned,complaints,complaint_rate"
    result = report_result(contacts_db, metrics=names, complaints=codes)
    (row,) = result.rows()
    assert (row["dispositioned"], row["complaints"]) == (3, 2)
    assert row["complaint_rate"] == pytest.approx(2 / 3)
    assert any("COMPLAINT_PRODUCT, COMPLAINT_STAFF" in n for n in result.notes), result.notes
    agents = rows(report_result(contacts_db, by="agent", metrics=names, complaints=codes), "agent")
    assert agents["a1"]["complaint_rate"] == pytest.approx(1 / 2)
    assert agents["a2"]["complaint_rate"] == 1.0
    # the codes as a list, or from the config file's complaints key
    (listed,) = report_result(contacts_db, metrics=names, complaints=["COMPLAINT_STAFF"]).rows()
    assert listed["complaint_rate"] == pytest.approx(1 / 3)
    config = contacts_db.parent / "config.yaml"
    config.write_text("complaints: [COMPLAINT_PRODUCT]\n", encoding="utf-8")
    (by_config,) = report_result(contacts_db, metrics=names, config=config).rows()
    assert by_config["complaint_rate"] == pytest.approx(1 / 3)
    # without codes: no contact can be told a complaint
    bare = report_result(contacts_db, metrics=names)
    (none,) = bare.rows()
    assert none["complaints"] == 0
    assert none["complaint_rate"] is None
    assert any("no complaint codes were given" in n for n in bare.notes)


def test_declared_resolution_from_the_contacts_column(contacts_db: Path) -> None:
    result = report_result(contacts_db, metrics="fcr_declared")
    (row,) = result.rows()
    assert row["fcr_declared"] == pytest.approx(1 / 2)  # k1 yes, k2 no
    assert any("resolution flag for 2 answered contacts" in n for n in result.notes)


def test_reloading_changes_nothing_and_old_stores_read(contacts_db: Path) -> None:
    again = ingest(contacts_db, contacts_db.parent / "contacts.csv", format="contacts")
    assert again.tables["contacts"] == {"inserted": 0, "updated": 0}
    # a store written before the columns existed: read as null, gained at the next load
    with duckdb.connect(str(contacts_db)) as con:
        con.execute("ALTER TABLE contacts DROP COLUMN disposition")
        con.execute("ALTER TABLE contacts DROP COLUMN resolved")
    (old,) = report_result(contacts_db, by="disposition", metrics="offered").rows()
    assert old == {"disposition": None, "offered": 5}
    reloaded = ingest(contacts_db, contacts_db.parent / "contacts.csv", format="contacts")
    assert reloaded.tables["contacts"] == {"inserted": 0, "updated": 3}  # k1-k3 got codes
    by = rows(report_result(contacts_db, by="disposition", metrics="offered"), "disposition")
    assert by["BILLING"]["offered"] == 1


def test_mapped_csv(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text(
        "Call;Start;Result;Wrap;FCR\n"
        "1;01.03.2024 09:00;ANS;Billing;Y\n"
        "2;01.03.2024 09:05;ANS;Complaint;N\n"
        "3;01.03.2024 09:06;ANS;Complaint;?\n",
        encoding="utf-8",
    )
    (tmp_path / "map.yaml").write_text(
        "delimiter: ';'\n"
        "timestamp_format: '%d.%m.%Y %H:%M'\n"
        "columns:\n"
        "  contact_id: Call\n"
        "  offered_at: Start\n"
        "  outcome: {column: Result, values: {ANS: answered}}\n"
        "  disposition: Wrap\n"
        "  resolved: {column: FCR, values: {'Y': true, 'N': false}}\n",
        encoding="utf-8",
    )
    db = tmp_path / "cc.duckdb"
    loaded = ingest(db, tmp_path / "export.csv", format="csv", mapping=tmp_path / "map.yaml")
    assert loaded.lines_used == 2
    assert sum(loaded.rejected.values()) == 1
    result = report_result(db, metrics="complaint_rate,fcr_declared", complaints=["Complaint"])
    (row,) = result.rows()
    assert row["complaint_rate"] == pytest.approx(1 / 2)
    assert row["fcr_declared"] == pytest.approx(1 / 2)


QUEUE_LOG = (
    "1700000000|c1|sales|NONE|ENTERQUEUE||5551234|1\n"
    "1700000010|c1|sales|Agent/1|CONNECT|10|c1.1|2\n"
    "1700000100|c1|sales|Agent/1|COMPLETECALLER|10|90|1\n"
    "1700000105|c1|sales|Agent/1|WRAPUP|COMPLAINT\n"
    "1700000200|c2|sales|NONE|ENTERQUEUE||5550000|1\n"
    "1700000205|c2|sales|Agent/2|CONNECT|5|c2.1|2\n"
    "1700000300|c2|sales|Agent/2|COMPLETEAGENT|5|95|1\n"
    "1700000301|c2|sales|Agent/2|WRAPUP|SALE\n"
    "1700000400|c3|sales|NONE|ENTERQUEUE||5551111|1\n"
    "1700000410|c3|sales|NONE|ABANDON|1|1|10\n"
)


def codes(db: Path) -> dict[str | None, int]:
    result = report_result(db, by="disposition", metrics="offered")
    return {r["disposition"]: r["offered"] for r in result.rows()}


def test_queue_log_disposition_event(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text(QUEUE_LOG, encoding="utf-8")
    db = tmp_path / "cc.duckdb"
    first = ingest(db, log, format="queue_log")
    assert first.ignored == {"event WRAPUP not used": 2}
    assert codes(db) == {None: 3}
    # the same file read with the event named: its lines are used now, the calls derived
    # again from every stored event
    second = ingest(db, log, format="queue_log", disposition_event="WRAPUP")
    assert second.lines_used == 2
    assert second.ignored == {"already in the store": 8}
    assert second.tables["contacts"]["updated"] == 2
    assert codes(db) == {"COMPLAINT": 1, "SALE": 1, None: 1}
    third = ingest(db, log, format="queue_log", disposition_event="WRAPUP")
    assert third.lines_used == 0
    assert third.tables.get("contacts", {}).get("updated", 0) == 0
    # a later code for c2 wins; a load without the option keeps the stored codes
    later = tmp_path / "queue_log.2"
    later.write_text("1700000500|c2|sales|Agent/2|WRAPUP|COMPLAINT\n", encoding="utf-8")
    ingest(db, later, format="queue_log", disposition_event="WRAPUP")
    assert codes(db) == {"COMPLAINT": 2, None: 1}
    more = tmp_path / "queue_log.3"
    more.write_text("1700000600|c1|sales|Agent/1|RINGNOANSWER|1000\n", encoding="utf-8")
    ingest(db, more, format="queue_log")
    assert codes(db) == {"COMPLAINT": 2, None: 1}
    (row,) = report_result(db, metrics="complaint_rate", complaints=["COMPLAINT"]).rows()
    assert row["complaint_rate"] == 1.0


def test_bad_options(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text(QUEUE_LOG, encoding="utf-8")
    with pytest.raises(InputError, match="must be a queue_log verb"):
        ingest(tmp_path / "cc.duckdb", log, format="queue_log", disposition_event="CONNECT")
    db = tmp_path / "cc.duckdb"
    ingest(db, log, format="queue_log")
    bad = tmp_path / "bad.yaml"
    bad.write_text("complaints: {a: 1}\n", encoding="utf-8")
    result = runner.invoke(
        app, ["report", "--db", str(db), "--metrics", "complaint_rate", "--complaints", str(bad)]
    )
    assert result.exit_code == 2
    assert "--complaints" in result.output
    assert "list of disposition codes" in result.output
    result = runner.invoke(
        app,
        ["ingest", "--db", str(db), "--format", "queue_log", "--disposition-event", "x", str(log)],
    )
    assert result.exit_code == 2
    assert "--disposition-event" in result.output
    ok = runner.invoke(
        app,
        [
            "report",
            "--db",
            str(db),
            "--by",
            "disposition",
            "--metrics",
            "complaint_rate",
            "--format",
            "json",
            "--complaints",
            str(tmp_path / "codes.yaml"),
        ],
    )
    assert ok.exit_code == 2  # the file does not exist
    (tmp_path / "codes.yaml").write_text("[COMPLAINT]\n", encoding="utf-8")
    ok = runner.invoke(
        app,
        [
            "report",
            "--db",
            str(db),
            "--by",
            "disposition",
            "--metrics",
            "complaint_rate",
            "--format",
            "json",
            "--complaints",
            str(tmp_path / "codes.yaml"),
        ],
    )
    assert ok.exit_code == 0, ok.output
    body = json.loads(ok.stdout)
    assert {r["disposition"]: r["complaint_rate"] for r in body["rows"]} == {None: None}
