"""Business hours and SLA policies, hand-computed: a weekend, a holiday, a DST change, a
pending period, a reopen, a conversation past its due time and one paused.

The office calendar: Europe/Rome, Monday to Friday 09:00-18:00, Easter Monday
(2012-04-09) and Liberation Day (2012-04-25) off. In 2012 Rome moved to summer time on
Sunday 25 March. The policy of tickets: first response 4 h, resolution 40 h (business
time), pending pauses the resolution clock. The ticket times are Rome wall times.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from contactcenter.engines import open_engine
from contactcenter.errors import ConfigError
from contactcenter.metrics import Thresholds, select_metrics
from contactcenter.metrics.sla import US, BusinessClock, SlaConfig
from contactcenter.reports.query import ReportRequest, run_report
from contactcenter.reports.sla import sla_tables
from contactcenter.sources import IngestOptions, ingest
from contactcenter.store import Store
from tests.metrics.test_conversation_metrics import report

CONFIG = """\
calendars:
  office:
    tz: Europe/Rome
    hours: {mon: "09:00-18:00", tue: "09:00-18:00", wed: "09:00-18:00",
            thu: "09:00-18:00", fri: "09:00-18:00"}
    holidays: [2012-04-09, 2012-04-25]
policies:
  - match: {channel: ticket}
    calendar: office
    first_response: 4h
    resolution: 40h
    pause: [pending]
"""

MAPPING = """\
time_zone: Europe/Rome
timestamp_format: "%Y-%m-%d %H:%M"
activities: {Take in charge ticket: responded, Resolve ticket: resolved, Wait: pending}
"""

LOG = [
    # A, a weekend: Friday 17:00 -> Monday 10:00 is 1 h + 1 h of business time
    "A,Assign seriousness,a,2012-03-02 17:00",
    "A,Take in charge ticket,b,2012-03-05 10:00",
    "A,Resolve ticket,b,2012-03-05 11:00",
    # B, a holiday: Friday 6 April 17:30 -> Tuesday 10 April 09:30 (Monday is off): 1 h
    "B,Assign seriousness,a,2012-04-06 17:30",
    "B,Take in charge ticket,b,2012-04-10 09:30",
    "B,Resolve ticket,b,2012-04-10 10:30",
    # C, the DST change: Friday 23 March 17:00 CET -> Monday 26 March 10:00 CEST: 2 h of
    # business time, 64 h of calendar time (not 65)
    "C,Assign seriousness,a,2012-03-23 17:00",
    "C,Take in charge ticket,b,2012-03-26 10:00",
    "C,Resolve ticket,b,2012-03-26 10:30",
    # D, a pending period: Monday 5 March 09:00, waiting on the customer from 10:00 until
    # Tuesday 11:00, resolved 12:00: 12 h of business time, 10 h of it pending
    "D,Assign seriousness,a,2012-03-05 09:00",
    "D,Wait,b,2012-03-05 10:00",
    "D,Take in charge ticket,b,2012-03-06 11:00",
    "D,Resolve ticket,b,2012-03-06 12:00",
    # E, a reopen: Monday 12 March 09:00, answered 09:30, resolved 10:00 (1 h), reopened
    # Wednesday 10:00 and resolved again 11:00 (final: 50 h of calendar time)
    "E,Assign seriousness,a,2012-03-12 09:00",
    "E,Take in charge ticket,b,2012-03-12 09:30",
    "E,Resolve ticket,b,2012-03-12 10:00",
    "E,Take in charge ticket,c,2012-03-14 10:00",
    "E,Resolve ticket,c,2012-03-14 11:00",
    # F, never answered: Monday 19 March 09:00; 40 h of business time run out on Friday
    # 23 March at 13:00 (4 x 9 h + 4 h)
    "F,Assign seriousness,a,2012-03-19 09:00",
    # G, pending at the end of the data: Tuesday 10 April 09:00, waiting from 09:15
    "G,Assign seriousness,a,2012-04-10 09:00",
    "G,Wait,a,2012-04-10 09:15",
]
# The data ends at B's resolution, Tuesday 10 April 10:30.


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "sla.duckdb"
    (tmp_path / "m.yaml").write_text(MAPPING)
    (tmp_path / "log.csv").write_text(
        "case:concept:name,concept:name,org:resource,time:timestamp\n" + "\n".join(LOG) + "\n"
    )
    with Store(db) as s:
        options = IngestOptions(mapping=tmp_path / "m.yaml")
        ingest(s, fmt="ticket_events", files=[tmp_path / "log.csv"], options=options)
    (tmp_path / "sla.yaml").write_text(CONFIG)
    return db


def sla(db: Path, names: list[str], by: tuple[str, ...] = (), **extra: Any) -> list[dict[str, Any]]:
    return report(db, names, by, sla=SlaConfig.from_yaml(db.parent / "sla.yaml"), **extra)


def per_ticket(db: Path) -> dict[str, tuple[Any, ...]]:
    """Per ticket, what the SLA evaluation adds: business first response and resolution,
    the clocks, the due time (the rows the report's query reads)."""
    engine = open_engine("duckdb", db=db)
    try:
        config = SlaConfig.from_yaml(db.parent / "sla.yaml")
        metrics = tuple(select_metrics(["first_response_bh_s"]))
        table = sla_tables(engine, config, metrics, (), ())["conversations"]
        columns = [
            "conversation_id",
            "first_response_s",
            "first_response_bh_s",
            "resolution_bh_s",
            "first_response_clock",
            "resolution_clock",
            "due_at",
        ]
        rows = engine.execute(table.select(*columns)).to_pylist()
    finally:
        engine.close()
    return {r.pop("conversation_id"): tuple(r.values()) for r in rows}


def rome(text: str, hours: int = 1) -> dt.datetime:
    """A Rome wall time (CET: UTC+1; CEST: hours=2) as a UTC instant."""
    local = dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone(dt.timedelta(hours=hours)))
    return local.astimezone(dt.UTC)


H = 3600.0


def test_business_time_across_a_weekend_a_holiday_a_dst_change_and_a_pause(store: Path) -> None:
    got = per_ticket(store)
    # first_response_s (calendar), first_response_bh_s, resolution_bh_s, clocks, due
    assert got["A"] == (65 * H, 2 * H, 3 * H, "met", "met", None)
    assert got["B"] == (88 * H, 1 * H, 2 * H, "met", "met", None)
    assert got["C"] == (64 * H, 2 * H, 2.5 * H, "met", "met", None)
    assert got["D"] == (26 * H, 11 * H, 2 * H, "breached", "met", None)  # 10 h pending
    assert got["E"] == (0.5 * H, 0.5 * H, 1 * H, "met", "met", None)  # the first cycle
    assert got["F"] == (None, None, None, "breached", "breached", rome("2012-03-23 13:00"))
    assert got["G"] == (None, None, None, "active", "paused", None)


def test_clock_counts_and_first_response_within_the_policy(store: Path) -> None:
    names = [
        "conversations", "first_response_met", "first_response_breached",
        "first_response_active", "resolution_met", "resolution_overdue", "resolution_active",
        "resolution_paused", "first_response_within_t", "first_response_bh_s",
        "resolution_bh_s", "reopened",
    ]  # fmt: skip
    (total,) = sla(store, names)
    assert total == {
        "conversations": 7, "first_response_met": 4, "first_response_breached": 2,
        "first_response_active": 1, "resolution_met": 5, "resolution_overdue": 1,
        "resolution_active": 0, "resolution_paused": 1,
        "first_response_within_t": pytest.approx(4 / 7),
        "first_response_bh_s": pytest.approx((2 + 1 + 2 + 11 + 0.5) * H / 5),
        "resolution_bh_s": pytest.approx((3 + 2 + 2.5 + 2 + 1) * H / 5), "reopened": 1,
    }  # fmt: skip
    # without the policy: the ticket threshold (4 h) in calendar time; only E is within
    (plain,) = report(store, ["first_response_within_t", "first_response_bh_s"], ())
    assert plain == {"first_response_within_t": pytest.approx(1 / 7), "first_response_bh_s": None}


def test_by_month_of_creation_in_the_calendars_zone(store: Path) -> None:
    engine = open_engine("duckdb", db=store)
    try:
        config = SlaConfig.from_yaml(store.parent / "sla.yaml")
        request = ReportRequest(
            metrics=tuple(select_metrics(["conversations", "resolution_overdue"])),
            by=("month",),
            sla=config,
        )
        result = run_report(engine, request)
    finally:
        engine.close()
    assert result.tz == "Europe/Rome"
    assert result.rows() == [
        {"month": "2012-03", "conversations": 5, "resolution_overdue": 1},
        {"month": "2012-04", "conversations": 2, "resolution_overdue": 0},
    ]


def test_the_backlog_and_what_of_it_is_overdue_at_the_end_of_each_day(store: Path) -> None:
    """F is due on Friday 23 March at 13:00; C was created that day at 17:00."""
    days = sla(store, ["open_at_end", "overdue_at_end"], ("day",), start="2012-03-21",
               end="2012-03-27")  # fmt: skip
    assert [(r["day"], r["open_at_end"], r["overdue_at_end"]) for r in days] == [
        ("2012-03-21", 1, 0),
        ("2012-03-22", 1, 0),
        ("2012-03-23", 2, 1),
        ("2012-03-24", 2, 1),
        ("2012-03-25", 2, 1),
        ("2012-03-26", 1, 1),
    ]


def test_a_round_the_clock_calendar_counts_the_real_length_of_dst_days() -> None:
    config = SlaConfig.from_mapping(
        {"calendars": {"always": {"tz": "Europe/Rome", "hours": dict.fromkeys(
            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "00:00-24:00")}}}
    )  # fmt: skip
    spring = [rome("2012-03-25 00:00"), rome("2012-03-26 00:00", hours=2)]
    autumn = [rome("2012-10-28 00:00", hours=2), rome("2012-10-29 00:00")]
    for (a, b), hours in ((spring, 23), (autumn, 25)):
        lo, hi = int(a.timestamp()) * US, int(b.timestamp()) * US
        clock = BusinessClock(config.calendars["always"], lo, hi)
        t = clock.time(np.asarray([lo, hi], np.int64))
        assert (t[1] - t[0]) / US == hours * H
    two = SlaConfig.from_mapping(
        {"calendars": {"split": {"tz": "UTC", "hours": {"mon": "08:00-12:00,13:00-17:00"}}}}
    )
    monday = int(dt.datetime(2024, 3, 4, tzinfo=dt.UTC).timestamp()) * US
    clock = BusinessClock(two.calendars["split"], monday, monday + 86400 * US)
    t = clock.time(np.asarray([monday + 10 * 3600 * US, monday + 14 * 3600 * US], np.int64))
    assert (t[1] - t[0]) / US == 3 * H  # 10:00-12:00 and 13:00-14:00


def test_config_mistakes_name_the_key(tmp_path: Path) -> None:
    cases = {
        "calendars: {office: {tz: Mars/Base, hours: {mon: 09:00-18:00}}}": "calendars.office.tz",
        "calendars: {office: {hours: {mon: 18:00-09:00}}}": "calendars.office.hours.mon",
        "policies: [{calendar: nowhere}]": "policies[0].calendar",
        "policies: [{match: {colour: red}}]": "policies[0].match.colour",
        "policies: [{resolution: soon}]": "policies[0].resolution",
    }
    for text, key in cases.items():
        path = tmp_path / "c.yaml"
        path.write_text(text + "\n")
        with pytest.raises(ConfigError, match=rf"{re.escape(key)}"):
            SlaConfig.from_yaml(path)
        Thresholds.from_yaml(path)  # the thresholds reader leaves these keys alone
