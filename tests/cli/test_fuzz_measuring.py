"""Careless and hostile input to the measuring commands: generated options, values and
small files; no traceback and no exit status other than 0, 1 and 2, ever."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from contactcenter.cli.main import app
from contactcenter.store import Store
from tests.conftest import contacts_table

runner = CliRunner()

NASTY = [
    "", " ", "0", "-1", "1e309", "-1e309", "inf", "-inf", "nan", "NaN", "1e-300", "1e300",
    "999999999999999999999", "0.5", "1.5", "20s", "30m", "4h", "7m", "1d", "0s", "abc",
    "day", "queue,day", "interval,interval", "all", "None", "null", "\x00", "\x1b[2J",
    "é", "𝕏", "'", '"', ",", ",,", "queue,", "1999-01-01", "2024-02-30", "9999-12-31",
    "0001-01-01", "2024-03-01 25:00", "Mars/Olympus", "UTC", "Europe/Vilnius", "x" * 5000,
]  # fmt: skip
REPORT_OPTIONS = [
    "--by", "--interval", "--threshold", "--short-abandon", "--target", "--from", "--to",
    "--queue", "--tz", "--metrics", "--format", "--engine",
]  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "cc.duckdb"
    t0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)
    rows = [
        {"offered_at": t0 + dt.timedelta(minutes=7 * i), "outcome": outcome, "wait_s": 3.0 * i,
         "queue": queue, "agent_id": "a" if outcome == "answered" else None}
        for i, (outcome, queue) in enumerate(
            [("answered", "q1"), ("abandoned", "q1"), ("answered", "=q2"), ("timed_out", None)]
        )
    ]  # fmt: skip
    with Store(path) as store, store.load(fmt="test", files=["x"]) as session:
        session.account.read = session.account.used = len(rows)
        session.write("contacts", contacts_table(rows))
    return path


def assert_clean(result: Any) -> None:
    """Exit 0, 1 or 2, and any error is one line on stderr, never a traceback."""
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    options=st.lists(
        st.tuples(st.sampled_from(REPORT_OPTIONS), st.sampled_from(NASTY)),
        max_size=4,
    )
)
def test_report_never_breaks(db: Path, options: list[tuple[str, str]]) -> None:
    args = ["report", "--db", str(db)]
    for flag, value in options:
        if flag == "--engine" and value != "duckdb":
            value = "oracle"  # spark is tested apart; a wrong engine must still be one line
        args += [flag, value]
    assert_clean(runner.invoke(app, args))


@pytest.mark.parametrize("value", ["table", "json", "markdown", "csv", "", "\x1b"])
def test_metrics_never_breaks(value: str) -> None:
    assert_clean(runner.invoke(app, ["metrics", "--format", value]))


@pytest.mark.parametrize(
    "db_value",
    ["", ".", "/", "/dev/null", "/proc/self/status", "missing/deep/cc.duckdb", "\x00x"],
)
def test_report_on_what_is_not_a_store(db_value: str) -> None:
    assert_clean(runner.invoke(app, ["report", "--db", db_value]))
