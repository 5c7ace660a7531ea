"""Each agent's share of the availability lost: the impact model on the store's data.

Reads, through the report machinery (so every figure is the catalog's own), per interval
of the selection the calls offered, answered, their AHT and service level
(``service_level`` with S = 0: answered within T / offered), per agent and interval the
time actually available (``available_s + handling_s``), the scheduled work time spent
away (``unscheduled_away_s``), the contacts answered (``contacts_handled``) and
transferred (``transferred``), and per agent and period the AHT (``aht_s``) against the
team's median; fits the mean patience of the selection's calls
(:func:`contactcenter.staffing.estimate_patience`); and runs
:func:`contactcenter.staffing.impact.losses`.

The queues of the selection (``queues``, default all) are one pool: the calls of every
queue, the agents' own time lines (with ``queues``, the agents' time as members of those
queues). Per agent and period, each loss is call-weighted over the period's intervals:

    sl_lost_x = Σ_k N_k · Δx_k / Σ_k N_k   (k: the period's intervals with calls)

which is the change in the period's service level (answered within T / offered) had
that one cause of that one agent been removed. ``queue_sl_observed`` and
``queue_sl_model`` are the period's measured and modelled service levels of the pool
(the same on every agent's row), weighted the same way; ``queue_offered`` its calls.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa

from contactcenter.engines import Engine
from contactcenter.errors import InputError
from contactcenter.metrics import BY_NAME, GROUP_KEYS, Thresholds
from contactcenter.metrics.keys import PERIOD_KEYS, decode, python_key
from contactcenter.metrics.timezones import to_epoch
from contactcenter.reports.query import ReportRequest, ReportResult, parse_when, run_report
from contactcenter.staffing import estimate_patience
from contactcenter.staffing.impact import AgentIntervals, Intervals, losses

COLUMNS: tuple[str, ...] = (
    "queue_offered",
    "queue_sl_observed",
    "queue_sl_model",
    "unscheduled_away_s",
    "aht_s",
    "aht_team_median_s",
    "aht_excess_s",
    "transferred",
    "sl_lost_adherence",
    "sl_lost_aht",
    "sl_lost_transfers",
)
"""The columns of an impact table after the keys (docs/cli.md, "impact")."""

LOSS_COLUMNS: tuple[str, ...] = ("sl_lost_adherence", "sl_lost_aht", "sl_lost_transfers")

_INT = ("queue_offered", "transferred")


@dataclass(frozen=True)
class ImpactRequest:
    """What to compute: ``period`` (a period key, or None for the whole selection), the
    interval of the model, the answer threshold T, the adherence tolerance, and the
    selection (``start``, ``end`` in the zone ``tz``, ``queues``)."""

    period: str | None = "month"
    interval_s: int = 1800
    threshold_s: float = 20.0
    tolerance_s: float = 60.0
    start: str | None = None
    end: str | None = None
    queues: tuple[str, ...] = ()
    tz: str | None = None

    def __post_init__(self) -> None:
        if self.period is not None and self.period not in PERIOD_KEYS:
            raise InputError(
                f"{{field}} must be one of {', '.join(PERIOD_KEYS)}, got {self.period!r}",
                field="period",
            )


def _run(
    engine: Engine,
    req: ImpactRequest,
    metrics: Sequence[str],
    by: tuple[str, ...],
    *,
    tz: str | None,
    voice: bool,
    queues: bool = True,
) -> ReportResult:
    thresholds = Thresholds().with_overrides(threshold_s=req.threshold_s, short_abandon_s=0.0)
    request = ReportRequest(
        metrics=tuple(BY_NAME[m] for m in metrics),
        by=by,
        interval_s=req.interval_s,
        thresholds=thresholds,
        tz=tz,
        start=req.start,
        end=req.end,
        queues=req.queues if queues else (),
        channels=("voice",) if voice else (),
        tolerance_s=req.tolerance_s,
    )
    return run_report(engine, request)


def _patience(engine: Engine, req: ImpactRequest, tz: str) -> tuple[float | None, int, int]:
    """Mean patience of the selection's voice calls, with the calls and abandons it
    rests on."""
    t = engine.table("contacts")
    t = t.filter(t.channel == "voice")
    if req.queues:
        t = t.filter(t.queue.isin(list(req.queues)))
    epoch = t.offered_at.epoch_seconds()
    if req.start is not None:
        t = t.filter(epoch >= to_epoch(parse_when(req.start, field="start"), tz))
    if req.end is not None:
        t = t.filter(epoch < to_epoch(parse_when(req.end, field="end"), tz))
    t = t.filter(t.outcome.isin(["answered", "abandoned", "timed_out"]) & t.wait_s.notnull())
    rows = engine.execute(t.select("wait_s", "outcome"))
    outcome = rows.column("outcome").to_pylist()
    patience = estimate_patience(wait_s=rows.column("wait_s").to_numpy(), outcome=outcome)
    return patience, len(outcome), sum(1 for o in outcome if o == "abandoned")


def _period_of(period: str | None, interval_s: int) -> Any:
    """A function from an ``interval_start`` text to the period's label."""
    if period is None:
        return lambda _: None
    if period == "interval":
        return lambda text: text
    column = GROUP_KEYS[period]

    def label(text: str) -> Any:
        local = int((dt.datetime.fromisoformat(text) - dt.datetime(1970, 1, 1)).total_seconds())
        raw = python_key(period, local, interval_s)
        return decode(column, pa.array([raw], pa.int64()))[0].as_py()

    return label


def compute_impact(engine: Engine, req: ImpactRequest) -> ReportResult:
    """Per agent and period, the service-level points lost to unscheduled away time, to
    handle time above the team median and to transfers (module docstring)."""
    period_by: tuple[str, ...] = () if req.period is None else (req.period,)
    calls = _run(
        engine,
        req,
        ["offered", "answered", "service_level", "aht_s"],
        ("interval",),
        tz=req.tz,
        voice=True,
    )
    tz = calls.tz
    states = _run(
        engine, req, ["available_s", "handling_s"], ("agent", "interval"), tz=tz, voice=False
    )
    if not states.table.num_rows:
        raise InputError(
            "{field}: the store holds no agent states for this selection (load agent "
            "events, e.g. a queue_log, or an agent_states file first)",
            field="db",
        )
    away = _run(
        engine,
        req,
        ["unscheduled_away_s"],
        ("agent", "interval"),
        tz=tz,
        voice=False,
        queues=False,
    )
    handled = _run(
        engine,
        req,
        ["contacts_handled", "transferred"],
        ("agent", "interval"),
        tz=tz,
        voice=True,
    )
    per_period = _run(
        engine,
        req,
        ["aht_s", "contacts_handled", "transferred"],
        ("agent", *period_by),
        tz=tz,
        voice=True,
    )
    schedule = _run(
        engine,
        req,
        ["scheduled_s", "unscheduled_away_s"],
        ("agent", *period_by),
        tz=tz,
        voice=False,
        queues=False,
    )
    patience, n_calls, n_abandoned = _patience(engine, req, tz)
    label = _period_of(req.period, req.interval_s)
    pcol = GROUP_KEYS[req.period] if req.period is not None else None

    # intervals with calls
    rows = [r for r in calls.rows() if r["offered"]]
    answered_total = sum(r["answered"] for r in rows if r["aht_s"] is not None)
    overall_aht = (
        sum(r["aht_s"] * r["answered"] for r in rows if r["aht_s"] is not None) / answered_total
        if answered_total
        else None
    )
    index = {r["interval_start"]: i for i, r in enumerate(rows)}
    agents_available = np.zeros(len(rows))
    for r in states.rows():
        k = index.get(r["interval_start"])
        if k is not None:
            busy = (r["available_s"] or 0.0) + (r["handling_s"] or 0.0)
            agents_available[k] += busy / req.interval_s

    pair: dict[tuple[Any, int], dict[str, float]] = {}

    def at(agent: Any, k: int) -> dict[str, float]:
        return pair.setdefault((agent, k), {"away_s": 0.0, "handled": 0.0, "transferred": 0.0})

    for r in states.rows():
        k = index.get(r["interval_start"])
        if k is not None and r["agent"] is not None:
            at(r["agent"], k)
    # with queues, only the agents of the pool: members of those queues, or who answered
    # their calls (a schedule is the agent's, whatever queue)
    members = {r["agent"] for r in states.rows()} | {r["agent"] for r in handled.rows()}

    def in_pool(agent: Any) -> bool:
        return agent is not None and (not req.queues or agent in members)

    for r in away.rows():
        k = index.get(r["interval_start"])
        if k is not None and in_pool(r["agent"]) and r["unscheduled_away_s"]:
            at(r["agent"], k)["away_s"] = float(r["unscheduled_away_s"])
    for r in handled.rows():
        k = index.get(r["interval_start"])
        if k is not None and r["agent"] is not None:
            cell = at(r["agent"], k)
            cell["handled"] = float(r["contacts_handled"] or 0)
            cell["transferred"] = float(r["transferred"] or 0)

    # the team's median AHT per period, and each agent's excess
    keyed: dict[tuple[Any, Any], dict[str, Any]] = {}
    team: dict[Any, list[float]] = {}
    for r in per_period.rows():
        if r["agent"] is None:
            continue
        p = r[pcol] if pcol else None
        keyed.setdefault((r["agent"], p), {}).update(
            aht_s=r["aht_s"], transferred=int(r["transferred"] or 0)
        )
        if r["aht_s"] is not None:
            team.setdefault(p, []).append(float(r["aht_s"]))
    median = {p: statistics.median(v) for p, v in team.items()}
    for r in schedule.rows():
        if not in_pool(r["agent"]):
            continue
        p = r[pcol] if pcol else None
        keyed.setdefault((r["agent"], p), {}).update(
            scheduled_s=float(r["scheduled_s"] or 0.0),
            unscheduled_away_s=float(r["unscheduled_away_s"] or 0.0),
        )

    periods = [label(r["interval_start"]) for r in rows]
    items = sorted(pair.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
    for (agent, k), _ in items:
        keyed.setdefault((agent, periods[k]), {})

    def excess(agent: Any, p: Any) -> float:
        aht = keyed.get((agent, p), {}).get("aht_s")
        if aht is None or p not in median:
            return 0.0
        return max(0.0, float(aht) - median[p])

    ks = np.array([k for (_, k), _ in items], dtype=np.int64)
    modelled = overall_aht is not None and bool(rows)
    if modelled:
        assert overall_aht is not None
        result = losses(
            Intervals(
                calls=np.array([float(r["offered"]) for r in rows]),
                answered=np.array([float(r["answered"]) for r in rows]),
                aht_s=np.array(
                    [float(r["aht_s"]) if r["aht_s"] is not None else overall_aht for r in rows]
                ),
                agents=agents_available,
            ),
            AgentIntervals(
                interval=ks,
                away_s=np.array([c["away_s"] for _, c in items]),
                handled=np.array([c["handled"] for _, c in items]),
                excess_s=np.array([excess(a, periods[k]) for (a, k), _ in items]),
                transferred=np.array([c["transferred"] for _, c in items]),
            ),
            interval_s=req.interval_s,
            threshold_s=req.threshold_s,
            patience_s=patience,
        )

    # call-weighted sums per period
    weight: dict[Any, float] = {}
    observed: dict[Any, list[float]] = {}
    model: dict[Any, float] = {}
    for i, r in enumerate(rows):
        p = periods[i]
        weight[p] = weight.get(p, 0.0) + r["offered"]
        if r["service_level"] is not None:
            acc = observed.setdefault(p, [0.0, 0.0])
            acc[0] += r["offered"] * r["service_level"]
            acc[1] += r["offered"]
        if modelled:
            model[p] = model.get(p, 0.0) + r["offered"] * float(result.base[i])
    lost: dict[tuple[Any, Any], list[float]] = {}
    if modelled:
        for j, ((agent, k), _) in enumerate(items):
            acc = lost.setdefault((agent, periods[k]), [0.0, 0.0, 0.0])
            n = float(rows[k]["offered"])
            acc[0] += n * float(result.adherence[j])
            acc[1] += n * float(result.aht[j])
            acc[2] += n * float(result.transfers[j])

    out: list[dict[str, Any]] = []
    unscheduled: set[Any] = set()
    for (agent, p), values in keyed.items():
        w = weight.get(p, 0.0)
        sums = lost.get((agent, p), [0.0, 0.0, 0.0])
        has_schedule = values.get("scheduled_s", 0.0) > 0
        if not has_schedule:
            unscheduled.add(agent)
        share = modelled and w > 0
        row: dict[str, Any] = {
            "agent": agent,
            "queue_offered": int(w),
            "queue_sl_observed": observed[p][0] / observed[p][1] if p in observed else None,
            "queue_sl_model": model[p] / w if share else None,
            "unscheduled_away_s": values.get("unscheduled_away_s") if has_schedule else None,
            "aht_s": values.get("aht_s"),
            "aht_team_median_s": median.get(p),
            "aht_excess_s": excess(agent, p) if values.get("aht_s") is not None else None,
            "transferred": values.get("transferred", 0),
            "sl_lost_adherence": sums[0] / w if share and has_schedule else None,
            "sl_lost_aht": sums[1] / w if share else None,
            "sl_lost_transfers": sums[2] / w if share else None,
        }
        if pcol:
            row[pcol] = p
        out.append(row)
    out.sort(key=lambda r: (str(r["agent"]), str(r[pcol]) if pcol else ""))

    keys = ("agent", pcol) if pcol else ("agent",)
    fields = [pa.field("agent", pa.string())]
    if pcol:
        fields.append(pa.field(pcol, pa.string()))
    fields += [pa.field(c, pa.int64() if c in _INT else pa.float64()) for c in COLUMNS]
    table = pa.Table.from_pylist(
        [{f.name: r.get(f.name) for f in fields} for r in out], schema=pa.schema(fields)
    )
    notes = list(dict.fromkeys(calls.notes))
    if patience is None:
        notes.append(
            "no abandoned call in the selection: the model is Erlang C (callers never abandon)"
        )
        model_name = "erlang_c"
    else:
        notes.append(
            f"model: Erlang A, mean patience {patience:.1f} s fitted from {n_calls} calls "
            f"({n_abandoned} abandoned)"
        )
        model_name = "erlang_a"
    if not modelled:
        notes.append("no answered call in the selection: the AHT is unknown, nothing modelled")
    if unscheduled:
        notes.append(
            f"{len(unscheduled)} agent(s) with no scheduled time in a period: "
            "sl_lost_adherence and unscheduled_away_s are empty there"
        )
    notes.append(
        "each loss is one cause of one agent alone, in the model's service level; losses "
        "do not add up to the gap between queue_sl_model and queue_sl_observed"
    )
    parameters = {
        "by": ["agent"],
        "period": req.period or "all",
        "interval_s": req.interval_s,
        "tz": tz,
        "from": req.start,
        "to": req.end,
        "queues": list(req.queues),
        "threshold_s": req.threshold_s,
        "tolerance_s": req.tolerance_s,
        "patience_s": patience,
        "model": model_name,
    }
    return ReportResult(table, keys, (), tz, tuple(notes), parameters)


SCORECARD_COLUMNS: tuple[str, ...] = COLUMNS
"""The impact columns a scorecard (``report --by agent[,period] --impact``) gains, less
those the report already has (``aht_s``, ``transferred``, ``unscheduled_away_s`` when
named: the same figures)."""


def scorecard_period(by: tuple[str, ...]) -> str | None:
    """The period key of a scorecard's ``by`` for ``--impact`` (None: the whole
    selection); InputError unless ``by`` is ``agent`` and at most one period key."""
    if "agent" not in by:
        raise InputError("{field}: --impact needs agent among the --by keys", field="impact")
    others = [k for k in by if k != "agent"]
    if len(others) > 1 or (others and others[0] not in PERIOD_KEYS):
        raise InputError(
            "{field}: --impact groups by agent and at most one of "
            f"{', '.join(PERIOD_KEYS)}, got {','.join(by)}",
            field="impact",
        )
    return others[0] if others else None


def with_impact(result: ReportResult, impact: ReportResult) -> ReportResult:
    """``result`` (a report by agent and the same period as ``impact``) with the impact
    columns joined on agent and period (empty for rows the impact has not: the row of
    contacts with no agent)."""
    found = {tuple(r[k] for k in impact.keys): r for r in impact.rows()}
    rows = result.rows()
    table = result.table
    for name in SCORECARD_COLUMNS:
        if name in table.column_names:
            continue
        kind = impact.table.schema.field(name).type
        values = [found.get(tuple(r[k] for k in impact.keys), {}).get(name) for r in rows]
        table = table.append_column(pa.field(name, kind), pa.array(values, kind))
    parameters = dict(result.parameters)
    parameters["impact"] = {
        k: impact.parameters[k]
        for k in ("period", "interval_s", "threshold_s", "tolerance_s", "patience_s", "model")
    }
    notes = [n for n in impact.notes if n not in result.notes]
    return replace(result, table=table, notes=(*result.notes, *notes), parameters=parameters)
