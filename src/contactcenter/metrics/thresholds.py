"""Answer thresholds (T), short-abandon thresholds (S) and SL targets per channel and queue.

Defaults (:mod:`contactcenter.standards`, from ../shared/METRICS.md): T = 20 s voice, 90 s
chat, 4 h email and ticket, 1 h social and messaging; S = 5 s; target 80 %. A YAML file
may change them per channel and per queue::

    channels:
      voice: {threshold: 20s, short_abandon: 5s, target: 0.8}
      chat:  {threshold: 60s}
    queues:
      Billing: {threshold: 30s, target: 0.9}          # any channel
      Sales:   {channel: chat, threshold: 45s}        # only Sales chats

Resolution for a contact: the queue entry (matching channel if it names one), else its
channel's entry, else the defaults. The report flags ``--threshold``, ``--short-abandon``
and ``--target`` override every level for the run. The same file may hold ``calendars``
and ``policies`` (business hours and SLA targets: :mod:`contactcenter.metrics.sla`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import yaml

from contactcenter.errors import ConfigError, InputError
from contactcenter.facts import CHANNELS
from contactcenter.standards import DEFAULT_SHORT_ABANDON_S, DEFAULT_TARGET, DEFAULT_THRESHOLD_S
from contactcenter.units import parse_duration

SLA_KEYS = ("calendars", "policies")
"""Keys of a config file read by :mod:`contactcenter.metrics.sla` (business hours and
SLA policies), beside the thresholds."""
LIVE_KEYS = ("live",)
"""Keys of a config file read by :mod:`contactcenter.live.config` (the live state, the
wallboard and the alerts of ``serve``), beside the thresholds."""

__all__ = [
    "DEFAULT_SHORT_ABANDON_S",
    "DEFAULT_TARGET",
    "DEFAULT_THRESHOLD_S",
    "Level",
    "QueueRule",
    "Thresholds",
    "check_target",
    "constant_level",
    "level_expr",
]


@dataclass(frozen=True)
class Level:
    """The three settings that apply to one contact."""

    threshold_s: float
    short_abandon_s: float
    target: float


@dataclass(frozen=True)
class QueueRule:
    """Overrides for one queue (optionally only for one channel); None = inherit."""

    queue: str
    channel: str | None = None
    threshold_s: float | None = None
    short_abandon_s: float | None = None
    target: float | None = None


def check_target(value: float, *, field: str = "target") -> float:
    """A service-level target must lie in (0, 1)."""
    if not 0 < value < 1:
        raise InputError(
            f"{{field}} must be in (0, 1) (a fraction, 0.8 for 80 %), got {value}", field=field
        )
    return value


@dataclass(frozen=True)
class Thresholds:
    """Per-channel levels plus per-queue rules; see the module docstring."""

    channels: dict[str, Level] = field(
        default_factory=lambda: {
            c: Level(t, DEFAULT_SHORT_ABANDON_S, DEFAULT_TARGET)
            for c, t in DEFAULT_THRESHOLD_S.items()
        }
    )
    queues: tuple[QueueRule, ...] = ()

    def resolve(self, *, channel: str, queue: str | None) -> Level:
        """The level that applies to a contact of ``channel`` in ``queue``."""
        base = self.channels.get(channel, self.channels["voice"])
        for rule in self.queues:
            if rule.queue == queue and rule.channel in (None, channel):
                return Level(
                    base.threshold_s if rule.threshold_s is None else rule.threshold_s,
                    base.short_abandon_s if rule.short_abandon_s is None else rule.short_abandon_s,
                    base.target if rule.target is None else rule.target,
                )
        return base

    def with_overrides(
        self,
        *,
        threshold_s: float | None = None,
        short_abandon_s: float | None = None,
        target: float | None = None,
    ) -> Thresholds:
        """Apply command-line overrides to every channel and queue."""
        if target is not None:
            check_target(target)
        if threshold_s is None and short_abandon_s is None and target is None:
            return self

        def level(lv: Level) -> Level:
            return Level(
                lv.threshold_s if threshold_s is None else threshold_s,
                lv.short_abandon_s if short_abandon_s is None else short_abandon_s,
                lv.target if target is None else target,
            )

        def rule(r: QueueRule) -> QueueRule:
            return replace(
                r,
                threshold_s=r.threshold_s if threshold_s is None else threshold_s,
                short_abandon_s=r.short_abandon_s if short_abandon_s is None else short_abandon_s,
                target=r.target if target is None else target,
            )

        return Thresholds(
            channels={c: level(lv) for c, lv in self.channels.items()},
            queues=tuple(rule(r) for r in self.queues),
        )

    @classmethod
    def from_yaml(cls, path: str | Path) -> Thresholds:
        """Read a thresholds file (see the module docstring); every problem names its key."""
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{p}: cannot read thresholds file: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{p}: expected a mapping with 'channels' and/or 'queues'")
        unknown = set(data) - {"channels", "queues", "complaints", *SLA_KEYS, *LIVE_KEYS}
        if unknown:
            raise ConfigError(
                f"{p}: unknown keys {sorted(unknown)}; allowed: channels, queues, complaints, "
                + ", ".join((*SLA_KEYS, *LIVE_KEYS))
            )
        base = cls()
        channels = dict(base.channels)
        for name, entry in (data.get("channels") or {}).items():
            if name not in CHANNELS:
                raise ConfigError(f"{p}: channels.{name}: unknown channel; allowed: {CHANNELS}")
            settings = _settings(p, f"channels.{name}", entry, allow_channel=False)
            current = channels[name]
            channels[name] = Level(
                settings.get("threshold_s", current.threshold_s),
                settings.get("short_abandon_s", current.short_abandon_s),
                settings.get("target", current.target),
            )
        rules = []
        for qname, entry in (data.get("queues") or {}).items():
            settings = _settings(p, f"queues.{qname}", entry, allow_channel=True)
            channel = settings.pop("channel", None)
            rules.append(QueueRule(queue=str(qname), channel=channel, **settings))
        return cls(channels=channels, queues=tuple(rules))


def _settings(path: Path, where: str, entry: Any, *, allow_channel: bool) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: {where}: expected a mapping, got {entry!r}")
    allowed = {"threshold", "short_abandon", "target"} | ({"channel"} if allow_channel else set())
    unknown = set(entry) - allowed
    if unknown:
        raise ConfigError(
            f"{path}: {where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}"
        )
    out: dict[str, Any] = {}
    try:
        if "threshold" in entry:
            out["threshold_s"] = parse_duration(entry["threshold"], field=f"{where}.threshold")
        if "short_abandon" in entry:
            out["short_abandon_s"] = parse_duration(
                entry["short_abandon"], field=f"{where}.short_abandon"
            )
        if "target" in entry:
            out["target"] = check_target(float(entry["target"]), field=f"{where}.target")
    except (InputError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if "channel" in entry:
        if entry["channel"] not in CHANNELS:
            raise ConfigError(f"{path}: {where}.channel: unknown channel {entry['channel']!r}")
        out["channel"] = entry["channel"]
    return out


# ----------------------------------------------------------------------------- in queries
def constant_level(thresholds: Thresholds, attr: str) -> float | None:
    """The level every row gets when no queue rule or channel differs, else None."""
    values = {float(getattr(level, attr)) for level in thresholds.channels.values()}
    values |= {float(v) for r in thresholds.queues if (v := getattr(r, attr)) is not None}
    return values.pop() if len(values) == 1 else None


def level_expr(
    t: ir.Table,
    thresholds: Thresholds,
    attr: str,
    *,
    queue: str = "queue",
    channel: str = "channel",
) -> ir.FloatingValue:
    """Per-row level ``attr`` (threshold_s, short_abandon_s or target) of a fact with a
    queue and a channel column: a CASE over queue rules, then channel levels."""
    cases: list[tuple[ir.BooleanValue, float]] = []
    for rule in thresholds.queues:
        value = getattr(rule, attr)
        if value is None:  # the row's channel level applies, as below
            continue
        cond = t[queue] == rule.queue
        if rule.channel is not None:
            cond = cond & (t[channel] == rule.channel)
        cases.append((cond.fill_null(False), float(value)))
    default = float(getattr(thresholds.channels["voice"], attr))
    # Channel cases come last and exclude each other, so one whose level equals the
    # default can be left out: its rows fall through to the same value.
    for name, level in thresholds.channels.items():
        if float(getattr(level, attr)) != default:
            cases.append((t[channel] == name, float(getattr(level, attr))))
    if not cases:
        return ibis.literal(default)
    return ibis.cases(*((c, ibis.literal(v)) for c, v in cases), else_=ibis.literal(default))
