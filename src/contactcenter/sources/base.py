"""The contract every ingestion format follows.

A format is a module in ``contactcenter.sources`` with a ``load(session, files, options)``
function. It reads each file, accounts for **every** line in ``session.account``
(used, ignored with a reason, or rejected with line number and reason), and writes
canonical rows through ``session.write(table, rows)`` (any registered table).
The store wraps the call in a transaction and checks the accounting before commit.

A file that is not in the declared format at all raises
:class:`~contactcenter.errors.FormatError` naming the file and the first offending line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from contactcenter.store import LoadSession


@dataclass(frozen=True)
class IngestOptions:
    """Options shared by the formats (each format documents which it reads).

    source_tz: IANA time zone of naive local timestamps (technion default Asia/Jerusalem).
    mapping: YAML column mapping for the generic ``csv`` format.
    source: override of the ``source`` name written into canonical rows.
    delimiter: field separator of ``queue_log_csv`` files: ``","``, ``";"``, ``"\\t"``
        (or ``"tab"``), or ``"auto"``/None to detect it from each file's header line.
    progress: called as progress(file, bytes_done, bytes_total) while reading.
    form: the QA form (YAML) that ``qa_evaluations`` files are scored on.
    pause_reasons: CSV of pause reason codes and their names (columns ``code`` and
        ``name``, e.g. PBXware's pause_reasons.csv) for the queue_log formats: agent
        states show a pause whose reason is a known code by its name.
    disposition_event: the queue_log verb a PBX writes a contact's disposition (wrap-up
        code, in data1) with, for the queue_log formats.
    """

    source_tz: str | None = None
    mapping: Path | None = None
    source: str | None = None
    delimiter: str | None = None
    progress: Callable[[str, int, int], None] | None = None
    form: Path | None = None
    pause_reasons: Path | None = None
    disposition_event: str | None = None


class LoadFn(Protocol):
    """The signature of a format's ``load`` function."""

    def __call__(
        self, session: LoadSession, files: Sequence[Path], options: IngestOptions
    ) -> None: ...
