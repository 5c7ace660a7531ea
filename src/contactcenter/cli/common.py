"""Helpers shared by the CLI modules: error handling and option parsing."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from contactcenter.errors import ContactCenterError
from contactcenter.units import parse_duration

P = ParamSpec("P")
R = TypeVar("R")

EXIT_USAGE = 2


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on one line to stderr and return the exit (status 2) to raise."""
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(EXIT_USAGE)


def user_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so that library errors become one line on stderr and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ContactCenterError as exc:
            raise fail(str(exc)) from None

    return wrapper


def duration_option(value: str | None, option: str) -> float | None:
    """Parse an optional duration option (plain seconds or 20s/30m/4h)."""
    if value is None:
        return None
    return parse_duration(value, option=option)
