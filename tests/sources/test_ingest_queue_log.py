"""Raw queue_log: each event's rule, line accounting, duplicates, rotation, completion."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.errors import FormatError, InputError
from contactcenter.store import LoadReport, Store
from tests.sources.conftest import contacts, lines, load, rejects, snapshot, table_rows, write

T = 1_700_000_000

CALLS = [
    # c1 answered after one ring-no-answer, completed by the caller
    f"{T}|c1|sales|NONE|ENTERQUEUE||+15550001|1",
    f"{T + 5}|c1|sales|Agent A|RINGNOANSWER|15000",
    f"{T + 20}|c1|sales|Agent B|CONNECT|20|c1b|3",
    f"{T + 140}|c1|sales|Agent B|COMPLETECALLER|20|120|1",
    # c2 abandoned; caller id "unknown" means none
    f"{T + 10}|c2|sales|NONE|ENTERQUEUE||unknown|2",
    f"{T + 45}|c2|sales|NONE|ABANDON|1|2|35",
    # c3 left with a key: abandoned, waittime is data4
    f"{T + 11}|c3|sales|NONE|ENTERQUEUE||+15550003|3",
    f"{T + 14}|c3|sales|NONE|EXITWITHKEY|5|1|3|3",
    # c4 timed out, c5 removed because the queue was empty
    f"{T + 12}|c4|support|NONE|ENTERQUEUE||+15550004|1",
    f"{T + 312}|c4|support|NONE|EXITWITHTIMEOUT|1|1|300",
    f"{T + 13}|c5|support|NONE|ENTERQUEUE||+15550005|2",
    f"{T + 13}|c5|support|NONE|EXITEMPTY|1|2|0",
    # c6 answered and blind-transferred: talk is data4
    f"{T + 15}|c6|sales|NONE|ENTERQUEUE||+15550006|1",
    f"{T + 25}|c6|sales|Agent C|CONNECT|10|c6b|2",
    f"{T + 85}|c6|sales|Agent C|BLINDTRANSFER|2000|from-internal|10|60|1",
    # c7 connected, still talking at the end of the data
    f"{T + 16}|c7|sales|NONE|ENTERQUEUE||+15550007|1",
    f"{T + 19}|c7|sales|Agent D|CONNECT|3|c7b|1",
    # c8 still waiting
    f"{T + 17}|c8|sales|NONE|ENTERQUEUE||+15550008|2",
]


@pytest.fixture
def calls_report(store: Store, tmp_path: Path) -> LoadReport:
    return load(store, "queue_log", write(tmp_path / "queue_log", lines(*CALLS)))


EXPECTED = {
    # contact_id: (outcome, wait_s, talk_s, answered_at, ended_at, agent, rna, transferred)
    f"c1@sales@{T}": ("answered", 20.0, 120.0, T + 20, T + 140, "Agent B", 1, False),
    f"c2@sales@{T + 10}": ("abandoned", 35.0, None, None, T + 45, None, 0, False),
    f"c3@sales@{T + 11}": ("abandoned", 3.0, None, None, T + 14, None, 0, False),
    f"c4@support@{T + 12}": ("timed_out", 300.0, None, None, T + 312, None, 0, False),
    f"c5@support@{T + 13}": ("timed_out", 0.0, None, None, T + 13, None, 0, False),
    f"c6@sales@{T + 15}": ("answered", 10.0, 60.0, T + 25, T + 85, "Agent C", 0, True),
    f"c7@sales@{T + 16}": ("answered", 3.0, None, T + 19, None, "Agent D", 0, False),
    f"c8@sales@{T + 17}": ("in_progress", None, None, None, None, None, 0, False),
}


def test_each_call_event_gives_its_outcome_and_times(
    store: Store, calls_report: LoadReport
) -> None:
    got = contacts(store)
    assert set(got) == set(EXPECTED)
    for cid, (outcome, wait, talk, ans, end, agent, rna, xfer) in EXPECTED.items():
        c = got[cid]
        assert (c["outcome"], c["wait_s"], c["talk_s"]) == (outcome, wait, talk), cid
        assert (c["answered_at"], c["ended_at"], c["agent_id"]) == (ans, end, agent), cid
        assert (c["ring_no_answer"], c["transferred"]) == (rna, xfer), cid
        assert (c["hold_s"], c["acw_s"], c["channel"], c["source"]) == (
            None,
            None,
            "voice",
            "queue_log",
        )
        assert c["source_file"] == "queue_log"
        assert c["source_tz"] is None
    assert got[f"c1@sales@{T}"]["customer_id"] == "+15550001"
    assert got[f"c2@sales@{T + 10}"]["customer_id"] is None
    # source_line is the ENTERQUEUE line
    assert got[f"c6@sales@{T + 15}"]["source_line"] == 13
    assert calls_report.contacts_inserted == 8
    assert calls_report.lines_read == len(CALLS) == calls_report.lines_used


def test_offered_at_is_the_utc_enter_time(store: Store, calls_report: LoadReport) -> None:
    row = store.con.execute(
        "SELECT strftime(offered_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') FROM contacts "
        "WHERE contact_id = ?",
        [f"c1@sales@{T}"],
    ).fetchone()
    assert row == ("2023-11-14 22:13:20",)  # date -u -d @1700000000


def test_one_call_in_two_queues_and_the_same_queue_twice(store: Store, tmp_path: Path) -> None:
    log = lines(
        f"{T}|c9|sales|NONE|ENTERQUEUE||+1|1",
        f"{T + 10}|c9|sales|NONE|EXITWITHKEY|2|1|1|10",
        f"{T + 11}|c9|support|NONE|ENTERQUEUE||+1|1",
        f"{T + 20}|c9|support|Agent E|CONNECT|9|x|4",
        f"{T + 70}|c9|support|Agent E|COMPLETEAGENT|9|50|1",
        f"{T + 80}|c9|sales|NONE|ENTERQUEUE||+1|1",
        f"{T + 90}|c9|sales|NONE|ABANDON|1|1|10",
    )
    load(store, "queue_log", write(tmp_path / "ql", log))
    got = contacts(store)
    assert {k: v["outcome"] for k, v in got.items()} == {
        f"c9@sales@{T}": "abandoned",
        f"c9@support@{T + 11}": "answered",
        f"c9@sales@{T + 80}": "abandoned",
    }
    assert got[f"c9@sales@{T + 80}"]["wait_s"] == 10.0
    assert got[f"c9@support@{T + 11}"]["talk_s"] == 50.0


def test_same_queue_twice_in_one_second_gets_a_suffix(store: Store, tmp_path: Path) -> None:
    log = lines(
        f"{T}|c11|sales|NONE|ENTERQUEUE||+1|1",
        f"{T}|c11|sales|NONE|ENTERQUEUE||+1|2",
        f"{T + 4}|c11|sales|NONE|ABANDON|1|2|4",
    )
    load(store, "queue_log", write(tmp_path / "ql", log))
    got = contacts(store)
    # documented limit: events after two same-second entries belong to the second one
    assert {k: v["outcome"] for k, v in got.items()} == {
        f"c11@sales@{T}": "in_progress",
        f"c11@sales@{T}#2": "abandoned",
    }


def test_wait_field_is_kept_and_a_disagreement_noted(store: Store, tmp_path: Path) -> None:
    log = lines(
        f"{T}|d1|sales|NONE|ENTERQUEUE||+1|1",
        f"{T + 30}|d1|sales|Agent|CONNECT|5|x|1",  # timestamps say 30 s, the field 5 s
        f"{T}|d2|sales|NONE|ENTERQUEUE||+1|1",
        f"{T + 7}|d2|sales|NONE|ABANDON|1|1|",  # no waittime field: timestamps, 7 s
        f"{T}|d3|sales|NONE|ENTERQUEUE||+1|1",
        f"{T + 9}|d3|sales|NONE|ABANDON|1|1|-3",  # negative field: timestamps, 9 s
    )
    report = load(store, "queue_log", write(tmp_path / "ql", log))
    got = contacts(store)
    assert got[f"d1@sales@{T}"]["wait_s"] == 5.0
    assert got[f"d2@sales@{T}"]["wait_s"] == 7.0
    assert got[f"d3@sales@{T}"]["wait_s"] == 9.0
    assert any("1 contacts: the wait field" in n for n in report.notes)


def test_complete_without_connect_is_answered_from_its_holdtime(
    store: Store, tmp_path: Path
) -> None:
    log = lines(
        f"{T}|e1|sales|NONE|ENTERQUEUE||+1|1",
        f"{T + 100}|e1|sales|Agent X|COMPLETEAGENT|12|88|1",
    )
    load(store, "queue_log", write(tmp_path / "ql", log))
    (c,) = contacts(store).values()
    assert (c["outcome"], c["wait_s"], c["answered_at"], c["talk_s"], c["agent_id"]) == (
        "answered",
        12.0,
        T + 12,
        88.0,
        "Agent X",
    )


AGENT_LINES = [
    f"{T}|NONE|sales|Agent A|ADDMEMBER|",
    f"{T + 1}|NONE|sales|Agent A|PAUSE|Lunch",
    f"{T + 2}|NONE|sales|Agent A|UNPAUSE|Auto-Unpause",
    f"{T + 3}|NONE|NONE|Agent A|PAUSEALL|Break",
    f"{T + 4}|NONE|NONE|Agent A|UNPAUSEALL|",
    f"{T + 5}|NONE|sales|Agent A|REMOVEMEMBER|",
    f"{T + 6}|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001",
    f"{T + 7}|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001|3600",
    f"{T + 8}|NONE|NONE|Agent/1002|AGENTCALLBACKLOGIN|1002@default",
    f"{T + 9}|NONE|NONE|Agent/1002|AGENTCALLBACKLOGOFF|1002@default|100|CommandLogoff",
    f"{T + 10}|NONE|sales|Agent B|ADDMEMBER|PAUSED",
]


def test_agent_events_keep_kind_reason_queue_and_verb(store: Store, tmp_path: Path) -> None:
    report = load(store, "queue_log", write(tmp_path / "ql", lines(*AGENT_LINES)))
    rows = store.con.execute(
        'SELECT epoch("at")::BIGINT - ?, agent_id, queue, kind, reason, source_event, source_line '
        'FROM agent_events ORDER BY "at"',
        [T],
    ).fetchall()
    assert rows == [
        (0, "Agent A", "sales", "added_to_queue", None, "ADDMEMBER", 1),
        (1, "Agent A", "sales", "pause", "Lunch", "PAUSE", 2),
        (2, "Agent A", "sales", "unpause", "Auto-Unpause", "UNPAUSE", 3),
        (3, "Agent A", None, "pause", "Break", "PAUSEALL", 4),
        (4, "Agent A", None, "unpause", None, "UNPAUSEALL", 5),
        (5, "Agent A", "sales", "removed_from_queue", None, "REMOVEMEMBER", 6),
        (6, "Agent/1001", None, "login", None, "AGENTLOGIN", 7),
        (7, "Agent/1001", None, "logout", None, "AGENTLOGOFF", 8),
        (8, "Agent/1002", None, "login", None, "AGENTCALLBACKLOGIN", 9),
        (9, "Agent/1002", None, "logout", "CommandLogoff", "AGENTCALLBACKLOGOFF", 10),
        (10, "Agent B", "sales", "added_to_queue", "PAUSED", "ADDMEMBER", 11),
    ]
    assert report.agent_events_inserted == 11
    assert report.contacts_inserted == 0


def test_every_line_is_accounted_for_with_reasons_and_line_numbers(
    store: Store, tmp_path: Path
) -> None:
    text = lines(
        f"{T}|c1|sales|NONE|ENTERQUEUE||+1|1",  # 1 used
        "",  # 2 blank
        "   ",  # 3 blank (white space)
        f"{T}|NONE|NONE|NONE|QUEUESTART|",  # 4 ignored: unused verb
        f"{T}|c1|sales|NONE|DID|+1",  # 5 ignored: unused verb
        f"{T}|c1|sales|NONE|ENTERQUEUE||+1|1",  # 6 duplicate of line 1
        "17000000x0|c1|sales|NONE|ABANDON|1|1|3",  # 7 rejected: time
        f"{T}|c1|sales",  # 8 rejected: too few fields
        f"{T}|NONE|sales|NONE|ENTERQUEUE||+1|1",  # 9 rejected: no call id
        f"{T}|c2||NONE|ENTERQUEUE||+1|1",  # 10 rejected: no queue
        f"{T}|NONE|sales|NONE|PAUSE|x",  # 11 rejected: no agent
        f"{T}|c1|sales|NONE|enterqueue||+1|1",  # 12 rejected: not a verb
        f"{T + 3}|c1|sales|NONE|ABANDON|1|1|3",  # 13 used
    )
    # 14: not UTF-8 (replaced, then too few fields); 15: an unknown verb, on a last line
    # without its newline: held back (the log may still be writing it)
    tail = b"\xff\xfe|bad\n" + f"{T + 4}|c9|q|NONE|X1|".encode()
    path = write(tmp_path / "ql", text.encode() + tail)
    report = load(store, "queue_log", path)
    assert report.lines_read == 15
    assert report.ignored == {
        "blank line": 2,
        "duplicate line": 1,
        "event DID not used": 1,
        "event QUEUESTART not used": 1,
        "last line has no line end yet (held back)": 1,
    }
    got = {(int(r["line_no"]), r["reason"]) for r in rejects(store)}
    assert got == {
        (7, "time is not a Unix epoch in seconds"),
        (8, "too few fields (need time|callid|queue|agent|event)"),
        (9, "call event without a call id"),
        (10, "call event without a queue"),
        (11, "agent event without an agent"),
        (12, "event is not a queue_log verb (A-Z, 0-9, _)"),
        (14, "too few fields (need time|callid|queue|agent|event)"),
    }
    assert "1 line had bytes that are not UTF-8; replaced by U+FFFD: ql:14" in report.notes
    assert report.lines_used == 2  # line 1 and the ABANDON on line 13
    assert report.rejects_file == str(store.rejects_path)
    assert all(r["file"] == "ql" for r in rejects(store))
    (c,) = contacts(store).values()
    assert c["outcome"] == "abandoned"


def test_line_numbers_count_blank_lines(store: Store, tmp_path: Path) -> None:
    # DuckDB's CSV reader skips blank lines; the numbers here must be the file's own.
    path = write(tmp_path / "ql", "\n\n\n" + f"{T}|x\n" + "\n" * 5 + f"{T}|y\n")
    with pytest.raises(FormatError) as err:
        load(store, "queue_log", path)
    assert err.value.line_no == 4
    assert str(err.value).startswith(f"{path}:4: not a queue_log file: too few fields")


def test_crlf_lines_read_like_lf(store: Store, tmp_path: Path) -> None:
    crlf = write(tmp_path / "crlf", lines(*CALLS, end="\r\n"))
    load(store, "queue_log", crlf)
    got = contacts(store)
    assert {k: v["outcome"] for k, v in got.items()} == {k: v[0] for k, v in EXPECTED.items()}
    assert got[f"c1@sales@{T}"]["customer_id"] == "+15550001"


def test_a_file_of_another_format_is_refused_and_the_store_unchanged(
    store: Store, tmp_path: Path
) -> None:
    good = write(tmp_path / "queue_log", lines(*CALLS))
    load(store, "queue_log", good)
    before = snapshot(store)
    journal = store.journal()
    other = write(tmp_path / "export.csv", "time,callid,queuename\n1,2,3\n")
    newer = write(tmp_path / "queue_log.0", lines(f"{T + 500}|z|sales|NONE|ENTERQUEUE||+1|1"))
    with pytest.raises(FormatError) as err:
        load(store, "queue_log", newer, other)
    assert (err.value.path, err.value.line_no) == (str(other), 1)
    assert snapshot(store) == before
    assert store.journal() == journal


def test_source_tz_is_refused_for_utc_epochs(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="source_tz does not apply"):
        load(store, "queue_log", write(tmp_path / "ql", lines(*CALLS)), source_tz="UTC")


def test_loading_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "queue_log", lines(*CALLS, *AGENT_LINES))
    load(store, "queue_log", path)
    before = snapshot(store)
    again = load(store, "queue_log", path)
    assert snapshot(store) == before
    assert (again.contacts_inserted, again.contacts_updated, again.agent_events_inserted) == (
        0,
        0,
        0,
    )
    assert again.lines_used == 0
    assert again.ignored == {"already in the store": len(CALLS) + len(AGENT_LINES)}


def _rotated(tmp_path: Path) -> list[Path]:
    """The calls split over three rotated files that overlap by two lines."""
    ordered = sorted(CALLS + AGENT_LINES, key=lambda line: int(line.split("|")[0]))
    a, b, c = ordered[:10], ordered[8:20], ordered[18:]
    return [
        write(tmp_path / "queue_log.2", lines(*a)),
        write(tmp_path / "queue_log.1", lines(*b)),
        write(tmp_path / "queue_log", lines(*c)),
    ]


def test_rotated_files_in_any_order_give_the_same_store(tmp_path: Path) -> None:
    files = _rotated(tmp_path)
    results = []
    for name, order in {
        "oldest first": files,
        "newest first": files[::-1],
        "mixed": [files[1], files[2], files[0]],
    }.items():
        with Store(tmp_path / f"{name}.duckdb") as s:
            report = load(s, "queue_log", *order)
            assert report.ignored == {"duplicate line": 4}, name
            results.append(snapshot(s))
    # separate loads, newest file first: the old calls are completed by later loads
    with Store(tmp_path / "separate.duckdb") as s:
        for f in files[::-1]:
            load(s, "queue_log", f)
        separate = snapshot(s)
    assert results[0] == results[1] == results[2]
    assert separate[0] == results[0][0]  # the same contacts
    assert separate[1] == results[0][1]  # the same agent events


def test_an_in_progress_contact_is_completed_by_a_later_load(store: Store, tmp_path: Path) -> None:
    first = write(
        tmp_path / "queue_log.1",
        lines(f"{T}|p1|sales|NONE|ENTERQUEUE||+1|1", f"{T + 8}|p1|sales|Agent|CONNECT|8|x|1"),
    )
    second = write(tmp_path / "queue_log", lines(f"{T + 98}|p1|sales|Agent|COMPLETEAGENT|8|90|1"))
    r1 = load(store, "queue_log", first)
    (c,) = contacts(store).values()
    assert (c["outcome"], c["ended_at"], c["talk_s"]) == ("answered", None, None)
    assert r1.contacts_inserted == 1
    r2 = load(store, "queue_log", second)
    (c,) = contacts(store).values()
    assert (c["outcome"], c["ended_at"], c["talk_s"]) == ("answered", T + 98, 90.0)
    assert (r2.contacts_inserted, r2.contacts_updated) == (0, 1)


def test_events_before_their_enterqueue_wait_for_it(store: Store, tmp_path: Path) -> None:
    late = write(tmp_path / "later", lines(f"{T + 30}|w1|sales|NONE|ABANDON|1|1|30"))
    r1 = load(store, "queue_log", late)
    assert r1.contacts_inserted == 0
    assert any("1 call events of 1 call/queue pairs have no ENTERQUEUE" in n for n in r1.notes)
    load(
        store,
        "queue_log",
        write(tmp_path / "earlier", lines(f"{T}|w1|sales|NONE|ENTERQUEUE||+1|1")),
    )
    (c,) = contacts(store).values()
    assert (c["outcome"], c["wait_s"], c["source_file"]) == ("abandoned", 30.0, "earlier")


def test_a_second_final_event_is_noted_and_the_first_one_used(store: Store, tmp_path: Path) -> None:
    log = lines(
        f"{T}|f1|sales|NONE|ENTERQUEUE||+1|1",
        f"{T + 5}|f1|sales|A|CONNECT|5|x|1",
        f"{T + 50}|f1|sales|A|COMPLETEAGENT|5|45|1",
        f"{T + 50}|f1|sales|A|COMPLETEAGENT|5|45|4",
    )
    report = load(store, "queue_log", write(tmp_path / "ql", log))
    (c,) = contacts(store).values()
    assert (c["talk_s"], c["ended_at"]) == (45.0, T + 50)
    assert "1 contacts have more than one final event; the first was used" in report.notes


def test_empty_file_reads_nothing(store: Store, tmp_path: Path) -> None:
    report = load(store, "queue_log", write(tmp_path / "empty", ""))
    assert (report.lines_read, report.contacts_inserted) == (0, 0)


def test_raw_events_are_kept_for_later_loads(store: Store, tmp_path: Path) -> None:
    load(store, "queue_log", write(tmp_path / "ql", lines(*CALLS)))
    rows = table_rows(store, "queue_log_events", "seq")
    assert len(rows) == len(CALLS)
    ring = store.con.execute(
        "SELECT data1 FROM queue_log_events WHERE event = 'RINGNOANSWER'"
    ).fetchall()
    assert ring == [("15000",)]


def test_an_interrupted_load_leaves_no_trace(store: Store, tmp_path: Path) -> None:
    load(store, "queue_log", write(tmp_path / "queue_log.1", lines(*CALLS[:6])))
    before = snapshot(store)
    journal = store.journal()
    calls = []

    def interrupt(name: str, done: int, total: int) -> None:
        calls.append((name, done, total))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load(store, "queue_log", write(tmp_path / "queue_log", lines(*CALLS)), progress=interrupt)
    assert calls == [("queue_log", (tmp_path / "queue_log").stat().st_size, calls[0][2])]
    assert snapshot(store) == before
    assert store.journal() == journal
    # the staging directory beside the store is gone
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".queue_log_stage")] == []


def test_the_same_file_given_twice_in_one_load(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "queue_log", lines(*CALLS))
    report = load(store, "queue_log", path, path)
    assert report.ignored == {"duplicate line": len(CALLS)}
    assert store.con.execute("SELECT count(*) FROM queue_log_events").fetchone() == (len(CALLS),)
    got = contacts(store)
    assert got[f"c1@sales@{T}"]["ring_no_answer"] == 1
    assert {k: v["outcome"] for k, v in got.items()} == {k: v[0] for k, v in EXPECTED.items()}


def _attended_transfer(n: int, t: int) -> list[str]:
    """Asterisk issue 759: caller c{n} is answered in queue 1501 by PJSIP/7009, who dials
    queue 1509 (consultation call k{n}) and transfers the caller there. The transfer is
    logged under the consultation's id in 1501; the caller's CONNECT and COMPLETEAGENT in
    1509 are logged under the caller's id, with no ENTERQUEUE of the caller in 1509."""
    return [
        f"{t}|c{n}|1501|NONE|DID|4955550100",
        f"{t}|c{n}|1501|NONE|ENTERQUEUE||9035550100|1",
        f"{t + 12}|c{n}|1501|PJSIP/7009|CONNECT|12|b{n}|11",
        f"{t + 131}|k{n}|1509|NONE|DID|",
        f"{t + 131}|k{n}|1509|NONE|ENTERQUEUE||7009|1",
        f"{t + 132}|k{n}|1501|PJSIP/7009|ATTENDEDTRANSFER|APP|Queue|12|120|1",
        f"{t + 138}|c{n}|1509|PJSIP/7051|CONNECT|7|m{n}|6",
        f"{t + 311}|c{n}|1509|PJSIP/7051|COMPLETEAGENT|7|173|1",
    ]


def test_an_attended_transfer_continued_under_another_call_id_is_noted(
    store: Store, tmp_path: Path
) -> None:
    cut = f"{T + 400}|z1|1501|NONE|ABANDON|1|1|30"  # its ENTERQUEUE is in an older file
    path = write(tmp_path / "queue_log", lines(*_attended_transfer(1, T), cut))
    report = load(store, "queue_log", path)
    (xfer,) = [n for n in report.notes if "attended transfer" in n]
    assert xfer.startswith("3 call events of 2 call/queue pairs are attended transfers ")
    assert "Asterisk issue 759" in xfer
    assert xfer.endswith(": queue_log:6, queue_log:7, queue_log:8")
    assert "when it arrives" not in xfer
    assert "used if" not in xfer
    (rotation,) = [n for n in report.notes if "ENTERQUEUE" in n and n != xfer]
    assert rotation.startswith("1 call events of 1 call/queue pairs have no ENTERQUEUE")
    assert "used if their ENTERQUEUE arrives in a later load" in rotation
    assert "queue_log:6" not in rotation
    # what the contacts are, as derived today: the caller's first contact has no end and the
    # consultation's entry in 1509 stays in progress (the note says why)
    got = contacts(store)
    assert (got[f"c1@1501@{T}"]["outcome"], got[f"c1@1501@{T}"]["ended_at"]) == ("answered", None)
    assert got[f"k1@1509@{T + 131}"]["outcome"] == "in_progress"


def test_attended_transfer_note_lists_the_first_ten_lines(store: Store, tmp_path: Path) -> None:
    log = [line for n in range(4) for line in _attended_transfer(n, T + 1000 * n)]
    report = load(store, "queue_log", write(tmp_path / "ql", lines(*log)))
    (xfer,) = [n for n in report.notes if "attended transfer" in n]
    assert xfer.startswith("12 call events of 8 call/queue pairs are attended transfers ")
    first = [8 * n + k for n in range(4) for k in (6, 7, 8)][:10]
    assert xfer.endswith(": " + ", ".join(f"ql:{i}" for i in first) + " and 2 more")
    assert not [n for n in report.notes if "later load" in n]


def test_an_orphan_transfer_without_the_pattern_is_a_rotation_cut(
    store: Store, tmp_path: Path
) -> None:
    # the call's ENTERQUEUE and CONNECT are in an older file: a real cut, not issue 759
    log = lines(f"{T + 50}|r1|1501|PJSIP/7009|ATTENDEDTRANSFER|APP|Queue|12|38|1")
    report = load(store, "queue_log", write(tmp_path / "ql", log))
    assert not [n for n in report.notes if "attended transfer" in n]
    (rotation,) = [n for n in report.notes if "ENTERQUEUE" in n]
    assert rotation.startswith("1 call events of 1 call/queue pairs have no ENTERQUEUE")
    assert rotation.endswith("used if their ENTERQUEUE arrives in a later load: ql:1")


def test_derivation_in_chunks_of_call_ids_gives_the_same_store_and_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contactcenter.sources import _queue_log_events

    log = [
        *CALLS,
        *(line for n in range(3) for line in _attended_transfer(n, T + 1000 * n)),
        f"{T + 400}|z1|1501|NONE|ABANDON|1|1|30",
        f"{T + 17}|c8|sales|NONE|ENTERQUEUE||+15550008|2",  # c8 again, the same second
    ]
    path = write(tmp_path / "queue_log", lines(*log))
    results = []
    for chunk in (1_000_000, 3):
        monkeypatch.setattr(_queue_log_events, "CHUNK_EVENTS", chunk)
        with Store(tmp_path / f"s{chunk}.duckdb") as store:
            report = load(store, "queue_log", path)
            results.append(
                (
                    snapshot(store)[:2],
                    table_rows(store, "ring_outs", "contact_id, agent_id"),
                    report.notes,
                )
            )
    assert results[0] == results[1]
