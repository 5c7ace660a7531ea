"""Interval history: reading, validation and re-binning onto a day x slot grid.

A history file (CSV or Parquet) has one row per interval and queue:

    interval_start  local wall-clock start of the bin (``2003-03-03 07:00:00``); a file
                    whose ``interval_start`` holds only a time of day (``07:00``) may give the
                    day in a ``date`` column (the Technion/Rfssa layout)
    calls           offered calls in the bin (>= 0; fractions are allowed)
    queue           optional; one series per queue (``all`` when absent)
    aht_s           optional average handle time in seconds of the bin's calls

Bins of 5, 6, 15, 30 or 60 minutes (any length that divides a day) are accepted; the bin
length is the greatest common divisor of the start times' offsets. Rows with no calls may be
left out: a day that has at least one row is taken as fully observed (absent bins are 0),
a day with no row at all is *missing* (a holiday or a gap) and is never used as a zero.

Re-binning to a coarser interval sums the calls of the bins inside each target interval.
When the target is not a multiple of the bin (6-minute bins into 15-minute intervals), a
bin that straddles two intervals is split between them in proportion to the overlap, which
assumes arrivals are uniform within a bin. AHT is re-binned as the call-weighted mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from contactcenter.errors import FormatError, InputError
from contactcenter.limits import FIRST_HISTORY_DAY, LAST_HISTORY_DAY, MAX_HISTORY_CELLS
from contactcenter.units import DAY_S, check_interval

FloatArray = npt.NDArray[np.float64]

CANONICAL = ("interval_start", "calls", "queue", "aht_s")
DEFAULT_QUEUE = "all"


@dataclass(frozen=True)
class History:
    """A validated interval history.

    frame: columns interval_start (naive datetime64), queue (str), calls (float64) and
    aht_s (float64, NaN where unknown), sorted by queue and interval_start.
    bin_s: the bin length of the rows in seconds. has_aht: the source had an aht_s column
    with at least one value. source: the file name (or a label) used in messages.
    """

    frame: pd.DataFrame
    bin_s: int
    has_aht: bool
    source: str

    @property
    def queues(self) -> list[str]:
        """The queue names in first-seen order."""
        return list(dict.fromkeys(self.frame["queue"].tolist()))

    @property
    def last_day(self) -> pd.Timestamp:
        """The last calendar day of the history (over all queues)."""
        return pd.Timestamp(self.frame["interval_start"].max()).normalize()


@dataclass(frozen=True)
class SeriesGrid:
    """One queue's history on a day x slot grid.

    calls[d, s] is the call count of slot s (``interval_s`` seconds from midnight times s)
    on day ``first_day + d``; a row of NaN marks a missing day. aht[d, s] is the mean
    handle time there (NaN where unknown), or None when the history has no AHT.
    """

    queue: str
    first_day: pd.Timestamp
    interval_s: int
    calls: FloatArray
    aht: FloatArray | None

    @property
    def n_days(self) -> int:
        """Number of days on the grid."""
        return int(self.calls.shape[0])

    @property
    def slots(self) -> int:
        """Intervals per day."""
        return int(self.calls.shape[1])


def _line_label(path: str, is_csv: bool, index: int) -> str:
    """Where row ``index`` (0-based data row) sits: a CSV line number or a Parquet row."""
    return f"{path}:{index + 2}" if is_csv else f"{path} row {index + 1}"


def _resolve_columns(
    frame: pd.DataFrame, columns: Mapping[str, str] | None, source: str
) -> dict[str, str]:
    """Map canonical names to the frame's columns (explicit mapping, else case-insensitive)."""
    mapping = dict(columns or {})
    unknown = [k for k in mapping if k not in CANONICAL]
    if unknown:
        raise InputError(
            f"{{field}} names unknown fields {unknown}; allowed: {list(CANONICAL)} "
            "(map a field to a column of the file: interval_start=YOUR_COLUMN)",
            field="columns",
        )
    lower = {str(c).lower(): str(c) for c in frame.columns}
    resolved: dict[str, str] = {}
    for name in CANONICAL:
        if name in mapping:
            if mapping[name] not in frame.columns:
                raise FormatError(
                    source,
                    None,
                    f"column {mapping[name]!r} (mapped to {name}) is not in the file; "
                    f"columns are {[str(c) for c in frame.columns]}",
                    field="columns",
                )
            resolved[name] = mapping[name]
        elif name in lower:
            resolved[name] = lower[name]
    for required in ("interval_start", "calls"):
        if required not in resolved:
            raise FormatError(
                source,
                None,
                f"missing column {required!r}; columns are {[str(c) for c in frame.columns]}; "
                f"rename a column or map one to it ({required}=YOUR_COLUMN)",
                field="columns",
            )
    return resolved


def _parse_times(frame: pd.DataFrame, time_col: str, source: str, is_csv: bool) -> pd.Series:
    """Parse interval_start, combining a time-of-day column with a ``date`` column."""
    raw = frame[time_col]
    text = raw.astype("string").str.strip()
    lower = {str(c).lower(): str(c) for c in frame.columns}
    time_only = text.str.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?").fillna(False)
    if bool(time_only.all()) and "date" in lower and lower["date"] != time_col:
        text = frame[lower["date"]].astype("string").str.strip() + " " + text
    try:
        if pd.api.types.is_datetime64_any_dtype(raw):
            parsed = pd.to_datetime(raw)
        else:
            parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            # Keep the wall clock as written: the open calendar is a local-time notion.
            parsed = parsed.dt.tz_localize(None)
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        # a far date in a far time zone overflows the column at once: find its row
        parsed, outside = _parse_each(
            text if not pd.api.types.is_datetime64_any_dtype(raw) else raw
        )
        if outside is not None:
            _out_of_range(raw, outside, source, is_csv)
    bad = parsed.isna()
    if bool(bad.any()):
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise FormatError(
            source,
            (i + 2) if is_csv else None,
            f"{'' if is_csv else f'row {i + 1}: '}interval_start {raw.iloc[i]!r} is not a "
            "date and time; write it like 2024-03-04 08:30:00",
        )
    early = pd.Timestamp(FIRST_HISTORY_DAY)
    late = pd.Timestamp(LAST_HISTORY_DAY) + pd.Timedelta(days=1)
    outside_mask = ((parsed < early) | (parsed >= late)).to_numpy()
    if outside_mask.any():
        _out_of_range(raw, int(np.flatnonzero(outside_mask)[0]), source, is_csv)
    return parsed.astype("datetime64[ns]")


def _parse_each(values: pd.Series) -> tuple[pd.Series, int | None]:
    """Parse one value at a time (after the whole column failed); the first row whose
    date lies beyond what a date-time can hold, or None."""
    out: list[pd.Timestamp | None] = []
    for i, value in enumerate(values.tolist()):
        try:
            stamp = pd.Timestamp(value)
            if stamp.tzinfo is not None:
                stamp = stamp.tz_localize(None)
        except (OverflowError, pd.errors.OutOfBoundsDatetime):
            return pd.Series([], dtype="datetime64[us]"), i
        except (TypeError, ValueError):
            stamp = None
        out.append(stamp)
    return pd.to_datetime(pd.Series(out, dtype=object), errors="coerce"), None


def _out_of_range(raw: pd.Series, i: int, source: str, is_csv: bool) -> None:
    raise FormatError(
        source,
        (i + 2) if is_csv else None,
        f"{'' if is_csv else f'row {i + 1}: '}interval_start {str(raw.iloc[i])!r} is outside "
        f"the years {FIRST_HISTORY_DAY.year} to {LAST_HISTORY_DAY.year}",
    )


def _numeric(
    frame: pd.DataFrame, col: str, name: str, source: str, is_csv: bool, required: bool
) -> FloatArray:
    """A numeric column as float64; rejects text, negatives and (if required) blanks."""
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
    raw = frame[col]
    not_number = np.isnan(values) & raw.notna().to_numpy()
    if required:
        not_number |= np.isnan(values)
    if not_number.any():
        i = int(np.flatnonzero(not_number)[0])
        raise FormatError(
            source,
            (i + 2) if is_csv else None,
            f"{'' if is_csv else f'row {i + 1}: '}{name} {raw.iloc[i]!r} is not a number; "
            f"{name} must be a number >= 0",
        )
    finite = values[~np.isnan(values)]
    if np.isinf(finite).any() or (finite < 0).any():
        i = int(np.flatnonzero(~np.isnan(values) & ((values < 0) | np.isinf(values)))[0])
        raise InputError(
            f"{_line_label(source, is_csv, i)}: {name} = {raw.iloc[i]!r} is not allowed; "
            f"{name} must be a finite number >= 0 (fix or remove the row)"
        )
    return values


def _detect_bin(starts: pd.Series, groups: pd.Series) -> int:
    """Bin length: gcd of the offsets from midnight and of the steps within each queue."""
    ns = starts.to_numpy(dtype="datetime64[s]").astype(np.int64)
    offsets = ns % DAY_S
    g = 0
    for value in np.unique(offsets):
        g = math.gcd(g, int(value))
    frame = pd.DataFrame({"t": ns, "q": groups.to_numpy()})
    steps = frame.groupby("q", sort=False)["t"].diff().dropna().to_numpy(dtype=np.int64)
    for value in np.unique(steps):
        g = math.gcd(g, int(value))
    if g == 0:
        g = DAY_S
    while DAY_S % g:
        g = math.gcd(g, DAY_S)
    return g


def history_from_frame(
    frame: pd.DataFrame,
    *,
    source: str = "<history>",
    columns: Mapping[str, str] | None = None,
    queue: str | None = None,
    bin_s: int | None = None,
    _is_csv: bool = False,
) -> History:
    """Validate a history given as a DataFrame (see the module docstring for columns).

    ``columns`` maps canonical names to the frame's columns (``{"interval_start":
    "DateTime"}``); ``queue`` names the series when the frame has no queue column;
    ``bin_s`` overrides the detected bin length. Raises
    :class:`~contactcenter.errors.InputError` / :class:`~contactcenter.errors.FormatError`
    naming the row for unreadable times, negative or non-numeric counts, rows out of time
    order and duplicated intervals.
    """
    if frame.empty:
        raise FormatError(source, None, "the history has no rows")
    cols = _resolve_columns(frame, columns, source)
    starts = _parse_times(frame, cols["interval_start"], source, _is_csv)
    calls = _numeric(frame, cols["calls"], "calls", source, _is_csv, required=True)
    if "aht_s" in cols:
        aht = _numeric(frame, cols["aht_s"], "aht_s", source, _is_csv, required=False)
    else:
        aht = np.full(len(frame), np.nan)
    if "queue" in cols:
        queues = frame[cols["queue"]].astype("string").fillna(queue or DEFAULT_QUEUE)
    else:
        queues = pd.Series([queue or DEFAULT_QUEUE] * len(frame), dtype="string")
    out = pd.DataFrame(
        {
            "interval_start": starts.to_numpy(),
            "queue": queues.to_numpy(dtype=object),
            "calls": calls,
            "aht_s": aht,
        }
    )
    # Order and uniqueness within each queue, in file order.
    t = out["interval_start"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    q = out["queue"].to_numpy()
    last_row: dict[str, int] = {}
    for i in range(len(out)):
        key = q[i]
        prev = last_row.get(key)
        if prev is not None:
            if t[i] == t[prev]:
                raise InputError(
                    f"{_line_label(source, _is_csv, i)}: interval_start "
                    f"{out['interval_start'].iloc[i]} of queue {key!r} repeats "
                    f"{_line_label(source, _is_csv, prev)}; each interval must appear once "
                    "per queue (sum or remove the duplicate rows)"
                )
            if t[i] < t[prev]:
                raise InputError(
                    f"{_line_label(source, _is_csv, i)}: interval_start "
                    f"{out['interval_start'].iloc[i]} of queue {key!r} comes before "
                    f"{out['interval_start'].iloc[prev]} on "
                    f"{_line_label(source, _is_csv, prev)}; sort the file by queue and "
                    "interval_start"
                )
        last_row[key] = i
    detected = _detect_bin(out["interval_start"], out["queue"])
    if bin_s is not None:
        check_interval(bin_s, field="bin_s")
        if detected % bin_s:
            raise InputError(
                f"{source}: rows start {detected} s apart, which is not a multiple of the "
                f"declared bin of {bin_s} s; leave {{field}} out to detect it",
                field="bin_s",
            )
        detected = bin_s
    has_aht = bool(np.isfinite(aht).any())
    out = out.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    return History(frame=out, bin_s=int(detected), has_aht=has_aht, source=source)


def read_history(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    queue: str | None = None,
    bin_s: int | None = None,
) -> History:
    """Read and validate a history file (``.csv``, ``.parquet``/``.pq``).

    See :func:`history_from_frame` for the options and the errors raised.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{{field}}: {p} is a folder, not a file", field="path")
    if not p.is_file():
        raise InputError(f"{{field}}: file {str(p)!r} does not exist", field="path")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(p)
            is_csv = False
        else:
            frame = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])
            is_csv = True
    except UnicodeDecodeError as exc:
        raise FormatError(
            str(p),
            None,
            f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save it as UTF-8 CSV, or give a Parquet file",
        ) from None
    except (ValueError, OSError) as exc:
        raise FormatError(str(p), None, f"cannot read the file as CSV or Parquet: {exc}") from None
    return history_from_frame(
        frame, source=str(p), columns=columns, queue=queue, bin_s=bin_s, _is_csv=is_csv
    )


def to_grid(history: History, interval_s: int) -> list[SeriesGrid]:
    """Re-bin every queue of ``history`` to ``interval_s`` and lay it out by day and slot.

    All queues share the history's last day, so a forecast starts on the same day for all.
    Raises InputError if ``interval_s`` is shorter than the history's bins or does not
    divide a day.
    """
    check_interval(interval_s, field="interval_s")
    if interval_s < history.bin_s:
        raise InputError(
            f"{{field}} {interval_s} s is shorter than the history's bins of "
            f"{history.bin_s} s; forecast at {history.bin_s} s or coarser",
            field="interval_s",
        )
    last_day = history.last_day
    grids: list[SeriesGrid] = []
    slots = DAY_S // interval_s
    for name in history.queues:
        part = history.frame[history.frame["queue"] == name]
        starts = part["interval_start"].to_numpy(dtype="datetime64[s]").astype(np.int64)
        first_day = pd.Timestamp(part["interval_start"].min()).normalize()
        base = int(first_day.value // 1_000_000_000)
        # in whole days (a Timedelta in nanoseconds overflows past 292 years)
        span = np.datetime64(last_day.date(), "D") - np.datetime64(first_day.date(), "D")
        n_days = int(span.astype(np.int64)) + 1
        if n_days * slots > MAX_HISTORY_CELLS:  # before allocating the grid
            raise InputError(
                f"{history.source}: queue {name!r} spans {n_days:,} days of {slots} "
                f"intervals ({n_days * slots:,} cells); at most {MAX_HISTORY_CELLS:,}: "
                "forecast a coarser {field} or give a shorter history",
                field="interval_s",
            )
        calls = np.zeros(n_days * slots)
        weighted = np.zeros(n_days * slots)
        aht_calls = np.zeros(n_days * slots)
        rel = starts - base
        c = part["calls"].to_numpy(dtype=np.float64)
        a = part["aht_s"].to_numpy(dtype=np.float64)
        first = rel // interval_s
        end = rel + history.bin_s
        last = (end - 1) // interval_s
        frac_first = np.where(first == last, 1.0, ((first + 1) * interval_s - rel) / history.bin_s)
        for idx, share in ((first, frac_first), (last, 1.0 - frac_first)):
            keep = (share > 0) & (idx < n_days * slots)
            np.add.at(calls, idx[keep], c[keep] * share[keep])
            known = keep & np.isfinite(a)
            np.add.at(weighted, idx[known], (c * a)[known] * share[known])
            np.add.at(aht_calls, idx[known], c[known] * share[known])
        grid = calls.reshape(n_days, slots)
        present = np.zeros(n_days, dtype=bool)
        present[np.unique(rel // DAY_S)] = True
        grid[~present] = np.nan
        aht_grid: FloatArray | None = None
        if history.has_aht:
            with np.errstate(invalid="ignore", divide="ignore"):
                aht_grid = np.where(aht_calls > 0, weighted / aht_calls, np.nan).reshape(
                    n_days, slots
                )
        grids.append(
            SeriesGrid(
                queue=str(name),
                first_day=first_day,
                interval_s=interval_s,
                calls=grid,
                aht=aht_grid,
            )
        )
    return grids
