"""The survey formats: canonical CSV/Parquet and a mapped export, every line accounted
for, a score outside its scale rejected with its line number, loading twice a no-op."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from contactcenter.app.ingest import ingest
from contactcenter.cli.main import app
from contactcenter.errors import ConfigError, FormatError
from contactcenter.store import Store

CANONICAL = """survey_id,kind,answered_at,score,scale_min,scale_max,agent_id,contact_id,comment
r1,csat,2024-03-01 09:00:00,5,1,5,ann,c1,great
r1,nps,2024-03-01 09:00:00,10,0,10,ann,c1,

r2,csat,2024-03-01 10:00:00,6,1,5,bob,c2,too high
r3,CES,2024-03-01T10:00:00+02:00,6,1,7,bob,c3,
r3,ces,2024-03-01T08:00:00Z,6,1,7,bob,c3,
r3,ces,2024-03-01T10:00:00Z,5,1,7,bob,c3,
r4,foo,2024-03-01,1,1,5,,,
r5,csat,yesterday,1,1,5,,,
r6,csat,2024-03-01,x,1,5,,,
r7,csat,2024-03-01,3,5,1,,,
r8,csat,2024-03-01,-1,0,10,,,
"""


def rejects(db: Path) -> list[dict[str, str]]:
    with Path(f"{db}.rejects.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def stored(db: Path) -> list[dict[str, object]]:
    with Store(db) as store:
        rows: list[dict[str, object]] = store.table("surveys").to_pylist()
    return rows


def test_canonical_csv_accounts_for_every_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(CANONICAL, encoding="utf-8")
    db = tmp_path / "cc.duckdb"
    report = ingest(db, [path], format="surveys")
    assert report.lines_read == 13
    assert report.lines_used == 3  # r1 csat, r1 nps, r3 ces
    assert report.ignored == {"blank line": 1, "duplicate row": 1, "header": 1}
    got = {(r["line_no"], r["reason"]) for r in rejects(db)}
    assert got == {
        ("5", "score 6 is outside its scale 1-5"),
        ("8", "survey_id and kind repeated with different values"),
        ("9", "kind 'foo' is not one of csat, nps, ces, agent_rating, resolved, custom"),
        ("10", "answered_at is not a timestamp (ISO 8601)"),
        ("11", "score is not a number"),
        ("12", "scale_min 5 is not below scale_max 1"),
        ("13", "score -1 is outside its scale 0-10"),
    }
    rows = {(r["survey_id"], r["kind"]): r for r in stored(db)}
    assert set(rows) == {("r1", "csat"), ("r1", "nps"), ("r3", "ces")}
    assert rows[("r1", "csat")]["comment"] == "great"
    assert rows[("r1", "nps")]["comment"] is None
    assert rows[("r3", "ces")]["answered_at"] == dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)
    assert rows[("r3", "ces")]["source"] == "surveys"
    again = ingest(db, [path], format="surveys")
    assert again.tables["surveys"] == {"inserted": 0, "updated": 0}
    assert len(stored(db)) == 3


def test_a_corrected_score_replaces_the_stored_answer(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    first = tmp_path / "a.csv"
    first.write_text(
        "survey_id,kind,answered_at,score,scale_min,scale_max\nr1,csat,2024-03-01,2,1,5\n"
    )
    ingest(db, [first], format="surveys")
    second = tmp_path / "b.csv"
    second.write_text(
        "survey_id,kind,answered_at,score,scale_min,scale_max\nr1,csat,2024-03-01,4,1,5\n"
    )
    report = ingest(db, [second], format="surveys")
    assert report.tables["surveys"] == {"inserted": 0, "updated": 1}
    assert [r["score"] for r in stored(db)] == [4.0]


def test_canonical_parquet_rejects_by_row_number(tmp_path: Path) -> None:
    table = pa.table(
        {
            "survey_id": ["p1", "p2", "p3"],
            "kind": ["nps", "nps", "agent_rating"],
            "answered_at": pa.array(
                [dt.datetime(2024, 3, 1, 9), dt.datetime(2024, 3, 1, 10), None],
                pa.timestamp("s"),
            ),
            "score": [9.0, 11.0, 4.0],
            "scale_min": [0, 0, 1],
            "scale_max": [10, 10, 5],
        }
    )
    path = tmp_path / "answers.parquet"
    pq.write_table(table, path)
    db = tmp_path / "cc.duckdb"
    report = ingest(db, [path], format="surveys")
    assert (report.lines_read, report.lines_used) == (3, 1)
    got = {(r["line_no"], r["reason"]) for r in rejects(db)}
    assert got == {("2", "score 11 is outside its scale 0-10"), ("3", "answered_at is empty")}
    (row,) = stored(db)
    assert row["answered_at"] == dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)


def test_a_file_with_unknown_columns_is_not_a_surveys_file(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("survey_id,kind,answered_at,score,scale_min,scale_max,mood\n")
    with pytest.raises(FormatError, match="unknown columns \\['mood'\\]"):
        ingest(tmp_path / "cc.duckdb", [path], format="surveys")
    assert not (tmp_path / "cc.duckdb").exists()


WIDE = """Response;Call;Agent;Submitted;Satisfied?;Recommend?;Comment
A1;c1;ann;01.03.2024 09:15;5;9;fine
A2;c2;bob;01.03.2024 10:15;;;
A3;c3;bob;01.03.2024 11:15;2;11;
A4;c4;ann;01.03.2024 12:15;4,5;;half
A5;c5;ann;someday;4;7;
"""

WIDE_MAPPING = """source: feedback
time_zone: Europe/Vilnius
delimiter: ";"
decimal: ","
timestamp_format: "%d.%m.%Y %H:%M"
columns:
  survey_id: Response
  contact_id: Call
  agent_id: Agent
  answered_at: Submitted
  comment: Comment
answers:
  - {kind: csat, column: "Satisfied?", scale: [1, 5]}
  - {kind: nps, column: "Recommend?", scale: [0, 10]}
"""


def test_mapped_export_one_response_per_row(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(WIDE, encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(WIDE_MAPPING, encoding="utf-8")
    db = tmp_path / "cc.duckdb"
    report = ingest(db, [path], format="surveys_csv", mapping=mapping)
    assert report.lines_read == 6
    assert report.lines_used == 2  # A1 (two answers), A4
    assert report.ignored == {"header": 1, "no answer": 1}
    got = {(r["line_no"], r["reason"]) for r in rejects(db)}
    assert got == {
        ("4", "score 11 is outside its scale 0-10 (column Recommend?)"),
        ("6", "answered_at is not a timestamp (format '%d.%m.%Y %H:%M')"),
    }
    rows = {(r["survey_id"], r["kind"]): r for r in stored(db)}
    assert set(rows) == {("A1", "csat"), ("A1", "nps"), ("A4", "csat")}
    a1 = rows[("A1", "csat")]
    assert a1["answered_at"] == dt.datetime(2024, 3, 1, 7, 15, tzinfo=dt.UTC)  # Vilnius +2
    assert (a1["source"], a1["source_tz"], a1["agent_id"]) == ("feedback", "Europe/Vilnius", "ann")
    assert rows[("A4", "csat")]["score"] == 4.5


def test_mapped_export_one_answer_per_row(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "id,question,value,top,when\n"
        "L1,Satisfaction,4,5,2024-03-01T09:00:00Z\n"
        "L1,Effort,6,7,2024-03-01T09:00:00Z\n"
        "L2,Mood,3,5,2024-03-01T09:00:00Z\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n"
        "  survey_id: id\n"
        "  answered_at: when\n"
        "  kind: {column: question, values: {Satisfaction: csat, Effort: ces}}\n"
        "  score: value\n"
        "  scale_min: {value: 1}\n"
        "  scale_max: top\n",
        encoding="utf-8",
    )
    db = tmp_path / "cc.duckdb"
    report = ingest(db, [path], format="surveys_csv", mapping=mapping)
    assert (report.lines_read, report.lines_used) == (4, 2)
    ((line, reason),) = {(r["line_no"], r["reason"]) for r in rejects(db)}
    assert line == "4"
    assert reason == "kind: column question has a value that is not in the mapping's values"
    assert {(r["kind"], r["score"]) for r in stored(db)} == {("csat", 4.0), ("ces", 6.0)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("columns: {survey_id: a}\n", "required fields missing"),
        ("columns: {survey_id: a, answered_at: b, mood: c}\n", "unknown fields ['mood']"),
        (
            "columns: {survey_id: a, answered_at: b, score: c}\n"
            "answers: [{kind: csat, column: x, scale: [1, 5]}]\n",
            "come from 'answers'",
        ),
        (
            "columns: {survey_id: a, answered_at: b}\n"
            "answers: [{kind: csat, column: x, scale: [5, 1]}]\n",
            "scale: two whole numbers",
        ),
        (
            "columns: {survey_id: a, answered_at: b}\n"
            "answers: [{kind: joy, column: x, scale: [1, 5]}]\n",
            "is not one of",
        ),
    ],
)
def test_bad_mappings_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c,x\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", "\\[").replace("]", "\\]")) as err:
        ingest(tmp_path / "cc.duckdb", [path], format="surveys_csv", mapping=mapping)
    assert err.value.field == "mapping"


def test_cli_bad_mapping_exits_2_naming_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n")
    result = CliRunner().invoke(
        app, ["ingest", "--db", str(tmp_path / "cc.duckdb"), "--format", "surveys_csv", str(path)]
    )
    assert result.exit_code == 2
    assert "--mapping" in result.output
