"""Business hours (calendars) and SLA policies: business time exact to the second, and the
clocks of a conversation.

The report's ``--config`` file may hold, beside the thresholds (``channels``,
``queues``; :mod:`contactcenter.metrics.thresholds`)::

    calendars:
      office:
        tz: Europe/Rome
        hours: {mon: "09:00-18:00", tue: "09:00-18:00", wed: "09:00-18:00",
                thu: "09:00-18:00", fri: "08:00-12:00,13:00-17:00"}   # a day not listed is off
        holidays: [2012-04-09, 2012-04-25]     # dates; and/or
        holiday_country: IT                     # the holidays library's calendar of IT
    policies:                                   # the first that matches applies
      - match: {channel: ticket, priority: [high, urgent]}   # also queue; absent: any
        calendar: office                        # absent: calendar time (24/7)
        first_response: 4h
        next_response: 8h
        resolution: 40h
        pause: [pending]                        # statuses that pause the resolution clock

**Business time** between two instants is the length of their overlap with the
calendar's business spans: each listed range of each day that is not a holiday, from its
local start to its local end in the calendar's zone, as UTC instants (a range across a
DST change has its real length; a local time that does not exist is read with the offset
before the change). Arithmetic is on whole microseconds, so durations are exact.

**Clocks** (evaluated as of the end of the data of each source):

==================  ===========================================================================
clock               ends as
==================  ===========================================================================
first response      met (replied, or resolved with no reply, within the target), breached
                    (later, or not replied past the target), active (waiting within the target)
next response       per later customer turn: met / breached as above (a turn resolved before a
                    reply stops its clock), active
resolution          met, breached (resolved late, or open past the target), active, paused
                    (pending, with the target not yet passed); pending time is taken out
==================  ===========================================================================
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import yaml

from contactcenter.errors import ConfigError, InputError
from contactcenter.facts import CHANNELS
from contactcenter.units import parse_duration

US = 1_000_000
"""Microseconds per second: instants and durations are whole microseconds here."""

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MATCH_KEYS = ("channel", "queue", "priority")
PAUSABLE = ("pending",)
"""Statuses a policy may pause the resolution clock in."""

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_POLICY_KEYS = {"match", "calendar", "first_response", "next_response", "resolution", "pause"}
_CALENDAR_KEYS = {"tz", "hours", "holidays", "holiday_country", "holiday_subdivision"}

I64 = np.ndarray[tuple[int], np.dtype[np.int64]]
F64 = np.ndarray[tuple[int], np.dtype[np.float64]]


# ------------------------------------------------------------------------------ calendars
@dataclass(frozen=True)
class Calendar:
    """Business hours in a zone: per weekday (0 = Monday) the local ranges [start, end)
    in seconds of the day, and the days off."""

    name: str
    tz: str
    hours: Mapping[int, tuple[tuple[int, int], ...]]
    holidays: frozenset[dt.date] = frozenset()
    holiday_country: str | None = None
    holiday_subdivision: str | None = None

    def days_off(self, years: Iterable[int]) -> set[dt.date]:
        """The holidays of ``years``: the listed dates and the country's."""
        off = set(self.holidays)
        if self.holiday_country:
            import holidays as holiday_lib

            off |= set(
                holiday_lib.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision, years=list(years)
                )
            )
        return off

    def spans(self, lo_us: int, hi_us: int) -> tuple[I64, I64]:
        """The business spans (UTC microseconds, sorted, disjoint) of the local days that
        meet [lo_us, hi_us]."""
        zone = ZoneInfo(self.tz)
        first = dt.datetime.fromtimestamp(lo_us / US, zone).date() - dt.timedelta(days=1)
        last = dt.datetime.fromtimestamp(hi_us / US, zone).date() + dt.timedelta(days=1)
        off = self.days_off(range(first.year, last.year + 1))
        starts: list[int] = []
        ends: list[int] = []
        day = first
        while day <= last:
            if day not in off:
                for a, b in self.hours.get(day.weekday(), ()):
                    starts.append(_utc_us(day, a, zone))
                    ends.append(_utc_us(day, b, zone))
            day += dt.timedelta(days=1)
        return np.asarray(starts, np.int64), np.asarray(ends, np.int64)


def _utc_us(day: dt.date, seconds: int, zone: ZoneInfo) -> int:
    """The UTC microsecond of ``seconds`` after local midnight of ``day`` (24:00 is the
    next midnight); a local time in a DST gap is read with the offset before the change."""
    extra, seconds = divmod(seconds, 86400)
    local = dt.datetime.combine(day + dt.timedelta(days=extra), dt.time(), tzinfo=zone)
    local = local.replace(hour=seconds // 3600, minute=seconds % 3600 // 60, second=seconds % 60)
    return int(local.timestamp()) * US


class BusinessClock:
    """Business time of one calendar over a range, as a cumulative function: ``B(t)`` is
    the business microseconds from the range's start to ``t``. Without a calendar
    (``None``) business time is calendar time."""

    def __init__(self, calendar: Calendar | None, lo_us: int, hi_us: int) -> None:
        self.calendar = calendar
        self.lo_us = lo_us
        self.hi_us = hi_us
        if calendar is None:
            return
        self.starts, self.ends = calendar.spans(lo_us, hi_us)
        if not len(self.starts):
            raise InputError(
                f"{{field}}: calendar {calendar.name} has no business hours between "
                f"{_iso(lo_us)} and {_iso(hi_us)}",
                field="config",
            )
        lengths = self.ends - self.starts
        self.after = np.cumsum(lengths)
        self.before = self.after - lengths

    def time(self, t_us: I64) -> I64:
        """B(t): business microseconds before each instant."""
        if self.calendar is None:
            return t_us
        i = np.searchsorted(self.starts, t_us, side="right") - 1
        j = np.clip(i, 0, None)
        inside = np.clip(t_us - self.starts[j], 0, self.ends[j] - self.starts[j])
        out: I64 = np.where(i < 0, 0, self.before[j] + inside)
        return out

    def latest(self, b_us: I64) -> I64:
        """The last instant whose business time is at most ``b_us`` (the end of the flat
        stretch after it is reached): the moment a clock passes a target."""
        if self.calendar is None:
            return b_us
        if len(b_us) and int(np.max(b_us)) >= int(self.after[-1]):
            raise ClockRangeError(f"business time {int(np.max(b_us))} is past the clock's range")
        j = np.searchsorted(self.before, b_us, side="right") - 1
        out: I64 = self.starts[j] + (b_us - self.before[j])
        return out


class ClockRangeError(Exception):
    """A clock's range ends before the instant asked for (the caller extends it)."""


def _iso(us: int) -> str:
    return dt.datetime.fromtimestamp(us / US, dt.UTC).isoformat()


# ------------------------------------------------------------------------------ policies
@dataclass(frozen=True)
class Policy:
    """Targets for the conversations it matches (values of channel, queue, priority;
    absent keys match everything). Targets in seconds, of business time when a calendar
    is named; None: no clock."""

    match: Mapping[str, frozenset[str]] = field(default_factory=dict)
    calendar: str | None = None
    first_response_s: float | None = None
    next_response_s: float | None = None
    resolution_s: float | None = None
    pause: tuple[str, ...] = PAUSABLE

    def matches(self, channel: str | None, queue: str | None, priority: str | None) -> bool:
        """Whether a conversation with these attributes falls under the policy."""
        values = {"channel": channel, "queue": queue, "priority": priority}
        return all(values[k] in allowed for k, allowed in self.match.items())


@dataclass(frozen=True)
class SlaConfig:
    """Calendars and policies of a config file (see the module docstring)."""

    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    policies: tuple[Policy, ...] = ()

    def policy_of(self, channel: str | None, queue: str | None, priority: str | None) -> int:
        """The index of the first policy matching, or -1."""
        for i, policy in enumerate(self.policies):
            if policy.matches(channel, queue, priority):
                return i
        return -1

    def zones(self) -> set[str]:
        """The zones of the calendars the policies use."""
        return {self.calendars[p.calendar].tz for p in self.policies if p.calendar}

    @classmethod
    def from_yaml(cls, path: str | Path) -> SlaConfig:
        """Read the ``calendars`` and ``policies`` of a config file (the other keys are
        the thresholds'); every problem names its key."""
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{p}: cannot read the config file: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{p}: expected a mapping")
        return cls.from_mapping(data, str(p))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "config") -> SlaConfig:
        """The calendars and policies of an already parsed config."""
        raw_calendars = data.get("calendars") or {}
        if not isinstance(raw_calendars, dict):
            raise ConfigError(f"{where}: calendars: expected a mapping of names to calendars")
        calendars = {
            str(name): _calendar(str(name), entry, f"{where}: calendars.{name}")
            for name, entry in raw_calendars.items()
        }
        raw_policies = data.get("policies") or []
        if not isinstance(raw_policies, list):
            raise ConfigError(f"{where}: policies: expected a list of policies")
        policies = tuple(
            _policy(entry, calendars, f"{where}: policies[{i}]")
            for i, entry in enumerate(raw_policies)
        )
        return cls(calendars=calendars, policies=policies)


def _calendar(name: str, entry: Any, where: str) -> Calendar:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping (tz, hours, holidays)")
    unknown = set(entry) - _CALENDAR_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_CALENDAR_KEYS)}"
        )
    tz = str(entry.get("tz", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}.tz: unknown time zone {tz!r} (use an IANA name)") from None
    raw_hours = entry.get("hours")
    if not isinstance(raw_hours, dict) or not raw_hours:
        raise ConfigError(f'{where}.hours: give the ranges per day, e.g. {{mon: "09:00-18:00"}}')
    hours: dict[int, tuple[tuple[int, int], ...]] = {}
    for day, text in raw_hours.items():
        key = str(day).lower()[:3]
        if key not in DAYS:
            raise ConfigError(f"{where}.hours.{day}: not a day; use {', '.join(DAYS)}")
        hours[DAYS.index(key)] = _ranges(str(text), f"{where}.hours.{day}")
    holidays: set[dt.date] = set()
    for value in entry.get("holidays") or []:
        try:
            holidays.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError:
            raise ConfigError(f"{where}.holidays: {value!r} is not a date YYYY-MM-DD") from None
    country = entry.get("holiday_country")
    subdivision = entry.get("holiday_subdivision")
    if country is not None:
        import holidays as holiday_lib

        try:
            holiday_lib.country_holidays(str(country), subdiv=subdivision, years=[2000])
        except NotImplementedError:
            raise ConfigError(
                f"{where}.holiday_country: no holiday calendar for {country!r}"
            ) from None
    return Calendar(
        name=name,
        tz=tz,
        hours=hours,
        holidays=frozenset(holidays),
        holiday_country=None if country is None else str(country),
        holiday_subdivision=None if subdivision is None else str(subdivision),
    )


def _ranges(text: str, where: str) -> tuple[tuple[int, int], ...]:
    """``"08:00-12:00,13:00-17:00"`` as seconds of the day; ``off`` or empty: none."""
    if text.strip().lower() in ("", "off", "closed"):
        return ()
    out: list[tuple[int, int]] = []
    for part in text.split(","):
        m = _RANGE.match(part)
        if not m:
            raise ConfigError(f"{where}: {part.strip()!r} is not a range like 09:00-18:00")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        a, b = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if m1 > 59 or m2 > 59 or b > 86400 or a >= b:
            raise ConfigError(f"{where}: {part.strip()!r} is not a range of one day")
        if out and a < out[-1][1]:
            raise ConfigError(f"{where}: ranges must be in order and must not overlap")
        out.append((a, b))
    return tuple(out)


def _policy(entry: Any, calendars: Mapping[str, Calendar], where: str) -> Policy:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping (match, calendar, targets)")
    unknown = set(entry) - _POLICY_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_POLICY_KEYS)}"
        )
    match: dict[str, frozenset[str]] = {}
    for key, value in (entry.get("match") or {}).items():
        if key not in MATCH_KEYS:
            raise ConfigError(f"{where}.match.{key}: allowed keys are {', '.join(MATCH_KEYS)}")
        values = value if isinstance(value, list) else [value]
        if key == "channel":
            bad = [v for v in values if v not in CHANNELS]
            if bad:
                raise ConfigError(f"{where}.match.channel: unknown channel(s) {bad}")
        match[key] = frozenset(str(v) for v in values)
    calendar = entry.get("calendar")
    if calendar is not None and str(calendar) not in calendars:
        raise ConfigError(f"{where}.calendar: no calendar {calendar!r} in calendars")
    targets: dict[str, float | None] = {}
    for key in ("first_response", "next_response", "resolution"):
        value = entry.get(key)
        try:
            targets[key] = None if value is None else parse_duration(value, field=key)
        except InputError as exc:
            raise ConfigError(f"{where}.{exc}") from None
    pause = entry.get("pause", list(PAUSABLE))
    if not isinstance(pause, list) or any(p not in PAUSABLE for p in pause):
        raise ConfigError(f"{where}.pause: a list of {', '.join(PAUSABLE)} (or empty)")
    return Policy(
        match=match,
        calendar=None if calendar is None else str(calendar),
        first_response_s=targets["first_response"],
        next_response_s=targets["next_response"],
        resolution_s=targets["resolution"],
        pause=tuple(str(p) for p in pause),
    )


# ------------------------------------------------------------------------------ evaluation
@dataclass
class Clocks:
    """Per conversation (arrays aligned with the input): policy index (-1: none), business
    durations in seconds (NaN: no calendar or no end), and clocks."""

    policy: I64
    first_response_bh_s: F64
    resolution_bh_s: F64
    first_response_within: list[bool | None]
    first_response_clock: list[str | None]
    resolution_clock: list[str | None]
    due_us: list[int | None]


NO = np.iinfo(np.int64).min
"""Stands for a missing instant in the int64 arrays."""


def _covering(
    config: SlaConfig, policy: Policy, lo_us: int, hi_us: int, target_us: int
) -> BusinessClock:
    """A clock over [lo, hi] and far enough past hi for a clock started before hi to pass
    ``target_us`` of business time: the weeks that many business hours take, twice, and
    two more (extended again when holidays eat them)."""
    calendar = config.calendars[policy.calendar] if policy.calendar else None
    if calendar is None:
        return BusinessClock(None, lo_us, hi_us)
    weekly = sum(b - a for ranges in calendar.hours.values() for a, b in ranges) * US
    if weekly <= 0:
        raise InputError(
            f"{{field}}: calendar {calendar.name} has no business hours in a week", field="config"
        )
    week = 7 * 86400 * US
    extra = (target_us // weekly + 2) * 2 * week
    for _ in range(6):
        clock = BusinessClock(calendar, lo_us, hi_us + extra)
        reach = int(clock.after[-1]) - int(clock.time(np.asarray([hi_us], np.int64))[0])
        if reach > target_us:
            return clock
        extra *= 2
    raise InputError(
        f"{{field}}: calendar {calendar.name} has too few business hours for the targets",
        field="config",
    )


def _policies(config: SlaConfig, rows: Mapping[str, Any]) -> I64:
    """The policy index of each row (-1: none applies)."""
    attributes = zip(rows["channel"], rows["queue"], rows["priority"], strict=True)
    return np.asarray([config.policy_of(c, q, p) for c, q, p in attributes], np.int64)


def evaluate(
    config: SlaConfig,
    rows: Mapping[str, Any],
    pauses: Mapping[tuple[str, str], list[tuple[int, int | None]]],
    as_of: Mapping[str, int],
) -> Clocks:
    """The clocks of conversations given as columns (lists): source, conversation_id,
    channel, queue, priority, created, first_response, first_resolved (UTC microseconds
    or None), pending_since, and optionally bot (a bot answered first) and handoff (when
    a person took over; the resolution clock starts there); ``pauses`` their pending
    periods [start, end) (end None: still running) per (source, conversation_id);
    ``as_of`` the end of each source's data."""
    n = len(rows["conversation_id"])
    policy = _policies(config, rows)
    out = Clocks(
        policy=policy,
        first_response_bh_s=np.full(n, np.nan),
        resolution_bh_s=np.full(n, np.nan),
        first_response_within=[None] * n,
        first_response_clock=[None] * n,
        resolution_clock=[None] * n,
        due_us=[None] * n,
    )
    for index, pol in enumerate(config.policies):
        chosen = np.flatnonzero(policy == index)
        if chosen.size:
            _evaluate_policy(config, pol, chosen, rows, pauses, as_of, out)
    return out


def _arr(values: list[int | None], chosen: np.ndarray[Any, Any]) -> I64:
    return np.asarray([NO if values[i] is None else values[i] for i in chosen], np.int64)


def _evaluate_policy(
    config: SlaConfig,
    policy: Policy,
    chosen: np.ndarray[Any, Any],
    rows: Mapping[str, Any],
    pauses: Mapping[tuple[str, str], list[tuple[int, int | None]]],
    as_of: Mapping[str, int],
    out: Clocks,
) -> None:
    created = _arr(rows["created"], chosen)
    first = _arr(rows["first_response"], chosen)
    resolved = _arr(rows["first_resolved"], chosen)
    # after a bot phase the resolution clock starts at the handoff to a person (no
    # handoff: a bot alone has it, and no resolution clock runs)
    if "bot" in rows:
        bot = np.asarray([bool(rows["bot"][i]) for i in chosen], np.bool_)
    else:
        bot = np.zeros(len(chosen), np.bool_)
    handoff = _arr(rows["handoff"], chosen) if "handoff" in rows else np.full(len(chosen), NO)
    start = np.where(bot, handoff, created)
    person = (start != NO) & ((resolved == NO) | (start <= resolved))
    ends = np.asarray([as_of[rows["source"][i]] for i in chosen], np.int64)
    lo = int(created.min()) - 86400 * US
    hi = int(max(ends.max(), created.max())) + 86400 * US
    targets = [t for t in (policy.first_response_s, policy.resolution_s) if t is not None]
    clock = _covering(config, policy, lo, hi, int(max(targets, default=0) * US))
    base = clock.time(created)
    res_base = clock.time(np.where(person, start, created))
    has_first = first != NO
    has_resolved = resolved != NO
    if clock.calendar is not None:
        out.first_response_bh_s[chosen[has_first]] = (
            clock.time(first[has_first]) - base[has_first]
        ) / US
    # pending periods, per conversation, in business microseconds
    paused_to = np.zeros(len(chosen), np.int64)  # business paused before the first resolution
    keys = [(rows["source"][i], rows["conversation_id"][i]) for i in chosen]
    pausing = "pending" in policy.pause
    if clock.calendar is not None:
        with_end = np.where(has_resolved, resolved, ends)
        for k, key in enumerate(keys):
            if pausing and key in pauses and person[k]:
                paused_to[k] = _paused(clock, pauses[key], int(start[k]), int(with_end[k]))
        timed = has_resolved & person
        bh = clock.time(resolved[timed]) - res_base[timed] - paused_to[timed]
        out.resolution_bh_s[chosen[timed]] = bh / US
    if policy.first_response_s is not None:
        due = clock.latest(base + int(policy.first_response_s * US))
        stop = np.where(has_first, first, np.where(has_resolved, resolved, ends))
        for k, i in enumerate(chosen):
            late = int(stop[k]) > int(due[k])
            out.first_response_within[i] = bool(has_first[k] and not late)
            stopped = bool(has_first[k] or has_resolved[k])
            out.first_response_clock[i] = "breached" if late else "met" if stopped else "active"
    if policy.resolution_s is not None:
        target = int(policy.resolution_s * US)
        for k, i in enumerate(chosen):
            if not person[k]:  # a bot alone: resolved by it (met), or still with it
                out.resolution_clock[i] = "met" if has_resolved[k] else "paused"
                continue
            key = keys[k]
            periods = pauses.get(key, []) if pausing else []
            due_at = _due(clock, int(start[k]), target, periods)
            end_at = int(resolved[k]) if has_resolved[k] else int(ends[k])
            out.due_us[i] = due_at if due_at is not None and end_at > due_at else None
            running = any(e is None for _, e in periods)
            if due_at is not None and end_at > due_at:
                out.resolution_clock[i] = "breached"
            elif has_resolved[k]:
                out.resolution_clock[i] = "met"
            else:
                out.resolution_clock[i] = "paused" if running else "active"


def _paused(
    clock: BusinessClock, periods: list[tuple[int, int | None]], start: int, stop: int
) -> int:
    """Business microseconds of the pending periods inside [start, stop)."""
    total = 0
    for a, b in periods:
        lo, hi = max(a, start), min(stop if b is None else b, stop)
        if hi > lo:
            pair = clock.time(np.asarray([lo, hi], np.int64))
            total += int(pair[1] - pair[0])
    return total


def _due(
    clock: BusinessClock, start: int, target: int, periods: list[tuple[int, int | None]]
) -> int | None:
    """The last instant at which the resolution clock started at ``start`` has run at
    most ``target`` business microseconds, with the clock paused in ``periods`` (None:
    never, when a pause that never ends comes first)."""
    spent = 0
    current = start
    for a, b in sorted((max(a, start), b) for a, b in periods if b is None or b > start):
        if a > current:
            pair = clock.time(np.asarray([current, a], np.int64))
            gain = int(pair[1] - pair[0])
            if spent + gain > target:
                break
            spent += gain
        if b is None:
            return None
        current = max(current, b)
    base = clock.time(np.asarray([current], np.int64))
    return int(clock.latest(base + (target - spent))[0])


def turn_clocks(
    config: SlaConfig, rows: Mapping[str, Any], as_of: Mapping[str, int]
) -> list[str | None]:
    """The next-response clock of each customer turn given as columns: source, channel,
    queue, priority, turn, started, replied, stopped (UTC microseconds or None)."""
    n = len(rows["turn"])
    out: list[str | None] = [None] * n
    policy = _policies(config, rows)
    turns = np.asarray(rows["turn"], np.int64)
    for index, pol in enumerate(config.policies):
        if pol.next_response_s is None:
            continue
        chosen = np.flatnonzero((policy == index) & (turns > 1))
        if not chosen.size:
            continue
        started = _arr(rows["started"], chosen)
        ends = np.asarray([as_of[rows["source"][i]] for i in chosen], np.int64)
        lo = int(started.min()) - 86400 * US
        hi = int(max(ends.max(), started.max())) + 86400 * US
        clock = _covering(config, pol, lo, hi, int(pol.next_response_s * US))
        due = clock.latest(clock.time(started) + int(pol.next_response_s * US))
        replied = _arr(rows["replied"], chosen)
        stopped = _arr(rows["stopped"], chosen)
        done = np.where(replied != NO, replied, stopped)
        for k, i in enumerate(chosen):
            stop = int(done[k]) if done[k] != NO else int(ends[k])
            if stop > int(due[k]):
                out[i] = "breached"
            else:
                out[i] = "met" if done[k] != NO else "active"
    return out
