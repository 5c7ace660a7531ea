"""``contactcenter serve``: the web application on uvicorn."""

from __future__ import annotations

import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from contactcenter.web.api import create_app


class _Server(uvicorn.Server):
    """uvicorn's server, saying on stderr where it listens once it does (the port the
    system chose for ``--port 0``)."""

    def __init__(self, config: uvicorn.Config, db: str | Path, no_auth: bool) -> None:
        super().__init__(config)
        self.db = db
        self.no_auth = no_auth

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.started:
            return
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                shown = f"[{host}]" if ":" in str(host) else host
                print(
                    f"serving {self.db} on http://{shown}:{port}/api/v1 (schema: /openapi.json)"
                    + (" without access control (--no-auth)" if self.no_auth else ""),
                    file=sys.stderr,
                    flush=True,
                )


def run(
    db: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    config: str | Path | None = None,
    tail: Sequence[str | Path] = (),
    no_auth: bool = False,
) -> None:
    """Serve the API over the store ``db`` on ``host:port`` until stopped (Ctrl-C or
    SIGTERM end it cleanly: requests in flight finish, the store is closed), following
    the queue_log files ``tail`` as they grow; requests carry a token of the store, or
    with ``no_auth`` none (every caller an admin)."""
    app = create_app(db, config=config, tail=tail, no_auth=no_auth)
    server = _Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            # event streams never end by themselves: cut them after a while on shutdown
            timeout_graceful_shutdown=3,
        ),
        db,
        no_auth,
    )
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot listen (the port in use)
        if server.started:
            raise
    if not server.started:
        raise OSError(f"could not serve on {host}:{port} (is the port in use?)")
