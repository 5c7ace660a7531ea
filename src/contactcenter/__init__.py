"""contactcenter: measure and plan the availability of a customer-service contact center.

Data flows one way: input formats (``sources``) -> canonical tables (``facts``) -> the
store (``store``) -> the metric catalog (``metrics``) -> an engine (``engines``) ->
reports (``reports``). Beside it, ``staffing``, ``simulation``, ``forecasting`` and
``scheduling`` plan how many agents
are needed and when. ``app`` is the application layer (one function per command, the
Python API re-exported here); ``cli`` is a thin layer over it.

>>> import contactcenter
>>> contactcenter.staff(calls=100, period="30m", aht="3m").agents  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API: dict[str, str] = {
    "ingest": "contactcenter.app.ingest",
    "report": "contactcenter.app.report",
    "catalog": "contactcenter.app.report",
    "impact": "contactcenter.app.impact",
    "staff": "contactcenter.app.staffing",
    "plan": "contactcenter.app.staffing",
    "simulate": "contactcenter.app.staffing",
    "forecast": "contactcenter.app.forecast",
    "backtest": "contactcenter.app.forecast",
    "schedule": "contactcenter.app.schedule",
}
"""The public functions and the module of the application layer that defines each."""

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    """Import a public function's module on first use (keeps ``import contactcenter``
    and every CLI command fast)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'contactcenter' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
