"""Erlang B, Erlang C and Erlang A: the voice queue models.

Notation (one time unit, seconds): lambda arrivals per second, AHT = 1/mu the mean handle
time, A = lambda * AHT the offered load in Erlangs (``load_erl``), n agents, T the answer
threshold (``threshold_s``), theta = 1 / mean patience (``patience_s``).

All functions are keyword-only and vectorized: every argument may be a scalar or an array
and they broadcast together; results are float64 arrays of the broadcast shape (0-d for
scalar inputs: use ``float(...)``). They are exact (no simulation, no truncation beyond
float64 rounding) and finite up to the documented bounds (:mod:`contactcenter.limits`:
1,000,000 Erlangs, 10,000,000 agents); above 5,000 agents Erlang B is computed in closed
form rather than by its recursion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from contactcenter.errors import InputError
from contactcenter.staffing import _core
from contactcenter.staffing._core import FloatArray, IntArray
from contactcenter.standards import DEFAULT_THRESHOLD_S

SlDefinition = Literal["offered", "answered", "virtual"]
SL_DEFINITIONS: tuple[str, ...] = get_args(SlDefinition)


@dataclass(frozen=True)
class QueueMetrics:
    """Predicted performance of a queue with a given number of agents.

    Every field is a float64 array of the broadcast input shape (0-d for scalars).

    load_erl: offered load A = arrival rate x AHT (Erlangs).
    agents: productive agents (net of shrinkage).
    p_wait: probability that an arriving contact waits (finds every agent busy).
    p_abandon: probability that an arriving contact abandons (0 without patience).
    service_level: share answered within ``threshold_s`` per ``sl_definition``.
    asa_s: mean wait over all arrivals, in seconds (abandoned ones included, until they
        leave); ``inf`` when the queue is unstable (Erlang C with agents <= load).
    occupancy: carried load / agents, the share of time an agent is busy.
    queue_length: mean number of contacts waiting.
    """

    load_erl: FloatArray
    agents: FloatArray
    p_wait: FloatArray
    p_abandon: FloatArray
    service_level: FloatArray
    asa_s: FloatArray
    occupancy: FloatArray
    queue_length: FloatArray
    threshold_s: FloatArray
    sl_definition: SlDefinition

    def row(self, index: int | tuple[int, ...] = ()) -> dict[str, float]:
        """The metrics at ``index`` (``()`` for scalar results) as plain floats."""
        return {
            "load_erl": float(self.load_erl[index]),
            "agents": float(self.agents[index]),
            "p_wait": float(self.p_wait[index]),
            "p_abandon": float(self.p_abandon[index]),
            "service_level": float(self.service_level[index]),
            "asa_s": float(self.asa_s[index]),
            "occupancy": float(self.occupancy[index]),
            "queue_length": float(self.queue_length[index]),
        }


def _as_array(value: npt.ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{{field}} must be a number, got {value!r}", field=name) from None
    if np.isnan(arr).any():
        raise InputError("{field} must be a number, got NaN", field=name)
    return arr


def _numeric(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind in "fiu"


def check_positive(value: npt.ArrayLike, name: str) -> FloatArray:
    """``value`` as an array; InputError unless every element is finite and > 0."""
    arr = np.asarray(value, dtype=np.float64) if _numeric(value) else _as_array(value, name)
    if arr.size and arr.min() > 0 and arr.max() < np.inf:  # two passes, no temporaries
        return arr
    arr = _as_array(value, name)
    bad = ~(np.isfinite(arr) & (arr > 0))
    if bad.any():
        raise InputError(f"{{field}} must be > 0, got {arr[bad].flat[0]:g}", field=name)
    return arr


def check_non_negative(value: npt.ArrayLike, name: str) -> FloatArray:
    """``value`` as an array; InputError unless every element is finite and >= 0."""
    arr = np.asarray(value, dtype=np.float64) if _numeric(value) else _as_array(value, name)
    if arr.size and arr.min() >= 0 and arr.max() < np.inf:  # NaN fails both comparisons
        return arr
    arr = _as_array(value, name)
    bad = ~(np.isfinite(arr) & (arr >= 0))
    if bad.any():
        raise InputError(f"{{field}} must be >= 0, got {arr[bad].flat[0]:g}", field=name)
    return arr


def check_agents(value: npt.ArrayLike, name: str = "agents", minimum: int = 1) -> IntArray:
    """``value`` as an int64 array; InputError unless every element is a whole number."""
    arr = _as_array(value, name)
    bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (arr < minimum)
    if bad.any():
        raise InputError(
            f"{{field}} must be a whole number >= {minimum}, got {arr[bad].flat[0]:g}", field=name
        )
    return arr.astype(np.int64)


def patience_rate(patience_s: npt.ArrayLike | None) -> FloatArray:
    """theta = 1 / mean patience; None, inf or NaN mean infinitely patient (theta = 0)."""
    if patience_s is None:
        return np.zeros(())
    arr = np.asarray(patience_s, dtype=np.float64)
    finite = np.isfinite(arr)
    bad = finite & ~(arr > 0)
    if bad.any():
        raise InputError(f"{{field}} must be > 0, got {arr[bad].flat[0]:g}", field="patience_s")
    with np.errstate(divide="ignore"):
        return np.where(finite, 1.0 / np.where(finite, arr, 1.0), 0.0)


def check_sl_definition(sl_definition: str) -> SlDefinition:
    """Return ``sl_definition`` if it is one of offered, answered, virtual."""
    if sl_definition not in SL_DEFINITIONS:
        raise InputError(
            f"{{field}} must be one of {', '.join(SL_DEFINITIONS)}, got {sl_definition!r}",
            field="sl_definition",
        )
    return sl_definition  # type: ignore[return-value]


def evaluate_flat(
    *,
    agents: IntArray,
    load_erl: FloatArray,
    aht_s: FloatArray,
    threshold_s: FloatArray,
    theta: FloatArray,
    sl_definition: SlDefinition,
    erlang_b_value: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """Erlang C (theta == 0) or Erlang A (theta > 0) on 1-D arrays of one length.

    ``erlang_b_value`` may pass B(agents, load_erl) when the caller already has it.
    """
    e = _core.erlang_b(agents, load_erl) if erlang_b_value is None else erlang_b_value
    n = agents.astype(np.float64)
    lam = load_erl / aht_s
    rate = n / aht_s
    core = _core.abandonment_queue(e=e, lam=lam, rate=rate, theta=theta, threshold_s=threshold_s)
    sl = {"offered": core.sl_offered, "answered": core.sl_answered, "virtual": core.sl_virtual}[
        sl_definition
    ]
    with np.errstate(all="ignore"):
        carried = load_erl * (1.0 - core.p_abandon)
        occupancy = np.minimum(carried / n, 1.0)
    return {
        "p_wait": core.p_wait,
        "p_abandon": core.p_abandon,
        "service_level": sl,
        "asa_s": core.mean_wait_s,
        "occupancy": occupancy,
        "queue_length": core.mean_queue,
    }


def _evaluate(
    *,
    agents: npt.ArrayLike,
    load_erl: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    threshold_s: npt.ArrayLike,
    patience_s: npt.ArrayLike | None,
    sl_definition: str,
) -> QueueMetrics:
    definition = check_sl_definition(sl_definition)
    n = check_agents(agents)
    a = check_non_negative(load_erl, "load_erl")
    h = check_positive(aht_s, "aht_s")
    t = check_non_negative(threshold_s, "threshold_s")
    th = patience_rate(patience_s)
    n_b, a_b, h_b, t_b, th_b = np.broadcast_arrays(n, a, h, t, th)
    shape = n_b.shape
    flat = evaluate_flat(
        agents=n_b.ravel().astype(np.int64),
        load_erl=a_b.ravel().astype(np.float64),
        aht_s=h_b.ravel().astype(np.float64),
        threshold_s=t_b.ravel().astype(np.float64),
        theta=th_b.ravel().astype(np.float64),
        sl_definition=definition,
    )
    return QueueMetrics(
        load_erl=np.asarray(a_b, dtype=np.float64).reshape(shape),
        agents=np.asarray(n_b, dtype=np.float64).reshape(shape),
        threshold_s=np.asarray(t_b, dtype=np.float64).reshape(shape),
        sl_definition=definition,
        **{key: value.reshape(shape) for key, value in flat.items()},
    )


def erlang_b(*, agents: npt.ArrayLike, load_erl: npt.ArrayLike) -> FloatArray:
    """Blocking probability of the M/M/n/n loss system (Erlang B).

    Formula: B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)); B(n, A) = (A^n/n!) / sum_{j<=n} A^j/j!.
    Assumptions: Poisson arrivals, no waiting room (blocked contacts are lost), any
    service-time distribution with mean AHT (the formula is insensitive to it).
    Units: ``load_erl`` in Erlangs, ``agents`` a whole number >= 0.
    Reference: A. K. Erlang, "Solution of some problems in the theory of probabilities of
    significance in automatic telephone exchanges", Elektroteknikeren 13 (1917).

    >>> round(float(erlang_b(agents=14, load_erl=10.0)), 6)
    0.056819
    """
    n = check_agents(agents, minimum=0)
    a = check_non_negative(load_erl, "load_erl")
    n_b, a_b = np.broadcast_arrays(n, a)
    out = _core.erlang_b(n_b.ravel().astype(np.int64), a_b.ravel().astype(np.float64))
    return out.reshape(n_b.shape)


def erlang_c(
    *,
    agents: npt.ArrayLike,
    load_erl: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    threshold_s: npt.ArrayLike = DEFAULT_THRESHOLD_S["voice"],
) -> QueueMetrics:
    """The M/M/n queue with infinitely patient callers (Erlang C).

    Formulas (B = Erlang B(n, A)):
        P(wait) = C = n B / (n - A (1 - B)) for n > A, else 1;
        SL(T) = P(W <= T) = 1 - C exp(-(n - A) T / AHT);
        ASA = C AHT / (n - A); mean queue length Lq = C A / (n - A); occupancy = A / n.
    With n <= A the queue is unstable: P(wait) = 1, SL = 0, ASA = inf, occupancy = 1.
    Assumptions: Poisson arrivals, exponential handle times with mean ``aht_s``, FIFO,
    nobody abandons. All three SL definitions coincide (no abandonment).
    Units: seconds for ``aht_s``, ``threshold_s`` and ``asa_s``; Erlangs for ``load_erl``.
    Reference: A. K. Erlang (1917), as above; for the waiting-time distribution
    N. Gans, G. Koole, A. Mandelbaum, "Telephone call centers: tutorial, review, and
    research prospects", Manufacturing & Service Operations Management 5(2), 2003.

    >>> m = erlang_c(agents=14, load_erl=10.0, aht_s=180, threshold_s=20)
    >>> round(float(m.service_level), 5), round(float(m.p_wait), 5), round(float(m.asa_s), 3)
    (0.88835, 0.17413, 7.836)
    """
    return _evaluate(
        agents=agents,
        load_erl=load_erl,
        aht_s=aht_s,
        threshold_s=threshold_s,
        patience_s=None,
        sl_definition="offered",
    )


def erlang_a(
    *,
    agents: npt.ArrayLike,
    load_erl: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    patience_s: npt.ArrayLike,
    threshold_s: npt.ArrayLike = DEFAULT_THRESHOLD_S["voice"],
    sl_definition: str = "offered",
) -> QueueMetrics:
    """The M/M/n+M queue: Erlang C plus exponential patience (Palm's Erlang A).

    With lambda = A/AHT, mu = 1/AHT, theta = 1/patience, x = n mu / theta,
    y = lambda / theta, rho = lambda / (n mu), E = Erlang B(n, A) and
    A(x, y) = 1 + sum_{j>=1} y^j / prod_{k=1..j} (x + k):
        pi_n = E / (1 + (A(x, y) - 1) E);  P(wait) = A(x, y) pi_n;
        P(ab | wait) = 1 / (rho A(x, y)) + 1 - 1/rho;  P(ab) = P(ab | wait) P(wait);
        ASA over all arrivals = P(ab) / theta (Little's law on the queue);
        occupancy = rho (1 - P(ab));
        virtual wait V (of an infinitely patient caller):
        P(V > t) = pi_n A(x, y e^{-theta t}) exp(y (1 - e^{-theta t}) - n mu t);
        P(W > t, served) = P(V > t) / rho (1 - 1 / A(x, y e^{-theta t})).
    Service level by ``sl_definition``:
        offered (default) = answered within T / offered = 1 - P(ab) - P(W > T, served);
        answered = answered within T / answered = 1 - P(W > T, served) / (1 - P(ab));
        virtual = P(V <= T).
    Stable for every n >= 1 (abandonment bounds the queue), also when n < A.
    A(x, y) is summed as a positive series for y < x and through the regularized
    incomplete gamma function otherwise, so nothing cancels or overflows.
    Assumptions: Poisson arrivals, exponential handle times, exponential patience, FIFO;
    an abandoned contact does not return.
    Units: seconds for ``aht_s``, ``patience_s`` (mean), ``threshold_s`` and ``asa_s``.
    References: C. Palm, "Research on telephone traffic carried by full availability
    groups", Tele 1 (1957); A. Mandelbaum, S. Zeltyn, "The M/M/n+G queue: summary of
    performance measures" (Technion, 2009) and "Service engineering in action: the
    Palm/Erlang-A queue, with applications to call centers" (2007); Gans, Koole &
    Mandelbaum (2003).

    >>> m = erlang_a(agents=14, load_erl=10.0, aht_s=180, patience_s=300, threshold_s=20)
    >>> round(float(m.p_wait), 5), round(float(m.p_abandon), 6), round(float(m.occupancy), 6)
    (0.14526, 0.013984, 0.704297)
    """
    return _evaluate(
        agents=agents,
        load_erl=load_erl,
        aht_s=aht_s,
        threshold_s=threshold_s,
        patience_s=check_positive(patience_s, "patience_s"),
        sl_definition=sl_definition,
    )


def queue_metrics(
    *,
    agents: npt.ArrayLike,
    load_erl: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    threshold_s: npt.ArrayLike = DEFAULT_THRESHOLD_S["voice"],
    patience_s: npt.ArrayLike | None = None,
    sl_definition: str = "offered",
) -> QueueMetrics:
    """Erlang A where ``patience_s`` is finite, Erlang C where it is None, inf or NaN.

    Lets one call mix queues with and without a patience estimate (see :func:`erlang_c`
    and :func:`erlang_a` for the formulas and references).
    """
    return _evaluate(
        agents=agents,
        load_erl=load_erl,
        aht_s=aht_s,
        threshold_s=threshold_s,
        patience_s=patience_s,
        sl_definition=sl_definition,
    )


def service_level(
    *,
    agents: npt.ArrayLike,
    load_erl: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    threshold_s: npt.ArrayLike = DEFAULT_THRESHOLD_S["voice"],
    patience_s: npt.ArrayLike | None = None,
    sl_definition: str = "offered",
) -> FloatArray:
    """Service level only (Erlang C, or Erlang A when ``patience_s`` is given).

    >>> round(float(service_level(agents=13, load_erl=10.0, aht_s=180, threshold_s=20)), 7)
    0.7955948
    """
    return queue_metrics(
        agents=agents,
        load_erl=load_erl,
        aht_s=aht_s,
        threshold_s=threshold_s,
        patience_s=patience_s,
        sl_definition=sl_definition,
    ).service_level
