"""Survey metrics computed by hand on each scale, their options, notes and invariants."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.app.report import outcome_options
from contactcenter.errors import InputError
from tests.outcomes.helpers import answer, report

ANSWERED = {"outcome": "answered", "offered_at": "2024-03-01 08:00", "wait_s": 5.0}


def one(result: Any) -> dict[str, Any]:
    (row,) = result.rows()
    return dict(row)


def test_csat_top_box_on_each_scale_size() -> None:
    # 3-point: top 1 (3); 5-point: top 2 (4, 5); 7-point: top 2 (6, 7);
    # 10-point (1-10): top 3 (8, 9, 10); 11-point (0-10): top 3 (8, 9, 10)
    rows = [
        answer("csat", 3, 1, 3),  # top
        answer("csat", 2, 1, 3),  # not
        answer("csat", 4, 1, 5),  # top
        answer("csat", 3, 1, 5),  # not
        answer("csat", 6, 1, 7),  # top
        answer("csat", 5, 1, 7),  # not
        answer("csat", 8, 1, 10),  # top
        answer("csat", 7, 1, 10),  # not
        answer("csat", 8, 0, 10),  # top
        answer("csat", 7, 0, 10),  # not
    ]
    row = one(report([], rows, ["csat", "csat_mean"]))
    assert row["csat"] == pytest.approx(5 / 10)
    assert row["csat_mean"] == pytest.approx(sum(r["score"] for r in rows) / 10)


def test_csat_per_scale_alone() -> None:
    for low, high, scores, want in [
        (1, 3, [3, 3, 2, 1], 2 / 4),
        (1, 5, [5, 4, 4, 3, 1], 3 / 5),
        (1, 7, [7, 6, 5, 5], 2 / 4),
        (1, 10, [10, 9, 8, 7, 1], 3 / 5),
        (0, 10, [10, 8, 7, 0], 2 / 4),
        (0, 1, [1, 0, 0, 0], 1 / 4),  # a yes/no question: top 1 of 2 points
    ]:
        rows = [answer("csat", s, low, high) for s in scores]
        assert one(report([], rows, ["csat"]))["csat"] == pytest.approx(want), (low, high)


def test_top_box_option_and_note_for_a_scale_without_one() -> None:
    rows = [answer("csat", 9, 1, 9), answer("csat", 7, 1, 9), answer("csat", 5, 1, 5)]
    result = report([], rows, ["csat"])
    assert one(result)["csat"] == 1.0  # only the 5-point answer has a top box
    assert any("2 csat answers are on a scale with no top box" in n for n in result.notes)
    configured = report([], rows, ["csat"], outcomes=outcome_options(csat_top_box="9=2"))
    assert one(configured)["csat"] == pytest.approx(2 / 3)  # 9 (top 2 of 9 points) and 5; not 7
    assert not any("no top box" in n for n in configured.notes)
    narrower = report([], rows, ["csat"], outcomes=outcome_options(csat_top_box="5=1,9=1"))
    assert one(narrower)["csat"] == pytest.approx(2 / 3)  # 9 (top 1 of 9) and 5 (top 1)


def test_nps_promoters_minus_detractors() -> None:
    scores = [10, 9, 9, 8, 7, 6, 0, 3, 10, 5]  # 4 promoters, 2 passives, 4 detractors
    rows = [answer("nps", s, 0, 10) for s in scores]
    rows.append(answer("nps", 5, 1, 5))  # not on 0-10: left out, with a note
    result = report([], rows, ["nps"])
    assert one(result)["nps"] == pytest.approx((4 - 4) / 10)
    assert any("1 nps answers are not on the 0-10 scale" in n for n in result.notes)
    promoters = [answer("nps", s, 0, 10) for s in (10, 10, 9, 7)]
    assert one(report([], promoters, ["nps"]))["nps"] == pytest.approx(0.75)


def test_ces_share_and_mean_on_the_1_to_7_scale() -> None:
    rows = [answer("ces", s, 1, 7) for s in (7, 5, 4, 1, 6)] + [answer("ces", 5, 1, 5)]
    result = report([], rows, ["ces", "ces_mean"])
    row = one(result)
    assert row["ces"] == pytest.approx(3 / 5)
    assert row["ces_mean"] == pytest.approx((7 + 5 + 4 + 1 + 6) / 5)
    assert any("1 ces answers are not on the 1-7 scale" in n for n in result.notes)


def test_agent_rating_per_agent_and_response_rate() -> None:
    contacts = [
        {**ANSWERED, "agent_id": "ann"},
        {**ANSWERED, "agent_id": "ann"},
        {**ANSWERED, "agent_id": "bob"},
        {**ANSWERED, "agent_id": "bob"},
        {"outcome": "abandoned", "offered_at": "2024-03-01 08:05", "wait_s": 30.0},
    ]
    rows = [
        answer("agent_rating", 5, 1, 5, agent_id="ann", survey_id="r1"),
        answer("csat", 5, 1, 5, agent_id="ann", survey_id="r1"),  # same response
        answer("agent_rating", 3, 1, 5, agent_id="bob", survey_id="r2"),
        answer("agent_rating", 4, 1, 5, agent_id="bob", survey_id="r3"),
    ]
    metrics = ["agent_rating", "surveys_answered", "survey_response_rate"]
    by_agent = {r["agent"]: r for r in report(contacts, rows, metrics, by=("agent",)).rows()}
    assert by_agent["ann"]["agent_rating"] == 5.0
    assert by_agent["bob"]["agent_rating"] == pytest.approx(3.5)
    assert by_agent["ann"]["surveys_answered"] == 1  # r1 holds two answers
    assert by_agent["ann"]["survey_response_rate"] == pytest.approx(1 / 2)
    assert by_agent["bob"]["survey_response_rate"] == pytest.approx(2 / 2)
    total = one(report(contacts, rows, metrics))
    assert total["surveys_answered"] == 3
    assert total["survey_response_rate"] == pytest.approx(3 / 4)  # 4 answered contacts


def test_csi_weights_and_note() -> None:
    rows = [
        answer("csat", 5, 1, 5),
        answer("csat", 1, 1, 5),  # csat 0.5
        answer("nps", 10, 0, 10),
        answer("nps", 9, 0, 10),
        answer("nps", 0, 0, 10),
        answer("nps", 8, 0, 10),  # nps (2 - 1) / 4 = 0.25 -> 0.625
        answer("ces", 6, 1, 7),  # ces 1.0
    ]
    result = report([], rows, ["csi"])
    assert one(result)["csi"] == pytest.approx(0.5 * 0.5 + 0.25 * 0.625 + 0.25 * 1.0)
    assert any(n.startswith("csi = 0.5·csat + 0.25·(nps + 1)/2 + 0.25·ces") for n in result.notes)
    weighted = report([], rows, ["csi"], outcomes=outcome_options(csi_weights="csat=1,ces=3"))
    assert one(weighted)["csi"] == pytest.approx((1 * 0.5 + 3 * 1.0) / 4)
    assert any("csat=1, ces=3" in n for n in weighted.notes)
    no_ces = report([], rows[:6], ["csi"])  # a part without a value leaves the denominator
    assert one(no_ces)["csi"] == pytest.approx((0.5 * 0.5 + 0.25 * 0.625) / 0.75)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"csi_weights": "csat=-1"}, "csi_weights"),
        ({"csi_weights": "csat=0"}, "csi_weights"),
        ({"csi_weights": "happiness=1"}, "csi_weights"),
        ({"csi_weights": "csat"}, "csi_weights"),
        ({"csat_top_box": "5=5"}, "csat_top_box"),
        ({"csat_top_box": "1=1"}, "csat_top_box"),
        ({"csat_top_box": "5=x"}, "csat_top_box"),
        ({"fcr_window": "0"}, "fcr_window"),
        ({"fcr_window": "400d"}, "fcr_window"),
        ({"fcr_min_gap": "8d"}, "fcr_min_gap"),
    ],
)
def test_bad_outcome_options_name_their_field(kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as err:
        outcome_options(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


# ----------------------------------------------------------------------------- properties
def _answers() -> st.SearchStrategy[list[dict[str, Any]]]:
    scales = st.sampled_from([(1, 3), (1, 5), (1, 7), (1, 10), (0, 10), (1, 9)])

    @st.composite
    def one_answer(draw: st.DrawFn) -> dict[str, Any]:
        kind = draw(st.sampled_from(["csat", "nps", "ces", "agent_rating"]))
        low, high = draw(scales)
        score = draw(st.integers(low, high))
        return answer(kind, score, low, high, agent_id=draw(st.sampled_from(["a", "b", None])))

    return st.lists(one_answer(), min_size=1, max_size=30)


TOP = {3: 1, 5: 2, 7: 2, 10: 3, 11: 3}
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(_answers())
def test_survey_metrics_match_a_direct_count(rows: list[dict[str, Any]]) -> None:
    got = one(report([], rows, ["csat", "nps", "ces", "csi", "agent_rating"]))
    csat = [r for r in rows if r["kind"] == "csat" and r["scale_max"] - r["scale_min"] + 1 in TOP]
    top = [
        r for r in csat if r["score"] > r["scale_max"] - TOP[r["scale_max"] - r["scale_min"] + 1]
    ]
    nps = [r for r in rows if r["kind"] == "nps" and (r["scale_min"], r["scale_max"]) == (0, 10)]
    ces = [r for r in rows if r["kind"] == "ces" and (r["scale_min"], r["scale_max"]) == (1, 7)]
    want_csat = len(top) / len(csat) if csat else None
    want_nps = (
        (sum(r["score"] >= 9 for r in nps) - sum(r["score"] <= 6 for r in nps)) / len(nps)
        if nps
        else None
    )
    want_ces = sum(r["score"] >= 5 for r in ces) / len(ces) if ces else None
    for name, want in (("csat", want_csat), ("nps", want_nps), ("ces", want_ces)):
        assert got[name] == (pytest.approx(want) if want is not None else None), name
    parts = [
        (w, v)
        for w, v in (
            (0.5, want_csat),
            (0.25, None if want_nps is None else (want_nps + 1) / 2),
            (0.25, want_ces),
        )
        if v is not None
    ]
    if parts:
        assert got["csi"] == pytest.approx(sum(w * v for w, v in parts) / sum(w for w, _ in parts))
        assert min(v for _, v in parts) - 1e-9 <= got["csi"] <= max(v for _, v in parts) + 1e-9
    else:
        assert got["csi"] is None
    if got["nps"] is not None:
        assert -1.0 <= got["nps"] <= 1.0


@FAST
@given(_answers())
def test_counts_by_agent_add_up_and_ratios_stay_fractions(rows: list[dict[str, Any]]) -> None:
    total = one(report([], rows, ["surveys_answered", "csat"]))
    by_agent = report([], rows, ["surveys_answered", "csat"], by=("agent",)).rows()
    assert sum(r["surveys_answered"] for r in by_agent) == total["surveys_answered"] == len(rows)
    for r in by_agent:
        assert r["csat"] is None or 0.0 <= r["csat"] <= 1.0
