"""Discrete-event simulation of contact-center queues, written out as canonical contacts.

:func:`simulate` runs a seeded, reproducible FIFO multi-server queue with abandonment
(Poisson arrivals per interval, exponential/lognormal/resampled handle times,
exponential/resampled patience, agents per interval, chat concurrency);
:func:`summarize` gives the run's KPIs with the KPI engine's definitions and
:func:`to_contacts` the canonical ``contacts`` table the store loads.
"""

from contactcenter.simulation.engine import SimulationResult, simulate
from contactcenter.simulation.output import DEFAULT_START, summarize, to_contacts

__all__ = ["DEFAULT_START", "SimulationResult", "simulate", "summarize", "to_contacts"]
