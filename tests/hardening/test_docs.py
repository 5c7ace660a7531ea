"""Issue 9, case 7: the bounds table of docs/cli.md says what contactcenter.limits does,
and the README keeps its promise (the other hardening tests check the behaviour)."""

from __future__ import annotations

from pathlib import Path

from contactcenter import limits

ROOT = Path(__file__).resolve().parents[2]


def bounds_table() -> str:
    text = (ROOT / "docs" / "cli.md").read_text("utf-8")
    start = text.index("## Bounds of the planning options")
    return text[start : text.index("\n## ", start + 10)]


def test_the_bounds_table_matches_the_limits() -> None:
    table = bounds_table()
    day = limits.MAX_DURATION_S
    expected = [
        f"at most {limits.MAX_LOAD_ERL:,.0f} Erlangs",
        f"(chat, `--concurrency` > 1: {limits.MAX_CHAT_LOAD_ERL:,.0f})",
        f"at least {limits.MIN_DURATION_S:g} s, at most {limits.MAX_PERIOD_S // day}d",
        f"at least {limits.MIN_DURATION_S:g} s, at most {day // day}d",
        f"at most {limits.MAX_AGENTS:,}",
        f"[0, {limits.MAX_SHRINKAGE:g}]",
        f"1 to {limits.MAX_CONCURRENCY}",
        f"1 to {limits.MAX_AGENTS:,} (chat: agents x concurrency at most "
        f"{limits.MAX_CHAT_SLOTS:,})",
        f"at most {limits.MAX_SIM_CONTACTS:,} expected contacts",
        f"1 to {limits.MAX_PERIODS:,}",
        f"1 to {limits.MAX_SIM_SLOTS:,} agent slots",
        f"at most {limits.MAX_SERVICE_CV:g}",
        f"0 to {limits.MAX_SEED:,}",
        f"from {limits.EARLIEST_START.date()}T00:00Z",
        f"end by {limits.LATEST_END.date()}",
        f"years {limits.FIRST_HISTORY_DAY.year} to {limits.LAST_HISTORY_DAY.year}",
        f"at most {limits.MAX_HISTORY_CELLS:,} days x intervals",
        f"1 to {limits.MAX_HORIZON_DAYS:,} days",
        f"at most {limits.MAX_FOLDS:,}",
        f"1 to {limits.MAX_MEAN_WEEKS}",
        f"at most {limits.MAX_TIME_LIMIT_S // day}d, for the whole command",
        f"1 to {limits.MAX_WORKERS}",
        f"from {limits.FIRST_HISTORY_DAY} to {limits.LAST_PLAN_DAY}",
        f"at most {limits.MAX_SCHEDULE_DAYS} days",
        f"at most {limits.MAX_MODEL_TERMS:,} coverage terms",
    ]
    missing = [phrase for phrase in expected if phrase not in table]
    assert not missing, missing


def test_the_readme_promises_one_line_and_exit_2() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "Bad input gets a one-line error and exit status 2" in readme
    assert "Bounds of the planning options" in readme
