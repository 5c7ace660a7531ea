"""CLI commands ``staff``, ``plan`` and ``simulate``: options in, one call of
:mod:`contactcenter.app.staffing`, the answer out.

Durations accept plain seconds or 20s/30m/4h. Numbers are read as text and checked by the
application layer, so that a typo gets the same one-line ``error: ...`` (exit 2) as any
other bad value; its field is shown as the option (``--max-occupancy``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from contactcenter.app import staffing as api
from contactcenter.app._options import choice
from contactcenter.cli.common import command_errors, require_file, user_errors
from contactcenter.cli.common import output_format as cli_format
from contactcenter.reports import writers

FORMATS_STAFF = ("json", "table")
FORMATS_PLAN = api.PLAN_FORMATS

# Options shared by staff, plan and simulate (one declaration, one help text).
ThresholdOpt = Annotated[
    str | None, typer.Option("--threshold", help="Answer threshold T (default 20s; chat 90s).")
]
TargetOpt = Annotated[str, typer.Option("--target", help="Target SL in (0, 1).")]
MaxOccupancyOpt = Annotated[
    str | None, typer.Option("--max-occupancy", help="Occupancy cap in (0, 1].")
]
ShrinkageOpt = Annotated[
    str, typer.Option("--shrinkage", help="Share of paid time off the queue, [0, 1).")
]
AsaTargetOpt = Annotated[str | None, typer.Option("--asa-target", help="Highest mean wait (ASA).")]
MaxAbandonOpt = Annotated[
    str | None, typer.Option("--max-abandon", help="Highest P(abandon), (0, 1].")
]
ConcurrencyOpt = Annotated[str, typer.Option("--concurrency", help="Chats an agent holds at once.")]
SlDefinitionOpt = Annotated[
    str, typer.Option("--sl-definition", help="offered (default), answered or virtual.")
]


def register(app: typer.Typer) -> None:
    """Add ``staff``, ``plan`` and ``simulate`` to ``app``."""

    @app.command("staff")
    @user_errors
    def staff(
        calls: Annotated[str, typer.Option("--calls", help="Contacts offered in --period.")],
        period: Annotated[str, typer.Option("--period", help="Length of the period (30m).")],
        aht: Annotated[
            str,
            typer.Option(
                "--aht",
                help="Average handle time (180, 3m); for chat one per concurrency level: 4m,5m,6m.",
            ),
        ],
        threshold: ThresholdOpt = None,
        target: TargetOpt = "0.8",
        patience: Annotated[
            str | None,
            typer.Option("--patience", help="Mean patience: use Erlang A (abandonment)."),
        ] = None,
        agents: Annotated[
            str | None, typer.Option("--agents", help="Evaluate this many agents.")
        ] = None,
        max_occupancy: MaxOccupancyOpt = None,
        shrinkage: ShrinkageOpt = "0",
        asa_target: AsaTargetOpt = None,
        max_abandon: MaxAbandonOpt = None,
        concurrency: ConcurrencyOpt = "1",
        sl_definition: SlDefinitionOpt = "offered",
        output_format: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
    ) -> None:
        """Agents needed for a queue (or, with --agents, what that staffing delivers)."""
        choice(output_format, "format", FORMATS_STAFF)
        result = api.staff(
            calls=calls,
            period=period,
            aht=aht,
            threshold=threshold,
            target=target,
            patience=patience,
            agents=agents,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            asa_target=asa_target,
            max_abandon=max_abandon,
            concurrency=concurrency,
            sl_definition=sl_definition,
        )
        if output_format == "json":
            sys.stdout.write(result.to_text("json"))
        else:
            sys.stdout.write(result.to_text("table"))

    @app.command("plan")
    @user_errors
    def plan(
        forecast: Annotated[
            Path,
            typer.Option(
                "--forecast",
                help="CSV with interval_start, queue, calls, aht_s (and optionally patience_s).",
            ),
        ],
        interval: Annotated[
            str, typer.Option("--interval", help="Interval length of the forecast rows.")
        ] = "30m",
        threshold: ThresholdOpt = None,
        target: TargetOpt = "0.8",
        patience: Annotated[
            str | None,
            typer.Option("--patience", help="Mean patience for rows without patience_s."),
        ] = None,
        max_occupancy: MaxOccupancyOpt = None,
        shrinkage: ShrinkageOpt = "0",
        asa_target: AsaTargetOpt = None,
        max_abandon: MaxAbandonOpt = None,
        concurrency: ConcurrencyOpt = "1",
        sl_definition: SlDefinitionOpt = "offered",
        output_format: Annotated[
            str | None,
            typer.Option(
                "--format",
                help="csv, json, table or xlsx (default: --output's suffix, else table).",
            ),
        ] = None,
        output: Annotated[
            Path | None, typer.Option("--output", help="Write here instead of stdout.")
        ] = None,
    ) -> None:
        """Agents per interval and queue for a forecast, with the predicted KPIs."""
        fmt = cli_format(output_format, output, FORMATS_PLAN, "table")
        require_file(fmt, output)
        if output is not None:
            writers.check_target(output, "output")
        result = api.plan(
            forecast=forecast,
            interval=interval,
            threshold=threshold,
            target=target,
            patience=patience,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            asa_target=asa_target,
            max_abandon=max_abandon,
            concurrency=concurrency,
            sl_definition=sl_definition,
        )
        if output is not None:
            result.write(output, format=fmt)
        elif fmt == "table":
            sys.stdout.write(result.to_text("table"))
        else:
            sys.stdout.write(result.to_text(fmt))

    @app.command("simulate")
    @command_errors(start="--start")
    def simulate_cmd(
        calls: Annotated[
            str | None, typer.Option("--calls", help="Expected contacts per period.")
        ] = None,
        period: Annotated[
            str | None, typer.Option("--period", help="Length of one period (30m).")
        ] = None,
        aht: Annotated[
            str | None, typer.Option("--aht", help="Average handle time (180, 3m).")
        ] = None,
        agents: Annotated[str | None, typer.Option("--agents", help="Agents on duty.")] = None,
        plan: Annotated[
            Path | None,
            typer.Option(
                "--plan",
                help="Simulate a staffing plan instead: CSV with interval_start, queue, "
                "calls, aht_s, agents (the output of `plan --format csv`).",
            ),
        ] = None,
        interval: Annotated[
            str, typer.Option("--interval", help="Interval length of the --plan rows.")
        ] = "30m",
        patience: Annotated[
            str | None, typer.Option("--patience", help="Mean (exponential) patience.")
        ] = None,
        threshold: ThresholdOpt = None,
        periods: Annotated[str, typer.Option("--periods", help="Periods to simulate.")] = "1",
        seed: Annotated[str, typer.Option("--seed", help="Random seed (same seed, same run).")] = (
            "0"
        ),
        service: Annotated[
            str, typer.Option("--service", help="Handle times: exponential or lognormal.")
        ] = "exponential",
        service_cv: Annotated[
            str, typer.Option("--service-cv", help="Coefficient of variation for lognormal.")
        ] = "1",
        concurrency: Annotated[
            str, typer.Option("--concurrency", help="Contacts an agent holds at once (chat).")
        ] = "1",
        start: Annotated[
            str | None,
            typer.Option("--start", help="First instant, ISO (default 2025-01-06T08:00Z)."),
        ] = None,
        queue: Annotated[
            str | None,
            typer.Option(
                "--queue",
                help="Queue name in the contacts (default simulated); with --plan, the "
                "plan's queue to simulate.",
            ),
        ] = None,
        output_format: Annotated[str, typer.Option("--format", help="json or table.")] = "json",
        output: Annotated[
            Path | None,
            typer.Option("--output", help="Write the canonical contacts to this Parquet file."),
        ] = None,
        schedule: Annotated[
            Path | None,
            typer.Option(
                "--schedule",
                help="A team of named agents answers: their schedule (schedule_csv: "
                "agent,activity,start,end), instead of --agents.",
            ),
        ] = None,
        queue_log: Annotated[
            Path | None,
            typer.Option(
                "--queue-log",
                help="Write the run as an Asterisk queue_log (agent and call events); "
                "simulates a team (without --schedule, agent i works the periods with "
                "more than i agents).",
            ),
        ] = None,
        schedule_output: Annotated[
            Path | None,
            typer.Option(
                "--schedule-output", help="Write the team's schedule here (schedule_csv)."
            ),
        ] = None,
        late_login_share: Annotated[
            str, typer.Option("--late-login-share", help="Share of shifts started late (0-1).")
        ] = "0",
        late_login_mean: Annotated[
            str, typer.Option("--late-login-mean", help="Mean lateness (exponential).")
        ] = "5m",
        overrun_share: Annotated[
            str,
            typer.Option("--overrun-share", help="Share of breaks and lunches overrun (0-1)."),
        ] = "0",
        overrun_mean: Annotated[
            str, typer.Option("--overrun-mean", help="Mean overrun (exponential).")
        ] = "3m",
        pause_rate: Annotated[
            str,
            typer.Option("--pause-rate", help="Unscheduled pauses per hour available."),
        ] = "0",
        pause_mean: Annotated[
            str, typer.Option("--pause-mean", help="Mean unscheduled pause (exponential).")
        ] = "3m",
        tolerance: Annotated[
            str,
            typer.Option("--tolerance", help="Adherence tolerance of the agents' figures."),
        ] = "60s",
    ) -> None:
        """Simulate the queue and print its KPIs (optionally write canonical contacts, or
        a team's queue_log and schedule)."""
        choice(output_format, "format", FORMATS_STAFF)
        result = api.simulate(
            calls=calls,
            period=period,
            aht=aht,
            agents=agents,
            plan=plan,
            interval=interval,
            patience=patience,
            threshold=threshold,
            periods=periods,
            seed=seed,
            service=service,
            service_cv=service_cv,
            concurrency=concurrency,
            start=start,
            queue=queue,
            output=output,
            schedule=schedule,
            queue_log=queue_log,
            schedule_output=schedule_output,
            late_login_share=late_login_share,
            late_login_mean=late_login_mean,
            overrun_share=overrun_share,
            overrun_mean=overrun_mean,
            pause_rate=pause_rate,
            pause_mean=pause_mean,
            tolerance=tolerance,
        )
        if output_format == "json":
            sys.stdout.write(result.to_text("json"))
        else:
            sys.stdout.write(result.to_text("table"))
