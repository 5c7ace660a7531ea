"""The report's agent filter (``agents=``, ``report --agent``): only the rows of those
agents, hand-counted, the same from the CLI, and a name that is no agent selects
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import contactcenter
from contactcenter.app.report import report_result
from tests.app.conftest import cli
from tests.web.conftest import QUEUE_LOG

AGENTS = ["Agent/0", "Agent/1", "Agent/2", "Agent/3"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agents")
    log = folder / "queue_log"
    log.write_text(QUEUE_LOG)
    path = folder / "cc.duckdb"
    contactcenter.ingest(path, log, format="queue_log")
    return path


def hand(agents: set[int]) -> tuple[int, float]:
    """Answered calls and their talk seconds, from how QUEUE_LOG is written: call i is
    answered by Agent/(i % 4) unless i % 5 == 0, and talks 90 - i seconds."""
    calls = [i for i in range(40) if i % 5 and i % 4 in agents]
    return len(calls), float(sum(90 - i for i in calls))


@pytest.mark.parametrize("chosen", [{1}, {0, 3}, {0, 1, 2, 3}])
def test_only_the_agents_rows_are_counted(db: Path, chosen: set[int]) -> None:
    names = [AGENTS[a] for a in sorted(chosen)]
    (row,) = contactcenter.report(db, agents=names, metrics="answered,talk_s").to_pylist()
    answered, talk = hand(chosen)
    assert row["answered"] == answered
    assert row["talk_s"] == pytest.approx(talk / answered)


def test_the_cli_flag_is_the_same_filter(db: Path) -> None:
    out = cli(["report", "--db", str(db), "--agent", "Agent/1,Agent/2", "--by", "agent",
               "--metrics", "answered", "--format", "csv"])  # fmt: skip
    assert out == f"agent,answered\nAgent/1,{hand({1})[0]}\nAgent/2,{hand({2})[0]}\n"


def test_a_name_that_is_no_agent_selects_nothing(db: Path) -> None:
    (row,) = contactcenter.report(db, agents="x' OR '1'='1", metrics="offered").to_pylist()
    assert row == {"offered": 0}


def test_the_parameters_name_the_agents(db: Path) -> None:
    result = report_result(db, agents="Agent/3", metrics="offered")
    assert result.parameters["agents"] == ["Agent/3"]


@settings(max_examples=15, deadline=None)
@given(st.sets(st.sampled_from(AGENTS), min_size=1))
def test_filtering_equals_the_rows_of_the_grouping(db: Path, chosen: set[str]) -> None:
    """Invariant: the filtered total is the sum of those agents' rows of --by agent."""
    rows = contactcenter.report(db, by="agent", metrics="answered,offered").to_pylist()
    filtered = contactcenter.report(db, agents=sorted(chosen), metrics="answered,offered")
    (total,) = filtered.to_pylist()
    assert total["answered"] == sum(r["answered"] for r in rows if r["agent"] in chosen)
    assert total["offered"] == sum(r["offered"] for r in rows if r["agent"] in chosen)
