"""Access tokens of the web service, kept in the store as hashes only.

A token is ``cc_<id>_<secret>``: ``id`` is 8 hex digits that name the token in
``token list`` and ``token revoke`` (not secret), ``secret`` 43 characters of URL-safe
base64 from :func:`secrets.token_urlsafe` (256 random bits). The table ``api_tokens``
keeps the id, the SHA-256 of the secret, the role and the scope (queues, agent), when it
was created and when it was revoked; never the token. A presented token is looked up by
its id and its secret's hash compared with :func:`hmac.compare_digest` (constant time).
A plain hash is enough: a 256-bit random secret cannot be guessed from its hash, so
there is nothing for a slow, salted hash to protect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

import duckdb

from contactcenter.errors import InputError

TABLE = "api_tokens"
ROLES = ("admin", "supervisor", "agent")
"""The roles a token may have (docs/api.md, "Access")."""
PREFIX = "cc"
ID_HEX = 8

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    token_id VARCHAR PRIMARY KEY,
    secret_sha256 VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    queues VARCHAR,            -- JSON list of queue names; NULL: every queue
    agent VARCHAR,             -- the agent id of an agent's token
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
)
"""


@dataclass(frozen=True)
class Grant:
    """What a token allows: ``role`` (one of :data:`ROLES`), ``queues`` (None: every
    queue) and ``agent`` (an agent's token: only that agent's rows)."""

    token_id: str
    role: str
    queues: frozenset[str] | None
    agent: str | None
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row ``token list --format json`` prints (no secret: the store has none)."""
        return {
            "id": self.token_id,
            "role": self.role,
            "queues": None if self.queues is None else sorted(self.queues),
            "agent": self.agent,
            "created_at": None if self.created_at is None else self.created_at.isoformat(),
            "revoked_at": None if self.revoked_at is None else self.revoked_at.isoformat(),
        }


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """The id and secret of a token of the form ``cc_<id>_<secret>``, or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    token_id, secret = parts[1], parts[2]
    if len(token_id) != ID_HEX or any(c not in "0123456789abcdef" for c in token_id):
        return None
    if not secret or len(secret) > 256:
        return None
    return token_id, secret


def check_scope(
    role: str, queues: frozenset[str] | None, agent: str | None
) -> tuple[frozenset[str] | None, str | None]:
    """Refuse a role and scope that do not go together (errors name the option)."""
    if role not in ROLES:
        raise InputError(
            f"{{field}}: unknown role {role!r}; allowed: {', '.join(ROLES)}", field="role"
        )
    if role == "admin" and queues is not None:
        raise InputError("{field}: an admin token sees every queue; give no queues", field="queues")
    if queues is not None and (not queues or any(not q for q in queues)):
        raise InputError("{field}: give queue names, comma-separated", field="queues")
    if role == "agent":
        if agent is None or not agent.strip():
            raise InputError("{field}: an agent token needs the agent's id", field="agent")
    elif agent is not None:
        raise InputError(
            f"{{field}}: only an agent token names an agent (this one is {role})", field="agent"
        )
    return queues, agent


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table when the store has none yet."""
    con.execute(DDL)


def create(
    con: duckdb.DuckDBPyConnection,
    *,
    role: str,
    queues: frozenset[str] | None = None,
    agent: str | None = None,
) -> tuple[str, Grant]:
    """A new token (the only time it exists in clear) and its grant; the row is written
    with the secret's hash."""
    queues, agent = check_scope(role, queues, agent)
    ensure(con)
    for _ in range(100):
        token_id = secrets.token_hex(ID_HEX // 2)
        taken = con.execute(f"SELECT 1 FROM {TABLE} WHERE token_id = ?", [token_id]).fetchone()
        if taken is None:
            break
    else:  # 100 collisions in 2**32 ids: the table is not what it should be
        raise InputError("{field}: could not draw a free token id", field="role")
    secret = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    con.execute(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, NULL)",
        [token_id, _digest(secret), role,
         None if queues is None else json.dumps(sorted(queues)), agent, now],
    )  # fmt: skip
    return f"{PREFIX}_{token_id}_{secret}", Grant(token_id, role, queues, agent, now)


def _grant(row: tuple[Any, ...]) -> Grant:
    queues = None if row[2] is None else frozenset(json.loads(row[2]))
    return Grant(str(row[0]), str(row[1]), queues, row[3], row[4], row[5])


_COLUMNS = "token_id, role, queues, agent, created_at, revoked_at"


def listing(con: duckdb.DuckDBPyConnection) -> list[Grant]:
    """Every token of the store (revoked ones too), oldest first."""
    ensure(con)
    rows = con.execute(f"SELECT {_COLUMNS} FROM {TABLE} ORDER BY created_at, token_id")
    return [_grant(r) for r in rows.fetchall()]


def active_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many tokens are not revoked (a table that does not exist holds none)."""
    names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    if TABLE not in names:
        return 0
    row = con.execute(f"SELECT count(*) FROM {TABLE} WHERE revoked_at IS NULL").fetchone()
    return int(row[0]) if row else 0


def verify(con: duckdb.DuckDBPyConnection, token: str) -> Grant | None:
    """The grant of ``token`` when it is a token of this store, not revoked; else None.
    The secret's hash is compared in constant time."""
    parts = split_token(token)
    if parts is None:
        return None
    token_id, secret = parts
    try:
        row = con.execute(
            f"SELECT {_COLUMNS}, secret_sha256 FROM {TABLE} "
            "WHERE token_id = ? AND revoked_at IS NULL",
            [token_id],
        ).fetchone()
    except duckdb.CatalogException:  # no table: no token
        return None
    expected = row[6] if row is not None else _digest("")
    matches = hmac.compare_digest(_digest(secret), str(expected))
    return _grant(row[:6]) if row is not None and matches else None


def revoke(con: duckdb.DuckDBPyConnection, what: str) -> tuple[Grant, bool]:
    """Revoke the token named by its id or given whole; the grant and whether it was
    active until now (False: revoked before). An unknown id or a token whose secret is
    not the stored one is an :class:`InputError` about ``token``."""
    ensure(con)
    given = what.strip()
    parts = split_token(given)
    token_id = parts[0] if parts is not None else given
    row = con.execute(
        f"SELECT {_COLUMNS}, secret_sha256 FROM {TABLE} WHERE token_id = ?", [token_id]
    ).fetchone()
    if row is None or (
        parts is not None and not hmac.compare_digest(_digest(parts[1]), str(row[6]))
    ):
        raise InputError(
            "{field}: no such token in this store (give the id 'token list' shows, "
            "or the whole token)",
            field="token",
        )
    grant = _grant(row[:6])
    if grant.revoked_at is not None:
        return grant, False
    now = dt.datetime.now(dt.UTC)
    con.execute(f"UPDATE {TABLE} SET revoked_at = ? WHERE token_id = ?", [now, token_id])
    return Grant(grant.token_id, grant.role, grant.queues, grant.agent, grant.created_at, now), True


__all__ = [
    "DDL",
    "ROLES",
    "TABLE",
    "Grant",
    "active_count",
    "check_scope",
    "create",
    "listing",
    "revoke",
    "split_token",
    "verify",
]
