"""Schemathesis over the served OpenAPI schema: requests generated from the schema (valid
and invalid ones) never get a 500, and every answer is as documented (status code,
content type, body schema). Bounded: a few dozen examples per route and mode."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

import contactcenter
from contactcenter.app.tokens import create_token
from tests.web.conftest import QUEUE_LOG, TECHNION, start, stop

ROUTES = [("GET", "/api/v1/report"), ("GET", "/api/v1/metrics"),
          ("POST", "/api/v1/staff"), ("POST", "/api/v1/plan"),
          ("POST", "/api/v1/events"), ("GET", "/api/v1/tail"),
          ("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens"),
          ("DELETE", "/api/v1/tokens/{token_id}"),
          ("GET", "/api/v1/live"), ("GET", "/api/v1/live/stream")]  # fmt: skip
NO_PARAMETERS = (("GET", "/api/v1/metrics"), ("GET", "/api/v1/tail"), ("GET", "/api/v1/tokens"))
ENDLESS = ("/api/v1/live/stream",)
"""Routes whose answer never ends (an event stream): in the schema, not fuzzed (their
refusals are tested in tests/web/test_live_routes.py)."""


@dataclass
class Fuzzed:
    """The server and an admin token of its store."""

    url: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """A server of its own: generated events are loaded into its store, which the route
    tests' server must not see. It follows a file too, so /tail has something to say.
    Requests carry an admin token (the schema declares the bearer scheme)."""
    folder = tmp_path_factory.mktemp("fuzzed")
    log = folder / "queue_log"
    log.write_text(QUEUE_LOG)
    db = folder / "cc.duckdb"
    contactcenter.ingest(db, TECHNION, format="technion")
    token, _ = create_token(db, role="admin")
    proc, url = start(db, "--tail", str(log), auth=True)
    try:
        yield Fuzzed(url, token)
    finally:
        stop(proc)


CASES = [
    (method, path, mode)
    for method, path in ROUTES
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not ((method, path) in NO_PARAMETERS and mode == GenerationMode.NEGATIVE)
    and path not in ENDLESS
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_every_route_answers_as_documented(
    fuzzed: Fuzzed, method: str, path: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json")
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: schemathesis.Case) -> None:
        # a value of the documented type may still be out of range (a target of 2): the
        # application refuses it with 400, so schema-valid data need not be accepted. And
        # "invalid" data need not be refused: the token header given here replaces a
        # generated request's missing one, and a query string carries no types (an array
        # ["false"] is sent as queue=false, a valid string); every other check still runs
        case.call_and_validate(
            headers=fuzzed.headers,
            excluded_checks=[positive_data_acceptance, negative_data_rejection],
        )

    check()


def test_the_schema_covers_every_route(fuzzed: Fuzzed) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json")
    found = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert found == set(ROUTES)


def test_the_schema_declares_the_bearer_scheme_on_every_route(fuzzed: Fuzzed) -> None:
    raw = schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json").raw_schema
    assert raw["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token of `contactcenter token create`: `Authorization: Bearer TOKEN`.",
    }
    for method, path in ROUTES:
        operation = raw["paths"][path][method.lower()]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert {"401", "403"} <= set(operation["responses"]), path
