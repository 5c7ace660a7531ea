"""The plan file contract: one writer, one reader for simulate and schedule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from contactcenter.errors import FormatError, InputError
from contactcenter.scheduling import read_plan as read_requirement
from contactcenter.staffing.plan_file import (
    PLAN_COLUMNS,
    SIMULATION_COLUMNS,
    queue_series,
    read_plan,
    write_plan,
)

PLAN = pa.table(
    {
        "interval_start": ["2025-01-06 08:00:00", "2025-01-06 08:30:00", "2025-01-06 08:00:00"],
        "queue": ["sales", "sales", "sup,port"],
        "calls": [100.0, 0.0, 306.0],
        "aht_s": pa.array([180.0, None, 265.0]),
        "patience_s": pa.array([None, None, 300.0]),
        "load_erl": [10.0, 0.0, 45.050000000000004],
        "agents": pa.array([14, 0, 49], pa.int64()),
        "gross_agents": pa.array([20, 0, 70], pa.int64()),
        "service_level": pa.array([0.88835, None, 0.8]),
        "p_wait": pa.array([0.17, None, 0.3]),
        "asa_s": pa.array([7.8, None, 4.0]),
        "occupancy": pa.array([0.71, None, 0.9]),
        "p_abandon": pa.array([0.0, None, 0.01]),
    }
)


def test_the_plan_columns_are_the_forecast_part_then_the_staffing_part() -> None:
    assert PLAN.column_names == list(PLAN_COLUMNS)
    assert set(SIMULATION_COLUMNS) <= set(PLAN_COLUMNS)


@pytest.mark.parametrize("name", ["plan.csv", "plan.parquet"])
def test_a_written_plan_reads_back(tmp_path: Path, name: str) -> None:
    path = write_plan(PLAN, tmp_path / name)
    plan = read_plan(path)
    assert plan.table.column_names == list(PLAN_COLUMNS)
    assert plan.is_csv == name.endswith(".csv")
    assert plan.queues == ["sales", "sup,port"]
    series = queue_series(plan, queue="sales", interval_s=1800)
    assert series.start == dt.datetime(2025, 1, 6, 8, tzinfo=dt.UTC)
    assert series.calls.tolist() == [100.0, 0.0]
    assert series.agents.tolist() == [14.0, 0.0]
    assert series.aht_s.tolist() == [180.0, 180.0]  # no calls, no AHT: the others' mean
    other = queue_series(plan, queue="sup,port", interval_s=1800)
    assert other.calls.tolist() == [306.0]
    requirement = read_requirement(path, interval_s=1800, queue="sup,port")
    assert requirement.required.sum() == 49
    pooled = read_requirement(path, interval_s=1800, use="gross_agents")
    assert pooled.required.max() == 20 + 70  # the queues' 08:00 intervals, pooled


def test_the_csv_is_the_plan_command_dialect(tmp_path: Path) -> None:
    text = write_plan(PLAN.slice(0, 2), tmp_path / "p.csv").read_text("utf-8").splitlines()
    assert text[0] == ",".join(PLAN_COLUMNS)
    assert text[1].startswith("2025-01-06 08:00:00,sales,100,180,,10,14,20,")


def test_tables_and_frames_are_read_as_given() -> None:
    plan = read_plan(PLAN.to_pandas())
    assert plan.source == "<plan>"
    assert not plan.is_csv
    assert read_plan(plan) is plan
    assert queue_series(read_plan(PLAN), queue="sales", interval_s=1800).agents.sum() == 14


def test_a_missing_or_unreadable_plan(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_plan(tmp_path / "nope.csv", field="plan")
    assert info.value.field == "plan"
    assert "file not found" in str(info.value)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(FormatError, match="cannot read the plan"):
        read_plan(broken)


def _csv(
    tmp_path: Path, rows: list[str], header: str = "interval_start,queue,calls,aht_s,agents"
) -> Path:
    path = tmp_path / "plan.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def test_queue_series_errors_name_the_field_or_the_line(tmp_path: Path) -> None:
    two = read_plan(_csv(tmp_path, ["2025-01-06 08:00,a,1,60,1", "2025-01-06 08:00,b,1,60,1"]))
    with pytest.raises(InputError) as info:
        queue_series(two, queue=None, interval_s=1800)
    assert info.value.field == "queue"
    assert str(info.value) == "queue must name one of the plan's queues ['a', 'b']"
    with pytest.raises(InputError, match="'z' is not in the plan") as info:
        queue_series(two, queue="z", interval_s=1800)
    assert info.value.field == "queue"
    cases = [
        (["2025-01-06 08:00,a,1,60,1", "2025-01-06 09:00,a,1,60,1"], ":3:", "(1800 s), got 3600 s"),
        (["2025-01-06 08:00,a,1,60,2.5"], ":2:", "bad agents: 2.5"),
        (["2025-01-06 08:00,a,ten,60,2"], ":2:", "bad calls: 'ten' is not a number"),
        (["2025-01-06 08:00,a,-1,60,2"], ":2:", "bad calls: -1"),
        (["2025-01-06 08:00,a,5,,2"], ":2:", "bad aht_s: 0"),
        (["soon,a,5,60,2"], ":2:", "interval_start must be an ISO date-time, got 'soon'"),
    ]
    for rows, line, fragment in cases:
        with pytest.raises(FormatError) as err:
            queue_series(read_plan(_csv(tmp_path, rows)), queue=None, interval_s=1800)
        assert f"plan.csv{line}" in str(err.value)
        assert fragment in str(err.value)
    missing = read_plan(
        _csv(tmp_path, ["2025-01-06 08:00,a,1"], header="interval_start,queue,calls")
    )
    with pytest.raises(FormatError, match=r"missing columns \['aht_s', 'agents'\]"):
        queue_series(missing, queue=None, interval_s=1800)


def test_a_table_row_is_named_by_its_number() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": ["2025-01-06 08:00", "2025-01-06 08:30"],
            "queue": "a",
            "calls": [1.0, np.nan],
            "aht_s": 60.0,
            "agents": [1.0, -1.0],
        }
    )
    with pytest.raises(FormatError, match="<plan>: row 2: bad agents: -1"):
        queue_series(read_plan(frame), queue="a", interval_s=1800)
