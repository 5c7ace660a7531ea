"""The output writers: both CSV dialects, JSON, xlsx, people tables, whole-or-nothing files."""

from __future__ import annotations

import io
import json
import math
import os
import stat
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from contactcenter.errors import InputError, ResourceError
from contactcenter.reports import writers

TABLE = pa.table(
    {
        "queue": ["sales", "sup,port", 'say "hi"', None],
        "calls": [100.0, 0.30000000000000004, 1e-05, None],
        "agents": pa.array([14, 0, 3, None], pa.int64()),
        "chosen": [True, False, True, None],
    }
)


def test_python_dialect_is_what_pandas_writes() -> None:
    """forecast, backtest and schedule wrote their CSV with pandas: the same text."""
    expected = pd.DataFrame(
        {
            "queue": ["sales", "sup,port", 'say "hi"', None],
            "calls": [100.0, 0.30000000000000004, 1e-05, math.nan],
            "agents": [14, 0, 3, 7],
            "chosen": [True, False, True, False],
        }
    )
    table = pa.Table.from_pandas(expected, preserve_index=False)
    assert writers.csv_text(table, dialect="python") == expected.to_csv(index=False)
    text = writers.csv_text(TABLE, dialect="python")
    assert text.splitlines()[1:3] == [
        "sales,100.0,14,True",
        '"sup,port",0.30000000000000004,0,False',
    ]


def test_arrow_dialect_quotes_only_when_a_value_needs_it() -> None:
    plain = TABLE.slice(0, 1)
    assert (
        writers.csv_text(plain, dialect="arrow") == "queue,calls,agents,chosen\nsales,100,14,true\n"
    )
    quoted = writers.csv_text(TABLE.slice(0, 2), dialect="arrow").splitlines()
    assert quoted[0] == "queue,calls,agents,chosen"  # the header stays plain
    assert quoted[1:] == ['"sales",100,14,true', '"sup,port",0.30000000000000004,0,false']


def test_json_records_are_plain_values() -> None:
    table = pa.table({"x": pa.array([1.5, math.nan, math.inf]), "n": pa.array(np.arange(3))})
    rows = writers.records(table)
    assert rows == [{"x": 1.5, "n": 0}, {"x": None, "n": 1}, {"x": None, "n": 2}]
    assert writers.json_text(rows, indent=None) == json.dumps(rows) + "\n"
    assert writers.plain(np.float64(2.0)) == 2.0
    assert type(writers.plain(np.int64(3))) is int
    assert writers.plain(pd.Timestamp("2024-03-04 08:30")) == "2024-03-04 08:30:00"


def test_xlsx_has_the_sheets_headers_and_blank_nulls(tmp_path: Path) -> None:
    other = pa.table({"formula": ["=1+1"], "n": [2]})
    path = writers.write_file(
        tmp_path / "out.xlsx", writers.xlsx_bytes({"plan": TABLE, "x": other})
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["plan", "x"]
    rows = [[c.value for c in row] for row in book["plan"].iter_rows()]
    assert rows[0] == ["queue", "calls", "agents", "chosen"]
    assert book["plan"]["A1"].font.bold
    assert rows[1] == ["sales", 100, 14, True]
    assert rows[3] == ['say "hi"', 1e-05, 3, True]
    assert [book["plan"].cell(5, c).value for c in range(1, 5)] == [None, None, None, None]
    assert book["x"]["A2"].value == "=1+1"  # text, not a formula
    assert book["x"]["A2"].data_type == "s"


def test_people_table_shows_nulls_as_dashes() -> None:
    text = writers.render(writers.people_table(TABLE, title="plan"), width=120)
    assert "plan" in text
    assert "sup,port" in text
    assert " - " in text
    pairs = writers.render(writers.pairs_table({"agents": 14, "asa_s": None}, title="t"), width=80)
    assert "agents" in pairs
    assert "14" in pairs


def test_write_table_to_stdout_and_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writers.write_table(TABLE, "csv", None, dialect="arrow")
    assert capsys.readouterr().out.startswith("queue,calls,agents,chosen\n")
    out = tmp_path / "sub" / "rows.json"
    writers.write_table(TABLE, "json", out, json_indent=None)
    assert json.loads(out.read_text("utf-8"))[0]["queue"] == "sales"
    with pytest.raises(InputError) as info:
        writers.write_table(TABLE, "xlsx", None)
    assert info.value.field == "output"
    with pytest.raises(InputError) as info:
        writers.write_table(TABLE, "pdf", None)
    assert info.value.field == "format"


def test_a_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.csv"
    target.write_text("the old plan\n", "utf-8")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ResourceError) as info:
        writers.write_file(target, "new text")
    assert info.value.field == "output"
    assert "No space left on device" in str(info.value)
    assert target.read_text("utf-8") == "the old plan\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]


def test_an_interrupted_write_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        writers.write_file(tmp_path / "x.csv", "text")
    assert list(tmp_path.iterdir()) == []


def test_a_written_file_has_the_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        path = writers.write_file(tmp_path / "a.csv", b"x\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_folder_is_not_a_file_to_write(tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "inside").write_text("x", "utf-8")
    with pytest.raises(InputError, match="it is a folder"):
        writers.write_file(folder, "text")
    assert (folder / "inside").exists()
    assert [p.name for p in folder.iterdir()] == ["inside"]
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_text_goes_to_stdout_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    writers.write_text("hello\n", None)
    assert capsys.readouterr().out == "hello\n"
    buffer = io.StringIO()
    writers.render(writers.pairs_table({"a": 1.0}, title="t"), width=40, file=buffer)
    assert "a" in buffer.getvalue()


def test_an_unwritable_place_is_a_resource_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", "utf-8")
    with pytest.raises(ResourceError, match="is a file, not a folder"):
        writers.write_file(blocker / "out.csv", "text")
    with pytest.raises(ResourceError, match="No space left"):
        writers.write_file("/dev/full", "text")  # a device is written to, never replaced
    assert Path("/dev/full").is_char_device()
