"""Who is calling, and what they may see: bearer tokens, roles and scopes.

Every route but ``/openapi.json`` takes one dependency, ``allow(ROLES...)``, which
reads ``Authorization: Bearer TOKEN``, checks the token against the store
(:mod:`contactcenter.store.tokens`: its id, the hash of its secret compared in constant
time, not revoked) and returns the caller as a :class:`Principal`::

    from contactcenter.web.auth import ANYONE, Principal, allow

    @router.get("/live")
    def live(queues: str | None = None, principal: Principal = ANYONE) -> Response:
        chosen = principal.queues_for(split(queues), field="queues")   # 403 if outside
        agents = principal.agents_for((), field="agent")              # an agent: itself
        ...

=====================  =========================================================
``Principal``          ``role`` (admin, supervisor, agent), ``queues`` (a frozenset,
                       or None for every queue), ``agent`` (an agent token's id);
                       :meth:`~Principal.queues_for` and :meth:`~Principal.agents_for`
                       turn what a request asks into the filter its query must use
``allow(*roles)``      the dependency of a route open to these roles (401 without a
                       valid token, 403 for another role)
``ANYONE``             ``Depends(allow("admin", "supervisor", "agent"))``
``AccessError``        the 401/403 refusals (answered as ``{"detail", "field"}``)
=====================  =========================================================

**Scope is a filter of the query, never of the answer.** A supervisor's report reads
only the rows of their queues, an agent's only the rows of their agent id; a request
that names a queue or an agent outside the scope is refused with 403 (never answered
for the part inside it, never widened). With ``serve --no-auth`` (loopback only) every
request is an admin. See docs/api.md, "Access".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from contactcenter.store import connect
from contactcenter.store.tokens import ROLES, verify

HEADER = "Authorization"
"""The header a token is sent in (``Authorization: Bearer TOKEN``)."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="A token of `contactcenter token create`: `Authorization: Bearer TOKEN`.",
)
"""The OpenAPI security scheme ``bearerAuth`` (HTTP bearer), declared by every route."""


class AccessError(Exception):
    """A refusal for want of a token (401) or of a right (403), about ``field``."""

    def __init__(self, status: int, detail: str, field: str | None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field

    @property
    def headers(self) -> dict[str, str]:
        """``WWW-Authenticate: Bearer`` on a 401, as RFC 6750 asks."""
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}


@dataclass(frozen=True)
class Principal:
    """The caller of a request.

    role: ``admin`` (everything), ``supervisor`` or ``agent``. queues: the queues the
    caller may read (None: every queue). agent: an agent token's agent id (the caller
    reads only that agent's rows); None for the other roles. token_id: the token's id
    (None with ``--no-auth``).
    """

    role: str
    queues: frozenset[str] | None = None
    agent: str | None = None
    token_id: str | None = None

    def queues_for(self, asked: Sequence[str], *, field: str = "queue") -> tuple[str, ...]:
        """The queues a query must keep for this caller: those ``asked`` (refused with
        403 about ``field`` when one is outside the caller's queues), or when none are
        asked the caller's queues (``()``: every queue)."""
        wanted = tuple(dict.fromkeys(asked))
        if self.queues is None:
            return wanted
        outside = [q for q in wanted if q not in self.queues]
        if outside:
            raise AccessError(
                403,
                f"{field}: {', '.join(outside)} is outside this token's queues "
                f"({', '.join(sorted(self.queues))})",
                field,
            )
        return wanted or tuple(sorted(self.queues))

    def agents_for(self, asked: Sequence[str], *, field: str = "agent") -> tuple[str, ...]:
        """The agents a query must keep for this caller: an agent token keeps only its
        own agent id (asking for another one is refused with 403 about ``field``); the
        other roles keep those ``asked`` (``()``: every agent)."""
        wanted = tuple(dict.fromkeys(asked))
        if self.agent is None:
            return wanted
        others = [a for a in wanted if a != self.agent]
        if others:
            raise AccessError(
                403,
                f"{field}: an agent's token reads only its own agent ({self.agent}), "
                f"not {', '.join(others)}",
                field,
            )
        return (self.agent,)


ADMIN = Principal("admin")
"""The caller of every request of a server started with ``--no-auth``."""


class Access:
    """How a running application checks tokens: against the store ``db`` (a cursor on
    the database the server holds open), or not at all (``no_auth``)."""

    def __init__(self, db: str | Path, *, no_auth: bool) -> None:
        self.db = Path(db)
        self.no_auth = no_auth

    def principal(self, token: str) -> Principal | None:
        """The caller ``token`` makes, or None when it is not a valid token."""
        connection = connect(self.db, read_only=True)
        try:
            grant = verify(connection.con, token)
        finally:
            connection.close()
        if grant is None:
            return None
        return Principal(grant.role, grant.queues, grant.agent, grant.token_id)


def current_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),
) -> Principal:
    """The caller of ``request`` (401 without a valid bearer token)."""
    access: Access = request.app.state.access
    if access.no_auth:
        return ADMIN
    if credentials is None:
        raise AccessError(401, f"{HEADER}: send a token: '{HEADER}: Bearer TOKEN'", HEADER)
    principal = access.principal(credentials.credentials)
    if principal is None:
        raise AccessError(401, f"{HEADER}: the token is not valid (unknown or revoked)", HEADER)
    return principal


def allow(*roles: str) -> Callable[..., Principal]:
    """The dependency of a route open to ``roles``: the caller, or 401/403."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValueError(f"roles must be among {ROLES}, got {roles}")

    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in roles:
            raise AccessError(
                403,
                f"{HEADER}: a {principal.role} token may not call this route "
                f"(it is for: {', '.join(roles)})",
                HEADER,
            )
        return principal

    return dependency


ANYONE: Any = Depends(allow(*ROLES))
"""A route parameter's default: the caller, whatever the role (401 without a token)."""
STAFF: Any = Depends(allow("admin", "supervisor"))
"""The caller, an admin or a supervisor (403 for an agent)."""
ADMINS: Any = Depends(allow("admin"))
"""The caller, an admin (403 otherwise)."""

ACCESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or a token that is not valid (unknown, revoked)."},
    403: {"description": "A token whose role may not call the route, or a request for a "
          "queue or agent outside the token's scope."},
}  # fmt: skip
"""The 401 and 403 answers every route documents (their body: the JSON error)."""

__all__ = [
    "ACCESS_RESPONSES",
    "ADMIN",
    "ADMINS",
    "ANYONE",
    "STAFF",
    "Access",
    "AccessError",
    "Principal",
    "allow",
    "bearer",
    "current_principal",
]
