"""``report`` and ``catalog``: KPIs from a store, and the metric catalog they come from.

>>> table = contactcenter.report("cc.duckdb", by="queue,day", threshold="30s")  # doctest: +SKIP
>>> table.to_pandas()  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from contactcenter.app import _options as opt
from contactcenter.engines import Engine, open_engine
from contactcenter.errors import InputError
from contactcenter.facts import CHANNELS, CONVERSATION_CHANNELS
from contactcenter.metrics import BY_NAME, Metric, Thresholds, select_metrics
from contactcenter.metrics import catalog as all_metrics
from contactcenter.metrics.options import (
    DEFAULT_CSI_WEIGHTS,
    DEFAULT_TOP_BOX,
    OutcomeOptions,
    parse_pairs,
    read_complaint_codes,
)
from contactcenter.metrics.sla import SlaConfig
from contactcenter.reports.impact import (
    ImpactRequest,
    compute_impact,
    scorecard_period,
    with_impact,
)
from contactcenter.reports.query import ReportRequest, ReportResult, run_report
from contactcenter.reports.ranking import VOLUME, Ranking, rank_agents
from contactcenter.reports.slower import Baseline, check_keys, slow_metrics, slower_than_usual
from contactcenter.standards import DEFAULT_THRESHOLD_S

__all__ = ["catalog", "report", "report_result"]


def _names(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    return tuple(item.strip() for item in items if item.strip())


TopBox = str | Mapping[int, int] | None
"""``csat_top_box``: ``"5=2,10=3"`` or ``{5: 2, 10: 3}`` (scale size -> top points)."""
Weights = str | Mapping[str, float] | None
"""``csi_weights``: ``"csat=0.5,nps=0.5"`` or ``{"csat": 0.5, "nps": 0.5}``."""
Complaints = str | Path | Sequence[str] | None
"""``complaints``: a YAML file of complaint codes (a path), or the codes themselves."""


def outcome_options(
    *,
    fcr_window: opt.Duration = "7d",
    fcr_same_channel: bool = False,
    fcr_min_gap: opt.Duration = 0,
    csat_top_box: TopBox = None,
    csi_weights: Weights = None,
    complaints: Complaints = None,
    config: str | Path | None = None,
) -> OutcomeOptions:
    """The :class:`~contactcenter.metrics.options.OutcomeOptions` of the report options
    (checked; errors name their field). ``csat_top_box`` sizes given replace the
    defaults of those sizes only; ``csi_weights`` replace the default weights whole.
    ``complaints``: the complaint codes, or a YAML file of them; without it, the
    ``complaints`` key of the ``config`` file, if any."""
    window = opt.positive_duration(fcr_window, "fcr_window")
    gap = opt.duration(fcr_min_gap, "fcr_min_gap")
    top = dict(DEFAULT_TOP_BOX)
    if csat_top_box is not None:
        pairs = (
            parse_pairs(csat_top_box, "csat_top_box")
            if isinstance(csat_top_box, str)
            else {str(k): str(v) for k, v in csat_top_box.items()}
        )
        for size, count in pairs.items():
            top[opt.whole(size, "csat_top_box", 2, 1000)] = opt.whole(count, "csat_top_box", 1)
    weights: dict[str, float] = dict(DEFAULT_CSI_WEIGHTS)
    if csi_weights is not None:
        given = (
            parse_pairs(csi_weights, "csi_weights")
            if isinstance(csi_weights, str)
            else {str(k): str(v) for k, v in csi_weights.items()}
        )
        weights = {k: opt.non_negative(v, "csi_weights") for k, v in given.items()}
    if not isinstance(fcr_same_channel, bool):
        raise InputError(
            f"{{field}} must be true or false, got {fcr_same_channel!r}", field="fcr_same_channel"
        )
    if complaints is None:
        codes = read_complaint_codes(config, "config") if config is not None else frozenset()
    elif isinstance(complaints, str | Path):
        codes = read_complaint_codes(complaints)
    else:
        codes = frozenset(str(c).strip() for c in complaints if str(c).strip())
    return OutcomeOptions(
        repeat_window_s=window,
        same_channel=fcr_same_channel,
        min_gap_s=gap,
        top_box=top,
        csi_weights=weights,
        complaint_codes=codes,
    )


def _channels(value: str | Sequence[str] | None) -> tuple[str, ...]:
    chosen = _names(value)
    unknown = [c for c in chosen if c not in CHANNELS]
    if unknown:
        raise InputError(
            f"{{field}}: unknown channel(s) {', '.join(unknown)}; allowed: {', '.join(CHANNELS)}",
            field="channels",
        )
    return chosen


VOICE_FACTS = ("contacts", "ring_outs", "agent_events")
"""Facts of calls only: their metrics are left out of the default selection of a report
whose channels are all conversation channels."""


def request_of(
    *,
    by: str | Sequence[str] = (),
    metrics: str | Sequence[str] | None = None,
    interval: opt.Duration = "30m",
    threshold: opt.Duration | None = None,
    short_abandon: opt.Duration | None = None,
    target: opt.Number | None = None,
    config: str | Path | None = None,
    start: str | None = None,
    end: str | None = None,
    queues: str | Sequence[str] | None = None,
    agents: str | Sequence[str] | None = None,
    tz: str | None = None,
    fcr_window: opt.Duration = "7d",
    fcr_same_channel: bool = False,
    fcr_min_gap: opt.Duration = 0,
    csat_top_box: TopBox = None,
    csi_weights: Weights = None,
    tolerance: opt.Duration = "60s",
    channels: str | Sequence[str] | None = None,
    complaints: Complaints = None,
) -> ReportRequest:
    """The :class:`~contactcenter.reports.query.ReportRequest` of the options of
    :func:`report` (checked; errors name their field)."""
    interval_s = opt.interval(interval, "interval")
    thresholds = Thresholds.from_yaml(config) if config is not None else Thresholds()
    sla = SlaConfig.from_yaml(config) if config is not None else None
    thresholds = thresholds.with_overrides(
        threshold_s=None if threshold is None else opt.duration(threshold, "threshold"),
        short_abandon_s=None
        if short_abandon is None
        else opt.duration(short_abandon, "short_abandon"),
        target=None
        if target is None
        else opt.number(target, "target", allowed="a number in (0, 1)"),
    )
    outcomes = outcome_options(
        fcr_window=fcr_window,
        fcr_same_channel=fcr_same_channel,
        fcr_min_gap=fcr_min_gap,
        csat_top_box=csat_top_box,
        csi_weights=csi_weights,
        complaints=complaints,
        config=config,
    )
    names = _names(metrics)
    chosen = list(all_metrics()) if names == ("all",) else select_metrics(list(names) or None)
    picked = _channels(channels)
    if names == () and picked and all(c in CONVERSATION_CHANNELS for c in picked):
        # only conversation channels: the default leaves out the calls' metrics
        chosen = [m for m in chosen if not set(m.facts) & set(VOICE_FACTS)]
    return ReportRequest(
        metrics=tuple(chosen),
        by=_names(by),
        interval_s=interval_s,
        thresholds=thresholds,
        tz=tz,
        start=start,
        end=end,
        queues=_names(queues),
        agents=_names(agents),
        explicit=bool(names) and names != ("all",),
        outcomes=outcomes,
        tolerance_s=opt.duration(tolerance, "tolerance"),
        channels=_channels(channels),
        sla=sla if sla is not None and sla.policies else None,
    )


def report_result(
    db: str | Path,
    *,
    by: str | Sequence[str] = (),
    metrics: str | Sequence[str] | None = None,
    interval: opt.Duration = "30m",
    threshold: opt.Duration | None = None,
    short_abandon: opt.Duration | None = None,
    target: opt.Number | None = None,
    config: str | Path | None = None,
    start: str | None = None,
    end: str | None = None,
    queues: str | Sequence[str] | None = None,
    agents: str | Sequence[str] | None = None,
    tz: str | None = None,
    tolerance: opt.Duration = "60s",
    engine: str = "duckdb",
    spark_master: str | None = None,
    fcr_window: opt.Duration = "7d",
    fcr_same_channel: bool = False,
    fcr_min_gap: opt.Duration = 0,
    csat_top_box: TopBox = None,
    csi_weights: Weights = None,
    sort: str | None = None,
    desc: bool = False,
    min_contacts: int = 0,
    top: int | None = None,
    channels: str | Sequence[str] | None = None,
    complaints: Complaints = None,
    slow: bool = False,
    baseline_weeks: int = 8,
    z: opt.Number = 2.0,
    impact: bool = False,
    opened: Engine | None = None,
) -> ReportResult:
    """:func:`report` with everything the reader must know beside the rows: the time
    zone, the notes, the parameters and the metric definitions.

    sort: rank the agents by this metric (a scorecard, :mod:`contactcenter.reports.ranking`;
    needs ``agent`` among ``by``; adds the metric and ``contacts_handled`` when not asked
    for), ascending or with ``desc`` descending; ``min_contacts``: the volume guard
    (agents under it are listed apart with no rank); ``top``: keep the first ``top`` ranks.

    slow: add the "slower than usual" columns (:mod:`contactcenter.reports.slower`; needs
    ``agent`` and at most one of day, week, month, quarter, year among ``by``; adds
    ``aht_s``, and ``first_response_s`` when the store has conversations), against the
    previous ``baseline_weeks`` weeks, flagged above ``z``. impact: add the service-level
    points lost per agent (:mod:`contactcenter.reports.impact`, the columns of
    ``contactcenter impact``; needs ``agent`` and at most one period key among ``by``),
    with the report's interval, threshold, tolerance and selection.
    opened: an engine already open on ``db`` to run on (a server keeps one per thread);
    it stays open. Otherwise ``engine`` is opened for this report and closed after it.
    """
    request = request_of(
        by=by,
        metrics=metrics,
        interval=interval,
        threshold=threshold,
        short_abandon=short_abandon,
        target=target,
        config=config,
        start=start,
        end=end,
        queues=queues,
        agents=agents,
        tz=tz,
        fcr_window=fcr_window,
        fcr_same_channel=fcr_same_channel,
        fcr_min_gap=fcr_min_gap,
        csat_top_box=csat_top_box,
        csi_weights=csi_weights,
        tolerance=tolerance,
        channels=channels,
        complaints=complaints,
    )
    ranking = None
    if sort is not None:
        ranking = Ranking(sort=sort, descending=desc, min_contacts=min_contacts, top=top)
        if sort not in BY_NAME:
            raise InputError(
                f"{{field}}: unknown metric {sort!r}; 'contactcenter metrics' lists them",
                field="sort",
            )
        have = {m.name for m in request.metrics}
        extra = [BY_NAME[n] for n in (sort, VOLUME) if n not in have]
        request = dataclasses.replace(request, metrics=(*request.metrics, *extra))
    elif desc or min_contacts or top is not None:
        raise InputError(
            "{field} is needed by --desc, --min-contacts and --top (a ranking)", field="sort"
        )
    baseline = None
    if slow:
        baseline = Baseline(
            weeks=opt.whole(baseline_weeks, "baseline_weeks", 1, 520),
            z=opt.positive(z, "z"),
        )
        check_keys(request.by, request.start)
    elif baseline_weeks != 8 or opt.number(z, "z") != 2.0:
        raise InputError("{field} is needed by --baseline-weeks and --z", field="slow")
    period = scorecard_period(request.by) if impact else None
    if impact and request.interval_s % 900:
        raise InputError(
            "{field} must be a multiple of 15 minutes for --impact (agent states are cut "
            "every 15 minutes)",
            field="interval",
        )
    eng = opened if opened is not None else open_engine(engine, db=db, spark_master=spark_master)
    try:
        if baseline is not None:
            have = {m.name for m in request.metrics}
            extra = [BY_NAME[n] for n in slow_metrics(eng) if n not in have]
            request = dataclasses.replace(request, metrics=(*request.metrics, *extra))
        result = run_report(eng, request)
        if ranking is not None:
            result = rank_agents(result, ranking)
        if baseline is not None:
            result = slower_than_usual(eng, result, request, baseline)
        if impact:
            lost = compute_impact(
                eng,
                ImpactRequest(
                    period=period,
                    interval_s=request.interval_s,
                    threshold_s=DEFAULT_THRESHOLD_S["voice"]
                    if threshold is None
                    else opt.duration(threshold, "threshold"),
                    tolerance_s=request.tolerance_s,
                    start=request.start,
                    end=request.end,
                    queues=request.queues,
                    tz=result.tz,
                ),
            )
            result = with_impact(result, lost)
    finally:
        if opened is None:
            eng.close()
    return result


def report(
    db: str | Path,
    *,
    by: str | Sequence[str] = (),
    metrics: str | Sequence[str] | None = None,
    interval: opt.Duration = "30m",
    threshold: opt.Duration | None = None,
    short_abandon: opt.Duration | None = None,
    target: opt.Number | None = None,
    config: str | Path | None = None,
    start: str | None = None,
    end: str | None = None,
    queues: str | Sequence[str] | None = None,
    agents: str | Sequence[str] | None = None,
    tz: str | None = None,
    tolerance: opt.Duration = "60s",
    engine: str = "duckdb",
    spark_master: str | None = None,
    fcr_window: opt.Duration = "7d",
    fcr_same_channel: bool = False,
    fcr_min_gap: opt.Duration = 0,
    csat_top_box: TopBox = None,
    csi_weights: Weights = None,
    sort: str | None = None,
    desc: bool = False,
    min_contacts: int = 0,
    top: int | None = None,
    channels: str | Sequence[str] | None = None,
    complaints: Complaints = None,
    slow: bool = False,
    baseline_weeks: int = 8,
    z: opt.Number = 2.0,
    impact: bool = False,
) -> pa.Table:
    """KPIs from the store ``db``: one row per group of ``by``, one column per metric.

    The table has exactly the columns and values of ``contactcenter report --format
    csv`` with the same options (keys first, in their documented form; ratios as
    fractions; nulls where a ratio has an empty denominator; the CSV quotes text cells
    that start like a formula, docs/cli.md). Its schema metadata holds
    the time zone, the notes and the parameters as JSON under ``contactcenter``
    (:meth:`contactcenter.reports.query.ReportResult.from_table` reads them back).

    by: group keys (interval, hour, day, week, month, quarter, year, queue, channel,
    agent), as a sequence or a comma list. metrics: names, or None / "all" for the whole
    catalog (None with only conversation ``channels``: all but the calls' metrics).
    interval: the interval length (``30m``). threshold, short_abandon, target: override
    T, S and the service-level target for every channel and queue; config: a
    YAML file of them per channel and queue, and of business-hours calendars and SLA
    policies (docs/metrics.md). start, end: ``YYYY-MM-DD[ HH:MM]`` in the
    report's zone, end exclusive. queues: only these queues. agents: only the rows of
    these agents (their contacts, states, surveys, ...). channels: only these
    channels (voice, chat, email, ticket, social, messaging). tz: the report's zone
    (default UTC, or the source's own when every selected row comes from one naive-local
    source). tolerance: deviations from the schedule this long or shorter are not out of
    adherence (default 60 s). engine: ``duckdb`` or ``spark``. sort, desc, min_contacts,
    top: a ranked scorecard of agents (:func:`report_result`). fcr_window,
    fcr_same_channel, fcr_min_gap: the repeat rules of ``fcr`` (default 7 days, any
    channel, no gap); csat_top_box: top points per scale size (``"5=2,10=3"``);
    csi_weights: weights of the ``csi`` index (``"csat=0.5,nps=0.25,ces=0.25"``).
    complaints: the disposition codes that are complaints (``complaints``,
    ``complaint_rate``): a YAML file listing them, or the codes; default the
    ``complaints`` list of the config file.
    slow, baseline_weeks, z: the "slower than usual" columns; impact: the service-level
    points lost per agent (:func:`report_result`).
    metrics: the default set when not given, ``all`` for every metric (the agent,
    adherence and outcome metrics are shown only when named or with ``all``).
    """
    return report_result(
        db,
        by=by,
        metrics=metrics,
        interval=interval,
        threshold=threshold,
        short_abandon=short_abandon,
        target=target,
        config=config,
        start=start,
        end=end,
        queues=queues,
        agents=agents,
        tz=tz,
        tolerance=tolerance,
        engine=engine,
        spark_master=spark_master,
        fcr_window=fcr_window,
        fcr_same_channel=fcr_same_channel,
        fcr_min_gap=fcr_min_gap,
        csat_top_box=csat_top_box,
        csi_weights=csi_weights,
        sort=sort,
        desc=desc,
        min_contacts=min_contacts,
        top=top,
        channels=channels,
        complaints=complaints,
        slow=slow,
        baseline_weeks=baseline_weeks,
        z=z,
        impact=impact,
    ).to_table()


def catalog(names: str | Sequence[str] | None = None) -> tuple[Metric, ...]:
    """The metric catalog (or the metrics ``names``), in catalog order: name, fact, kind,
    unit, formula and description of each (``contactcenter metrics``; the function has
    another name because ``contactcenter.metrics`` is the package of the definitions)."""
    chosen = _names(names)
    if chosen in ((), ("all",)):
        return all_metrics()
    return tuple(select_metrics(list(chosen)))
