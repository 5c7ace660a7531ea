"""Property tests of the agent state derivation: per agent and 15-minute piece, the states
add up to the time logged in (found by replaying the events second by second), states
never overlap, and occupancy stays in [0, 1]."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.sources._agent_sessions import GRAIN_US, US, Contact, Event, derive, rows_table

H = 3600  # one hour of seconds
KINDS = ("login", "logout", "pause", "unpause", "added_to_queue", "removed_from_queue")

events_st = st.lists(
    st.tuples(
        st.integers(0, H - 1),
        st.sampled_from(KINDS),
        st.sampled_from([None, "q1", "q2"]),
        st.sampled_from([None, "Lunch", "Break"]),
    ),
    min_size=1,  # an agent with no event at all gets no states (its time is unknown)
    max_size=25,
)
contacts_st = st.lists(
    st.tuples(st.integers(0, H - 1), st.integers(0, 900), st.booleans()), max_size=8
)


def _events(raw: list[tuple[int, str, str | None, str | None]]) -> list[Event]:
    out = []
    for t, kind, queue, reason in sorted(raw, key=lambda e: e[0]):
        if kind in ("added_to_queue", "removed_from_queue") and queue is None:
            queue = "q1"
        out.append(Event(t * US, kind, queue, reason))
    return out


def _logged_seconds(events: list[Event], contacts: list[tuple[int, int | None]]) -> list[bool]:
    """Second by second: logged in (a login open, a queue joined, or on a contact)."""
    logged = []
    for s in range(H):
        login, members = False, set()
        for e in events:
            if e.at > s * US:
                break
            if e.kind == "login":
                login = True
            elif e.kind == "logout":
                login, members = False, set()
            elif e.kind == "added_to_queue":
                members.add(e.queue)
            elif e.kind == "removed_from_queue":
                members.discard(e.queue)
        on = any(a <= s and (end is None or s < end) for a, end in contacts)
        logged.append(login or bool(members) or on)
    return logged


@settings(max_examples=150, deadline=None)
@given(events_st, contacts_st)
def test_states_add_up_to_logged_in_time(
    raw: list[tuple[int, str, str | None, str | None]],
    raw_contacts: list[tuple[int, int, bool]],
) -> None:
    events = _events(raw)
    spans = [(a, None if not ended else a + d) for a, d, ended in raw_contacts]
    contacts = [Contact(a * US, None if e is None else e * US) for a, e in spans]
    derived = derive(events, contacts)
    own = sorted((r for r in derived.rows if r[0] == "agent"), key=lambda r: r[4])
    # no two states of the agent's own time line overlap; only the last may be open
    for before, after in itertools.pairwise(own):
        assert before[5] is not None
        assert before[5] <= after[4]
    logged = _logged_seconds(events, spans)
    covered = [False] * H
    for _, _, _, _, start, end in own:
        stop = H if end is None else end // US
        for s in range(start // US, min(stop, H)):
            covered[s] = True
    assert covered == logged
    # cut into pieces: per 15-minute piece, closed states add up to the logged seconds
    # before the open state (if any); occupancy of each piece is in [0, 1]
    table = rows_table("t", {"a": derived}).to_pylist()
    open_from = min((r[4] // US for r in own if r[5] is None), default=H)
    per_piece: dict[int, dict[str, float]] = {}
    for row in table:
        if row["scope"] != "agent" or row["duration_s"] is None:
            continue
        start_us = int(row["start_at"].timestamp() * US)
        end_us = int(row["end_at"].timestamp() * US)
        assert start_us // GRAIN_US == (end_us - 1) // GRAIN_US  # one piece, one cell
        cell = per_piece.setdefault(start_us // GRAIN_US, {})
        cell[row["state"]] = cell.get(row["state"], 0.0) + row["duration_s"]
    for k in range(H // (GRAIN_US // US)):
        lo, hi = k * GRAIN_US // US, (k + 1) * GRAIN_US // US
        expected = sum(1 for s in range(lo, min(hi, open_from)) if logged[s])
        cell = per_piece.get(k, {})
        assert sum(cell.values()) == expected
        handling = cell.get("handling", 0.0) + cell.get("acw", 0.0)
        ready = handling + cell.get("available", 0.0)
        if ready:
            assert 0.0 <= handling / ready <= 1.0
