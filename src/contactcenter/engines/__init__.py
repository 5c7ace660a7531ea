"""Where report expressions run: DuckDB (default, embedded) or Spark (scale-out), via Ibis.

:func:`open_engine` returns an :class:`Engine` whose ``contacts`` is an Ibis table of the
canonical contacts; the metric compiler builds on it and ``execute`` runs the result.
"""

from contactcenter.engines.base import Engine, open_engine

__all__ = ["Engine", "open_engine"]
