"""`contactcenter ingest` as a user runs it: the load report, JSON, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactcenter.cli.ingest_cmd import format_report
from contactcenter.cli.main import app
from contactcenter.store import Store
from tests.sources.conftest import QUEUE_LOG_DIR, lines, write
from tests.sources.test_ingest_queue_log import CALLS, T

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["ingest", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def log(tmp_path: Path) -> Path:
    body = lines(*CALLS, "", f"{T}|NONE|NONE|NONE|QUEUESTART|", "garbage")
    return write(tmp_path / "queue_log", body)


def test_text_report_lists_every_count(tmp_path: Path, log: Path) -> None:
    db = tmp_path / "s.duckdb"
    code, out, err = invoke("--db", str(db), "--format", "queue_log", str(log))
    assert code == 0, err
    assert out.splitlines() == [
        f"loaded 1 file as queue_log into {db} (load 1)",
        "  lines read              21",
        "    used                  18",
        "    ignored                2",
        "               1  blank line",
        "               1  event QUEUESTART not used",
        "    rejected               1",
        "               1  too few fields (need time|callid|queue|agent|event)",
        f"      line numbers and text of rejected lines: {db}.rejects.csv",
        "  contacts                 8 inserted, 0 updated",
        "  agent events             0 inserted",
        "  ring outs                1 inserted, 0 updated",
        "  notes",
        "    - contacts derived in this load: abandoned 2, answered 3, in_progress 1, timed_out 2",
        "    - agent states: 3 answered contacts of 3 agents with no agent event in the store "
        "(no login, pause or queue membership): no states derived for them",
    ]
    assert err == ""
    assert (tmp_path / "s.duckdb.rejects.csv").read_text().splitlines()[1:] == [
        "1,queue_log,21,too few fields (need time|callid|queue|agent|event),garbage"
    ]


def test_json_report_has_the_journal_keys(tmp_path: Path, log: Path) -> None:
    db = tmp_path / "s.duckdb"
    code, out, _ = invoke("--db", str(db), "--format", "queue_log", "--json", str(log))
    assert code == 0
    report = json.loads(out)
    assert report["lines_read"] == 21
    assert report["lines_read"] == (
        report["lines_used"] + report["lines_ignored"] + report["lines_rejected"]
    )
    assert report["ignored_reasons"] == {"blank line": 1, "event QUEUESTART not used": 1}
    assert report["rejects_file"] == f"{db}.rejects.csv"
    assert report["contacts_inserted"] == 8
    with Store(db) as s:
        (row,) = s.journal()
    assert (row["lines_read"], row["contacts_inserted"]) == (21, 8)


def test_second_load_of_the_same_file_inserts_nothing(tmp_path: Path, log: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    invoke("--db", db, "--format", "queue_log", str(log))
    code, out, _ = invoke("--db", db, "--format", "queue_log", "--json", str(log))
    report = json.loads(out)
    assert code == 0
    assert (report["contacts_inserted"], report["contacts_updated"]) == (0, 0)
    assert report["ignored_reasons"]["already in the store"] == 18


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "nope"], "error: --format: unknown format 'nope'; allowed: queue_log,"),
        (["--format", "csv"], "error: format csv needs --mapping FILE.yaml"),
        (["--format", "technion"], "error: {file}:1: not a Technion call file"),
        (["--format", "queue_log_csv"], "error: {file}:1: not a queue_log table export"),
        (["--format", "technion", "--source-tz", "Nowhere"], "error: --source-tz: unknown"),
    ],
)
def test_errors_are_one_line_with_exit_2(
    tmp_path: Path, log: Path, args: list[str], message: str
) -> None:
    db = tmp_path / "s.duckdb"
    code, out, err = invoke("--db", str(db), *args, str(log))
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(message.format(file=log))


def test_not_queue_log_at_all_names_the_file_and_line(tmp_path: Path) -> None:
    other = write(tmp_path / "notes.txt", "\n\nhello world\nsecond line\n")
    code, _, err = invoke("--db", str(tmp_path / "s.duckdb"), "--format", "queue_log", str(other))
    assert code == 2
    assert err == (
        f"error: {other}:3: not a queue_log file: too few fields "
        "(need time|callid|queue|agent|event)\n"
    )


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = invoke("--db", str(tmp_path / "s.duckdb"), "--format", "queue_log", "nope")
    assert code == 2
    assert err == "error: FILE: nope does not exist or is not a file\n"


def test_format_report_without_rejects_or_notes(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with store.load(fmt="queue_log", files=["x"]) as session:
            session.account.read = 1
            session.account.ignore("blank line")
        text = format_report(store.last_report, tmp_path / "s.duckdb")
    assert "rejects" not in text
    assert "notes" not in text
    assert "1  blank line" in text


@pytest.mark.realdata
def test_pbxware_through_the_cli(tmp_path: Path) -> None:
    pbx = QUEUE_LOG_DIR / "pbxware_queue_log.csv"
    if not pbx.is_file():
        pytest.skip("../shared/data is not present beside this checkout")
    code, out, _ = invoke(
        "--db", str(tmp_path / "s.duckdb"), "--format", "queue_log_csv", "--json", str(pbx)
    )
    assert code == 0
    report = json.loads(out)
    assert report["notes"] == [
        "contacts derived in this load: abandoned 12, answered 93, in_progress 2, timed_out 1",
        "agent states derived again for 6 agents",
        "agent states: 12 times an ADDMEMBER of a queue the agent was a member of already: "
        "Agent/1109, Agent/1126, Agent/1127, Agent/1128, Agent/1141 and 1 more",
        "agent states: 4 agents have a state still open at the end of the data (no time "
        "counted for it until a later load brings its end)",
    ]


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from contactcenter.cli import ingest_cmd

    big = write(tmp_path / "f", "x" * 10)
    with ingest_cmd._progress([big]) as update:
        assert update is None  # stderr is not a terminal under pytest
    monkeypatch.setattr(ingest_cmd, "PROGRESS_MIN_BYTES", 1)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with ingest_cmd._progress([big]) as update:
        assert update is not None
        update("f", 5, 10)
        update("f", 10, 10)


def _tab_export(tmp_path: Path) -> Path:
    head = "time\tcallid\tqueuename\tagent\tevent\tdata1\tdata2\tdata3\tdata4\tdata5\n"
    body = "".join(
        "\t".join((f.split("|") + [""] * 10)[:10]) + "\n" for f in CALLS[:4]
    )  # time|callid|queue|agent|event|data1..: the realtime columns in the same order
    return write(tmp_path / "export.tsv", head + body)


def test_delimiter_option_forces_the_separator(tmp_path: Path) -> None:
    tsv = _tab_export(tmp_path)
    db = str(tmp_path / "s.duckdb")
    code, out, err = invoke("--db", db, "--format", "queue_log_csv", "--delimiter", "tab", str(tsv))
    assert code == 0, err
    assert "contacts                 1 inserted" in out
    code, _, err = invoke("--db", db, "--format", "queue_log_csv", "--delimiter", ";", str(tsv))
    assert code == 2
    assert err.startswith(f"error: --delimiter ';': {tsv}:1: ")
    assert "split at tab it is the Asterisk realtime header" in err
    code, _, err = invoke("--db", db, "--format", "queue_log", "--delimiter", ",", str(tsv))
    assert (code, err.split(":")[0:2]) == (
        2,
        ["error", " --delimiter does not apply to format queue_log"],
    )


def test_a_load_of_another_fact_says_nothing_of_contacts(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    roster = write(
        tmp_path / "roster.csv",
        "agent,activity,start,end\n"
        "Agent/1,work,2024-03-04T08:00:00+00:00,2024-03-04T12:00:00+00:00\n"
        "Agent/1,lunch,2024-03-04T12:00:00+00:00,2024-03-04T12:30:00+00:00\n",
    )
    code, out, err = invoke("--db", str(db), "--format", "schedule_csv", str(roster))
    assert code == 0, err
    counted = [line.split()[0] for line in out.splitlines() if "inserted" in line]
    assert counted == ["schedules", "adherence"]
