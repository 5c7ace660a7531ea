"""The separate environment the staffing benchmarks compare against.

pyworkforce 0.5.1 (the last release that installs on Python 3.11) and mpmath are never
project dependencies: they live in their own virtualenv, by default
``~/.cache/contactcenter-bench/venv-pyworkforce`` (outside the work tree; override with
``CONTACTCENTER_BENCH_VENV``). :func:`reexec_in_bench_env` creates it on first use
(``python3.11 -m venv`` + ``pip install pyworkforce==0.5.1 mpmath scipy==<ours>``) and
re-runs the calling script there, with the project's ``src`` on ``sys.path`` so that
both libraries are measured in one process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
DEFAULT_VENV = Path.home() / ".cache" / "contactcenter-bench" / "venv-pyworkforce"
PINNED = ["pyworkforce==0.5.1", "mpmath>=1.3", "scipy==1.17.1", "numpy>=2.0"]


def bench_venv() -> Path:
    """Where the benchmark virtualenv lives."""
    return Path(os.environ.get("CONTACTCENTER_BENCH_VENV", str(DEFAULT_VENV)))


def ensure_bench_venv() -> Path:
    """Create the benchmark virtualenv if needed; return its python."""
    venv = bench_venv()
    python = venv / "bin" / "python"
    if not python.exists():
        base = shutil.which("python3.11") or sys.executable
        print(f"creating {venv} with {' '.join(PINNED)}", file=sys.stderr)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PINNED], check=True)
    return python


def reexec_in_bench_env(module: str) -> None:
    """Re-run the current script in the benchmark venv unless ``module`` imports here."""
    sys.path.insert(0, str(SRC))
    try:
        __import__(module)
    except ImportError:
        python = ensure_bench_venv()
        os.execv(str(python), [str(python), sys.argv[0], *sys.argv[1:]])
