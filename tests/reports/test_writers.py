"""The output writers: both CSV dialects, JSON, xlsx, people tables, whole-or-nothing files."""

from __future__ import annotations

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


def test_text_tables_align_columns_and_show_nulls_as_dashes() -> None:
    table = pa.table({"queue": ["sales", "b"], "calls": [100.0, None], "agents": [14, 3]})
    assert writers.text_table(table, title="plan") == (
        "plan\n"
        "queue  calls  agents\n"
        "-----  -----  ------\n"
        "sales    100      14\n"
        "b          -       3\n"
    )
    assert writers.text_pairs({"agents": 14, "asa_s": None, "sl": 0.8123456789}, title="t") == (
        "t\nmetric     value\n------  --------\n"
        "agents        14\nasa_s          -\nsl      0.812346\n"
    )
    assert writers.text_table(table.slice(0, 0), title="plan") == "plan\n(no rows)\n"


def test_text_tables_escape_control_characters() -> None:
    table = pa.table({"queue": ["\x1b[2Jsales"], "calls": [1]})
    text = writers.text_table(table)
    assert "\x1b" not in text
    assert "\\x1b[2Jsales" in text


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


def test_a_folder_is_not_replaced_by_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "inside").write_text("x", "utf-8")
    with pytest.raises(InputError):  # a bad path (exit status 2), not a failing disk
        writers.write_file(folder, "text")
    assert (folder / "inside").exists()
    assert [p.name for p in folder.iterdir()] == ["inside"]
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_text_goes_to_stdout_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    writers.write_text("hello\n", None)
    assert capsys.readouterr().out == "hello\n"


# --------------------------------------------------------------------------- hostile targets
def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device like /dev/full (minor 7) or /dev/null (minor 3), made under
    tmp_path when allowed (as root), so that a test never risks the real one."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (PermissionError, OSError):
        real = Path(f"/dev/{name}")
        if os.geteuid() == 0 or not real.is_char_device():
            pytest.skip("cannot make a device node here")
        return real  # not root: nothing can replace the real device
    return path


def test_a_full_device_is_an_environment_error_and_stays_a_device(tmp_path: Path) -> None:
    full = _device(tmp_path, "full", 7)
    with pytest.raises(ResourceError) as info:
        writers.write_file(full, "plan\n")
    assert info.value.field == "output"
    assert "No space left on device" in str(info.value)
    assert full.is_char_device()  # written into, never replaced by a regular file
    assert not any(p.name.endswith(".tmp") for p in full.parent.iterdir() if p != full)


def test_writing_to_a_null_device_writes_through_it(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", 3)
    assert writers.write_file(null, b"bytes") == null
    assert null.is_char_device()


def test_a_folder_or_a_file_as_folder_is_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(InputError) as info:
        writers.write_file(folder, "text", field="coverage")
    assert not isinstance(info.value, ResourceError)
    assert info.value.field == "coverage"
    assert str(info.value) == f"coverage: {folder} is a folder; give a file name"
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x", "utf-8")
    with pytest.raises(InputError) as info:
        writers.write_file(blocker / "plan.csv", "text")
    assert str(info.value) == (
        f"output: cannot write {blocker / 'plan.csv'}: {blocker} is a file, not a folder"
    )
    assert blocker.read_text("utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "notes.txt"]


def test_check_target_refuses_before_any_work(tmp_path: Path) -> None:
    writers.check_target(tmp_path / "new" / "plan.csv", "output")  # a new folder is fine
    assert not (tmp_path / "new").exists()  # ... and is not made by the check
    with pytest.raises(InputError) as info:
        writers.check_target(tmp_path, "html")
    assert info.value.field == "html"


def test_several_files_are_written_all_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "roster.csv", tmp_path / "coverage.csv"
    first.write_text("old roster\n", "utf-8")
    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync_fails_second(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_fails_second)
    with pytest.raises(ResourceError) as info:
        writers.write_files([(first, "new roster\n", "output"), (second, "cov\n", "coverage")])
    assert info.value.field == "coverage"
    assert first.read_text("utf-8") == "old roster\n"  # the first was not replaced either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def test_one_file_named_twice_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with pytest.raises(InputError) as info:
        writers.write_files([(target, "a", "output"), (tmp_path / "." / "x.csv", "b", "coverage")])
    assert info.value.field == "coverage"
    assert "same file as --output" in str(info.value) or "same file as output" in str(info.value)
    assert not target.exists()


# --------------------------------------------------------------------------- CSV injection
@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # already quoted by hand: one more, so that reading gives it back
        ("sales", "sales"),
        ("'quoted", "'quoted"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_cell_follows_the_owasp_rule_and_reverses(text: str, safe: str) -> None:
    assert writers.neutralise_cell(text) == safe
    assert writers.restore_cell(safe) == text


def test_csv_text_neutralises_text_cells_but_not_numbers() -> None:
    table = pa.table(
        {
            "queue": ["=1+1", "-x", "sales", None],
            "bias": [-0.5, 1.0, -1e-05, None],
            "n": pa.array([-3, 1, 2, None], pa.int64()),
        }
    )
    python = writers.csv_text(table, dialect="python").splitlines()
    assert python[1:] == ["'=1+1,-0.5,-3", "'-x,1.0,1", "sales,-1e-05,2", ",,"]
    arrow = writers.csv_text(table, dialect="arrow").splitlines()
    assert arrow[1:3] == ["'=1+1,-0.5,-3", "'-x,1,1"]
    plain_rows = writers.csv_text(table.slice(2, 1), dialect="arrow").splitlines()
    assert plain_rows[1] == "sales,-0.00001,2"


def test_xlsx_keeps_dangerous_text_as_text(tmp_path: Path) -> None:
    table = pa.table({"queue": ["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-2"], "n": [1, 2, 3, 4]})
    path = writers.write_file(tmp_path / "x.xlsx", writers.xlsx_bytes({"plan": table}))
    sheet = openpyxl.load_workbook(path)["plan"]
    for row in range(2, 6):
        assert sheet.cell(row, 1).data_type == "s"  # a string, never a formula
    assert sheet["A2"].value == "=cmd|' /C calc'!A0"
