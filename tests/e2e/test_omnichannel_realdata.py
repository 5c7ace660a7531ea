"""The conversation formats on the real files of ../shared/data, checked against figures a
short independent script computes from the raw file in this test (the csv module and the
documented rules, none of the loader's code). Skipped without ../shared."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.engines import open_engine
from contactcenter.metrics import select_metrics
from contactcenter.reports.query import ReportRequest, run_report
from contactcenter.sources import IngestOptions, ingest
from contactcenter.store import Store

pytestmark = pytest.mark.realdata

ROOT = Path(__file__).resolve().parents[2]
HELPDESK_MAPPING = ROOT / "data" / "mappings" / "helpdesk.yaml"


def report(
    db: Path, names: list[str], by: tuple[str, ...] = (), **extra: Any
) -> list[dict[str, Any]]:
    engine = open_engine("duckdb", db=db)
    try:
        request = ReportRequest(metrics=tuple(select_metrics(names)), by=by, **extra)
        return run_report(engine, request).rows()
    finally:
        engine.close()


# ------------------------------------------------------------------------ helpdesk
def helpdesk_figures(path: Path) -> dict[str, Any]:
    """The issue's ticket rules applied to the raw log, one case at a time."""
    kinds = {
        "Take in charge ticket": "responded",
        "Resolve ticket": "resolved",
        "Closed": "closed",
        "Wait": "pending",
    }
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen: set[tuple[str, ...]] = set()
    cases: dict[str, list[tuple[dt.datetime, int, str, str]]] = defaultdict(list)
    for i, r in enumerate(rows):
        key = (r["case:concept:name"], r["concept:name"], r["org:resource"], r["time:timestamp"])
        if key in seen:
            continue
        seen.add(key)
        t = dt.datetime.fromisoformat(r["time:timestamp"])
        cases[key[0]].append((t, i, kinds.get(r["concept:name"], "updated"), r["org:resource"]))
    out: dict[str, Any] = {"rows": len(rows), "events": len(seen), "status": Counter()}
    first_response, resolution, final, pending, reopened, by_year = [], [], [], 0.0, 0, Counter()
    unanswered = 0
    for events in cases.values():
        events.sort()
        created = events[0][0]
        by_year[created.year] += 1
        resolved = False
        fr = first_res = last_res = pending_from = None
        last_resolution_kind = ""
        for t, _, kind, _ in events:
            if pending_from is not None:  # every event ends a pending period
                pending += (t - pending_from).total_seconds()
                pending_from = None
            if kind == "responded":
                if resolved:
                    reopened += 1
                    resolved = False
                elif fr is None and first_res is None:
                    fr = t
            elif kind in ("resolved", "closed"):
                last_resolution_kind = kind
                if not resolved:
                    resolved = True
                    first_res = first_res or t
                    last_res = t
            elif kind == "pending" and not resolved:
                pending_from = t
        if fr is not None:
            first_response.append((fr - created).total_seconds())
        if first_res is not None:
            resolution.append((first_res - created).total_seconds())
            unanswered += fr is None
        if resolved:
            assert last_res is not None
            final.append((last_res - created).total_seconds())
            out["status"][last_resolution_kind] += 1
        else:
            out["status"]["pending" if pending_from is not None else "open"] += 1
    out.update(
        conversations=len(cases),
        responded=len(first_response),
        unanswered=unanswered,
        resolved=len(resolution),
        reopens=reopened,
        first_response_s=mean(first_response),
        resolution_s=mean(resolution),
        final_resolution_s=mean(final),
        pending_s=pending,
        by_year=dict(by_year),
        within_4h=sum(s <= 4 * 3600 for s in first_response) / len(cases),
    )
    return out


def test_helpdesk_ticket_log(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "helpdesk-ticket-eventlog" / "helpdesk.csv"
    want = helpdesk_figures(path)
    # SOURCE.md: 21,348 event rows, 127 exact duplicates, 4,580 cases
    assert (want["rows"], want["rows"] - want["events"], want["conversations"]) == (
        21348, 127, 4580
    )  # fmt: skip
    db = tmp_path / "h.duckdb"
    with Store(db) as store:
        loaded = ingest(
            store,
            fmt="ticket_events",
            files=[path],
            options=IngestOptions(mapping=HELPDESK_MAPPING),
        )
        assert (loaded.lines_read, loaded.lines_used) == (21349, want["events"])
        assert loaded.ignored == {"header": 1, "duplicate row": 127}
        assert loaded.lines_rejected == 0
        stored = store.con.execute(
            "SELECT status, count(*) FROM conversations GROUP BY status"
        ).fetchall()
        assert dict(stored) == dict(want["status"])
        (reopens, pending), *_ = store.con.execute(
            "SELECT sum(reopened), sum(pending_s) FROM conversations"
        ).fetchall()
        assert (reopens, pending) == (want["reopens"], pytest.approx(want["pending_s"]))
    names = ["conversations", "responded", "unanswered", "resolved", "first_response_s",
             "resolution_s", "final_resolution_s"]  # fmt: skip
    (total,) = report(db, names)
    for name in names:
        assert total[name] == pytest.approx(want[name]), name
    years = report(db, ["conversations"], ("year",))
    assert {int(r["year"]): r["conversations"] for r in years} == want["by_year"]


# ------------------------------------------------------------------------ twitter
def twcs_figures(path: Path) -> dict[str, Any]:
    """The issue's thread rules applied to the raw file: every CR made a space first (the
    one text that has bare CRs, tweet 3399, would otherwise split), then the csv module."""
    text = path.read_bytes().decode("utf-8").replace("\r", " ")
    rows = list(csv.DictReader(text.splitlines(keepends=True)))
    tweets = {}
    for line, r in enumerate(rows):
        parent = r["in_response_to_tweet_id"]
        tweets[r["tweet_id"]] = {
            "line": line,
            "author": r["author_id"],
            "inbound": r["inbound"] == "True",
            "at": dt.datetime.strptime(r["created_at"], "%a %b %d %H:%M:%S %z %Y"),
            "parent": str(int(float(parent))) if parent else None,
        }

    def root(tid: str) -> str | None:
        while tweets[tid]["parent"] is not None:
            tid = tweets[tid]["parent"]
            if tid not in tweets:
                return None
        return tid

    threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    fate: Counter[str] = Counter()
    for tid, t in tweets.items():
        r = root(tid)
        if r is None:
            fate["missing"] += 1
        elif tweets[r]["inbound"]:
            fate["used"] += 1
            threads[r].append(t)
        else:
            fate["used" if not t["inbound"] else "brand"] += 1
    first, later, queues = [], [], Counter()
    # messages_sent: every outbound tweet whose chain is complete, brand threads included
    sent = sum(1 for tid, t in tweets.items() if not t["inbound"] and root(tid) is not None)
    for thread in threads.values():
        thread.sort(key=lambda t: (t["at"], t["line"]))
        outbound = [t for t in thread if not t["inbound"]]
        queues[outbound[0]["author"] if outbound else None] += 1
        # the clock starts at the first customer tweet (an agent's tweet may come first)
        start = next(i for i, t in enumerate(thread) if t["inbound"])
        waiting_since, turn = None, 0
        for t in thread[start:]:
            if t["inbound"] and waiting_since is None:
                waiting_since, turn = t["at"], turn + 1
            elif not t["inbound"] and waiting_since is not None:
                seconds = (t["at"] - waiting_since).total_seconds()
                (first if turn == 1 else later).append(seconds)
                waiting_since = None
    return {
        "rows": len(rows),
        "fate": fate,
        "conversations": len(threads),
        "responded": len(first),
        "first_response_s": mean(first),
        "next_response_s": mean(later),
        "queues": queues,
        "messages_sent": sent,
        "within_1h": sum(x <= 3600 for x in first) / len(threads),
    }


def test_twitter_customer_support_threads(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "twitter-customer-support-subset" / "twcs_first5000.csv"
    want = twcs_figures(path)
    assert want["rows"] == 5000  # SOURCE.md: the first 5,000 rows
    db = tmp_path / "t.duckdb"
    with Store(db) as store:
        loaded = ingest(store, fmt="twcs", files=[path])
        assert (loaded.lines_read, loaded.lines_used) == (5001, want["fate"]["used"])
        assert loaded.ignored == {
            "header": 1,
            "thread started by a brand (its first tweet is outbound)": want["fate"]["brand"],
            "its reply chain reaches a tweet not in the store (kept: a later load that "
            "brings it attaches it)": want["fate"]["missing"],
        }
        assert loaded.lines_rejected == 0
        again = ingest(store, fmt="twcs", files=[path])
        assert (again.lines_used, again.tables) == (0, {})
    names = ["conversations", "responded", "first_response_s", "next_response_s"]
    (total,) = report(db, names)
    for name in names:
        assert total[name] == pytest.approx(want[name]), name
    (sent,) = report(db, ["messages_sent"])
    assert sent["messages_sent"] == want["messages_sent"]
    by_queue = {r["queue"]: r["conversations"] for r in report(db, ["conversations"], ("queue",))}
    for queue, n in want["queues"].most_common(5):
        assert by_queue[queue] == n, queue


# ------------------------------------------------------------------------ SLA policies
ISSUE_CONFIG = """\
calendars:
  office:
    tz: Europe/Rome
    hours: {mon: "09:00-18:00", tue: "09:00-18:00", wed: "09:00-18:00", thu: "09:00-18:00",
            fri: "09:00-18:00"}
    holidays: [2012-04-09, 2012-04-25]     # dates; and/or
    holiday_country: IT                     # the holidays library's calendar for that country
policies:
  - match: {channel: ticket}                # also queue, priority
    calendar: office
    first_response: 4h
    resolution: 40h
    pause: [pending]
"""


def office_seconds(a: dt.datetime, b: dt.datetime, off: set[dt.date]) -> float:
    """Seconds of [a, b) inside 09:00-18:00 Rome time on weekdays that are not ``off``,
    walking the days one by one."""
    rome = ZoneInfo("Europe/Rome")
    total = 0.0
    day = a.astimezone(rome).date()
    while day <= b.astimezone(rome).date():
        if day.weekday() < 5 and day not in off:
            start = dt.datetime.combine(day, dt.time(9), rome)
            end = dt.datetime.combine(day, dt.time(18), rome)
            lo, hi = max(a, start), min(b, end)
            total += max((hi - lo).total_seconds(), 0.0)
        day += dt.timedelta(days=1)
    return total


def helpdesk_sla_by_month(path: Path) -> dict[str, dict[str, Any]]:
    """The issue's policy applied to the raw log: business first response and resolution
    (pending taken out), first responses within 4 h, resolutions over 40 h, by month of
    creation in Rome."""
    kinds = {"Take in charge ticket": "responded", "Resolve ticket": "resolved",
             "Closed": "closed", "Wait": "pending"}  # fmt: skip
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cases: dict[str, list[tuple[dt.datetime, int, str]]] = defaultdict(list)
    seen: set[tuple[str, ...]] = set()
    for i, r in enumerate(rows):
        key = (r["case:concept:name"], r["concept:name"], r["org:resource"], r["time:timestamp"])
        if key not in seen:
            seen.add(key)
            t = dt.datetime.fromisoformat(r["time:timestamp"])
            cases[key[0]].append((t, i, kinds.get(r["concept:name"], "updated")))
    end_of_data = max(t for events in cases.values() for t, _, _ in events)
    years = range(2009, 2016)
    off = {dt.date(2012, 4, 9), dt.date(2012, 4, 25)} | set(
        holidays.country_holidays("IT", years=list(years))
    )
    months: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"conversations": 0, "fr": [], "res": [], "within": 0, "overdue": 0}
    )
    for events in cases.values():
        events.sort()
        created = events[0][0]
        resolved, fr, first_res, pending_from = False, None, None, None
        pauses: list[tuple[dt.datetime, dt.datetime]] = []
        for t, _, kind in events:
            if pending_from is not None:
                pauses.append((pending_from, t))
                pending_from = None
            if kind == "responded":
                if resolved:
                    resolved = False
                elif fr is None and first_res is None:
                    fr = t
            elif kind in ("resolved", "closed") and not resolved:
                resolved = True
                first_res = first_res or t
            elif kind == "pending" and not resolved:
                pending_from = t
        if pending_from is not None:
            pauses.append((pending_from, end_of_data))
        month = months[created.astimezone(ZoneInfo("Europe/Rome")).strftime("%Y-%m")]
        month["conversations"] += 1
        if fr is not None:
            fr_bh = office_seconds(created, fr, off)
            month["fr"].append(fr_bh)
            month["within"] += fr_bh <= 4 * 3600
        stop = first_res or end_of_data
        paused = sum(
            office_seconds(max(a, created), min(b, stop), off) for a, b in pauses if b > created
        )
        spent = office_seconds(created, stop, off) - paused
        if first_res is not None:
            month["res"].append(spent)
        month["overdue"] += spent > 40 * 3600
    return {
        name: {
            "conversations": m["conversations"],
            "first_response_bh_s": mean(m["fr"]) if m["fr"] else None,
            "resolution_bh_s": mean(m["res"]) if m["res"] else None,
            "first_response_within_t": m["within"] / m["conversations"],
            "resolution_overdue": m["overdue"],
        }
        for name, m in months.items()
    }


def test_helpdesk_under_the_issues_sla_policy(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "helpdesk-ticket-eventlog" / "helpdesk.csv"
    want = helpdesk_sla_by_month(path)
    db = tmp_path / "h.duckdb"
    with Store(db) as store:
        ingest(store, fmt="ticket_events", files=[path],
               options=IngestOptions(mapping=HELPDESK_MAPPING))  # fmt: skip
    config = tmp_path / "sla.yaml"
    config.write_text(ISSUE_CONFIG)
    names = ["conversations", "first_response_bh_s", "resolution_bh_s",
             "first_response_within_t", "resolution_overdue"]  # fmt: skip
    result = CliRunner().invoke(
        app,
        ["report", "--db", str(db), "--by", "month", "--channel", "ticket", "--config",
         str(config), "--format", "json", "--metrics", ",".join(names)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["parameters"]["tz"] == "Europe/Rome"
    got = {r.pop("month"): r for r in doc["rows"]}
    assert sorted(got) == sorted(want)
    for month, row in want.items():
        for name, value in row.items():
            assert got[month][name] == pytest.approx(value), (month, name)


# ------------------------------------------------------------------------ every channel
def test_one_store_of_calls_tickets_and_tweets_by_channel(
    shared_data: Path, tmp_path: Path
) -> None:
    """Technion calls (January), the Helpdesk tickets and the tweets in one store: one row
    per channel, each against its own threshold (voice 20 s, ticket 4 h, social 1 h)."""
    tickets = helpdesk_figures(shared_data / "helpdesk-ticket-eventlog" / "helpdesk.csv")
    tweets = twcs_figures(shared_data / "twitter-customer-support-subset" / "twcs_first5000.csv")
    db = tmp_path / "all.duckdb"
    with Store(db) as store:
        ingest(
            store,
            fmt="technion",
            files=[shared_data / "technion-anonymous-bank-1999" / "january.txt"],
        )
        ingest(
            store,
            fmt="ticket_events",
            files=[shared_data / "helpdesk-ticket-eventlog" / "helpdesk.csv"],
            options=IngestOptions(mapping=HELPDESK_MAPPING),
        )
        ingest(
            store,
            fmt="twcs",
            files=[shared_data / "twitter-customer-support-subset" / "twcs_first5000.csv"],
        )
    result = CliRunner().invoke(
        app, ["report", "--db", str(db), "--by", "channel", "--format", "json",
              "--metrics", "offered,conversations,service_level"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["channel"]: r for r in json.loads(result.stdout)["rows"]}
    assert sorted(rows) == ["social", "ticket", "voice"]
    assert rows["ticket"]["conversations"] == tickets["conversations"]
    assert rows["ticket"]["service_level"] == pytest.approx(tickets["within_4h"])
    assert rows["social"]["conversations"] == tweets["conversations"]
    assert rows["social"]["service_level"] == pytest.approx(tweets["within_1h"])
    (voice,) = report(db, ["offered", "service_level"], ("channel",), channels=("voice",))
    assert (rows["voice"]["offered"], rows["voice"]["service_level"]) == (
        voice["offered"], pytest.approx(voice["service_level"])
    )  # fmt: skip
    assert voice["offered"] > 0
