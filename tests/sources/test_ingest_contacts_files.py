"""Canonical contacts files (Parquet and CSV) and the generic CSV with a YAML mapping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from contactcenter.errors import ConfigError, FormatError, InputError
from contactcenter.facts import CONTACTS
from contactcenter.store import Store
from tests.sources.conftest import contacts, load, rejects, write

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def canonical(n: int = 3, source: str = "sim") -> pa.Table:
    rows = []
    for i in range(n):
        offered = T0 + dt.timedelta(minutes=i)
        rows.append(
            {
                "contact_id": f"k{i}",
                "source": source,
                "channel": "voice",
                "queue": "q1",
                "offered_at": offered,
                "answered_at": offered + dt.timedelta(seconds=10 + i),
                "ended_at": offered + dt.timedelta(seconds=100),
                "outcome": "answered",
                "wait_s": 10.0 + i,
                "talk_s": 90.0 - i,
                "agent_id": f"a{i % 2}",
                "transferred": i == 1,
                "ring_no_answer": i,
            }
        )
    return CONTACTS.conform(pa.Table.from_pylist(rows))


def test_parquet_and_csv_round_trip_to_the_same_contacts(tmp_path: Path) -> None:
    table = canonical()
    pq.write_table(table, tmp_path / "c.parquet")
    with Store(tmp_path / "a.duckdb") as a:
        report = load(a, "contacts", tmp_path / "c.parquet")
        assert (report.lines_read, report.lines_used, report.contacts_inserted) == (3, 3, 3)
        exported = a.contacts_arrow()
        a.con.execute(f"COPY contacts TO '{tmp_path / 'c.csv'}' (HEADER)")
    with Store(tmp_path / "b.duckdb") as b:
        load(b, "contacts", tmp_path / "c.csv")
        assert (
            b.contacts_arrow()
            .drop(["source_file", "source_line"])
            .equals(exported.drop(["source_file", "source_line"]))
        )
    got = exported.to_pylist()
    assert [r["wait_s"] for r in got] == [10.0, 11.0, 12.0]
    assert [r["source_line"] for r in got] == [1, 2, 3]  # Parquet rows, 1-based
    assert [r["transferred"] for r in got] == [False, True, False]


def test_bad_rows_are_rejected_with_line_numbers(store: Store, tmp_path: Path) -> None:
    text = (
        "contact_id,offered_at,outcome,wait_s,channel,answered_at,transferred\n"
        "ok1,2024-03-01 09:00:00,answered,5,,2024-03-01T09:00:05Z,true\n"
        "\n"
        ",2024-03-01 09:00:00,answered,5,,,\n"
        "b2,2024-03-01 09:00:00,maybe,5,,,\n"
        "b3,yesterday,abandoned,5,,,\n"
        "b4,2024-03-01 09:00:00,abandoned,-1,,,\n"
        "b5,2024-03-01 09:00:00,abandoned,1,fax,,\n"
        "b6,2024-03-01 09:00:00,answered,1,,2024-03-01 08:00:00,\n"
        "b7,2024-03-01 09:00:00,answered,1,,,perhaps\n"
        "b8,2024-03-01 09:00:00\n"
        "ok2,2024-03-01 09:00:00+01:00,abandoned,3,chat,,\n"
    )
    report = load(store, "contacts", write(tmp_path / "c.csv", text), source="crm")
    assert {(int(r["line_no"]), r["reason"]) for r in rejects(store)} == {
        (4, "contact_id is empty"),
        (5, "outcome must be one of answered, abandoned, timed_out, ivr_abandoned, in_progress"),
        (6, "offered_at is not a timestamp"),
        (7, "wait_s is not a number >= 0"),
        (8, "channel must be one of voice, chat, email, ticket, social, messaging"),
        (9, "answered_at is before offered_at"),
        (10, "transferred is not true/false"),
        (11, "number of fields differs from the header"),
    }
    assert report.ignored == {"header": 1, "blank line": 1}
    got = contacts(store)
    assert set(got) == {"ok1", "ok2"}
    assert got["ok2"]["offered_at"] == dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC).timestamp()
    assert (got["ok1"]["channel"], got["ok2"]["channel"]) == ("voice", "chat")
    assert {c["source"] for c in got.values()} == {"crm"}
    assert got["ok1"]["transferred"] is True
    assert got["ok2"]["source_line"] == 12


def test_repeated_contact_ids_duplicate_or_conflict(store: Store, tmp_path: Path) -> None:
    pq.write_table(canonical(2), tmp_path / "a.parquet")
    changed = canonical(2).to_pylist()
    changed[1]["wait_s"] = 99.0
    pq.write_table(CONTACTS.conform(pa.Table.from_pylist(changed)), tmp_path / "b.parquet")
    report = load(store, "contacts", tmp_path / "b.parquet", tmp_path / "a.parquet")
    assert report.ignored == {"duplicate row": 1}
    (rej,) = rejects(store)
    # files are ranked by name: a.parquet's row wins over b.parquet's
    assert (rej["file"], rej["line_no"], rej["reason"]) == (
        "b.parquet",
        "2",
        "contact_id repeated with different values",
    )
    assert contacts(store)["k1"]["wait_s"] == 11.0


def test_a_later_load_replaces_contacts_by_key(store: Store, tmp_path: Path) -> None:
    pq.write_table(canonical(2), tmp_path / "a.parquet")
    load(store, "contacts", tmp_path / "a.parquet")
    rows = canonical(2).to_pylist()
    rows[0]["outcome"] = "abandoned"
    (tmp_path / "v2").mkdir()
    # the same file name: source_file (the provenance) stays the same
    pq.write_table(CONTACTS.conform(pa.Table.from_pylist(rows)), tmp_path / "v2/a.parquet")
    report = load(store, "contacts", tmp_path / "v2/a.parquet")
    assert (report.contacts_inserted, report.contacts_updated) == (0, 1)
    assert contacts(store)["k0"]["outcome"] == "abandoned"


def test_unknown_or_missing_columns_are_format_errors(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"unknown columns \['wait'\]"):
        load(store, "contacts", write(tmp_path / "c.csv", "contact_id,offered_at,outcome,wait\n"))
    with pytest.raises(FormatError, match=r"missing columns \['outcome'\]"):
        load(store, "contacts", write(tmp_path / "d.csv", "contact_id,offered_at\n"))
    with pytest.raises(FormatError, match="not a Parquet file"):
        load(store, "contacts", write(tmp_path / "e.parquet", "contact_id\n"))
    with pytest.raises(InputError, match="source_tz does not apply"):
        load(store, "contacts", write(tmp_path / "f.csv", "x\n"), source_tz="UTC")


MAPPING = """
source: crm
time_zone: Europe/London
delimiter: ";"
timestamp_format: "%d/%m/%Y %H:%M:%S"
columns:
  contact_id: Call ID
  queue: Queue
  offered_at: {columns: [Date, Time], join: " "}
  answered_at: {column: Answered}
  talk_s: {column: Talk, unit: hms}
  agent_id: Agent
  outcome:
    column: Result
    values: {ANSWERED: answered, ABANDON: abandoned, TIMEOUT: timed_out}
  transferred: {column: Xfer, values: {"Y": true, "N": false}}
  channel: {value: voice}
"""

EXPORT = (
    "Call ID;Queue;Date;Time;Answered;Talk;Agent;Result;Xfer\n"
    "c1;Sales;01/07/2024;09:00:00;01/07/2024 09:00:12;0:02:03;Ann;ANSWERED;N\n"
    "c2;Sales;01/07/2024;09:01:00;;;;ABANDON;\n"
    "c3;Sales;01/07/2024;09:02:00;;;;WEIRD;\n"
    "c4;Sales;1st July;09:03:00;;;;ABANDON;\n"
    "c5;Sales;01/07/2024;09:04:00;;1:xx;Bo;ANSWERED;Y\n"
)


def test_mapped_csv_reads_columns_units_values_and_zone(store: Store, tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.yaml", MAPPING)
    report = load(store, "csv", write(tmp_path / "e.csv", EXPORT), mapping=mapping)
    got = contacts(store)
    assert set(got) == {"c1", "c2"}
    c1 = got["c1"]
    # London is UTC+1 in July
    assert c1["offered_at"] == dt.datetime(2024, 7, 1, 8, tzinfo=dt.UTC).timestamp()
    assert (c1["wait_s"], c1["talk_s"], c1["agent_id"], c1["transferred"]) == (
        12.0,  # not mapped: answered_at - offered_at
        123.0,
        "Ann",
        False,
    )
    assert (c1["source"], c1["source_tz"], c1["channel"]) == ("crm", "Europe/London", "voice")
    assert got["c2"]["outcome"] == "abandoned"
    assert got["c2"]["wait_s"] is None  # no ended_at to compute it from
    assert {(int(r["line_no"]), r["reason"]) for r in rejects(store)} == {
        (4, "outcome: column Result has a value that is not in the mapping's values"),
        (5, "offered_at: column Date+Time is not a timestamp (format '%d/%m/%Y %H:%M:%S')"),
        (6, "talk_s: column Talk is not a duration H:MM:SS"),
    }
    assert report.lines_read == 6


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("columns: {contact_id: a, offered_at: b}", r"required fields missing: \['outcome'\]"),
        ("columns: {contact_id: a, offered_at: b, outcome: c, wait: d}", "unknown fields"),
        ("columns: {contact_id: a, offered_at: b, outcome: c, wait_s: {column: d, unit: sec}}",
         "columns.wait_s.unit: unknown unit 'sec'"),
        ("columns: {contact_id: a, offered_at: b, outcome: {value: x, column: c}}",
         "columns.outcome: 'value' \\(a constant\\) goes alone"),
        ("time_zone: Nowhere/Land\ncolumns: {contact_id: a, offered_at: b, outcome: c}",
         "time_zone: unknown time zone"),
        ("colums: {}", "unknown keys"),
        ("[1, 2", "not valid YAML"),
    ],
)  # fmt: skip
def test_mapping_errors_name_the_key(
    store: Store, tmp_path: Path, mapping: str, message: str
) -> None:
    m = write(tmp_path / "m.yaml", mapping)
    with pytest.raises(ConfigError, match=message):
        load(store, "csv", write(tmp_path / "e.csv", "a,b,c\n"), mapping=m)


def test_mapped_csv_header_must_hold_the_mapped_columns(store: Store, tmp_path: Path) -> None:
    m = write(tmp_path / "m.yaml", "columns: {contact_id: id, offered_at: start, outcome: res}")
    with pytest.raises(FormatError) as err:
        load(store, "csv", write(tmp_path / "e.csv", "id,begin,res\n1,2,3\n"), mapping=m)
    assert err.value.line_no == 1
    assert "column 'start' named by the mapping (columns.offered_at)" in str(err.value)
    with pytest.raises(ConfigError, match="needs mapping"):
        load(store, "csv", tmp_path / "e.csv")


def test_parquet_with_other_types_and_a_damaged_file(store: Store, tmp_path: Path) -> None:
    # integer ids, naive timestamps (UTC), outcome as a dictionary column
    table = pa.table(
        {
            "contact_id": pa.array([1, 2], pa.int64()),
            "offered_at": pa.array([dt.datetime(2024, 3, 1, 9), dt.datetime(2024, 3, 1, 10)]),
            "outcome": pa.array(["answered", "abandoned"]).dictionary_encode(),
            "wait_s": pa.array([3, 4], pa.int32()),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    load(store, "contacts", tmp_path / "t.parquet")
    got = contacts(store)
    assert set(got) == {"1", "2"}
    assert got["1"]["offered_at"] == T0.timestamp()
    assert (got["2"]["wait_s"], got["2"]["source"]) == (4.0, "contacts")
    data = (tmp_path / "t.parquet").read_bytes()
    half = len(data) // 2
    broken = write(tmp_path / "b.parquet", data[:8] + b"\x00" * (half - 8) + data[half:])
    with pytest.raises(FormatError, match=r"b\.parquet"):
        load(store, "contacts", broken)


@pytest.mark.parametrize("name", ["c.parquet", "c.csv"])
def test_the_same_contacts_file_given_twice(store: Store, tmp_path: Path, name: str) -> None:
    if name.endswith(".parquet"):
        pq.write_table(canonical(3), tmp_path / name)
    else:
        with Store(tmp_path / "x.duckdb") as other:
            other.con.register("t", canonical(3))
            other.con.execute(f"COPY t TO '{tmp_path / name}' (HEADER)")
    report = load(store, "contacts", tmp_path / name, tmp_path / name)
    assert report.ignored.get("duplicate row") == 3
    assert report.contacts_inserted == 3
    assert len(contacts(store)) == 3
