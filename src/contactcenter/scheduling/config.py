"""Shift templates from a YAML file.

The file (every duration is plain seconds or 20s/30m/4h/8h30m; times of day are "HH:MM")::

    interval: 15m                 # the scheduling grid; starts, lengths and breaks align to it
    uncovered_penalty: 20         # optional: cost of one uncovered agent-interval
                                  # (default: 2 x the largest shift cost)
    templates:
      - name: day8
        start: {earliest: "06:00", latest: "14:00", step: 15m}   # step defaults to interval
        length: 8h30m             # from start to end; unpaid breaks lie inside it
        breaks:                   # in the order they are taken; may be []
          - {length: 30m, paid: false, earliest: 3h, latest: 5h}  # offsets of the break start
          # optional per break: activity: break | lunch | meeting | training, the activity
          # a named roster (``schedule --agents``) gives it; default lunch when unpaid,
          # else break
        days: [mon, tue, wed, thu, fri]   # optional, default every day
        min_count: 0              # optional, shifts of this template per day
        max_count: 40             # optional, default unlimited
        cost: 8.0                 # optional, per shift; default = paid hours

Paid hours of a shift are its length minus its unpaid breaks. An agent on a break, paid or
not, is not counted as covering that interval. Every problem is reported as a
:class:`~contactcenter.errors.ConfigError` naming the file, the key path and the fix.

The file is read with YAML's base loader (every scalar is text) so that ``06:00`` stays a
time of day instead of YAML 1.1's base-60 number 360.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contactcenter.errors import ConfigError, InputError
from contactcenter.units import DAY_S, check_interval, format_duration, parse_duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

TOP_KEYS = ("interval", "templates", "uncovered_penalty")
TEMPLATE_KEYS = ("name", "start", "length", "breaks", "days", "min_count", "max_count", "cost")
START_KEYS = ("earliest", "latest", "step")
BREAK_KEYS = ("length", "paid", "earliest", "latest", "activity")
BREAK_ACTIVITIES = ("break", "lunch", "meeting", "training")
"""What a break may be in a named roster (the ``schedules`` activities away from work)."""


@dataclass(frozen=True)
class BreakRule:
    """A break taken ``length_s`` long, starting between ``earliest_s`` and ``latest_s``
    seconds after the shift start (both inclusive, on the grid); ``activity`` is what a
    named roster calls it (break, lunch, meeting, training)."""

    length_s: int
    paid: bool
    earliest_s: int
    latest_s: int
    activity: str = "break"


@dataclass(frozen=True)
class ShiftTemplate:
    """A kind of shift: when it may start, how long it is, its breaks, days and cost."""

    name: str
    earliest_start_s: int
    latest_start_s: int
    step_s: int
    length_s: int
    breaks: tuple[BreakRule, ...] = ()
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    min_count: int = 0
    max_count: int | None = None
    cost: float | None = None

    @property
    def paid_s(self) -> int:
        """Paid seconds of one shift: its length minus its unpaid breaks."""
        return self.length_s - sum(b.length_s for b in self.breaks if not b.paid)

    @property
    def shift_cost(self) -> float:
        """Cost of one shift (the paid hours unless ``cost`` is given)."""
        return self.cost if self.cost is not None else self.paid_s / 3600.0

    def start_offsets(self) -> list[int]:
        """Allowed start times, in seconds after midnight."""
        return list(range(self.earliest_start_s, self.latest_start_s + 1, self.step_s))


@dataclass(frozen=True)
class ShiftConfig:
    """The parsed shift file."""

    interval_s: int
    templates: tuple[ShiftTemplate, ...]
    uncovered_penalty: float | None = None
    source: str = field(default="<shifts>", compare=False)

    @property
    def penalty(self) -> float:
        """Cost of one uncovered agent-interval (default: 2 x the largest shift cost).

        Any value above the largest shift cost makes every coverable shortfall cheaper to
        cover than to leave, so the optimum covers all it can.
        """
        if self.uncovered_penalty is not None:
            return self.uncovered_penalty
        return 2.0 * max(t.shift_cost for t in self.templates)


class _Where:
    """Builds error messages that name the file and the key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, path: str, message: str) -> ConfigError:
        return ConfigError(
            f"{self.source}: {path}: {message}" if path else f"{self.source}: {message}"
        )


def _mapping(value: Any, path: str, where: _Where, allowed: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise where.error(path, f"expected a mapping with keys {', '.join(allowed)}, got {value!r}")
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise where.error(
            path, f"unknown key {unknown[0]!r}; allowed keys are {', '.join(allowed)}"
        )
    return value


def _duration(value: Any, path: str, where: _Where, interval_s: int | None) -> int:
    if not isinstance(value, str):
        raise where.error(path, f"expected a duration such as 30m or 8h30m, got {value!r}")
    try:
        seconds = parse_duration(value, field=path)
    except ValueError:
        raise where.error(
            path, f"cannot read {value!r} as a duration; use seconds or 20s, 30m, 4h, 8h30m"
        ) from None
    if seconds != int(seconds):
        raise where.error(path, f"{value!r} is not a whole number of seconds")
    if interval_s and int(seconds) % interval_s:
        raise where.error(
            path,
            f"{value!r} is not a multiple of the interval {format_duration(interval_s)}; "
            "round it to the grid",
        )
    return int(seconds)


def _time_of_day(value: Any, path: str, where: _Where, interval_s: int) -> int:
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise where.error(path, f'expected a time of day like "06:00", got {value!r}')
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise where.error(path, f"{value!r} is not a time of day between 00:00 and 23:59")
    seconds = hours * 3600 + minutes * 60
    if seconds % interval_s:
        raise where.error(
            path, f"{value!r} is not on the {format_duration(interval_s)} grid; use a time on it"
        )
    return seconds


def _number(value: Any, path: str, where: _Where, *, integer: bool) -> float:
    try:
        number = float(value) if isinstance(value, str) else float("nan")
    except ValueError:
        number = float("nan")
    if number != number or number < 0 or (integer and number != int(number)):
        kind = "a whole number >= 0" if integer else "a number >= 0"
        raise where.error(path, f"expected {kind}, got {value!r}")
    return number


def _bool(value: Any, path: str, where: _Where) -> bool:
    text = value.strip().lower() if isinstance(value, str) else ""
    if text in ("true", "yes", "on"):
        return True
    if text in ("false", "no", "off"):
        return False
    raise where.error(path, f"expected true or false, got {value!r}")


def _days(value: Any, path: str, where: _Where) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise where.error(path, f"expected a list of days such as [mon, tue], got {value!r}")
    out = []
    for i, day in enumerate(value):
        key = day.strip().lower()[:3] if isinstance(day, str) else ""
        if key not in WEEKDAYS:
            raise where.error(f"{path}[{i}]", f"{day!r} is not a day; use {', '.join(WEEKDAYS)}")
        out.append(WEEKDAYS.index(key))
    return tuple(sorted(set(out)))


def _template(raw: Any, i: int, interval_s: int, where: _Where) -> ShiftTemplate:
    path = f"templates[{i}]"
    name = raw.get("name") if isinstance(raw, Mapping) else None
    if isinstance(name, str) and name.strip():
        path = f"templates[{i}] ({name})"
    data = _mapping(raw, path, where, TEMPLATE_KEYS)
    if not isinstance(name, str) or not name.strip():
        raise where.error(f"{path}.name", "every template needs a name")
    for key in ("start", "length"):
        if key not in data:
            raise where.error(path, f"missing key {key!r}")
    start = _mapping(data["start"], f"{path}.start", where, START_KEYS)
    for key in ("earliest", "latest"):
        if key not in start:
            raise where.error(f"{path}.start", f"missing key {key!r}")
    earliest = _time_of_day(start["earliest"], f"{path}.start.earliest", where, interval_s)
    latest = _time_of_day(start["latest"], f"{path}.start.latest", where, interval_s)
    if latest < earliest:
        raise where.error(
            f"{path}.start",
            f"latest {start['latest']!r} is before earliest {start['earliest']!r}; a start "
            "window may not wrap past midnight (a night shift may start at 22:00 and run on)",
        )
    step = (
        _duration(start["step"], f"{path}.start.step", where, interval_s)
        if "step" in start
        else interval_s
    )
    if step <= 0:
        raise where.error(f"{path}.start.step", "the step must be longer than 0")
    length = _duration(data["length"], f"{path}.length", where, interval_s)
    if length <= 0:
        raise where.error(f"{path}.length", "a shift must be longer than 0")
    if length > DAY_S:
        raise where.error(
            f"{path}.length",
            f"{data['length']!r} is longer than a day; a shift may last at most 24h "
            "(split longer duties into two templates)",
        )
    raw_breaks = data.get("breaks", [])
    if raw_breaks is None or raw_breaks == "":
        raw_breaks = []
    if not isinstance(raw_breaks, list):
        raise where.error(
            f"{path}.breaks", f"expected a list of breaks (or []), got {raw_breaks!r}"
        )
    breaks: list[BreakRule] = []
    for j, rb in enumerate(raw_breaks):
        bpath = f"{path}.breaks[{j}]"
        bdata = _mapping(rb, bpath, where, BREAK_KEYS)
        for key in ("length", "earliest", "latest"):
            if key not in bdata:
                raise where.error(bpath, f"missing key {key!r}")
        blen = _duration(bdata["length"], f"{bpath}.length", where, interval_s)
        if blen <= 0:
            raise where.error(f"{bpath}.length", "a break must be longer than 0")
        bearly = _duration(bdata["earliest"], f"{bpath}.earliest", where, interval_s)
        blate = _duration(bdata["latest"], f"{bpath}.latest", where, interval_s)
        if blate < bearly:
            raise where.error(bpath, "latest is before earliest")
        if blate + blen > length:
            raise where.error(
                bpath,
                f"a break starting at {format_duration(blate)} and lasting "
                f"{format_duration(blen)} ends after the shift ({format_duration(length)}); "
                "move latest earlier",
            )
        paid = _bool(bdata["paid"], f"{bpath}.paid", where) if "paid" in bdata else False
        if breaks and blate < breaks[-1].earliest_s + breaks[-1].length_s:
            raise where.error(
                bpath,
                "this break cannot start after the previous one ends (breaks are taken in the "
                "order listed); move its window later",
            )
        activity = "break" if paid else "lunch"
        if "activity" in bdata:
            activity = str(bdata["activity"]).strip().lower()
            if activity not in BREAK_ACTIVITIES:
                raise where.error(
                    f"{bpath}.activity",
                    f"{bdata['activity']!r} is not one of {', '.join(BREAK_ACTIVITIES)}",
                )
        breaks.append(BreakRule(blen, paid, bearly, blate, activity))
    unpaid = sum(b.length_s for b in breaks if not b.paid)
    if unpaid >= length:
        raise where.error(path, "unpaid breaks take the whole shift")
    days = _days(data["days"], f"{path}.days", where) if "days" in data else tuple(range(7))
    min_count = int(_number(data.get("min_count", "0"), f"{path}.min_count", where, integer=True))
    max_count = (
        int(_number(data["max_count"], f"{path}.max_count", where, integer=True))
        if "max_count" in data
        else None
    )
    if max_count is not None and max_count < min_count:
        raise where.error(path, f"max_count {max_count} is below min_count {min_count}")
    cost = _number(data["cost"], f"{path}.cost", where, integer=False) if "cost" in data else None
    return ShiftTemplate(
        name=name.strip(),
        earliest_start_s=earliest,
        latest_start_s=latest,
        step_s=step,
        length_s=length,
        breaks=tuple(breaks),
        days=days,
        min_count=min_count,
        max_count=max_count,
        cost=cost,
    )


def parse_shifts(data: Any, *, source: str = "<shifts>") -> ShiftConfig:
    """Validate a shift configuration given as YAML-like data (text scalars or numbers)."""
    where = _Where(source)
    data = _stringify(data)
    top = _mapping(data, "", where, TOP_KEYS)
    if "interval" not in top:
        raise where.error("", "missing key 'interval' (the scheduling grid, e.g. interval: 15m)")
    interval_s = _duration(top["interval"], "interval", where, None)
    try:
        check_interval(interval_s, field="interval")
    except InputError:
        raise where.error(
            "interval", f"{top['interval']!r} must divide a day (e.g. 15m, 30m)"
        ) from None
    raw_templates = top.get("templates")
    if not isinstance(raw_templates, list) or not raw_templates:
        raise where.error("templates", "give at least one shift template as a list")
    templates = [_template(t, i, interval_s, where) for i, t in enumerate(raw_templates)]
    names = [t.name for t in templates]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise where.error("templates", f"template names must be unique; repeated: {dupes}")
    penalty = (
        _number(top["uncovered_penalty"], "uncovered_penalty", where, integer=False)
        if "uncovered_penalty" in top
        else None
    )
    if penalty is not None and penalty <= 0:
        raise where.error("uncovered_penalty", "must be greater than 0")
    return ShiftConfig(
        interval_s=interval_s,
        templates=tuple(templates),
        uncovered_penalty=penalty,
        source=source,
    )


def _stringify(value: Any) -> Any:
    """Turn numbers and booleans into text, as YAML's base loader would give them."""
    if isinstance(value, Mapping):
        return {str(k): _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return value


def load_shifts(path: str | Path) -> ShiftConfig:
    """Read and validate a shift file (see the module docstring for the format)."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{{field}}: {p} is a folder, not a file", field="path")
    if not p.is_file():
        raise ConfigError(f"{{field}}: shift file {str(p)!r} does not exist", field="path")
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{p}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})"
        ) from None
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise ConfigError(f"{p}: not valid YAML: {reason}") from None
    return parse_shifts(data, source=str(p))
