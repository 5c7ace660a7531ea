"""``contactcenter serve``: the REST API over a store (:mod:`contactcenter.web`)."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import typer

from contactcenter.app.tokens import active_tokens
from contactcenter.cli.common import EXIT_ENVIRONMENT, fail, user_errors
from contactcenter.errors import InputError
from contactcenter.store import check_store_path

WEB_EXTRA = "contactcenter serve needs the web extra: pip install 'contactcenter[web]'"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@user_errors
def serve(
    db: Path = typer.Option(..., "--db", help="The store (DuckDB file; created if missing)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port to listen on (0: any free one)."),
    config: Path | None = typer.Option(
        None, "--config", help="YAML with thresholds per channel and queue, for every report."
    ),
    tail: list[Path] = typer.Option(
        [], "--tail", help="A queue_log file to follow as it grows (repeat for several)."
    ),
    no_auth: bool = typer.Option(
        False, "--no-auth", help="Serve without tokens (every caller an admin); loopback only."
    ),
) -> None:
    """Serve the REST API (/api/v1, schema at /openapi.json) until stopped. Requests carry
    a token of 'contactcenter token create' (Authorization: Bearer TOKEN)."""
    check_store_path(db)
    if not 0 <= port <= 65535:
        raise InputError(f"{{field}} must be 0 to 65535, got {port}", field="port")
    if no_auth and not is_loopback(host):
        raise InputError(
            f"{{field}} {host} is not a loopback address: --no-auth serves only on "
            "127.0.0.1, ::1 or localhost (create a token to serve elsewhere)",
            field="host",
        )
    if not no_auth and not active_tokens(db):
        raise InputError(
            f"{{field}} {db} has no access token: create one (contactcenter token create "
            f"--db {db} --role admin), or serve on loopback with --no-auth",
            field="db",
        )
    try:
        from contactcenter.web.server import run
    except ImportError:
        raise fail(WEB_EXTRA) from None
    try:
        run(db, host=host, port=port, config=config, tail=tail, no_auth=no_auth)
    except OSError as exc:
        raise fail(str(exc), EXIT_ENVIRONMENT) from None
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM is how a server is stopped: requests in flight have finished
        # and the store is closed, so it is a normal end (exit 0)
        print("stopped", file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command("serve")(serve)
