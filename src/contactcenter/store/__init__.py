"""The embedded DuckDB warehouse: canonical tables, idempotent loads, the load journal.

See :class:`contactcenter.store.warehouse.Store`.
"""

from contactcenter.store.warehouse import LoadAccount, LoadReport, LoadSession, Reject, Store

__all__ = ["LoadAccount", "LoadReport", "LoadSession", "Reject", "Store"]
