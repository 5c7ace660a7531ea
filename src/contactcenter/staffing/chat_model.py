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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from contactcenter.errors import InputError
from contactcenter.limits import MAX_CHAT_SLOTS
from contactcenter.staffing import _core
from contactcenter.staffing.erlang import check_sl_definition
from contactcenter.staffing.inverse import RTOL, check_fraction
from contactcenter.standards import DEFAULT_TARGET, DEFAULT_THRESHOLD_S

_LOOP_STATES = 20_000  # chains up to this long take E by its recursion, longer in log space
CHAT_SEARCH_FROM = 100.0
"""chat_required_agents searches (instead of climbing one agent at a time) when more
than this many agents are needed at full concurrency."""


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
    # distribution of the lower part in log space: log_w[m] = log(pi_m / pi_0)
    log_w = np.concatenate(([0.0], np.cumsum(np.log(a_m), dtype=np.longdouble).astype(float)))
    peak = float(log_w.max())
    if c <= _LOOP_STATES:
        b = 1.0
        for value in a_m.tolist():
            ab = value * b
            b = ab / (1.0 + ab)
    else:  # E = pi_c / sum pi_m, relative to the largest state (no overflow)
        b = math.exp(float(log_w[-1]) - peak) / float(np.sum(np.exp(log_w - peak)))
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
    # masses relative to the largest lower state (taking them relative to the top state c
    # overflowed for a lightly loaded team, and occupancy came out NaN)
    w = np.exp(log_w - peak)
    states = np.arange(c + 1)
    lower_busy = float(np.sum(w * np.minimum(states, n)))
    lower_open = float(np.sum(w * states))
    lower_mass = float(np.sum(w))
    log_top = float(log_w[-1]) - peak  # log(pi_c / pi_peak) <= 0
    if theta > 0:
        # the queue's mass above state c relative to pi_c is A(x, y) - 1
        x, y = r_top / theta, lam / theta
        log_extra = float(_core.a_function(np.array([x]), np.array([y])).log_a_minus_1[0])
        stable = True
    else:
        ratio = lam / r_top
        stable = ratio < 1.0
        log_extra = math.log(ratio / (1.0 - ratio)) if stable else math.inf
    if stable:
        # queue mass relative to pi_peak = exp(log_top + log_extra); every sum is scaled by
        # 1 / max(1, that) so that deep overload stays in the float range
        log_queue = log_top + log_extra
        scale = math.exp(-log_queue) if log_queue > 0 else 1.0
        extra = 1.0 if log_queue > 0 else math.exp(log_queue)
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
    :func:`contactcenter.staffing.required_agents`. When more than
    :data:`CHAT_SEARCH_FROM` agents are needed it gallops and bisects instead (SL, ASA
    and P(abandon) are monotone in n; the occupancy cap is searched from the first n
    meeting those), about 2 log2(n) evaluations instead of n. More than
    :data:`contactcenter.limits.MAX_CHAT_SLOTS` conversations at once are refused.
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
    most = MAX_CHAT_SLOTS // k
    if n > most:
        raise InputError(
            f"the chat targets need more than {most:,} agents ({MAX_CHAT_SLOTS:,} "
            "conversations at once); relax a target",
        )

    def evaluate(agents: int) -> ChatMetrics:
        return chat(
            agents=agents,
            arrival_rate_per_s=lam,
            aht_s=levels,
            patience_s=patience_s,
            threshold_s=threshold_s,
            sl_definition=sl_definition,
        )

    def meets(m: ChatMetrics, occupancy: bool) -> bool:
        return (
            (target is None or m.service_level >= target * (1 - RTOL))
            and (max_asa_s is None or m.asa_s <= max_asa_s * (1 + RTOL))
            and (ab_cap is None or m.p_abandon <= ab_cap * (1 + RTOL))
            and (not occupancy or cap is None or m.occupancy <= cap * (1 + RTOL))
        )

    if max(slots_needed, slots_needed / (cap or 1.0)) > CHAT_SEARCH_FROM:
        # SL, ASA and P(abandon) fall or rise monotonically with n: the first n meeting
        # them is found by galloping and bisecting; occupancy is not monotone in deep
        # overload (with short patience and slower handling at higher concurrency), so
        # the cap is searched only from there on, where it falls with n
        n = _first(n, most, lambda a: meets(evaluate(a), occupancy=False))
        if cap is not None:
            # occupancy >= conversations held / (n k) >= lambda (1 - P(ab)) min AHT_j / (n k)
            # (Little's law; P(ab) only falls as n grows): no n below this meets the cap
            held = lam * (1.0 - evaluate(n).p_abandon) * min(levels)
            floor_n = math.ceil(held / (k * cap) * (1 - RTOL)) - 1
            if floor_n > most:
                raise InputError(
                    f"{{field}} {cap:g} needs more than {most:,} chat agents; raise it",
                    field="max_occupancy",
                )
            n = max(n, floor_n)
            # occupancy = P(an agent holds one or more) <= conversations held per agent
            # <= lambda max AHT_j / n: the cap is met from n = lambda max AHT_j / cap on
            ceiling = min(most, max(n, math.ceil(lam * max(levels) / cap * (1 + RTOL)) + 1))
            n = _first(n, most, lambda a: meets(evaluate(a), occupancy=True), high=ceiling)
        return evaluate(n)
    limit = min(most, math.ceil(slots_needed / (cap or 1.0) + 60 * math.sqrt(slots_needed) + 500))
    while True:
        m = evaluate(n)
        if meets(m, occupancy=True):
            return m
        if n >= limit:
            raise InputError(
                f"the chat targets cannot be met with up to {n} agents; relax a target"
            )
        n += 1


def _first(low: int, most: int, ok: Callable[[int], bool], high: int | None = None) -> int:
    """The first n in [low, most] with ok(n), for ok false below some n and true from it
    on (gallop, then bisect; from ``high`` when it is known to be true there, checked);
    InputError when even ``most`` fails."""
    if high is not None and high >= low and ok(high):
        return _bisect(low, high, ok)
    step = 1
    while True:
        probe = min(low + step - 1, most)
        if ok(probe):
            high = probe
            break
        if probe >= most:
            raise InputError(
                f"the chat targets cannot be met with up to {most:,} agents; relax a target"
            )
        low = probe + 1
        step *= 2
    return _bisect(low, high, ok)


def _bisect(low: int, high: int, ok: Callable[[int], bool]) -> int:
    """The first n in [low, high] with ok(n), given ok(high)."""
    while low < high:
        mid = (low + high) // 2
        if ok(mid):
            high = mid
        else:
            low = mid + 1
    return high
