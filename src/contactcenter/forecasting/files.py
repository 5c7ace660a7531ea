"""The forecast file: its columns, its writer and its reader.

``contactcenter forecast`` writes one row per interval and queue with the columns
:data:`FORECAST_COLUMNS`: ``interval_start`` (``YYYY-MM-DD HH:MM:SS``, the wall clock of
the history), ``queue``, ``calls`` (the point forecast) with its 80 % interval
``calls_lo``/``calls_hi`` (rounded to 3 decimals) and ``aht_s`` (rounded to 1 decimal;
empty where the history had none and no constant was given). ``contactcenter plan``
reads it with :func:`read_forecast`, which needs :data:`REQUIRED_COLUMNS`, also takes an
optional ``patience_s`` and ignores the rest, so a hand-made file of those columns works
too. Text cells are written neutralised against formula injection and read back restored
(:func:`contactcenter.reports.writers.neutralise_cell`).

This module imports pyarrow only (pandas when a forecast result is turned into a table),
so that ``plan`` does not load the forecasting methods.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from contactcenter.errors import FormatError, InputError

if TYPE_CHECKING:
    from contactcenter.forecasting.engine import ForecastResult

FORECAST_COLUMNS = ("interval_start", "queue", "calls", "calls_lo", "calls_hi", "aht_s")
"""The columns ``forecast`` writes, in order."""
REQUIRED_COLUMNS = ("interval_start", "queue", "calls", "aht_s")
"""The columns :func:`read_forecast` needs."""
OPTIONAL_COLUMNS = ("patience_s",)
"""A column :func:`read_forecast` reads when present (mean patience per row)."""
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_TYPES = {
    "interval_start": pa.string(),
    "queue": pa.string(),
    "calls": pa.float64(),
    "aht_s": pa.float64(),
    "patience_s": pa.float64(),
}


def forecast_table(
    result: ForecastResult, *, open_only: bool = False, aht_s: float | None = None
) -> pa.Table:
    """The forecast file's rows from a forecast: every interval of the horizon (only the
    open ones with ``open_only``), ``aht_s`` filling the AHT the history did not have."""
    frame = result.frame
    if open_only:
        frame = frame[frame["open"]]
    out = frame.reindex(columns=list(FORECAST_COLUMNS)).copy()
    out["interval_start"] = out["interval_start"].dt.strftime(TIME_FORMAT)
    for col in ("calls", "calls_lo", "calls_hi"):
        out[col] = out[col].round(3)
    if aht_s is not None:
        out["aht_s"] = out["aht_s"].fillna(aht_s)
    out["aht_s"] = out["aht_s"].astype("float64").round(1)
    return pa.Table.from_pandas(out.reset_index(drop=True), preserve_index=False)


def write_forecast(table: pa.Table, path: str | Path) -> Path:
    """Write forecast rows to ``path`` as CSV (whole or not at all)."""
    from contactcenter.reports.writers import csv_text, write_file

    return write_file(path, csv_text(table, dialect="python"))


def _cast(table: pa.Table, source: str) -> pa.Table:
    """A given table's columns of interest with the reader's types."""
    import pyarrow.compute as pc

    columns = {}
    for name, kind in _TYPES.items():
        if name not in table.column_names:
            continue
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            whole_seconds = pa.timestamp("s", column.type.tz)
            column = pc.strftime(column.cast(whole_seconds, safe=False), format=TIME_FORMAT)
        try:
            columns[name] = column.cast(kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            reason = str(exc).splitlines()[0]
            raise FormatError(source, None, f"column {name}: {reason}") from None
    return pa.table(columns)


def _read_csv(path: Path, field: str) -> pa.Table:
    import pyarrow.csv as pacsv

    if path.is_dir():
        raise InputError(f"{{field}}: {path} is a folder, not a file", field=field)
    if not path.is_file():
        raise InputError(f"{{field}}: file not found: {path}", field=field)
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except UnicodeDecodeError as exc:
        raise FormatError(
            str(path),
            None,
            f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save the forecast as UTF-8 CSV",
        ) from None
    except csv.Error as exc:
        raise FormatError(str(path), 1, f"cannot read the header: {exc}") from None
    _check_columns(header, str(path), 1)
    types = {k: v for k, v in _TYPES.items() if k in header}
    try:
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=[c for c in header if c in types]
            ),
        )
    except pa.ArrowInvalid as exc:
        raise FormatError(str(path), None, str(exc).splitlines()[0]) from None


def _check_columns(names: list[str], source: str, line: int | None) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise FormatError(
            source,
            line,
            f"missing columns {missing}; needed: {list(REQUIRED_COLUMNS)} "
            f"(optional: {', '.join(OPTIONAL_COLUMNS)})",
        )


def _first_bad(mask: Any, column: pa.ChunkedArray, reason: str, source: str, csv: bool) -> None:
    bad = np.flatnonzero(mask)
    if not bad.size:
        return
    i = int(bad[0])
    value = column[i].as_py()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        shown = ""
    elif isinstance(value, float) and math.isfinite(value) and value == round(value):
        shown = str(int(value))
    else:
        shown = str(value)
    if csv:
        raise FormatError(source, i + 2, f"{reason}, got {shown!r}")
    raise FormatError(source, None, f"row {i + 1}: {reason}, got {shown!r}")


def _floats(table: pa.Table, name: str) -> Any:
    return table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)


def read_forecast(source: Any, *, field: str = "forecast") -> pa.Table:
    """Read forecast rows: a CSV file, a :class:`pyarrow.Table` or a pandas DataFrame.

    Returns interval_start and queue as text, calls, aht_s (and patience_s when present)
    as float64, nulls where a cell is empty. Checks, naming the line (or row): calls a
    number >= 0, aht_s > 0 on rows with calls, patience_s > 0 where given. A missing file
    is an :class:`~contactcenter.errors.InputError` about ``field``.
    """
    if isinstance(source, str | Path):
        from contactcenter.reports.writers import restore_column

        path = Path(source)
        table = _read_csv(path, field)
        name, is_csv = str(path), True
        # text cells were neutralised against formula injection when written: undo it
        table = table.set_column(
            table.column_names.index("queue"), "queue", restore_column(table.column("queue"))
        )
    else:
        table = source if isinstance(source, pa.Table) else pa.Table.from_pandas(source)
        name, is_csv = "<forecast>", False
        _check_columns(table.column_names, name, None)
        table = _cast(table, name)
    calls = _floats(table, "calls")
    aht = _floats(table, "aht_s")
    _first_bad(~(calls >= 0), table.column("calls"), "calls must be a number >= 0", name, is_csv)
    _first_bad((calls > 0) & ~(aht > 0), table.column("aht_s"), "aht_s must be > 0", name, is_csv)
    if "patience_s" in table.column_names:
        given = _floats(table, "patience_s")
        _first_bad(
            ~np.isnan(given) & ~(given > 0),
            table.column("patience_s"),
            "patience_s must be > 0",
            name,
            is_csv,
        )
    return table
