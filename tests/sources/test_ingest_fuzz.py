"""Fuzzing the parsers: random bytes and mutated real lines never crash a load.

A load either succeeds -- and then the store has checked that every line is accounted for
(read = used + ignored + rejected) -- or raises the documented FormatError (a file with
no line of the declared format) and leaves nothing behind. Any other exception fails.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.errors import FormatError
from contactcenter.sources import IngestOptions, ingest
from contactcenter.sources.technion import COLUMNS
from contactcenter.store import Store
from tests.sources.test_ingest_queue_log import AGENT_LINES, CALLS

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PBX_HEADER = (
    "uid,date_time,callid,queue_name,type,event,param1,param2,param3,entpos,expos,htime,"
    "ttime,time\n"
)
REALTIME_HEADER = "time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n"
CONTACTS_HEADER = "contact_id,offered_at,outcome,wait_s,talk_s,transferred,answered_at\n"
TECHNION_ROW = (
    "AA0101\t33130\t0\t0\tPS\t990101\t10:04:47\t10:04:56\t9\t10:04:56\t10:05:10\t14\tAGENT"
    "\t10:05:10\t10:05:49\t39\tMORIAH"
)


def physical_lines(data: bytes) -> int:
    """Lines as the text formats count them: LF-terminated, the last one maybe not."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def run(fmt: str, data: bytes, name: str = "input", **options: object) -> int | None:
    """Load ``data``; return lines read, or None after a FormatError (store unchanged)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        with Store(Path(tmp) / "s.duckdb") as store:
            error: FormatError | None = None
            try:
                report = ingest(store, fmt=fmt, files=[path], options=IngestOptions(**options))
            except FormatError as exc:
                error = exc
            if error is not None:
                assert error.path == str(path)
                count = store.con.execute("SELECT count(*) FROM contacts").fetchone()
                assert count == (0,)
                assert store.journal() == []
                return None
            assert report.lines_read == (
                report.lines_used + report.lines_ignored + report.lines_rejected
            )
            return report.lines_read


@st.composite
def mutated(draw: st.DrawFn, base: list[str]) -> bytes:
    """Real lines with random edits: cut, insert, duplicate, reorder, corrupt."""
    rows = list(draw(st.lists(st.sampled_from(base), min_size=1, max_size=25)))
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(rows) - 1))
        line = rows[i]
        op = draw(st.sampled_from(["cut", "insert", "dup", "swap", "blank", "field", "bytes"]))
        if op == "cut" and line:
            j = draw(st.integers(0, len(line) - 1))
            rows[i] = line[:j] + line[j + 1 :]
        elif op == "insert":
            j = draw(st.integers(0, len(line)))
            rows[i] = (
                line[:j] + draw(st.sampled_from(["|", ",", "\t", '"', "\r", " ", "x"])) + line[j:]
            )
        elif op == "dup":
            rows.insert(i, line)
        elif op == "swap":
            j = draw(st.integers(0, len(rows) - 1))
            rows[i], rows[j] = rows[j], rows[i]
        elif op == "blank":
            rows.insert(i, draw(st.sampled_from(["", "  ", "\r"])))
        elif op == "field":
            parts = line.split("|")
            k = draw(st.integers(0, len(parts) - 1))
            parts[k] = draw(st.text(max_size=12))
            rows[i] = "|".join(parts)
        else:
            rows[i] = line + draw(st.binary(max_size=8)).decode("latin-1")
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(rows) + draw(st.sampled_from(["", end]))
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(st.binary(max_size=400))
def test_queue_log_random_bytes(data: bytes) -> None:
    read = run("queue_log", data)
    if read is not None:
        assert read == physical_lines(data)


@FUZZ
@given(mutated(CALLS + AGENT_LINES))
def test_queue_log_mutated_lines(data: bytes) -> None:
    read = run("queue_log", data)
    if read is not None:
        assert read == physical_lines(data)


@FUZZ
@given(mutated([line.replace("|", ",") for line in CALLS]))
def test_realtime_csv_mutated_rows(data: bytes) -> None:
    run("queue_log_csv", REALTIME_HEADER.encode() + data)


@FUZZ
@given(st.binary(max_size=300))
def test_pbxware_csv_random_rows(data: bytes) -> None:
    run("queue_log_csv", PBX_HEADER.encode() + data)


@FUZZ
@given(mutated([TECHNION_ROW, TECHNION_ROW.replace("AGENT", "HANG"), TECHNION_ROW[:40]]))
def test_technion_mutated_rows(data: bytes) -> None:
    read = run("technion", ("\t".join(COLUMNS) + "\n").encode() + data)
    assert read is not None  # the header is right, so the file is always a Technion file
    assert read == physical_lines(("\t".join(COLUMNS) + "\n").encode() + data)


@FUZZ
@given(st.binary(max_size=300))
def test_technion_random_bytes(data: bytes) -> None:
    run("technion", data)


@FUZZ
@given(
    mutated(
        [
            "k1,2024-01-01 10:00:00,answered,5,60,false,2024-01-01 10:00:05",
            "k2,2024-01-01T10:00:00Z,abandoned,3,,,",
            'k3,"2024-01-01 10:00:00+02",timed_out,300,,true,',
        ]
    )
)
def test_contacts_csv_mutated_rows(data: bytes) -> None:
    run("contacts", CONTACTS_HEADER.encode() + data, name="c.csv")


@FUZZ
@given(st.binary(max_size=300))
def test_contacts_parquet_random_bytes(data: bytes) -> None:
    run("contacts", data, name="c.parquet")


@FUZZ
@given(mutated(["c1;01/07/2024 09:00;ANSWERED;0:01:02", "c2;01/07/2024 09:01;ABANDON;"]))
def test_mapped_csv_mutated_rows(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mapping = Path(tmp) / "m.yaml"
        mapping.write_text(
            "delimiter: ';'\ntimestamp_format: '%d/%m/%Y %H:%M'\ncolumns:\n"
            "  contact_id: id\n  offered_at: start\n  talk_s: {column: talk, unit: hms}\n"
            "  outcome: {column: res, values: {ANSWERED: answered, ABANDON: abandoned}}\n"
        )
        run("csv", b"id;start;res;talk\n" + data, mapping=mapping)
