"""Validation of per-contact rows, shared by the ``contacts`` and ``csv`` formats.

Rows arrive as text (one column per canonical contacts column; an absent column is empty),
with their file, line number and original text, or as a Parquet file. One SQL statement
per batch (per file for Parquet) casts and checks every row into a temporary table, which
every later step reads:

=====================================  ==================================================
check                                  reject reason
=====================================  ==================================================
contact_id empty                       ``contact_id is empty``
source empty (and no --source)         ``source is empty``
channel not a known channel            ``channel must be one of voice, chat, ...``
outcome empty or unknown               ``outcome must be one of answered, ...``
offered_at empty or not a timestamp    ``offered_at is empty`` / ``... is not a timestamp``
answered_at/ended_at not a timestamp   ``answered_at is not a timestamp``
a timestamp outside 1900..2199 UTC     ``offered_at is outside 1900-01-01 .. 2199-12-31 UTC``
a text value over 1,024 characters     ``customer_id is longer than 1,024 characters``
wait_s..acw_s not a number >= 0        ``wait_s is not a number >= 0``
transferred, resolved not a boolean    ``transferred is not true/false``
ring_no_answer not a whole number >= 0 ``ring_no_answer is not a whole number >= 0``
answered_at or ended_at before offer   ``answered_at is before offered_at``
=====================================  ==================================================

Defaults: channel empty -> ``voice``; transferred empty -> false; ring_no_answer empty
-> 0; source empty -> the format's default (``--source`` replaces every row's source).
Timestamps without a zone are read in the stage's time zone (UTC unless told).

A second row with the same (source, contact_id) in one load is ignored as ``duplicate
row`` when all its values equal the first, otherwise rejected (the first row, in file
order, wins). The surviving rows replace stored contacts with the same key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from contactcenter.facts import CHANNELS, CONTACTS_SCHEMA, OUTCOMES
from contactcenter.sources._instants import range_reason, sql_in_range
from contactcenter.sources._text import reject_text
from contactcenter.store import LoadSession

_CHECKED = "_contacts_checked"
_WANT = "_contacts_want"
COLUMNS: tuple[str, ...] = tuple(CONTACTS_SCHEMA.names)
"""Canonical column names, all accepted as input columns."""

I_DUPLICATE = "duplicate row"
R_REPEATED = "contact_id repeated with different values"

_TIMESTAMPS = ("offered_at", "answered_at", "ended_at")
_TEXTS = (
    "contact_id",
    "source",
    "queue",
    "customer_id",
    "agent_id",
    "disposition",
    "source_tz",
    "source_file",
)
MAX_TEXT = 1024
"""Longest text value (characters) of a contact's identifying columns."""
_DURATIONS = ("wait_s", "talk_s", "hold_s", "acw_s")
_SQL_TYPES = {
    "offered_at": "TIMESTAMPTZ",
    "answered_at": "TIMESTAMPTZ",
    "ended_at": "TIMESTAMPTZ",
    "wait_s": "DOUBLE",
    "talk_s": "DOUBLE",
    "hold_s": "DOUBLE",
    "acw_s": "DOUBLE",
    "talking": "BOOLEAN",
    "transferred": "BOOLEAN",
    "ring_no_answer": "INTEGER",
    "resolved": "BOOLEAN",
    "source_line": "BIGINT",
}


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class ContactsStage:
    """Validate rows into one temporary table as they come, then upsert the good ones
    (see the module docstring).

    CSV rows arrive as Arrow batches of text columns and are validated at once (each
    batch's rejects are taken with their text from the batch); Parquet files are
    validated where they are (``read_parquet``), so a large file is streamed, not copied
    into Python. Every later step reads the validated table, never the source again; the
    text of a row is looked up only for the rows the rejects file needs.
    """

    def __init__(
        self,
        session: LoadSession,
        files: Sequence[Path],
        *,
        default_source: str,
        source_override: str | None,
        derive_wait: bool = False,
    ) -> None:
        self.session = session
        self.default_source = default_source
        self.source_override = source_override
        self.derive_wait = derive_wait
        order = sorted(range(len(files)), key=lambda i: (files[i].name, i))
        # by base name then position; the same file given twice is two files
        self.rank = {i: r for r, i in enumerate(order)}
        self.texts: list[str] = []
        self.readers: dict[int, Callable[[set[int]], dict[int, str]]] = {}
        self._rejects: list[tuple[int, int, str, str, str]] = []
        self._checked = False

    def _insert(self, select_sql: str) -> None:
        """Validate the rows of ``select_sql`` (canonical columns + _file, _rank, _line)
        into the checked table."""
        con = self.session.con
        sql = self._validate_sql(select_sql)
        if not self._checked:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {_CHECKED} AS {sql}")
            self._checked = True
        else:
            con.execute(f"INSERT INTO {_CHECKED} {sql}")

    def add_arrow(
        self,
        index: int,
        path: Path,
        columns: dict[str, pa.Array],
        lines: pa.Array,
        texts: pa.Array,
        reread: Callable[[set[int]], dict[int, str]] | None = None,
    ) -> None:
        """Validate rows of file number ``index``, ``path``: canonical column -> text
        values (null = empty), each row's line number (increasing) and text. ``reread``
        gives the texts of lines of the file again (for rows found repeated later)."""
        n = len(lines)
        if reread is not None:
            self.readers[self.rank[index]] = reread
        if not n:
            return
        con = self.session.con
        rank = self.rank[index]
        data = {c: columns[c] for c in COLUMNS if c in columns}
        data["_line"] = lines
        table = pa.table(data)
        name = f"_contacts_batch_{id(table)}"
        exprs = [f'"{c}"' if c in data else f'CAST(NULL AS VARCHAR) AS "{c}"' for c in COLUMNS]
        # a stream, not the Table: DuckDB would keep a registered Table alive until the
        # load's transaction ends (see QueueLogLoader._stage_rows)
        con.register(name, pa.RecordBatchReader.from_batches(table.schema, table.to_batches()))
        try:
            self._insert(
                f"SELECT {', '.join(exprs)}, {_q(path.name)} AS _file, {rank} AS _rank, "
                f"_line FROM {name}"
            )
        finally:
            con.unregister(name)
        numbers = np.asarray(lines.to_numpy(zero_copy_only=False), dtype=np.int64)
        bad = con.execute(
            f"SELECT _line, _reason FROM {_CHECKED} WHERE _reason IS NOT NULL "
            f"AND _rank = {rank} AND _line BETWEEN {int(numbers[0])} AND {int(numbers[-1])}"
        ).fetchall()
        if bad:
            at = np.searchsorted(numbers, [int(line) for line, _ in bad])
            found = texts.take(pa.array(at)).to_pylist()
            for (line, reason), text in zip(bad, found, strict=True):
                self._rejects.append(
                    (rank, int(line), path.name, str(reason), reject_text(text or ""))
                )

    def add(
        self,
        index: int,
        path: Path,
        columns: dict[str, list[str | None]],
        lines: list[int],
        texts: list[str],
    ) -> None:
        """:meth:`add_arrow` for rows held as Python lists."""
        self.add_arrow(
            index,
            path,
            {c: pa.array(v, pa.string()) for c, v in columns.items()},
            pa.array(lines, pa.int64()),
            pa.array(texts, pa.string()),
        )

    def add_relation(
        self, index: int, path: Path, select_sql: str, names: Sequence[str], text_sql: str
    ) -> None:
        """Validate rows of file number ``index`` where they are: ``select_sql`` yields the
        canonical columns ``names`` (any types) plus ``_line``; ``text_sql`` is the SQL
        expression, over the same columns, of a row's text for the rejects file (computed
        only for the rows that need it)."""
        exprs = []
        for c in COLUMNS:
            if c not in names:
                exprs.append(f'CAST(NULL AS VARCHAR) AS "{c}"')
            elif c in _SQL_TYPES:
                exprs.append(f'"{c}"')  # cast (and checked) by the validation
            else:
                exprs.append(f'CAST("{c}" AS VARCHAR) AS "{c}"')
        rank = self.rank[index]
        file = _q(path.name)
        self._insert(
            f"SELECT {', '.join(exprs)}, {file} AS _file, {rank} AS _rank, _line "
            f"FROM ({select_sql})"
        )
        self.texts.append(
            f"SELECT {rank} AS _rank, _line, {text_sql} AS _text FROM ({select_sql}) "
            f"WHERE _line IN (SELECT _line FROM {_WANT} WHERE _rank = {rank})"
        )
        bad = self.session.con.execute(
            f"SELECT _line, _reason FROM {_CHECKED} WHERE _reason IS NOT NULL AND _rank = {rank}"
        ).fetchall()
        texts = self._lookup_texts([(rank, int(line)) for line, _ in bad])
        for line, reason in bad:
            text = texts.get((rank, int(line)), "")
            self._rejects.append((rank, int(line), path.name, str(reason), text))

    def _lookup_texts(self, rows: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The text of each (rank, line) of ``rows`` (for the rejects file)."""
        if not rows:
            return {}
        out: dict[tuple[int, int], str] = {}
        for rank, reread in self.readers.items():
            want = {n for r, n in rows if r == rank}
            if want:
                out.update(((rank, n), reject_text(t)) for n, t in reread(want).items())
        if not self.texts:
            return out
        con = self.session.con
        want_table = pa.table(
            {
                "_rank": pa.array([r for r, _ in rows], pa.int32()),
                "_line": pa.array([n for _, n in rows], pa.int64()),
            }
        )
        con.register("_contacts_want_arrow", want_table)
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {_WANT} AS SELECT * FROM _contacts_want_arrow"
            )
        finally:
            con.unregister("_contacts_want_arrow")
        found = con.execute(" UNION ALL ".join(self.texts)).fetchall()
        con.execute(f"DROP TABLE {_WANT}")
        out.update(((int(r), int(n)), reject_text(str(t or ""))) for r, n, t in found)
        return out

    def finish(self, *, rows_read: int) -> None:
        """Account for ``rows_read`` staged rows (rejects, repeated keys) and upsert the
        good ones. Every step reads the validated table, never the source again."""
        con = self.session.con
        acc = self.session.account
        if not self._checked:
            return
        # rows whose (source, contact_id) occurs more than once: usually none
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _contacts_ranked AS
            WITH keys AS (
                SELECT source, contact_id FROM {_CHECKED}
                WHERE _reason IS NULL AND hash(source, contact_id) IN (
                    SELECT hash(source, contact_id) AS h FROM {_CHECKED}
                    WHERE _reason IS NULL GROUP BY h HAVING count(*) > 1)
                GROUP BY source, contact_id HAVING count(*) > 1
            )
            SELECT *,
                   row_number() OVER k AS _n,
                   first_value(_file || ':' || _line) OVER k AS _first
            FROM {_CHECKED} c SEMI JOIN keys USING (source, contact_id)
            WHERE _reason IS NULL
            WINDOW k AS (PARTITION BY source, contact_id ORDER BY _rank, _line)
            """
        )
        same = " AND ".join(
            f'f."{c}" IS NOT DISTINCT FROM r."{c}"'
            for c in COLUMNS
            if c not in ("source_file", "source_line")
        )
        repeated = con.execute(
            f"""SELECT _rank, _line, _file, _first FROM _contacts_ranked r
                WHERE _n > 1 AND NOT EXISTS (
                    SELECT 1 FROM _contacts_ranked f
                    WHERE f._n = 1 AND f.source = r.source AND f.contact_id = r.contact_id
                      AND ({same}))
                ORDER BY _rank, _line"""
        ).fetchall()
        texts = self._lookup_texts([(int(r), int(n)) for r, n, *_ in repeated])
        bad = sorted(self._rejects)
        for _, line, file, reason, text in bad:
            acc.reject(file, line, reason, text)
        for rank, line, file, first in repeated:
            text = texts.get((int(rank), int(line)), "")
            acc.reject(str(file), int(line), R_REPEATED, f"{text}  [first at {first}]")
        dup = con.execute("SELECT count(*) FROM _contacts_ranked WHERE _n > 1").fetchone()
        n_dup = (int(dup[0]) if dup else 0) - len(repeated)
        acc.ignore(I_DUPLICATE, n_dup)
        if bad or n_dup or repeated:
            con.execute(
                f"""DELETE FROM {_CHECKED} WHERE _reason IS NOT NULL
                    OR (_rank, _line) IN (SELECT (_rank, _line) FROM _contacts_ranked
                                          WHERE _n > 1)"""
            )
        con.execute("DROP TABLE _contacts_ranked")
        cols = ", ".join(f'"{c}"' for c in COLUMNS)
        con.execute(f"CREATE OR REPLACE TEMP VIEW _contacts_new AS SELECT {cols} FROM {_CHECKED}")
        good = con.execute(f"SELECT count(*) FROM {_CHECKED}").fetchone()
        n_good = int(good[0]) if good else 0
        acc.used += n_good
        extra = rows_read - n_good - n_dup - len(repeated) - len(bad)
        if extra:  # pragma: no cover - a bug, caught by the store's accounting check too
            raise AssertionError(f"contacts stage lost {extra} rows")
        if n_good:
            self.session.write("contacts", "_contacts_new")
            self._ring_outs()
        con.execute("DROP VIEW _contacts_new")
        con.execute(f"DROP TABLE {_CHECKED}")

    def _ring_outs(self) -> None:
        """A contacts file gives ring-outs as a count per contact, with no member: they
        go to ``ring_outs`` with a null agent (a stored count is updated, also to 0)."""
        con = self.session.con
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _contacts_rings AS
               SELECT source, contact_id, CAST(NULL AS VARCHAR) AS agent_id, queue, channel,
                      offered_at, ring_no_answer AS rings
               FROM _contacts_new n
               WHERE ring_no_answer > 0 OR EXISTS (
                   SELECT 1 FROM ring_outs r
                   WHERE r.source = n.source AND r.contact_id = n.contact_id
                     AND r.agent_id IS NULL)"""
        )
        self.session.write("ring_outs", "_contacts_rings")
        con.execute("DROP TABLE _contacts_rings")

    def _validate_sql(self, source_sql: str) -> str:
        # every cast once, in an inner projection: the checks and values read its result
        def cast(c: str) -> str:
            return f'"_t_{c}"'

        casts = ", ".join(
            f'TRY_CAST("{c}" AS {kind}) AS "_t_{c}"'
            for c, kind in {**_SQL_TYPES, "talking": "BOOLEAN", "transferred": "BOOLEAN"}.items()
        )

        src = (
            _q(self.source_override)
            if self.source_override
            else f"coalesce(NULLIF(trim(source), ''), {_q(self.default_source)})"
        )
        checks = [
            "WHEN NULLIF(trim(contact_id), '') IS NULL THEN 'contact_id is empty'",
            f"WHEN {src} IS NULL THEN 'source is empty'",
            f"WHEN coalesce(NULLIF(channel, ''), 'voice') NOT IN {_in(CHANNELS)} "
            f"THEN 'channel must be one of {', '.join(CHANNELS)}'",
            f"WHEN outcome IS NULL OR outcome NOT IN {_in(OUTCOMES)} "
            f"THEN 'outcome must be one of {', '.join(OUTCOMES)}'",
            "WHEN offered_at IS NULL THEN 'offered_at is empty'",
        ]
        for c in _TEXTS:
            checks.append(
                f"WHEN length({c}) > {MAX_TEXT} THEN '{c} is longer than {MAX_TEXT:,} characters'"
            )
        for c in _TIMESTAMPS:
            checks.append(
                f"WHEN {c} IS NOT NULL AND {cast(c)} IS NULL THEN '{c} is not a timestamp'"
            )
            checks.append(
                f"WHEN NOT coalesce({sql_in_range(cast(c))}, true) THEN '{range_reason(c)}'"
            )
        for c in _DURATIONS:
            checks.append(
                f"WHEN {c} IS NOT NULL AND NOT coalesce({cast(c)} >= 0 AND {cast(c)} < 1e12, "
                f"false) THEN '{c} is not a number >= 0'"
            )
        checks += [
            "WHEN transferred IS NOT NULL AND _t_transferred IS NULL "
            "THEN 'transferred is not true/false'",
            "WHEN talking IS NOT NULL AND _t_talking IS NULL THEN 'talking is not true/false'",
            "WHEN resolved IS NOT NULL AND _t_resolved IS NULL THEN 'resolved is not true/false'",
            "WHEN coalesce(_t_talking, false) AND outcome <> 'answered' "
            "THEN 'talking is true for a contact that is not answered'",
            "WHEN ring_no_answer IS NOT NULL AND NOT coalesce(_t_ring_no_answer >= 0, false) "
            "THEN 'ring_no_answer is not a whole number >= 0'",
            "WHEN source_line IS NOT NULL AND _t_source_line IS NULL "
            "THEN 'source_line is not a whole number'",
            f"WHEN {cast('answered_at')} < {cast('offered_at')} "
            "THEN 'answered_at is before offered_at'",
            f"WHEN {cast('ended_at')} < {cast('offered_at')} THEN 'ended_at is before offered_at'",
        ]
        wait = cast("wait_s")
        if self.derive_wait:
            off = cast("offered_at")
            wait = (
                f"coalesce({wait}, CASE WHEN outcome = 'answered' "
                f"THEN epoch({cast('answered_at')}) - epoch({off}) "
                f"WHEN outcome IN ('abandoned', 'timed_out') "
                f"THEN epoch({cast('ended_at')}) - epoch({off}) END)"
            )
        values = {
            "contact_id": "contact_id",
            "source": src,
            "channel": "coalesce(NULLIF(channel, ''), 'voice')",
            "queue": "queue",
            "customer_id": "customer_id",
            "outcome": "outcome",
            "wait_s": wait,
            "talking": "coalesce(_t_talking, false)",
            "transferred": "coalesce(_t_transferred, false)",
            "ring_no_answer": "coalesce(_t_ring_no_answer, 0)",
            "agent_id": "agent_id",
            "disposition": "NULLIF(trim(disposition), '')",
            "source_tz": "source_tz",
            "source_file": "coalesce(source_file, _file)",
            "source_line": f"coalesce({cast('source_line')}, _line)",
        }
        exprs = []
        for c in COLUMNS:
            expr = values.get(c) or cast(c)
            exprs.append(f'{expr} AS "{c}"')
        return (
            f"SELECT {', '.join(exprs)}, CASE {' '.join(checks)} END AS _reason, "
            f"_file, _rank, _line FROM (SELECT *, {casts} FROM ({source_sql}))"
        )


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")"
