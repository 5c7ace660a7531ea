"""The simulator: reproducible, agrees with the exact models within confidence intervals,
and writes canonical contacts from which its summary can be recomputed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from contactcenter.errors import InputError
from contactcenter.facts import CONTACTS_SCHEMA
from contactcenter.simulation import (
    DEFAULT_START,
    SimulationResult,
    simulate,
    summarize,
    to_contacts,
)
from contactcenter.staffing import erlang_a, erlang_c

T = 20.0


def _batches(result: SimulationResult, n_batches: int) -> dict[str, np.ndarray]:
    """Per-batch KPIs over consecutive blocks of periods (batch means)."""
    edges = np.linspace(0.0, result.horizon_s, n_batches + 1)
    which = np.searchsorted(edges, result.arrival_s, side="right") - 1
    out: dict[str, list[float]] = {"sl": [], "p_wait": [], "p_ab": [], "mean_wait": []}
    for b in range(n_batches):
        sel = which == b
        offered = sel.sum()
        answered = result.answered[sel]
        wait = result.wait_s[sel]
        out["sl"].append(float(np.sum(answered & (wait <= T)) / offered))
        out["p_wait"].append(float(np.sum(wait > 0) / offered))
        out["p_ab"].append(float(np.sum(~answered) / offered))
        out["mean_wait"].append(float(np.mean(wait)))
    return {k: np.array(v) for k, v in out.items()}


def _within_ci(samples: np.ndarray, expected: float, z: float = 4.0) -> None:
    """Batch-means check: |mean - expected| <= z standard errors (plus float slack)."""
    mean = samples.mean()
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(mean - expected) <= z * se + 1e-12, (mean, expected, se)
    # the interval is informative: it is narrow compared with the quantity
    assert z * se < 0.2 * max(expected, 0.05)


def test_same_seed_same_run_and_another_seed_another() -> None:
    kw = {
        "calls_per_interval": [100, 120],
        "interval_s": 1800.0,
        "agents_per_interval": [14, 15],
        "aht_s": 180.0,
        "patience_s": 300.0,
    }
    a = simulate(seed=42, **kw)  # type: ignore[arg-type]
    b = simulate(seed=42, **kw)  # type: ignore[arg-type]
    c = simulate(seed=43, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a.arrival_s, b.arrival_s)
    np.testing.assert_array_equal(a.wait_s, b.wait_s)
    np.testing.assert_array_equal(a.agent, b.agent)
    assert len(a) != len(c) or not np.array_equal(a.arrival_s, c.arrival_s)


def test_long_run_agrees_with_erlang_c() -> None:
    # A = 10 Erl, 14 agents, T = 20 s: 3,000 half hours (about 300,000 calls)
    result = simulate(
        calls_per_interval=np.full(3000, 100.0),
        interval_s=1800.0,
        agents_per_interval=14,
        aht_s=180.0,
        seed=2024,
    )
    model = erlang_c(agents=14, load_erl=10.0, aht_s=180.0, threshold_s=T)
    batches = _batches(result, 30)
    _within_ci(batches["sl"], float(model.service_level))
    _within_ci(batches["p_wait"], float(model.p_wait))
    _within_ci(batches["mean_wait"] / 100.0, float(model.asa_s) / 100.0)
    summary = summarize(result)
    assert summary["occupancy"] == pytest.approx(float(model.occupancy), abs=0.005)
    assert result.answered.all()  # no patience: nobody abandons


def test_long_run_agrees_with_erlang_a() -> None:
    result = simulate(
        calls_per_interval=np.full(3000, 100.0),
        interval_s=1800.0,
        agents_per_interval=13,
        aht_s=180.0,
        patience_s=300.0,
        seed=7,
    )
    model = erlang_a(agents=13, load_erl=10.0, aht_s=180.0, patience_s=300.0, threshold_s=T)
    batches = _batches(result, 30)
    _within_ci(batches["sl"], float(model.service_level))
    _within_ci(batches["p_wait"], float(model.p_wait))
    _within_ci(batches["p_ab"], float(model.p_abandon))
    # the model's ASA is the mean wait over all arrivals, abandoned ones included
    _within_ci(batches["mean_wait"] / 100.0, float(model.asa_s) / 100.0)
    summary = summarize(result)
    assert summary["occupancy"] == pytest.approx(float(model.occupancy), abs=0.005)


def test_chat_slots_pool_like_erlang_c_with_n_times_k_servers() -> None:
    result = simulate(
        calls_per_interval=np.full(1500, 100.0),
        interval_s=1800.0,
        agents_per_interval=5,
        aht_s=180.0,
        concurrency=3,
        seed=99,
    )
    model = erlang_c(agents=15, load_erl=10.0, aht_s=180.0, threshold_s=T)
    batches = _batches(result, 25)
    _within_ci(batches["sl"], float(model.service_level))
    _within_ci(batches["p_wait"], float(model.p_wait))
    assert result.agent.max() == 4  # five agents, three slots each


def test_a_model_error_would_be_caught() -> None:
    # the same check rejects a neighbouring staffing level: the test can fail
    result = simulate(
        calls_per_interval=np.full(3000, 100.0),
        interval_s=1800.0,
        agents_per_interval=14,
        aht_s=180.0,
        seed=2024,
    )
    wrong = erlang_c(agents=13, load_erl=10.0, aht_s=180.0, threshold_s=T)
    with pytest.raises(AssertionError):
        _within_ci(_batches(result, 30)["sl"], float(wrong.service_level))


def test_service_time_distributions() -> None:
    kw = {"calls_per_interval": [2000.0], "interval_s": 3600.0, "agents_per_interval": 200}
    logn = simulate(aht_s=300.0, service="lognormal", service_cv=0.5, seed=1, **kw)  # type: ignore[arg-type]
    assert np.mean(logn.service_s) == pytest.approx(300.0, rel=0.03)
    assert np.std(logn.service_s) / np.mean(logn.service_s) == pytest.approx(0.5, rel=0.1)
    samples = np.array([60.0, 120.0, 600.0])
    emp = simulate(aht_s=1.0, service="empirical", service_samples_s=samples, seed=1, **kw)  # type: ignore[arg-type]
    assert set(np.unique(emp.service_s).tolist()) == {60.0, 120.0, 600.0}


def test_staffing_changes_at_interval_boundaries() -> None:
    result = simulate(
        calls_per_interval=[300.0, 300.0, 300.0],
        interval_s=1800.0,
        agents_per_interval=[2, 40, 3],
        aht_s=120.0,
        patience_s=600.0,
        seed=5,
    )
    start = result.arrival_s + result.wait_s
    answered = result.answered
    first = answered & (start < 1800.0)
    middle = answered & (start >= 1800.0) & (start < 3600.0)
    last = answered & (start >= 3600.0)
    assert result.agent[first].max() < 2
    assert result.agent[middle].max() == 39
    assert result.agent[last].max() < 3
    # the understaffed first half hour queues and abandons; the second does not
    assert np.mean(~answered[result.arrival_s < 1800]) > 0.3
    assert np.mean(result.wait_s[(result.arrival_s > 2400) & (result.arrival_s < 3600)]) < 1.0


def test_no_agents_and_no_patience_is_an_error() -> None:
    with pytest.raises(InputError, match="no agent is on duty"):
        simulate(calls_per_interval=[10.0], interval_s=600.0, agents_per_interval=0, aht_s=60.0)


def test_bad_simulation_inputs() -> None:
    with pytest.raises(InputError, match="interval_s must be > 0"):
        simulate(calls_per_interval=[1.0], interval_s=0.0, agents_per_interval=1, aht_s=60.0)
    with pytest.raises(InputError, match="aht_s must be > 0"):
        simulate(calls_per_interval=[1.0], interval_s=60.0, agents_per_interval=1, aht_s=0.0)
    with pytest.raises(InputError, match="agents must be whole numbers"):
        simulate(calls_per_interval=[1.0], interval_s=60.0, agents_per_interval=1.5, aht_s=6.0)
    with pytest.raises(InputError, match=r"one number or one per interval \(3\), got 2"):
        simulate(
            calls_per_interval=[1.0, 2.0, 3.0],
            interval_s=60.0,
            agents_per_interval=[1, 2],
            aht_s=6.0,
        )


# --- canonical contacts ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def run() -> SimulationResult:
    return simulate(
        calls_per_interval=np.full(48, 100.0),
        interval_s=1800.0,
        agents_per_interval=13,
        aht_s=180.0,
        patience_s=240.0,
        seed=11,
    )


def test_contacts_follow_the_canonical_schema(run: SimulationResult) -> None:
    table = to_contacts(run)
    assert table.schema.equals(CONTACTS_SCHEMA)
    assert table.num_rows == len(run)
    ids = table.column("contact_id")
    assert pc.count_distinct(ids).as_py() == table.num_rows
    assert set(table.column("source").to_pylist()) == {"simulate"}
    assert set(table.column("channel").to_pylist()) == {"voice"}
    assert set(table.column("outcome").to_pylist()) == {"answered", "abandoned"}
    assert table.column("hold_s").null_count == table.num_rows
    assert table.column("acw_s").null_count == table.num_rows
    abandoned = pc.equal(table.column("outcome"), "abandoned")
    n_ab = pc.sum(abandoned).as_py()
    assert n_ab > 0
    assert table.filter(abandoned).column("agent_id").null_count == n_ab
    assert table.filter(abandoned).column("talk_s").null_count == n_ab
    first = table.column("offered_at")[0].as_py()
    assert DEFAULT_START <= first < DEFAULT_START + dt.timedelta(minutes=30)


def test_summary_recomputed_from_the_written_parquet(run: SimulationResult, tmp_path: Path) -> None:
    start = dt.datetime(2024, 3, 4, 7, 30, tzinfo=dt.UTC)
    path = tmp_path / "contacts.parquet"
    pq.write_table(to_contacts(run, start=start), path)
    table = pq.read_table(path)
    summary = summarize(run)

    wait = table.column("wait_s").to_numpy()
    offered = table.num_rows
    assert summary["p_wait"] == np.sum(wait > 0) / offered
    assert summary["mean_wait_s"] == pytest.approx(np.mean(wait), rel=1e-12)
    assert summary["contacts"] == offered
    # every contact sits in the half hour it was simulated in, by its UTC offered_at
    offered_at = table.column("offered_at").cast(pa.int64()).to_numpy()
    seconds = (offered_at - int(start.timestamp() * 1e6)) / 1e6
    np.testing.assert_allclose(seconds, run.arrival_s, atol=1e-6)
    assert (np.floor(seconds / 1800) == np.floor(run.arrival_s / 1800)).all()
    # answered_at - offered_at = wait_s, ended_at - answered_at = talk_s (microseconds)
    ans = table.filter(pc.equal(table.column("outcome"), "answered"))
    gap = pc.subtract(ans.column("answered_at"), ans.column("offered_at")).cast(pa.int64())
    np.testing.assert_allclose(gap.to_numpy() / 1e6, ans.column("wait_s").to_numpy(), atol=1e-6)


def test_empty_run_has_undefined_ratios() -> None:
    result = simulate(calls_per_interval=[0.0], interval_s=600.0, agents_per_interval=1, aht_s=60.0)
    summary = summarize(result)
    assert summary["contacts"] == 0
    assert summary["p_wait"] is None
    assert summary["mean_wait_s"] is None
    assert to_contacts(result).num_rows == 0


def test_handle_time_per_interval() -> None:
    result = simulate(
        calls_per_interval=[400.0, 400.0],
        interval_s=3600.0,
        agents_per_interval=[60, 60],
        aht_s=200.0,
        interval_aht_s=[100.0, 400.0],
        seed=3,
    )
    first = result.answered & (result.arrival_s < 3600)
    second = result.answered & (result.arrival_s >= 3600)
    assert np.mean(result.service_s[first]) == pytest.approx(100.0, rel=0.15)
    assert np.mean(result.service_s[second]) == pytest.approx(400.0, rel=0.15)
    with pytest.raises(InputError, match="one handle time > 0 per interval"):
        simulate(
            calls_per_interval=[1.0, 1.0],
            interval_s=60.0,
            agents_per_interval=1,
            aht_s=60.0,
            interval_aht_s=[60.0],
        )
