"""Issue 9, case 3: absurd numbers get one line naming the option, the value and the
limit (exit status 2), before any allocation: no MemoryError, no NaN crash, no hour-long
run, no silently wrong answer. The bounds are contactcenter.limits (docs/cli.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.hardening.conftest import one_line_error, run

STAFF = ["staff", "--period", "30m", "--aht", "3m"]
SIM = ["simulate", "--period", "30m", "--aht", "3m"]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            [*STAFF, "--calls", "1e15"],
            "error: --calls 1e+15 per 30m with a handle time of 3m is a load of 1e+14 "
            "Erlangs; at most 1,000,000 (docs/cli.md, bounds)",
        ),
        (
            [*STAFF, "--calls", "1e9"],
            "error: --calls 1e+09 per 30m with a handle time of 3m is a load of 1e+08 "
            "Erlangs; at most 1,000,000 (docs/cli.md, bounds)",
        ),
        (
            [*STAFF, "--calls", "1e300"],
            "error: --calls 1e+300 per 30m with a handle time of 3m is a load of 1e+299 "
            "Erlangs; at most 1,000,000 (docs/cli.md, bounds)",
        ),
        (
            [*STAFF, "--calls", "100", "--agents", "1000000000"],
            "error: --agents must be at most 10,000,000, got 1000000000",
        ),
        (
            [*STAFF, "--calls", "100", "--max-occupancy", "1e-9"],
            "error: --max-occupancy 1e-09 needs at least 10,000,000,000 agents for 10 "
            "Erlangs, more than the 10,000,000 allowed; raise it",
        ),
        (["staff", "--calls", "100", "--period", "inf", "--aht", "3m"],
         "error: --period must be a finite duration, got 'inf'"),
        (["staff", "--calls", "100", "--period", "30m", "--aht", "inf"],
         "error: --aht must be a finite duration, got 'inf'"),
        (["staff", "--calls", "100", "--period", "1e300", "--aht", "3m"],
         "error: --period must be at most 366d, got '1e300'"),
        (["staff", "--calls", "100", "--period", "30m", "--aht", "2d"],
         "error: --aht must be at most 1d, got '2d'"),
        ([*STAFF, "--calls", "100", "--threshold", "1e9"],
         "error: --threshold must be at most 1d, got '1e9'"),
        ([*STAFF, "--calls", "100", "--patience", "1e9"],
         "error: --patience must be at most 1d, got '1e9'"),
        ([*STAFF, "--calls", "100", "--asa-target", "8d"],
         "error: --asa-target must be at most 1d, got '8d'"),
        ([*STAFF, "--calls", "100", "--shrinkage", "0.999"],
         "error: --shrinkage must be at most 0.99, got 0.999"),
        ([*STAFF, "--calls", "100", "--concurrency", "1000"],
         "error: --concurrency must be at most 100, got 1000"),
        ([*STAFF, "--calls", "100", "--patience", "1e-300"],
         "error: --patience must be at least 0.001 s, got '1e-300'"),
        (["staff", "--calls", "100", "--period", "30m", "--aht", "5e-324"],
         "error: --aht must be at least 0.001 s, got '5e-324'"),
        (["staff", "--calls", "100", "--period", "1e-9", "--aht", "3m"],
         "error: --period must be at least 0.001 s, got '1e-9'"),
        ([*SIM, "--agents", "3", "--calls", "10", "--patience", "1e-320"],
         "error: --patience must be at least 0.001 s, got '1e-320'"),
        ([*STAFF, "--calls", "nan"], "error: --calls must be a number >= 0, got 'nan'"),
        ([*STAFF, "--calls", "-inf"], "error: --calls must be a number >= 0, got '-inf'"),
        (
            [*STAFF, "--calls", "1e6", "--concurrency", "3"],
            "error: --calls 1e+06 per 30m with a handle time of 3m is a chat load of 1e+05 "
            "Erlangs; at most 20,000 (docs/cli.md, bounds)",
        ),
        ([*STAFF, "--calls", "100", "--concurrency", "3", "--agents", "200000"],
         "error: --agents must be at most 66,666, got 200000"),
        (
            [*STAFF, "--calls", "10", "--concurrency", "2", "--max-occupancy", "1e-9"],
            "error: --max-occupancy 1e-09 needs more than 100,000 chat agents; raise it",
        ),
        (
            [*SIM, "--agents", "14", "--calls", "1e9"],
            "error: --calls 1e+09 per period for 1 periods is about 1e+09 contacts; at most "
            "5,000,000 in one run",
        ),
        (
            [*SIM, "--agents", "14", "--calls", "100", "--periods", "1000000"],
            "error: --calls 100 per period for 1,000,000 periods is about 1e+08 contacts; at "
            "most 5,000,000 in one run",
        ),
        ([*SIM, "--agents", "1000000000", "--calls", "100"],
         "error: --agents must be at most 1,000,000, got 1000000000"),
        ([*SIM, "--agents", "14", "--calls", "1", "--periods", "1e300"],
         "error: --periods must be at most 1,000,000, got 1e300"),
        ([*SIM, "--agents", "14", "--calls", "100", "--service", "lognormal", "--service-cv",
          "1e300"], "error: --service-cv must be at most 100, got 1e300"),
        ([*SIM, "--agents", "14", "--calls", "100", "--service-cv", "nan"],
         "error: --service-cv must be a number > 0, got 'nan'"),
        ([*SIM, "--agents", "14", "--calls", "100", "--seed", "99999999999999999999999"],
         "error: --seed must be at most 9,223,372,036,854,775,807, got 99999999999999999999999"),
        (
            [*SIM, "--agents", "14", "--calls", "100", "--periods", "4", "--start",
             "9999-12-31T23:00Z"],
            "error: --start 9999-12-31T23:00:00+00:00: a run of 7200 s would end after "
            "9999-12-31; start earlier or simulate fewer periods",
        ),
        ([*SIM, "--agents", "14", "--calls", "100", "--start", "1969-12-31T23:00Z"],
         "error: --start must be 1970-01-01T00:00Z or later, got 1969-12-31T23:00:00+00:00"),
        ([*SIM, "--agents", "14", "--calls", "100", "--start", "0001-01-01T00:00+14:00"],
         "error: --start must be 1970-01-01T00:00Z or later, got 0001-01-01T00:00:00+14:00"),
    ],
)  # fmt: skip
def test_absurd_numbers_get_one_line(args: list[str], line: str) -> None:
    assert one_line_error(run(args)) == line


def test_a_run_that_never_empties_past_9999_is_refused(tmp_path: Path) -> None:
    """The periods end in time, but one agent cannot answer them before year 10000: the
    contacts are refused rather than written with impossible times."""
    out = tmp_path / "c.parquet"
    result = run(
        ["simulate", "--calls", "3", "--period", "1h", "--aht", "1d", "--agents", "1",
         "--periods", "2", "--start", "9999-12-31T20:00Z", "--output", str(out)]
    )  # fmt: skip
    line = one_line_error(result)
    assert line.startswith("error: --start 9999-12-31T20:00:00+00:00: a contact of this run ends")
    assert not out.exists()


def test_a_late_start_that_fits_is_allowed(tmp_path: Path) -> None:
    out = tmp_path / "c.parquet"
    result = run(
        ["simulate", "--calls", "20", "--period", "10m", "--aht", "20s", "--agents", "5",
         "--start", "9999-12-31T18:00-05:00", "--output", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["start"] == "9999-12-31T18:00:00-05:00"
    ended = pq.read_table(out).column("ended_at").to_pylist()
    assert max(ended).year == 9999


@pytest.mark.parametrize(
    ("row", "line"),
    [
        ("2025-01-06 08:00:00,q,1e15,180", "error: {f}:2: 1e+15 calls per 30m with aht_s 180 "
         "is a load of 1e+14 Erlangs; at most 1,000,000 (docs/cli.md, bounds)"),
        ("2025-01-06 08:00:00,q,100,1e9", "error: {f}:2: aht_s must be at most 86400 s (a day), "
         "got 1e+09"),
        ("2025-01-06 08:00:00,q,100,inf", "error: {f}:2: aht_s must be at most 86400 s (a day), "
         "got inf"),
        ("2025-01-06 08:00:00,q,nan,180", "error: {f}:2: calls must be a number >= 0, got ''"),
        ("2025-01-06 08:00:00,q,100,1e-300", "error: {f}:2: aht_s must be at least 0.001 s, "
         "got 1e-300"),
        # found by fuzzing: formatting the cell of this error overflowed
        ("2025-01-06 08:00:00,q,-inf,180", "error: {f}:2: calls must be a number >= 0, got '-inf'"),
        ("2025-01-06 08:00:00,q,10,-inf", "error: {f}:2: aht_s must be > 0, got '-inf'"),
    ],
)  # fmt: skip
def test_a_plan_row_out_of_bounds_names_its_line(tmp_path: Path, row: str, line: str) -> None:
    forecast = tmp_path / "fc.csv"
    forecast.write_text(f"interval_start,queue,calls,aht_s\n{row}\n", "utf-8")
    assert one_line_error(run(["plan", "--forecast", str(forecast)])) == line.format(f=forecast)


def test_a_tiny_patience_in_a_row_is_refused(tmp_path: Path) -> None:
    """Found by fuzzing: 1 / 5e-324 overflowed (a warning on stderr, then a wrong
    'cannot be met')."""
    forecast = tmp_path / "fc.csv"
    forecast.write_text(
        "interval_start,queue,calls,aht_s,patience_s\n2025-01-06 08:00:00,q,100,180,5e-324\n",
        "utf-8",
    )
    assert one_line_error(run(["plan", "--forecast", str(forecast)])) == (
        f"error: {forecast}:2: patience_s must be at least 0.001 s, got 4.94066e-324"
    )


def test_plan_options_have_bounds(forecast_csv: Path) -> None:
    base = ["plan", "--forecast", str(forecast_csv)]
    assert one_line_error(run([*base, "--interval", "2d"])) == (
        "error: --interval must be at most 1d, got '2d'"
    )
    assert one_line_error(run([*base, "--max-occupancy", "1e-300"])).startswith(
        "error: --max-occupancy 1e-300 needs at least"
    )


def test_a_simulated_plan_out_of_bounds_is_refused(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "interval_start,queue,calls,aht_s,agents\n2025-01-06 08:00:00,q,1e12,180,5\n", "utf-8"
    )
    assert one_line_error(run(["simulate", "--plan", str(plan)])) == (
        f"error: {plan}: queue 'q' expects 1e+12 contacts; at most 5,000,000 in one run"
    )
    plan.write_text(
        "interval_start,queue,calls,aht_s,agents\n2025-01-06 08:00:00,q,10,180,1e9\n", "utf-8"
    )
    assert one_line_error(run(["simulate", "--plan", str(plan)])) == (
        f"error: {plan}: queue 'q', interval 1: agents 1e+09 is more than 1,000,000"
    )


def test_an_infinite_interval_is_refused_everywhere(
    forecast_csv: Path, history_csv: Path, plan_csv: Path
) -> None:
    for args in (
        ["plan", "--forecast", str(forecast_csv), "--interval", "inf"],
        ["simulate", "--plan", str(plan_csv), "--interval", "inf"],
        ["forecast", "--history", str(history_csv), "--interval", "inf"],
        ["backtest", "--history", str(history_csv), "--interval", "inf"],
    ):
        assert one_line_error(run(args)) == "error: --interval must be a finite duration, got 'inf'"
