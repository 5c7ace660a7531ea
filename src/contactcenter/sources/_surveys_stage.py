"""Checks shared by the survey formats: each answer validated, repeats resolved, rows
written to ``surveys``.

=====================================  ==================================================
a row is rejected when                 reason
=====================================  ==================================================
survey_id empty                        ``survey_id is empty``
kind not one of the kinds              ``kind 'x' is not one of csat, nps, ...``
answered_at empty or not a timestamp   ``answered_at is not a timestamp (ISO 8601)``
answered_at out of range               ``answered_at is outside 1900-2200``
score empty or not a number            ``score is not a number``
scale_min/scale_max not whole numbers  ``scale_max is not a whole number``
scale_min >= scale_max                 ``scale_min 5 is not below scale_max 5``
score outside its scale                ``score 6 is outside its scale 1-5``
=====================================  ==================================================

A second answer with the same (source, survey_id, kind) in one load is ignored as
``duplicate row`` when all its values equal the first, otherwise rejected (the first, in
file order, wins). The answers kept replace stored answers with the same key.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from contactcenter.facts import SURVEY_KINDS, SURVEYS
from contactcenter.sources._instants import in_range, range_reason
from contactcenter.sources._text import reject_text
from contactcenter.store import LoadSession

COLUMNS: tuple[str, ...] = tuple(
    c for c in SURVEYS.schema.names if c not in ("source_tz", "source_file", "source_line")
)
"""The columns a survey file may have (the canonical ones but the provenance)."""

REQUIRED = ("survey_id", "kind", "answered_at", "score", "scale_min", "scale_max")
TEXT_COLUMNS = ("contact_id", "conversation_id", "customer_id", "agent_id", "comment")
I_DUPLICATE = "duplicate row"
R_REPEATED = "survey_id and kind repeated with different values"


class RowError(ValueError):
    """A value of a row that cannot be used (the message is the reject reason)."""


def text(value: Any) -> str | None:
    """A cell as text: None for null, empty or white space only."""
    if value is None:
        return None
    out = value if isinstance(value, str) else str(value)
    return out if out.strip() else None


def instant(value: Any, name: str, tz: ZoneInfo | None, fmt: str | None = None) -> dt.datetime:
    """``value`` (text, or a datetime) as an aware UTC datetime; naive ones are in ``tz``
    (UTC when None)."""
    if isinstance(value, dt.datetime):
        at = value
    else:
        raw = text(value)
        if raw is None:
            raise RowError(f"{name} is empty")
        try:
            if fmt:
                at = dt.datetime.strptime(raw.strip(), fmt)
            else:
                at = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            how = f"format {fmt!r}" if fmt else "ISO 8601"
            raise RowError(f"{name} is not a timestamp ({how})") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz or dt.UTC)
    try:
        utc = at.astimezone(dt.UTC)
    except OverflowError:
        raise RowError(range_reason(name)) from None
    if not in_range(utc):
        raise RowError(range_reason(name))
    return utc


def number(value: Any, name: str, decimal: str = ".") -> float:
    """``value`` as a finite float."""
    if isinstance(value, bool):
        raise RowError(f"{name} is not a number")
    if isinstance(value, int | float):
        out = float(value)
    else:
        raw = text(value)
        if raw is None:
            raise RowError(f"{name} is empty")
        try:
            out = float(raw.strip().replace(decimal, ".") if decimal != "." else raw.strip())
        except ValueError:
            raise RowError(f"{name} is not a number") from None
    if not math.isfinite(out):
        raise RowError(f"{name} is not a number")
    return out


def whole(value: Any, name: str) -> int:
    """``value`` as a whole number."""
    try:
        out = number(value, name)
    except RowError:
        raise RowError(f"{name} is not a whole number") from None
    if out != int(out) or abs(out) > 1e12:
        raise RowError(f"{name} is not a whole number")
    return int(out)


def survey_row(
    values: Mapping[str, Any], *, tz: ZoneInfo | None, fmt: str | None = None, decimal: str = "."
) -> dict[str, Any]:
    """One checked answer (canonical columns but source and provenance) from ``values``
    (column -> cell); raises :class:`RowError` with the reject reason."""
    survey_id = text(values.get("survey_id"))
    if survey_id is None:
        raise RowError("survey_id is empty")
    kind = (text(values.get("kind")) or "").strip().lower()
    if kind not in SURVEY_KINDS:
        shown = text(values.get("kind")) or ""
        raise RowError(f"kind {shown!r} is not one of {', '.join(SURVEY_KINDS)}")
    answered = instant(values.get("answered_at"), "answered_at", tz, fmt)
    score = number(values.get("score"), "score", decimal)
    low = whole(values.get("scale_min"), "scale_min")
    high = whole(values.get("scale_max"), "scale_max")
    if low >= high:
        raise RowError(f"scale_min {low} is not below scale_max {high}")
    if not low <= score <= high:
        raise RowError(f"score {score:g} is outside its scale {low}-{high}")
    row: dict[str, Any] = {
        "survey_id": survey_id,
        "kind": kind,
        "answered_at": answered,
        "score": score,
        "scale_min": low,
        "scale_max": high,
    }
    for name in TEXT_COLUMNS:
        row[name] = text(values.get(name))
    return row


@dataclass
class SurveyStage:
    """The checked answers of one load, written by :meth:`finish`.

    default_source: the source of rows without one; source_override: ``--source``.
    """

    session: LoadSession
    default_source: str
    source_override: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def add(
        self,
        row: dict[str, Any],
        *,
        source: str | None,
        file: str,
        line: int,
        line_text: str,
        source_tz: str | None,
    ) -> None:
        """Keep one checked answer (``survey_row``) with where it came from."""
        full = dict(row)
        full["source"] = self.source_override or source or self.default_source
        full["source_tz"] = source_tz
        full["source_file"] = file
        full["source_line"] = line
        self.rows.append(full)
        self.texts.append(line_text)

    def finish(self) -> int:
        """Resolve repeated keys, write the answers, return how many lines were used.

        Lines that gave several answers (a wide export) are used once; a line is counted
        by its first answer.
        """
        acc = self.session.account
        first: dict[tuple[str, str, str], dict[str, Any]] = {}
        kept: list[dict[str, Any]] = []
        used_lines: set[tuple[str, int]] = set()
        dropped_lines: dict[tuple[str, int], str] = {}
        for row, line_text in zip(self.rows, self.texts, strict=True):
            key = (row["source"], row["survey_id"], row["kind"])
            where = (row["source_file"], row["source_line"])
            seen = first.get(key)
            if seen is None:
                first[key] = row
                kept.append(row)
                used_lines.add(where)
                continue
            same = all(seen[c] == row[c] for c in row if c not in ("source_file", "source_line"))
            if same:
                dropped_lines.setdefault(where, "")
            else:
                at = f"{seen['source_file']}:{seen['source_line']}"
                dropped_lines[where] = f"{reject_text(line_text)}  [first at {at}]"
        conflicts = 0
        for where, reason_text in dropped_lines.items():
            if where in used_lines:  # the line gave another answer that is kept
                conflicts += bool(reason_text)
                continue
            if reason_text:
                acc.reject(where[0], where[1], R_REPEATED, reason_text)
            else:
                acc.ignore(I_DUPLICATE)
        if conflicts:
            acc.notes.append(
                f"{conflicts} lines repeat an answer (survey_id and kind) with other values "
                "beside answers that were kept; the first answer of each was kept"
            )
        table = pa.Table.from_pylist(kept, schema=SURVEYS.schema) if kept else SURVEYS.empty()
        self.session.write("surveys", table)
        acc.used += len(used_lines)
        return len(used_lines)
