"""``impact``: each agent's share of the availability lost, from a store.

>>> table = contactcenter.impact("cc.duckdb", by="agent", period="month")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from contactcenter.app import _options as opt
from contactcenter.engines import open_engine
from contactcenter.errors import InputError
from contactcenter.metrics.keys import PERIOD_KEYS
from contactcenter.reports.impact import ImpactRequest, compute_impact
from contactcenter.reports.query import ReportResult
from contactcenter.standards import DEFAULT_THRESHOLD_S

__all__ = ["impact", "impact_request", "impact_result"]

PERIODS: tuple[str, ...] = (*PERIOD_KEYS, "all")
"""``period`` values: a period key, or ``all`` (the whole selection, one row per agent)."""


def _queues(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    return tuple(i.strip() for i in items if i.strip())


def impact_request(
    *,
    by: str = "agent",
    period: str | None = "month",
    interval: opt.Duration = "30m",
    threshold: opt.Duration | None = None,
    tolerance: opt.Duration = "60s",
    start: str | None = None,
    end: str | None = None,
    queues: str | Sequence[str] | None = None,
    tz: str | None = None,
) -> ImpactRequest:
    """The :class:`~contactcenter.reports.impact.ImpactRequest` of the options of
    :func:`impact` (checked; errors name their field)."""
    if by != "agent":
        raise InputError(f"{{field}} must be agent, got {by!r}", field="by")
    chosen = "all" if period is None else opt.choice(period, "period", PERIODS)
    interval_s = opt.interval(interval, "interval")
    if interval_s % 900:
        raise InputError(
            f"{{field}} must be a multiple of 15 minutes (agent states are cut every 15 "
            f"minutes), got {interval!r}",
            field="interval",
        )
    return ImpactRequest(
        period=None if chosen == "all" else chosen,
        interval_s=interval_s,
        threshold_s=DEFAULT_THRESHOLD_S["voice"]
        if threshold is None
        else opt.duration(threshold, "threshold"),
        tolerance_s=opt.duration(tolerance, "tolerance"),
        start=start,
        end=end,
        queues=_queues(queues),
        tz=tz,
    )


def impact_result(
    db: str | Path,
    *,
    by: str = "agent",
    period: str | None = "month",
    interval: opt.Duration = "30m",
    threshold: opt.Duration | None = None,
    tolerance: opt.Duration = "60s",
    start: str | None = None,
    end: str | None = None,
    queues: str | Sequence[str] | None = None,
    tz: str | None = None,
    engine: str = "duckdb",
) -> ReportResult:
    """:func:`impact` with the time zone, notes and parameters beside the rows."""
    request = impact_request(
        by=by,
        period=period,
        interval=interval,
        threshold=threshold,
        tolerance=tolerance,
        start=start,
        end=end,
        queues=queues,
        tz=tz,
    )
    eng = open_engine(engine, db=db)
    try:
        return compute_impact(eng, request)
    finally:
        eng.close()


def impact(
    db: str | Path,
    *,
    by: str = "agent",
    period: str | None = "month",
    interval: opt.Duration = "30m",
    threshold: opt.Duration | None = None,
    tolerance: opt.Duration = "60s",
    start: str | None = None,
    end: str | None = None,
    queues: str | Sequence[str] | None = None,
    tz: str | None = None,
    engine: str = "duckdb",
) -> pa.Table:
    """Per agent and period, the service-level points the queue lost to the agent's
    unscheduled away time, handle time above the team median and transfers
    (``contactcenter impact``; the model: docs/metrics.md, "Impact").

    by: ``agent`` (the only grouping). period: interval, day, week, month (default),
    quarter, year, or ``all`` / None (the whole selection). interval: the model's
    interval (a multiple of 15 minutes, default 30m). threshold: the answer threshold T
    (default 20 s). tolerance: away runs this long or shorter are not given back
    (default 60 s). start, end, queues, tz: the selection, as in :func:`report` (the
    queues are modelled as one pool). engine: ``duckdb`` or ``spark``.

    Columns: ``agent``, the period's column, then :data:`contactcenter.reports.impact.COLUMNS`.
    """
    return impact_result(
        db,
        by=by,
        period=period,
        interval=interval,
        threshold=threshold,
        tolerance=tolerance,
        start=start,
        end=end,
        queues=queues,
        tz=tz,
        engine=engine,
    ).to_table()
