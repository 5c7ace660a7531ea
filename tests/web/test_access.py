"""Roles and tokens: every route for every role, filters that try to widen a token's
scope, SQL-shaped input in every parameter, and the token commands. A real server with
the tokens of :data:`tests.web.conftest.TOKENS` answers."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

import contactcenter
from contactcenter.app.tokens import create_token, list_tokens, revoke_token
from contactcenter.cli.main import app
from tests.web.conftest import QUEUE_LOG, Served, call, start, stop

STAFF = {"calls": 100, "period": "30m", "aht": "3m"}
PLAN = {"forecast": [{"interval_start": "2025-01-06 08:00:00", "queue": "sales", "calls": 10,
                      "aht_s": 180}]}  # fmt: skip
ROLES = ["admin", "supervisor", "sales", "agent1"]

# route -> (method, path, body, status per token name); None: without a token.
# POST /events as an admin sends an empty body (400, after the token was accepted) so
# that the store the other tests read is not changed.
MATRIX: dict[str, tuple[str, str, Any, dict[str | None, int]]] = {
    "report": ("GET", "/api/v1/report?by=day", None,
               {None: 401, "admin": 200, "supervisor": 200, "sales": 200, "agent1": 200}),
    "metrics": ("GET", "/api/v1/metrics", None,
                {None: 401, "admin": 200, "supervisor": 200, "sales": 200, "agent1": 200}),
    "staff": ("POST", "/api/v1/staff", STAFF,
              {None: 401, "admin": 200, "supervisor": 200, "sales": 200, "agent1": 403}),
    "plan": ("POST", "/api/v1/plan", PLAN,
             {None: 401, "admin": 200, "supervisor": 200, "sales": 200, "agent1": 403}),
    "events": ("POST", "/api/v1/events", b"",
               {None: 401, "admin": 400, "supervisor": 403, "sales": 403, "agent1": 403}),
    "tail": ("GET", "/api/v1/tail", None,
             {None: 401, "admin": 200, "supervisor": 403, "sales": 403, "agent1": 403}),
    "tokens": ("GET", "/api/v1/tokens", None,
               {None: 401, "admin": 200, "supervisor": 403, "sales": 403, "agent1": 403}),
    "create_token": ("POST", "/api/v1/tokens", {"role": "nobody"},
                     {None: 401, "admin": 422, "supervisor": 403, "sales": 403, "agent1": 403}),
    "revoke_token": ("DELETE", "/api/v1/tokens/00000000", None,
                     {None: 401, "admin": 404, "supervisor": 403, "sales": 403, "agent1": 403}),
}  # fmt: skip


def send(served: Served, route: str, who: str | None) -> Any:
    method, path, body, _ = MATRIX[route]
    if isinstance(body, bytes):
        return served.call(path, as_=who, method=method, raw=body, content_type="text/plain")
    return served.call(path, as_=who, method=method, body=body)


@pytest.mark.parametrize("who", [None, *ROLES])
@pytest.mark.parametrize("route", list(MATRIX))
def test_each_role_on_each_route(served: Served, route: str, who: str | None) -> None:
    answer = send(served, route, who)
    expected = MATRIX[route][3][who]
    assert answer.status == expected, answer.body
    if expected in (401, 403):
        error = answer.json()
        assert set(error) == {"detail", "field"}
        assert error["field"] == "Authorization"
        assert "\n" not in error["detail"]
    if expected == 401:
        assert answer.headers["www-authenticate"] == "Bearer"


BAD_TOKENS = [
    "",
    "nonsense",
    "cc_00000000_abc",
    "cc_' OR '1'='1_x",
    "cc_00000000_' OR '1'='1",
    "'; DROP TABLE api_tokens; --",
]


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_a_token_not_of_the_store_is_401(served: Served, token: str) -> None:
    answer = call(f"{served.url}/api/v1/metrics", token=token)
    assert answer.status == 401, answer.body


def test_a_real_id_with_another_secret_is_401(served: Served) -> None:
    token_id = served.tokens["admin"].split("_")[1]
    forged = f"cc_{token_id}_{'A' * 43}"
    assert call(f"{served.url}/api/v1/metrics", token=forged).status == 401
    other_scheme = urllib_request(served, "Basic " + served.tokens["admin"])
    assert other_scheme == 401


def urllib_request(served: Served, header: str) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{served.url}/api/v1/metrics")
    request.add_header("Authorization", header)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def report(served: Served, who: str, **options: str) -> Any:
    answer = served.call(f"/api/v1/report?{urllib.parse.urlencode(options)}", as_=who)
    assert answer.status == 200, answer.body
    return answer.json()


def rows_of(served: Served, who: str, **options: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = report(served, who, **options)["rows"]
    return rows


# hand counts from QUEUE_LOG: call i is in sales when i % 3, else =billing; i % 5 == 0
# abandons; the others are answered by Agent/(i % 4)
CALLS = range(40)


def queue_of(i: int) -> str:
    return "sales" if i % 3 else "=billing"


def answered_by(agent: int, queue: str | None = None) -> int:
    return sum(1 for i in CALLS if i % 5 and i % 4 == agent and queue in (None, queue_of(i)))


def test_a_supervisor_of_some_queues_reads_only_those_rows(served: Served) -> None:
    rows = rows_of(served, "sales", by="queue", metrics="offered,answered")
    assert rows == [
        {"queue": "sales", "offered": sum(1 for i in CALLS if i % 3),
         "answered": sum(1 for i in CALLS if i % 3 and i % 5)},
    ]  # fmt: skip
    # and the same without grouping: the total is the queue's, not the store's
    (total,) = rows_of(served, "sales", metrics="offered")
    assert total["offered"] == rows[0]["offered"]
    assert report(served, "sales")["parameters"]["queues"] == ["sales"]
    billing = rows_of(served, "billing", by="queue", metrics="offered")
    assert [r["queue"] for r in billing] == ["=billing"]


def test_a_supervisor_of_every_queue_reads_every_queue(served: Served) -> None:
    assert rows_of(served, "supervisor", by="queue", metrics="offered") == rows_of(
        served, "admin", by="queue", metrics="offered"
    )
    assert {r["queue"] for r in rows_of(served, "supervisor", by="queue")} >= {
        "sales",
        "=billing",
    }


@pytest.mark.parametrize(
    ("who", "queue"),
    [("sales", "=billing"), ("sales", "sales,=billing"), ("sales", "Sales"),
     ("billing", "sales"), ("agent2_sales", "=billing")],
)  # fmt: skip
def test_asking_for_a_queue_outside_the_scope_is_403(served: Served, who: str, queue: str) -> None:
    answer = served.call(f"/api/v1/report?{urllib.parse.urlencode({'queue': queue})}", as_=who)
    assert answer.status == 403, answer.body
    assert answer.json()["field"] == "queue"


def test_a_queue_inside_the_scope_is_answered_as_for_an_admin(served: Served) -> None:
    options = {"by": "queue,day", "queue": "sales", "metrics": "offered,service_level"}
    assert rows_of(served, "sales", **options) == rows_of(served, "admin", **options)


def test_an_agent_reads_only_its_own_rows(served: Served) -> None:
    rows = rows_of(served, "agent1", by="agent", metrics="answered")
    assert rows == [{"agent": "Agent/1", "answered": answered_by(1)}]
    by_queue = rows_of(served, "agent1", by="queue", metrics="answered")
    assert {r["queue"]: r["answered"] for r in by_queue} == {
        "sales": answered_by(1, "sales"),
        "=billing": answered_by(1, "=billing"),
    }
    (total,) = rows_of(served, "agent1", metrics="answered")
    assert total["answered"] == answered_by(1)
    assert report(served, "agent1")["parameters"]["agents"] == ["Agent/1"]
    own = rows_of(served, "agent1", by="agent", agent="Agent/1", metrics="answered")
    assert own == rows


def test_an_agent_of_some_queues_reads_its_rows_in_those_queues(served: Served) -> None:
    rows = rows_of(served, "agent2_sales", by="agent,queue", metrics="answered")
    assert rows == [{"agent": "Agent/2", "queue": "sales", "answered": answered_by(2, "sales")}]


@pytest.mark.parametrize("agent", ["Agent/2", "Agent/1,Agent/2", "agent/1", "Agent/1 "])
def test_an_agent_asking_for_another_agent_is_403(served: Served, agent: str) -> None:
    answer = served.call(
        f"/api/v1/report?{urllib.parse.urlencode({'by': 'agent', 'agent': agent})}", as_="agent1"
    )
    if agent == "Agent/1 ":  # the application layer reads names trimmed, as the CLI does
        assert answer.status == 200
        return
    assert answer.status == 403, answer.body
    assert answer.json()["field"] == "agent"


@pytest.mark.parametrize(
    "options",
    [{}, {"by": "agent"}, {"by": "queue"}, {"by": "day,agent"}, {"by": "interval,queue"},
     {"by": "hour"}, {"by": "agent", "metrics": "all"}],
)  # fmt: skip
def test_no_other_agent_is_seen_through_any_grouping(
    served: Served, options: dict[str, str]
) -> None:
    answer = served.call(
        f"/api/v1/report?{urllib.parse.urlencode({**options, 'format': 'csv'})}", as_="agent1"
    )
    assert answer.status == 200, answer.body
    for other in ("Agent/0", "Agent/2", "Agent/3"):
        assert other.encode() not in answer.body
    table = list(csv.DictReader(io.StringIO(answer.body.decode())))
    if "offered" in (table[0] if table else {}):
        assert sum(int(r["offered"]) for r in table) == answered_by(1)


def test_a_supervisor_may_filter_by_agent_in_its_queues(served: Served) -> None:
    rows = rows_of(served, "sales", by="agent", agent="Agent/3", metrics="answered")
    assert rows == [{"agent": "Agent/3", "answered": answered_by(3, "sales")}]


SQL = [
    "' OR '1'='1",
    "x'); DROP TABLE contacts; --",
    '"; SELECT * FROM api_tokens; --',
    "1 UNION SELECT secret_sha256 FROM api_tokens",
    "sales' --",
    "%' OR queue LIKE '%",
]
PARAMETERS = ["by", "interval", "threshold", "short_abandon", "target", "from", "to", "queue",
              "agent", "tz", "metrics", "format"]  # fmt: skip


@pytest.mark.parametrize("value", SQL)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_sql_shaped_input_in_every_report_parameter(
    served: Served, parameter: str, value: str
) -> None:
    for who in ("admin", "sales", "agent1"):
        path = f"/api/v1/report?{urllib.parse.urlencode({parameter: value})}"
        answer = served.call(path, as_=who)
        assert answer.status in (200, 400, 403, 422), answer.body
        if answer.status != 200:
            assert set(answer.json()) == {"detail", "field"}
            continue
        # only a filter can take any text: it selects nothing (no queue or agent has
        # that name), never more
        assert parameter in ("queue", "agent"), answer.body
        # and never outside the scope: a supervisor's other queue, an agent's other agent
        assert (who, parameter) not in (("sales", "queue"), ("agent1", "agent"))
        assert all(r["offered"] == 0 for r in answer.json()["rows"])
    assert store_intact(served)


def store_intact(served: Served) -> bool:
    (row,) = rows_of(served, "admin", metrics="offered")
    return bool(row["offered"] == 2053 + 1756 + 1590 + 40)  # the Technion days + QUEUE_LOG


@pytest.mark.parametrize("value", SQL)
def test_sql_shaped_input_in_the_staffing_bodies(served: Served, value: str) -> None:
    for key in ("calls", "period", "aht", "threshold", "sl_definition"):
        answer = served.call("/api/v1/staff", method="POST", body={**STAFF, key: value})
        assert answer.status in (400, 422), answer.body
        assert answer.json()["field"] == key
    rows = [{**PLAN["forecast"][0], "queue": value}]
    answer = served.call("/api/v1/plan", method="POST", body={"forecast": rows})
    assert answer.status == 200  # a queue name is any text: planned, quoted as it is
    assert answer.json()[0]["queue"] == value
    answer = served.call(f"/api/v1/tokens/{urllib.parse.quote(value, safe='')}", method="DELETE")
    assert answer.status == 404
    assert store_intact(served)


# ------------------------------------------------------------ a store of its own
@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """A server over a store of its own (its tokens and events are changed here)."""
    db = tmp_path / "cc.duckdb"
    log = tmp_path / "queue_log"
    log.write_text(QUEUE_LOG)
    contactcenter.ingest(db, log, format="queue_log")
    tokens = {
        "admin": create_token(db, role="admin")[0],
        "agent": create_token(db, role="agent", agent="x'); DROP TABLE contacts; --")[0],
        "super": create_token(db, role="supervisor", queues="' OR '1'='1")[0],
    }
    proc, url = start(db, auth=True)
    try:
        yield url, db, tokens
    finally:
        stop(proc)


def test_sql_shaped_scopes_are_names_not_sql(own: tuple[str, Path, dict[str, str]]) -> None:
    url, _, tokens = own
    for who in ("agent", "super"):
        answer = call(f"{url}/api/v1/report?by=queue&metrics=offered", token=tokens[who])
        assert answer.status == 200, answer.body
        assert answer.json()["rows"] == []  # no such queue or agent: nothing, not everything
    answer = call(f"{url}/api/v1/report?metrics=offered", token=tokens["admin"])
    assert answer.json()["rows"] == [{"offered": 40}]


def test_sql_shaped_events_are_stored_as_text(own: tuple[str, Path, dict[str, str]]) -> None:
    url, _, tokens = own
    queue = "q'); DROP TABLE contacts; --"
    events = [
        {"time": 1709300000, "callid": "z1", "queue": queue, "agent": "NONE",
         "event": "ENTERQUEUE", "data": ["", "' OR 1=1", "1"]},
        {"time": 1709300030, "callid": "z1", "queue": queue, "agent": "NONE",
         "event": "ABANDON", "data": ["1", "1", "30"]},
    ]  # fmt: skip
    answer = call(
        f"{url}/api/v1/events", method="POST", body={"events": events}, token=tokens["admin"]
    )
    assert answer.status == 200, answer.body
    query = urllib.parse.urlencode({"by": "queue", "queue": queue, "metrics": "offered"})
    answer = call(f"{url}/api/v1/report?{query}", token=tokens["admin"])
    assert answer.json()["rows"] == [{"queue": queue, "offered": 1}]
    answer = call(f"{url}/api/v1/report?metrics=offered", token=tokens["admin"])
    assert answer.json()["rows"] == [{"offered": 41}]


def test_tokens_through_the_api_while_serving(own: tuple[str, Path, dict[str, str]]) -> None:
    url, _, tokens = own
    admin = tokens["admin"]
    made = call(
        f"{url}/api/v1/tokens",
        method="POST",
        body={"role": "supervisor", "queues": ["sales"]},
        token=admin,
    )
    assert made.status == 201, made.body
    new = made.json()
    assert (new["role"], new["queues"], new["agent"]) == ("supervisor", ["sales"], None)
    assert new["token"].startswith(f"cc_{new['id']}_")
    answer = call(f"{url}/api/v1/report?by=queue&metrics=offered", token=new["token"])
    assert [r["queue"] for r in answer.json()["rows"]] == ["sales"]
    listed = call(f"{url}/api/v1/tokens", token=admin).json()
    assert new["id"] in {t["id"] for t in listed}
    assert new["token"] not in json.dumps(listed)
    assert all("token" not in t for t in listed)
    revoked = call(f"{url}/api/v1/tokens/{new['id']}", method="DELETE", token=admin)
    assert revoked.status == 200
    assert revoked.json()["revoked_at"] is not None
    assert call(f"{url}/api/v1/metrics", token=new["token"]).status == 401
    refused = call(
        f"{url}/api/v1/tokens", method="POST", body={"role": "admin", "queues": ["a"]}, token=admin
    )
    assert (refused.status, refused.json()["field"]) == (400, "queues")
    refused = call(f"{url}/api/v1/tokens", method="POST", body={"role": "agent"}, token=admin)
    assert (refused.status, refused.json()["field"]) == (400, "agent")


# ------------------------------------------------------------ the token commands
def run(args: list[str]) -> Any:
    return CliRunner().invoke(app, args)


def test_token_create_prints_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    result = run(["token", "create", "--db", str(db), "--role", "supervisor",
                  "--queues", "sales,support"])  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert len(result.stdout.splitlines()) == 1
    _, token_id, secret = token.split("_", 2)
    assert len(secret) >= 43  # 256 random bits
    assert token_id in result.stderr
    listed = run(["token", "list", "--db", str(db), "--format", "json"])
    rows = json.loads(listed.stdout)
    assert rows == [
        {"id": token_id, "role": "supervisor", "queues": ["sales", "support"], "agent": None,
         "created_at": rows[0]["created_at"], "revoked_at": None},
    ]  # fmt: skip
    assert secret not in listed.stdout
    assert secret.encode() not in db.read_bytes()
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT * FROM api_tokens").fetchall()
    assert secret not in repr(stored)
    assert token not in repr(stored)


def test_revoke_by_id_or_by_token(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    _, grant = create_token(db, role="admin")
    second, _ = create_token(db, role="agent", agent="Agent/7")
    result = run(["token", "revoke", grant.token_id, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"revoked token {grant.token_id}" in result.stderr
    result = run(["token", "revoke", second, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert all(g.revoked_at is not None for g in list_tokens(db))
    again = run(["token", "revoke", grant.token_id, "--db", str(db)])
    assert (again.exit_code, again.stderr.strip()) == (
        0,
        f"token {grant.token_id} was already revoked",
    )
    # a revoked store has no active token: serve refuses to start without --no-auth
    assert serve_refusal(db).startswith("error: --db ")


def test_revoke_refuses_what_is_not_a_token_of_the_store(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    token, grant = create_token(db, role="admin")
    for what in ["deadbeef", f"cc_{grant.token_id}_{'x' * 43}", "' OR '1'='1"]:
        result = run(["token", "revoke", what, "--db", str(db)])
        assert result.exit_code == 2, what
        assert result.stderr.startswith("error: TOKEN: no such token")
    assert revoke_token(db, token)[1] is True


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--role", "boss"], "--role"),
        (["--role", "admin", "--queues", "sales"], "--queues"),
        (["--role", "admin", "--agent", "Agent/1"], "--agent"),
        (["--role", "supervisor", "--agent", "Agent/1"], "--agent"),
        (["--role", "agent"], "--agent"),
        (["--role", "agent", "--agent", " "], "--agent"),
        (["--role", "supervisor", "--queues", "sales,,x"], "--queues"),
    ],
)
def test_token_create_refuses_a_role_and_scope_that_do_not_fit(
    tmp_path: Path, args: list[str], flag: str
) -> None:
    result = run(["token", "create", "--db", str(tmp_path / "cc.duckdb"), *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {flag}")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


def serve_refusal(db: Path, *args: str) -> str:
    command = [sys.executable, "-m", "contactcenter.cli.main", "serve", "--db", str(db),
               "--port", "0", *args]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1
    return result.stderr.strip()


def test_serve_refuses_a_store_without_a_token(tmp_path: Path) -> None:
    line = serve_refusal(tmp_path / "cc.duckdb")
    assert "has no access token" in line
    assert "--no-auth" in line


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org"])
def test_no_auth_serves_on_loopback_only(tmp_path: Path, host: str) -> None:
    line = serve_refusal(tmp_path / "cc.duckdb", "--no-auth", "--host", host)
    assert line.startswith(f"error: --host {host} is not a loopback address")


def test_no_auth_makes_every_caller_an_admin(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    proc, url = start(db)  # --no-auth
    try:
        assert call(f"{url}/api/v1/tail").status == 200
        assert call(f"{url}/api/v1/tail", token="anything").status == 200
    finally:
        stop(proc)
