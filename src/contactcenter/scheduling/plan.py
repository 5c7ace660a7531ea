"""The staffing plan as a requirement on the scheduling grid.

A plan file (CSV or Parquet, as written by ``contactcenter plan``; read by
:func:`contactcenter.staffing.plan_file.read_plan`) has one row per interval and queue with
at least ``interval_start`` and the column to cover: ``agents`` (default) or
``gross_agents`` (agents divided by ``1 - shrinkage``). Other columns are ignored.

* Queues are pooled: the requirement of an interval is the sum over the plan's queues
  (one roster serves them all); pass ``queue`` to schedule a single queue.
* A fractional requirement is rounded up, after removing floating-point noise
  (``ceil(x - 1e-6)``, so 53.00000000000001 agents needs 53, not 54).
* The plan's interval (the greatest common divisor of its start times within a day; the
  shift grid when the plan has one row a day) and the shift grid may differ: a coarser
  plan interval applies its requirement to each grid slot inside it; a finer one gives
  each grid slot the largest requirement among the plan intervals inside it.
* Every day from the plan's first to its last is scheduled; intervals the plan leaves out
  require 0 agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from contactcenter.errors import FormatError, InputError
from contactcenter.limits import (
    FIRST_HISTORY_DAY,
    LAST_PLAN_DAY,
    MAX_AGENTS,
    MAX_SCHEDULE_DAYS,
)
from contactcenter.staffing.plan_file import PlanFile
from contactcenter.staffing.plan_file import read_plan as read_plan_file
from contactcenter.units import DAY_S

IntArray = npt.NDArray[np.int64]
REQUIREMENT_COLUMNS = ("agents", "gross_agents")


@dataclass(frozen=True)
class Requirement:
    """Agents required per grid slot: ``required[i]`` for the slot starting at
    ``first_day + i * interval_s`` seconds; ``days`` whole days long."""

    first_day: pd.Timestamp
    interval_s: int
    required: IntArray
    source: str = "<plan>"

    @property
    def slots_per_day(self) -> int:
        """Grid slots in a day."""
        return DAY_S // self.interval_s

    @property
    def days(self) -> int:
        """Number of days covered."""
        return int(self.required.size // self.slots_per_day)

    def timestamps(self) -> pd.DatetimeIndex:
        """Start of every grid slot."""
        return pd.DatetimeIndex(
            self.first_day
            + pd.to_timedelta(np.arange(self.required.size) * self.interval_s, unit="s")
        )


def _where(source: str, is_csv: bool, i: int) -> str:
    return f"{source}:{i + 2}" if is_csv else f"{source} row {i + 1}"


def _wall_clock(raw: pd.Series) -> pd.Series:
    """The times as naive wall-clock times (an offset is dropped, keeping the clock as
    written); NaT where a cell is not a time. A column mixing offsets (or offsets and
    naive times), which pandas refuses as a whole, is read one value at a time."""
    try:
        starts = pd.to_datetime(raw, errors="coerce", format="mixed")
        if isinstance(starts.dtype, pd.DatetimeTZDtype):
            starts = starts.dt.tz_localize(None)
        return starts
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        values: list[pd.Timestamp | None] = []
        for value in raw.tolist():
            try:
                stamp = pd.Timestamp(value)
                values.append(stamp.tz_localize(None) if stamp.tzinfo is not None else stamp)
            except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
                values.append(None)
        return pd.to_datetime(pd.Series(values, index=raw.index, dtype=object), errors="coerce")


def _names(column: pd.Series) -> pd.Series:
    """Queue names as text, an empty cell as "" (pandas 3 keeps NaN through astype(str))."""
    return column.map(lambda v: "" if pd.isna(v) else str(v)).astype(object)


def requirement_from_frame(
    frame: pd.DataFrame,
    *,
    interval_s: int,
    use: str = "agents",
    queue: str | None = None,
    source: str = "<plan>",
    _is_csv: bool = False,
) -> Requirement:
    """Turn a plan table into a :class:`Requirement` on a grid of ``interval_s`` seconds."""
    if use not in REQUIREMENT_COLUMNS:
        raise InputError(
            f"{{field}} must be one of {', '.join(REQUIREMENT_COLUMNS)}, got {use!r}", field="use"
        )
    cols = {str(c).lower(): str(c) for c in frame.columns}
    if "interval_start" not in cols:
        raise FormatError(
            source, None, f"missing column 'interval_start'; columns are {list(frame.columns)}"
        )
    if use not in cols:
        other = [c for c in REQUIREMENT_COLUMNS if c in cols]
        hint = f" (it has {other[0]}: cover that one instead)" if other else ""
        raise FormatError(
            source, None, f"missing column {use!r}, the requirement to cover{hint}", field="use"
        )
    if frame.empty:
        raise FormatError(source, None, "the plan has no rows")
    if queue is not None:
        if "queue" not in cols:
            raise InputError(
                f"{{field}} {queue!r} is given but {source} has no queue column", field="queue"
            )
        names = _names(frame[cols["queue"]])
        mask = names == queue
        if not mask.any():
            known = sorted(names.unique())
            raise InputError(
                f"{{field}} {queue!r} is not in the plan {source}; it has {known}", field="queue"
            )
        frame = frame[mask]
    raw_t = frame[cols["interval_start"]]
    starts = _wall_clock(raw_t)
    bad = starts.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{_where(source, _is_csv, frame.index[i])}: interval_start {raw_t.iloc[i]!r} is "
            "not a date and time; write it like 2024-03-04 08:30:00"
        )
    raw_v = frame[cols[use]]
    values = pd.to_numeric(raw_v, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{_where(source, _is_csv, frame.index[i])}: {use} = {raw_v.iloc[i]!r}; it must be "
            "a number >= 0 (fix the plan row)"
        )
    bad = values > MAX_AGENTS
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{_where(source, _is_csv, frame.index[i])}: {use} = {raw_v.iloc[i]!r}; at most "
            f"{MAX_AGENTS:,} agents"
        )
    outside = (
        (starts < pd.Timestamp(FIRST_HISTORY_DAY))
        | (starts >= pd.Timestamp(LAST_PLAN_DAY) + pd.Timedelta(days=1))
    ).to_numpy()
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise InputError(
            f"{_where(source, _is_csv, frame.index[i])}: interval_start {raw_t.iloc[i]!r} is "
            f"outside {FIRST_HISTORY_DAY} to {LAST_PLAN_DAY}"
        )
    first = pd.Timestamp(starts.min()).normalize()
    last = pd.Timestamp(starts.max()).normalize()
    span = int((np.datetime64(last.date(), "D") - np.datetime64(first.date(), "D")).astype(int))
    if span + 1 > MAX_SCHEDULE_DAYS:  # before the requirement is laid out
        raise InputError(
            f"{source}: the plan spans {span + 1:,} days ({first.date()} to {last.date()}); "
            f"at most {MAX_SCHEDULE_DAYS} in one schedule"
        )
    t = starts.to_numpy(dtype="datetime64[s]").astype(np.int64)
    key = (
        pd.DataFrame({"t": t, "q": _names(frame[cols["queue"]]).to_numpy()})
        if ("queue" in cols)
        else pd.DataFrame({"t": t, "q": ""})
    )
    dup = key.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(
            f"{_where(source, _is_csv, frame.index[i])}: interval_start {raw_t.iloc[i]} appears "
            "twice for the same queue; keep one row per interval and queue"
        )
    pooled = pd.Series(values).groupby(t).sum()
    times = pooled.index.to_numpy(dtype=np.int64)
    steps = np.diff(times)
    same_day = (times[1:] // DAY_S) == (times[:-1] // DAY_S)
    if not same_day.any():
        plan_s = interval_s  # one row a day: nothing tells the plan's interval
    else:
        g = 0
        for v in np.unique(times % DAY_S):
            g = math.gcd(g, int(v))
        for v in np.unique(steps[same_day]):
            g = math.gcd(g, int(v))
        plan_s = g or DAY_S
        while DAY_S % plan_s:
            plan_s = math.gcd(plan_s, DAY_S)
    if plan_s % interval_s and interval_s % plan_s:
        raise InputError(
            f"{source}: the plan's interval of {plan_s} s and the shift grid of {interval_s} s "
            "do not nest; make one a multiple of the other"
        )
    first_day = pd.Timestamp(starts.min()).normalize()
    base = int(first_day.value // 1_000_000_000)
    n_days = int((pd.Timestamp(starts.max()).normalize() - first_day).days) + 1
    slots = DAY_S // interval_s
    need = np.ceil(pooled.to_numpy() - 1e-6).clip(min=0).astype(np.int64)
    required = np.zeros(n_days * slots, dtype=np.int64)
    rel = times - base
    if plan_s >= interval_s:
        per = plan_s // interval_s
        for k in range(per):
            np.maximum.at(required, rel // interval_s + k, need)
    else:
        np.maximum.at(required, rel // interval_s, need)
    return Requirement(first_day=first_day, interval_s=interval_s, required=required, source=source)


def requirement_from_plan(
    plan: PlanFile, *, interval_s: int, use: str = "agents", queue: str | None = None
) -> Requirement:
    """A plan as read by :func:`contactcenter.staffing.plan_file.read_plan` as a
    :class:`Requirement` on an ``interval_s`` grid (errors name the plan's lines)."""
    return requirement_from_frame(
        plan.frame(),
        interval_s=interval_s,
        use=use,
        queue=queue,
        source=plan.source,
        _is_csv=plan.is_csv,
    )


def read_plan(
    path: str | Path | Any, *, interval_s: int, use: str = "agents", queue: str | None = None
) -> Requirement:
    """Read a plan (a CSV or Parquet file, a pyarrow Table or a pandas DataFrame) as a
    :class:`Requirement` on an ``interval_s`` grid."""
    return requirement_from_plan(
        read_plan_file(path, field="path"), interval_s=interval_s, use=use, queue=queue
    )
