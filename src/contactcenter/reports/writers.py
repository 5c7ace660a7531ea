"""Writers of tabular results: csv, json, xlsx and a table for people, to a file or as text.

One place for the output formats of ``plan``, ``forecast``, ``backtest`` and ``schedule``
(the column names, the CSV quoting, the JSON shapes and the xlsx sheets are a contract,
docs/cli.md). The functions take a :class:`pyarrow.Table` (or, for JSON, a document of
plain values) and return text or bytes; :func:`write_file` puts them in a file.

**Files are written whole or not at all**: the bytes go to a temporary file beside the
target, which replaces the target only once it is complete, so an error (a full disk, an
interrupted run) never leaves a partial file behind. A failing file system is a
:class:`~contactcenter.errors.ResourceError` naming the path.

**CSV** comes in two dialects, both with a header of plain column names, ``\\n`` line ends
and empty cells for nulls:

* ``python`` (forecast, backtest, schedule): the :mod:`csv` module's minimal quoting (a
  value is quoted only when it holds a comma, a quote or a line break) and numbers as
  Python writes them (``100.0``, ``1e-05``).
* ``arrow`` (the staffing plan, which may have hundreds of thousands of rows): pyarrow's
  writer, with numbers in their shortest form (``100``, ``0.00001``) and no quotes, unless
  some value needs them, and then every text value is quoted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Literal

import pyarrow as pa

from contactcenter.errors import InputError, ResourceError

CsvDialect = Literal["python", "arrow"]
BINARY_FORMATS = ("xlsx",)
"""Formats that need a file (they cannot go to stdout as text)."""


# --------------------------------------------------------------------------- values
def plain(value: Any) -> Any:
    """A cell as a JSON-safe Python value: numpy scalars as Python numbers, NaN and
    infinities as None, date-times as ``YYYY-MM-DD HH:MM:SS`` text."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def records(table: pa.Table) -> list[dict[str, Any]]:
    """The rows of ``table`` as dicts of JSON-safe values (see :func:`plain`)."""
    columns = [[plain(v) for v in table.column(i).to_pylist()] for i in range(table.num_columns)]
    names = table.column_names
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


# --------------------------------------------------------------------------- formats
def json_text(document: Any, *, indent: int | None = 2) -> str:
    """``document`` as JSON text ending in a line break (``indent=None``: one line)."""
    return json.dumps(document, indent=indent) + "\n"


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value


def csv_text(table: pa.Table, *, dialect: CsvDialect = "python") -> str:
    """``table`` as CSV text in one of the two dialects (module docstring)."""
    if dialect == "arrow":
        return _arrow_csv(table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    columns = [
        [_csv_cell(v) for v in table.column(i).to_pylist()] for i in range(table.num_columns)
    ]
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def _arrow_csv(table: pa.Table) -> str:
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    header = ",".join(table.column_names) + "\n"  # plain names (pyarrow would quote them)
    try:
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        pacsv.write_csv(table, buffer, write_options=options)
    except pa.ArrowInvalid:  # a value with a comma, a quote or a line break
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False))
    return header + buffer.getvalue().decode("utf-8")


def xlsx_bytes(sheets: Mapping[str, pa.Table]) -> bytes:
    """An Excel workbook with one sheet per table (in the given order), the column names in
    bold on the first row; nulls are blank cells, text is never read as a formula."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    for name, table in sheets.items():
        sheet = workbook.add_worksheet(name[:31])
        for col, column in enumerate(table.column_names):
            sheet.write_string(0, col, column, bold)
            for row, value in enumerate(table.column(col).to_pylist(), start=1):
                value = plain(value)
                if value is None:
                    sheet.write_blank(row, col, None)
                elif isinstance(value, bool):
                    sheet.write_boolean(row, col, value)
                elif isinstance(value, int | float):
                    sheet.write_number(row, col, value)
                else:
                    sheet.write_string(row, col, str(value))
    workbook.close()
    return buffer.getvalue()


def _cell_for_people(value: Any) -> str:
    value = plain(value)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


LEFT_COLUMNS = ("queue", "interval_start")
"""Columns a table for people aligns left (the others hold numbers: right)."""


def people_table(table: pa.Table, *, title: str) -> Any:
    """``table`` as a :class:`rich.table.Table` for people: six significant digits, ``-``
    for nulls, numbers aligned right."""
    from rich.table import Table

    out = Table(title=title)
    if table.num_rows == 0:
        return out
    for name in table.column_names:
        out.add_column(name, justify="left" if name in LEFT_COLUMNS else "right")
    for row in records(table):
        out.add_row(*(_cell_for_people(v) for v in row.values()))
    return out


def pairs_table(values: Mapping[str, Any], *, title: str) -> Any:
    """A mapping as a two-column :class:`rich.table.Table` (metric, value) for people."""
    from rich.table import Table

    out = Table(title=title)
    out.add_column("metric")
    out.add_column("value", justify="right")
    for key, value in values.items():
        out.add_row(key, _cell_for_people(value))
    return out


def render(renderable: Any, *, width: int, file: IO[str] | None = None) -> str:
    """Print a rich renderable ``width`` columns wide to ``file`` (styled when it is a
    terminal) and return ``""``; without ``file``, return it as plain text."""
    from rich.console import Console

    if file is not None:
        Console(file=file, width=width).print(renderable)
        return ""
    buffer = io.StringIO()
    Console(file=buffer, width=width).print(renderable)
    return buffer.getvalue()


# --------------------------------------------------------------------------- files
def write_file(path: str | Path, data: str | bytes, *, field: str = "output") -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all; return the path.

    The parent folders are created. The bytes go to a hidden temporary file in the same
    folder, which replaces ``path`` only when complete; on any error it is removed and
    ``path`` is left as it was. A path that exists and is not a regular file (a terminal,
    a pipe, ``/dev/full``) is written to directly, since it cannot be replaced. A folder
    is an :class:`~contactcenter.errors.InputError`; other OS errors (a full disk, no
    permission) a :class:`~contactcenter.errors.ResourceError` about ``field``.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if target.is_dir():
        raise InputError(f"{{field}}: cannot write {target}: it is a folder", field=field)
    try:
        if target.exists() and not target.is_file():
            with target.open("wb") as out:
                out.write(payload)
                out.flush()
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
        # os.open applies the umask to 0o666, so the file gets the usual permissions
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        blocking = next((p for p in target.parents if p.exists()), None)
        if blocking is not None and not blocking.is_dir():
            reason = f"{blocking} is a file, not a folder"
        raise ResourceError(f"{{field}}: cannot write {target}: {reason}", field=field) from None
    return target


def write_text(text: str, output: str | Path | None) -> None:
    """``text`` to the file ``output`` (whole or not at all), or to stdout when None."""
    if output is None:
        sys.stdout.write(text)
    else:
        write_file(output, text)


def check_output(fmt: str, output: str | Path | None) -> None:
    """Refuse a binary format without a file to write it to."""
    if fmt in BINARY_FORMATS and output is None:
        raise InputError(f"{{field}} is needed to write {fmt} (a file)", field="output")


def write_table(
    table: pa.Table,
    fmt: str,
    output: str | Path | None = None,
    *,
    title: str = "",
    dialect: CsvDialect = "python",
    json_indent: int | None = 2,
    sheet: str = "data",
) -> None:
    """Write ``table`` as ``fmt`` (csv, json: a list of row objects, xlsx: one sheet named
    ``sheet``, table: for people, titled ``title``) to the file ``output`` or to stdout."""
    if fmt == "xlsx":
        check_output(fmt, output)
        assert output is not None
        write_file(output, xlsx_bytes({sheet: table}))
    elif fmt == "csv":
        write_text(csv_text(table, dialect=dialect), output)
    elif fmt == "json":
        write_text(json_text(records(table), indent=json_indent), output)
    elif fmt == "table":
        view = people_table(table, title=title)
        if output is None:
            render(view, width=200, file=sys.stdout)
        else:
            write_file(output, render(view, width=200))
    else:
        raise InputError(
            f"{{field}} must be one of csv, json, table, xlsx, got {fmt!r}", field="format"
        )
