"""Mean patience from contact data, for Erlang A.

Estimator (exponential patience, censored observations): every offered contact shows
either its patience (it abandoned after waiting wait_s) or a lower bound of it (it was
answered, or removed by the system, after waiting wait_s). The maximum-likelihood
estimate of the mean of an exponential distribution from such data is

    mean patience = total wait of all contacts (abandoned ones included) / abandoned

(Gans, Koole & Mandelbaum 2003; Brown et al., "Statistical analysis of a
telephone call center", JASA 100 (2005)). The same ratio is Little's law on the
queue: abandonments per second = theta x mean number waiting.

Filtering (documented, applied in this order):
    * only contacts offered to a queue count: outcome answered, abandoned or timed_out
      (timed_out contacts are censored like answered ones); ivr_abandoned and
      in_progress rows, and rows without a wait_s, are left out;
    * with ``short_abandon_s`` = S > 0, abandoned contacts with wait_s < S (hang-ups that
      are not a judgement on the wait, "ghost calls") are left out altogether, their wait
      too; the default S = 0 keeps them, as the exponential model assumes;
    * a group with no abandoned contact has no finite estimate: its patience is None
      (use Erlang C for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.errors import InputError

_COUNTED = ("answered", "abandoned", "timed_out")


@dataclass(frozen=True)
class PatienceEstimate:
    """Mean patience of one group: key (group values), counts, total wait and estimate."""

    key: tuple[object, ...]
    contacts: int
    abandoned: int
    total_wait_s: float
    patience_s: float | None


def _filter(
    wait_s: npt.ArrayLike, outcome: npt.ArrayLike, short_abandon_s: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    if not short_abandon_s >= 0:
        raise InputError(
            f"{{field}} must be >= 0, got {short_abandon_s:g}", field="short_abandon_s"
        )
    wait = np.asarray(wait_s, dtype=np.float64)
    out = np.asarray(outcome, dtype=object)
    if wait.shape != out.shape or wait.ndim != 1:
        raise InputError("wait_s and outcome must be 1-D and of one length")
    abandoned = out == "abandoned"
    keep = np.isin(out, _COUNTED) & np.isfinite(wait)
    if short_abandon_s > 0:
        keep &= ~(abandoned & (wait < short_abandon_s))
    if (wait[keep] < 0).any():
        raise InputError("{field} must be >= 0", field="wait_s")
    return wait, abandoned, keep


def estimate_patience(
    *, wait_s: npt.ArrayLike, outcome: npt.ArrayLike, short_abandon_s: float = 0.0
) -> float | None:
    """Mean patience in seconds: sum of wait_s / number abandoned (None if none abandoned).

    >>> estimate_patience(wait_s=[10, 30, 20, 40], outcome=["answered", "abandoned",
    ...                   "answered", "abandoned"])
    50.0
    """
    wait, abandoned, keep = _filter(wait_s, outcome, short_abandon_s)
    n_ab = int(np.count_nonzero(abandoned & keep))
    if n_ab == 0:
        return None
    return float(np.sum(wait[keep]) / n_ab)


def estimate_patience_by(
    *,
    groups: Sequence[npt.ArrayLike],
    wait_s: npt.ArrayLike,
    outcome: npt.ArrayLike,
    short_abandon_s: float = 0.0,
) -> list[PatienceEstimate]:
    """:func:`estimate_patience` per group (e.g. ``groups=[queue, interval_start]``).

    Groups come back sorted by key; a group is listed when it has a counted contact.
    """
    wait, abandoned, keep = _filter(wait_s, outcome, short_abandon_s)
    columns = [np.asarray(g, dtype=object) for g in groups]
    for col in columns:
        if col.shape != wait.shape:
            raise InputError("every group column must have the length of wait_s")
    totals: dict[tuple[object, ...], list[float]] = {}
    idx = np.flatnonzero(keep)
    key_rows: list[tuple[object, ...]] = (
        list(zip(*(col[idx].tolist() for col in columns), strict=True))
        if columns
        else [()] * idx.size
    )
    for i, key in zip(idx.tolist(), key_rows, strict=True):
        acc = totals.setdefault(key, [0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += bool(abandoned[i])
        acc[2] += float(wait[i])
    result = []
    for key in sorted(totals, key=lambda k: tuple(str(v) for v in k)):
        n, n_ab, total = totals[key]
        result.append(
            PatienceEstimate(
                key=key,
                contacts=int(n),
                abandoned=int(n_ab),
                total_wait_s=total,
                patience_s=total / n_ab if n_ab else None,
            )
        )
    return result
