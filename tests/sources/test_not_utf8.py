"""Bytes that are not UTF-8 (a Latin-1 caller name, a CP1252 queue) are replaced by U+FFFD
and the line is read like any other: no call is lost. The load's notes count such lines
and say where the first ones are."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.sources.technion import COLUMNS
from contactcenter.store import Store
from tests.sources.conftest import contacts, load, rejects, write
from tests.sources.test_ingest_queue_log_csv import REALTIME_HEADER
from tests.sources.test_ingest_technion import row as technion_row

T = 1_700_000_000
JOSE = "José Müller".encode("latin-1")  # b"Jos\xe9 M\xfcller"
JOSE_READ = "Jos\ufffd M\ufffdller"


def _note(report_notes: tuple[str, ...] | list[str]) -> str:
    (note,) = [n for n in report_notes if "not UTF-8" in n]
    return note


def test_queue_log_latin1_caller_id_keeps_the_call(store: Store, tmp_path: Path) -> None:
    log = (
        f"{T}|c1|sales|NONE|ENTERQUEUE||".encode() + JOSE + b"|1\n"
        + f"{T + 20}|c1|sales|Agent B|CONNECT|20|c1b|3\n".encode()
        + f"{T + 140}|c1|sales|Agent B|COMPLETECALLER|20|120|1\n".encode()
        + f"{T + 150}|c2|sales|NONE|ENTERQUEUE||+1|1\n".encode()
    )  # fmt: skip
    report = load(store, "queue_log", write(tmp_path / "queue_log", log))
    got = contacts(store)
    c1 = got[f"c1@sales@{T}"]
    assert (c1["outcome"], c1["talk_s"], c1["customer_id"]) == ("answered", 120.0, JOSE_READ)
    assert report.lines_rejected == 0
    assert report.lines_used == 4
    note = _note(report.notes)
    assert note.startswith("1 line had bytes that are not UTF-8; replaced")
    assert note.endswith("queue_log:1")


def test_queue_log_counts_every_such_line_and_lists_the_first_ten(
    store: Store, tmp_path: Path
) -> None:
    log = b"".join(
        f"{T + i}|c{i}|sales|NONE|ENTERQUEUE||".encode() + JOSE + b"|1\n" for i in range(12)
    )
    report = load(store, "queue_log", write(tmp_path / "ql", log + b"\xff\xfe|bad\n"))
    assert len(contacts(store)) == 12
    note = _note(report.notes)
    assert note.startswith("13 lines had bytes that are not UTF-8; replaced")
    assert ", ".join(f"ql:{i}" for i in range(1, 11)) + " and 3 more" in note
    # a line that is not a queue_log line is still rejected, for what it is
    assert [(r["line_no"], r["reason"]) for r in rejects(store)] == [
        ("13", "too few fields (need time|callid|queue|agent|event)")
    ]
    assert rejects(store)[0]["text"] == "\ufffd\ufffd|bad"


def test_queue_log_csv_latin1_caller_id(store: Store, tmp_path: Path) -> None:
    head = ",".join(REALTIME_HEADER).encode() + b"\n"
    body = f"1,{T},c1,sales,NONE,ENTERQUEUE,,".encode() + JOSE + b",1,,\n"
    body += f"2,{T + 30},c1,sales,NONE,ABANDON,1,1,30,,\n".encode()
    report = load(store, "queue_log_csv", write(tmp_path / "ql.csv", head + body))
    (c,) = contacts(store).values()
    assert (c["outcome"], c["customer_id"]) == ("abandoned", JOSE_READ)
    assert report.lines_rejected == 0
    assert _note(report.notes).startswith("1 line had bytes that are not UTF-8; replaced")
    assert _note(report.notes).endswith("ql.csv:2")


def test_technion_latin1_server_name(store: Store, tmp_path: Path) -> None:
    line = technion_row(1, "AGENT", "9:00:00", "9:00:08", ser_time=60, server="JOS\xc9")
    data = ("\t".join(COLUMNS) + "\n").encode() + line.encode("latin-1") + b"\n"
    report = load(store, "technion", write(tmp_path / "month.txt", data))
    (c,) = contacts(store).values()
    assert (c["outcome"], c["agent_id"]) == ("answered", "JOS\ufffd")
    assert report.lines_rejected == 0
    assert _note(report.notes) == (
        "1 line had bytes that are not UTF-8; replaced by U+FFFD: month.txt:2"
    )


def test_contacts_csv_cp1252_queue(store: Store, tmp_path: Path) -> None:
    data = b"contact_id,offered_at,outcome,queue\nk1,2024-03-01 09:00:00,abandoned,Caf\xe9\n"
    report = load(store, "contacts", write(tmp_path / "c.csv", data))
    assert contacts(store)["k1"]["queue"] == "Caf\ufffd"
    assert _note(report.notes).endswith("c.csv:2")


@pytest.mark.parametrize("encoding", [None, "latin-1"])
def test_mapped_csv_latin1_agent(store: Store, tmp_path: Path, encoding: str | None) -> None:
    mapping = "columns: {contact_id: id, offered_at: start, outcome: res, agent_id: who}\n"
    if encoding:
        mapping += f"encoding: {encoding}\n"
    m = write(tmp_path / "m.yaml", mapping)
    data = b"id,start,res,who\nk1,2024-03-01 09:00:00,answered,Ren\xe9e\n"
    report = load(store, "csv", write(tmp_path / "e.csv", data), mapping=m)
    agent = contacts(store)["k1"]["agent_id"]
    if encoding:  # the mapping says the file is Latin-1: nothing to replace
        assert agent == "Renée"
        assert not [n for n in report.notes if "not UTF-8" in n]
    else:
        assert agent == "Ren\ufffde"
        assert _note(report.notes).endswith("e.csv:2")
