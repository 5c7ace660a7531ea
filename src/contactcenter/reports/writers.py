"""Writers of tabular results: csv, json, xlsx and a table for people, to a file or as text.

One place for the output formats of ``plan``, ``forecast``, ``backtest`` and ``schedule``
(the column names, the CSV quoting, the JSON shapes and the xlsx sheets are a contract,
docs/cli.md). The functions take a :class:`pyarrow.Table` (or, for JSON, a document of
plain values) and return text or bytes; :func:`write_file` puts them in a file.

**Files are written whole or not at all**: the bytes go to a temporary file beside the
target, which replaces the target only once it is complete, so an error (a full disk, an
interrupted run) never leaves a partial file behind; :func:`write_files` does the same for
the several files of one command (all of them or none). Missing parent folders are
created. A path that cannot name a file (a folder, a path through a file, the same file
named by two options) is bad input, an :class:`~contactcenter.errors.InputError` (exit
status 2), found by :func:`check_target` before any work; a file system that fails
(full, read-only, no permission, I/O error) is a
:class:`~contactcenter.errors.ResourceError` (exit status 1). A target that exists and is
not a regular file (``/dev/null``, ``/dev/stdout``, a pipe) is written into directly:
a device is never replaced by a file.

**CSV injection.** A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula. Every text cell of every CSV written
here goes through :func:`neutralise_cell` (the OWASP rule: such a cell gets a leading
``'``), numbers are left alone, and xlsx cells of text are always written as strings,
never as formulas. The readers of the project's own files (the forecast and the plan)
undo it with :func:`restore_cell`, so a queue named ``=x`` keeps its name from
``forecast`` through ``plan`` to ``schedule``.

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
import errno
import io
import json
import math
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from contactcenter.errors import ContactCenterError, InputError, ResourceError
from contactcenter.reports.text import printable

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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a CSV cell as a formula (OWASP)."""


def _needs_quote(text: str) -> bool:
    """A text that starts with a formula character, after any leading ``'``."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise_cell(text: str) -> str:
    """A CSV text cell made safe to open in a spreadsheet (the OWASP CSV-injection rule).

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote, so that the spreadsheet shows it as text instead of running it.
    A cell that already starts with quotes followed by such a character gets one more, so
    that :func:`restore_cell` gives every text back exactly.

    >>> neutralise_cell("=HYPERLINK(1)"), neutralise_cell("sales"), neutralise_cell("'=x")
    ("'=HYPERLINK(1)", 'sales', "''=x")
    """
    return "'" + text if _needs_quote(text) else text


def restore_cell(text: str) -> str:
    """The text :func:`neutralise_cell` was given (readers of the project's CSV files)."""
    return text[1:] if text.startswith("'") and _needs_quote(text) else text


def neutralise_table(table: pa.Table) -> pa.Table:
    """``table`` with :func:`neutralise_cell` applied to every cell of its text columns."""
    import pyarrow.compute as pc

    for i, name in enumerate(table.column_names):
        column = table.column(i)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        risky = pc.match_substring_regex(column, pattern="^'*[=+\\-@\t\r]")
        if not pc.any(risky).as_py():
            continue  # the usual case: nothing to change
        quoted = pc.binary_join_element_wise(pa.scalar("'", column.type), column, "")
        table = table.set_column(i, name, pc.if_else(risky, quoted, column))
    return table


def restore_column(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """A text column read from a CSV with :func:`restore_cell` applied to every cell."""
    import pyarrow.compute as pc

    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values
    quoted = pc.match_substring_regex(values, pattern="^'+[=+\\-@\t\r]")
    if not pc.any(quoted).as_py():
        return values
    restored = pc.utf8_slice_codeunits(values, start=1)
    return pc.if_else(quoted, restored, values)


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
    if isinstance(value, str):
        return neutralise_cell(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value


def csv_text(table: pa.Table, *, dialect: CsvDialect = "python") -> str:
    """``table`` as CSV text in one of the two dialects (module docstring), text cells
    neutralised against formula injection (:func:`neutralise_cell`)."""
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

    table = neutralise_table(table)
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


def _aligned(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], left: set[int]
) -> str:
    """Columns padded to their widest cell, two spaces apart, a rule under the header;
    columns in ``left`` aligned left, the others right."""
    cells = [[printable(c) for c in header], *([printable(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    out = [printable(title)] if title else []
    out += [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells[1:]]
    return "\n".join(out) + "\n"


def text_table(table: pa.Table, *, title: str = "") -> str:
    """``table`` as plain text for people: a title line, aligned columns, six significant
    digits, ``-`` for nulls, numbers aligned right, control characters escaped."""
    if table.num_rows == 0:
        return (printable(title) + "\n" if title else "") + "(no rows)\n"
    names = table.column_names
    left = {i for i, name in enumerate(names) if name in LEFT_COLUMNS}
    for i, name in enumerate(names):
        if pa.types.is_string(table.schema.field(name).type) or pa.types.is_large_string(
            table.schema.field(name).type
        ):
            left.add(i)
    rows = [[_cell_for_people(v) for v in row.values()] for row in records(table)]
    return _aligned(title, names, rows, left)


def text_pairs(values: Mapping[str, Any], *, title: str = "") -> str:
    """A mapping as two aligned columns (metric, value) of plain text for people."""
    rows = [[key, _cell_for_people(value)] for key, value in values.items()]
    return _aligned(title, ["metric", "value"], rows, {0})


# --------------------------------------------------------------------------- files
def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def _path_error(target: Path, field: str) -> InputError | None:
    """Why ``target`` cannot name a file to write (a folder, a path through a file, an
    empty name), or None."""
    if not str(target) or target.name in ("", ".", ".."):
        return InputError(f"{{field}} must name a file, got {str(target)!r}", field=field)
    if target.is_dir():
        return InputError(f"{{field}}: {target} is a folder; give a file name", field=field)
    for parent in target.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                return InputError(
                    f"{{field}}: cannot write {target}: {parent} is a file, not a folder",
                    field=field,
                )
            break
    return None


def check_target(path: str | Path, field: str = "output") -> None:
    """Refuse, before any work, a path that cannot name a file (InputError, exit 2) or
    lies in a folder this process may not write (ResourceError, exit 1)."""
    target = Path(path)
    error = _path_error(target, field)
    if error is not None:
        raise error
    if target.exists() and not target.is_file():
        return  # a device or a pipe: written into as it is
    folder = next((p for p in target.parents if p.exists()), Path("."))
    if not os.access(folder, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        raise ResourceError(
            f"{{field}}: cannot write {target}: permission denied in {folder}", field=field
        )


def _resource_error(target: Path, field: str, exc: OSError) -> ContactCenterError:
    """An OS error while writing ``target``: bad input when the path is wrong, else an
    environment failure (full, read-only, no permission, I/O)."""
    found = _path_error(target, field)
    if found is not None:
        return found
    if exc.errno == errno.ENAMETOOLONG:
        return InputError(f"{{field}}: the file name is too long: {target}", field=field)
    reason = exc.strerror or str(exc)
    return ResourceError(f"{{field}}: cannot write {target}: {reason}", field=field)


@dataclass
class _Staged:
    """A file written to a temporary name beside its target, not yet in place."""

    target: Path
    temp: Path | None  # None: written straight into a device or pipe
    field: str

    def commit(self) -> None:
        if self.temp is not None:
            os.replace(self.temp, self.target)
            self.temp = None

    def discard(self) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None


def _write_all(handle: int, payload: bytes) -> None:
    with os.fdopen(handle, "wb") as out:
        out.write(payload)
        out.flush()
        try:
            os.fsync(out.fileno())
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EROFS):
                raise  # a pipe or a terminal cannot be synced: that is not a failure


def _stage(path: str | Path, data: str | bytes, field: str) -> _Staged:
    """Write ``data`` next to ``path`` under a temporary name (see :func:`write_file`)."""
    target = Path(path)
    error = _path_error(target, field)
    if error is not None:
        raise error
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if target.exists() and not target.is_file():
            # a device (/dev/null, /dev/full), a terminal or a pipe: it cannot be replaced,
            # so it is written into
            _write_all(os.open(target, os.O_WRONLY | os.O_APPEND), payload)
            return _Staged(target, None, field)
        real = target.resolve() if target.is_symlink() else target  # keep the link
        real.parent.mkdir(parents=True, exist_ok=True)
        temp = real.with_name(f".{real.name}.{uuid.uuid4().hex[:12]}.tmp")
        # os.open applies the umask to 0o666, so the file gets the usual permissions
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        staged = _Staged(real, temp, field)
        try:
            _write_all(handle, payload)
        except BaseException:
            staged.discard()
            raise
        return staged
    except OSError as exc:
        raise _resource_error(target, field, exc) from None


def write_files(items: Sequence[tuple[str | Path, str | bytes, str]]) -> list[Path]:
    """Write several files (path, data, field) all or none: each is written completely
    under a temporary name first; they replace their targets only when all are written.
    Two items naming the same file are refused (one would overwrite the other)."""
    seen: dict[Path, str] = {}
    for path, _, field in items:
        key = Path(os.path.abspath(path))
        if key in seen:
            raise InputError(
                f"{{field}} names the same file as {_flag(seen[key])}: {path}", field=field
            )
        seen[key] = field
    staged: list[_Staged] = []
    try:
        for path, data, field in items:
            staged.append(_stage(path, data, field))
        for item in staged:
            try:
                item.commit()
            except OSError as exc:
                raise _resource_error(item.target, item.field, exc) from None
    finally:
        for item in staged:
            item.discard()
    return [item.target for item in staged]


def write_file(path: str | Path, data: str | bytes, *, field: str = "output") -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all; return the path.

    The parent folders are created. The bytes go to a hidden temporary file in the same
    folder, which replaces ``path`` only when complete; on any error it is removed and
    ``path`` is left as it was (a symbolic link is followed, and stays a link). An existing
    target that is not a regular file (a device, a pipe) is written into instead.
    Errors are about ``field``: :class:`~contactcenter.errors.InputError` when the path
    cannot name a file, :class:`~contactcenter.errors.ResourceError` when the file system
    fails.
    """
    write_files([(path, data, field)])
    return Path(path)


def write_text(text: str, output: str | Path | None, *, field: str = "output") -> None:
    """``text`` to the file ``output`` (whole or not at all), or to stdout when None."""
    if output is None:
        sys.stdout.write(text)
    else:
        write_file(output, text, field=field)


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
        write_text(text_table(table, title=title), output)
    else:
        raise InputError(
            f"{{field}} must be one of csv, json, table, xlsx, got {fmt!r}", field="format"
        )
