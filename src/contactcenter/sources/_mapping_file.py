"""What every YAML mapping file of a mapped CSV format shares: reading it, its top-level
keys and version, the time zone, the separator, the encoding and the timestamp format.

Each format (``csv``, ``messages_csv``, ``ticket_events``, ``surveys_csv``,
``qa_evaluations_csv``, ``agent_states_csv``) checks its own columns; problems are
:class:`~contactcenter.errors.ConfigError` about ``mapping``, made by the format's ``bad``
(which names the file).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from contactcenter.errors import FIELD, ConfigError

Bad = Callable[[str], ConfigError]
"""Makes the ConfigError of a problem in the mapping file (the message after its name)."""


def read_yaml(path: Path, bad: Bad) -> Any:
    """The parsed YAML of ``path`` (an unreadable file, bad YAML or bytes that are not
    UTF-8 are a ConfigError)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", field="mapping") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise bad(f"not valid YAML: {exc}".splitlines()[0]) from None


def check_top(raw: Any, allowed: Collection[str], bad: Bad, *, shape: str) -> dict[str, Any]:
    """``raw`` as the top-level mapping, with only ``allowed`` keys and version 1 (``shape``
    says what the top level must be, for the error)."""
    if not isinstance(raw, dict):
        raise bad(f"the top level must be {shape}")
    unknown = set(raw) - set(allowed)
    if unknown:
        raise bad(f"unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    if raw.get("version", 1) != 1:
        raise bad(f"version must be 1, got {raw['version']!r}")
    return raw


def zone(name: str, where: str, field: str) -> ZoneInfo:
    """The zone ``name``; a ConfigError about ``field`` naming ``where`` when it is not an
    IANA zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: unknown time zone {name!r} (use an IANA name)", field=field
        ) from None


@dataclass(frozen=True)
class FileOptions:
    """How a mapped file is read: time_zone of naive times (None: ``--source-tz``),
    delimiter, encoding (UTF-8 read as ``utf-8-sig``, so a byte-order mark is not part of
    the first header) and timestamp_format (None: ISO 8601 and the usual variants)."""

    time_zone: str | None
    delimiter: str
    encoding: str
    timestamp_format: str | None


def file_options(raw: dict[str, Any], path: Path, bad: Bad) -> FileOptions:
    """The :class:`FileOptions` of a mapping's top level (checked)."""
    tz = raw.get("time_zone")
    if tz is not None:
        zone(str(tz), f"{FIELD} {path}: time_zone", "mapping")
    delimiter = str(raw.get("delimiter", ","))
    if len(delimiter) != 1:
        raise bad(f"delimiter must be one character, got {delimiter!r}")
    encoding = str(raw.get("encoding", "utf-8"))
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    try:
        "".encode(encoding)
    except LookupError:
        raise bad(f"unknown encoding {encoding!r}") from None
    fmt = raw.get("timestamp_format")
    return FileOptions(
        time_zone=None if tz is None else str(tz),
        delimiter=delimiter,
        encoding=encoding,
        timestamp_format=None if fmt is None else _scalar(fmt),
    )


def _scalar(value: Any) -> str:
    """A YAML scalar as the text it was written as (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
