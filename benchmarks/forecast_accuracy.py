"""Forecast accuracy on real data: the issue's benchmark, reproducible with one command.

    .venv/bin/python benchmarks/forecast_accuracy.py [--folds 6] [--markdown]

* US bank, 5-minute counts 2003, forecast at 30 minutes: the last 4 weeks held out (fold 0)
  and, for robustness, rolling origins 7 days apart (folds 0..K-1).
* Technion "Anonymous Bank" 1999, 6-minute counts, the same at 30 minutes, with the
  Israeli holidays of the ``holidays`` package.

For every fold each method is fitted on the history before the fold only, its 80 %
interval calibrated on inner folds before it, and ``auto`` chooses on those inner folds.
``mstl`` (statsforecast) is added when that optional package is importable.

Reads ../shared/data beside the checkout; exits with a message if it is absent.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import pandas as pd

from contactcenter.forecasting import CORE_METHODS, backtest, load_holidays, read_history

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
BANK = SHARED / "us-bank-5min-calls-2003" / "bank_calls.csv"
TECHNION = SHARED / "technion-anonymous-bank-1999" / "rfssa_callcenter_6min_counts.csv"


def run(name: str, path: Path, folds: int, **kwargs: object) -> pd.DataFrame:
    columns = {"interval_start": "DateTime"} if "bank" in path.name else None
    hist = read_history(path, columns=columns)
    methods = [*CORE_METHODS, "auto"]
    if importlib.util.find_spec("statsforecast") is not None:
        methods.insert(-1, "mstl")
    started = time.perf_counter()
    result = backtest(
        hist, interval_s=1800, horizon_days=28, folds=folds, methods=methods, **kwargs
    )  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    rows = []
    for scope, frame in (("last 4 weeks", result.by_fold[result.by_fold["fold"] == 0]),):
        rows.extend(_rows(name, scope, frame))
    pooled = result.scores.assign(fold=None)
    rows.extend(_rows(name, f"{folds} folds pooled", pooled))
    out = pd.DataFrame(rows)
    chosen = result.by_fold[result.by_fold["method"] == "auto"][["origin", "chosen"]]
    print(
        f"{name}: {seconds:.1f} s; auto chose "
        + ", ".join(f"{o}: {c}" for o, c in chosen.itertuples(index=False)),
        file=sys.stderr,
    )
    return out


def _rows(name: str, scope: str, frame: pd.DataFrame) -> list[dict[str, object]]:
    base = frame[frame["method"].isin(["seasonal_naive", "seasonal_mean"])]["wape"].min()
    return [
        {
            "data": name,
            "scope": scope,
            "method": r.method,
            "wape_%": round(100 * r.wape, 2),
            "vs_better_baseline_%": round(100 * (r.wape / base - 1), 1),
            "mape_%": round(100 * r.mape, 1),
            "bias_%": round(100 * r.bias, 2),
            "coverage_80_%": round(100 * r.coverage, 1),
        }
        for r in frame.itertuples(index=False)
    ]


def markdown(table: pd.DataFrame) -> str:
    """A GitHub markdown table (no extra dependency)."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=6)
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args()
    if not BANK.is_file() or not TECHNION.is_file():
        sys.exit(f"the real data is not at {SHARED}; this benchmark needs ../shared/data")
    tables = [
        run("bank 2003", BANK, args.folds),
        run(
            "technion 1999",
            TECHNION,
            args.folds,
            holidays=load_holidays("IL", [1999]),
        ),
    ]
    table = pd.concat(tables, ignore_index=True)
    if args.markdown:
        print(markdown(table))
    else:
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
