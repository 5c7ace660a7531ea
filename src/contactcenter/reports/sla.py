"""The SLA clocks of a report: evaluate the policies of ``--config`` on the conversations
and customer turns of the selection, and give the report's query those facts with the
clocks added (:data:`contactcenter.metrics.conversations.SLA_COLUMNS`).

The business-time arithmetic is :mod:`contactcenter.metrics.sla` (numpy, exact to the
microsecond); this module reads what it needs from the engine (the conversations of the
report's queues and channels, their pending periods, the end of each source's data),
and joins the results back as in-memory tables, so the rest of the report is one query
as usual. Reports without policies add nothing (the columns read as null).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from contactcenter.engines import Engine
from contactcenter.metrics.catalog import Metric
from contactcenter.metrics.sla import US, SlaConfig, evaluate, turn_clocks

SOURCE_KEY = ("source", "conversation_id")


def _us(values: list[Any]) -> list[int | None]:
    """Timestamps (Python datetimes) as UTC microseconds."""
    out: list[int | None] = []
    for v in values:
        out.append(None if v is None else round(v.timestamp() * US))
    return out


def _selected(t: ir.Table, queues: tuple[str, ...], channels: tuple[str, ...]) -> ir.Table:
    if queues:
        t = t.filter(t.queue.isin(list(queues)))
    if channels:
        t = t.filter(t.channel.isin(list(channels)))
    return t


def sla_tables(
    engine: Engine,
    config: SlaConfig,
    metrics: tuple[Metric, ...],
    queues: tuple[str, ...],
    channels: tuple[str, ...],
) -> dict[str, ir.Table]:
    """The conversations and responses of the selection with their SLA clocks, for the
    facts ``metrics`` read (empty when no policy is configured)."""
    facts = {f for m in metrics for f in m.facts}
    out: dict[str, ir.Table] = {}
    if not config.policies or not facts & {"conversations", "responses"}:
        return out
    conv = engine.table("conversations")
    ends = engine.execute(
        conv.group_by("source").aggregate(end=conv.last_activity_at.max())
    ).to_pylist()
    as_of = {str(r["source"]): round(r["end"].timestamp() * US) for r in ends}
    if "conversations" in facts:
        out["conversations"] = _conversations(engine, config, as_of, queues, channels)
    if "responses" in facts:
        out["responses"] = _responses(engine, config, as_of, queues, channels)
    return out


def _conversations(
    engine: Engine,
    config: SlaConfig,
    as_of: dict[str, int],
    queues: tuple[str, ...],
    channels: tuple[str, ...],
) -> ir.Table:
    conv = _selected(engine.table("conversations"), queues, channels)
    rows = engine.execute(
        conv.select(
            "source",
            "conversation_id",
            "channel",
            "queue",
            "priority",
            "created_at",
            "first_response_at",
            "first_resolved_at",
            "pending_since",
            "handoff_at",
            "bot_s",
        )
    ).to_pydict()
    events = engine.table("conversation_events")
    pending = events.filter((events.kind == "pending") & events.pending_until.notnull())
    pending = pending.semi_join(conv, list(SOURCE_KEY))
    periods: dict[tuple[str, str], list[tuple[int, int | None]]] = defaultdict(list)
    found = engine.execute(pending.select(*SOURCE_KEY, "at", "pending_until")).to_pydict()
    starts, stops = _us(found["at"]), _us(found["pending_until"])
    for s, c, a, b in zip(found["source"], found["conversation_id"], starts, stops, strict=True):
        assert a is not None
        periods[(str(s), str(c))].append((a, b))
    running = zip(rows["source"], rows["conversation_id"], _us(rows["pending_since"]), strict=True)
    for s, c, since in running:
        if since is not None:
            periods[(str(s), str(c))].append((since, None))
    clocks = evaluate(
        config,
        {
            "source": [str(s) for s in rows["source"]],
            "conversation_id": rows["conversation_id"],
            "channel": rows["channel"],
            "queue": rows["queue"],
            "priority": rows["priority"],
            "created": _us(rows["created_at"]),
            "first_response": _us(rows["first_response_at"]),
            "first_resolved": _us(rows["first_resolved_at"]),
            "bot": [v is not None for v in rows["bot_s"]],
            "handoff": _us(rows["handoff_at"]),
        },
        periods,
        as_of,
    )
    chosen = clocks.policy >= 0

    def floats(values: np.ndarray[Any, Any]) -> pa.Array:
        return pa.array(values[chosen], pa.float64(), mask=np.isnan(values[chosen]))

    def pick(values: list[Any]) -> list[Any]:
        return [v for v, keep in zip(values, chosen, strict=True) if keep]

    table = pa.table(
        {
            "source": pick(rows["source"]),
            "conversation_id": pick(rows["conversation_id"]),
            "first_response_bh_s": floats(clocks.first_response_bh_s),
            "resolution_bh_s": floats(clocks.resolution_bh_s),
            "first_response_within": pa.array(pick(clocks.first_response_within), pa.bool_()),
            "first_response_clock": pa.array(pick(clocks.first_response_clock), pa.string()),
            "resolution_clock": pa.array(pick(clocks.resolution_clock), pa.string()),
            "due_at": pa.array(
                [None if v is None else v for v in pick(clocks.due_us)],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    return _joined(engine.table("conversations"), table, list(SOURCE_KEY))


def _responses(
    engine: Engine,
    config: SlaConfig,
    as_of: dict[str, int],
    queues: tuple[str, ...],
    channels: tuple[str, ...],
) -> ir.Table:
    turns = _selected(engine.table("responses"), queues, channels)
    rows = engine.execute(
        turns.select(
            "source",
            "conversation_id",
            "turn",
            "channel",
            "queue",
            "priority",
            "started_at",
            "replied_at",
            "stopped_at",
        )
    ).to_pydict()
    clocks = turn_clocks(
        config,
        {
            "source": [str(s) for s in rows["source"]],
            "channel": rows["channel"],
            "queue": rows["queue"],
            "priority": rows["priority"],
            "turn": rows["turn"],
            "started": _us(rows["started_at"]),
            "replied": _us(rows["replied_at"]),
            "stopped": _us(rows["stopped_at"]),
        },
        as_of,
    )
    keep = [c is not None for c in clocks]
    table = pa.table(
        {
            "source": [v for v, k in zip(rows["source"], keep, strict=True) if k],
            "conversation_id": [v for v, k in zip(rows["conversation_id"], keep, strict=True) if k],
            "turn": pa.array([v for v, k in zip(rows["turn"], keep, strict=True) if k], pa.int32()),
            "next_response_clock": pa.array([c for c in clocks if c is not None], pa.string()),
        }
    )
    return _joined(engine.table("responses"), table, [*SOURCE_KEY, "turn"])


def _joined(fact: ir.Table, added: pa.Table, on: list[str]) -> ir.Table:
    """``fact`` with the columns of ``added`` (null where it has no row)."""
    right = ibis.memtable(added)
    joined = fact.left_join(right, on)
    return joined.select(*fact.columns, *(c for c in added.column_names if c not in on))


def source_with(engine: Engine, tables: dict[str, ir.Table]) -> Callable[[str], ir.Table]:
    """The report's ``source``: the engine's tables, with the SLA tables in their place."""

    def source(name: str) -> ir.Table:
        return tables[name] if name in tables else engine.table(name)

    return source
