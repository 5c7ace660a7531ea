"""CLI command ``schedule``: shifts with breaks that cover a staffing plan (OR-Tools CP-SAT).

Reads the plan written by ``contactcenter plan`` (interval_start, queue, agents,
gross_agents, ...) and a YAML shift file; writes the roster (csv: one row per group of
identical shifts), the full result (json, xlsx, table) and, with ``--html``, a coverage
chart. A requirement that cannot be met gives status ``partial`` and the shortfall per
interval, not an error. Bad input is one ``error: ...`` line on stderr (exit 2).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from contactcenter.cli.common import user_errors
from contactcenter.errors import InputError
from contactcenter.scheduling import ScheduleResult, load_shifts, read_plan, solve
from contactcenter.scheduling.plan import REQUIREMENT_COLUMNS
from contactcenter.units import parse_duration

FORMATS = ("csv", "json", "table", "xlsx")


def _choice(value: str, option: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(f"{option} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _workers(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not math.isfinite(number) or number != int(number) or number < 1:
        raise InputError(f"--workers must be a whole number >= 1, got {value!r}")
    return int(number)


def coverage_sections(result: ScheduleResult) -> list[Any]:
    """HTML report sections: the summary, a coverage chart and the shift table."""
    from contactcenter.reports.html import Chart, Series, Table, Text

    cov = result.coverage
    summary = result.summary()
    gap = [float(g) if g > 0 else None for g in cov["gap"]]
    chart = Chart(
        "Coverage: required and scheduled agents per interval",
        [pd.Timestamp(t).to_pydatetime() for t in cov["interval_start"]],
        [
            Series(
                "scheduled (working, not on break)",
                [float(v) for v in cov["scheduled"]],
                kind="step",
                fill=True,
                color="#4c78a8",
            ),
            Series("required", [float(v) for v in cov["required"]], kind="step", color="#222222"),
            Series("short (required - scheduled)", gap, color="#dc143c"),
        ],
        x_step=result.interval_s,
        integer=True,
        x_label="interval start",
        y_label="agents",
        height=420,
    )
    text = (
        f"Status {summary['status']}: {summary['paid_hours']} paid hours in "
        f"{summary['shift_count']} shifts; {summary['uncovered_agent_intervals']} agent-"
        f"intervals short and {summary['over_agent_intervals']} over; optimality gap "
        f"{summary['optimality_gap']:.4%}. An agent on a break is never counted as scheduled."
    )
    shifts = result.shifts_frame()
    return [
        Text(text),
        chart,
        Table("Shifts", list(shifts.columns), shifts.astype(str).values.tolist()),
    ]


def _emit_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


def _coverage_frame(result: ScheduleResult) -> pd.DataFrame:
    cov = result.coverage.copy()
    cov["interval_start"] = cov["interval_start"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return cov


def register(app: typer.Typer) -> None:
    """Add ``schedule`` to ``app``."""

    @app.command("schedule")
    @user_errors
    def schedule_cmd(
        plan: Annotated[
            Path, typer.Option("--plan", help="Staffing plan (CSV/Parquet from `plan`).")
        ],
        shifts: Annotated[Path, typer.Option("--shifts", help="Shift templates (YAML).")],
        use: Annotated[
            str, typer.Option("--use", help="Plan column to cover: agents or gross_agents.")
        ] = "agents",
        queue: Annotated[
            str | None, typer.Option("--queue", help="Schedule one queue (default: all pooled).")
        ] = None,
        time_limit: Annotated[
            str, typer.Option("--time-limit", help="Solver time limit (60s, 2m).")
        ] = "60s",
        workers: Annotated[
            str | None, typer.Option("--workers", help="Solver threads (default: CPUs, max 8).")
        ] = None,
        output_format: Annotated[
            str, typer.Option("--format", help="csv (shifts), json, table or xlsx.")
        ] = "table",
        output: Annotated[
            Path | None, typer.Option("--output", help="Write here instead of stdout.")
        ] = None,
        coverage: Annotated[
            Path | None, typer.Option("--coverage", help="Also write the coverage CSV here.")
        ] = None,
        html: Annotated[
            Path | None, typer.Option("--html", help="Also write the coverage chart report here.")
        ] = None,
    ) -> None:
        """Shifts and breaks that cover the plan at least paid cost (best partial if short)."""
        fmt = _choice(output_format, "--format", FORMATS)
        _choice(use, "--use", REQUIREMENT_COLUMNS)
        limit_s = parse_duration(time_limit, field="--time-limit")
        if limit_s <= 0:
            raise InputError(f"--time-limit must be greater than 0, got {time_limit!r}")
        n_workers = _workers(workers)
        config = load_shifts(shifts)
        req = read_plan(plan, interval_s=config.interval_s, use=use, queue=queue)
        result = solve(req, config, time_limit_s=limit_s, workers=n_workers)
        if result.status == "partial":
            print(
                f"partial: {result.uncovered_agent_intervals} agent-intervals cannot be "
                "covered by these templates (see the coverage gap)",
                file=sys.stderr,
            )
        if coverage is not None:
            coverage.parent.mkdir(parents=True, exist_ok=True)
            _coverage_frame(result).to_csv(coverage, index=False)
        if html is not None:
            from contactcenter.reports.html import write_html

            write_html(html, "Shift schedule", coverage_sections(result))
        if fmt == "csv":
            _emit_text(result.shifts_frame().to_csv(index=False), output)
        elif fmt == "json":
            _emit_text(json.dumps(result.to_dict(), indent=2) + "\n", output)
        elif fmt == "xlsx":
            if output is None:
                raise InputError("--format xlsx needs --output FILE.xlsx")
            summary = result.summary()
            by_day = pd.DataFrame(summary.pop("by_day"))
            output.parent.mkdir(parents=True, exist_ok=True)
            with pd.ExcelWriter(output, engine="xlsxwriter") as writer:
                pd.DataFrame(
                    {"metric": list(summary), "value": [str(v) for v in summary.values()]}
                ).to_excel(writer, sheet_name="summary", index=False)
                result.shifts_frame().to_excel(writer, sheet_name="shifts", index=False)
                _coverage_frame(result).to_excel(writer, sheet_name="coverage", index=False)
                by_day.to_excel(writer, sheet_name="by_day", index=False)
        else:
            summary = result.summary()
            by_day = pd.DataFrame(summary.pop("by_day"))
            lines = [f"{k}: {v}" for k, v in summary.items()]
            text = "\n".join(lines) + "\n\n"
            text += result.shifts_frame().to_string(index=False) + "\n\n"
            text += by_day.to_string(index=False) + "\n"
            short = _coverage_frame(result)
            short = short[short["gap"] > 0]
            if not short.empty:
                text += "\nintervals short of the requirement:\n"
                text += short.to_string(index=False) + "\n"
            _emit_text(text, output)
