"""How metrics read a fact: its flags, row conditions, derived values and notes.

Metric definitions (:mod:`contactcenter.metrics.catalog`) are data: a count of a *flag*,
the mean of a *value* over a flag, a ratio of flag counts. This module declares, per fact,
what those names mean (:class:`Measures`), so that the compiler needs no per-fact code.

* A fact may name a **partition** column with few values (contacts: ``outcome``). The
  compiler aggregates per (group keys, partition value) first and combines the partial
  aggregates second (docs/decisions/0003-report-speed.md), so every flag is declared as
  *(partition values, row conditions)*: the row has one of the values and meets every
  condition. A fact without a partition has flags of conditions only.
* **Conditions** are named boolean expressions on a row, built with the report's
  :class:`Context` (thresholds per channel and queue).
* **Values** are columns of the fact, or sums of columns with nulls counted as 0
  (``handle_s = talk_s + hold_s + acw_s``).
* **Notes** turn hidden counts (computed with every report that reads the fact) into
  what the reader must know (a component the source does not record, contacts left out).

A fact with no declared measures can still be counted, summed and averaged: every row
is in the flag ``all``, and ``of`` may name any numeric column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from contactcenter.facts import table_spec
from contactcenter.metrics.options import OutcomeOptions

if TYPE_CHECKING:
    from contactcenter.metrics.thresholds import Thresholds

ALL = "all"
"""The flag every fact has: every row."""


@dataclass(frozen=True)
class Context:
    """What conditions may depend on besides the row: the report's thresholds, and
    whether the report groups or filters by queue (``by_queue``: facts with a time line per
    agent and one per queue membership, such as agent_states, read the queue's), the
    adherence tolerance, and the options of the outcome metrics."""

    thresholds: Thresholds
    by_queue: bool = False
    tolerance_s: float = 60.0
    """deviations from the schedule this long or shorter are ignored (adherence)"""
    outcomes: OutcomeOptions = field(default_factory=OutcomeOptions)
    engine: str = ""
    """the engine the report runs on (``duckdb``, ``spark``), for engine-specific fast
    paths that give the same rows; empty: the portable form"""


Condition = Callable[[ir.Table, Context], ir.BooleanValue]
NoteMaker = Callable[[Mapping[str, int], frozenset[str]], list[str]]
ContextNoteMaker = Callable[[Mapping[str, int], frozenset[str], Context], list[str]]
Source = Callable[[str], ir.Table]
"""Gives the Ibis table of a registered fact by name (``engine.table``)."""
Derive = Callable[[Source, Context], ir.Table]
"""Builds the rows of a derived fact from the stored facts (and the report's options)."""


@dataclass(frozen=True)
class Flag:
    """A row flag: the row's partition value is one of ``partition`` (None: any row of
    the fact) and it meets every condition in ``conditions``."""

    partition: tuple[str, ...] | None = None
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hidden:
    """A count computed with every report that reads the fact, for its notes: rows with
    ``flag`` (and, when ``of`` is given, whose ``of`` is recorded)."""

    flag: str
    of: str | None = None


@dataclass(frozen=True)
class Measures:
    """The vocabulary metrics use for one fact (see the module docstring).

    fact: the registered table.
    partition: column the first aggregation level groups by, or None.
    flags: flag name -> :class:`Flag`.
    conditions: condition name -> expression builder.
    summed: value name -> the columns it sums (nulls as 0).
    target: level attribute of :class:`~contactcenter.metrics.thresholds.Level` that
        ``interval_share`` metrics compare against (per row), or None.
    hidden: hidden column name -> :class:`Hidden`, summed over the report for notes.
    added: column name -> Ibis type of the columns a report adds to the fact's rows (the
        SLA clocks of conversations, from the report's config); null where it adds none.
    notes: (hidden totals, names of the report's metrics) -> notes for the reader.
    rows: a condition every row a report reads must meet, or None (agent_states: the
        rows of the report's scope, the agent's own time line or the queues').
    context_notes: the same with the report's :class:`Context` as a third argument (for
        notes that name an option, such as the repeat window).
    derive: for a derived fact (a :class:`~contactcenter.facts.TableSpec` with
        ``derived_from``), how its rows are built from the stored facts at report time.
    """

    fact: str
    partition: str | None = None
    flags: Mapping[str, Flag] = field(default_factory=dict)
    conditions: Mapping[str, Condition] = field(default_factory=dict)
    summed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    target: str | None = None
    hidden: Mapping[str, Hidden] = field(default_factory=dict)
    notes: NoteMaker | None = None
    rows: str | None = None
    added: Mapping[str, str] = field(default_factory=dict)
    context_notes: ContextNoteMaker | None = None
    derive: Derive | None = None

    def flag(self, name: str | None) -> Flag:
        """The flag ``name`` (``None`` and ``all`` are every row)."""
        if name is None or name == ALL:
            return Flag()
        return self.flags[name]

    def has_flag(self, name: str | None) -> bool:
        """Whether ``name`` is a flag of this fact."""
        return name is None or name == ALL or name in self.flags

    def has_value(self, name: str) -> bool:
        """Whether ``name`` is a value metrics may aggregate (a numeric column or a sum)."""
        if name in self.summed:
            return True
        if name in self.added:
            return self.added[name] in ("float64", "int64")
        schema = table_spec(self.fact).schema
        if name not in schema.names:
            return False
        kind = schema.field(name).type
        return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))


_MEASURES: dict[str, Measures] = {}


def register_measures(measures: Measures) -> Measures:
    """Declare how metrics read ``measures.fact`` (replaces an earlier declaration)."""
    table_spec(measures.fact)  # the fact must be registered
    _MEASURES[measures.fact] = measures
    return measures


def with_added(table: ir.Table, fact: str) -> ir.Table:
    """``table`` with the columns :attr:`Measures.added` declares that it lacks, as nulls."""
    missing = {
        name: ibis.null(kind)
        for name, kind in measures_of(fact).added.items()
        if name not in table.columns
    }
    return table.mutate(**missing) if missing else table


def measures_of(fact: str) -> Measures:
    """The measures of ``fact`` (a fact nobody declared has the default: flag ``all``)."""
    return _MEASURES.get(fact) or Measures(fact=fact)
