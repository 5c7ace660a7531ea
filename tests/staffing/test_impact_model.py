"""The impact model (staffing/impact.py): fractional agents, and the invariants of the
losses (issue 11, section 5)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.staffing import erlang_a, erlang_c
from contactcenter.staffing.impact import (
    AgentIntervals,
    Intervals,
    fractional_service_level,
    losses,
)

SETTINGS = settings(max_examples=60, deadline=None)


def test_fractional_agents_interpolate_staffings_own_values() -> None:
    """SL(n) is linear between whole numbers of agents; SL(0) = 0; no call: 1."""
    kw = {"calls": 100, "interval_s": 1800, "aht_s": 180, "threshold_s": 20}
    sl13 = float(erlang_c(agents=13, load_erl=10, aht_s=180, threshold_s=20).service_level)
    sl14 = float(erlang_c(agents=14, load_erl=10, aht_s=180, threshold_s=20).service_level)
    assert sl14 == pytest.approx(0.88835, abs=5e-6)  # README's published staff figure
    got = fractional_service_level(agents=[13, 13.25, 14], patience_s=None, **kw)
    assert got.tolist() == pytest.approx([sl13, sl13 + 0.25 * (sl14 - sl13), sl14])
    a14 = float(
        erlang_a(agents=14, load_erl=10, aht_s=180, patience_s=300, threshold_s=20).service_level
    )
    assert a14 == pytest.approx(0.916792, abs=5e-7)  # README: Erlang A, 14 agents
    assert float(fractional_service_level(agents=14, patience_s=300, **kw)) == pytest.approx(a14)
    assert float(fractional_service_level(agents=0, patience_s=300, **kw)) == 0.0
    half = float(fractional_service_level(agents=0.5, patience_s=300, **kw))
    one = float(erlang_a(agents=1, load_erl=10, aht_s=180, patience_s=300).service_level)
    assert half == pytest.approx(one / 2)
    assert float(
        fractional_service_level(agents=3, calls=0, interval_s=1800, aht_s=180,
                                 threshold_s=20, patience_s=None)
    ) == 1.0  # fmt: skip


intervals = st.lists(
    st.tuples(
        st.floats(0, 30),  # agents available
        st.integers(0, 200),  # calls
        st.floats(10, 900),  # aht
    ),
    min_size=1,
    max_size=4,
)
pairs = st.lists(
    st.tuples(
        st.integers(0, 3),  # interval index (mod the number of intervals)
        st.floats(0, 1800),  # away
        st.integers(0, 50),  # handled
        st.floats(0, 600),  # excess
        st.integers(0, 20),  # transferred
    ),
    min_size=1,
    max_size=6,
)


def _run(
    ivs: list[tuple[float, int, float]],
    prs: list[tuple[int, float, int, float, int]],
    patience: float | None,
):  # type: ignore[no-untyped-def]
    calls = np.array([float(c) for _, c, _ in ivs])
    handled = np.array(
        [
            float(min(h, c))
            for (k, _, h, _, _), c in zip(prs, [ivs[k % len(ivs)][1] for k, *_ in prs], strict=True)
        ]
    )
    return losses(
        Intervals(
            calls=calls,
            answered=calls,
            aht_s=np.array([a for _, _, a in ivs]),
            agents=np.array([n for n, _, _ in ivs]),
        ),
        AgentIntervals(
            interval=np.array([k % len(ivs) for k, *_ in prs], dtype=np.int64),
            away_s=np.array([a for _, a, _, _, _ in prs]),
            handled=handled,
            excess_s=np.array([e for _, _, _, e, _ in prs]),
            transferred=np.array([float(t) for *_, t in prs]),
        ),
        interval_s=1800,
        threshold_s=20,
        patience_s=patience,
    )


@SETTINGS
@given(intervals, pairs, st.one_of(st.none(), st.floats(5, 3600)))
def test_points_lost_are_never_negative(ivs, prs, patience) -> None:  # type: ignore[no-untyped-def]
    got = _run(ivs, prs, patience)
    for part in (got.adherence, got.aht, got.transfers):
        assert (part >= 0).all()
        assert (part <= 1).all()
    assert ((got.base >= 0) & (got.base <= 1)).all()


@SETTINGS
@given(intervals, pairs, st.one_of(st.none(), st.floats(5, 3600)))
def test_an_agent_who_kept_to_the_schedule_at_the_median_loses_nothing(ivs, prs, patience) -> None:  # type: ignore[no-untyped-def]
    """No unscheduled away time, no excess handle time, no transfer: 0 points each."""
    clean = [(k, 0.0, h, 0.0, 0) for k, _, h, _, _ in prs]
    got = _run(ivs, clean, patience)
    assert got.adherence.tolist() == [0.0] * len(prs)
    assert got.aht.tolist() == [0.0] * len(prs)
    assert got.transfers.tolist() == [0.0] * len(prs)


@SETTINGS
@given(
    st.floats(0, 40),
    st.floats(0, 5),
    st.integers(1, 300),
    st.floats(10, 900),
    st.one_of(st.none(), st.floats(5, 3600)),
)
def test_more_agents_never_lower_the_service_level(n, extra, calls, aht, patience) -> None:  # type: ignore[no-untyped-def]
    kw = {"calls": calls, "interval_s": 1800, "aht_s": aht, "threshold_s": 20,
          "patience_s": patience}  # fmt: skip
    lo = float(fractional_service_level(agents=n, **kw))
    hi = float(fractional_service_level(agents=n + extra, **kw))
    assert hi >= lo - 1e-12
    assert not math.isnan(lo)
