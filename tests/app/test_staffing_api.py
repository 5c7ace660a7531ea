"""staff, plan and simulate as Python functions: the CLI's numbers, typed, errors by field."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import contactcenter
from contactcenter.app.staffing import Simulation, Staffing, StaffingPlan, plan, simulate, staff
from contactcenter.errors import FormatError, InputError
from contactcenter.staffing.plan_file import PLAN_COLUMNS

from .conftest import cli, cli_json

STAFF_CASES: list[dict[str, str]] = [
    {"calls": "100", "period": "30m", "aht": "3m", "max_occupancy": "0.85", "shrinkage": "0.3"},
    {"calls": "100", "period": "30m", "aht": "3m", "patience": "5m", "agents": "14"},
    {
        "calls": "100",
        "period": "1800",
        "aht": "180",
        "patience": "300",
        "max_abandon": "0.02",
        "asa_target": "10",
        "sl_definition": "answered",
    },
    {"calls": "200", "period": "30m", "aht": "5m,6m,7m", "concurrency": "3"},
    {"calls": "200", "period": "30m", "aht": "5m", "concurrency": "2", "agents": "12",
     "patience": "100"},
    {"calls": "0", "period": "30m", "aht": "3m", "patience": "60"},
    {"calls": "0", "period": "30m", "aht": "3m", "concurrency": "2"},
    {"calls": "100", "period": "30m", "aht": "180", "agents": "9"},
]  # fmt: skip


def flags(options: dict[str, Any]) -> list[str]:
    """The CLI arguments of keyword options (max_occupancy -> --max-occupancy)."""
    return [part for k, v in options.items() for part in ("--" + k.replace("_", "-"), str(v))]


@pytest.mark.parametrize("options", STAFF_CASES)
def test_staff_gives_the_cli_json(options: dict[str, str]) -> None:
    result = staff(**options)  # type: ignore[arg-type]
    assert isinstance(result, Staffing)
    assert result.as_dict() == cli_json(["staff", *flags(options)])
    assert list(result.as_dict()) == list(cli_json(["staff", *flags(options)]))  # key order


def test_staff_takes_python_values_and_is_typed() -> None:
    as_text = staff(calls="100", period="30m", aht="3m", max_occupancy="0.85", shrinkage="0.3")
    as_numbers = staff(calls=100, period=1800, aht=180.0, max_occupancy=0.85, shrinkage=0.3)
    assert as_numbers == as_text
    assert as_numbers.agents == 14
    assert isinstance(as_numbers.agents, int)
    assert isinstance(as_numbers.gross_agents, int)
    assert as_numbers.gross_agents == 20
    assert as_numbers.target == 0.8
    assert as_numbers.service_level == pytest.approx(0.8883500191794669, rel=1e-12)
    chat = staff(calls=200, period="30m", aht=[300, "6m", 420], concurrency=3)
    assert chat.aht_s == (300.0, 360.0, 420.0)
    assert chat.as_dict()["aht_s"] == [300.0, 360.0, 420.0]
    assert chat.threshold_s == 90.0  # the chat default of contactcenter.standards
    with pytest.raises(dataclasses.FrozenInstanceError):
        chat.agents = 3  # type: ignore[misc]


def test_the_package_reexports_the_functions() -> None:
    assert contactcenter.staff is staff
    assert contactcenter.plan is plan
    assert contactcenter.simulate is simulate
    assert contactcenter.staff(calls=100, period="30m", aht="3m").agents == 14


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"max_occupancy": 1.5}, "max_occupancy", "max_occupancy must be in (0, 1], got 1.5"),
        ({"max_occupancy": "x"}, "max_occupancy", "max_occupancy must be a number in (0, 1]"),
        ({"sl_definition": "asa"}, "sl_definition", "sl_definition must be one of offered"),
        ({"shrinkage": 1}, "shrinkage", "shrinkage must be in [0, 1), got 1"),
        ({"target": 0}, "target", "target must be in (0, 1), got 0"),
        ({"calls": -3}, "calls", "calls must be a number >= 0, got -3"),
        ({"calls": True}, "calls", "calls must be a number >= 0, got True"),
        ({"calls": float("nan")}, "calls", "calls must be a number >= 0, got nan"),
        ({"period": "30q"}, "period", "period: cannot read '30q' as a duration"),
        ({"aht": 0}, "aht", "aht must be a duration > 0, got 0"),
        ({"aht": "1m,2m"}, "aht", "aht must give one handle time (one per level only for chat"),
        ({"aht": "1m,2m", "concurrency": 3}, "aht", "aht must give 1 or 3 handle times"),
        ({"agents": 2.5}, "agents", "agents must be a whole number >= 1, got 2.5"),
        ({"concurrency": 0}, "concurrency", "concurrency must be a whole number >= 1, got 0"),
        ({"asa_target": 0}, "asa_target", "asa_target must be a duration > 0, got 0"),
        ({"max_abandon": 2}, "max_abandon", "max_abandon must be in (0, 1], got 2"),
        ({"patience": "-1"}, "patience", "patience must be a non-negative duration"),
        ({"threshold": "soon"}, "threshold", "threshold: cannot read 'soon'"),
    ],
)
def test_staff_errors_carry_the_field(options: dict[str, Any], field: str, message: str) -> None:
    base: dict[str, Any] = {"calls": 100, "period": "30m", "aht": "3m"}
    with pytest.raises(InputError) as info:
        staff(**(base | options))
    assert info.value.field == field
    assert str(info.value).startswith(message)
    assert info.value.render("--" + field.replace("_", "-")).startswith("--")


# --- plan -------------------------------------------------------------------------------------
PLAN_OPTIONS = {"threshold": "20", "max_occupancy": "0.85", "shrinkage": "0.3"}


def test_plan_gives_the_cli_rows(forecast_csv: Path, tmp_path: Path) -> None:
    result = plan(forecast=forecast_csv, **PLAN_OPTIONS)
    assert isinstance(result, StaffingPlan)
    assert isinstance(result.table, pa.Table)
    assert result.table.column_names == list(PLAN_COLUMNS)
    args = ["plan", "--forecast", str(forecast_csv), *flags(PLAN_OPTIONS)]
    assert result.as_dict() == cli_json(args)
    assert result.to_text("csv") == cli([*args, "--format", "csv"])
    assert result.table.column("agents").to_pylist() == [14, 0, 53]
    written = result.write(tmp_path / "plan.csv")
    assert written.read_text("utf-8") == result.to_text("csv")
    result.write(tmp_path / "plan.xlsx")
    assert (tmp_path / "plan.xlsx").stat().st_size > 0


def test_plan_takes_a_table_and_numbers(forecast_csv: Path) -> None:
    frame = pd.read_csv(forecast_csv)
    from_frame = plan(forecast=frame, interval=1800, max_occupancy=0.85, shrinkage=0.3)
    from_file = plan(forecast=forecast_csv, interval="30m", max_occupancy="0.85", shrinkage="0.3")
    assert from_frame.as_dict() == from_file.as_dict()
    chat = plan(forecast=forecast_csv, concurrency=2)
    assert chat.threshold_s == 90.0
    assert chat.table.column("agents").to_pylist()[1] == 0


def test_plan_errors(forecast_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        plan(forecast=forecast_csv, interval=0)
    assert info.value.field == "interval"
    with pytest.raises(InputError) as info:
        plan(forecast=tmp_path / "none.csv")
    assert info.value.field == "forecast"
    bad = tmp_path / "bad.csv"
    bad.write_text("interval_start,queue,calls,aht_s\nx,q,10,0\n", "utf-8")
    with pytest.raises(FormatError, match=r"bad.csv:2: aht_s must be > 0, got '0'"):
        plan(forecast=bad)
    with pytest.raises(InputError) as info:
        plan(forecast=forecast_csv).write(tmp_path / "plan.pdf")
    assert info.value.field == "format"


# --- simulate ---------------------------------------------------------------------------------
SIM_OPTIONS = {
    "calls": "100",
    "period": "30m",
    "aht": "180",
    "agents": "14",
    "patience": "300",
    "periods": "5",
    "seed": "7",
}


def test_simulate_gives_the_cli_json(tmp_path: Path) -> None:
    result = simulate(**SIM_OPTIONS)  # type: ignore[arg-type]
    assert isinstance(result, Simulation)
    assert result.as_dict() == cli_json(["simulate", *flags(SIM_OPTIONS)])
    assert isinstance(result.offered, int)
    assert result.contacts == result.table.num_rows
    numbers = simulate(calls=100, period=1800, aht=180, agents=14, patience=300, periods=5, seed=7)
    assert numbers.as_dict() == result.as_dict()
    out = tmp_path / "contacts.parquet"
    written = simulate(**SIM_OPTIONS, output=out)  # type: ignore[arg-type]
    assert written.as_dict()["output"] == str(out)
    assert pq.read_table(out).equals(written.table)


def test_simulate_a_plan_like_the_cli(forecast_csv: Path, tmp_path: Path) -> None:
    staffing = plan(forecast=forecast_csv)
    plan_csv = staffing.write(tmp_path / "plan.csv")
    result = simulate(plan=staffing.table, queue="support", patience="300", seed=4)
    args = ["simulate", "--plan", str(plan_csv), "--queue", "support", "--patience", "300"]
    assert result.as_dict() == cli_json([*args, "--seed", "4"])
    assert result.queue == "support"
    assert result.start.isoformat() == "2025-01-06T08:00:00+00:00"
    assert set(result.table.column("queue").to_pylist()) == {"support"}


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"calls": 10, "period": "30m"}, "aht"),
        ({"calls": 10, "period": "30m", "aht": 60, "agents": 0}, "agents"),
        ({"calls": 10, "period": "30m", "aht": 60, "agents": 1, "start": "yesterday"}, "start"),
        ({"calls": 10, "period": "30m", "aht": 60, "agents": 1, "service": "gamma"}, "service"),
        ({"calls": 10, "period": "30m", "aht": 60, "agents": 1, "service_cv": 0}, "service_cv"),
        ({"calls": 10, "period": "30m", "aht": 60, "agents": 1, "seed": -1}, "seed"),
        ({"calls": 10, "period": "30m", "aht": 60, "agents": 1, "periods": 0}, "periods"),
    ],
)
def test_simulate_errors_carry_the_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        simulate(**options)
    assert info.value.field == field


def test_results_feed_the_next_step(history_csv: Path, forecast_csv: Path) -> None:
    """A Forecast goes into plan, a StaffingPlan into simulate, as their tables do."""
    from contactcenter.app.forecast import forecast

    rows = forecast(history=history_csv, horizon=1, folds=1, method="seasonal_naive")
    assert plan(forecast=rows).table.equals(plan(forecast=rows.table).table)
    staffing = plan(forecast=forecast_csv)
    by_result = simulate(plan=staffing, queue="sales", seed=1)
    by_table = simulate(plan=staffing.table, queue="sales", seed=1)
    assert by_result.as_dict() == by_table.as_dict()


def test_simulate_plan_errors_carry_the_field(forecast_csv: Path) -> None:
    table = plan(forecast=forecast_csv).table
    with pytest.raises(InputError) as info:
        simulate(plan=table)
    assert info.value.field == "queue"
    with pytest.raises(InputError) as info:
        simulate(plan=table, queue="sales", agents=3)
    assert info.value.field == "agents"
    assert str(info.value).startswith("agents comes from the plan")


def test_simulation_kpis_are_the_catalogs_over_its_contacts(tmp_path: Path) -> None:
    """offered, answered, abandoned, service_level, asa_s and p_abandon come from the
    metric catalog over the run's contacts: they match the definitions computed by hand
    from the simulator's arrays, and the store's report of the written contacts."""
    out = tmp_path / "run.parquet"
    sim = simulate(
        calls=120, period="30m", aht="4m", agents=14, patience="90s", periods=4,
        threshold="15s", output=out, seed=3,
    )  # fmt: skip
    run = sim.run
    assert run is not None
    n = len(run)
    answered = run.answered
    assert 0 < int(answered.sum()) < n  # both outcomes occur, so the check can fail
    assert (sim.offered, sim.answered, sim.abandoned) == (
        n,
        int(answered.sum()),
        n - int(answered.sum()),
    )
    assert sim.service_level == pytest.approx(float((answered & (run.wait_s <= 15.0)).sum()) / n)
    assert sim.asa_s == pytest.approx(float(run.wait_s[answered].mean()), rel=1e-6)
    assert sim.p_abandon == pytest.approx(float((~answered).sum()) / n)
    db = tmp_path / "store.duckdb"
    contactcenter.ingest(db, out, format="contacts")
    names = "offered,answered,abandoned,service_level,asa_s,abandon_rate_raw"
    row = contactcenter.report(db, metrics=names, threshold="15s", short_abandon="0").to_pylist()[0]
    assert row["offered"] == sim.offered
    assert row["answered"] == sim.answered
    assert row["abandoned"] == sim.abandoned
    assert row["service_level"] == sim.service_level
    assert row["asa_s"] == sim.asa_s
    assert row["abandon_rate_raw"] == sim.p_abandon


def test_an_empty_simulation_has_zero_counts_and_no_ratios() -> None:
    sim = simulate(calls=0, period="30m", aht="3m", agents=2)
    assert (sim.offered, sim.answered, sim.abandoned, sim.contacts) == (0, 0, 0, 0)
    assert (sim.service_level, sim.asa_s, sim.p_abandon) == (None, None, None)
