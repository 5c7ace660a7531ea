"""contactcenter: measure and plan the availability of a customer-service contact center.

Data flows one way: sources -> canonical tables (``model``) -> the store (``store``)
-> the metric catalog (``metrics``) -> an engine (``engines``) -> reports (``report``).
Beside it, ``staffing``, ``simulate``, ``forecast`` and ``schedule`` plan how many agents
are needed and when. ``cli`` is a thin layer over all of them.
"""

__version__ = "0.1.0"
