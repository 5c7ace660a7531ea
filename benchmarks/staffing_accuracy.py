"""Benchmark: accuracy of Erlang C and Erlang A against a 60-digit mpmath computation.

    .venv/bin/python benchmarks/staffing_accuracy.py

Runs in the benchmark virtualenv (mpmath; see staffing_env.py). The reference uses the
same closed forms (Erlang B by its recursion, A(x, y) by its series) evaluated with 60
significant digits, so what is measured is the float64 implementation's rounding and
cancellation: the maximum relative error per quantity over a grid of loads from 1 to
5,000 Erlangs, staffing from below the load to 6,000 agents, patience 60 s to 1,800 s.
The model itself is checked against an exact birth-death chain in the tests.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from staffing_env import reexec_in_bench_env

reexec_in_bench_env("mpmath")

import mpmath as mp  # noqa: E402
import numpy as np  # noqa: E402

from contactcenter.staffing import erlang_a, erlang_c  # noqa: E402

mp.mp.dps = 60
AHT = mp.mpf(180)
T = mp.mpf(20)
LIMIT = 1e-9


def erlang_b(n: int, a: mp.mpf) -> mp.mpf:
    b = mp.mpf(1)
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def a_series(x: mp.mpf, y: mp.mpf) -> mp.mpf:
    """A(x, y) = sum_j y^j / prod_{k<=j} (x + k), summed until the tail is negligible."""
    total = mp.mpf(1)
    term = mp.mpf(1)
    j = 0
    while True:
        j += 1
        term = term * y / (x + j)
        total += term
        if j > y - x and term < total * mp.mpf(10) ** -70:
            return total


def ref_c(n: int, load: float) -> dict[str, mp.mpf]:
    a = mp.mpf(load)
    b = erlang_b(n, a)
    c = n * b / (n - a * (1 - b))
    return {
        "p_wait": c,
        "service_level": 1 - c * mp.exp(-(n - a) * T / AHT),
        "asa_s": c * AHT / (n - a),
    }


def ref_a(n: int, load: float, patience: float) -> dict[str, mp.mpf]:
    a = mp.mpf(load)
    lam, mu, theta = a / AHT, 1 / AHT, 1 / mp.mpf(patience)
    x, y, rho = n * mu / theta, lam / theta, lam / (n * mu)
    e = erlang_b(n, a)
    big_a = a_series(x, y)
    pi_n = e / (1 + (big_a - 1) * e)
    p_wait = big_a * pi_n
    p_ab = (1 / (rho * big_a) + 1 - 1 / rho) * p_wait
    yt = y * mp.exp(-theta * T)
    a_t = a_series(x, yt)
    p_v = pi_n * a_t * mp.exp(y * (1 - mp.exp(-theta * T)) - n * mu * T)
    p_ws = p_v / rho * (1 - 1 / a_t)
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "asa_s": p_ab / theta,
        "occupancy": rho * (1 - p_ab),
        "sl_offered": 1 - p_ab - p_ws,
        "sl_answered": 1 - p_ws / (1 - p_ab),
        "sl_virtual": 1 - p_v,
    }


SMALL = mp.mpf("1e-6")


def rel(ours: float, ref: mp.mpf) -> float:
    """Relative error; for |ref| < 1e-6, the absolute error (reported apart)."""
    if abs(ref) < SMALL:
        return float(abs(mp.mpf(ours) - ref))
    return float(abs((mp.mpf(ours) - ref) / ref))


def main() -> None:
    loads = [1.0, 10.0, 45.05, 200.0, 1000.0, 5000.0]
    worst: dict[tuple[str, str], tuple[float, str]] = {}
    cases = 0
    started = time.perf_counter()

    def note(model: str, name: str, err: float, where: str, ref: mp.mpf) -> None:
        key = (model, name if abs(ref) >= SMALL else f"{name} (<1e-6, abs)")
        if err > worst.get(key, (-1.0, ""))[0]:
            worst[key] = (err, where)

    for load in loads:
        root = load**0.5
        c_agents = sorted({int(load) + 1, int(load + root), int(load + 3 * root) + 1})
        if load == 5000.0:
            c_agents.append(6000)
        for n in c_agents:
            ref = ref_c(n, load)
            got = erlang_c(agents=n, load_erl=load, aht_s=180.0, threshold_s=20.0)
            cases += 1
            for name, value in ref.items():
                err = rel(float(getattr(got, name)), value)
                note("erlang_c", name, err, f"A={load}, n={n}", value)
        a_agents = sorted({max(1, int(0.9 * load)), int(load) + 1, int(load + 2 * root) + 1})
        for patience in (60.0, 300.0, 1800.0):
            for n in a_agents:
                ref = ref_a(n, load, patience)
                kw = {
                    "agents": n,
                    "load_erl": load,
                    "aht_s": 180.0,
                    "patience_s": patience,
                    "threshold_s": 20.0,
                }
                cases += 1
                for definition in ("offered", "answered", "virtual"):
                    got = erlang_a(sl_definition=definition, **kw)  # type: ignore[arg-type]
                    where = f"A={load}, n={n}, patience={patience}"
                    value = ref[f"sl_{definition}"]
                    err = rel(float(got.service_level), value)
                    note("erlang_a", f"sl_{definition}", err, where, value)
                    if definition == "offered":
                        for name in ("p_wait", "p_abandon", "asa_s", "occupancy"):
                            err = rel(float(getattr(got, name)), ref[name])
                            note("erlang_a", name, err, where, ref[name])
    print(
        f"{cases} cases (loads {loads[0]:g}-{loads[-1]:g} Erl, up to 6,000 agents), "
        f"reference mpmath {mp.__version__} at {mp.mp.dps} digits, "
        f"{time.perf_counter() - started:.1f} s"
    )
    print(f"{'model':10} {'quantity':26} {'max error':>10}  worst case")
    ok = True
    for (model, name), (err, where) in sorted(worst.items()):
        flag = "" if err <= LIMIT else "  > 1e-9"
        ok &= err <= LIMIT
        print(f"{model:10} {name:26} {err:10.2e}  {where}{flag}")
    print(
        f"all within {LIMIT:g} (relative; absolute for reference values below 1e-6, where "
        f"a difference of probabilities near 1 cannot carry relative precision): {ok}"
    )
    print(f"numpy {np.__version__}")


if __name__ == "__main__":
    main()
