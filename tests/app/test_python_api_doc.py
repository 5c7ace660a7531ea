"""The worked example of docs/python-api.md prints what the page says it prints."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "python-api.md"
SECTION = "## A worked example"
NOTEBOOK = "### An analyst's notebook"
BLOCK = re.compile(r"```python\n(.*?)```\n\n```text\n(.*?)```", re.S)


def example_blocks(text: str, section: str = SECTION) -> list[tuple[str, str]]:
    """(code, printed output) pairs of a worked example section."""
    start = text.index(section)
    following = re.compile(r"\n#{2,3} ").search(text, start + len(section))
    return BLOCK.findall(text[start : following.start() if following else None])


def run_blocks(blocks: list[tuple[str, str]]) -> list[str]:
    """Run the blocks in one namespace, as a notebook does; what each one prints."""
    namespace: dict[str, object] = {"__name__": "__example__"}
    printed = []
    for code, _ in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), namespace)
        printed.append(out.getvalue())
    return printed


def test_the_worked_example_prints_what_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data" / "sample").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "sample" / "shifts.yaml", tmp_path / "data" / "sample")
    monkeypatch.chdir(tmp_path)  # the example writes plan.csv where it runs
    blocks = example_blocks(DOC.read_text("utf-8"))
    assert len(blocks) == 5
    for (code, expected), printed in zip(blocks, run_blocks(blocks), strict=True):
        assert printed == expected, code


def test_the_analyst_notebook_prints_what_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data" / "sample").mkdir(parents=True)
    shutil.copy(
        ROOT / "data" / "sample" / "technion_1999-01-sample.txt", tmp_path / "data" / "sample"
    )
    monkeypatch.chdir(tmp_path)  # the example creates bank.duckdb where it runs
    blocks = example_blocks(DOC.read_text("utf-8"), NOTEBOOK)
    assert len(blocks) == 5
    for (code, expected), printed in zip(blocks, run_blocks(blocks), strict=True):
        assert printed == expected, code
