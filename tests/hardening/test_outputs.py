"""Issue 9, case 1: ``--output`` (and ``--coverage``, ``--html``) that cannot be written.

Every planning command and format: a folder or a path through a file is bad input (one
line, exit status 2, found before any work); a full device is a failing environment (one
line, exit status 1); nothing is left behind, and a device is never replaced by a file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.conftest import SAMPLE_SHIFTS, make_device, one_line_error, run


def commands(forecast: Path, history: Path, plan: Path) -> list[tuple[str, list[str], str]]:
    """(name, arguments without the target, option that takes the target)."""
    out: list[tuple[str, list[str], str]] = []
    for fmt in ("csv", "json", "table", "xlsx"):
        out.append(
            (f"plan-{fmt}", ["plan", "--forecast", str(forecast), "--format", fmt], "--output")
        )
    out.append(
        (
            "simulate",
            ["simulate", "--calls", "20", "--period", "30m", "--aht", "3m", "--agents", "4"],
            "--output",
        )
    )
    quick = ["--horizon", "7", "--folds", "1"]
    for fmt in ("csv", "json", "table", "xlsx"):
        out.append(
            (
                f"forecast-{fmt}",
                ["forecast", "--history", str(history), *quick, "--method", "seasonal_naive",
                 "--format", fmt],
                "--output",
            )
        )  # fmt: skip
    bt = ["backtest", "--history", str(history), *quick, "--methods", "seasonal_naive",
          "--inner-folds", "1"]  # fmt: skip
    for fmt in ("csv", "json", "table"):
        out.append((f"backtest-{fmt}", [*bt, "--format", fmt], "--output"))
    out.append(("backtest-html", bt, "--html"))
    sched = ["schedule", "--plan", str(plan), "--shifts", str(SAMPLE_SHIFTS), "--time-limit", "5s"]
    for fmt in ("csv", "json", "table", "xlsx"):
        out.append((f"schedule-{fmt}", [*sched, "--format", fmt], "--output"))
    out.append(("schedule-coverage", sched, "--coverage"))
    out.append(("schedule-html", sched, "--html"))
    return out


NAMES = [
    *(f"plan-{f}" for f in ("csv", "json", "table", "xlsx")),
    "simulate",
    *(f"forecast-{f}" for f in ("csv", "json", "table", "xlsx")),
    *(f"backtest-{f}" for f in ("csv", "json", "table", "html")),
    *(f"schedule-{f}" for f in ("csv", "json", "table", "xlsx", "coverage", "html")),
]


def _case(name: str, forecast: Path, history: Path, plan: Path) -> tuple[list[str], str]:
    for case, args, option in commands(forecast, history, plan):
        if case == name:
            return args, option
    raise AssertionError(name)


@pytest.mark.parametrize("name", NAMES)
def test_a_folder_as_target_is_bad_input(
    name: str, tmp_path: Path, forecast_csv: Path, history_csv: Path, plan_csv: Path
) -> None:
    args, option = _case(name, forecast_csv, history_csv, plan_csv)
    folder = tmp_path / "out"
    folder.mkdir()
    line = one_line_error(run([*args, option, str(folder)]), 2)
    assert line == f"error: {option}: {folder} is a folder; give a file name"
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", NAMES)
def test_a_path_through_a_file_is_bad_input(
    name: str, tmp_path: Path, forecast_csv: Path, history_csv: Path, plan_csv: Path
) -> None:
    args, option = _case(name, forecast_csv, history_csv, plan_csv)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me\n", "utf-8")
    target = blocker / "out.file"
    line = one_line_error(run([*args, option, str(target)]), 2)
    assert line == f"error: {option}: cannot write {target}: {blocker} is a file, not a folder"
    assert blocker.read_text("utf-8") == "keep me\n"


@pytest.mark.parametrize("name", NAMES)
def test_a_full_device_is_an_environment_failure(
    name: str, tmp_path: Path, forecast_csv: Path, history_csv: Path, plan_csv: Path
) -> None:
    args, option = _case(name, forecast_csv, history_csv, plan_csv)
    (tmp_path / "dev").mkdir()
    full = make_device(tmp_path / "dev", "full")
    result = run([*args, option, str(full)])
    line = one_line_error(result, 1)
    assert line == f"error: {option}: cannot write {full}: No space left on device"
    assert full.is_char_device()  # written into, not replaced by a regular file
    if full.parent != Path("/dev"):
        assert [p.name for p in full.parent.iterdir()] == ["full"]  # no temporary file left


def test_a_null_device_takes_every_output(tmp_path: Path, plan_csv: Path) -> None:
    null = make_device(tmp_path, "null")
    result = run(
        ["schedule", "--plan", str(plan_csv), "--shifts", str(SAMPLE_SHIFTS), "--time-limit",
         "5s", "--format", "json", "--output", str(null)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert null.is_char_device()


def test_two_options_naming_one_file_are_refused(tmp_path: Path, plan_csv: Path) -> None:
    target = tmp_path / "roster.csv"
    line = one_line_error(
        run(
            [
                "schedule",
                "--plan",
                str(plan_csv),
                "--shifts",
                str(SAMPLE_SHIFTS),
                "--format",
                "csv",
                "--output",
                str(target),
                "--coverage",
                str(target),
            ]
        )
    )
    assert line == f"error: --coverage names the same file as --output: {target}"
    assert not target.exists()


def test_a_failing_second_file_leaves_neither(
    tmp_path: Path, plan_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """schedule writes --output, --coverage and --html all or none."""
    (tmp_path / "dev").mkdir()
    full = make_device(tmp_path / "dev", "full")
    roster, html = tmp_path / "roster.json", tmp_path / "roster.html"
    result = run(
        ["schedule", "--plan", str(plan_csv), "--shifts", str(SAMPLE_SHIFTS), "--format",
         "json", "--output", str(roster), "--coverage", str(full), "--html", str(html)]
    )  # fmt: skip
    one_line_error(result, 1)
    assert not roster.exists()
    assert not html.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith((".csv", ".yaml"))) == [
        "dev"
    ]
