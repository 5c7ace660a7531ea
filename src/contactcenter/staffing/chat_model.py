"""Chat: agents who hold up to k conversations at once, exact by the birth-death chain.

Model. Conversations arrive as a Poisson process (``arrival_rate_per_s``). Each of the
n agents holds at most k conversations; the router gives a new conversation to the agent
with the fewest open ones, so m conversations in service are spread evenly (each agent
holds floor(m/n) or ceil(m/n)). An agent holding j conversations finishes each of them
at rate 1 / AHT_j, where ``aht_s[j-1]`` is the mean handle time of a conversation while
the agent has j open (as in CCmath's Erlang Chat: handling slows as concurrency grows);
so the agent's completion rate is f(j) = j / AHT_j. The total service rate with m
conversations in service is r(m) = (m mod n) f(ceil) + (n - m mod n) f(floor). With all
c = n k slots taken, newcomers wait FIFO and abandon at rate theta = 1 / patience.

States 0..c form a loss system whose "Erlang B" E (probability of the top state) follows
the same recursion as Erlang B, B_m = a_m B_{m-1} / (1 + a_m B_{m-1}) with
a_m = lambda / r(m); above c the chain is Erlang A's queue with n mu replaced by
r(c) = n k / AHT_k. Every Erlang A formula (:func:`contactcenter.staffing.erlang_a`)
then holds with x = r(c)/theta, y = lambda/theta, rho = lambda / r(c): P(wait), P(abandon),
ASA = P(abandon)/theta, and the SL definitions. With k = 1 the model is exactly Erlang A
(and Erlang C without patience).

Assumptions: exponential handle times whose rate depends only on the agent's current
concurrency, even spreading (least-loaded routing, re-balanced as conversations end),
exponential patience, FIFO. Occupancy is the share of time an agent holds at least one
conversation (the metric catalog's chat handling time); ``mean_open_per_agent`` is the
mean number of conversations an agent holds.

References: the birth-death construction of Erlang C and Erlang A in Gans, Koole &
Mandelbaum (2003), applied to a state-dependent service rate; Erlang A as in Mandelbaum &
Zeltyn (2009). The inputs mirror CCmath's Erlang Chat calculator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from contactcenter.errors import InputError
from contactcenter.staffing import _core
from contactcenter.staffing.erlang import check_sl_definition
from contactcenter.staffing.inverse import RTOL, check_fraction
from contactcenter.standards import DEFAULT_TARGET, DEFAULT_THRESHOLD_S


@dataclass(frozen=True)
class ChatMetrics:
    """Predicted performance of a chat queue (plain floats).

    load_erl: lambda x AHT at full concurrency (conversation-Erlangs); load_erl / k is
        the fewest agents that could carry it.
    occupancy: share of time an agent holds at least one conversation.
    mean_open_per_agent: mean number of conversations an agent holds.
    asa_s: mean wait over all arrivals (inf when unstable without patience).
    """

    agents: int
    concurrency: int
    load_erl: float
    p_wait: float
    p_abandon: float
    service_level: float
    asa_s: float
    occupancy: float
    mean_open_per_agent: float

    def as_dict(self) -> dict[str, float | int]:
        """The metrics as a dict of plain numbers."""
        return {
            "agents": self.agents,
            "concurrency": self.concurrency,
            "load_erl": self.load_erl,
            "p_wait": self.p_wait,
            "p_abandon": self.p_abandon,
            "service_level": self.service_level,
            "asa_s": self.asa_s,
            "occupancy": self.occupancy,
            "mean_open_per_agent": self.mean_open_per_agent,
        }


def _aht_levels(aht_s: float | Sequence[float], concurrency: int | None) -> list[float]:
    levels = [float(aht_s)] if isinstance(aht_s, int | float) else [float(v) for v in aht_s]
    if not levels:
        raise InputError("{field} must give at least one handle time", field="aht_s")
    for value in levels:
        if not (value > 0 and math.isfinite(value)):
            raise InputError(f"{{field}} must be > 0, got {value:g}", field="aht_s")
    if concurrency is None:
        concurrency = len(levels)
    if concurrency < 1:
        raise InputError(
            f"{{field}} must be a whole number >= 1, got {concurrency}", field="concurrency"
        )
    if len(levels) == 1:
        levels = levels * concurrency
    if len(levels) != concurrency:
        raise InputError(
            f"{{field}} must give 1 or {concurrency} handle times (one per concurrency level), "
            f"got {len(levels)}",
            field="aht_s",
        )
    return levels


def chat(
    *,
    agents: int,
    arrival_rate_per_s: float,
    aht_s: float | Sequence[float],
    concurrency: int | None = None,
    patience_s: float | None = None,
    threshold_s: float = DEFAULT_THRESHOLD_S["chat"],
    sl_definition: str = "offered",
) -> ChatMetrics:
    """Performance of ``agents`` chat agents with up to ``concurrency`` conversations each.

    ``aht_s`` is one mean handle time, or a list of them by concurrency level (the first
    while an agent holds one conversation, ...). See the module docstring for the model.

    >>> m = chat(agents=14, arrival_rate_per_s=100 / 1800, aht_s=180, concurrency=1,
    ...          patience_s=300, threshold_s=20)
    >>> round(m.p_abandon, 6)
    0.013984
    """
    definition = check_sl_definition(sl_definition)
    levels = _aht_levels(aht_s, concurrency)
    k = len(levels)
    if isinstance(agents, bool) or int(agents) != agents or agents < 1:
        raise InputError(f"{{field}} must be a whole number >= 1, got {agents}", field="agents")
    n = int(agents)
    lam = float(arrival_rate_per_s)
    if not (lam >= 0 and math.isfinite(lam)):
        raise InputError(f"{{field}} must be >= 0, got {lam:g}", field="arrival_rate_per_s")
    if not (threshold_s >= 0 and math.isfinite(threshold_s)):
        raise InputError(f"{{field}} must be >= 0, got {threshold_s:g}", field="threshold_s")
    theta = 0.0
    if patience_s is not None and math.isfinite(patience_s):
        if not patience_s > 0:
            raise InputError(f"{{field}} must be > 0, got {patience_s:g}", field="patience_s")
        theta = 1.0 / patience_s
    per_agent = np.array([0.0] + [j / levels[j - 1] for j in range(1, k + 1)])
    c = n * k
    m = np.arange(1, c + 1)
    q, rem = np.divmod(m, n)
    # rem agents hold q+1 conversations, n - rem hold q (for m = c: rem = 0, q = k)
    upper = np.minimum(q + 1, k)
    rates = rem * per_agent[upper] + (n - rem) * per_agent[q]
    r_top = float(rates[-1])
    load = lam * levels[-1]
    if lam == 0.0:
        return ChatMetrics(n, k, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    a_m = lam / rates
    b = 1.0
    for value in a_m.tolist():
        ab = value * b
        b = ab / (1.0 + ab)
    core = _core.abandonment_queue(
        e=np.array([b]),
        lam=np.array([lam]),
        rate=np.array([r_top]),
        theta=np.array([theta]),
        threshold_s=np.array([float(threshold_s)]),
    )
    sl = {"offered": core.sl_offered, "answered": core.sl_answered, "virtual": core.sl_virtual}[
        definition
    ]
    p_wait = float(core.p_wait[0])
    # distribution of the lower part, relative to the top state c, in log space
    log_w = np.concatenate(([0.0], np.cumsum(np.log(a_m))))
    log_w -= log_w[-1]
    w = np.exp(log_w)  # pi_m / pi_c for m = 0..c
    states = np.arange(c + 1)
    lower_busy = float(np.sum(w * np.minimum(states, n)))
    lower_open = float(np.sum(w * states))
    lower_mass = float(np.sum(w))
    if theta > 0:
        # the queue's mass above state c relative to pi_c is A(x, y) - 1; in deep overload
        # it passes the float range, so every sum is scaled by 1 / max(1, A - 1)
        x, y = r_top / theta, lam / theta
        log_extra = float(_core.a_function(np.array([x]), np.array([y])).log_a_minus_1[0])
        scale = math.exp(-log_extra) if log_extra > 0 else 1.0
        extra = 1.0 if log_extra > 0 else math.exp(log_extra)
        stable = True
    else:
        ratio = lam / r_top
        stable = ratio < 1.0
        scale = 1.0
        extra = ratio / (1.0 - ratio) if stable else math.inf
    if stable:
        total = lower_mass * scale + extra
        occupancy = (lower_busy * scale + n * extra) / (n * total)
        mean_open = (lower_open * scale + c * extra) / (n * total)
    else:
        occupancy, mean_open = 1.0, float(k)
    return ChatMetrics(
        agents=n,
        concurrency=k,
        load_erl=load,
        p_wait=p_wait,
        p_abandon=float(core.p_abandon[0]),
        service_level=float(sl[0]),
        asa_s=float(core.mean_wait_s[0]),
        occupancy=min(occupancy, 1.0),
        mean_open_per_agent=min(mean_open, float(k)),
    )


def chat_required_agents(
    *,
    arrival_rate_per_s: float,
    aht_s: float | Sequence[float],
    concurrency: int | None = None,
    patience_s: float | None = None,
    threshold_s: float = DEFAULT_THRESHOLD_S["chat"],
    target_sl: float | None = DEFAULT_TARGET,
    max_asa_s: float | None = None,
    max_abandon: float | None = None,
    max_occupancy: float | None = None,
    sl_definition: str = "offered",
) -> ChatMetrics:
    """Fewest chat agents meeting every given target together (0 agents for no arrivals).

    Climbs n from the stability bound (n k / AHT_k > lambda without patience) and stops
    at the first n that meets all targets, with the same RTOL slack as
    :func:`contactcenter.staffing.required_agents`.
    """
    target = check_fraction(target_sl, "target_sl")
    cap = check_fraction(max_occupancy, "max_occupancy", closed_top=True)
    ab_cap = check_fraction(max_abandon, "max_abandon", closed_top=True)
    if max_asa_s is not None and not max_asa_s > 0:
        raise InputError(f"{{field}} must be > 0, got {max_asa_s:g}", field="max_asa_s")
    levels = _aht_levels(aht_s, concurrency)
    k = len(levels)
    lam = float(arrival_rate_per_s)
    if lam == 0:
        return ChatMetrics(0, k, 0.0, 0.0, 0.0, math.nan, math.nan, math.nan, math.nan)
    slots_needed = lam * levels[-1] / k
    patient = patience_s is None or not math.isfinite(patience_s)
    if patient:
        n = math.floor(slots_needed) + 1
    elif target is not None and sl_definition == "offered":
        # SL(offered) <= 1 - P(ab) = throughput / lambda <= n max_j(j / AHT_j) / lambda
        best_rate = max(j / levels[j - 1] for j in range(1, k + 1))
        n = max(1, math.ceil(target * lam / best_rate * (1 - RTOL)) - 1)
    else:
        n = 1
    limit = math.ceil(slots_needed / (cap or 1.0) + 60 * math.sqrt(slots_needed) + 500)
    while True:
        m = chat(
            agents=n,
            arrival_rate_per_s=lam,
            aht_s=levels,
            patience_s=patience_s,
            threshold_s=threshold_s,
            sl_definition=sl_definition,
        )
        ok = (
            (target is None or m.service_level >= target * (1 - RTOL))
            and (max_asa_s is None or m.asa_s <= max_asa_s * (1 + RTOL))
            and (ab_cap is None or m.p_abandon <= ab_cap * (1 + RTOL))
            and (cap is None or m.occupancy <= cap * (1 + RTOL))
        )
        if ok:
            return m
        if n >= limit:
            raise InputError(
                f"the chat targets cannot be met with up to {n} agents; relax a target"
            )
        n += 1
