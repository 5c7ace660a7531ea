"""The real files in ../shared/data (skipped when absent): PBXware export, FreePBX fixture,
Technion months. Expected numbers come from each folder's SOURCE.md or from files the
parser does not read (the Rfssa counts, the queue settings)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from contactcenter.store import Store
from tests.sources.conftest import QUEUE_LOG_DIR, TECHNION_DIR, contacts, load, snapshot

pytestmark = pytest.mark.realdata

PBX = QUEUE_LOG_DIR / "pbxware_queue_log.csv"
FIXTURE = QUEUE_LOG_DIR / "asterisk2slack_fixture_queue_log"


def _outcomes(store: Store) -> Counter[str]:
    return Counter(c["outcome"] for c in contacts(store).values())


def test_pbxware_export_counts(real_data: Path, store: Store) -> None:
    report = load(store, "queue_log_csv", PBX)
    # SOURCE.md: 108 queued calls = 93 connected + 12 abandoned + 1 timed out + 2 open
    assert _outcomes(store) == {"answered": 93, "abandoned": 12, "timed_out": 1, "in_progress": 2}
    offered = sum(v for k, v in _outcomes(store).items() if k != "in_progress")
    assert offered == 106
    # every line accounted for: 1,000 rows + header; the verbs not used, by SOURCE.md counts
    assert (report.lines_read, report.lines_rejected) == (1001, 0)
    assert report.ignored == {
        "header": 1,
        "event OUTDIAL not used": 128,
        "event OUTANSWER not used": 77,
        "event OUTCANCEL not used": 24,
        "event OUTCHANUNAVAIL not used": 18,
        "event CONFIGRELOAD not used": 11,
        "event OUTCONGESTION not used": 9,
        "event QUEUESTART not used": 7,
        "event OUTTRANSFER not used": 1,
    }
    kinds = dict(
        store.con.execute("SELECT kind, count(*) FROM agent_events GROUP BY kind").fetchall()
    )
    # ADDMEMBER 26, REMOVEMEMBER 10, AGENTCALLBACKLOGIN 14, AGENTCALLBACKLOGOFF 10
    assert kinds == {"added_to_queue": 26, "removed_from_queue": 10, "login": 14, "logout": 10}


def test_pbxware_fields_moved_back(real_data: Path, store: Store) -> None:
    load(store, "queue_log_csv", PBX)
    got = contacts(store)
    # uid 13/19/20: ENTERQUEUE at 1543602677, CONNECT htime 76, COMPLETECALLER ttime 847
    first = got["1543602660.197@IT@1543602677"]
    assert (first["wait_s"], first["talk_s"], first["answered_at"]) == (76.0, 847.0, 1543602753)
    assert (first["hold_s"], first["ring_no_answer"], first["agent_id"]) == (None, 5, "Agent/1127")
    assert first["source_line"] == 14  # uid 13 is on line 14 (line 1 is the header)
    # the one timeout waited maxwait = 300 s (pbxware_queue_settings_subset.csv)
    settings = {
        (r["ext"], r["name"]): r["value"]
        for r in csv.DictReader((QUEUE_LOG_DIR / "pbxware_queue_settings_subset.csv").open())
    }
    (timed_out,) = [c for c in got.values() if c["outcome"] == "timed_out"]
    assert timed_out["wait_s"] == float(settings[("6001", "maxwait")])
    # BLINDTRANSFER and ATTENDEDTRANSFER: answered, transferred, talk from ttime
    moved = sorted((c["talk_s"], c["wait_s"]) for c in got.values() if c["transferred"])
    assert moved == [(30.0, 6.0), (38.0, 6.0)]
    # SOURCE.md: 2 connected calls have no COMPLETE* line: answered, end unknown
    open_answered = [
        c for c in got.values() if c["outcome"] == "answered" and c["ended_at"] is None
    ]
    assert len(open_answered) == 2
    assert all(c["talk_s"] is None and c["answered_at"] is not None for c in open_answered)


def test_pbxware_ring_no_answer_is_in_milliseconds(real_data: Path, store: Store) -> None:
    load(store, "queue_log_csv", PBX)
    ms = [
        int(v)
        for (v,) in store.con.execute(
            "SELECT data1 FROM queue_log_events WHERE event = 'RINGNOANSWER'"
        ).fetchall()
    ]
    assert len(ms) == 360  # SOURCE.md event count
    settings = {
        (r["ext"], r["name"]): r["value"]
        for r in csv.DictReader((QUEUE_LOG_DIR / "pbxware_queue_settings_subset.csv").open())
    }
    # queue IT rings each member for ring-timeout = 10 s: no ring is longer than that
    assert max(ms) == int(settings[("6001", "ring-timeout")]) * 1000
    assert min(ms) > 0
    total_rna = sum(c["ring_no_answer"] for c in contacts(store).values())
    assert total_rna == 360


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_pbxware_saved_with_another_separator_reads_the_same(
    real_data: Path, tmp_path: Path, delimiter: str, name: str
) -> None:
    with Store(tmp_path / "comma.duckdb") as s:
        comma = load(s, "queue_log_csv", PBX)
        expected = [{k: v for k, v in c.items() if k != "source_file"}
                    for c in contacts(s).values()]  # fmt: skip
    with PBX.open(newline="") as fh:
        rows = list(csv.reader(fh))
    other = tmp_path / f"pbxware_{name}.csv"
    with other.open("w", newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\n").writerows(rows)
    with Store(tmp_path / f"{name}.duckdb") as s:
        report = load(s, "queue_log_csv", other)
        got = [{k: v for k, v in c.items() if k != "source_file"} for c in contacts(s).values()]
    assert got == expected
    assert (report.lines_read, report.lines_used, report.ignored) == (
        comma.lines_read,
        comma.lines_used,
        comma.ignored,
    )


def test_pbxware_twice_changes_nothing(real_data: Path, store: Store) -> None:
    load(store, "queue_log_csv", PBX)
    before = snapshot(store)
    again = load(store, "queue_log_csv", PBX)
    assert snapshot(store) == before
    assert (again.contacts_inserted, again.contacts_updated, again.agent_events_inserted) == (
        0,
        0,
        0,
    )


def test_freepbx_fixture_duplicates_blanks_order_and_names(real_data: Path, store: Store) -> None:
    report = load(store, "queue_log", FIXTURE)
    # 23 lines: ENTERQUEUE repeated 6 times with one timestamp, 2 blank lines, 1 DID
    assert report.lines_read == 23
    assert report.ignored == {"blank line": 2, "duplicate line": 6, "event DID not used": 1}
    assert report.lines_rejected == 0
    got = contacts(store)
    assert set(got) == {
        "1546015415.757927@201@1546015415",
        "1546027663.761192@201@1546027663",
    }
    first = got["1546015415.757927@201@1546015415"]
    # three members with spaces in their names let it ring out; Agent Foxtrot took it
    assert (first["ring_no_answer"], first["agent_id"]) == (3, "Agent Foxtrot")
    assert (first["wait_s"], first["talk_s"], first["outcome"]) == (10.0, 122.0, "answered")
    # the call that only has its CONNECT (answered, end not in the fixture)
    second = got["1546027663.761192@201@1546027663"]
    assert (second["outcome"], second["ended_at"], second["wait_s"]) == ("answered", None, 14.0)
    members = {
        a
        for (a,) in store.con.execute(
            "SELECT DISTINCT agent FROM queue_log_events WHERE event = 'RINGNOANSWER'"
        ).fetchall()
    }
    assert members == {"Agent Alfa", "Agent Bravo Charlie Delta", "Agent Echo"}
    # lines out of order whose ENTERQUEUE is not in the fixture wait for it
    (waiting,) = [n for n in report.notes if "6 call events of 2 call/queue pairs" in n]
    name = FIXTURE.name
    assert waiting.endswith(", ".join(f"{name}:{i}" for i in (16, 17, 18, 20, 21, 22)))
    assert "later load" in waiting


def _rfssa_per_day() -> dict[str, float]:
    out: Counter[str] = Counter()
    with (TECHNION_DIR / "rfssa_callcenter_6min_counts.csv").open() as fh:
        for r in csv.DictReader(fh):
            out[r["date"]] += float(r["calls"])
    return dict(out)


def _phantoms_per_day(path: Path) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in path.read_text().splitlines()[1:]:
        f = line.split("\t")
        if len(f) == 17 and f[12] == "PHANTOM":
            out[f"19{f[5][:2]}-{f[5][2:4]}-{f[5][4:]}"] += 1
    return out


@pytest.mark.parametrize("month", ["february", "october"])
def test_technion_records_per_day_match_the_rfssa_counts(
    real_data: Path, store: Store, month: str
) -> None:
    # SOURCE.md: Feb matches Rfssa on every day; Oct too except 26 Oct, short by the 2
    # malformed rows. With those 2 rows recovered, every day matches.
    path = TECHNION_DIR / f"{month}.txt"
    load(store, "technion", path)
    per_day: Counter[str] = Counter()
    for cid in contacts(store):
        d = cid.split("-")[0]
        per_day[f"19{d[:2]}-{d[2:4]}-{d[4:]}"] += 1
    per_day.update(_phantoms_per_day(path))
    rfssa = _rfssa_per_day()
    assert per_day, "no contacts loaded"
    assert {d: per_day[d] for d in per_day} == {d: rfssa[d] for d in per_day}


def test_technion_three_months(real_data: Path, store: Store) -> None:
    files = [TECHNION_DIR / f"{m}.txt" for m in ("january", "february", "october")]
    report = load(store, "technion", *files)
    by_file = Counter((c["source_file"], c["outcome"]) for c in contacts(store).values())
    # SOURCE.md: AGENT / HANG / PHANTOM per month; queue abandonment numerators
    assert by_file == {
        ("january.txt", "answered"): 27060,
        ("january.txt", "abandoned"): 3101,
        ("january.txt", "ivr_abandoned"): 4299 - 3101,
        ("february.txt", "answered"): 27162,
        ("february.txt", "abandoned"): 3963,
        ("february.txt", "ivr_abandoned"): 5904 - 3963,
        ("october.txt", "answered"): 30861,
        ("october.txt", "abandoned"): 2106,
        # 3,615 well-formed HANG rows plus the 2 recovered ones (both IVR hang-ups)
        ("october.txt", "ivr_abandoned"): 3615 + 2 - 2106,
    }
    assert report.ignored == {
        "header": 3,
        "PHANTOM call (ignored per the Technion documentation)": 240 + 278 + 147,
    }
    assert report.lines_rejected == 0
    recovered = [n for n in report.notes if "separated by spaces" in n]
    assert [n.split(":")[:2] for n in recovered] == [
        ["october.txt", "7315"],
        ["october.txt", "14247"],
    ]
    got = contacts(store)
    assert got["991026-AA0108-3892"]["queue"] == "NW"
    assert got["991026-AA0116-10486"]["queue"] == "IN"
    # mean service time of AGENT rows (SOURCE.md: Jan 183.5 s, Feb 176.4 s, Oct 180.1 s)
    means = store.con.execute(
        "SELECT source_file, round(avg(talk_s), 1) FROM contacts WHERE outcome = 'answered' "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert means == [("february.txt", 176.4), ("january.txt", 183.5), ("october.txt", 180.1)]
    # January is incomplete: no records on 11 and 12 January
    days = {cid.split("-")[0] for cid in got if cid.startswith("9901")}
    assert "990110" in days
    assert "990111" not in days
    assert "990112" not in days


def _union(spans: list[tuple[int, int]]) -> int:
    """Seconds covered by the union of [a, b) spans."""
    total, reach = 0, None
    for a, b in sorted(spans):
        lo = a if reach is None else max(a, reach)
        total += max(0, b - lo)
        reach = b if reach is None else max(reach, b)
    return total


def _pbx_agent_time() -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Independently of the loader, from the PBXware rows: per agent, the logged-in
    seconds (sessions as Asterisk itself reports them on each AGENTCALLBACKLOGOFF,
    param2 = logintime, ending at the logoff; a session with no logoff yet from login to
    the agent's last state change, the end of its last call or the answer of a call with
    no end; and the agent's calls, which count as logged in) and the union of its calls
    from CONNECT to their final line; and the sessions alone (callback agents join IT at
    login and leave it at logoff, so that is their time as members of IT)."""
    rows = list(csv.DictReader(PBX.open(newline="", encoding="utf-8")))
    finals = {"COMPLETEAGENT", "COMPLETECALLER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
    sessions: dict[str, list[tuple[int, int]]] = {}
    login_at: dict[str, int] = {}
    connect: dict[tuple[str, str], tuple[str, int]] = {}
    calls: dict[str, list[tuple[int, int | None]]] = {}
    for r in rows:
        t, agent, event = int(r["date_time"]), r["type"], r["event"]
        if event == "AGENTCALLBACKLOGIN":
            login_at[agent] = t
        elif event == "AGENTCALLBACKLOGOFF":
            sessions.setdefault(agent, []).append((t - int(r["param2"]), t))
            login_at.pop(agent, None)
        elif event == "CONNECT":
            connect[(r["callid"], r["queue_name"])] = (agent, t)
        elif event in finals and (r["callid"], r["queue_name"]) in connect:
            who, start = connect.pop((r["callid"], r["queue_name"]))
            calls.setdefault(who, []).append((start, t))
    for who, start in connect.values():  # answered, no end yet
        calls.setdefault(who, []).append((start, None))
    closed = {a: [(x, y) for x, y in spans if y is not None] for a, spans in calls.items()}
    for agent, start in login_at.items():  # a session still open
        ends = [b if b is not None else a for a, b in calls.get(agent, []) if a >= start]
        sessions.setdefault(agent, []).append((start, max(ends) if ends else start))
    logged = {a: _union(s + closed.get(a, [])) for a, s in sessions.items()}
    handling = {a: _union(spans) for a, spans in closed.items()}
    member = {a: _union(s) for a, s in sessions.items()}
    return logged, handling, member


def test_pbxware_agent_time_against_an_independent_count(real_data: Path, store: Store) -> None:
    from contactcenter import report

    load(store, "queue_log_csv", PBX)
    logged, handling, member = _pbx_agent_time()
    table = report(store.path, by="agent", metrics="logged_in_s,handling_s,available_s")
    got = {r["agent"]: r for r in table.to_pylist() if r["agent"]}
    assert set(got) == set(logged) == {f"Agent/{n}" for n in (1109, 1126, 1127, 1128, 1141, 1144)}
    for agent, row in got.items():
        assert row["logged_in_s"] == logged[agent], agent
        assert row["handling_s"] == handling.get(agent, 0), agent
        # no pause in this export: logged in = available + handling
        assert row["available_s"] + row["handling_s"] == row["logged_in_s"]
    # IT's time line: the agents' memberships (a call past the logoff is not in it)
    by_queue = report(store.path, by="queue", metrics="logged_in_s").to_pylist()
    assert [(r["queue"], r["logged_in_s"]) for r in by_queue] == [("IT", sum(member.values()))]
