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
BLOCK = re.compile(r"```python\n(.*?)```\n\n```text\n(.*?)```", re.S)


def example_blocks(text: str) -> list[tuple[str, str]]:
    """(code, printed output) pairs of the worked example section."""
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return BLOCK.findall(text[start : end if end > 0 else None])


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
