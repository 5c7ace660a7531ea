"""Format ``queue_log``: the raw Asterisk queue log file (``/var/log/asterisk/queue_log``).

Each line is ``epoch|callid|queue|agent|EVENT[|data1[|data2...]]`` (docs.asterisk.org,
Operation/Logging/Queue-Logs). Several files (rotated logs) may be given in any order, in
one load or in several; see :mod:`contactcenter.ingest._queue_log_events` for how events
become contacts. Every line is accounted for:

=================================  ==================================================
line                               fate
=================================  ==================================================
empty or only white space          ignored, ``blank line``
not valid UTF-8                    rejected, ``not valid UTF-8``
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

A file none of whose non-blank lines is a queue_log line raises
:class:`~contactcenter.errors.FormatError` naming the first one. Times are UTC epochs, so
``--source-tz`` does not apply (it is refused rather than silently ignored).

Speed: the file is read in 8 MiB blocks, split into lines and fields by Arrow compute
kernels and classified vectorised; see docs/benchmarks.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contactcenter.errors import InputError
from contactcenter.ingest._queue_log_events import BATCH_COLUMNS, QueueLogLoader
from contactcenter.ingest._text import LineBatch, iter_lines
from contactcenter.ingest.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "queue_log"
"""Default ``source`` of the contacts and agent events (shared with queue_log_csv, so the
same event read from the raw file and from a realtime export is one event)."""

R_UTF8 = "not valid UTF-8"
R_FIELDS = "too few fields (need time|callid|queue|agent|event)"
R_TIME = "time is not a Unix epoch in seconds"
I_BLANK = "blank line"

_FIELDS = ("time", "callid", "queue", "agent", "event", "data1", "data2", "data3", "data4")
_EPOCH = r"^[0-9]{1,11}$"


def parse_batch(batch: LineBatch) -> tuple[int, pa.Table]:
    """Split one batch of raw lines into event rows.

    Returns the number of blank lines (dropped) and the other lines as a table with the
    columns of :data:`~contactcenter.ingest._queue_log_events.BATCH_COLUMNS`.
    """
    lines = batch.lines
    numbers = batch.line_numbers
    blank = pc.match_substring_regex(lines, r"^\s*$")
    if batch.bad_utf8 is not None:
        blank = pc.and_(blank, pa.array(~batch.bad_utf8))
    n_blank = int(pc.sum(blank).as_py() or 0)
    bad_utf8 = batch.bad_utf8
    if n_blank:
        keep = pc.invert(blank)
        lines = lines.filter(keep)
        numbers = numbers.filter(keep)
        if bad_utf8 is not None:
            bad_utf8 = bad_utf8[np.asarray(keep.to_numpy(zero_copy_only=False), dtype=np.bool_)]
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
    valid_time = pc.fill_null(pc.match_substring_regex(time, _EPOCH), False)
    epoch = pc.if_else(valid_time, time, pa.scalar(None, pa.string())).cast(pa.int64())
    at = pc.multiply(epoch, 1_000_000).cast(pa.timestamp("us", tz="UTC"))
    reason = np.full(n, None, dtype=object)
    reason[~np.asarray(valid_time.to_numpy(zero_copy_only=False), dtype=np.bool_)] = R_TIME
    reason[counts < 5] = R_FIELDS
    if bad_utf8 is not None:
        reason[bad_utf8] = R_UTF8
    table = pa.table(
        {
            "source_line": numbers,
            "text": lines,
            "ts": at,
            **cols,
            "pre_reject": pa.array(reason, pa.string()),
            "source_tz": pa.nulls(n, pa.string()),
        }
    )
    return n_blank, table.select(list(BATCH_COLUMNS))


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load raw queue_log files (see the module docstring for the rules)."""
    if options.source_tz:
        raise InputError(
            "--source-tz does not apply to --format queue_log: its times are UTC epochs"
        )
    with QueueLogLoader(session, options.source or SOURCE, files) as loader:
        for path in files:
            for batch in iter_lines(path, progress=options.progress):
                n_blank, table = parse_batch(batch)
                session.account.read += n_blank
                session.account.ignore(I_BLANK, n_blank)
                loader.add_batch(path, table)
            loader.end_file(path, expected="queue_log")
        loader.finish()
