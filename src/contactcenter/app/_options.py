"""Reading the options of the application functions, as Python values or as the CLI's text.

Every reader takes the value and the name of its field (the keyword of the public
function) and returns the checked value, or raises
:class:`~contactcenter.errors.InputError` about that field with a message that names
the value and what is allowed. Numbers may be given as int/float or text (``"0.8"``),
durations as seconds or text (``"30m"``); booleans are not numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from contactcenter.errors import ContactCenterError, InputError
from contactcenter.standards import default_threshold_s
from contactcenter.units import DAY_S, check_interval, format_duration, parse_duration

Number = int | float | str
"""A number as Python gives it or as text."""
Duration = int | float | str
"""A duration: seconds, or text such as ``"20s"``, ``"30m"``, ``"8h30m"``."""


def number(value: Number, field: str, *, allowed: str = "a number") -> float:
    """``value`` as a finite float."""
    if isinstance(value, bool):
        raise InputError(f"{{field}} must be {allowed}, got {value!r}", field=field)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{{field}} must be {allowed}, got {value!r}", field=field) from None
    if not math.isfinite(result):
        raise InputError(f"{{field}} must be {allowed}, got {value!r}", field=field)
    return result


def non_negative(value: Number, field: str) -> float:
    """A number >= 0."""
    result = number(value, field, allowed="a number >= 0")
    if result < 0:
        raise InputError(f"{{field}} must be a number >= 0, got {value}", field=field)
    return result


def positive(value: Number, field: str) -> float:
    """A number > 0."""
    result = number(value, field, allowed="a number > 0")
    if result <= 0:
        raise InputError(f"{{field}} must be a number > 0, got {value}", field=field)
    return result


def whole(value: Number, field: str, minimum: int, maximum: int | None = None) -> int:
    """A whole number >= ``minimum`` (and <= ``maximum`` when given)."""
    allowed = f"a whole number >= {minimum}"
    exact = _exact_int(value)
    if exact is not None:
        result: float | int = exact  # exact, even beyond the float range
    else:
        result = number(value, field, allowed=allowed)
        if result != round(result):
            raise InputError(f"{{field}} must be {allowed}, got {value}", field=field)
    if result < minimum:
        raise InputError(f"{{field}} must be {allowed}, got {value}", field=field)
    if maximum is not None and result > maximum:
        raise InputError(f"{{field}} must be at most {maximum:,}, got {value}", field=field)
    return int(result)


def _exact_int(value: Number) -> int | None:
    """``value`` as an int when it is one or the text of one (``"12"``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        try:
            return int(value.strip())
        except ValueError:  # more digits than Python converts: read as a float instead
            return None
    return None


def fraction(value: Number | None, field: str, *, closed_top: bool) -> float | None:
    """None, or a number in (0, 1) (``closed_top``: (0, 1])."""
    if value is None:
        return None
    interval = "(0, 1]" if closed_top else "(0, 1)"
    result = number(value, field, allowed=f"a number in {interval}")
    if not (0 < result <= 1 if closed_top else 0 < result < 1):
        raise InputError(f"{{field}} must be in {interval}, got {value}", field=field)
    return result


def share(value: Number, field: str, *, maximum: float | None = None) -> float:
    """A number in [0, 1) (shrinkage), and at most ``maximum`` when given."""
    result = number(value, field, allowed="a number in [0, 1)")
    if not 0 <= result < 1:
        raise InputError(f"{{field}} must be in [0, 1), got {value}", field=field)
    if maximum is not None and result > maximum:
        raise InputError(f"{{field}} must be at most {maximum:g}, got {value}", field=field)
    return result


def _at_most(seconds: float, value: Duration, field: str, maximum: float | None) -> float:
    if maximum is not None and seconds > maximum:
        raise InputError(
            f"{{field}} must be at most {format_duration(maximum)}, got {value!r}", field=field
        )
    return seconds


def duration(value: Duration, field: str, *, maximum: float | None = None) -> float:
    """A duration >= 0 in seconds (at most ``maximum`` when given)."""
    return _at_most(parse_duration(value, field=field), value, field, maximum)


def positive_duration(
    value: Duration,
    field: str,
    *,
    maximum: float | None = None,
    minimum: float | None = None,
) -> float:
    """A duration > 0 in seconds (at least ``minimum``, at most ``maximum`` when given)."""
    seconds = parse_duration(value, field=field)
    if seconds <= 0:
        raise InputError(f"{{field}} must be a duration > 0, got {value!r}", field=field)
    if minimum is not None and seconds < minimum:
        raise InputError(f"{{field}} must be at least {minimum:g} s, got {value!r}", field=field)
    return _at_most(seconds, value, field, maximum)


def optional_duration(
    value: Duration | None,
    field: str,
    *,
    maximum: float | None = None,
    minimum: float | None = None,
) -> float | None:
    """None, or a duration > 0 in seconds (within ``minimum`` and ``maximum``)."""
    if value is None:
        return None
    return positive_duration(value, field, maximum=maximum, minimum=minimum)


def threshold(
    value: Duration | None, field: str, *, concurrency: int, maximum: float | None = None
) -> float:
    """The answer threshold T: the value given, else the default of the channel
    (:func:`contactcenter.standards.default_threshold_s`)."""
    if value is None:
        return default_threshold_s(concurrency=concurrency)
    return duration(value, field, maximum=maximum)


def choice(value: str, field: str, allowed: Sequence[str]) -> str:
    """One of ``allowed``."""
    if value not in allowed:
        raise InputError(
            f"{{field}} must be one of {', '.join(allowed)}, got {value!r}", field=field
        )
    return value


def names(value: str | Sequence[str] | None, field: str, allowed: Sequence[str]) -> list[str]:
    """A list of names from ``allowed`` (a comma list as text, or a sequence); [] for None."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    result = [str(v).strip() for v in items if str(v).strip()]
    if not result:
        raise InputError("{field} needs at least one method name", field=field)
    for name in result:
        choice(name, field, allowed)
    return result


def file_format(path: str | Path, allowed: Sequence[str], given: str | None) -> str:
    """The format to write ``path`` in: ``given``, else the file's suffix (``.txt`` is the
    table for people)."""
    if given is not None:
        return choice(given, "format", allowed)
    suffix = Path(path).suffix.lower().lstrip(".")
    name = {"txt": "table"}.get(suffix, suffix)
    if name not in allowed:
        raise InputError(
            f"{{field}} is needed: the file name {str(path)!r} does not say one of "
            f"{', '.join(allowed)}",
            field="format",
        )
    return name


def interval(value: Duration, field: str) -> int:
    """An interval length that divides a day (15m, 30m, 1h...), in whole seconds."""
    return check_interval(parse_duration(value, field=field), field=field)


def days(value: Duration, field: str, *, maximum: int | None = None) -> int:
    """Whole calendar days >= 1 (at most ``maximum`` when given): a plain whole number is
    days (``28``), text with a unit must be whole days (``28d``, ``672h``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        count = value
    elif isinstance(value, str) and value.strip().isdigit():
        count = int(value.strip())
    else:
        seconds = parse_duration(value, field=field)
        if seconds % DAY_S:
            raise InputError(f"{{field}} counts whole days (28d or 28), got {value!r}", field=field)
        count = int(seconds // DAY_S)
    if count < 1:
        raise InputError(f"{{field}} must be at least 1 day, got {value!r}", field=field)
    if maximum is not None and count > maximum:
        raise InputError(f"{{field}} must be at most {maximum:,} days, got {value!r}", field=field)
    return count


def aht_levels(
    value: Duration | Sequence[Duration],
    field: str,
    concurrency: int,
    *,
    maximum: float | None = None,
    minimum: float | None = None,
) -> list[float]:
    """Handle times > 0 (within ``minimum`` and ``maximum`` each): one, or one per
    concurrency level (text ``"4m,5m,6m"`` or a sequence)."""
    if isinstance(value, str):
        parts: list[Duration] = [part.strip() for part in value.split(",")]
    elif isinstance(value, int | float):
        parts = [value]
    else:
        parts = list(value)
    levels = [positive_duration(part, field, maximum=maximum, minimum=minimum) for part in parts]
    if len(levels) > 1 and concurrency == 1:
        raise InputError(
            f"{{field}} must give one handle time (one per level only for chat, with a "
            f"concurrency > 1), got {value!r}",
            field=field,
        )
    if len(levels) not in (1, concurrency):
        raise InputError(
            f"{{field}} must give 1 or {concurrency} handle times (one per concurrency level), "
            f"got {value!r}",
            field=field,
        )
    return levels


def instant(value: str | dt.datetime, field: str) -> dt.datetime:
    """An ISO date-time (``2025-01-06T08:00Z``); naive times are taken as UTC."""
    if isinstance(value, dt.datetime):
        start = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            start = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                f"{{field}} must be an ISO date-time such as 2025-01-06T08:00Z, got {value!r}",
                field=field,
            ) from None
    return start if start.tzinfo is not None else start.replace(tzinfo=dt.UTC)


def column_map(value: Mapping[str, str] | Sequence[str] | None, field: str) -> dict[str, str]:
    """A mapping of fields to columns: a dict, or ``field=COLUMN`` texts."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    out: dict[str, str] = {}
    for item in [value] if isinstance(value, str) else value:
        name, sep, column = str(item).partition("=")
        if not sep or not name.strip() or not column.strip():
            raise InputError(
                f"{{field}} must look like interval_start=DateTime, got {item!r}", field=field
            )
        out[name.strip()] = column.strip()
    return out


def tabular(value: Any) -> Any:
    """An input given as the result of another function (a ``Forecast``, a
    ``StaffingPlan``) as its table; any other value (a path, a table, a read plan) as it
    is."""
    from contactcenter.staffing.plan_file import PlanFile

    if isinstance(value, str | Path | pa.Table | PlanFile):
        return value
    table = getattr(value, "table", None)
    return table if isinstance(table, pa.Table) else value


def flag(value: Any, field: str) -> bool:
    """A boolean (``True``/``False``; the texts true/false/yes/no/1/0)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise InputError(f"{{field}} must be true or false, got {value!r}", field=field)


@contextmanager
def renamed(**fields: str) -> Iterator[None]:
    """Errors of the library about a parameter it names differently (``interval_s``)
    are re-raised about the public function's keyword (``interval=``)."""
    try:
        yield
    except ContactCenterError as exc:
        if exc.field in fields:
            exc.field = fields[exc.field]
            exc.args = (exc.render(),)
        raise
