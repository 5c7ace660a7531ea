"""Issue 9, case 6: the planning commands under generated hostile options and files.

Every run of ``staff``, ``plan``, ``simulate``, ``forecast``, ``backtest`` and
``schedule`` (through typer's CliRunner) must end with exit status 0, 1 or 2 and no
exception; a refused run prints exactly one ``error: ...`` line; no run may take longer
than :data:`ALARM_S` (an alarm turns a hang into a failure). Values come from pools
of huge, tiny, negative, infinite, NaN and garbage text around the documented bounds;
files are small generated CSV/YAML files, some valid, some mutated, some random bytes.

Deterministic: hypothesis runs derandomized (the same examples every run) with no
example database, so a failure reproduces; the values are chosen so that accepted runs
stay small (a second or two each) and the whole test takes well under a minute.
"""

from __future__ import annotations

import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from random import Random
from types import FrameType

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from contactcenter.cli.main import app
from tests.hardening.conftest import SAMPLE_SHIFTS

ALARM_S = 45
FUZZ = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE = [
    "", " ", "abc", "1e", "--", "0x10", "1,5", "٣", "½", "∞", "inf", "-inf", "+inf", "nan",
    "NaN", "-0", "0", "-1", "-1e300", "1e-300", "5e-324", "1e15", "1e300", "1e309",
    "9223372036854775808", "99999999999999999999999999", "3.5", "1" * 400,
]  # fmt: skip
BAD_DURATIONS = [*HOSTILE, "2d", "400d", "0s", "-1h", "1h2m3q", "1ms", "8h30m", "1d"]


def value(rnd: Random, good: list[str], bad: list[str] = HOSTILE) -> str:
    """A valid value nine times in ten, else a hostile one."""
    return rnd.choice(good if rnd.random() < 0.9 else bad)


def options(rnd: Random, pools: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    """Some of the given options, each with a value (valid, or hostile) from its pools."""
    out: list[str] = []
    for name in rnd.sample(sorted(pools), rnd.randint(0, min(4, len(pools)))):
        good, bad = pools[name]
        out += [name, value(rnd, good, bad)]
    return out


DUR = (["30m", "20s", "3m", "1h", "90", "5m"], BAD_DURATIONS)
FRAC = (["0.8", "0.5", "0.95", "1", "0.3"], [*HOSTILE, "1.5", "0.999999999", "1e-9"])
TIMES = [
    "0001-01-01 00:00:00", "9999-12-31 23:30:00", "2025-13-01 00:00:00", "", "yesterday",
    "2025-01-06 08:00:00+14:00", "1969-12-31 23:30:00", "2262-04-12 00:00:00", "2025-01-06",
]  # fmt: skip
QUEUES = ["sales", "=cmd|' /C calc'!A0", "+1", "-x", "@x", "'=x", "", "ü", "a,b", 'q"q', "\tx"]


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


def mutated_csv(rnd: Random, header: list[str], rows: list[list[str]]) -> bytes:
    """``rows`` as CSV with a few cells made hostile, maybe a column dropped, or (one
    time in ten) random bytes instead."""
    if rnd.randint(0, 9) == 0:
        return rnd.randbytes(rnd.randint(0, 300))
    rows = [list(r) for r in rows]
    for _ in range(rnd.choice([0, 0, 0, 1, 2])):
        if not rows:
            break
        i = rnd.randrange(len(rows))
        j = rnd.randrange(len(header))
        pool = (
            TIMES if header[j] == "interval_start" else QUEUES if header[j] == "queue" else HOSTILE
        )
        rows[i][j] = rnd.choice(pool)
    if rnd.randint(0, 11) == 0:
        drop = rnd.randrange(len(header))
        header = header[:drop] + header[drop + 1 :]
        rows = [r[:drop] + r[drop + 1 :] for r in rows]
    lines = [",".join(header)] + [",".join(quoted(c) for c in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def half_hours(n: int, day: str = "2025-01-06", first: int = 16) -> list[str]:
    base = pd.Timestamp(day)
    return [str(base + pd.Timedelta(minutes=30 * (first + i))) for i in range(n)]


def forecast_file(rnd: Random) -> bytes:
    n = rnd.randint(1, 6)
    queue = rnd.choice(QUEUES[:6])
    rows = [
        [t, queue, rnd.choice(["0", "10", "100", "250.5"]), "180", "300"] for t in half_hours(n)
    ]
    return mutated_csv(rnd, ["interval_start", "queue", "calls", "aht_s", "patience_s"], rows)


def plan_file(rnd: Random, days: int) -> bytes:
    """A plan as `plan` writes it: consecutive half-hours with calls, AHT and agents."""
    queue = rnd.choice(["sales", "sales", *QUEUES[1:6]])
    rows = []
    for d in range(days):
        day = str((pd.Timestamp("2025-01-06") + pd.Timedelta(days=d)).date())
        for t in half_hours(rnd.randint(1, 12), day):
            agents = rnd.choice(["0", "2", "5", "14"])
            rows.append([t, queue, str(int(agents) * 7), "180", agents, agents])
    if days == 1:  # simulate needs consecutive rows; keep only the first day
        rows = rows[: len(rows)]
    header = ["interval_start", "queue", "calls", "aht_s", "agents", "gross_agents"]
    return mutated_csv(rnd, header, rows)


def history_text(seed: int, queue: str, days: int) -> str:
    rng = np.random.default_rng(seed)
    rows = [
        (day + pd.Timedelta(minutes=30 * h), queue, int(rng.poisson(30)), 180)
        for day in pd.date_range("2024-01-01", periods=days)
        for h in range(16, 36)
    ]
    frame = pd.DataFrame(rows, columns=["interval_start", "queue", "calls", "aht_s"])
    return str(frame.to_csv(index=False))


def history_file(rnd: Random) -> bytes:
    """A short history (4 to 7 weeks), sometimes with a few cells replaced."""
    text = history_text(rnd.randint(0, 3), rnd.choice(QUEUES[:6]), rnd.randint(28, 49))
    lines = text.splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    rows = [[c.strip('"') for c in r] for r in rows]
    return mutated_csv(rnd, header, rows)


def shift_file(rnd: Random) -> bytes:
    """The sample shift file, sometimes with one value replaced; or random bytes."""
    text = SAMPLE_SHIFTS.read_text("utf-8")
    kind = rnd.randint(0, 9)
    if kind == 0:
        return rnd.randbytes(rnd.randint(0, 200))
    if kind <= 2:
        old = rnd.choice(["15m", "8h30m", "06:00", "15:30", "1h30m", "2h30m", "4h", "8.0", "30m"])
        new = rnd.choice([*BAD_DURATIONS[:12], "25:00", "1m", "0m", "-1h", "1e9", "[", "{"])
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def command_line(rnd: Random, folder: Path) -> list[str]:
    """One command line with its files written into ``folder``."""
    command = rnd.choice(["staff", "plan", "simulate", "forecast", "backtest", "schedule"])

    def write(name: str, data: bytes) -> str:
        path = folder / name
        path.write_bytes(data)
        return str(path)

    outputs = (
        [str(folder / "out.csv"), str(folder / "out.xlsx"), str(folder / "o.json")],
        [str(folder), str(folder / "plan.csv" / "x"), ""],
    )
    if command == "staff":
        return [
            "staff",
            "--calls", value(rnd, ["0", "1", "100", "5000", "2.5e5"]),
            "--period", value(rnd, *DUR),
            "--aht", value(rnd, ["3m", "180", "20s"], [*BAD_DURATIONS, "3m,4m", "1m,2m,3m"]),
            *options(
                rnd,
                {
                    "--agents": (["1", "14", "300", "9000000"], HOSTILE), "--threshold": DUR,
                    "--target": FRAC, "--patience": DUR, "--max-occupancy": FRAC,
                    "--shrinkage": (["0", "0.3", "0.99"], FRAC[1]), "--asa-target": DUR,
                    "--max-abandon": FRAC, "--concurrency": (["1", "2", "3"], ["101", "0", "x"]),
                    "--sl-definition": (["offered", "answered", "virtual"], ["x", ""]),
                    "--format": (["json", "table"], ["csv", ""]),
                },
            ),
        ]  # fmt: skip
    if command == "plan":
        return [
            "plan",
            "--forecast", write("fc.csv", forecast_file(rnd)),
            *options(
                rnd,
                {
                    "--interval": DUR, "--threshold": DUR, "--target": FRAC, "--patience": DUR,
                    "--max-occupancy": FRAC, "--shrinkage": (["0", "0.3"], FRAC[1]),
                    "--concurrency": (["1", "2"], ["x", "0"]),
                    "--format": (["csv", "json", "table", "xlsx"], ["x"]),
                    "--output": outputs,
                },
            ),
        ]  # fmt: skip
    if command == "simulate":
        if rnd.random() < 0.5:
            return [
                "simulate",
                "--plan", write("plan.csv", plan_file(rnd, 1)),
                *options(rnd, {"--interval": DUR, "--queue": (QUEUES[:2], QUEUES),
                               "--patience": DUR}),
            ]  # fmt: skip
        # accepted runs stay small: at most 100 calls x 3 periods
        return [
            "simulate",
            "--calls", value(rnd, ["0", "1", "100"]),
            "--period", value(rnd, *DUR),
            "--aht", value(rnd, *DUR),
            "--agents", value(rnd, ["1", "5", "14"]),
            *options(
                rnd,
                {
                    "--periods": (["1", "3"], HOSTILE), "--patience": DUR,
                    "--service": (["exponential", "lognormal"], ["x"]),
                    "--service-cv": (["0.5", "2", "100"], [*HOSTILE, "1e300"]),
                    "--seed": (["0", "7", "9223372036854775807"], HOSTILE),
                    "--start": (["2025-01-06T08:00Z", "9999-12-31T22:00Z"], TIMES),
                    "--concurrency": (["1", "2"], ["1000", "x"]),
                    "--output": ([str(folder / "c.parquet")], outputs[1]),
                },
            ),
        ]  # fmt: skip
    if command in ("forecast", "backtest"):
        args = [
            command,
            "--history", write("history.csv", history_file(rnd)),
            "--horizon", value(rnd, ["7", "14d", "3"], [*BAD_DURATIONS[:16], "100000d"]),
            "--folds", value(rnd, ["1", "2"] if command == "backtest" else ["0", "1"], HOSTILE),
        ]  # fmt: skip
        if command == "backtest":
            args += ["--inner-folds", value(rnd, ["0", "1"], ["x", "-1"])]
            args += ["--methods", "seasonal_naive,seasonal_mean"]
        else:
            args += ["--candidates", "seasonal_naive,seasonal_mean"]
        holidays = write("hol.txt", rnd.randbytes(rnd.randint(0, 40)))
        return [
            *args,
            *options(
                rnd,
                {
                    "--interval": (["30m", "1h", "1d"], ["15m", "7m", "0s", *HOSTILE[:10]]),
                    "--mean-weeks": (["1", "4"], HOSTILE), "--queue": (QUEUES[:2], QUEUES),
                    "--holidays": (["US", "IL"], ["XX", str(folder), holidays]),
                    "--column": (["calls=calls"], ["interval_start=Nope", "calls=queue", "x"]),
                    "--format": (["csv", "json", "table"], ["xlsx", "x"]),
                    "--output": outputs,
                },
            ),
        ]  # fmt: skip
    return [
        "schedule",
        "--plan", write("plan.csv", plan_file(rnd, rnd.randint(1, 3))),
        "--shifts", write("shifts.yaml", shift_file(rnd)),
        "--time-limit", value(rnd, ["1s", "2s", "500ms"], ["0", "-1s", "2d", "inf", "nan", "x"]),
        *options(
            rnd,
            {
                "--use": (["agents", "gross_agents"], ["x"]), "--queue": (QUEUES[:2], QUEUES),
                "--workers": (["1", "2"], ["0", "65", "x"]),
                "--format": (["csv", "json", "table", "xlsx"], ["x"]),
                "--output": outputs,
                "--coverage": ([str(folder / "cov.csv")], [str(folder), str(folder / "out.csv")]),
            },
        ),
    ]  # fmt: skip


class HungError(Exception):
    """A command ran longer than ALARM_S."""


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def ring(signum: int, frame: FrameType | None) -> None:
        raise HungError(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check(args: list[str], result: Result) -> None:
    """The contract of every planning command, whatever the input."""
    shown = " ".join(args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        shown,
        repr(result.exception),
    )
    assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.output)
    assert "Traceback" not in result.output, shown
    if result.exit_code != 0:
        lines = result.stderr.splitlines()
        assert len(lines) == 1, (shown, result.stderr)
        assert lines[0].startswith("error: "), (shown, result.stderr)


@FUZZ
@given(rnd=st.randoms(use_true_random=False))
def test_planning_commands_never_crash_or_hang(rnd: Random) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        args = command_line(rnd, Path(tmp))
        with alarm(ALARM_S):
            result = CliRunner().invoke(app, args)
        check(args, result)
