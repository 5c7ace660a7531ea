"""The embedded DuckDB warehouse: every registered table, idempotent loads, the journal.

See :class:`contactcenter.store.warehouse.Store` and :mod:`contactcenter.store.database`
(one database per file per process, shared with the engines).
"""

from contactcenter.store.database import (
    Connection,
    check_store_path,
    connect,
    store_files,
    was_interrupted,
)
from contactcenter.store.journal import LoadAccount, LoadReport, Reject
from contactcenter.store.warehouse import LoadSession, Store

__all__ = [
    "Connection",
    "LoadAccount",
    "LoadReport",
    "LoadSession",
    "Reject",
    "Store",
    "check_store_path",
    "connect",
    "store_files",
    "was_interrupted",
]
