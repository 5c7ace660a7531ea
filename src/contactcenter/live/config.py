"""The ``live:`` section of the config file: zones, the current interval, the forecast,
the wallboard's colours, the alert rules and the webhook.

The same YAML file as ``report --config`` / ``serve --config`` (thresholds per channel
and queue) may hold a ``live`` mapping::

    live:
      tz: Europe/Vilnius               # the zone of "today" for every queue
      zones: {Billing: Asia/Jerusalem} # or per queue
      interval: 30m                    # the current interval (default 30m)
      forecast: forecast.csv           # expected calls (the file `contactcenter forecast` writes)
      colours:
        waiting: {warn: 3, alarm: 6}             # contacts waiting
        longest_wait: {warn: 30s, alarm: 60s}    # the longest wait now
        service_level: {warn: 0.05}              # below target by at most 0.05: warn; more: alarm
      alerts:
        interval_sl_below_target: true
        waiting_above: 5
        longest_wait_above: 60s
        agent_paused_over: 15m
        projected_sl_below_target: true
      webhook:
        url: http://127.0.0.1:9000/alerts
        attempts: 5                    # tries in all (default 5)
        backoff: 1s                    # wait before the 2nd try, doubled each time (default 1s)
        timeout: 5s                    # per try (default 5s)

A queue's zone: ``zones`` names it, else ``tz``, else the zone of its contacts when they
come from one naive-local source (as the report's default), else UTC. Every key is
optional; an unknown key or a bad value is a :class:`~contactcenter.errors.ConfigError`
naming it (docs/api.md, "Live configuration").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from contactcenter.errors import ConfigError, InputError
from contactcenter.units import parse_duration

LIVE_KEY = "live"
"""The key of the config file that holds this section."""

DEFAULT_INTERVAL_S = 1800.0
"""The current interval's length when the config does not give one (30 minutes)."""

ALERT_RULES = (
    "interval_sl_below_target",
    "waiting_above",
    "longest_wait_above",
    "agent_paused_over",
    "projected_sl_below_target",
)
"""The alert rules a config may switch on (docs/api.md, "Alerts")."""


@dataclass(frozen=True)
class Colours:
    """Where a wallboard figure turns ``warn`` (amber) and ``alarm`` (red).

    ``waiting_*``: contacts waiting at or above it; ``longest_wait_*_s``: the longest
    wait at or above it; ``sl_warn``: a service level below its target by at most this
    much is ``warn``, further below ``alarm`` (at or above the target: ``ok``)."""

    waiting_warn: float = 3
    waiting_alarm: float = 6
    longest_wait_warn_s: float = 30.0
    longest_wait_alarm_s: float = 60.0
    sl_warn: float = 0.05


@dataclass(frozen=True)
class Webhook:
    """Where alerts are POSTed as JSON, and how a failed POST is retried: ``attempts``
    tries in all, waiting ``backoff_s`` before the second and twice as long before each
    next one; each try gives up after ``timeout_s``."""

    url: str
    attempts: int = 5
    backoff_s: float = 1.0
    timeout_s: float = 5.0


@dataclass(frozen=True)
class AlertRules:
    """The alert rules switched on (None: off). See :data:`ALERT_RULES`."""

    interval_sl_below_target: bool = False
    waiting_above: int | None = None
    longest_wait_above_s: float | None = None
    agent_paused_over_s: float | None = None
    projected_sl_below_target: bool = False

    def any(self) -> bool:
        """Whether any rule is on."""
        return (
            self.interval_sl_below_target
            or self.projected_sl_below_target
            or self.waiting_above is not None
            or self.longest_wait_above_s is not None
            or self.agent_paused_over_s is not None
        )


@dataclass(frozen=True)
class LiveConfig:
    """The ``live`` section (see the module docstring); every field has a default."""

    tz: str | None = None
    zones: dict[str, str] = field(default_factory=dict)
    interval_s: float = DEFAULT_INTERVAL_S
    forecast: Path | None = None
    colours: Colours = Colours()
    alerts: AlertRules = AlertRules()
    webhook: Webhook | None = None

    def zone_of(self, queue: str, source_zone: str | None) -> str:
        """The zone of ``queue``'s "today": ``zones``, ``tz``, its contacts' source zone,
        UTC."""
        return self.zones.get(queue) or self.tz or source_zone or "UTC"

    @classmethod
    def from_yaml(cls, path: str | Path | None) -> LiveConfig:
        """The ``live`` section of the config file ``path`` (defaults when None or when
        the file has none). A relative ``forecast`` path is read from the file's folder."""
        if path is None:
            return cls()
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{p}: cannot read the config file: {exc}") from exc
        if not isinstance(data, dict):
            return cls()
        section = data.get(LIVE_KEY)
        if section is None:
            return cls()
        return cls.from_mapping(section, where=f"{p}: {LIVE_KEY}", folder=p.parent)

    @classmethod
    def from_mapping(
        cls, section: Any, *, where: str = LIVE_KEY, folder: Path | None = None
    ) -> LiveConfig:
        """The section from its parsed mapping; ``where`` prefixes every error."""
        entry = _mapping(section, where)
        _known(
            entry, where, ("tz", "zones", "interval", "forecast", "colours", "alerts", "webhook")
        )
        tz = _zone(entry["tz"], f"{where}.tz") if entry.get("tz") is not None else None
        zones = {
            str(q): _zone(z, f"{where}.zones.{q}")
            for q, z in _mapping(entry.get("zones") or {}, f"{where}.zones").items()
        }
        interval_s = DEFAULT_INTERVAL_S
        if entry.get("interval") is not None:
            interval_s = _duration(entry["interval"], f"{where}.interval")
            if interval_s < 60 or 86400 % interval_s:
                raise ConfigError(
                    f"{where}.interval: must divide a day into whole intervals of a minute "
                    f"or more (15m, 30m, 1h), got {entry['interval']!r}"
                )
        forecast = None
        if entry.get("forecast") is not None:
            forecast = Path(str(entry["forecast"]))
            if not forecast.is_absolute() and folder is not None:
                forecast = folder / forecast
        return cls(
            tz=tz,
            zones=zones,
            interval_s=interval_s,
            forecast=forecast,
            colours=_colours(entry.get("colours"), f"{where}.colours"),
            alerts=_alerts(entry.get("alerts"), f"{where}.alerts"),
            webhook=_webhook(entry.get("webhook"), f"{where}.webhook"),
        )


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {value!r}")
    return value


def _known(entry: dict[str, Any], where: str, allowed: tuple[str, ...]) -> None:
    unknown = sorted(str(k) for k in set(entry) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; allowed: {', '.join(allowed)}")


def _zone(value: Any, where: str) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {value!r} (an IANA name)") from None
    return str(value)


def _duration(value: Any, where: str) -> float:
    try:
        return float(parse_duration(value, field=where))
    except InputError as exc:
        raise ConfigError(exc.render(where)) from None


def _number(value: Any, where: str, *, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(f"{where}: expected a number >= {minimum:g}, got {value!r}")
    return float(value)


def _fraction(value: Any, where: str) -> float:
    number = _number(value, where)
    if number >= 1:
        raise ConfigError(f"{where}: expected a fraction in [0, 1), got {value!r}")
    return number


def _pair(value: Any, where: str, read: Any, default: tuple[float, float]) -> tuple[float, float]:
    if value is None:
        return default
    entry = _mapping(value, where)
    _known(entry, where, ("warn", "alarm"))
    warn = read(entry["warn"], f"{where}.warn") if "warn" in entry else default[0]
    alarm = read(entry["alarm"], f"{where}.alarm") if "alarm" in entry else default[1]
    if alarm < warn:
        raise ConfigError(f"{where}: alarm ({alarm:g}) must not be below warn ({warn:g})")
    return warn, alarm


def _colours(value: Any, where: str) -> Colours:
    if value is None:
        return Colours()
    entry = _mapping(value, where)
    _known(entry, where, ("waiting", "longest_wait", "service_level"))
    base = Colours()
    waiting = _pair(
        entry.get("waiting"), f"{where}.waiting", _number, (base.waiting_warn, base.waiting_alarm)
    )
    longest = _pair(
        entry.get("longest_wait"),
        f"{where}.longest_wait",
        _duration,
        (base.longest_wait_warn_s, base.longest_wait_alarm_s),
    )
    sl_warn = base.sl_warn
    if entry.get("service_level") is not None:
        sl = _mapping(entry["service_level"], f"{where}.service_level")
        _known(sl, f"{where}.service_level", ("warn",))
        if "warn" in sl:
            sl_warn = _fraction(sl["warn"], f"{where}.service_level.warn")
    return Colours(waiting[0], waiting[1], longest[0], longest[1], sl_warn)


def _switch(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def _alerts(value: Any, where: str) -> AlertRules:
    if value is None:
        return AlertRules()
    entry = _mapping(value, where)
    _known(entry, where, ALERT_RULES)
    waiting = None
    if entry.get("waiting_above") is not None:
        waiting = int(_number(entry["waiting_above"], f"{where}.waiting_above"))
    longest = paused = None
    if entry.get("longest_wait_above") is not None:
        longest = _duration(entry["longest_wait_above"], f"{where}.longest_wait_above")
    if entry.get("agent_paused_over") is not None:
        paused = _duration(entry["agent_paused_over"], f"{where}.agent_paused_over")
    return AlertRules(
        interval_sl_below_target=_switch(
            entry.get("interval_sl_below_target", False), f"{where}.interval_sl_below_target"
        ),
        waiting_above=waiting,
        longest_wait_above_s=longest,
        agent_paused_over_s=paused,
        projected_sl_below_target=_switch(
            entry.get("projected_sl_below_target", False), f"{where}.projected_sl_below_target"
        ),
    )


def _webhook(value: Any, where: str) -> Webhook | None:
    if value is None:
        return None
    entry = _mapping(value, where)
    _known(entry, where, ("url", "attempts", "backoff", "timeout"))
    url = entry.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}.url: expected an http:// or https:// URL, got {url!r}")
    attempts = 5
    if "attempts" in entry:
        attempts = int(_number(entry["attempts"], f"{where}.attempts", minimum=1))
    backoff = _duration(entry["backoff"], f"{where}.backoff") if "backoff" in entry else 1.0
    timeout = _duration(entry["timeout"], f"{where}.timeout") if "timeout" in entry else 5.0
    if timeout <= 0:
        raise ConfigError(f"{where}.timeout: must be more than 0")
    return Webhook(url=url, attempts=attempts, backoff_s=backoff, timeout_s=timeout)


__all__ = [
    "ALERT_RULES",
    "DEFAULT_INTERVAL_S",
    "LIVE_KEY",
    "AlertRules",
    "Colours",
    "LiveConfig",
    "Webhook",
]
