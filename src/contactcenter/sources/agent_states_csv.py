"""Format ``agent_states_csv``: any ACD export of agent state intervals, read through a
YAML mapping (``--mapping FILE.yaml``), into the ``agent_states`` fact::

    version: 1                      # optional; 1 is the only version
    source: acd_export              # source name of the rows (default agent_states_csv;
                                    # --source wins)
    time_zone: Europe/Paris         # zone of times without an offset (default UTC;
                                    # --source-tz wins)
    delimiter: ";"                  # default ","
    encoding: utf-8                 # default utf-8 (a BOM is skipped)
    timestamp_format: "%d/%m/%Y %H:%M:%S"   # strptime format; default ISO 8601
    columns:                        # canonical field: the export's column
      agent: Agent Name
      state: Status
      start: Start Time
      end: End Time
      reason: Reason Code           # optional
      queue: Skill                  # optional
    states:                         # the export's state: handling, acw, not_ready,
      Talking: handling             # available or logged_out
      Wrap Up: acw
      Not Ready: not_ready
      Ready: available
      Logged Out: logged_out

A state the map does not name is rejected with its line. Everything else follows the
rules of the canonical ``agent_states`` format
(:mod:`contactcenter.sources.agent_states_file`): overlaps rejected, a file replaces its
agents' stored states over the span it covers, every line accounted for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from contactcenter.errors import FIELD, ConfigError, InputError
from contactcenter.metrics.timezones import zone
from contactcenter.sources._mapping_file import check_top, file_options, read_yaml
from contactcenter.sources.agent_states_file import (
    FIELDS,
    REQUIRED,
    STATE_VALUES,
    Row,
    check_files,
    read_rows,
    write_states,
)
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "agent_states_csv"
_TOP_KEYS = {
    "version",
    "source",
    "time_zone",
    "delimiter",
    "encoding",
    "timestamp_format",
    "columns",
    "states",
}


@dataclass(frozen=True)
class StatesMapping:
    """A parsed mapping (see the module docstring)."""

    columns: dict[str, str]
    states: dict[str, str]
    source: str = SOURCE
    time_zone: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    timestamp_format: str | None = None


def read_mapping(path: Path) -> StatesMapping:
    """Parse and check the mapping file ``path`` (through the shared reader of mapped
    formats, :mod:`contactcenter.sources._mapping_file`); every problem is a ConfigError
    about the field ``mapping`` naming the file."""

    def bad(message: str) -> ConfigError:
        return ConfigError(f"{FIELD} {path}: {message}", field="mapping")

    raw = check_top(
        read_yaml(path, bad), _TOP_KEYS, bad, shape="a mapping with 'columns' and 'states'"
    )
    columns, states = raw.get("columns"), raw.get("states")
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        raise bad(f"'columns' maps each of {', '.join(FIELDS)} to a column name")
    extra = sorted(set(columns) - set(FIELDS))
    missing = [f for f in REQUIRED if f not in columns]
    if extra or missing:
        raise bad(
            "'columns' "
            + (f"has unknown fields {extra}" if extra else "")
            + ("; " if extra and missing else "")
            + (f"lacks {missing}" if missing else "")
            + f" (fields: {', '.join(FIELDS)})"
        )
    if not isinstance(states, dict) or not states:
        raise bad(f"'states' maps the export's states to {', '.join(STATE_VALUES)}")
    wrong = {str(k): v for k, v in states.items() if v not in STATE_VALUES}
    if wrong:
        raise bad(f"'states' values must be one of {', '.join(STATE_VALUES)}: {wrong}")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise bad(f"'source' must be text, got {source!r}")
    options = file_options(raw, path, bad)
    return StatesMapping(
        columns=dict(columns),
        states={str(k): str(v) for k, v in states.items()},
        source=source or SOURCE,
        time_zone=options.time_zone,
        delimiter=options.delimiter,
        encoding=options.encoding,
        timestamp_format=options.timestamp_format,
    )


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load agent state exports through the mapping of ``options.mapping``."""
    if options.mapping is None:
        raise InputError(
            "{field} is required by the agent_states_csv format (a YAML column mapping)",
            field="mapping",
        )
    mapping = read_mapping(Path(options.mapping))
    tz_name = options.source_tz or mapping.time_zone
    tz = zone(tz_name) if tz_name else None
    rows: list[Row] = []
    for path in files:
        rows += read_rows(
            session,
            Path(path),
            columns=mapping.columns,
            delimiter=mapping.delimiter,
            encoding=mapping.encoding,
            expected="an agent state export of this mapping",
        )
    write_states(
        session,
        rows,
        source=options.source or mapping.source,
        tz=tz,
        timestamp_format=mapping.timestamp_format,
        states=mapping.states,
    )
    check_files(session, rows, "an agent state export of this mapping")
