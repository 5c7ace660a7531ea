"""The set-based derivation of agent states (``DERIVE_SQL``) against the per-event state
machine it replaced (``tests/sources/agent_states_oracle.py``): the same rows and the same
odd sequences on the hand-computed days, on random event sequences, and on the real
PBXware export."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.sources._agent_sessions import US, Contact, Derived, Event, derive
from contactcenter.store import Store
from tests.sources.agent_states_oracle import oracle_derive
from tests.sources.conftest import QUEUE_LOG_DIR, load
from tests.sources.test_agent_states import DAY_LOG, PAUSES, _write_day, us

Row = tuple[str, str | None, str, str | None, int, int | None]


def _sorted(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r[0], r[1] or "", r[4], r[2], r[3] or ""))


def _same(new: Derived, old: Derived) -> None:
    assert _sorted(new.rows) == _sorted(old.rows)
    assert +new.odd == +old.odd


KINDS = ("login", "logout", "pause", "unpause", "added_to_queue", "removed_from_queue")

event_st = st.tuples(
    st.integers(0, 40),
    st.sampled_from(KINDS),
    st.sampled_from([None, "q1", "q2", "q3"]),
    st.sampled_from([None, "Lunch", "Break", "PAUSED", "paused"]),
)
contact_st = st.tuples(
    st.integers(0, 40),
    st.one_of(st.none(), st.integers(-3, 15)),
    st.sampled_from([None, 0.0, 2.0, 4.5, 0.0000004, 30.0]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(event_st, min_size=1, max_size=30), st.lists(contact_st, max_size=8))
def test_the_sql_gives_the_state_machines_rows(
    raw_events: list[tuple[int, str, str | None, str | None]],
    raw_contacts: list[tuple[int, int | None, float | None]],
) -> None:
    # instants in whole seconds of a small range, so that many events share an instant
    # (their order is the list's); contacts may end before they start, or never
    events = [Event(t * US, k, q, r) for t, k, q, r in sorted(raw_events, key=lambda e: e[0])]
    contacts = [
        Contact(a * US, None if d is None else (a + d) * US, acw) for a, d, acw in raw_contacts
    ]
    _same(derive(events, contacts), oracle_derive(events, contacts))


def test_the_hand_computed_cases_agree() -> None:
    events = [
        Event(us("08:00"), "login"),
        Event(us("08:00"), "added_to_queue", "sales"),
        Event(us("08:00"), "added_to_queue", "support", "PAUSED"),
        Event(us("09:00"), "pause", "sales", "Coaching"),
        Event(us("09:05"), "pause", None, "Lunch"),
        Event(us("09:30"), "unpause", "sales"),
        Event(us("09:40"), "unpause"),
        Event(us("10:00"), "login"),
        Event(us("10:30"), "removed_from_queue", "billing"),
        Event(us("11:00"), "logout"),
        Event(us("11:00"), "logout"),
    ]
    contacts = [
        Contact(us("08:10"), us("08:20"), acw_s=120.0),
        Contact(us("08:15"), us("08:25")),
        Contact(us("09:10"), us("09:12"), acw_s=600.0),
        Contact(us("10:50"), None),
    ]
    new, old = derive(events, contacts), oracle_derive(events, contacts)
    _same(new, old)
    assert new.odd == Counter({"login_twice": 1, "removed_alone": 1, "logout_alone": 1})
    # the contact still talking keeps the agent handling (logged in) after the logout,
    # which ended both queue memberships
    assert [(r[0], r[1], r[2], r[4]) for r in new.rows if r[5] is None] == [
        ("agent", None, "handling", us("10:50"))
    ]
    assert {r[1] for r in new.rows if r[0] == "queue"} == {"sales", "support"}


def _store_rows(store: Store) -> dict[str, list[Row]]:
    rows = store.con.execute(
        """SELECT agent_id, scope, queue, state, reason, epoch_us(start_at), epoch_us(end_at)
           FROM agent_states"""
    ).fetchall()
    out: dict[str, list[Row]] = {}
    for agent, *rest in rows:
        out.setdefault(agent, []).append(tuple(rest))  # type: ignore[arg-type]
    return out


def _oracle_pieces(store: Store) -> dict[str, list[Row]]:
    """The oracle on the stored events and contacts, its states cut every 15 minutes."""
    events: dict[str, list[Event]] = {}
    for agent, t, kind, queue, reason in store.con.execute(
        r"""SELECT regexp_replace(agent_id, '^Local/(.+)@callback-agent$', 'Agent/\1'),
                   epoch_us("at"), kind, queue, reason
            FROM agent_events ORDER BY 1, "at", source_file, source_line"""
    ).fetchall():
        events.setdefault(agent, []).append(Event(t, kind, queue, reason))
    contacts: dict[str, list[Contact]] = {}
    for agent, a, e, acw in store.con.execute(
        """SELECT agent_id, epoch_us(answered_at), epoch_us(ended_at), acw_s FROM contacts
           WHERE answered_at IS NOT NULL"""
    ).fetchall():
        contacts.setdefault(agent, []).append(Contact(a, e, acw))
    grain = 900 * US
    out: dict[str, list[Row]] = {}
    for agent, evs in events.items():
        for scope, queue, state, reason, s, e in oracle_derive(evs, contacts.get(agent, [])).rows:
            if e is None:
                out.setdefault(agent, []).append((scope, queue, state, reason, s, None))
                continue
            t = s
            while t < e:
                nxt = min(e, (t // grain + 1) * grain)
                out.setdefault(agent, []).append((scope, queue, state, reason, t, nxt))
                t = nxt
    return out


def test_the_real_export_gives_the_state_machines_pieces(real_data: Path, store: Store) -> None:
    # PBXware: callback agents (ADDMEMBER of Local/...), a call still talking at the end
    load(store, "queue_log_csv", QUEUE_LOG_DIR / "pbxware_queue_log.csv")
    stored, expected = _store_rows(store), _oracle_pieces(store)
    assert stored, "no agent states derived"
    assert set(stored) == set(expected)
    for agent, rows in expected.items():
        assert _sorted(stored[agent]) == _sorted(rows), agent


def test_the_hand_computed_days_give_the_state_machines_pieces(
    store: Store, tmp_path: Path
) -> None:
    load(store, "queue_log", _write_day(tmp_path, DAY_LOG + PAUSES))
    stored, expected = _store_rows(store), _oracle_pieces(store)
    assert set(stored) == {"Agent/1", "Agent/3"}
    for agent, rows in expected.items():
        assert _sorted(stored[agent]) == _sorted(rows), agent


def test_later_loads_replace_only_from_their_first_instant(tmp_path: Path) -> None:
    """Loads in time order replace only the pieces from their first new instant (and from
    a state still open): the store is the store of one load, and the pieces before the
    window are not rewritten."""
    with Store(tmp_path / "one.duckdb") as one:
        load(one, "queue_log", _write_day(tmp_path, DAY_LOG + PAUSES, "all"))
        expected = sorted(one.con.execute("SELECT * FROM agent_states").fetchall(), key=str)
    parts = [DAY_LOG[:4] + PAUSES[:3], DAY_LOG[4:12] + PAUSES[3:5], DAY_LOG[12:] + PAUSES[5:]]
    with Store(tmp_path / "three.duckdb") as three:
        for k, part in enumerate(parts):
            report = load(three, "queue_log", _write_day(tmp_path, part, f"part{k}"))
        got = sorted(three.con.execute("SELECT * FROM agent_states").fetchall(), key=str)
        assert got == expected
        # the last part starts at 10:05 (Agent/1) and 13:00 (Agent/3): nothing before the
        # piece holding it was deleted or written again
        counts = report.tables["agent_states"]
        written = counts["inserted"] + counts["updated"] + counts.get("deleted", 0)
        assert 0 < written < len(expected)


def test_contacts_loaded_before_the_agents_first_event_are_derived_later(
    tmp_path: Path,
) -> None:
    """A load of calls of an agent with no event yet derives no states; the later load of
    its first events (later in time) must derive them all, not only from its events."""
    calls = DAY_LOG[2:8]  # calls c1 and c2 of Agent/1 (08:10-08:16, 08:50-09:05)
    later = DAY_LOG[8:]  # from 10:00: a pause, call c3, lunch, logoff (no login)
    with Store(tmp_path / "one.duckdb") as one:
        load(one, "queue_log", _write_day(tmp_path, calls + later, "all"))
        expected = sorted(one.con.execute("SELECT * FROM agent_states").fetchall(), key=str)
    assert any(row[4] == "handling" and row[6].hour == 8 for row in expected)
    with Store(tmp_path / "two.duckdb") as two:
        first = load(two, "queue_log", _write_day(tmp_path, calls, "calls"))
        assert "agent_states" not in first.tables
        load(two, "queue_log", _write_day(tmp_path, later, "later"))
        got = sorted(two.con.execute("SELECT * FROM agent_states").fetchall(), key=str)
    assert got == expected
