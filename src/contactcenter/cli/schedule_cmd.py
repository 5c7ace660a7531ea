"""CLI command ``schedule``: options in, one call of :mod:`contactcenter.app.schedule`,
the roster out (OR-Tools CP-SAT shifts with breaks that cover a staffing plan).

Reads the plan written by ``contactcenter plan`` (interval_start, queue, agents,
gross_agents, ...) and a YAML shift file; writes the roster (csv: one row per group of
identical shifts), the full result (json, xlsx, table) and, with ``--html``, a coverage
chart. A requirement that cannot be met gives status ``partial`` and the shortfall per
interval, not an error. Bad input is one ``error: ...`` line on stderr (exit 2).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from contactcenter.app import schedule as api
from contactcenter.cli.common import output_format as cli_format
from contactcenter.cli.common import require_file, user_errors
from contactcenter.reports import writers

FORMATS = api.SCHEDULE_FORMATS


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
            str,
            typer.Option(
                "--time-limit", help="Time limit of the whole command, solver included (60s, 2m)."
            ),
        ] = "60s",
        workers: Annotated[
            str | None, typer.Option("--workers", help="Solver threads (default: CPUs, max 8).")
        ] = None,
        output_format: Annotated[
            str | None,
            typer.Option(
                "--format",
                help="csv (shifts), json, table or xlsx (default: --output's suffix, else table).",
            ),
        ] = None,
        output: Annotated[
            Path | None, typer.Option("--output", help="Write here instead of stdout.")
        ] = None,
        coverage: Annotated[
            Path | None, typer.Option("--coverage", help="Also write the coverage CSV here.")
        ] = None,
        html: Annotated[
            Path | None, typer.Option("--html", help="Also write the coverage chart report here.")
        ] = None,
        agents: Annotated[
            Path | None,
            typer.Option(
                "--agents",
                help="Assign named agents (CSV: agent,days,available_from,available_to,"
                "contracted_hours); --format csv is then the roster schedule_csv loads.",
            ),
        ] = None,
        min_rest: Annotated[
            str | None,
            typer.Option("--min-rest", help="Least rest between two shifts of an agent (11h)."),
        ] = None,
    ) -> None:
        """Shifts and breaks that cover the plan at least paid cost (best partial if short)."""
        fmt = cli_format(output_format, output, FORMATS, "table")
        require_file(fmt, output)
        targets = {"output": output, "coverage": coverage, "html": html}
        for name, target in targets.items():
            if target is not None:
                writers.check_target(target, name)
        from contactcenter.cli.main import started

        result = api.schedule(
            plan=plan,
            shifts=shifts,
            use=use,
            queue=queue,
            time_limit=time_limit,
            workers=workers,
            started=started(),
            agents=agents,
            min_rest=min_rest,
        )
        files: list[tuple[Path, str | bytes, str]] = []
        if output is not None:
            files.append((output, result.file_data(output, format=fmt), "output"))
        if coverage is not None:
            files.append((coverage, result.coverage_csv(), "coverage"))
        if html is not None:
            from contactcenter.reports import planning
            from contactcenter.reports.html import render_html

            page = render_html("Shift schedule", planning.coverage_sections(result.result))
            files.append((html, page, "html"))
        writers.write_files(files)  # all of them or none
        if output is None:
            sys.stdout.write(result.to_text(fmt))
        if result.unsolved_groups:
            print(
                f"note: the solver found no roster in the time limit for "
                f"{result.unsolved_groups} group(s) of days; they have the greedy roster "
                "(see optimality_gap)",
                file=sys.stderr,
            )
        unassigned = result.assignment_summary().get("unassigned_shifts", 0)
        if unassigned:
            print(
                f"unassigned: {unassigned} shifts have no agent (see unassigned: the shift "
                "and the reason); they are not in the roster",
                file=sys.stderr,
            )
        if result.status == "partial" and result.optimality_gap == 0:
            print(
                f"partial: {result.uncovered_agent_intervals} agent-intervals cannot be "
                "covered by these templates (see the coverage gap)",
                file=sys.stderr,
            )
        elif result.status == "partial":
            print(
                f"partial: {result.uncovered_agent_intervals} agent-intervals are not covered; "
                "the time limit ended before the solver proved they cannot be (see the "
                "coverage gap and optimality_gap)",
                file=sys.stderr,
            )
