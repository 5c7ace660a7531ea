"""``ingest``: load files of one format into a store, in one transaction.

>>> report = contactcenter.ingest("cc.duckdb", ["queue_log"], format="queue_log")  # doctest: +SKIP
>>> report.lines_read, report.contacts_inserted  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from contactcenter.errors import InputError
from contactcenter.sources import FORMATS, IngestOptions
from contactcenter.sources import ingest as load_files
from contactcenter.store import LoadReport, Store

__all__ = ["FORMATS", "ingest"]


def ingest(
    db: str | Path,
    files: str | Path | Sequence[str | Path],
    *,
    format: str,
    source_tz: str | None = None,
    mapping: str | Path | None = None,
    source: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    form: str | Path | None = None,
    pause_reasons: str | Path | None = None,
    disposition_event: str | None = None,
) -> LoadReport:
    """Load ``files`` of ``format`` into the store ``db`` (created if missing) in one
    transaction and return the load report.

    Every line read is used, ignored with a reason or rejected with its line number
    (appended to ``<db>.rejects.csv``); loading the same files again changes nothing; a
    file that is not in the declared format stops the load and leaves the store as it
    was (a store file the load created is removed).

    format: one of :data:`FORMATS` (queue_log, queue_log_csv, technion, contacts, csv,
    ticket_events, twcs, messages, messages_csv, agent_states, agent_states_csv,
    schedule_csv, surveys, surveys_csv, qa_evaluations, qa_evaluations_csv). source_tz:
    IANA zone of naive local times (technion, queue_log_csv realtime, csv, ticket_events,
    messages_csv, surveys_csv). mapping: the YAML mapping (``csv``, ``ticket_events``,
    ``messages_csv``, ``agent_states_csv``, ``surveys_csv``, ``qa_evaluations_csv``).
    source: the ``source`` name written into the rows (default: the format's).
    delimiter: the separator of ``queue_log_csv`` (``,`` ``;`` ``tab``; default:
    detected). progress: called as ``progress(file, bytes_done, bytes_total)`` while
    reading. pause_reasons: a CSV of pause reason codes and names (``code``, ``name``
    columns; PBXware's pause_reasons.csv) for the queue_log formats: agent states name a
    coded pause by its name. disposition_event: the queue_log verb a PBX writes a
    contact's disposition (wrap-up code, in data1) with (queue_log formats). form: the
    QA form (YAML) that ``qa_evaluations`` files are scored on.
    """
    if format not in FORMATS:
        raise InputError(
            f"{{field}}: unknown format {format!r}; allowed: {', '.join(FORMATS)}", field="format"
        )
    paths = [Path(files)] if isinstance(files, str | Path) else [Path(f) for f in files]
    options = IngestOptions(
        source_tz=source_tz,
        mapping=Path(mapping) if mapping is not None else None,
        source=source,
        delimiter=delimiter,
        progress=progress,
        form=Path(form) if form is not None else None,
        pause_reasons=Path(pause_reasons) if pause_reasons is not None else None,
        disposition_event=disposition_event,
    )
    with Store(db) as store:
        return load_files(store, fmt=format, files=paths, options=options)
