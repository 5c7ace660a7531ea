"""Helpers shared by the CLI modules: error handling and option parsing."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer

from contactcenter.app._options import choice
from contactcenter.errors import ContactCenterError, ResourceError
from contactcenter.reports.text import printable
from contactcenter.units import parse_duration

P = ParamSpec("P")
R = TypeVar("R")

EXIT_USAGE = 2
EXIT_ENVIRONMENT = 1
EXIT_INTERRUPTED = 130
INTERRUPTED = "interrupted; nothing was written (a load in progress was rolled back)"

FLAGS: dict[str, str] = {
    "start": "--from",
    "end": "--to",
    "queues": "--queue",
    "files": "FILE",
    "format": "--format",
}
"""Python API keywords whose CLI flag is not ``--`` + the keyword with dashes."""


def flag(field: str) -> str:
    """The CLI flag of a library field name (``short_abandon`` -> ``--short-abandon``)."""
    if field.startswith("-") or not field.isidentifier():
        return field  # already a flag, or a path into a file (channels.voice.threshold)
    return FLAGS.get(field, "--" + field.replace("_", "-"))


def fail(message: str, status: int = EXIT_USAGE) -> typer.Exit:
    """Print ``error: message`` on one line to stderr and return the exit to raise (a
    message quoting a library that breaks lines is joined into one)."""
    line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    print(f"error: {printable(line)}", file=sys.stderr)
    return typer.Exit(status)


def error_line(exc: ContactCenterError) -> str:
    """A library error as the CLI shows it: its field named by the CLI flag."""
    return exc.render(flag(exc.field)) if exc.field else exc.render()


def user_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so that library errors become one line on stderr: exit status 2
    for bad input, 1 for a failing environment (disk full, unwritable path)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ResourceError as exc:
            raise fail(error_line(exc), EXIT_ENVIRONMENT) from None
        except ContactCenterError as exc:
            raise fail(error_line(exc)) from None
        except KeyboardInterrupt:
            raise fail(INTERRUPTED, EXIT_INTERRUPTED) from None

    return wrapper


def command_errors(**flags: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """:func:`user_errors` for a command whose flags differ from :data:`FLAGS` for some
    fields (``simulate --start`` is the keyword ``start``, which ``report`` spells
    ``--from``): ``@command_errors(start="--start")``."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except ContactCenterError as exc:
                label = flags.get(exc.field) if exc.field else None
                line = exc.render(label) if label else error_line(exc)
                status = EXIT_ENVIRONMENT if isinstance(exc, ResourceError) else EXIT_USAGE
                raise fail(line, status) from None
            except KeyboardInterrupt:
                raise fail(INTERRUPTED, EXIT_INTERRUPTED) from None

        return wrapper

    return decorate


def output_format(
    given: str | None, output: Path | None, allowed: Sequence[str], default: str
) -> str:
    """The format to write: ``--format`` when given; else the ``--output`` file's suffix
    when it names one of ``allowed`` (``.txt`` is the table), so that ``--output
    plan.xlsx`` writes a workbook; else the command's ``default``."""
    if given is not None:
        return choice(given, "format", allowed)
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        name = {"txt": "table"}.get(suffix, suffix)
        if name in allowed:
            return name
    return default


def require_file(output_format: str, output: object | None) -> None:
    """Exit 2 when a format that writes a file (xlsx) has no ``--output``."""
    if output_format == "xlsx" and output is None:
        raise fail("--format xlsx needs --output FILE.xlsx")


def duration_option(value: str | None, option: str) -> float | None:
    """Parse an optional duration option (plain seconds or 20s/30m/4h)."""
    if value is None:
        return None
    return parse_duration(value, field=option)
