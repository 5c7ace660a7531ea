"""``contactcenter token create|revoke|list``: access tokens of the web service."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from contactcenter.app.tokens import create_token, list_tokens, revoke_token
from contactcenter.cli.common import command_errors
from contactcenter.errors import InputError
from contactcenter.store import check_store_path
from contactcenter.store.tokens import Grant

token_app = typer.Typer(
    help="Create, revoke and list access tokens of the web service (serve).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _scope(grant: Grant) -> str:
    queues = "every queue" if grant.queues is None else "queues " + ",".join(sorted(grant.queues))
    agent = f", agent {grant.agent}" if grant.agent is not None else ""
    return f"role {grant.role}, {queues}{agent}"


@token_app.command("create")
@command_errors(queues="--queues")
def create(
    db: Path = typer.Option(..., "--db", help="The store (DuckDB file; created if missing)."),
    role: str = typer.Option(..., "--role", help="admin, supervisor or agent."),
    queues: str | None = typer.Option(
        None, "--queues", help="Only these queues (comma-separated); default: every queue."
    ),
    agent: str | None = typer.Option(
        None, "--agent", help="The agent id an agent token is for (its rows only)."
    ),
) -> None:
    """Create a token and print it (once: the store keeps only its hash)."""
    check_store_path(db)
    token, grant = create_token(db, role=role, queues=queues, agent=agent)
    print(token)
    print(
        f"token {grant.token_id}: {_scope(grant)}; shown this once, the store keeps only "
        f"its hash (revoke it with: contactcenter token revoke --db {db} {grant.token_id})",
        file=sys.stderr,
    )


@token_app.command("revoke")
@command_errors(token="TOKEN")
def revoke(
    token: str = typer.Argument(..., help="The token's id (token list) or the whole token."),
    db: Path = typer.Option(..., "--db", help="The store (DuckDB file)."),
) -> None:
    """Revoke a token: it is refused from the next request on."""
    check_store_path(db)
    grant, was_active = revoke_token(db, token)
    if was_active:
        print(f"revoked token {grant.token_id} ({_scope(grant)})", file=sys.stderr)
    else:
        print(f"token {grant.token_id} was already revoked", file=sys.stderr)


@token_app.command("list")
@command_errors()
def list_(
    db: Path = typer.Option(..., "--db", help="The store (DuckDB file)."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """List the tokens: id, role, queues, agent, created, revoked (never a token)."""
    if fmt not in ("table", "json"):
        raise InputError(f"{{field}}: unknown format {fmt!r}; allowed: table, json", field="format")
    check_store_path(db)
    rows = [g.as_dict() for g in list_tokens(db)]
    if fmt == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    columns = ("id", "role", "queues", "agent", "created_at", "revoked_at")
    cells = [
        [
            ",".join(row["queues"]) if key == "queues" and row[key] is not None
            else "" if row[key] is None else str(row[key])
            for key in columns
        ]
        for row in rows
    ]  # fmt: skip
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    for line in [list(columns), *cells]:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


def register(app: typer.Typer) -> None:
    """Add ``token`` (create, revoke, list) to ``app``."""
    app.add_typer(token_app, name="token")
