"""Scorecards: agents ranked by a metric, with a volume guard, the team median and each
agent's percentile (``contactcenter report --by agent --sort aht_s --min-contacts 30``).

Within each group of the report's other keys (a month, a queue, ... or the whole report):

* the **team** is the agents (a non-empty ``agent``) who handled at least
  ``min_contacts`` contacts (``contacts_handled``) and have a value of the sort metric;
* ``rank`` is their standard competition rank by the sort metric (1, 2, 2, 4), ascending
  or, with ``descending``, descending; agents outside the team are listed after the
  ranked ones with an empty rank; ``top`` keeps the ranked rows of rank <= top;
* per metric, ``<metric>_team_median`` is the median of the team's values and
  ``<metric>_percentile`` the agent's mid-rank percentile among them, a fraction:
  (team values below the agent's + half of those equal to it) / team values (empty on
  the row of contacts with no agent).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from contactcenter.errors import InputError
from contactcenter.reports.query import ReportResult

VOLUME = "contacts_handled"
"""The metric the volume guard reads."""


@dataclass(frozen=True)
class Ranking:
    """How to rank: the metric, its direction, the volume guard and how many to keep."""

    sort: str
    descending: bool = False
    min_contacts: int = 0
    top: int | None = None

    def __post_init__(self) -> None:
        if self.min_contacts < 0:
            raise InputError(
                f"{{field}} must be >= 0, got {self.min_contacts}", field="min_contacts"
            )
        if self.top is not None and self.top < 1:
            raise InputError(f"{{field}} must be >= 1, got {self.top}", field="top")


def _percentile(value: float, team: list[float]) -> float:
    below = sum(1 for v in team if v < value)
    equal = sum(1 for v in team if v == value)
    return (below + 0.5 * equal) / len(team)


def rank_agents(result: ReportResult, ranking: Ranking) -> ReportResult:
    """``result`` (grouped by agent, with ``contacts_handled`` and the sort metric) as a
    ranked scorecard (see the module docstring)."""
    if "agent" not in result.keys:
        raise InputError("{field}: a ranking needs agent among the --by keys", field="sort")
    names = [m.name for m in result.metrics]
    for needed in (ranking.sort, VOLUME):
        if needed not in names:
            raise InputError(f"{{field}}: the report has no {needed} to rank by", field="sort")
    others = [k for k in result.keys if k != "agent"]
    numeric = [
        m.name
        for m in result.metrics
        if pa.types.is_integer(result.table.schema.field(m.name).type)
        or pa.types.is_floating(result.table.schema.field(m.name).type)
    ]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in result.rows():
        groups.setdefault(tuple(row[k] for k in others), []).append(row)
    out: list[dict[str, Any]] = []
    apart_total = 0
    for _, rows in sorted(groups.items(), key=lambda kv: [(v is None, v) for v in kv[0]]):
        team = [
            r
            for r in rows
            if r["agent"] is not None
            and (r[VOLUME] or 0) >= ranking.min_contacts
            and r[ranking.sort] is not None
        ]
        ids = {id(r) for r in team}
        apart = [r for r in rows if id(r) not in ids]
        apart_total += sum(1 for r in apart if r["agent"] is not None)
        sign = -1.0 if ranking.descending else 1.0
        team.sort(key=lambda r: (sign * float(r[ranking.sort]), str(r["agent"])))
        values = {m: [float(r[m]) for r in team if r[m] is not None] for m in numeric}
        medians = {m: statistics.median(v) if v else None for m, v in values.items()}
        previous: float | None = None
        place = 0
        for i, r in enumerate(team, start=1):
            value = float(r[ranking.sort])
            if value != previous:
                place, previous = i, value
            r["rank"] = place
        kept = [r for r in team if ranking.top is None or r["rank"] <= ranking.top]
        for r in apart:
            r["rank"] = None
        for r in kept + sorted(apart, key=lambda r: (r["agent"] is None, str(r["agent"]))):
            for m in numeric:
                r[f"{m}_team_median"] = medians[m]
                r[f"{m}_percentile"] = (
                    _percentile(float(r[m]), values[m])
                    if r["agent"] is not None and r[m] is not None and values[m]
                    else None
                )
            out.append(r)
    columns = [
        *result.keys,
        "rank",
        *names,
        *(f"{m}_{part}" for m in numeric for part in ("team_median", "percentile")),
    ]
    fields = [result.table.schema.field(c) for c in (*result.keys,)]
    fields.append(pa.field("rank", pa.int64()))
    fields += [result.table.schema.field(c) for c in names]
    fields += [pa.field(c, pa.float64()) for c in columns[len(fields) :]]
    table = pa.Table.from_pylist(
        [{c: r.get(c) for c in columns} for r in out], schema=pa.schema(fields)
    )
    direction = "descending" if ranking.descending else "ascending"
    notes = [
        f"ranked by {ranking.sort} ({direction}) among agents with at least "
        f"{ranking.min_contacts} contacts handled"
        + (f", top {ranking.top}" if ranking.top is not None else "")
        + (f"; {apart_total} agents listed apart with no rank" if apart_total else "")
    ]
    parameters = dict(result.parameters)
    parameters["ranking"] = {
        "sort": ranking.sort,
        "descending": ranking.descending,
        "min_contacts": ranking.min_contacts,
        "top": ranking.top,
    }
    return replace(result, table=table, notes=(*result.notes, *notes), parameters=parameters)
