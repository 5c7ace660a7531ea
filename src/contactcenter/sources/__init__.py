"""Ingestion of real formats into the store: one module per format.

========================  =====================================================
format                    module
========================  =====================================================
``queue_log``             :mod:`contactcenter.sources.queue_log` (raw Asterisk file)
``queue_log_csv``         :mod:`contactcenter.sources.queue_log_csv` (DB export)
``technion``              :mod:`contactcenter.sources.technion`
``contacts``              :mod:`contactcenter.sources.contacts_file` (Parquet/CSV)
``csv``                   :mod:`contactcenter.sources.mapped_csv` (YAML mapping)
``surveys``               :mod:`contactcenter.sources.surveys_file` (Parquet/CSV)
``surveys_csv``           :mod:`contactcenter.sources.surveys_csv` (YAML mapping)
``qa_evaluations``        :mod:`contactcenter.sources.qa_file` (with a QA form)
``qa_evaluations_csv``    :mod:`contactcenter.sources.qa_csv` (form + YAML mapping)
``agent_states``          :mod:`contactcenter.sources.agent_states_file` (state intervals)
``agent_states_csv``      :mod:`contactcenter.sources.agent_states_csv` (YAML mapping)
``schedule_csv``          :mod:`contactcenter.sources.schedule_csv` (agents' schedules)
========================  =====================================================
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from contactcenter.errors import InputError
from contactcenter.sources.base import IngestOptions, LoadFn
from contactcenter.store import LoadReport, Store

FORMATS: dict[str, str] = {
    "queue_log": "contactcenter.sources.queue_log",
    "queue_log_csv": "contactcenter.sources.queue_log_csv",
    "technion": "contactcenter.sources.technion",
    "contacts": "contactcenter.sources.contacts_file",
    "csv": "contactcenter.sources.mapped_csv",
    "surveys": "contactcenter.sources.surveys_file",
    "surveys_csv": "contactcenter.sources.surveys_csv",
    "qa_evaluations": "contactcenter.sources.qa_file",
    "qa_evaluations_csv": "contactcenter.sources.qa_csv",
    "agent_states": "contactcenter.sources.agent_states_file",
    "agent_states_csv": "contactcenter.sources.agent_states_csv",
    "schedule_csv": "contactcenter.sources.schedule_csv",
    "ticket_events": "contactcenter.sources.ticket_events",
    "twcs": "contactcenter.sources.twcs",
    "messages": "contactcenter.sources.messages_file",
    "messages_csv": "contactcenter.sources.messages_csv",
}


DELIMITED_FORMATS = ("queue_log_csv",)
QUEUE_LOG_FORMATS = ("queue_log", "queue_log_csv")
"""Formats that derive agent states from agent events (and read ``pause_reasons``)."""
"""Formats that read :attr:`IngestOptions.delimiter`."""

_SEPARATOR = {
    "queue_log": "its fields are separated by '|'",
    "technion": "its files are tab-separated",
    "contacts": "its CSV files are comma-separated",
    "csv": "the mapping file's 'delimiter' key sets the separator",
    "surveys": "its CSV files are comma-separated",
    "surveys_csv": "the mapping file's 'delimiter' key sets the separator",
    "qa_evaluations": "its CSV files are comma-separated",
    "qa_evaluations_csv": "the mapping file's 'delimiter' key sets the separator",
    "agent_states": "its CSV files are comma-separated",
    "agent_states_csv": "the mapping file's 'delimiter' key sets the separator",
    "schedule_csv": "its CSV files are comma-separated",
}


def loader(fmt: str) -> LoadFn:
    """Return the ``load`` function of format ``fmt``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}", field="format")
    module = importlib.import_module(FORMATS[fmt])
    fn: LoadFn = module.load
    return fn


def ingest(
    store: Store, *, fmt: str, files: Sequence[str | Path], options: IngestOptions | None = None
) -> LoadReport:
    """Load ``files`` of format ``fmt`` into ``store`` in one transaction; return the report."""
    load = loader(fmt)
    options = options or IngestOptions()
    if options.delimiter is not None and fmt not in DELIMITED_FORMATS:
        raise InputError(
            f"{{field}} does not apply to format {fmt}: {_SEPARATOR.get(fmt, '')}; it is "
            f"for {', '.join(DELIMITED_FORMATS)}",
            field="delimiter",
        )
    if options.pause_reasons is not None and fmt not in QUEUE_LOG_FORMATS:
        raise InputError(
            f"{{field}} does not apply to format {fmt}; it is for "
            f"{', '.join(QUEUE_LOG_FORMATS)} (agent states from agent events)",
            field="pause_reasons",
        )
    paths = [Path(f) for f in files]
    if not paths:
        raise InputError("give at least one file to load", field="files")
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p} does not exist or is not a file", field="files")
    with store.load(fmt=fmt, files=[str(p) for p in paths]) as session:
        load(session, paths, options)
    return store.last_report


__all__ = ["FORMATS", "IngestOptions", "ingest", "loader"]
