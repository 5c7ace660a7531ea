"""Small hand-made histories for the forecast tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from contactcenter.forecasting import History, history_from_frame

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def frame_from_matrix(
    matrix: Sequence[Sequence[float | None]] | np.ndarray,
    *,
    first_day: str = "2024-01-01",
    interval_s: int = 3600,
    start_slot: int = 0,
    queue: str | None = None,
    aht: np.ndarray | None = None,
) -> pd.DataFrame:
    """Rows for a days x slots matrix; a day whose row is None (or all NaN) is left out.

    Slot j of day d starts at first_day + d days + (start_slot + j) * interval_s.
    """
    rows = []
    base = pd.Timestamp(first_day)
    for d, day in enumerate(matrix):
        if day is None:
            continue
        values = np.asarray(day, dtype=float)
        if np.isnan(values).all():
            continue
        for j, v in enumerate(values):
            row: dict[str, object] = {
                "interval_start": base
                + pd.Timedelta(days=d)
                + pd.Timedelta(seconds=(start_slot + j) * interval_s),
                "calls": float(v),
            }
            if queue is not None:
                row["queue"] = queue
            if aht is not None:
                row["aht_s"] = float(aht[d][j])
            rows.append(row)
    return pd.DataFrame(rows)


def history(matrix: Sequence[Sequence[float | None]] | np.ndarray, **kwargs: object) -> History:
    """A validated History from a days x slots matrix (see :func:`frame_from_matrix`)."""
    bin_s = kwargs.pop("bin_s", None)
    frame = frame_from_matrix(matrix, **kwargs)  # type: ignore[arg-type]
    return history_from_frame(frame, bin_s=bin_s)  # type: ignore[arg-type]
