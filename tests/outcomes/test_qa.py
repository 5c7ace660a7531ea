"""QA evaluations: a form with a critical item and N/A answers, scored by hand; the
per-item pass rate and the evaluators' calibration; the load's rejects."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.app.ingest import ingest
from contactcenter.app.report import report_result
from contactcenter.errors import ConfigError, FormatError
from contactcenter.sources._qa_forms import Form, Item, read_form

FORM = """form: call_quality
sections:
  - name: Opening
    items:
      - {id: greeting, text: "Greets with the company name", weight: 1}
      - {id: identity, text: "Verifies the caller", weight: 2, critical: true}
  - name: Handling
    items:
      - {id: knowledge, type: scale, scale: [1, 5], weight: 3, na: true, pass_at: 4}
      - {id: hold, weight: 1, na: true}
"""

HEADER = "evaluation_id,evaluated_at,agent_id,evaluator_id,contact_id,"
EVALUATIONS = f"""{HEADER}greeting,identity,knowledge,hold
e1,2024-03-01 10:00:00,ann,qa1,c1,yes,yes,5,yes
e2,2024-03-01 11:00:00,ann,qa2,c1,no,Y,3,n/a
e3,2024-03-02 09:00:00,bob,qa1,c2,yes,no,5,yes
e4,2024-03-02 10:00:00,bob,qa1,c3,yes,yes,,
e5,2024-03-02 11:00:00,bob,qa1,c4,maybe,yes,5,yes
e6,2024-03-02 11:00:00,bob,qa1,c5,yes,yes,7,yes
e7,2024-03-02 11:00:00,bob,qa1,c6,,yes,5,yes
e1,2024-03-01 10:00:00,ann,qa1,c1,yes,yes,5,yes
"""
# e1: 100. e2: greeting 0 (w1), identity 1 (w2), knowledge (3-1)/(5-1) = 0.5 (w3), hold N/A:
# 100 * (0 + 2 + 1.5) / 6 = 58.33. e3: identity (critical) failed: 0. e4: knowledge and hold
# N/A: 100 * (1 + 2) / 3 = 100.


@pytest.fixture
def db(tmp_path: Path) -> Path:
    form = tmp_path / "form.yaml"
    form.write_text(FORM, encoding="utf-8")
    data = tmp_path / "evaluations.csv"
    data.write_text(EVALUATIONS, encoding="utf-8")
    path = tmp_path / "cc.duckdb"
    report = ingest(path, [data], format="qa_evaluations", form=form)
    assert (report.lines_read, report.lines_used) == (9, 4)
    assert report.ignored == {"duplicate row": 1, "header": 1}
    with Path(f"{path}.rejects.csv").open(newline="", encoding="utf-8") as fh:
        got = {(r["line_no"], r["reason"]) for r in csv.DictReader(fh)}
    assert got == {
        ("6", "item greeting: 'maybe' is not yes or no"),
        ("7", "item knowledge: '7' is not a whole number in 1-5"),
        ("8", "item greeting: N/A is not allowed"),
    }
    return path


def rows(db: Path, metrics: str, by: str = "") -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = report_result(db, by=by, metrics=metrics).rows()
    return result


def test_scores_with_a_critical_item_and_na_answers(db: Path) -> None:
    (total,) = rows(db, "qa_evaluations,qa_score,qa_critical_fail_rate")
    assert total["qa_evaluations"] == 4
    assert total["qa_score"] == pytest.approx((100 + 350 / 6 + 0 + 100) / 4)
    assert total["qa_critical_fail_rate"] == pytest.approx(1 / 4)
    by_agent = {r["agent"]: r for r in rows(db, "qa_score", "agent,day")}
    assert by_agent["ann"]["qa_score"] == pytest.approx((100 + 350 / 6) / 2)
    assert by_agent["bob"]["qa_score"] == pytest.approx(50.0)


def test_pass_rate_per_item(db: Path) -> None:
    got = {r["item"]: r["qa_item_pass_rate"] for r in rows(db, "qa_item_pass_rate", "item")}
    assert got == {
        "greeting": pytest.approx(3 / 4),
        "identity": pytest.approx(3 / 4),
        "knowledge": pytest.approx(2 / 3),  # 5, 3 (under pass_at 4), 5; e4 N/A
        "hold": pytest.approx(1.0),  # e1, e3 yes; e2, e4 N/A
    }


def test_calibration_spread_of_contacts_scored_twice(db: Path) -> None:
    (total,) = rows(db, "qa_calibration_spread")
    assert total["qa_calibration_spread"] == pytest.approx(100 - 350 / 6)  # c1 only
    by_evaluator = {r["evaluator"]: r for r in rows(db, "qa_score", "evaluator")}
    assert by_evaluator["qa2"]["qa_score"] == pytest.approx(350 / 6)


def test_bad_forms_and_files(tmp_path: Path) -> None:
    form = tmp_path / "form.yaml"
    form.write_text("form: x\nsections: [{name: s, items: [{id: a, weight: 0}]}]\n")
    with pytest.raises(ConfigError, match="weight: a number > 0") as err:
        read_form(form)
    assert err.value.field == "form"
    form.write_text(FORM, encoding="utf-8")
    data = tmp_path / "e.csv"
    data.write_text("evaluation_id,evaluated_at,agent_id,greeting,identity,knowledge\n")
    with pytest.raises(FormatError, match="missing columns \\['hold'\\]"):
        ingest(tmp_path / "cc.duckdb", [data], format="qa_evaluations", form=form)
    with pytest.raises(ConfigError, match=r"needs form FORM\.yaml"):
        ingest(tmp_path / "cc.duckdb", [data], format="qa_evaluations")


@st.composite
def forms_and_answers(draw: st.DrawFn) -> tuple[Form, dict[str, float | None]]:
    items = []
    values: dict[str, float | None] = {}
    for i in range(draw(st.integers(1, 6))):
        critical = draw(st.booleans())
        item = Item(
            id=f"i{i}",
            section="s",
            weight=draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])),
            na=True,
            critical=critical,
        )
        items.append(item)
        values[item.id] = draw(st.sampled_from([None, 0.0, 1.0]))
    return Form("f", tuple(items)), values


@settings(max_examples=200, deadline=None)
@given(forms_and_answers())
def test_score_is_the_weighted_share_or_zero(case: tuple[Form, dict[str, float | None]]) -> None:
    form, values = case
    score, failed = form.score(values)
    answered = [(i.weight, values[i.id]) for i in form.items if values[i.id] is not None]
    assert failed == any(i.critical and values[i.id] == 0.0 for i in form.items)
    if not answered:
        assert score is None
    elif failed:
        assert score == 0.0
    else:
        want = 100 * sum(w * v for w, v in answered if v is not None) / sum(w for w, _ in answered)
        assert score == pytest.approx(want)
        assert 0.0 <= score <= 100.0


EXPORT = """Eval;Date;Agent;Reviewer;Call;Q1;Q2;Q3;Q4
x1;01.03.2024 12:00;ann;qa1;c1;Ja;Ja;5;-
x2;01.03.2024 13:00;ann;qa1;c9;Ja;Nein;4;Ja
x3;01.03.2024 14:00;ann;qa1;c8;Vielleicht;Ja;4;Ja
"""

EXPORT_MAPPING = """time_zone: Europe/Berlin
delimiter: ";"
timestamp_format: "%d.%m.%Y %H:%M"
columns:
  evaluation_id: Eval
  evaluated_at: Date
  agent_id: Agent
  evaluator_id: Reviewer
  contact_id: Call
items:
  greeting: {column: Q1, values: {Ja: "yes", Nein: "no"}}
  identity: {column: Q2, values: {Ja: "yes", Nein: "no"}}
  knowledge: Q3
  hold: {column: Q4, values: {Ja: "yes", Nein: "no", "-": n/a}}
"""


def test_mapped_export_is_scored_on_the_form(tmp_path: Path) -> None:
    form = tmp_path / "form.yaml"
    form.write_text(FORM, encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(EXPORT_MAPPING, encoding="utf-8")
    data = tmp_path / "export.csv"
    data.write_text(EXPORT, encoding="utf-8")
    db = tmp_path / "cc.duckdb"
    report = ingest(db, [data], format="qa_evaluations_csv", form=form, mapping=mapping)
    assert (report.lines_read, report.lines_used) == (4, 2)
    with Path(f"{db}.rejects.csv").open(newline="", encoding="utf-8") as fh:
        ((line, reason),) = {(r["line_no"], r["reason"]) for r in csv.DictReader(fh)}
    assert (line, reason) == ("4", "item greeting: column Q1 has a value that is not in values")
    # x1 at 12:00 Berlin: 100 (hold N/A); x2 at 13:00: critical identity failed: 0; the
    # report is in the source's zone, stored instants are UTC (11:00 and 12:00)
    by_hour = {r["hour"]: r["qa_score"] for r in rows(db, "qa_score", "hour")}
    assert by_hour == {12: 100.0, 13: 0.0}
    utc = report_result(db, by="hour", metrics="qa_score", tz="UTC").rows()
    assert {r["hour"]: r["qa_score"] for r in utc} == {11: 100.0, 12: 0.0}
    mapping.write_text(EXPORT_MAPPING.replace("  hold: ", "  hol: "), encoding="utf-8")
    with pytest.raises(ConfigError, match="not items of form call_quality") as err:
        ingest(db, [data], format="qa_evaluations_csv", form=form, mapping=mapping)
    assert err.value.field == "mapping"
