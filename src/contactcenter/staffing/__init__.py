"""Staffing models: how many agents a queue needs, and what a staffing level delivers.

numpy/scipy only, no I/O. Models (formulas, assumptions and sources in each docstring and
in docs/staffing.md): :func:`erlang_b`, :func:`erlang_c`, :func:`erlang_a`, :func:`chat`
(agents with several conversations at once), :func:`deferred_plan` (email, tickets with
a backlog), the inverse question :func:`required_agents`, :func:`gross_agents`
(shrinkage) and :func:`estimate_patience` (mean patience from data).
"""

from contactcenter.staffing.chat_model import ChatMetrics, chat, chat_required_agents
from contactcenter.staffing.deferred import DeferredResult, deferred_evaluate, deferred_plan
from contactcenter.staffing.erlang import (
    SL_DEFINITIONS,
    QueueMetrics,
    SlDefinition,
    erlang_a,
    erlang_b,
    erlang_c,
    queue_metrics,
    service_level,
)
from contactcenter.staffing.inverse import RTOL, Requirement, gross_agents, required_agents
from contactcenter.staffing.patience import (
    PatienceEstimate,
    estimate_patience,
    estimate_patience_by,
)

__all__ = [
    "RTOL",
    "SL_DEFINITIONS",
    "ChatMetrics",
    "DeferredResult",
    "PatienceEstimate",
    "QueueMetrics",
    "Requirement",
    "SlDefinition",
    "chat",
    "chat_required_agents",
    "deferred_evaluate",
    "deferred_plan",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "estimate_patience",
    "estimate_patience_by",
    "gross_agents",
    "queue_metrics",
    "required_agents",
    "service_level",
]
