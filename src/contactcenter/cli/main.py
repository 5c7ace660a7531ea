"""The ``contactcenter`` application.

Commands live in one module each (``cli/*_cmd.py``, each with ``register(app)``). They are
loaded **lazily**: ``contactcenter plan`` imports only the staffing module, not Ibis,
pandas or OR-Tools, so a command starts in a fraction of a second. :data:`COMMANDS` maps
each command to its module and the one-line help ``contactcenter --help`` shows.
"""

from __future__ import annotations

import importlib
import signal
import sys
import time
from typing import Any

import typer
from typer.core import TyperGroup

from contactcenter.reports.text import printable

_started = time.monotonic()


def started() -> float:
    """When this command started (a :func:`time.monotonic` reading taken before its own
    imports, pandas and OR-Tools): ``schedule --time-limit`` counts from here."""
    return _started


COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("contactcenter.cli.ingest_cmd", "Load files of one format into the store."),
    "report": (
        "contactcenter.cli.report_cmd",
        "Compute KPIs from the store, grouped and filtered.",
    ),
    "metrics": ("contactcenter.cli.metrics_cmd", "List every metric with its formula."),
    "impact": (
        "contactcenter.cli.impact_cmd",
        "Service-level points lost per agent: away time, slow handling, transfers.",
    ),
    "staff": (
        "contactcenter.cli.staffing_cmd",
        "Agents needed for one interval (Erlang C/A, chat).",
    ),
    "plan": ("contactcenter.cli.staffing_cmd", "Agents needed for every interval of a forecast."),
    "simulate": ("contactcenter.cli.staffing_cmd", "Simulate a queue; write canonical contacts."),
    "forecast": ("contactcenter.cli.forecast_cmd", "Forecast calls and AHT per interval."),
    "backtest": ("contactcenter.cli.forecast_cmd", "Compare forecast methods on held-out history."),
    "schedule": ("contactcenter.cli.schedule_cmd", "Turn a staffing plan into shifts with breaks."),
    "serve": ("contactcenter.cli.serve_cmd", "Serve the REST API over a store."),
    "token": ("contactcenter.cli.token_cmd", "Create, revoke and list the API's access tokens."),
}


ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
"""The base of click's errors (typer carries its own copy of click, or uses the package)."""


class LazyGroup(TyperGroup):
    """A command group that imports a command's module only when that command runs, and
    prints every usage error as one line (``error: ...``, exit status 2)."""

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        global _started
        _started = time.monotonic()  # the command's start, see started()
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except ClickException as exc:
            code = int(getattr(exc, "exit_code", 2))
            message = str(exc.format_message()) if hasattr(exc, "format_message") else str(exc)
            if type(exc).__name__ == "NoArgsIsHelpError":  # no arguments: the help itself
                print(message, file=sys.stderr)
            else:
                hint = " (see --help)" if code == 2 else ""
                print(f"error: {printable(message)}{hint}", file=sys.stderr)
            sys.exit(code)
        except typer.Abort:
            print("error: aborted", file=sys.stderr)
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        sub = typer.Typer()
        module.register(sub)
        command = typer.main.get_command(sub)
        if isinstance(command, TyperGroup):
            return command.commands.get(cmd_name)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_) for name, (_, help_) in COMMANDS.items()])


app = typer.Typer(
    name="contactcenter",
    cls=LazyGroup,
    help="Measure and plan a contact center: ingest events, compute KPIs, plan staffing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Measure and plan a contact center: ingest events, compute KPIs, plan staffing."""


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the console script. SIGTERM and SIGHUP stop a command as Ctrl-C
    does: the running load rolls back, its temporary files are removed, and one line
    says so (exit status 130)."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop)
    app()


if __name__ == "__main__":
    main()
