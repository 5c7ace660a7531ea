"""queue_log table exports: the Asterisk realtime layouts and PBXware's moved fields."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from contactcenter.errors import FormatError, InputError
from contactcenter.sources.queue_log_csv import pbxware_fields
from contactcenter.store import Store
from tests.sources.conftest import contacts, lines, load, rejects, write
from tests.sources.test_ingest_queue_log import AGENT_LINES, CALLS, EXPECTED, T

REALTIME_HEADER = ["id", "time", "callid", "queuename", "agent", "event"] + [
    f"data{i}" for i in range(1, 6)
]


def _realtime_csv(raw_lines: list[str], *, time_as: str = "epoch", single: bool = False) -> str:
    """The raw lines as a realtime table export."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    header = (
        ["time", "callid", "queuename", "agent", "event", "data"] if single else REALTIME_HEADER
    )
    w.writerow(header)
    for i, line in enumerate(raw_lines, start=1):
        f = line.split("|")
        time = f[0]
        if time_as == "datetime":  # local time of a server in UTC-5 (no DST in this span)
            import datetime as dt

            local = dt.datetime.fromtimestamp(int(time), dt.UTC) - dt.timedelta(hours=5)
            time = local.strftime("%Y-%m-%d %H:%M:%S.000000")
        data = f[5:]
        if single:
            w.writerow([time, *f[1:5], "|".join(data)])
        else:
            w.writerow([i, time, *f[1:5], *(data + [""] * 5)[:5]])
    return out.getvalue()


def _outcomes(store: Store) -> dict[str, tuple[object, ...]]:
    return {
        k: (v["outcome"], v["wait_s"], v["talk_s"], v["answered_at"], v["ended_at"])
        for k, v in contacts(store).items()
    }


EXPECTED_OUTCOMES = {k: (v[0], v[1], v[2], v[3], v[4]) for k, v in EXPECTED.items()}


@pytest.mark.parametrize("single", [False, True], ids=["data1..data5", "one data column"])
def test_realtime_export_gives_the_same_contacts_as_the_raw_file(
    store: Store, tmp_path: Path, single: bool
) -> None:
    path = write(tmp_path / "queue_log.csv", _realtime_csv(CALLS + AGENT_LINES, single=single))
    report = load(store, "queue_log_csv", path)
    assert _outcomes(store) == EXPECTED_OUTCOMES
    assert report.ignored == {"header": 1}
    assert report.agent_events_inserted == len(AGENT_LINES)
    # line numbers are the CSV's own (line 1 is the header)
    assert contacts(store)[f"c1@sales@{T}"]["source_line"] == 2


def test_realtime_local_datetimes_are_read_in_source_tz(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ql.csv", _realtime_csv(CALLS, time_as="datetime"))
    load(store, "queue_log_csv", path, source_tz="America/Bogota")
    assert _outcomes(store) == EXPECTED_OUTCOMES
    assert {c["source_tz"] for c in contacts(store).values()} == {"America/Bogota"}


def test_realtime_naive_datetimes_without_source_tz_are_utc_and_noted(
    store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "ql.csv", _realtime_csv(CALLS[:4], time_as="datetime"))
    report = load(store, "queue_log_csv", path)
    (c,) = contacts(store).values()
    assert c["offered_at"] == T - 5 * 3600  # the UTC-5 wall time read as UTC
    assert any("read as UTC" in n for n in report.notes)


def test_unknown_source_tz_is_a_user_error(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ql.csv", _realtime_csv(CALLS[:2]))
    with pytest.raises(InputError, match="unknown time zone 'Mars/Olympus'"):
        load(store, "queue_log_csv", path, source_tz="Mars/Olympus")


def test_bad_rows_are_rejected_with_their_line(store: Store, tmp_path: Path) -> None:
    text = _realtime_csv(CALLS[:4]) + "\n" + "99,yesterday,c9,q,NONE,ENTERQUEUE,,+1,1,,\n1,2\n"
    path = write(tmp_path / "ql.csv", text)
    report = load(store, "queue_log_csv", path)
    assert report.ignored == {"header": 1, "blank line": 1}
    assert {(int(r["line_no"]), r["reason"]) for r in rejects(store)} == {
        (7, "time is neither a Unix epoch nor YYYY-MM-DD HH:MM:SS[.ffffff]"),
        (8, "number of fields differs from the header"),
    }


def test_a_file_without_a_known_header_is_refused(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", "\n".join(CALLS))
    with pytest.raises(FormatError) as err:
        load(store, "queue_log_csv", path)
    assert err.value.line_no == 1
    assert "not a queue_log table export" in str(err.value)
    with pytest.raises(FormatError, match="empty file"):
        load(store, "queue_log_csv", write(tmp_path / "empty.csv", ""))


PBX_HEADER = (
    "uid,date_time,callid,queue_name,type,event,param1,param2,param3,entpos,expos,htime,ttime,time"
)


def test_pbxware_moved_fields_are_moved_back(store: Store, tmp_path: Path) -> None:
    rows = [
        f'1,{T},a.1,IT,NONE,ENTERQUEUE,15550001,,,1,0,0,0,"x"',
        f'2,{T + 10},a.1,IT,Agent/1,RINGNOANSWER,15550001,,,1,1,10000,0,"x"',
        f'3,{T + 30},a.1,IT,Agent/2,CONNECT,,b.2,6,0,0,30,0,"x"',
        f'4,{T + 90},a.1,IT,Agent/2,COMPLETEAGENT,15550001,,,1,0,30,60,"x"',
        f'5,{T},a.3,IT,NONE,ENTERQUEUE,15550003,,,2,0,0,0,"x"',
        f'6,{T + 300},a.3,IT,NONE,EXITWITHTIMEOUT,15550003,,,2,1,300,0,"x"',
        f'7,{T},a.4,IT,NONE,ENTERQUEUE,15550004,,,3,0,0,0,"x"',
        f'8,{T + 5},a.4,IT,Agent/2,CONNECT,,b.5,2,0,0,5,0,"x"',
        f'9,{T + 45},a.4,IT,Agent/2,ATTENDEDTRANSFER,15550004,,,1,0,5,40,"x"',
        f'10,{T},NONE,NONE,NONE,QUEUESTART,,,,0,0,0,0,"x"',
        f'11,{T},a.5,NONE,Agent/1,OUTDIAL,3318,,,0,0,0,0,"x"',
    ]
    path = write(tmp_path / "pbx.csv", "\n".join([PBX_HEADER, *rows]) + "\n")
    report = load(store, "queue_log_csv", path)
    got = contacts(store)
    one = got[f"a.1@IT@{T}"]
    assert (one["outcome"], one["wait_s"], one["talk_s"], one["hold_s"]) == (
        "answered",
        30.0,  # htime is the queue hold time: the caller's wait, not hold_s
        60.0,
        None,
    )
    assert (one["customer_id"], one["ring_no_answer"], one["agent_id"]) == (
        "15550001",
        1,
        "Agent/2",
    )
    three = got[f"a.3@IT@{T}"]
    assert (three["outcome"], three["wait_s"]) == ("timed_out", 300.0)
    four = got[f"a.4@IT@{T}"]
    assert (four["outcome"], four["transferred"], four["talk_s"]) == ("answered", True, 40.0)
    ring = store.con.execute(
        "SELECT data1 FROM queue_log_events WHERE event = 'RINGNOANSWER'"
    ).fetchall()
    assert ring == [("10000",)]  # milliseconds, as in the raw log
    assert report.ignored == {
        "header": 1,
        "event QUEUESTART not used": 1,
        "event OUTDIAL not used": 1,
    }


def test_pbxware_field_moves_match_the_standard_layout() -> None:
    # ENTERQUEUE(url|callerid|position), CONNECT(holdtime|bridged|ringtime),
    # COMPLETE*(holdtime|calltime|origposition), ABANDON(position|origposition|waittime),
    # BLINDTRANSFER(extension|context|holdtime|calltime|origposition), RINGNOANSWER(ms)
    assert pbxware_fields("ENTERQUEUE", "155", "", "", "2", "0", "0", "0")[:3] == ("", "155", "2")
    assert pbxware_fields("CONNECT", "", "b.2", "6", "0", "0", "76", "0")[:3] == ("76", "b.2", "6")
    assert pbxware_fields("COMPLETECALLER", "1", "", "", "1", "0", "76", "847")[:3] == (
        "76",
        "847",
        "1",
    )
    assert pbxware_fields("ABANDON", "1", "", "", "2", "1", "197", "0")[:3] == ("1", "2", "197")
    assert pbxware_fields("BLINDTRANSFER", "1", "1142", "transfer", "1", "0", "6", "38") == (
        "1142",
        "transfer",
        "6",
        "38",
        "1",
    )
    assert pbxware_fields("RINGNOANSWER", "1", "", "", "1", "1", "10000", "0")[0] == "10000"


def test_raw_file_and_realtime_export_of_the_same_events_are_one_source(
    store: Store, tmp_path: Path
) -> None:
    load(store, "queue_log", write(tmp_path / "queue_log", lines(*CALLS)))
    before = _outcomes(store)
    report = load(store, "queue_log_csv", write(tmp_path / "ql.csv", _realtime_csv(CALLS)))
    # different text (it is a CSV row), so the events are stored again, but the contacts
    # derived from them are the same contacts
    assert _outcomes(store) == before
    assert report.contacts_inserted == 0


# ------------------------------------------------------------------ separators
def _mysql_client_tsv(raw_lines: list[str]) -> str:
    """The raw lines as `mysql -B -e 'SELECT * FROM queue_log'` prints them: tab-separated,
    no quoting, a header of column names, local datetimes (server in UTC-5)."""
    import datetime as dt

    out = ["\t".join(["id", "time", "callid", "queuename", "serverid", "agent", "event"]
                     + [f"data{i}" for i in range(1, 6)])]  # fmt: skip
    for i, line in enumerate(raw_lines, start=1):
        f = line.split("|")
        local = dt.datetime.fromtimestamp(int(f[0]), dt.UTC) - dt.timedelta(hours=5)
        data = (f[5:] + [""] * 5)[:5]
        out.append("\t".join([str(i), local.strftime("%Y-%m-%d %H:%M:%S"), f[1], f[2], "",
                              f[3], f[4], *data]))  # fmt: skip
    return "\n".join(out) + "\n"


def _excel_semicolon_csv(raw_lines: list[str]) -> str:
    """The raw lines as a spreadsheet in a comma-decimal locale saves them: a BOM,
    ';'-separated, every field quoted, CRLF line ends."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(REALTIME_HEADER)
    for i, line in enumerate(raw_lines, start=1):
        f = line.split("|")
        w.writerow([i, f[0], *f[1:5], *(f[5:] + [""] * 5)[:5]])
    return "\ufeff" + out.getvalue()


EXPORTS = {
    "comma": (_realtime_csv, {}),
    "semicolon": (_excel_semicolon_csv, {}),
    "tab (mysql client)": (_mysql_client_tsv, {"source_tz": "America/Bogota"}),
}


@pytest.mark.parametrize("kind", list(EXPORTS))
@pytest.mark.parametrize("delimiter", [None, "auto", "given"])
def test_comma_semicolon_and_tab_exports_give_the_same_contacts(
    store: Store, tmp_path: Path, kind: str, delimiter: str | None
) -> None:
    make, options = EXPORTS[kind]
    path = write(tmp_path / "queue_log.csv", make(CALLS + AGENT_LINES))
    if delimiter == "given":
        delimiter = {"comma": ",", "semicolon": ";", "tab (mysql client)": "tab"}[kind]
    report = load(store, "queue_log_csv", path, delimiter=delimiter, **options)
    assert _outcomes(store) == EXPECTED_OUTCOMES
    assert (report.ignored, report.lines_rejected) == ({"header": 1}, 0)
    assert report.agent_events_inserted == len(AGENT_LINES)
    assert contacts(store)[f"c1@sales@{T}"]["customer_id"] == "+15550001"


def test_each_file_gets_its_own_separator(store: Store, tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", _excel_semicolon_csv(CALLS[:8]))
    b = write(tmp_path / "b.csv", _realtime_csv(CALLS[8:]))
    load(store, "queue_log_csv", a, b)
    assert _outcomes(store) == EXPECTED_OUTCOMES


@pytest.mark.parametrize(
    ("export", "given", "found"),
    [(_realtime_csv, ";", "','"), (_mysql_client_tsv, ",", "tab"), (_realtime_csv, "\t", "','")],
)
def test_a_forced_wrong_separator_is_named_with_the_header(
    store: Store, tmp_path: Path, export: Any, given: str, found: str
) -> None:
    from contactcenter.cli.common import error_line

    path = write(tmp_path / "ql.csv", export(CALLS[:2]))
    header = path.read_text().splitlines()[0]
    with pytest.raises(InputError) as err:
        load(store, "queue_log_csv", path, delimiter=given)
    assert err.value.field == "delimiter"
    message = str(err.value)
    shown = "tab" if given == "\t" else repr(given)
    assert message.startswith(f"delimiter {shown}: {path}:1: ")
    assert f"split at {found} it is the Asterisk realtime header" in message
    assert repr(header[:40])[1:-1] in message  # what the header looks like
    assert "the header must name" not in message  # the header is fine: the separator is not
    assert error_line(err.value).startswith(f"--delimiter {shown}: {path}:1: ")


def test_a_header_no_separator_fits_names_the_separators(store: Store, tmp_path: Path) -> None:
    piped = write(tmp_path / "ql.csv", "time|callid|queuename|agent|event|data\n1|2|3|4|5|6\n")
    with pytest.raises(FormatError) as err:
        load(store, "queue_log_csv", piped)
    assert "separated by ',', ';' or a tab" in str(err.value)
    assert "'time|callid|queuename|agent|event|data'" in str(err.value)
    with pytest.raises(FormatError) as err:
        load(store, "queue_log_csv", piped, delimiter=";")
    assert "split at ';' the first line is 1 field" in str(err.value)


@pytest.mark.parametrize("fmt", ["queue_log", "technion", "contacts"])
def test_delimiter_is_refused_where_it_does_not_apply(
    store: Store, tmp_path: Path, fmt: str
) -> None:
    with pytest.raises(InputError) as err:
        load(store, fmt, write(tmp_path / "x", "x\n"), delimiter=";")
    assert err.value.field == "delimiter"
    assert str(err.value).startswith(f"delimiter does not apply to format {fmt}")


@pytest.mark.parametrize("value", ["|", "", "semicolon", ",,"])
def test_unknown_delimiter_values_are_user_errors(store: Store, tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "ql.csv", _realtime_csv(CALLS[:2]))
    with pytest.raises(InputError) as err:
        load(store, "queue_log_csv", path, delimiter=value)
    assert err.value.field == "delimiter"
    assert f"got {value!r}" in str(err.value)
    assert "',', ';', tab or auto" in str(err.value)
