"""Formats agent_states (canonical state intervals) and agent_states_csv (any export
through a YAML mapping): every line accounted for, overlaps rejected, reloading changes
nothing, a corrected file replaces its span, and the metrics read the states."""

from __future__ import annotations

from pathlib import Path

import pytest

import contactcenter as cc
from contactcenter.errors import ConfigError, FormatError
from contactcenter.store import Store
from tests.sources.conftest import load, rejects, snapshot, write

CANONICAL = """agent,state,start,end,reason,queue
ann,available,2024-03-04T08:00:00Z,2024-03-04T08:20:00Z,,
ann,handling,2024-03-04T08:20:00Z,2024-03-04T08:35:00Z,,sales

ann,not_ready,2024-03-04T08:35:00Z,2024-03-04T09:00:00Z,Lunch,
ann,logged_out,2024-03-04T09:00:00Z,2024-03-04T10:00:00Z,,
ann,available,2024-03-04T08:50:00Z,2024-03-04T09:10:00Z,,
bob,available,2024-03-04T08:00:00+01:00,,,
bob,dancing,2024-03-04T09:00:00Z,2024-03-04T09:10:00Z,,
bob,available,2024-03-04T09:00:00Z,2024-03-04T08:00:00Z,,
bob,handling,not a time,2024-03-04T08:00:00Z,,
,available,2024-03-04T09:00:00Z,2024-03-04T09:10:00Z,,
ann,available,2024-03-04T08:00:00Z,2024-03-04T08:20:00Z,,
"""


def test_canonical_states_every_line_accounted(store: Store, tmp_path: Path) -> None:
    report = load(store, "agent_states", write(tmp_path / "states.csv", CANONICAL))
    assert report.lines_read == 13
    assert report.lines_used == 4  # ann x3, bob's open state
    assert report.ignored == {
        "header": 1,
        "blank line": 1,
        "logged out (no time counted)": 1,
        "duplicate line": 1,
    }
    got = {(r["line_no"], r["reason"]) for r in rejects(store)}
    assert got == {
        ("7", "overlaps the agent's state of states.csv line 5"),
        ("9", "state 'dancing' is not one of handling, acw, not_ready, available, logged_out"),
        ("10", "end is before start"),
        ("11", "start is not a time (ISO 8601): 'not a time'"),
        ("12", "agent is empty"),
    }
    table = cc.report(
        store.path, by="agent", metrics="logged_in_s,handling_s,not_ready_s,available_s"
    )
    rows = {r["agent"]: r for r in table.to_pylist()}
    assert rows["ann"]["logged_in_s"] == 3600
    assert rows["ann"]["handling_s"] == 900
    assert rows["ann"]["not_ready_s"] == 1500
    assert rows["bob"]["logged_in_s"] == 0  # open since 07:00 UTC: no time yet
    by_queue = cc.report(store.path, by="queue", metrics="handling_s").to_pylist()
    assert [(r["queue"], r["handling_s"]) for r in by_queue] == [("sales", 900)]


def test_loading_twice_changes_nothing_and_a_correction_replaces(
    store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "states.csv", CANONICAL)
    load(store, "agent_states", path)
    before = snapshot(store)
    again = load(store, "agent_states", path)
    assert snapshot(store) == before
    assert again.tables["agent_states"] == {"inserted": 0, "updated": 0, "deleted": 0}
    fixed = write(
        tmp_path / "fixed.csv",
        "agent,state,start,end\n"
        "ann,available,2024-03-04T08:00:00Z,2024-03-04T08:30:00Z\n"
        "ann,handling,2024-03-04T08:30:00Z,2024-03-04T09:00:00Z\n",
    )
    load(store, "agent_states", fixed)
    (ann,) = [
        r
        for r in cc.report(store.path, by="agent", metrics="logged_in_s,handling_s").to_pylist()
        if r["agent"] == "ann"
    ]
    assert (ann["logged_in_s"], ann["handling_s"]) == (3600, 1800)


def test_an_unknown_column_stops_the_load(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "agent,state,start,end,colour\n")
    with pytest.raises(FormatError, match="unknown columns"):
        load(store, "agent_states", path)


MAPPING = """source: acd
time_zone: Europe/Paris
delimiter: ";"
timestamp_format: "%d/%m/%Y %H:%M"
columns:
  agent: Agent Name
  state: Status
  start: From
  end: To
  reason: Code
states:
  Talking: handling
  Wrap Up: acw
  Not Ready: not_ready
  Ready: available
  Logged Out: logged_out
"""

EXPORT = """Agent Name;Status;From;To;Code;Site
Ann Lee;Ready;04/03/2024 09:00;04/03/2024 09:30;;Paris
Ann Lee;Talking;04/03/2024 09:30;04/03/2024 09:40;;Paris
Ann Lee;Wrap Up;04/03/2024 09:40;04/03/2024 09:45;;Paris
Ann Lee;Not Ready;04/03/2024 09:45;04/03/2024 10:00;Break;Paris
Ann Lee;Logged Out;04/03/2024 10:00;04/03/2024 11:00;;Paris
Ann Lee;Training;04/03/2024 11:00;04/03/2024 12:00;;Paris
"""


def test_mapped_export(store: Store, tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.yaml", MAPPING)
    report = load(
        store, "agent_states_csv", write(tmp_path / "export.csv", EXPORT), mapping=mapping
    )
    assert (report.lines_used, report.lines_rejected) == (4, 1)
    assert rejects(store)[0]["reason"].startswith("state 'Training' is not one of")
    (row,) = cc.report(
        store.path,
        by="agent,day",
        metrics="logged_in_s,handling_s,acw_time_s,not_ready_s,occupancy",
    ).to_pylist()
    assert row["agent"] == "Ann Lee"
    assert row["day"] == "2024-03-04"  # 08:00-09:00 UTC (Paris is UTC+1 in March)
    assert (row["logged_in_s"], row["handling_s"], row["acw_time_s"], row["not_ready_s"]) == (
        3600,
        900,
        300,
        900,
    )
    assert row["occupancy"] == pytest.approx(900 / (900 + 1800))
    starts = store.con.execute(
        "SELECT min(start_at) FROM agent_states WHERE source = 'acd'"
    ).fetchone()
    assert starts is not None
    assert starts[0].isoformat().startswith("2024-03-04T08:00:00")


def test_a_mapping_with_a_bad_state_is_refused(store: Store, tmp_path: Path) -> None:
    bad = write(tmp_path / "m.yaml", MAPPING.replace("Ready: available", "Ready: idle"))
    with pytest.raises(ConfigError, match="'states' values must be one of"):
        load(store, "agent_states_csv", write(tmp_path / "e.csv", EXPORT), mapping=bad)
