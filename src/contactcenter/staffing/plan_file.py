"""The staffing plan file: its columns, its writer and its one reader.

``contactcenter plan`` writes one row per interval and queue (CSV, or Parquet by the
file's suffix) with the columns :data:`PLAN_COLUMNS`: the forecast's columns
(``interval_start, queue, calls, aht_s`` and ``patience_s`` when the forecast or the run
had a patience) followed by the staffing ones. ``simulate --plan`` and ``schedule --plan``
read it with :func:`read_plan`, which accepts the file (CSV or Parquet), a
:class:`pyarrow.Table` or a pandas DataFrame; other columns are carried along unread.

A CSV's cells are read as text (an empty cell is null), so that an error can quote the
cell as written and name its line; each reader converts the columns it uses. The queue
names were neutralised against formula injection when written and are restored here
(:func:`contactcenter.reports.writers.restore_cell`).
:func:`queue_series` gives one queue's rows as the arrays a simulation takes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from contactcenter.errors import FormatError, InputError

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]

FORECAST_PART = ("interval_start", "queue", "calls", "aht_s", "patience_s")
"""The columns a plan repeats from its forecast (``patience_s`` only when there was one)."""
STAFFING_PART = (
    "load_erl",
    "agents",
    "gross_agents",
    "service_level",
    "p_wait",
    "asa_s",
    "occupancy",
    "p_abandon",
)
"""The columns ``plan`` adds: offered load, net and gross agents, the predicted KPIs."""
PLAN_COLUMNS = FORECAST_PART + STAFFING_PART
"""Every column of a plan file, in order (``patience_s`` may be absent)."""
SIMULATION_COLUMNS = ("interval_start", "queue", "calls", "aht_s", "agents")
"""The columns :func:`queue_series` needs."""


@dataclass(frozen=True)
class PlanFile:
    """A plan as read: ``table`` holds a CSV's cells as text (null where empty), or the
    columns of a Parquet file or a given table as they are; ``source`` names it in
    messages; ``is_csv`` says whether rows are CSV lines (numbered from 2)."""

    table: pa.Table
    source: str
    is_csv: bool

    def where(self, row: int) -> str:
        """Where the 0-based data row ``row`` is: ``file:LINE`` for a CSV, else ``row N``."""
        return f"{self.source}:{row + 2}" if self.is_csv else f"{self.source} row {row + 1}"

    def line(self, row: int) -> int | None:
        """The CSV line number of data row ``row`` (None for other sources)."""
        return row + 2 if self.is_csv else None

    def frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (text cells stay text)."""
        frame: pd.DataFrame = self.table.to_pandas()
        return frame

    @property
    def queues(self) -> list[str]:
        """The queue names, sorted (empty when there is no queue column)."""
        if "queue" not in self.table.column_names:
            return []
        return sorted({str(q) for q in self.table.column("queue").to_pylist() if q is not None})


def _from_frame(frame: Any) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False)


def read_plan(source: Any, *, field: str = "plan") -> PlanFile:
    """Read a plan: a CSV or Parquet file (by suffix ``.parquet``/``.pq``), a
    :class:`pyarrow.Table`, a pandas DataFrame, or an already read :class:`PlanFile`.

    Raises :class:`~contactcenter.errors.InputError` about ``field`` when the file does
    not exist, :class:`~contactcenter.errors.FormatError` when it cannot be read.
    """
    if isinstance(source, PlanFile):
        return source
    if not isinstance(source, str | Path):
        return PlanFile(_from_frame(source), "<plan>", False)
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{{field}}: {path} is a folder, not a file", field=field)
    if not path.is_file():
        raise InputError(f"{{field}}: file not found: {path}", field=field)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return PlanFile(pq.read_table(path), str(path), False)
        import pyarrow.csv as pacsv

        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
        options = pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=True
        )
        from contactcenter.reports.writers import restore_column

        table = pacsv.read_csv(path, convert_options=options)
        # text cells were neutralised against formula injection when written: undo it
        for name in ("queue",):
            if name in table.column_names:
                i = table.column_names.index(name)
                table = table.set_column(i, name, restore_column(table.column(i)))
        return PlanFile(table, str(path), True)
    except UnicodeDecodeError as exc:
        raise FormatError(
            str(path),
            None,
            f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save the plan as UTF-8 CSV, or give a Parquet file",
            field=field,
        ) from None
    except (pa.ArrowInvalid, OSError, ValueError, csv.Error) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FormatError(
            str(path), None, f"cannot read the plan as CSV or Parquet: {reason}", field=field
        ) from None


def write_plan(table: pa.Table, path: str | Path) -> Path:
    """Write a plan table to ``path``: Parquet for ``.parquet``/``.pq``, else CSV (the
    ``arrow`` dialect of :mod:`contactcenter.reports.writers`); whole or not at all."""
    from contactcenter.reports.writers import csv_text, write_file

    target = Path(path)
    if target.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        return write_file(target, buffer.getvalue())
    return write_file(target, csv_text(table, dialect="arrow"))


def require_columns(plan: PlanFile, needed: Sequence[str]) -> None:
    """FormatError naming the columns of ``needed`` the plan lacks."""
    missing = [c for c in needed if c not in plan.table.column_names]
    if missing:
        raise FormatError(
            plan.source,
            1 if plan.is_csv else None,
            f"missing columns {missing}; needed: {list(needed)}",
        )


def _numbers(values: list[Any]) -> FloatArray:
    """Floats of the cells (NaN where empty or not a number)."""
    out = np.full(len(values), np.nan)
    for i, value in enumerate(values):
        if value is None:
            continue
        try:
            out[i] = float(value)
        except (TypeError, ValueError):
            out[i] = np.nan
    return out


def parse_instant(text: Any) -> dt.datetime:
    """An ISO date-time (``2025-01-06T08:00``, ``... 08:00:00``, ``...Z``, with an offset);
    naive times are taken as UTC. Raises ValueError when it is not one."""
    if isinstance(text, dt.datetime):
        value = text
    else:
        cleaned = str(text).strip()
        if cleaned.endswith(("Z", "z")):
            cleaned = cleaned[:-1] + "+00:00"
        value = dt.datetime.fromisoformat(cleaned)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class PlanSeries:
    """One queue of a plan as consecutive intervals: the first interval's start (UTC when
    the plan's times are naive), calls, AHT and agents per interval. Intervals without
    calls and AHT get the mean AHT of the others (nothing is handled there)."""

    queue: str
    start: dt.datetime
    calls: FloatArray
    aht_s: FloatArray
    agents: FloatArray


def queue_series(
    plan: PlanFile, *, queue: str | None, interval_s: float, queue_field: str = "queue"
) -> PlanSeries:
    """The rows of one queue (``queue``, or the only one) of ``plan``, which must follow
    each other ``interval_s`` apart; calls >= 0, whole agents >= 0, AHT > 0 where there
    are calls (errors name the line)."""
    require_columns(plan, SIMULATION_COLUMNS)
    table = plan.table
    queues = [None if q is None else str(q) for q in table.column("queue").to_pylist()]
    names = sorted({q for q in queues if q is not None})
    if not names:
        raise FormatError(plan.source, None, "the plan has no rows with a queue")
    if queue is None:
        if len(names) != 1:
            raise InputError(
                f"{{field}} must name one of the plan's queues {names}", field=queue_field
            )
        queue = names[0]
    elif queue not in names:
        raise InputError(
            f"{{field}} {queue!r} is not in the plan; it has {names}", field=queue_field
        )
    rows = [i for i, q in enumerate(queues) if q == queue]
    starts = table.column("interval_start").to_pylist()
    instants = []
    for i in rows:
        try:
            instants.append(parse_instant(starts[i]))
        except (TypeError, ValueError):
            raise FormatError(
                plan.source,
                plan.line(i),
                f"{'' if plan.is_csv else f'row {i + 1}: '}interval_start must be an ISO "
                f"date-time, got {starts[i]!r}",
            ) from None
    for j in range(1, len(instants)):
        step = (instants[j] - instants[j - 1]).total_seconds()
        if step != interval_s:
            raise FormatError(
                plan.source,
                plan.line(rows[j]),
                f"interval_start must follow the previous row by the interval "
                f"({interval_s:g} s), got {step:g} s",
            )
    picked: dict[str, FloatArray] = {}
    for name in ("calls", "aht_s", "agents"):
        raw = [table.column(name)[i].as_py() for i in rows]
        values = _numbers(raw)
        unreadable = np.flatnonzero(~np.isfinite(values) & np.array([v is not None for v in raw]))
        if unreadable.size:
            i = rows[int(unreadable[0])]
            raise FormatError(
                plan.source,
                plan.line(i),
                f"{'' if plan.is_csv else f'row {i + 1}: '}bad {name}: "
                f"{raw[int(unreadable[0])]!r} is not a number",
            )
        picked[name] = np.nan_to_num(values, nan=0.0)  # an empty cell is 0
    calls, aht, agents = picked["calls"], picked["aht_s"], picked["agents"]
    for name, values, ok in (
        ("calls", calls, calls >= 0),
        ("agents", agents, (agents >= 0) & (agents == np.round(agents))),
        ("aht_s", aht, (aht > 0) | (calls == 0)),
    ):
        bad = np.flatnonzero(~ok)
        if bad.size:
            i = rows[int(bad[0])]
            raise FormatError(
                plan.source,
                plan.line(i),
                f"{'' if plan.is_csv else f'row {i + 1}: '}bad {name}: {values[int(bad[0])]:g}",
            )
    known = aht[aht > 0]
    aht = np.where(aht > 0, aht, float(np.mean(known)) if known.size else 1.0)
    return PlanSeries(queue=queue, start=instants[0], calls=calls, aht_s=aht, agents=agents)
