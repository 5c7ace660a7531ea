"""The application layer: the functions the CLI calls and a web service will call.

Each public function takes the options of one command as keyword arguments named after
its CLI flags (``--short-abandon`` is ``short_abandon``, ``--from`` is ``start``),
validates them (errors name the field: :class:`contactcenter.errors.ContactCenterError`),
runs the library and returns a typed result. Nothing here parses command lines or
prints: the CLI (:mod:`contactcenter.cli`) parses, calls one function, and prints.

=================  ===========================================================
module             functions (one module per CLI module ``cli/*_cmd.py``)
=================  ===========================================================
``app.ingest``     ``ingest``
``app.report``     ``report``, ``catalog`` (the ``metrics`` command)
``app.impact``     ``impact``
``app.staffing``   ``staff``, ``plan``, ``simulate``
``app.forecast``   ``forecast``, ``backtest``
``app.schedule``   ``schedule``
=================  ===========================================================

The package ``contactcenter`` re-exports every function (``contactcenter.report(...)``),
imported on first use so that a command starts without loading what it does not need.
See docs/python-api.md.
"""
