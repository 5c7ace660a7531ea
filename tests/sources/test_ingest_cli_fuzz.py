"""Careless and hostile input to ``contactcenter ingest``, every format: generated small
files (random lines, damaged bytes, CR, huge numbers, far dates, quotes, missing fields,
empty and binary files, gzip) and generated options. No traceback and no exit status
other than 0, 1 and 2, ever; an error is one line."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.sources.technion import COLUMNS
from tests.cli.test_fuzz_measuring import assert_clean

runner = CliRunner()

T = 1_700_000_000
FAR = ["0001-01-01 00:00:00", "9999-12-31 23:59:59", "1899-12-31", "2200-01-01T00:00:00Z"]
NUMBERS = ["99999999999", "1e309", "-1", "nan", "18446744073709551616", "0", ""]
QUEUE_LOG = [
    f"{T}|c1|sales|NONE|ENTERQUEUE||+15550001|1",
    f"{T + 20}|c1|sales|Agent B|CONNECT|20|c1b|3",
    f"{T + 140}|c1|sales|Agent B|COMPLETECALLER|20|120|1",
    f"{T + 9}|c2|b@c|NONE|ABANDON|1|1|9",
    f"{T}|a@b|c|NONE|ENTERQUEUE||x\\|1",
    f"{T + 1}|NONE|sales|Agent A|PAUSE|Lunch",
    f"{T}|c3|q|NONE|ENTERQUEUE||" + "9" * 3000 + "|1",
    "99999999999|c4|q|NONE|ENTERQUEUE||+1|1",
    f"{T}|c5|q",
    f"{T}|c6|q|NONE|enterqueue",
    '"|"|"|"|"',
]
REALTIME = "time,callid,queuename,agent,event,data1,data2,data3,data4,data5"
PBXWARE = (
    "uid,date_time,callid,queue_name,type,event,param1,param2,param3,entpos,expos,htime,ttime,time"
)
CONTACTS = "contact_id,offered_at,outcome,wait_s,talk_s,transferred,answered_at,ring_no_answer"
TECHNION = "\t".join(COLUMNS)
TECHNION_ROW = (
    "AA0101\t33130\t0\t0\tPS\t990101\t10:04:47\t10:04:56\t9\t10:04:56\t10:05:10\t14\tAGENT"
    "\t10:05:10\t10:05:49\t39\tMORIAH"
)
MAPPING = (
    "delimiter: ';'\ntimestamp_format: '%d/%m/%Y %H:%M'\ntime_zone: Asia/Tokyo\ncolumns:\n"
    "  contact_id: id\n  offered_at: start\n  talk_s: {column: talk, unit: hms}\n"
    "  outcome: {column: res, values: {ANSWERED: answered, ABANDON: abandoned}}\n"
)


def _csv_rows(header: str, sep: str) -> list[str]:
    width = header.count(sep) + 1
    rows = [header]
    for when in [str(T), "2024-03-01 10:00:00", *FAR, "yesterday"]:
        cells = [when] + ["x"] * (width - 1)
        rows.append(sep.join(cells))
    rows += [sep.join(['"a', 'b"', "c"]), '"open', sep * (width - 1), sep * (width + 3)]
    return rows


LINES: dict[str, list[str]] = {
    "queue_log": QUEUE_LOG,
    "queue_log_csv": [
        *_csv_rows(REALTIME, ","),
        *(line.replace("|", ",") for line in QUEUE_LOG),
        PBXWARE,
        f"1,{T},c1,q,NONE,ENTERQUEUE,+1,,,1,,,,x",
    ],
    "contacts": [
        *_csv_rows(CONTACTS, ","),
        *(f"k{i},{w},answered,{n},{n},maybe,{w},{n}" for i, (w, n) in enumerate(
            zip([*FAR, "2024-03-01 10:00:00"], NUMBERS, strict=False))),
        "k9,2024-03-01 10:00:00,abandoned,5,,,,",
        'k8,"2024-03-01\n10:00:00",abandoned,5,,,,',
    ],
    "technion": [TECHNION, TECHNION_ROW, TECHNION_ROW.replace("990101", "991399"),
                 TECHNION_ROW.replace("AGENT", "PHANTOM"), TECHNION_ROW[:30]],
    "csv": [
        "id;start;res;talk",
        "c1;01/07/2024 09:00;ANSWERED;0:01:02",
        "c2;01/01/0001 00:10;ABANDON;",
        "c3;31/12/9999 23:59;ANSWERED;99:99:99",
        "c4;;;",
        "c5;01/07/2024 09:00;MAYBE;1",
    ],
    "agent_states": [
        "agent,state,start,end,reason,queue",
        "ann,available,2024-03-04T08:00:00Z,2024-03-04T08:20:00Z,,",
        "ann,not_ready,2024-03-04T08:10:00Z,,Lunch,sales",
        "ann,handling,2024-03-04T08:20:00+99:00,2024-03-04T08:35:00Z,,",
        "bob,logged_out,0001-01-01T00:00:00,9999-12-31T23:59:59,,",
        ",dancing,2200-01-01T00:00:00Z,nan,,",
        "bob,acw,2024-03-04 08:00:00,2024-03-04 07:00:00,,",
    ],
    "agent_states_csv": [
        "Agent;Status;From;To",
        "Ann;Ready;04/03/2024 09:00;04/03/2024 09:30",
        "Ann;Talking;04/03/2024 09:20;",
        "Bob;Nap;31/12/9999 23:59;01/01/0001 00:00",
        "Bob;Ready;;",
    ],
    "schedule_csv": [
        "agent,activity,start,end",
        "ann,work,2024-03-04T09:00:00Z,2024-03-04T12:00:00Z",
        "ann,lunch,2024-03-04T11:00:00Z,2024-03-04T12:30:00Z",
        "ann,nap,2024-03-04T12:30:00Z,",
        "bob,off,9999-12-31T23:59:59,0001-01-01T00:00:00",
        "bob,work,2024-03-04T09:00:00,2024-03-04T09:00:00",
    ],
    "ticket_events": [
        "case:concept:name,concept:name,org:resource,time:timestamp",
        "T1,Assign seriousness,A,2024-03-01 09:00:00+00:00",
        "T1,Take in charge ticket,B,2024-03-01 09:10:00",
        "T1,Take in charge ticket,B,2024-03-01 09:10:00",
        "T2,Resolve ticket,,0001-01-01 00:00:00+01:00",
        "T3,Wait,A,9999-12-31 23:59:59-05:00",
        ",,,",
        'T4,"Closed\nlate",A,2024-03-01 09:10:00',
    ],
    "twcs": [
        ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id",
        "0,1,c1,True,Fri Mar 01 09:00:00 +0000 2024,@B hi,2,",
        "1,2,B,False,Fri Mar 01 09:10:00 +0000 2024,@c1 yes,,1.0",
        "2,3,c1,True,Fri Mar 01 09:00:00 +0000 0001,x,,2",
        "3,1,c1,Maybe,Fri Mar 01 09:00:00 +0000 2024,dup id,,",
        "4,4,c2,True,Fri Mar 01 09:00:00 +0000 2024,\"a\rb\",,99999999999999999999999",
        "5,5,B,False,Fri Mar 01 09:00:00 +0000 2024,loop,,5",
    ],
    "messages": [
        "conversation_id,message_id,at,direction,sender_kind,agent_id,private,deleted",
        "c1,m1,2024-03-01T09:00:00Z,in,customer,,,",
        "c1,m2,2024-03-01T09:01:00Z,out,agent,a1,false,maybe",
        "c1,m2,2024-03-01T09:02:00Z,out,bot,,,",
        "c2,m1,9999-12-31T23:59:59Z,sideways,customer,,,",
        "c3,m1,,in,,,,",
    ],
    "messages_csv": [
        "conv,id,time,dir,agent",
        "c1,1,2024-03-01T09:00:00Z,i,",
        "c1,2,2024-03-01T09:01:00Z,o,a1",
        "c1,3,1800-01-01T09:00:00Z,x,a1",
    ],
}  # fmt: skip

STATES_MAPPING = """delimiter: ";"
timestamp_format: "%d/%m/%Y %H:%M"
columns: {agent: Agent, state: Status, start: From, end: To}
states: {Ready: available, Talking: handling, Away: not_ready, Out: logged_out}
"""

CHAT_MAPPING = (
    "columns:\n  conversation_id: conv\n  message_id: id\n  at: time\n"
    "  direction: {column: dir, values: {i: in, o: out}}\n  agent_id: agent\n"
)

OPTIONS: dict[str, list[str | None]] = {
    "--source-tz": ["UTC", "Asia/Tokyo", "America/New_York", "Mars/Olympus", ""],
    "--source": ["x", "", "a@b", "\x1b[2J"],
    "--delimiter": [",", ";", "tab", "auto", "|", ""],
    "--json": [None],
    "--pause-reasons": ["reasons.csv"],
}


@st.composite
def files(draw: st.DrawFn, fmt: str) -> bytes:
    """A small file of ``fmt``: lines of the format and of the others, edited."""
    pool = LINES[fmt] + draw(st.sampled_from([[], QUEUE_LOG, LINES["contacts"]]))
    kind = draw(st.sampled_from(["lines", "lines", "lines", "empty", "binary"]))
    if kind == "empty":
        return b""
    if kind == "binary":
        return draw(st.binary(max_size=200))
    rows = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=12))
    if draw(st.booleans()):  # the format's header first
        rows.insert(0, pool[0])
    end = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    text = end.join(rows) + draw(st.sampled_from(["", end]))
    data = text.encode("utf-8")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\x00", b"\r", b'"', b"|"])) + data[at:]
    if draw(st.integers(0, 4)) == 0:
        data = gzip.compress(data)
    return data


@settings(
    max_examples=90,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    fmt=st.sampled_from(list(LINES)),
    data=st.data(),
)
def test_ingest_never_breaks(fmt: str, data: st.DataObject) -> None:
    content = data.draw(files(fmt))
    suffix = data.draw(st.sampled_from(["", ".csv", ".parquet", ".gz", ".txt"]))
    options = data.draw(st.lists(st.sampled_from(list(OPTIONS)), max_size=2, unique=True))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(content)
        args = ["ingest", "--db", str(Path(tmp) / "cc.duckdb"), "--format", fmt, str(path)]
        mappings = {
            "csv": [MAPPING, "columns: [", "{}"],
            "messages_csv": [CHAT_MAPPING, "columns: [", "{}"],
            "ticket_events": ["activities: {Wait: pending, Closed: closed}", "activities: 3"],
            "agent_states_csv": [STATES_MAPPING, "columns: [", "{}"],
        }
        if fmt in mappings:
            mapping = Path(tmp) / "m.yaml"
            mapping.write_text(data.draw(st.sampled_from(mappings[fmt])))
            args += ["--mapping", str(mapping)]
        (Path(tmp) / "reasons.csv").write_text("code,name\n2609,Tea Break\n")
        for option in options:
            value = data.draw(st.sampled_from(OPTIONS[option]))
            if option == "--pause-reasons":
                value = str(Path(tmp) / "reasons.csv")
            args += [option] if value is None else [option, value]
        result = runner.invoke(app, args)
        assert_clean(result)
        if data.draw(st.booleans()):  # the same again: still clean
            assert_clean(runner.invoke(app, args))
