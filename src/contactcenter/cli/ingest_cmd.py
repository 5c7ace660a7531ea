"""``contactcenter ingest``: load files of one format into the store and print the load report."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from contactcenter.app.ingest import FORMATS, ingest
from contactcenter.cli.common import user_errors
from contactcenter.reports.text import printable
from contactcenter.store import LoadReport

PROGRESS_MIN_BYTES = 4 << 20
"""Loads smaller than this (all files together) draw no progress bar."""


@contextmanager
def _progress(files: list[Path]) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on stderr for long loads, only when stderr is a terminal."""
    total = sum(p.stat().st_size for p in files if p.is_file())
    if not sys.stderr.isatty() or total < PROGRESS_MIN_BYTES:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def update(name: str, done: int, size: int) -> None:
        if name not in tasks:
            tasks[name] = bar.add_task(name, total=size)
        bar.update(tasks[name], completed=done)

    with bar:
        yield update


def format_report(report: LoadReport, db: Path) -> str:
    """The load report as people read it."""
    n = len(report.files)
    out = [
        f"loaded {n} file{'s' if n != 1 else ''} as {report.format} into {db} "
        f"(load {report.load_id})",
        f"  lines read      {report.lines_read:>10,}",
        f"    used          {report.lines_used:>10,}",
        f"    ignored       {report.lines_ignored:>10,}",
    ]
    for reason, count in sorted(report.ignored.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"      {count:>10,}  {reason}")
    out.append(f"    rejected      {report.lines_rejected:>10,}")
    for reason, count in sorted(report.rejected.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"      {count:>10,}  {reason}")
    if report.rejects_file:
        out.append(f"      line numbers and text of rejected lines: {report.rejects_file}")
    # Only the tables this format writes: a survey load says nothing of contacts, and a
    # call log always says how many agent events it held, even none.
    tables = dict(report.tables)
    if "contacts" in tables:
        tables = {"contacts": tables.pop("contacts"), "agent_events": {"inserted": 0}} | tables
    labels = {table: table.replace("_", " ") for table in tables}
    width = max([15, *(len(label) for label in labels.values())])
    for table, counts in tables.items():
        updated = f", {counts['updated']:,} updated" if "updated" in counts else ""
        if table == "contacts":
            updated = f", {report.contacts_updated:,} updated"
        deleted = f", {counts['deleted']:,} deleted" if counts.get("deleted") else ""
        inserted = f"{counts['inserted']:>10,} inserted"
        out.append(f"  {labels[table]:<{width}} {inserted}{updated}{deleted}")
    if report.notes:
        out.append("  notes")
        out.extend(f"    - {printable(note)}" for note in report.notes)
    return "\n".join(out)


@user_errors
def ingest_command(
    files: list[Path] = typer.Argument(
        ..., metavar="FILE", help="Files to load (rotated logs in any order)."
    ),
    db: Path = typer.Option(..., "--db", help="The store (DuckDB file); created if missing."),
    fmt: str = typer.Option(..., "--format", help=f"One of: {', '.join(FORMATS)}."),
    source_tz: str | None = typer.Option(
        None,
        "--source-tz",
        help="IANA zone of naive local times (technion: Asia/Jerusalem by default; "
        "queue_log_csv realtime datetimes; csv and agent_states_csv mappings; "
        "agent_states).",
    ),
    mapping: Path | None = typer.Option(
        None,
        "--mapping",
        help="YAML mapping: columns (required by --format csv, messages_csv, "
        "agent_states_csv, surveys_csv, qa_evaluations_csv); columns and activities "
        "(ticket_events).",
    ),
    source: str | None = typer.Option(
        None, "--source", help="Source name written into the rows (default: the format's)."
    ),
    delimiter: str | None = typer.Option(
        None,
        "--delimiter",
        help="Field separator of queue_log_csv files: ',', ';', tab (or '\\t') or auto "
        "(default: detected from each file's header line).",
    ),
    form: Path | None = typer.Option(
        None, "--form", help="QA form (YAML) the evaluations are scored on (qa_evaluations, _csv)."
    ),
    pause_reasons: Path | None = typer.Option(
        None,
        "--pause-reasons",
        help="CSV of pause reason codes and names (columns code, name; PBXware's "
        "pause_reasons.csv) for queue_log and queue_log_csv.",
    ),
    disposition_event: str | None = typer.Option(
        None,
        "--disposition-event",
        help="queue_log verb a PBX writes a contact's disposition (wrap-up code, in data1) "
        "with, for queue_log and queue_log_csv.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the load report as JSON."),
) -> None:
    """Load FILE... of one format into the store, in one transaction, and report every line.

    lines read = used + ignored + rejected, always; rejected lines (file, line number,
    reason, text) are appended to <db>.rejects.csv. Loading the same file again changes
    nothing. A file that is not in the declared format stops the load (exit status 2) and
    leaves the store as it was.
    """
    with _progress(files) as progress:
        report = ingest(
            db,
            files,
            format=fmt,
            source_tz=source_tz,
            mapping=mapping,
            source=source,
            delimiter=delimiter,
            progress=progress,
            form=form,
            pause_reasons=pause_reasons,
            disposition_event=disposition_event,
        )
    if as_json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report, db))


def register(app: typer.Typer) -> None:
    """Add the ``ingest`` command to ``app``."""
    app.command("ingest")(ingest_command)
