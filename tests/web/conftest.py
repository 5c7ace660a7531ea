"""A real ``contactcenter serve`` on loopback (uvicorn in its own process, on a port the
system picks) over a store of real and hand-made data, and the CLI to compare it with."""

from __future__ import annotations

import json
import re
import selectors
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import contactcenter
from contactcenter.app import tokens as contactcenter_tokens
from contactcenter.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
TECHNION = ROOT / "data" / "sample" / "technion_1999-01-sample.txt"

T = 1_709_280_000  # 2024-03-01 08:00 UTC
QUEUE_LOG = "".join(
    f"{T + 60 * i}|c{i}|{'sales' if i % 3 else '=billing'}|NONE|ENTERQUEUE||+3706{i}|1\n"
    + (
        f"{T + 60 * i + 5 + i}|c{i}|{'sales' if i % 3 else '=billing'}|Agent/{i % 4}|CONNECT|"
        f"{5 + i}|c{i}b|2\n"
        f"{T + 60 * i + 100}|c{i}|{'sales' if i % 3 else '=billing'}|Agent/{i % 4}|"
        f"COMPLETECALLER|{5 + i}|{90 - i}|1\n"
        if i % 5
        else f"{T + 60 * i + 30}|c{i}|{'sales' if i % 3 else '=billing'}|NONE|ABANDON|1|1|30\n"
    )
    for i in range(40)
)
"""Two queues (one named like a spreadsheet formula), four agents, answered and abandoned."""

CONFIG = "channels:\n  voice: {threshold: 15s, target: 0.85}\nqueues:\n  sales: {threshold: 30s}\n"


TOKENS = {
    "admin": {"role": "admin"},
    "supervisor": {"role": "supervisor"},
    "sales": {"role": "supervisor", "queues": "sales"},
    "billing": {"role": "supervisor", "queues": "=billing,nothing"},
    "agent1": {"role": "agent", "agent": "Agent/1"},
    "agent2_sales": {"role": "agent", "agent": "Agent/2", "queues": "sales"},
}
"""The tokens of the served store: name -> options of ``token create``."""


@dataclass
class Served:
    """A running server: its base URL, its store, a copy of the store for the CLI (the
    server holds its file open, so another process cannot), its config file, and its
    tokens by name (:data:`TOKENS`)."""

    url: str
    db: Path
    cli_db: Path
    config: Path
    proc: subprocess.Popen[str]
    tokens: dict[str, str]

    def call(self, path: str, *, as_: str | None = "admin", **kw: Any) -> Answer:
        """A request to ``path`` with the token named ``as_`` (None: no token)."""
        token = None if as_ is None else self.tokens[as_]
        return call(self.url + path, token=token, **kw)


def make_tokens(db: Path) -> dict[str, str]:
    """Create the tokens of :data:`TOKENS` in the store ``db``: name -> token."""
    return {
        name: contactcenter_tokens.create_token(db, **options)[0]
        for name, options in TOKENS.items()
    }


def start(db: Path, *args: str, auth: bool = False) -> tuple[subprocess.Popen[str], str]:
    """Start ``contactcenter serve --db db --port 0 ARGS`` (with ``--no-auth`` unless
    ``auth``: the store then needs a token) and return the process and its base URL,
    read from the line it prints once it listens."""
    command = [sys.executable, "-m", "contactcenter.cli.main", "serve", "--db", str(db),
               "--port", "0", *args, *(() if auth else ("--no-auth",))]  # fmt: skip
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    seen = ""
    while time.monotonic() < deadline:
        if selector.select(timeout=1):
            line = proc.stderr.readline()
            seen += line
            found = re.search(r"on (http://127\.0\.0\.1:\d+)/api/v1", line)
            if found:
                return proc, found.group(1)
            if not line:
                break
    proc.kill()
    pytest.fail(f"the server did not start: {seen}")


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop a server as an operator does (SIGTERM) and wait for it."""
    proc.terminate()
    try:
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server over the Technion sample and a small queue_log, with a thresholds file."""
    folder = tmp_path_factory.mktemp("served")
    db = folder / "cc.duckdb"
    contactcenter.ingest(db, TECHNION, format="technion")
    log = folder / "queue_log"
    log.write_text(QUEUE_LOG)
    contactcenter.ingest(db, log, format="queue_log")
    cli_db = folder / "cli.duckdb"
    shutil.copyfile(db, cli_db)
    config = folder / "thresholds.yaml"
    config.write_text(CONFIG)
    tokens = make_tokens(db)
    proc, url = start(db, "--config", str(config), auth=True)
    try:
        yield Served(url, db, cli_db, config, proc, tokens)
    finally:
        stop(proc)


@dataclass
class Answer:
    """An HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    url: str,
    *,
    method: str = "GET",
    body: Any = None,
    raw: bytes | None = None,
    token: str | None = None,
    content_type: str = "application/json",
) -> Answer:
    """One request (a JSON ``body``, or ``raw`` bytes sent as ``content_type``), with
    ``Authorization: Bearer token`` when a token is given; its answer."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return Answer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, dict(exc.headers.items()), exc.read())


def cli(args: list[str]) -> bytes:
    """Run the CLI in this process; its stdout as bytes (the command must succeed)."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def cli_error(args: list[str]) -> str:
    """Run the CLI expecting bad input (exit 2); its one error line."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    return result.stderr.strip()
