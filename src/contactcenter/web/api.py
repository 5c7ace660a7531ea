"""The FastAPI application: versioned routes under ``/api/v1`` over the application layer.

Every route calls the function the CLI command calls (:mod:`contactcenter.app`) and
renders with the CLI's own code, so an answer is the bytes the command prints or writes
for the same options:

==========================  ==========================================================
route                       what the CLI gives for it
==========================  ==========================================================
``GET /api/v1/report``      ``contactcenter report --format json|csv|xlsx`` (query
                            parameters ``by, interval, threshold, short_abandon,
                            target, from, to, queue, agent, tz, metrics, format``)
``GET /api/v1/metrics``     ``contactcenter metrics --format json``
``POST /api/v1/staff``      ``contactcenter staff --format json`` (JSON body)
``POST /api/v1/plan``       ``contactcenter plan --format json|csv`` (JSON body with the
                            forecast rows)
``POST /api/v1/events``     ``contactcenter ingest --format queue_log --json`` of the
                            posted lines (text/plain, or the events as JSON); a 200
                            means committed (:mod:`contactcenter.live`)
``GET /api/v1/tail``        how far each file of ``serve --tail`` was read
==========================  ==========================================================

Every route takes ``Authorization: Bearer TOKEN`` and is open to some roles
(:mod:`contactcenter.web.auth`): the report to every role, filtered in its query to the
caller's queues or agent id; the metric catalog to every role; staffing to admins and
supervisors; events and tail to admins (docs/api.md, "Access").

Errors are JSON ``{"detail": "...", "field": "..."}`` naming the query parameter or body
key they are about: 401 without a valid token, 403 for a role or scope the route refuses,
400 for a value the application layer refuses (its
:class:`~contactcenter.errors.InputError`), 422 for a request that does not have the
documented shape (a missing or unknown parameter, a wrong JSON type), 413/415 for an
events body too large or of another type, 503 when the store or the environment fails.
The schema is at ``/openapi.json``; docs/api.md describes it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
from fastapi import APIRouter, Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from contactcenter.app import staffing as staffing_app
from contactcenter.app.report import catalog, report_result
from contactcenter.engines import Engine
from contactcenter.errors import (
    ContactCenterError,
    EngineError,
    FormatError,
    InputError,
    ResourceError,
    StoreError,
)
from contactcenter.live.events import Event, lines_of
from contactcenter.live.tail import POLL_S, Follower
from contactcenter.live.writer import LiveStore
from contactcenter.metrics import GROUP_KEYS, Thresholds
from contactcenter.reports.render import metric_rows, render_csv, render_json, xlsx_bytes
from contactcenter.store import tokens
from contactcenter.web import API_PREFIX
from contactcenter.web.auth import (
    ACCESS_RESPONSES,
    ADMINS,
    ANYONE,
    STAFF,
    Access,
    AccessError,
    Principal,
)
from contactcenter.web.models import (
    Error,
    EventsRequest,
    LoadAnswer,
    MetricInfo,
    PlanRequest,
    PlanRow,
    ReportJson,
    StaffAnswer,
    StaffRequest,
    TokenCreated,
    TokenInfo,
    TokenRequest,
)
from contactcenter.web.readers import Readers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
JSON = "application/json"

REPORT_FORMATS = ("json", "csv", "xlsx")
"""The formats ``GET /api/v1/report`` answers in."""

REPORT_PARAMETERS: dict[str, str] = {
    "by": "by",
    "interval": "interval",
    "threshold": "threshold",
    "short_abandon": "short_abandon",
    "target": "target",
    "from": "start",
    "to": "end",
    "queue": "queues",
    "agent": "agents",
    "tz": "tz",
    "metrics": "metrics",
    "format": "format",
}
"""Query parameter of the report route -> keyword of :func:`report_result` (the CLI's
flag without its dashes: ``--from`` is ``from``, ``--short-abandon`` is ``short_abandon``)."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "A value the application refuses (names the field)."},
    **{status: {"model": Error, **answer} for status, answer in ACCESS_RESPONSES.items()},
    422: {"model": Error, "description": "A request not of the documented shape."},
    503: {"model": Error, "description": "The store or the environment failed."},
}


class ApiError(Exception):
    """A refusal of the web layer itself (status, message, field)."""

    def __init__(self, status: int, detail: str, field: str | None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


def error_response(status: int, detail: str, field: str | None) -> JSONResponse:
    """The JSON error answer (:class:`~contactcenter.web.models.Error`)."""
    line = " ".join(part.strip() for part in detail.splitlines() if part.strip())
    return JSONResponse({"detail": line, "field": field}, status_code=status)


def status_of(exc: ContactCenterError) -> int:
    """400 for bad input, 503 when the store, an engine or the environment fails."""
    if isinstance(exc, StoreError | EngineError | ResourceError):
        return 503
    return 400


def library_error(exc: ContactCenterError, names: Mapping[str, str]) -> JSONResponse:
    """A library error as an answer, its field shown by the request's own name for it
    (``names``: library keyword -> parameter)."""
    field = names.get(exc.field, exc.field) if exc.field else None
    return error_response(status_of(exc), exc.render(field) if field else exc.render(), field)


def _check_query(request: Request, allowed: Sequence[str]) -> None:
    """Refuse a query parameter the route does not have (a typo such as ``thresold``
    would otherwise be ignored) and one given twice."""
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name not in allowed:
            raise ApiError(
                400,
                f"{name}: unknown query parameter; allowed: {', '.join(allowed)}",
                name,
            )
        if name in seen:
            raise ApiError(400, f"{name}: given more than once; give it once", name)
        seen.add(name)


def _field_of(loc: Sequence[Any]) -> str | None:
    """The parameter or body key of a validation error's location."""
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header")]
    # pydantic adds the union member it tried (``str``, ``list[...]``): not a key
    parts = [p for p in parts if not any(c in p for c in "[]()") and p not in _TYPE_NAMES]
    return ".".join(parts) or None


_TYPE_NAMES = {"int", "float", "str", "bool", "list", "dict", "none", "function-after"}


def validation_message(errors: Sequence[Any]) -> tuple[str, str | None]:
    """One line and the field of a request's validation errors: the first field's, with
    the alternatives of a value that may take several types (a number or text) joined."""
    if not errors:
        return "invalid request", None
    field = _field_of(errors[0].get("loc", ()))
    said: list[str] = []
    for error in errors:
        if _field_of(error.get("loc", ())) != field:
            continue
        message = str(error.get("msg", "invalid value"))
        if message not in said:
            said.append(message)
    text = "; or ".join(said)
    return (f"{field}: {text}" if field else text), field


def split_names(value: str | None) -> tuple[str, ...]:
    """The names of a comma-separated parameter, as the application layer reads them."""
    if value is None:
        return ()
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _bytes(text: str) -> bytes:
    return text.encode("utf-8")


class Live:
    """What a running application holds: the store (its one writer) and the follower of
    the tailed files (set while the application runs)."""

    def __init__(self) -> None:
        self.store: LiveStore | None = None
        self.follower: Follower | None = None
        self.readers: Readers | None = None

    def reading(self) -> Engine:
        """This request thread's report engine on the store (kept between requests)."""
        if self.readers is None:
            raise ApiError(503, "the server is starting or stopping", None)
        return self.readers.engine()

    def writer(self) -> LiveStore:
        """The store's writer (the application is running)."""
        if self.store is None:
            raise ApiError(503, "the server is starting or stopping", None)
        return self.store


def create_app(
    db: str | Path,
    *,
    config: str | Path | None = None,
    tail: Sequence[str | Path] = (),
    poll_s: float = POLL_S,
    no_auth: bool = False,
) -> FastAPI:
    """The web application over the store ``db`` (created if missing, held open while the
    application runs). ``config``: the YAML of thresholds per channel and queue that
    every report uses (``report --config``), checked now. ``tail``: queue_log files to
    follow as they grow (:mod:`contactcenter.live.tail`), every ``poll_s`` seconds.
    Requests carry a token of the store (:mod:`contactcenter.web.auth`), or with
    ``no_auth`` none: every caller is an admin (``serve`` allows it on loopback only)."""
    store_path = Path(db)
    config_path = Path(config) if config is not None else None
    if config_path is not None:
        Thresholds.from_yaml(config_path)  # a bad file is refused before serving
    followed = _tailed(tail)
    live = Live()
    from contactcenter.web.live_api import LiveBoard  # its routes import this module

    board = LiveBoard(store_path, config_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the store stays open for the server's life: reports take cursors on it, and
        # live lines are loaded through its one writer
        live.store = LiveStore(store_path)
        live.readers = Readers(store_path)
        if followed:
            live.follower = Follower(live.store, followed, poll_s=poll_s)
            live.follower.start()
        board.start(live.store)
        try:
            yield
        finally:
            board.stop()
            if live.follower is not None:
                live.follower.stop()
            readers, live.readers = live.readers, None
            readers.close()
            store, live.store = live.store, None
            store.close()

    app = FastAPI(
        title="contactcenter",
        version="1",
        description="Contact-center KPIs and staffing over a contactcenter store "
        "(docs/api.md). Every route answers what the CLI command of the same name gives.",
        lifespan=lifespan,
        docs_url=None,  # the interactive pages load scripts from a CDN: not offline
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.access = Access(store_path, no_auth=no_auth)

    @app.exception_handler(AccessError)
    async def _access(request: Request, exc: AccessError) -> JSONResponse:
        answer = error_response(exc.status, exc.detail, exc.field)
        answer.headers.update(exc.headers)
        return answer

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.detail, exc.field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # the framework's own refusals (an unreadable body, an unknown route, a method
        # the route has not): the same JSON shape as every other error
        answer = error_response(exc.status_code, str(exc.detail), None)
        for name, value in (exc.headers or {}).items():
            answer.headers[name] = value
        return answer

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, *validation_message(exc.errors()))

    router = APIRouter(prefix=API_PREFIX)
    report_route(router, store_path, config_path, live)
    metrics_route(router)
    staffing_routes(router)
    live_routes(router, live)
    token_routes(router, live)
    board.routes(router)
    app.include_router(router)
    app.include_router(board.pages())
    return app


def report_route(router: APIRouter, db: Path, config: Path | None, live: Live) -> None:
    """``GET /report``: ``contactcenter report`` with the options as query parameters."""
    names = {keyword: param for param, keyword in REPORT_PARAMETERS.items()}

    @router.get(
        "/report",
        summary="KPIs from the store, grouped and filtered",
        description="Roles: admin; supervisor (its queues); agent (its own rows). A queue "
        "or agent outside the token's scope is 403.",
        response_class=Response,
        responses={
            200: {
                "description": "The report: what `contactcenter report --format F` prints "
                "(json, csv) or writes (xlsx) for the same options.",
                "content": {
                    JSON: {"schema": ReportJson.model_json_schema()},
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX: {"schema": {"type": "string", "format": "binary"}},
                },
            },
            **_ERRORS,
        },
    )
    def report(
        request: Request,
        by: str = Query("", description=f"Group keys, comma-separated: {', '.join(GROUP_KEYS)}."),
        interval: str = Query("30m", description="Interval length (30m)."),
        threshold: str | None = Query(None, description="Answer threshold T (20s)."),
        short_abandon: str | None = Query(None, description="Short-abandon threshold S."),
        target: str | None = Query(None, description="Service-level target in (0, 1)."),
        start: str | None = Query(
            None, alias="from", description="Start (inclusive), YYYY-MM-DD[ HH:MM[:SS]]."
        ),
        end: str | None = Query(None, alias="to", description="End (exclusive)."),
        queue: str | None = Query(None, description="Only these queues (comma-separated)."),
        agent: str | None = Query(
            None, description="Only the rows of these agents (comma-separated agent ids)."
        ),
        tz: str | None = Query(None, description="The report's IANA time zone."),
        metrics: str | None = Query(None, description="Metric names (comma-separated) or all."),
        format: Literal["json", "csv", "xlsx"] = Query("json", description="Answer format."),
        principal: Principal = ANYONE,
    ) -> Response:
        _check_query(request, tuple(REPORT_PARAMETERS))
        # the caller's scope is a filter of the query: the queues and agents asked for
        # (403 outside the scope), else the whole scope
        queues = principal.queues_for(split_names(queue), field="queue")
        agents = principal.agents_for(split_names(agent), field="agent")
        try:
            result = report_result(
                db,
                by=by,
                metrics=metrics,
                interval=interval,
                threshold=threshold,
                short_abandon=short_abandon,
                target=target,
                config=config,
                start=start,
                end=end,
                queues=queues,
                agents=agents,
                tz=tz,
                opened=live.reading(),
            )
        except ContactCenterError as exc:
            return library_error(exc, names)
        if format == "csv":
            return Response(_bytes(render_csv(result)), media_type=CSV)
        if format == "xlsx":
            return Response(
                xlsx_bytes(result),
                media_type=XLSX,
                headers={"Content-Disposition": 'attachment; filename="report.xlsx"'},
            )
        return Response(_bytes(render_json(result) + "\n"), media_type=JSON)


def metrics_route(router: APIRouter) -> None:
    """``GET /metrics``: the metric catalog."""

    @router.get(
        "/metrics",
        summary="Every metric with its formula",
        description="Roles: admin, supervisor, agent.",
        response_class=Response,
        responses={
            200: {
                "description": "What `contactcenter metrics --format json` prints.",
                "content": {JSON: {"schema": {"type": "array", "items": _schema(MetricInfo)}}},
            },
            **_ERRORS,
        },
    )
    def metrics(request: Request, principal: Principal = ANYONE) -> Response:
        _check_query(request, ())
        text = json.dumps(metric_rows(catalog()), indent=2, ensure_ascii=False) + "\n"
        return Response(_bytes(text), media_type=JSON)


def _schema(model: type[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema()
    return schema


def _call(fn: Callable[[], Response], *, rows: str | None = None) -> Response:
    """Run a route's work, answering a library error as JSON naming its body key (an
    error about a row of the body's table ``rows``, which names the row, is about it)."""
    try:
        return fn()
    except FormatError as exc:
        if exc.field is None and rows is not None:
            return error_response(status_of(exc), exc.render(), rows)
        return library_error(exc, {})
    except ContactCenterError as exc:
        return library_error(exc, {})


def forecast_table(request: PlanRequest) -> pa.Table:
    """The forecast rows of a plan request as the table ``plan`` reads (``patience_s``
    only when some row gives it, as a file has the column or not)."""
    rows = request.forecast
    columns: dict[str, pa.Array] = {
        "interval_start": pa.array([r.interval_start for r in rows], pa.string()),
        "queue": pa.array([r.queue for r in rows], pa.string()),
        "calls": pa.array([r.calls for r in rows], pa.float64()),
        "aht_s": pa.array([r.aht_s for r in rows], pa.float64()),
    }
    if any("patience_s" in r.model_fields_set for r in rows):
        columns["patience_s"] = pa.array([r.patience_s for r in rows], pa.float64())
    return pa.table(columns)


def staffing_routes(router: APIRouter) -> None:
    """``POST /staff`` and ``POST /plan``: the staffing options as JSON."""

    @router.post(
        "/staff",
        summary="Agents needed for one queue, or what a staffing delivers",
        description="Roles: admin, supervisor.",
        response_class=Response,
        responses={
            200: {
                "description": "What `contactcenter staff --format json` prints.",
                "content": {JSON: {"schema": _schema(StaffAnswer)}},
            },
            **_ERRORS,
        },
    )
    def staff(
        request: Request, body: StaffRequest = Body(), principal: Principal = STAFF
    ) -> Response:
        _check_query(request, ())
        options = body.model_dump()

        def work() -> Response:
            result = staffing_app.staff(**options)
            return Response(_bytes(result.to_text("json")), media_type=JSON)

        return _call(work)

    @router.post(
        "/plan",
        summary="Agents per interval and queue for a forecast",
        description="Roles: admin, supervisor.",
        response_class=Response,
        responses={
            200: {
                "description": "What `contactcenter plan --format json|csv` prints.",
                "content": {
                    JSON: {"schema": {"type": "array", "items": _schema(PlanRow)}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            **_ERRORS,
        },
    )
    def plan(
        request: Request, body: PlanRequest = Body(), principal: Principal = STAFF
    ) -> Response:
        _check_query(request, ())
        options = body.model_dump(exclude={"forecast", "format"})

        def work() -> Response:
            result = staffing_app.plan(forecast=forecast_table(body), **options)
            if body.format == "csv":
                return Response(_bytes(result.to_text("csv")), media_type=CSV)
            return Response(_bytes(result.to_text("json")), media_type=JSON)

        return _call(work, rows="forecast")


MAX_EVENTS_BYTES = 32 << 20
"""Largest body ``POST /api/v1/events`` takes (32 MiB, about 300,000 lines)."""
EVENTS_NAME = "api-events"
"""The file name posted lines carry (``source_file`` of their events, the rejects file)."""


def _tailed(files: Sequence[str | Path]) -> list[Path]:
    """The files to follow, each once (by absolute path); a folder is refused."""
    out: list[Path] = []
    for f in files:
        path = Path(f).absolute()
        if path.is_dir():
            raise InputError(f"{{field}}: {f} is a folder, not a queue_log file", field="tail")
        if path not in out:
            out.append(path)
    return out


def live_routes(router: APIRouter, live: Live) -> None:
    """``POST /events`` (queue_log lines, or events as JSON) and ``GET /tail``."""

    @router.post(
        "/events",
        summary="Load queue_log events now (lines or JSON); 200 means committed",
        description="Roles: admin.",
        response_class=Response,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "text/plain": {
                        "schema": {"type": "string"},
                        "example": "1709280000|c1|sales|NONE|ENTERQUEUE||+37060000000|1\n",
                    },
                    JSON: {"schema": _schema(EventsRequest)},
                },
            }
        },
        responses={
            200: {
                "description": "The load's report (the JSON of `ingest --json`); the events "
                "are committed.",
                "content": {JSON: {"schema": _schema(LoadAnswer)}},
            },
            413: {"model": Error, "description": "A body over 32 MiB."},
            415: {"model": Error, "description": "A body neither text/plain nor JSON."},
            **_ERRORS,
        },
    )
    async def events(request: Request, principal: Principal = ADMINS) -> Response:
        _check_query(request, ())
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in ("text/plain", JSON):
            raise ApiError(
                415, "send queue_log lines as text/plain or events as application/json", None
            )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_EVENTS_BYTES:
            raise ApiError(413, f"the body is over {MAX_EVENTS_BYTES:,} bytes; send less", None)
        body = await request.body()
        if len(body) > MAX_EVENTS_BYTES:
            raise ApiError(413, f"the body is over {MAX_EVENTS_BYTES:,} bytes; send less", None)
        if kind == JSON:
            try:
                parsed = EventsRequest.model_validate_json(body)
            except ValidationError as exc:
                raise ApiError(422, *validation_message(exc.errors())) from None
            events = [
                Event(e.time, e.callid, e.queue, e.agent, e.event, tuple(e.data))
                for e in parsed.events
            ]
            if not events:
                raise ApiError(400, "events: give at least one event", "events")
            try:
                data = lines_of(events)
            except ContactCenterError as exc:
                return library_error(exc, {})
        else:
            if not body:
                raise ApiError(400, "the body has no lines; send queue_log lines", None)
            data = body[:-1] if body.endswith(b"\n") else body
        writer = live.writer()

        def work() -> Response:
            report = writer.load_lines(name=EVENTS_NAME, data=data)
            text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
            return Response(_bytes(text), media_type=JSON)

        return await run_in_threadpool(_call, work)

    @router.get(
        "/tail",
        summary="The files followed with --tail and how far each was read",
        description="Roles: admin.",
        response_class=Response,
        responses={
            200: {
                "description": "One object per followed file: file, reading (the name of "
                "the file being read), position (bytes), lines, size (bytes now).",
                "content": {JSON: {"schema": {"type": "array", "items": {"type": "object"}}}},
            },
            **_ERRORS,
        },
    )
    def tail_status(request: Request, principal: Principal = ADMINS) -> Response:
        _check_query(request, ())
        status = live.follower.status() if live.follower is not None else []
        return Response(_bytes(json.dumps(status) + "\n"), media_type=JSON)


def token_routes(router: APIRouter, live: Live) -> None:
    """``GET /tokens``, ``POST /tokens`` and ``DELETE /tokens/{token_id}``: the tokens of
    ``contactcenter token list|create|revoke`` while the server holds the store (another
    process cannot open it then)."""

    @router.get(
        "/tokens",
        summary="The access tokens: ids, roles, scopes (never a token)",
        description="Roles: admin.",
        response_class=Response,
        responses={
            200: {
                "description": "What `contactcenter token list --format json` prints.",
                "content": {JSON: {"schema": {"type": "array", "items": _schema(TokenInfo)}}},
            },
            **_ERRORS,
        },
    )
    def list_tokens(request: Request, principal: Principal = ADMINS) -> Response:
        _check_query(request, ())
        writer = live.writer()
        with writer.lock:
            rows = [g.as_dict() for g in tokens.listing(writer.store.con)]
        return Response(_bytes(json.dumps(rows, indent=2) + "\n"), media_type=JSON)

    @router.post(
        "/tokens",
        summary="Create a token (shown in this answer only)",
        description="Roles: admin.",
        response_class=Response,
        status_code=201,
        responses={
            201: {
                "description": "The new token and its grant; the store keeps only its hash.",
                "content": {JSON: {"schema": _schema(TokenCreated)}},
            },
            **_ERRORS,
        },
    )
    def create_token(
        request: Request, body: TokenRequest = Body(), principal: Principal = ADMINS
    ) -> Response:
        _check_query(request, ())
        writer = live.writer()

        def work() -> Response:
            queues = None if body.queues is None else frozenset(q.strip() for q in body.queues)
            with writer.lock:
                token, grant = tokens.create(
                    writer.store.con, role=body.role, queues=queues, agent=body.agent
                )
            answer = {**grant.as_dict(), "token": token}
            return Response(_bytes(json.dumps(answer, indent=2) + "\n"), 201, media_type=JSON)

        return _call(work)

    @router.delete(
        "/tokens/{token_id}",
        summary="Revoke a token (refused from the next request on)",
        description="Roles: admin.",
        response_class=Response,
        responses={
            200: {
                "description": "The revoked token's grant (`revoked_at` set).",
                "content": {JSON: {"schema": _schema(TokenInfo)}},
            },
            404: {"model": Error, "description": "No token of this id."},
            **_ERRORS,
        },
    )
    def revoke_token(request: Request, token_id: str, principal: Principal = ADMINS) -> Response:
        _check_query(request, ())
        writer = live.writer()
        if tokens.split_token(token_id) is not None:
            raise ApiError(400, "token_id: give the token's id, not the token", "token_id")
        try:
            with writer.lock:
                grant, _ = tokens.revoke(writer.store.con, token_id)
        except InputError:
            raise ApiError(404, f"token_id: no token {token_id!r}", "token_id") from None
        return Response(_bytes(json.dumps(grant.as_dict(), indent=2) + "\n"), media_type=JSON)


__all__ = ["REPORT_FORMATS", "REPORT_PARAMETERS", "create_app", "error_response"]
