"""The plan as a requirement on the shift grid."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from contactcenter.errors import FormatError, InputError
from contactcenter.scheduling import read_plan, requirement_from_frame

PLAN_HEADER = (
    "interval_start,queue,calls,aht_s,agents,gross_agents,service_level,asa_s,occupancy,p_abandon\n"
)


def plan_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "plan.csv"
    path.write_text(PLAN_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_queues_are_pooled_and_fractions_rounded_up(tmp_path: Path) -> None:
    path = plan_file(
        tmp_path,
        [
            "2024-03-04 08:00:00,a,10,180,2,2.4,0.8,10,0.8,0",
            "2024-03-04 08:00:00,b,10,180,53.00000000000001,60,0.8,10,0.8,0",
            "2024-03-04 08:30:00,a,10,180,1.2,1.5,0.8,10,0.8,0",
        ],
    )
    req = read_plan(path, interval_s=1800)
    assert req.first_day == pd.Timestamp("2024-03-04")
    assert req.days == 1
    assert req.required[16] == 55  # 2 + 53 (float noise is not an extra agent)
    assert req.required[17] == 2  # ceil(1.2)
    assert req.required.sum() == 57
    gross = read_plan(path, interval_s=1800, use="gross_agents")
    assert gross.required[16] == 63  # ceil(2.4 + 60)
    only_a = read_plan(path, interval_s=1800, queue="a")
    assert only_a.required[16] == 2


def test_a_coarser_plan_repeats_and_a_finer_plan_takes_the_maximum() -> None:
    plan = pd.DataFrame(
        {
            "interval_start": ["2024-03-04 08:00", "2024-03-04 08:30"],
            "agents": [3, 5],
        }
    )
    fine = requirement_from_frame(plan, interval_s=900)
    assert fine.required[32:36].tolist() == [3, 3, 5, 5]
    coarse = requirement_from_frame(plan, interval_s=3600)
    assert coarse.required[8] == 5
    assert coarse.required.sum() == 5


@pytest.mark.parametrize(
    ("rows", "kwargs", "error", "fragments"),
    [
        (["2024-03-04 08:00:00,a,1,1,-1,1,,,,"], {}, InputError, ["plan.csv:2", "agents = '-1'"]),
        (
            ["2024-03-04 08:00:00,a,1,1,1,1,,,,", "2024-03-04 08:00:00,a,1,1,1,1,,,,"],
            {},
            InputError,
            ["plan.csv:3", "twice for the same queue"],
        ),
        (["soon,a,1,1,1,1,,,,"], {}, InputError, ["plan.csv:2", "'soon'"]),
        (["2024-03-04 08:00:00,a,1,1,1,1,,,,"], {"queue": "z"}, InputError, ["'z'", "['a']"]),
        (["2024-03-04 08:00:00,a,1,1,1,1,,,,"], {"use": "heads"}, InputError, ["use must be"]),
    ],
)
def test_bad_plans_are_named(
    tmp_path: Path,
    rows: list[str],
    kwargs: dict[str, str],
    error: type[Exception],
    fragments: list[str],
) -> None:
    path = plan_file(tmp_path, rows)
    with pytest.raises(error) as info:
        read_plan(path, interval_s=1800, **kwargs)  # type: ignore[arg-type]
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_plan_without_agents_points_to_gross_agents(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("interval_start,gross_agents\n2024-03-04 08:00,3\n", encoding="utf-8")
    with pytest.raises(FormatError, match="it has gross_agents") as info:
        read_plan(path, interval_s=900)
    assert info.value.field == "use"
    assert read_plan(path, interval_s=900, use="gross_agents").required.sum() == 3


def test_grids_that_do_not_nest_are_refused() -> None:
    plan = pd.DataFrame({"interval_start": ["2024-03-04 08:00", "2024-03-04 08:20"], "agents": 1})
    with pytest.raises(InputError, match="do not nest"):
        requirement_from_frame(plan, interval_s=900)
