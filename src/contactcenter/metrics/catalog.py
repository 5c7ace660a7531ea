"""The metric catalog: every KPI defined once, as data, over the fact it reads.

A metric is a frozen record (name, kind, unit, formula, description, the fact it reads and
the fields its kind needs). Flags and values are the fact's vocabulary
(:mod:`contactcenter.metrics.measures`); the compiler
(:mod:`contactcenter.metrics.compiler`) turns a list of metrics plus group keys into one
query. Metrics are registered with :func:`register_metric` (the voice catalog in
:mod:`contactcenter.metrics.voice`); each registration is validated at once.

Kinds
    count       rows of ``fact`` with the flag ``where`` (every row when None)
    sum         sum of ``of`` over rows with ``where``
    ratio       numerator / denominator, each a sum/difference of flag counts of ``fact``;
                null when the denominator is 0
    mean        mean of ``of`` over rows with ``where`` (nulls skipped); null if none
    max         maximum of ``of`` over rows with ``where``
    percentile  quantile ``q`` (linear interpolation) of ``of`` over rows with ``where``
    interval_share  share of the report's intervals (``interval``) with a value of the
                ratio metric ``of`` that meet the fact's target
    derived     numerator / denominator, each a sum/difference of *other metrics* that may
                read different facts, joined on the group keys (occupancy = handling time
                over handling + available time); null when the denominator is 0
    snapshot    rows of ``fact`` with ``where`` open at the end of each period: the state
                just before the period ends, ``since`` < end <= ``until`` (``until`` null:
                still open); with no period key, at the end of the selection (``--to``),
                or now (``until`` null) when the selection has no end
    overlap     seconds of each row's span [``since``, ``until``) inside each period (or
                inside the selection), times the row's ``of`` when given, summed over rows
                with ``where`` (time-weighted: an agent's conversations open at once)
    distinct    distinct values of ``of`` over rows with ``where`` (a fact without a
                partition column: distinct counts of partitions do not add up)
    index       a weighted mean of other metrics, each a fraction (``numerator`` lists
                the metrics it may combine); the weights are report options
                (:class:`~contactcenter.metrics.options.OutcomeOptions`), a part without
                a value leaves the denominator, and null when no part has one

A metric with ``default=False`` is computed only when it is named (or with ``all``): the
agent and adherence metrics, and the outcome metrics, which need facts a voice store may
not have (first-contact resolution reads every contact of each customer).

A metric may have a *stand-in* (:func:`register_stand_in`): in a report grouped by
channel, where its own fact has no value for a group, the stand-in's value is shown (the
service level of a chat or ticket row is the share of conversations answered within T).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from contactcenter.errors import InputError
from contactcenter.facts import table_spec
from contactcenter.metrics.measures import measures_of

Kind = Literal[
    "count",
    "sum",
    "ratio",
    "mean",
    "max",
    "percentile",
    "interval_share",
    "derived",
    "snapshot",
    "overlap",
    "distinct",
    "index",
]
Unit = Literal[
    "contacts", "conversations", "messages", "seconds", "fraction", "count", "balance", "score"
]
"""``fraction``: a share in [0, 1]; ``balance``: a difference of two shares, in [-1, 1]
(NPS); ``score``: points of a survey scale (a mean rating)."""
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
VALUE_KINDS = ("sum", "mean", "max", "percentile")
ADDITIVE_KINDS = ("count", "sum", "derived", "snapshot", "overlap", "distinct")
"""Kinds a derived metric may combine (sums of groups are sums of their parts)."""
PART_KINDS = ("snapshot", "overlap")
"""Kinds computed as parts of their own, not in their fact's aggregation."""

_TERM = re.compile(r"\s*([+-])?\s*([a-z_][a-z0-9_]*)\s*")


@dataclass(frozen=True)
class Metric:
    """One KPI definition. ``formula`` is what people read; the other fields are what runs.

    ``fact`` is the table the metric reads (None for ``derived``, which reads the facts
    of the metrics it combines: :attr:`facts`). ``scale`` multiplies a ``derived``
    metric's quotient (3600 turns contacts per second into contacts per hour).
    ``default`` says whether a report that names no metrics shows it (agent metrics are
    shown when named, so queue reports keep their columns). ``floor`` is the least value
    a ``derived`` metric takes (adherence is floored at 0); null stays null.
    """

    name: str
    kind: Kind
    unit: Unit
    formula: str
    description: str
    fact: str | None = "contacts"
    where: str | None = None
    of: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    q: float | None = None
    since: str | None = None
    until: str | None = None
    scale: float = 1.0
    default: bool = True
    floor: float | None = None

    @property
    def facts(self) -> tuple[str, ...]:
        """The tables this metric reads."""
        if self.kind not in ("derived", "index"):
            assert self.fact is not None
            return (self.fact,)
        out: list[str] = []
        for name in self.parts:
            for fact in BY_NAME[name].facts:
                if fact not in out:
                    out.append(fact)
        return tuple(out)

    @property
    def parts(self) -> tuple[str, ...]:
        """Names in the numerator and denominator (flags, or metrics for ``derived``)."""
        names: list[str] = []
        for side in (self.numerator, self.denominator):
            if side:
                names.extend(term for _, term in linear_terms(side))
        return tuple(dict.fromkeys(names))


def linear_terms(text: str) -> list[tuple[int, str]]:
    """Parse ``"a - b + c"`` into ``[(1, 'a'), (-1, 'b'), (1, 'c')]``."""
    terms: list[tuple[int, str]] = []
    pos = 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        if not match or match.end() == pos:
            raise InputError(f"cannot read {text!r} as a sum of counts")
        sign = -1 if match.group(1) == "-" else 1
        terms.append((sign, match.group(2)))
        pos = match.end()
    return terms


BY_NAME: dict[str, Metric] = {}
"""Every registered metric by name, in registration order."""


def catalog() -> tuple[Metric, ...]:
    """Every registered metric, in registration order."""
    return tuple(BY_NAME.values())


def problems_of(m: Metric) -> list[str]:
    """What is wrong with the definition ``m`` (empty when it is valid)."""
    problems: list[str] = []
    if m.kind not in KINDS:
        return [f"{m.name}: unknown kind {m.kind!r}"]
    if (m.scale != 1.0 or m.floor is not None) and m.kind != "derived":
        problems.append(f"{m.name}: only a derived metric has a scale or a floor")
    if m.kind == "derived":
        for _, term in linear_terms(m.numerator or "") + linear_terms(m.denominator or ""):
            if term not in BY_NAME:
                problems.append(f"{m.name}: {term!r} is not a registered metric")
            elif BY_NAME[term].kind not in ADDITIVE_KINDS:
                problems.append(f"{m.name}: {term!r} is a {BY_NAME[term].kind}, not additive")
        if not m.numerator or not m.denominator:
            problems.append(f"{m.name}: derived needs numerator and denominator")
        return problems
    if m.kind == "index":
        if not m.numerator:
            return [f"{m.name}: index needs numerator, the metrics it may combine"]
        for sign, term in linear_terms(m.numerator):
            part = BY_NAME.get(term)
            if part is None:
                problems.append(f"{m.name}: {term!r} is not a registered metric")
            elif part.unit not in ("fraction", "balance") or part.kind in ("index", "derived"):
                problems.append(f"{m.name}: {term!r} is not a fraction of one fact")
            if sign < 0:
                problems.append(f"{m.name}: index parts are listed with '+'")
        return problems
    if m.fact is None:
        return [f"{m.name}: a {m.kind} metric names the fact it reads"]
    try:
        spec = table_spec(m.fact)
    except InputError:
        return [f"{m.name}: fact {m.fact!r} is not a registered table"]
    measures = measures_of(m.fact)
    if not measures.has_flag(m.where):
        problems.append(f"{m.name}: unknown flag {m.where!r} of {m.fact}")
    if m.kind == "distinct":
        if m.of is None or m.of not in spec.schema.names:
            problems.append(f"{m.name}: distinct needs 'of', a column of {m.fact}")
        if measures.partition is not None:
            problems.append(f"{m.name}: distinct needs a fact without a partition column")
    if m.kind in VALUE_KINDS and (m.of is None or not measures.has_value(m.of)):
        problems.append(f"{m.name}: {m.kind} needs 'of', a numeric value of {m.fact}; got {m.of!r}")
    if m.kind == "percentile":
        if not (m.q is not None and 0 < m.q < 1):
            problems.append(f"{m.name}: percentile needs 0 < q < 1, got {m.q!r}")
        flag = measures.flag(m.where) if measures.has_flag(m.where) else None
        if (
            measures.partition
            and flag is not None
            and (flag.partition is None or len(flag.partition) != 1)
        ):
            # a quantile of one partition's values is final at the first level; quantiles
            # of several partitions cannot be combined from per-partition quantiles
            problems.append(
                f"{m.name}: a percentile's flag must name a single {measures.partition}"
            )
    if m.kind == "ratio":
        for side in (m.numerator, m.denominator):
            if side is None:
                problems.append(f"{m.name}: ratio needs numerator and denominator")
                continue
            try:
                terms = linear_terms(side)
            except InputError as exc:
                problems.append(f"{m.name}: {exc}")
                continue
            for _, term in terms:
                if not measures.has_flag(term):
                    problems.append(f"{m.name}: {term!r} is not a flag of {m.fact}")
    if m.kind == "interval_share":
        base = BY_NAME.get(m.of or "")
        if base is None or base.kind != "ratio" or base.fact != m.fact:
            problems.append(f"{m.name}: interval_share needs 'of', a ratio metric of {m.fact}")
        if measures.target is None:
            problems.append(f"{m.name}: fact {m.fact} declares no target")
    if m.kind in PART_KINDS:
        for label, column in (("since", m.since), ("until", m.until)):
            if column is None or (column not in spec.schema.names and column not in measures.added):
                problems.append(f"{m.name}: {m.kind} needs {label!r}, a column of {m.fact}")
    if m.kind == "overlap" and m.of is not None and not measures.has_value(m.of):
        problems.append(f"{m.name}: overlap's 'of' must be a numeric value of {m.fact}")
    return problems


def register_metric(metric: Metric) -> Metric:
    """Validate ``metric`` and add it to the catalog (a new name, or the same record)."""
    current = BY_NAME.get(metric.name)
    if current is not None and current != metric:
        raise InputError(f"invalid metric {metric.name}: the name is registered already")
    problems = problems_of(metric)
    if problems:
        raise InputError("invalid metric catalog: " + "; ".join(problems))
    BY_NAME[metric.name] = metric
    return metric


def unregister_metric(name: str) -> None:
    """Remove a metric (tests that declare a toy metric clean up with it)."""
    BY_NAME.pop(name, None)
    STAND_INS.pop(name, None)


STAND_INS: dict[str, str] = {}
"""Metric name -> the metric shown in its place, by channel, where it has no value."""


def register_stand_in(metric: str, stand_in: str) -> None:
    """In a report grouped by channel, show ``stand_in``'s value where ``metric`` has none
    (both registered, of the same unit)."""
    a, b = BY_NAME.get(metric), BY_NAME.get(stand_in)
    if a is None or b is None or a.unit != b.unit:
        raise InputError(f"invalid stand-in {stand_in!r} for {metric!r}")
    STAND_INS[metric] = stand_in


def validate_catalog(metrics: tuple[Metric, ...]) -> None:
    """Check definitions at once; raise one error listing every problem by name."""
    problems: list[str] = []
    seen: set[str] = set()
    for m in metrics:
        if m.name in seen:
            problems.append(f"{m.name}: duplicate name")
        seen.add(m.name)
        problems.extend(problems_of(m))
    if problems:
        raise InputError("invalid metric catalog: " + "; ".join(problems))


def default_metrics() -> tuple[Metric, ...]:
    """The metrics a report shows when none are named (``default=True``), in order."""
    return tuple(m for m in catalog() if m.default)


def select_metrics(names: list[str] | None) -> list[Metric]:
    """The metrics named (the default set when ``names`` is None or empty; every metric
    for ``["all"]``), in catalog order."""
    if not names:
        return list(default_metrics())
    if names == ["all"]:
        return list(catalog())
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise InputError(
            f"{{field}}: unknown metric(s) {', '.join(unknown)}; "
            "'contactcenter metrics' lists them all",
            field="metrics",
        )
    wanted = set(names)
    return [m for m in catalog() if m.name in wanted]
