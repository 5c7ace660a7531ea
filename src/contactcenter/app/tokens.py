"""``token create``, ``token revoke``, ``token list``: access tokens of the web service.

The store keeps each token's id, role, scope and the SHA-256 of its secret
(:mod:`contactcenter.store.tokens`); the token itself exists only in what
:func:`create_token` returns. ``contactcenter serve`` checks tokens against the store
on every request (docs/api.md, "Access").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from contactcenter.errors import InputError
from contactcenter.store import Store, check_store_path, connect
from contactcenter.store import tokens as table
from contactcenter.store.tokens import Grant

__all__ = ["Grant", "active_tokens", "create_token", "list_tokens", "revoke_token"]


def _queues(value: str | Sequence[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    names = [item.strip() for item in items]
    if not names or any(not n for n in names):
        raise InputError(
            f"{{field}}: give queue names, comma-separated, got {value!r}", field="queues"
        )
    return frozenset(names)


def create_token(
    db: str | Path,
    *,
    role: str,
    queues: str | Sequence[str] | None = None,
    agent: str | None = None,
) -> tuple[str, Grant]:
    """A new token of ``role`` for the store ``db`` (created if missing): the token, shown
    this once, and its grant (id, role, scope). ``queues``: a supervisor's or an agent's
    queues (None: every queue); ``agent``: an agent token's agent id (required for
    ``role="agent"``, refused for the others)."""
    scope = _queues(queues)
    name = None if agent is None else agent.strip()
    table.check_scope(role, scope, name)
    with Store(db) as store:
        return table.create(store.con, role=role, queues=scope, agent=name)


def revoke_token(db: str | Path, token: str) -> tuple[Grant, bool]:
    """Revoke a token of the store ``db`` given by its id or whole; its grant and whether
    it was active until now (False: it was revoked before, nothing changed)."""
    with Store(db, create=False) as store:
        return table.revoke(store.con, token)


def list_tokens(db: str | Path) -> list[Grant]:
    """Every token of the store ``db`` (revoked ones too): ids, roles, scopes; never a
    token (the store has only hashes)."""
    with Store(db, create=False) as store:
        return table.listing(store.con)


def active_tokens(db: str | Path) -> int:
    """How many tokens of the store ``db`` are not revoked (0 for a missing store)."""
    path = Path(db)
    check_store_path(path)
    if not path.exists():
        return 0
    connection = connect(path, read_only=True)
    try:
        return table.active_count(connection.con)
    finally:
        connection.close()
