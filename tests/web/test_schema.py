"""Schemathesis over the served OpenAPI schema: requests generated from the schema (valid
and invalid ones) never get a 500, and every answer is as documented (status code,
content type, body schema). Bounded: a few dozen examples per route and mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

import contactcenter
from tests.web.conftest import QUEUE_LOG, TECHNION, start, stop

ROUTES = [("GET", "/api/v1/report"), ("GET", "/api/v1/metrics"),
          ("POST", "/api/v1/staff"), ("POST", "/api/v1/plan"),
          ("POST", "/api/v1/events"), ("GET", "/api/v1/tail"),
          ("GET", "/api/v1/live"), ("GET", "/api/v1/live/stream")]  # fmt: skip
NO_PARAMETERS = ("/api/v1/metrics", "/api/v1/tail")
ENDLESS = ("/api/v1/live/stream",)
"""Routes whose answer never ends (an event stream): in the schema, not fuzzed (their
refusals are tested in tests/web/test_live_routes.py)."""


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own: generated events are loaded into its store, which the route
    tests' server must not see. It follows a file too, so /tail has something to say."""
    folder = tmp_path_factory.mktemp("fuzzed")
    log = folder / "queue_log"
    log.write_text(QUEUE_LOG)
    db = folder / "cc.duckdb"
    contactcenter.ingest(db, TECHNION, format="technion")
    proc, url = start(db, "--tail", str(log))
    try:
        yield url
    finally:
        stop(proc)


CASES = [
    (method, path, mode)
    for method, path in ROUTES
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (path in NO_PARAMETERS and mode == GenerationMode.NEGATIVE) and path not in ENDLESS
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_every_route_answers_as_documented(
    fuzzed: str, method: str, path: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed}/openapi.json")
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
        # application refuses it with 400, so schema-valid data need not be accepted
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    check()


def test_the_schema_covers_every_route(fuzzed: str) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed}/openapi.json")
    found = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert found == set(ROUTES)
