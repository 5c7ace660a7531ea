"""The package's rooms keep their doors: user-interface libraries only in ``cli/``, the web
framework only in ``web/`` (decision 0006), the
database only behind ``store/``, ``engines/`` and ``sources/`` (decision 0004). Checked on
the import statements of every module (top-level and inside functions), so a lazy import
cannot slip past."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "contactcenter"

ALLOWED: dict[str, tuple[str, ...]] = {
    "typer": ("cli",),
    "click": ("cli",),
    "rich": ("cli",),
    "duckdb": ("store", "engines", "sources"),
    "pyspark": ("engines",),
    "fastapi": ("web",),
    "starlette": ("web",),
    "uvicorn": ("web",),
    "pydantic": ("web",),
}
"""Third-party module -> the sub-packages that may import it."""


def imports(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports (absolute names), with the line."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
    return found


def violations(root: Path) -> list[str]:
    """``file:line imports X`` for each import of a guarded module outside its rooms."""
    out: list[str] = []
    for path in sorted(root.rglob("*.py")):
        room = path.relative_to(root).parts[0]
        for name, line in imports(path):
            top = name.split(".")[0]
            if top in ALLOWED and room not in ALLOWED[top]:
                out.append(f"{path.relative_to(root)}:{line} imports {name}")
    return out


def test_guarded_libraries_stay_in_their_rooms() -> None:
    assert violations(PACKAGE) == []


def test_the_check_sees_lazy_and_from_imports(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "cli").mkdir()
    (tmp_path / "reports" / "x.py").write_text(
        "def f():\n    from rich.table import Table\n    import duckdb\n", "utf-8"
    )
    (tmp_path / "cli" / "y.py").write_text("import typer\nimport rich\n", "utf-8")
    assert violations(tmp_path) == [
        "reports/x.py:2 imports rich.table",
        "reports/x.py:3 imports duckdb",
    ]


@pytest.mark.parametrize("room", sorted({r for rooms in ALLOWED.values() for r in rooms}))
def test_every_allowed_room_exists(room: str) -> None:
    assert (PACKAGE / room).is_dir()
