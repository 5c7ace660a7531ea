"""Technion per-call files: every rule on hand-made rows (hand-computed UTC times)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from contactcenter.errors import FormatError, InputError
from contactcenter.sources.technion import COLUMNS
from contactcenter.store import Store
from tests.sources.conftest import contacts, load, rejects, write

HEADER = "\t".join(COLUMNS)


def row(
    call_id: int,
    outcome: str,
    vru_entry: str,
    vru_exit: str,
    *,
    q_start: str = "0:00:00",
    q_exit: str = "0:00:00",
    q_time: int = 0,
    ser_time: int = 0,
    server: str = "NO_SERVER",
    customer: str = "0",
    qtype: str = "PS",
    date: str = "990105",
    vru_time: int = 8,
) -> str:
    return "\t".join(
        [
            "AA0101",
            str(call_id),
            customer,
            "1",
            qtype,
            date,
            vru_entry,
            vru_exit,
            str(vru_time),
            q_start,
            q_exit,
            str(q_time),
            outcome,
            "0:00:00",
            "0:00:00",
            str(ser_time),
            server,
        ]
    )


def utc(text: str) -> float:
    return dt.datetime.fromisoformat(text + "+00:00").timestamp()


ROWS = [
    row(1, "PHANTOM", "9:00:00", "9:00:08"),
    row(2, "HANG", "9:10:00", "9:10:12"),
    row(3, "AGENT", "9:20:00", "9:20:09", ser_time=50, server="DORIT", customer="12345"),
    row(
        4, "AGENT", "9:59:50", "10:00:05", q_start="10:00:05", q_exit="10:00:35", q_time=30,
        ser_time=100, server="DORIT", qtype="NE",
    ),
    row(5, "HANG", "10:00:50", "10:01:00", q_start="10:01:00", q_exit="10:01:45", q_time=45),
    # across midnight: q_start is earlier than vru_entry, so it is on the next day
    row(6, "AGENT", "23:59:50", "23:59:58", q_start="0:00:03", q_exit="0:00:13", q_time=10,
        ser_time=20, server="NO_SERVER"),
    # clock skew: vru_exit 37 s before vru_entry (negative vru_time): the same day
    row(7, "AGENT", "15:46:01", "15:45:24", q_start="15:45:24", q_exit="15:46:41", q_time=77,
        ser_time=10, server="AVI", vru_time=-37),
    row(8, "HANG", "11:00:00", "11:00:05", customer="6.02E+11"),
]  # fmt: skip

# Asia/Jerusalem is UTC+2 in January 1999.
EXPECTED = {
    # contact_id: outcome, offered, answered, ended, wait, talk, agent, queue
    "990105-AA0101-2": ("ivr_abandoned", "1999-01-05 07:10:12", None, "1999-01-05 07:10:12",
                        None, None, None, "PS"),
    "990105-AA0101-3": ("answered", "1999-01-05 07:20:09", "1999-01-05 07:20:09",
                        "1999-01-05 07:20:59", 0.0, 50.0, "DORIT", "PS"),
    "990105-AA0101-4": ("answered", "1999-01-05 08:00:05", "1999-01-05 08:00:35",
                        "1999-01-05 08:02:15", 30.0, 100.0, "DORIT", "NE"),
    "990105-AA0101-5": ("abandoned", "1999-01-05 08:01:00", None, "1999-01-05 08:01:45",
                        45.0, None, None, "PS"),
    "990105-AA0101-6": ("answered", "1999-01-05 22:00:03", "1999-01-05 22:00:13",
                        "1999-01-05 22:00:33", 10.0, 20.0, None, "PS"),
    "990105-AA0101-7": ("answered", "1999-01-05 13:45:24", "1999-01-05 13:46:41",
                        "1999-01-05 13:46:51", 77.0, 10.0, "AVI", "PS"),
    "990105-AA0101-8": ("ivr_abandoned", "1999-01-05 09:00:05", None, "1999-01-05 09:00:05",
                        None, None, None, "PS"),
}  # fmt: skip


def _check(store: Store) -> None:
    got = contacts(store)
    assert set(got) == set(EXPECTED)
    for cid, (outcome, offered, answered, ended, wait, talk, agent, queue) in EXPECTED.items():
        c = got[cid]
        assert c["outcome"] == outcome, cid
        assert c["offered_at"] == utc(offered), cid
        assert c["answered_at"] == (utc(answered) if answered else None), cid
        assert c["ended_at"] == (utc(ended) if ended else None), cid
        assert (c["wait_s"], c["talk_s"], c["agent_id"], c["queue"]) == (wait, talk, agent, queue)
        assert (c["hold_s"], c["acw_s"], c["source"], c["source_tz"]) == (
            None,
            None,
            "technion",
            "Asia/Jerusalem",
        )


@pytest.mark.parametrize("end", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_each_rule_on_hand_made_rows(store: Store, tmp_path: Path, end: str) -> None:
    path = write(tmp_path / "month.txt", end.join([HEADER, *ROWS]) + end)
    report = load(store, "technion", path)
    _check(store)
    assert report.ignored == {
        "header": 1,
        "PHANTOM call (ignored per the Technion documentation)": 1,
    }
    assert report.lines_used == 7
    got = contacts(store)
    assert got["990105-AA0101-3"]["customer_id"] == "12345"
    assert got["990105-AA0101-2"]["customer_id"] is None
    assert got["990105-AA0101-8"]["customer_id"] is None
    assert got["990105-AA0101-4"]["source_line"] == 5
    assert any("1 rows have customer_id in scientific notation" in n for n in report.notes)
    assert any(
        "1 rows have an offer time less than 12 h before vru_entry" in n for n in report.notes
    )


def test_source_tz_changes_the_utc_instants(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "m.txt", "\n".join([HEADER, ROWS[3]]) + "\n")
    load(store, "technion", path, source_tz="UTC")
    (c,) = contacts(store).values()
    assert c["offered_at"] == utc("1999-01-05 10:00:05")
    assert c["source_tz"] == "UTC"
    with pytest.raises(InputError, match="unknown time zone"):
        load(store, "technion", path, source_tz="Asia/Atlantis")


def test_daylight_saving_gaps_and_overlaps_take_the_earlier_offset(
    store: Store, tmp_path: Path
) -> None:
    rows = [
        # 1999-04-02 02:30 does not exist in Israel (02:00 -> 03:00): read at UTC+2
        row(20, "HANG", "2:30:00", "2:30:00", date="990402"),
        # 1999-09-03 01:30 occurs twice (02:00 -> 01:00): the first, at UTC+3
        row(21, "HANG", "1:30:00", "1:30:00", date="990903"),
    ]
    load(store, "technion", write(tmp_path / "m.txt", "\n".join([HEADER, *rows]) + "\n"))
    got = contacts(store)
    assert got["990402-AA0101-20"]["offered_at"] == utc("1999-04-02 00:30:00")
    assert got["990903-AA0101-21"]["offered_at"] == utc("1999-09-02 22:30:00")


def test_spaces_between_priority_and_type_are_recovered_other_bad_rows_rejected(
    store: Store, tmp_path: Path
) -> None:
    good = row(30, "HANG", "14:07:50", "14:07:58", qtype="NW")
    fields = good.split("\t")
    spaced = "\t".join([*fields[:3], fields[3] + "       " + fields[4], *fields[5:]])
    short = "\t".join(fields[:10])
    odd = "\t".join([*fields[:3], "x  NW", *fields[5:]])  # 16 fields, not recoverable
    bad_time = row(31, "HANG", "25:00:00", "25:00:08")
    bad_outcome = row(32, "MAYBE", "9:00:00", "9:00:08")
    text = "\n".join([HEADER, spaced, short, odd, bad_time, bad_outcome, ""]) + "\n"
    report = load(store, "technion", write(tmp_path / "october.txt", text))
    (c,) = contacts(store).values()
    assert (c["contact_id"], c["queue"], c["outcome"]) == (
        "990105-AA0101-30",
        "NW",
        "ivr_abandoned",
    )
    assert report.notes[0] == (
        "october.txt:2: priority and type were separated by spaces, not a tab; "
        "recovered as priority 1, type NW"
    )
    assert {(int(r["line_no"]), r["reason"]) for r in rejects(store)} == {
        (3, "wrong number of fields (expected 17 tab-separated)"),
        (4, "wrong number of fields (expected 17 tab-separated)"),
        (5, "vru_entry is not a time H:MM:SS"),
        (6, "outcome is not AGENT, HANG or PHANTOM"),
    }
    assert report.ignored == {"header": 1, "blank line": 1}


def test_a_repeated_row_is_a_duplicate_and_a_conflicting_one_rejected(
    store: Store, tmp_path: Path
) -> None:
    a = write(tmp_path / "a.txt", "\n".join([HEADER, ROWS[2]]) + "\n")
    b = write(tmp_path / "b.txt", "\n".join([HEADER, ROWS[2], ROWS[2].replace("DORIT", "ZOHAR")]))
    report = load(store, "technion", a, b)
    assert report.ignored["duplicate line"] == 1
    assert [r["reason"] for r in rejects(store)] == [
        "contact_id (date, vru+line, call_id) repeated with other values"
    ]
    assert contacts(store)["990105-AA0101-3"]["agent_id"] == "DORIT"


def test_loading_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "m.txt", "\n".join([HEADER, *ROWS]) + "\n")
    load(store, "technion", path)
    before = contacts(store)
    again = load(store, "technion", path)
    assert contacts(store) == before
    assert (again.contacts_inserted, again.contacts_updated) == (0, 0)


def test_a_file_without_the_header_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FormatError) as err:
        load(store, "technion", write(tmp_path / "m.txt", "\n".join(ROWS)))
    assert err.value.line_no == 1
    assert "not a Technion call file" in str(err.value)
    with pytest.raises(FormatError, match="empty file"):
        load(store, "technion", write(tmp_path / "e.txt", ""))
