"""Report options of the outcome metrics: the FCR repeat rules, the CSAT top box and the
weights of the CSI index (docs/metrics.md, "Outcome options").

They are report options, like the thresholds: the same store answers "FCR within 7 days"
and "FCR within 3 days, same channel" without loading anything again. The CLI gives them
as ``report`` flags (``--fcr-window``, ``--fcr-same-channel``, ``--fcr-min-gap``,
``--csat-top-box``, ``--csi-weights``, ``--complaints``), the Python API as keywords of
the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from contactcenter.errors import InputError
from contactcenter.units import DAY_S

DEFAULT_REPEAT_WINDOW_S = 7 * DAY_S
"""A contact followed by another of the same customer within this time is repeated."""

MAX_REPEAT_WINDOW_S = 366 * DAY_S
"""The longest repeat window accepted (a year)."""

DEFAULT_TOP_BOX: Mapping[int, int] = MappingProxyType(
    {2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2, 10: 3, 11: 3}
)
"""Scale size (points) -> how many top points count as satisfied in ``csat``: top 1 of a
2- or 3-point scale, top 2 of a 4- to 7-point scale, top 3 of a 10- or 11-point one.
Sizes not listed (8, 9, over 11) have no top box until one is configured."""

CSI_PARTS = ("csat", "nps", "ces", "fcr")
"""Metrics the ``csi`` index may combine (each a share; NPS is mapped to (nps + 1) / 2)."""

DEFAULT_CSI_WEIGHTS: Mapping[str, float] = MappingProxyType({"csat": 0.5, "nps": 0.25, "ces": 0.25})
"""Weights of the ``csi`` index by default (parts not listed weigh 0)."""


@dataclass(frozen=True)
class OutcomeOptions:
    """The options of the outcome metrics.

    repeat_window_s: a later contact of the same customer starting within this time of
        a contact's end makes it repeated (``fcr``); default 7 days.
    same_channel: only a later contact on the same channel is a repeat.
    min_gap_s: a later contact starting less than this after the end is a continuation
        of the same contact, not a repeat (default 0).
    top_box: scale size -> top points counted as satisfied (``csat``).
    csi_weights: metric -> weight of the ``csi`` index (of :data:`CSI_PARTS`).
    complaint_codes: the disposition codes that are complaints (``complaints``).
    """

    repeat_window_s: float = DEFAULT_REPEAT_WINDOW_S
    same_channel: bool = False
    min_gap_s: float = 0.0
    top_box: Mapping[int, int] = field(default_factory=lambda: dict(DEFAULT_TOP_BOX))
    csi_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CSI_WEIGHTS))
    complaint_codes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not 0 < self.repeat_window_s <= MAX_REPEAT_WINDOW_S:
            raise InputError(
                f"{{field}} must be more than 0 and at most 366 days, got "
                f"{self.repeat_window_s:g} s",
                field="fcr_window",
            )
        if not 0 <= self.min_gap_s < self.repeat_window_s:
            raise InputError(
                f"{{field}} must be at least 0 and less than the repeat window, got "
                f"{self.min_gap_s:g} s",
                field="fcr_min_gap",
            )
        for size, top in self.top_box.items():
            if not (isinstance(size, int) and isinstance(top, int) and 1 <= top < size):
                raise InputError(
                    f"{{field}}: a scale of {size} points cannot have a top box of {top} "
                    "(1 <= top < size)",
                    field="csat_top_box",
                )
        unknown = [k for k in self.csi_weights if k not in CSI_PARTS]
        if unknown:
            raise InputError(
                f"{{field}}: unknown part(s) {', '.join(unknown)}; allowed: {', '.join(CSI_PARTS)}",
                field="csi_weights",
            )
        if any(not (w >= 0) for w in self.csi_weights.values()) or not any(
            w > 0 for w in self.csi_weights.values()
        ):
            raise InputError(
                "{field}: weights must be numbers >= 0, at least one of them above 0",
                field="csi_weights",
            )

    def csi_parts(self) -> tuple[tuple[str, float], ...]:
        """The (metric, weight) pairs of the index with a weight above 0, in
        :data:`CSI_PARTS` order."""
        return tuple((k, float(self.csi_weights[k])) for k in CSI_PARTS if self.csi_weights.get(k))

    def csi_note(self) -> str:
        """How the index was computed, for the report's notes."""
        total = sum(w for _, w in self.csi_parts())
        terms = " + ".join(
            f"{w / total:.3g}·{'(nps + 1)/2' if k == 'nps' else k}" for k, w in self.csi_parts()
        )
        return (
            f"csi = {terms} (weights as given: "
            + ", ".join(f"{k}={w:g}" for k, w in self.csi_parts())
            + "; a part without a value leaves the index's denominator)"
        )


def parse_pairs(text: str, field: str) -> dict[str, str]:
    """``"a=1,b=2"`` as ``{"a": "1", "b": "2"}`` (InputError about ``field`` otherwise)."""
    out: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(
                f"{{field}}: cannot read {item.strip()!r}; write NAME=VALUE pairs separated "
                "by commas",
                field=field,
            )
        if key.strip() in out:
            raise InputError(f"{{field}}: {key.strip()!r} is given twice", field=field)
        out[key.strip()] = value.strip()
    return out


def read_complaint_codes(path: str | Path, field: str = "complaints") -> frozenset[str]:
    """The complaint codes of a YAML file: a list of disposition codes, or a mapping
    whose ``complaints`` key holds that list (a report's ``--config`` file may have it
    beside the thresholds). A file without the key gives no codes."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{{field}}: cannot read {p}: {reason}", field=field) from None
    if isinstance(data, dict):
        data = data.get("complaints", [])
    if data is None:
        data = []
    if not isinstance(data, list) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip() for v in data
    ):
        raise InputError(
            f"{{field}}: {p}: complaints must be a list of disposition codes", field=field
        )
    return frozenset(str(v).strip() for v in data)
