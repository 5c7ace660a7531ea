"""The live routes: ``GET /api/v1/live``, ``GET /api/v1/live/stream`` (server-sent
events) and the wallboard page ``/wallboard`` with its static files.

The routes are thin: ``/live`` calls :func:`contactcenter.app.live.live`; the stream and
the wallboard show what the application's :class:`~contactcenter.live.hub.Hub` read last
(one read of the store per change for every watcher), scoped to the caller's queues. The
wallboard's page, script and style ship inside the package (``web/static``) and load
nothing from elsewhere: it works offline. docs/api.md describes the answers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from contactcenter.app.live import live, live_settings
from contactcenter.errors import ContactCenterError
from contactcenter.live.alerts import Alerts
from contactcenter.live.hub import Hub
from contactcenter.live.state import DayCache, LiveState
from contactcenter.live.writer import LiveStore
from contactcenter.web.auth import ANYONE, Principal

JSON = "application/json"
EVENT_STREAM = "text/event-stream"
STREAM_POLL_S = 0.1
"""How often a stream looks for a new state or alert (the hub reads the store)."""
KEEP_ALIVE_S = 15.0
"""A comment line is sent when nothing else was for this long (proxies close idle ones)."""
STATIC = ("wallboard.html", "wallboard.js", "wallboard.css")
"""The wallboard's files (package data of ``contactcenter.web.static``)."""
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8"}  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """What a caller of the live routes sees: ``queues`` (None: every queue) and, for an
    agent's token, its own ``agent`` id."""

    queues: frozenset[str] | None
    agent: str | None


def _scope(queue: str | None, principal: Principal) -> Scope:
    """The caller's scope of the live state: the queues asked (403 outside the token's),
    else the token's queues (every queue when it has none); an agent's token its id."""
    asked = [q.strip() for q in (queue or "").split(",") if q.strip()]
    queues = principal.queues_for(asked, field="queue")
    return Scope(frozenset(queues) if queues else None, principal.agent)


def static_file(name: str) -> bytes:
    """One of the wallboard's files, from the package."""
    return resources.files("contactcenter.web.static").joinpath(name).read_bytes()


class LiveBoard:
    """The live part of a running application: the settings read once from the config
    file, the hub that reads the store as it changes, and the alert rules."""

    def __init__(self, db: Path, config: Path | None) -> None:
        self.db = db
        self.settings = live_settings(config)
        self.cache = DayCache()
        self.alerts = Alerts(self.settings[1])
        self.hub: Hub | None = None

    def start(self, writer: LiveStore) -> None:
        """Start reading the store of ``writer`` (the application starts)."""
        thresholds, config = self.settings
        self.alerts.start()
        self.hub = Hub(
            writer,
            thresholds=thresholds,
            config=config,
            cache=self.cache,
            on_state=self.alerts.evaluate,
        )
        self.hub.start()

    def stop(self) -> None:
        """Stop reading (the application stops)."""
        if self.hub is not None:
            self.hub.stop()
            self.hub = None
        self.alerts.stop()

    def document(self, state: LiveState, scope: Scope) -> dict[str, Any]:
        """The JSON of ``GET /live`` for ``state`` seen by a caller limited to ``scope``,
        with the alerts active now that it may see."""
        doc = state.scoped(scope.queues, scope.agent).as_dict(self.settings[1].colours)
        doc["alerts"] = [a.as_dict() for a in self.alerts.active(scope.queues, scope.agent)]
        return doc

    # ------------------------------------------------------------------ routes
    def routes(self, router: APIRouter) -> None:
        """``GET /live`` and ``GET /live/stream`` on the versioned router."""
        from contactcenter.web.api import _ERRORS, _check_query, library_error

        @router.get(
            "/live",
            summary="Live state per queue: now, today so far, the end-of-day projection",
            response_class=Response,
            responses={
                200: {
                    "description": "The live state (docs/api.md): `now`, `queues` (one object "
                    "per queue), `agents` (one per agent with a state now), `alerts` (active).",
                    "content": {JSON: {"schema": {"type": "object"}}},
                },
                **_ERRORS,
            },
        )
        def live_now(
            request: Request,
            queue: str | None = Query(None, description="Only these queues (comma-separated)."),
            principal: Principal = ANYONE,
        ) -> Response:
            _check_query(request, ("queue",))
            scope = _scope(queue, principal)
            try:
                state = live(
                    self.db,
                    settings=self.settings,
                    cache=self.cache,
                    queues=scope.queues,
                    agent=scope.agent,
                )
            except ContactCenterError as exc:
                return library_error(exc, {"queues": "queue"})
            body = json.dumps(self.document(state, scope), ensure_ascii=False) + "\n"
            return Response(body.encode("utf-8"), media_type=JSON)

        @router.get(
            "/live/stream",
            summary="The live state and the alerts as server-sent events",
            response_class=StreamingResponse,
            responses={
                200: {
                    "description": "An endless `text/event-stream`: `event: live` with the "
                    "document of `GET /live` when it changes (at least every second while "
                    "a contact waits), `event: alert` when an alert fires or clears.",
                    "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
                },
                **_ERRORS,
            },
        )
        async def stream(
            request: Request,
            queue: str | None = Query(None, description="Only these queues (comma-separated)."),
            principal: Principal = ANYONE,
        ) -> StreamingResponse:
            _check_query(request, ("queue",))
            scope = _scope(queue, principal)
            return StreamingResponse(
                self._events(request, scope),
                media_type=EVENT_STREAM,
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )

    async def _events(self, request: Request, scope: Scope) -> AsyncIterator[bytes]:
        yield b"retry: 1000\n\n"
        last_seq, last_text = -1, ""
        last_alert = self.alerts.last_id()
        quiet_since = time.monotonic()
        while True:
            if await request.is_disconnected():
                return
            hub = self.hub
            sent = False
            for alert in self.alerts.since(last_alert, scope.queues, scope.agent):
                last_alert = alert.id
                text = json.dumps(alert.as_dict(), ensure_ascii=False)
                yield f"event: alert\nid: {alert.id}\ndata: {text}\n\n".encode()
                sent = True
            if hub is not None:
                seq, state = hub.latest()
                if state is not None and seq != last_seq:
                    last_seq = seq
                    doc = await run_in_threadpool(self.document, state, scope)
                    text = json.dumps(doc, ensure_ascii=False)
                    if text != last_text:
                        last_text = text
                        yield f"event: live\ndata: {text}\n\n".encode()
                        sent = True
            now = time.monotonic()
            if sent:
                quiet_since = now
            elif now - quiet_since >= KEEP_ALIVE_S:
                quiet_since = now
                yield b": keep-alive\n\n"
            await asyncio.sleep(STREAM_POLL_S)

    def pages(self) -> APIRouter:
        """``/wallboard`` and its files (not in the API's schema)."""
        router = APIRouter(include_in_schema=False)

        @router.get("/wallboard")
        def wallboard() -> Response:
            return Response(static_file("wallboard.html"), media_type=_TYPES[".html"])

        @router.get("/wallboard/{name}")
        def asset(name: str) -> Response:
            if name not in STATIC:
                return JSONResponse({"detail": f"no such file: {name}", "field": None}, 404)
            return Response(static_file(name), media_type=_TYPES[Path(name).suffix])

        return router


__all__ = ["LiveBoard", "static_file"]
