"""Indexes over the outcome metrics: ``csi``, the customer satisfaction index.

``csi`` = Σ wᵢ·xᵢ / Σ wᵢ over its parts with a value in the group, the parts being
``csat``, ``(nps + 1) / 2``, ``ces`` and ``fcr`` (each a share in [0, 1]); the weights are
the report option ``csi_weights`` (default csat 0.5, nps 0.25, ces 0.25, fcr 0) and the
report's notes print them. A part with weight 0 is not computed.
"""

from __future__ import annotations

from contactcenter.metrics import fcr as _fcr  # noqa: F401  (registers fcr)
from contactcenter.metrics import surveys as _surveys  # noqa: F401  (registers csat, nps, ces)
from contactcenter.metrics.catalog import Metric, register_metric

CSI = register_metric(
    Metric(
        name="csi",
        kind="index",
        unit="fraction",
        formula="Σ weight·part / Σ weight over csat, (nps + 1)/2, ces, fcr with a value",
        description=(
            "Customer satisfaction index: a weighted mean of the outcome shares (weights "
            "csi_weights, default csat 0.5, nps 0.25, ces 0.25; printed in the notes)."
        ),
        fact=None,
        numerator="csat + nps + ces + fcr",
        default=False,
    )
)
