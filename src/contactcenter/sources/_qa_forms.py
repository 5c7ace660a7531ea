"""QA evaluation forms: a YAML file of sections and items, and how an evaluation is scored.

::

    form: call_quality            # the form's name (stored with every evaluation)
    sections:
      - name: Opening
        items:
          - {id: greeting, text: "Greets with the company name", weight: 1}
          - {id: identity, text: "Verifies the caller", weight: 2, critical: true}
      - name: Handling
        items:
          - {id: knowledge, type: scale, scale: [1, 5], weight: 3, na: true, pass_at: 4}
          - {id: hold_etiquette, weight: 1, na: true}

An item is ``yes_no`` (the default: answers yes/no, also y/n, 1/0, true/false, pass/fail)
or ``scale`` (a whole number on ``scale: [min, max]``). ``weight`` (default 1, > 0) is its
share of the score; ``na: true`` allows the answer N/A (``n/a``, ``na``, or an empty
cell), which leaves the item out of the score's denominator; ``critical: true`` makes the
whole evaluation score 0 when the item fails. A yes/no item passes on yes; a scale item
when its answer is at least ``pass_at`` (default the top of its scale).

The score of an evaluation, 0-100: 100 · Σ weight · value / Σ weight over the items
answered (not N/A), value 1 for yes, 0 for no, (answer - min) / (max - min) on a scale;
0 when a critical item failed; null when every item is N/A.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from contactcenter.errors import FIELD, ConfigError

YES = frozenset({"yes", "y", "1", "true", "pass", "passed"})
NO = frozenset({"no", "n", "0", "false", "fail", "failed"})
NA = frozenset({"n/a", "na", ""})
_ITEM_KEYS = {"id", "text", "type", "scale", "weight", "na", "critical", "pass_at"}


class AnswerError(ValueError):
    """An answer that the form does not allow (the message is the reject reason)."""


@dataclass(frozen=True)
class Item:
    """One question of a form."""

    id: str
    section: str
    text: str = ""
    kind: str = "yes_no"
    low: int = 0
    high: int = 1
    weight: float = 1.0
    na: bool = False
    critical: bool = False
    pass_at: float = 1.0

    def read(self, cell: str | None) -> float | None:
        """The value of an answer in [0, 1], or None for N/A (AnswerError otherwise)."""
        text = (cell or "").strip().lower()
        if text in NA:
            if not self.na:
                raise AnswerError(f"item {self.id}: N/A is not allowed")
            return None
        if self.kind == "yes_no":
            if text in YES:
                return 1.0
            if text in NO:
                return 0.0
            raise AnswerError(f"item {self.id}: {cell!r} is not yes or no")
        try:
            number = float(text)
        except ValueError:
            raise AnswerError(f"item {self.id}: {cell!r} is not a number") from None
        if number != int(number) or not self.low <= number <= self.high:
            raise AnswerError(
                f"item {self.id}: {cell!r} is not a whole number in {self.low}-{self.high}"
            )
        return (number - self.low) / (self.high - self.low)

    def passed(self, value: float | None) -> bool | None:
        """Whether a value read by :meth:`read` passes (None for N/A)."""
        if value is None:
            return None
        if self.kind == "yes_no":
            return value == 1.0
        return value * (self.high - self.low) + self.low >= self.pass_at - 1e-9


@dataclass(frozen=True)
class Form:
    """A parsed QA form."""

    name: str
    items: tuple[Item, ...]

    def item_ids(self) -> tuple[str, ...]:
        """The items' ids in form order."""
        return tuple(i.id for i in self.items)

    def score(self, values: Mapping[str, float | None]) -> tuple[float | None, bool]:
        """(score 0-100 or None when all N/A, a critical item failed) of the values."""
        failed = any(i.critical and i.passed(values[i.id]) is False for i in self.items)
        weights = sum(i.weight for i in self.items if values[i.id] is not None)
        if not weights:
            return None, failed
        if failed:
            return 0.0, True
        points = sum(i.weight * v for i in self.items if (v := values[i.id]) is not None)
        return 100.0 * points / weights, False


def _item(raw: Any, section: str, where: str, bad: Any) -> Item:
    if not isinstance(raw, dict):
        raise bad(f"{where}: an item is a mapping with an id")
    unknown = set(raw) - _ITEM_KEYS
    if unknown:
        raise bad(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_ITEM_KEYS)}")
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise bad(f"{where}.id: a non-empty name")
    kind = str(raw.get("type", "yes_no"))
    if kind not in ("yes_no", "scale"):
        raise bad(f"{where}.type: yes_no or scale, got {kind!r}")
    low, high = 0, 1
    if kind == "scale":
        scale = raw.get("scale")
        if (
            not isinstance(scale, list)
            or len(scale) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in scale)
            or scale[0] >= scale[1]
        ):
            raise bad(f"{where}.scale: two whole numbers [min, max] with min < max")
        low, high = scale
    elif "scale" in raw or "pass_at" in raw:
        raise bad(f"{where}: scale and pass_at are for type scale")
    weight = raw.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
        raise bad(f"{where}.weight: a number > 0, got {weight!r}")
    for flag in ("na", "critical"):
        if not isinstance(raw.get(flag, False), bool):
            raise bad(f"{where}.{flag}: true or false")
    pass_at = raw.get("pass_at", high)
    if isinstance(pass_at, bool) or not isinstance(pass_at, int | float):
        raise bad(f"{where}.pass_at: a number")
    if not low < pass_at <= high and kind == "scale":
        raise bad(f"{where}.pass_at: above {low} and at most {high}")
    return Item(
        id=ident.strip(),
        section=section,
        text=str(raw.get("text", "")),
        kind=kind,
        low=low,
        high=high,
        weight=float(weight),
        na=bool(raw.get("na", False)),
        critical=bool(raw.get("critical", False)),
        pass_at=float(pass_at),
    )


def read_form(path: Path) -> Form:
    """Parse and check a form; every problem is a ConfigError about the field ``form``."""

    def bad(message: str) -> ConfigError:
        return ConfigError(f"{FIELD} {path}: {message}", field="form")

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", field="form") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise bad(f"not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(raw, dict) or set(raw) - {"form", "sections", "version"}:
        raise bad("the top level has form, sections (and optionally version)")
    name = raw.get("form")
    if not isinstance(name, str) or not name.strip():
        raise bad("form: the form's name")
    sections = raw.get("sections")
    if not isinstance(sections, list) or not sections:
        raise bad("sections: a non-empty list of {name, items}")
    items: list[Item] = []
    for s, section in enumerate(sections):
        where = f"sections[{s}]"
        if not isinstance(section, dict) or set(section) != {"name", "items"}:
            raise bad(f"{where}: give name and items")
        if not isinstance(section["items"], list) or not section["items"]:
            raise bad(f"{where}.items: a non-empty list")
        for i, raw_item in enumerate(section["items"]):
            items.append(_item(raw_item, str(section["name"]), f"{where}.items[{i}]", bad))
    ids = [i.id for i in items]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise bad(f"item ids repeated: {repeated}")
    return Form(name=name.strip(), items=tuple(items))
