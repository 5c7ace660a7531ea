"""Format ``qa_evaluations``: quality evaluations scored on a form (``--form FORM.yaml``,
:mod:`contactcenter.sources._qa_forms`), as CSV or Parquet, one evaluation per row.

Columns: ``evaluation_id``, ``evaluated_at`` and ``agent_id`` (required), ``evaluator_id``,
``contact_id``, ``conversation_id``, ``source``, ``form`` (optional; when given it must be
the form's name), and one column per item of the form, named by the item's id. A column
that is neither (a misspelt item) or an item without its column makes the file not an
evaluations file (:class:`~contactcenter.errors.FormatError`).

Each evaluation is scored as the form says and written to ``qa_evaluations`` (score,
critical_failed) and ``qa_answers`` (one row per item). A row is rejected with its line
number when: evaluation_id or agent_id is empty, evaluated_at is not a timestamp (ISO
8601, UTC without an offset), the form column names another form, or an answer is not
allowed (``item identity: 'maybe' is not yes or no``, ``item knowledge: '7' is not a whole
number in 1-5``, ``item greeting: N/A is not allowed``). A second row with the same
evaluation_id is ignored when identical, otherwise rejected (the first wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from contactcenter.errors import ConfigError, FormatError, InputError
from contactcenter.facts.qa import QA_ANSWERS, QA_EVALUATIONS
from contactcenter.sources._csv import iter_records
from contactcenter.sources._qa_forms import AnswerError, Form, read_form
from contactcenter.sources._surveys_stage import RowError, instant, text
from contactcenter.sources._text import LinePlaces, not_utf8_note, reject_text
from contactcenter.sources.base import IngestOptions
from contactcenter.store import LoadSession

SOURCE = "qa"
PARQUET_SUFFIXES = (".parquet", ".pq")
BASE_COLUMNS = (
    "evaluation_id",
    "evaluated_at",
    "agent_id",
    "evaluator_id",
    "contact_id",
    "conversation_id",
    "source",
    "form",
)
REQUIRED = ("evaluation_id", "evaluated_at", "agent_id")
I_HEADER = "header"
I_BLANK = "blank line"
I_DUPLICATE = "duplicate row"
R_REPEATED = "evaluation_id repeated with different values"


def _check_columns(path: Path, names: list[str], form: Form, line_no: int | None) -> None:
    items = form.item_ids()
    unknown = [n for n in names if n not in BASE_COLUMNS and n not in items]
    if unknown:
        raise FormatError(
            str(path),
            line_no,
            f"not an evaluations file for form {form.name}: unknown columns {unknown} "
            f"(items of the form: {', '.join(items)})",
        )
    missing = [n for n in (*REQUIRED, *items) if n not in names]
    if missing:
        raise FormatError(str(path), line_no, f"not an evaluations file: missing columns {missing}")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise FormatError(str(path), line_no, f"not an evaluations file: repeated columns {dup}")


class EvaluationStage:
    """The scored evaluations of one load (shared with ``qa_evaluations_csv``): rows are
    checked and scored by :meth:`add`, written by :meth:`finish`. ``tz`` and ``fmt`` read
    evaluated_at (naive times in ``tz``, UTC when None; ``fmt`` a strptime format)."""

    def __init__(
        self,
        session: LoadSession,
        form: Form,
        source: str | None,
        *,
        tz: ZoneInfo | None = None,
        tz_name: str | None = None,
        fmt: str | None = None,
    ) -> None:
        self.session = session
        self.form = form
        self.source = source
        self.tz = tz
        self.tz_name = tz_name
        self.fmt = fmt
        self.evaluations: dict[tuple[str, str], dict[str, Any]] = {}
        self.answers: list[dict[str, Any]] = []

    def add(self, values: dict[str, Any], file: str, line: int, line_text: str) -> None:
        """Check and score one evaluation (values by canonical column and item id)."""
        acc = self.session.account
        form = self.form
        try:
            ident = text(values.get("evaluation_id"))
            if ident is None:
                raise RowError("evaluation_id is empty")
            agent = text(values.get("agent_id"))
            if agent is None:
                raise RowError("agent_id is empty")
            at = instant(values.get("evaluated_at"), "evaluated_at", self.tz, self.fmt)
            named = text(values.get("form"))
            if named is not None and named.strip() != form.name:
                raise RowError(f"form {named!r} is not the form given ({form.name})")
            read = {i.id: i.read(text(values.get(i.id))) for i in form.items}
        except (RowError, AnswerError) as exc:
            acc.reject(file, line, str(exc), reject_text(line_text))
            return
        score, failed = form.score(read)
        source = self.source or text(values.get("source")) or SOURCE
        row = {
            "evaluation_id": ident,
            "source": source,
            "form": form.name,
            "contact_id": text(values.get("contact_id")),
            "conversation_id": text(values.get("conversation_id")),
            "agent_id": agent,
            "evaluator_id": text(values.get("evaluator_id")),
            "evaluated_at": at,
            "score": score,
            "critical_failed": failed,
            "items_answered": sum(v is not None for v in read.values()),
            "items_na": sum(v is None for v in read.values()),
            "source_tz": self.tz_name,
            "source_file": file,
            "source_line": line,
        }
        key = (source, ident)
        first = self.evaluations.get(key)
        if first is not None:
            same = all(first[c] == row[c] for c in row if c not in ("source_file", "source_line"))
            if same:
                acc.ignore(I_DUPLICATE)
            else:
                at_first = f"{first['source_file']}:{first['source_line']}"
                acc.reject(
                    file, line, R_REPEATED, f"{reject_text(line_text)}  [first at {at_first}]"
                )
            return
        self.evaluations[key] = row
        for item in form.items:
            value = read[item.id]
            self.answers.append(
                {
                    "evaluation_id": ident,
                    "source": source,
                    "form": form.name,
                    "section": item.section,
                    "item": item.id,
                    "answer": text(values.get(item.id)),
                    "value": value,
                    "weight": item.weight,
                    "critical": item.critical,
                    "passed": item.passed(value),
                    "agent_id": agent,
                    "evaluator_id": row["evaluator_id"],
                    "evaluated_at": at,
                }
            )
        acc.used += 1

    def finish(self) -> None:
        """Write the evaluations and their answers."""
        rows = list(self.evaluations.values())
        evaluations = (
            pa.Table.from_pylist(rows, schema=QA_EVALUATIONS.schema)
            if rows
            else QA_EVALUATIONS.empty()
        )
        answers = (
            pa.Table.from_pylist(self.answers, schema=QA_ANSWERS.schema)
            if self.answers
            else QA_ANSWERS.empty()
        )
        self.session.write("qa_evaluations", evaluations)
        self.session.write("qa_answers", answers)


def _load_csv(
    stage: EvaluationStage, path: Path, options: IngestOptions, not_utf8: LinePlaces
) -> None:
    acc = stage.session.account
    header: list[str] | None = None
    for rec in iter_records(path, progress=options.progress):
        acc.read += 1
        if rec.bad_utf8:
            not_utf8.add(path.name, rec.line_no)
        if rec.blank:
            acc.ignore(I_BLANK)
            continue
        if header is None:
            header = [h.strip() for h in rec.fields or []]
            _check_columns(path, header, stage.form, rec.line_no)
            acc.ignore(I_HEADER)
            continue
        if rec.fields is None or len(rec.fields) != len(header):
            reason = rec.error or "number of fields differs from the header"
            acc.reject(path.name, rec.line_no, reason, reject_text(rec.text))
            continue
        stage.add(dict(zip(header, rec.fields, strict=True)), path.name, rec.line_no, rec.text)
    if header is None:
        raise FormatError(str(path), None, "empty file: no header line")


def _load_parquet(stage: EvaluationStage, path: Path) -> None:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise FormatError(str(path), None, f"not a Parquet file: {exc}".splitlines()[0]) from None
    _check_columns(path, table.column_names, stage.form, None)
    stage.session.account.read += table.num_rows
    for i, values in enumerate(table.to_pylist(), start=1):
        shown = ",".join("" if v is None else str(v) for v in values.values())
        stage.add(values, path.name, i, shown)


def load(session: LoadSession, files: Sequence[Path], options: IngestOptions) -> None:
    """Load evaluation files scored on the form ``options.form``."""
    if options.form is None:
        raise ConfigError(
            "format qa_evaluations needs {field} FORM.yaml (the QA form; see docs/ingestion.md)",
            field="form",
        )
    if options.source_tz:
        raise InputError(
            "{field} does not apply to format qa_evaluations: its timestamps are UTC "
            "(or carry their own offset)",
            field="source_tz",
        )
    form = read_form(Path(options.form))
    stage = EvaluationStage(session, form, options.source)
    not_utf8 = LinePlaces()
    for path in files:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            _load_parquet(stage, path)
        else:
            _load_csv(stage, path, options, not_utf8)
    note = not_utf8_note(not_utf8)
    if note:
        session.account.notes.append(note)
    stage.finish()
