"""Format ``queue_log``: the raw Asterisk queue log file (``/var/log/asterisk/queue_log``).

Each line is ``epoch|callid|queue|agent|EVENT[|data1[|data2...]]`` (docs.asterisk.org,
Operation/Logging/Queue-Logs). Several files (rotated logs) may be given in any order, in
one load or in several; see :mod:`contactcenter.sources._queue_log_events` for how events
become contacts. Every line is accounted for:

=================================  ==================================================
line                               fate
=================================  ==================================================
empty or only white space          ignored, ``blank line``
fewer than 5 ``|``-fields          rejected, ``too few fields``
time not a whole Unix epoch        rejected, ``time is not a Unix epoch in seconds``
event not an upper-case verb       rejected
call event without call id/queue   rejected
agent event without agent          rejected
verb not used (QUEUESTART, DID...) ignored, ``event QUEUESTART not used``
same content as an earlier line    ignored, ``duplicate line`` (same load) or
                                   ``already in the store`` (earlier load)
anything else                      used (kept in ``queue_log_events``)
=================================  ==================================================

Bytes that are not UTF-8 are replaced by U+FFFD and the line read like the others; the
load's notes count such lines. A file none of whose non-blank lines is a queue_log line raises
:class:`~contactcenter.errors.FormatError` naming the first one. Times are UTC epochs, so
``--source-tz`` does not apply (it is refused rather than silently ignored).

Speed: the file is read in 8 MiB blocks, split into lines and fields by Arrow compute
kernels and classified vectorised; see docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.errors import InputError
from contactcenter.sources import _known_prefix as known_prefix
from contactcenter.sources._instants import R_RANGE, epoch_in_range
from contactcenter.sources._queue_log_events import (
    BATCH_COLUMNS,
    I_BLANK,
    MAX_FIELD,
    Classified,
    QueueLogLoader,
    classify,
)
from contactcenter.sources._text import (
    MAX_LINE_BYTES,
    MAX_PLACES,
    Block,
    LineBatch,
    LinePlaces,
    is_gzip,
    iter_blocks,
    not_utf8_note,
    split_block,
)
from contactcenter.sources._text import _cut_long as cut_long_lines
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "queue_log"
"""Default ``source`` of the contacts and agent events (shared with queue_log_csv, so the
same event read from the raw file and from a realtime export is one event)."""

R_FIELDS = "too few fields (need time|callid|queue|agent|event)"
R_TIME = "time is not a Unix epoch in seconds"
R_FIELD_LONG = f"a field is longer than {MAX_FIELD:,} characters"
I_HELD = "last line has no line end yet (held back)"

_FIELDS = ("time", "callid", "queue", "agent", "event", "data1", "data2", "data3", "data4")
WORKERS = min(4, os.cpu_count() or 1)
"""Threads that parse blocks (at most 4; memory holds about WORKERS + 1 blocks)."""


def parse_batch(batch: LineBatch) -> pa.Table:
    """Split one batch of raw lines into event rows, one per line, in the layout of
    :data:`~contactcenter.sources._queue_log_events.BATCH_COLUMNS` (blank lines marked in
    ``pre_ignore``, unreadable ones in ``pre_reject``)."""
    lines = batch.lines
    n = len(lines)
    parts = pc.split_pattern(lines, "|", max_splits=10)
    offsets = parts.offsets.to_numpy()
    starts = offsets[:-1]
    counts = np.diff(offsets)
    flat = parts.values
    cols: dict[str, pa.Array] = {}
    for i, name in enumerate((*_FIELDS, "data5", "data_rest")):
        cols[name] = flat.take(pa.array(starts + i, mask=counts <= i))
    time = cols.pop("time")
    valid_time = _mask(
        pc.and_(pc.ascii_is_decimal(time), pc.less_equal(pc.binary_length(time), 11))
    )
    epoch = pc.if_else(pa.array(valid_time), time, pa.scalar(None, pa.string())).cast(pa.int64())
    in_range = epoch_in_range(epoch)
    at = pc.multiply(pc.if_else(pa.array(in_range), epoch, None), 1_000_000).cast(
        pa.timestamp("us", tz="UTC")
    )
    bad_utf8 = batch.bad_utf8
    few = counts < 5
    long_field = np.zeros(n, dtype=np.bool_)
    maybe = np.flatnonzero(_mask(pc.greater(pc.binary_length(lines), MAX_FIELD)))
    if maybe.size:
        for col in (time, *cols.values()):
            long_field[maybe] |= _mask(
                pc.greater(pc.utf8_length(col.take(pa.array(maybe))), MAX_FIELD)
            )
    damaged = batch.damaged()
    if few.any() or not in_range.all() or long_field.any() or damaged is not None:
        reason = np.full(n, None, dtype=object)
        reason[valid_time & ~in_range] = R_RANGE
        reason[~valid_time] = R_TIME
        reason[long_field] = R_FIELD_LONG
        reason[few] = R_FIELDS
        if damaged is not None:
            for k in np.flatnonzero(damaged):
                reason[k] = batch.damage_reason(int(k))
        pre_reject = pa.array(reason, pa.string())
    else:
        pre_reject = pa.nulls(n, pa.string())
    pre_ignore = pa.nulls(n, pa.string())
    one = np.flatnonzero(counts == 1)  # blank lines have no '|'
    if one.size:
        blank = _mask(pc.match_substring_regex(lines.take(pa.array(one)), r"^\s*$"))
        if bad_utf8 is not None:
            blank &= ~bad_utf8[one]
        if blank.any():
            ignore = np.full(n, None, dtype=object)
            ignore[one[blank]] = I_BLANK
            pre_ignore = pa.array(ignore, pa.string())
    return pa.table(
        {
            "source_line": batch.line_numbers,
            "text": lines,
            "ts": at,
            **cols,
            "pre_reject": pre_reject,
            "pre_ignore": pre_ignore,
            "source_tz": pa.nulls(n, pa.string()),
        }
    ).select(list(BATCH_COLUMNS))


def _mask(arr: pa.Array) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    out: np.ndarray[tuple[int], np.dtype[np.bool_]] = np.asarray(
        pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_
    )
    return out


_Worked = tuple[Classified, list[int], int]


def _work(
    block: Block,
    file_name: str,
    rank: int,
    part: Path,
    hold: bool,
    disposition_event: str | None = None,
) -> _Worked:
    """Classify one block; also return the first line numbers and the count of its lines
    that had bytes that are not UTF-8. With ``hold``, a last line without LF (a log still
    being written) is held back: counted as read and ignored (:data:`I_HELD`), not used."""
    if hold and block.open_end:
        return Classified(1, 1, {I_HELD: 1}, [], 0), [], 0
    lines = split_block(block.first_line, block.data, block.bytes_done, block.cut)
    bad: list[int] = []
    n_bad = 0
    if lines.bad_utf8 is not None:
        where = np.flatnonzero(lines.bad_utf8)
        n_bad = int(where.size)
        bad = [block.first_line + int(i) for i in where[:MAX_PLACES]]
    classified = classify(
        parse_batch(lines),
        file_name=file_name,
        rank=rank,
        part=part,
        disposition_event=disposition_event,
    )
    return classified, bad, n_bad


READING = "queue_log"
"""How the raw format reads a file (the key of its fingerprints: :mod:`._known_prefix`);
with a disposition event, ``queue_log+disposition=VERB`` (its lines are used then)."""


def reading(disposition_event: str | None) -> str:
    """The fingerprint key of a load that reads ``disposition_event`` lines or none."""
    return READING if disposition_event is None else f"{READING}+disposition={disposition_event}"


def stream(
    loader: QueueLogLoader,
    files: Sequence[Path],
    progress: Callable[[str, int, int], None] | None = None,
    not_utf8: LinePlaces | None = None,
    *,
    skip_known: bool = True,
) -> None:
    """The streaming phase of a load: read, split, parse, classify, account for and stage
    every line of ``files`` (the store is not touched until ``loader.finish()``); lines
    that had bytes that are not UTF-8 are counted in ``not_utf8``.

    Blocks of a file are split, parsed and classified in :data:`WORKERS` threads (Arrow's
    kernels release the GIL) and accounted for in file order, so line numbers and reasons
    are the same as with one thread. With ``skip_known``, the start of a file that an
    earlier load read (the same bytes) is accounted for as it was then and not read again
    (:mod:`contactcenter.sources._known_prefix`); each file's fingerprint is kept for
    later loads.
    """
    places = not_utf8 if not_utf8 is not None else LinePlaces()
    con = loader.session.con
    known_prefix.ensure(con)
    prints: list[tuple[Path, int, Any, known_prefix.Account]] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for index, path in enumerate(files):
            rank = loader.rank(index)
            pending: deque[tuple[Future[_Worked], bool]] = deque()
            # a gzip file (a rotated log) is complete: its last line is read, and its
            # start is not fingerprinted (fingerprints are of the bytes on disk)
            gz = is_gzip(path)
            complete = 0 if gz else known_prefix.complete_bytes(path)
            fingerprint = known_prefix.Account()
            known = (
                known_prefix.find(
                    con,
                    source=loader.source,
                    reading=reading(loader.disposition_event),
                    path=path,
                )
                if skip_known and complete
                else None
            )
            start, first_line = 0, 1
            digest = hashlib.sha256()
            if known is not None:
                loader.add_known(index, path, known)
                fingerprint.lines = known.lines
                fingerprint.kept = known.kept
                fingerprint.ignored.update(known.ignored)
                fingerprint.rejects.extend(known.rejects)
                start, first_line, digest = known.bytes, known.lines + 1, known.digest

            def account(
                item: tuple[Future[_Worked], bool],
                index: int = index,
                path: Path = path,
                fingerprint: known_prefix.Account = fingerprint,
            ) -> None:
                future, tail = item
                result, bad, n_bad = future.result()
                loader.add_classified(index, path, result)
                places.add_many(path.name, bad, n_bad)
                if not tail:  # a last line without LF may grow: not in the fingerprint
                    fingerprint.lines += result.read
                    fingerprint.kept += result.staged
                    fingerprint.ignored.update(result.ignored)
                    fingerprint.rejects.extend(result.rejects)

            blocks = iter_blocks(
                path,
                progress=progress,
                start=start,
                first_line=first_line,
                digest=digest,
                digest_until=complete,
            )
            for block in blocks:
                part = loader.next_part()
                work = pool.submit(
                    _work, block, path.name, rank, part, not gz, loader.disposition_event
                )
                pending.append((work, block.open_end))
                while len(pending) > WORKERS:
                    account(pending.popleft())
            while pending:
                account(pending.popleft())
            loader.end_file(index, path, expected="queue_log")
            prints.append((path, complete, digest, fingerprint))
    # recorded after every file is read: a file given twice in one load is read twice
    for path, complete, digest, fingerprint in prints:
        known_prefix.record(
            con,
            source=loader.source,
            reading=reading(loader.disposition_event),
            load_id=loader.load_id,
            path=path,
            n_bytes=complete,
            digest=digest,
            account=fingerprint,
        )


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load raw queue_log files (see the module docstring for the rules)."""
    if options.source_tz:
        raise InputError(
            "{field} does not apply to format queue_log: its times are UTC epochs",
            field="source_tz",
        )
    not_utf8 = LinePlaces()
    with QueueLogLoader(
        session,
        options.source or SOURCE,
        files,
        pause_reasons=options.pause_reasons,
        disposition_event=options.disposition_event,
    ) as loader:
        stream(loader, files, options.progress, not_utf8)
        note = not_utf8_note(not_utf8)
        if note:
            session.account.notes.append(note)
        loader.finish()


def load_block(
    session: LoadSession,
    *,
    name: str,
    data: bytes,
    first_line: int = 1,
    cut: Sequence[int] = (),
    source: str | None = None,
    whole_file: bool = True,
) -> None:
    """Load complete queue_log lines given as bytes (``data``, without the LF after the
    last line) as lines ``first_line``, ``first_line + 1``, ... of a file called ``name``:
    the lines a followed log gained since it was last read, or lines posted to the web
    API. Every rule of :func:`load` applies (accounting, rejects, duplicates, contacts
    completed by later events); lines longer than the limit are cut and rejected, as are
    the lines numbered in ``cut`` (already cut by the caller).

    ``whole_file``: ``data`` is all there is (a posted batch), so lines every one of which
    is rejected are not queue_log at all (:class:`~contactcenter.errors.FormatError`, as
    for a file). A part of a followed file is not refused for its last lines: they are
    rejected one by one.
    """
    cuts = set(cut)
    if len(data) > MAX_LINE_BYTES:
        data, more = cut_long_lines(data, first_line, MAX_LINE_BYTES)
        cuts.update(more)
    path = Path(name)
    not_utf8 = LinePlaces()
    with QueueLogLoader(session, source or SOURCE, [path]) as loader:
        block = Block(first_line, data, len(data), tuple(sorted(cuts)))
        result, bad, n_bad = _work(block, path.name, loader.rank(0), loader.next_part(), False)
        loader.add_classified(0, path, result)
        not_utf8.add_many(path.name, bad, n_bad)
        note = not_utf8_note(not_utf8)
        if note:
            session.account.notes.append(note)
        if whole_file:
            loader.end_file(0, path, expected="queue_log")
        loader.finish()
