"""The wallboard in a real browser (issue 13, section 3): Debian's chromium driven by
Playwright (``make chromium`` installs it; Playwright's own browser builds are never
used) against a real server on loopback. Events are posted and the tiles change; the
page asks nothing of any other host; the figures are in large type. Screenshots are kept
in ``test-artifacts/wallboard/`` (not committed)."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright
import pytest

from tests.web.conftest import make_tokens, start, stop
from tests.web.test_live_routes import midday_zone

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "wallboard"
WAIT_MS = 30_000
"""How long a check waits for the page to show a change before it fails (a bound on a
hung page, not a speed requirement)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make setup-dev` (it installs chromium)")
    folder = tmp_path_factory.mktemp("wallboard")
    config = folder / "c.yaml"
    config.write_text(
        "queues:\n  sales: {threshold: 20s, target: 0.8}\n"
        f"live:\n  tz: {midday_zone()}\n"
        "  colours: {waiting: {warn: 2, alarm: 3}, longest_wait: {warn: 1h, alarm: 2h}}\n"
        "  alerts: {waiting_above: 2}\n"
    )
    proc, url = start(folder / "cc.duckdb", "--config", str(config))
    try:
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def post(url: str, lines: list[str]) -> None:
    request = urllib.request.Request(
        f"{url}/api/v1/events", data=("\n".join(lines) + "\n").encode(), method="POST"
    )
    request.add_header("Content-Type", "text/plain")
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 200


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_tile_follows_the_events(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})  # type: ignore[attr-defined]
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    expect = playwright.expect
    page.goto(f"{server}/wallboard")
    expect(page.locator("#link")).to_have_attribute("data-link", "live", timeout=WAIT_MS)
    shot(page, "0-empty")

    now = int(time.time())
    post(server, [
        f"{now - 600}|NONE|sales|Agent/1|ADDMEMBER|",
        f"{now - 600}|NONE|sales|Agent/2|ADDMEMBER|",
        f"{now - 600}|NONE|sales|Agent/3|ADDMEMBER|",
        f"{now - 400}|NONE|sales|Agent/3|PAUSE|Lunch",
        f"{now - 120}|b1|sales|NONE|ENTERQUEUE||555|1",
        f"{now - 110}|b1|sales|Agent/1|CONNECT|10|x|1",
        f"{now - 30}|b1|sales|Agent/1|COMPLETECALLER|10|80|1",
        f"{now - 20}|b2|sales|NONE|ENTERQUEUE||556|1",
    ])  # fmt: skip
    tile = page.locator('[data-queue="sales"]')
    expect(tile.locator('[data-field="waiting"]')).to_have_text("1", timeout=WAIT_MS)
    expect(tile.locator('[data-field="service_level"]')).to_have_text("100.0 %")
    expect(tile.locator('[data-field="available"]')).to_have_text("2")
    expect(tile.locator('[data-field="paused"]')).to_have_text("1")
    expect(tile.locator('[data-field="paused_reasons"]')).to_have_text("Lunch 1")
    expect(tile.locator('[data-field="target"]')).to_have_text("80 %")
    expect(tile.locator('[data-cell="waiting"]')).to_have_class("cell ok")
    expect(tile.locator('[data-cell="service_level"]')).to_have_class("cell ok")
    shot(page, "1-one-waiting")

    # two more calls: 3 waiting reaches the alarm colour
    now = int(time.time())
    post(server, [f"{now}|b3|sales|NONE|ENTERQUEUE||557|1",
                  f"{now}|b4|sales|NONE|ENTERQUEUE||558|1"])  # fmt: skip
    expect(tile.locator('[data-field="waiting"]')).to_have_text("3", timeout=WAIT_MS)
    expect(tile.locator('[data-cell="waiting"]')).to_have_class("cell alarm")
    # the alert of the config (more than 2 waiting) is shown above the tiles
    band = page.locator('#alerts .alert[data-rule="waiting_above"]')
    expect(band).to_have_count(1, timeout=WAIT_MS)
    expect(band).to_contain_text("sales: 3 contacts waiting, more than 2")
    shot(page, "2-alarm")

    # an abandon after 40 s: the SL today falls to 1/2 (warn below 0.8 by more than 0.05: alarm)
    now = int(time.time())
    post(server, [f"{now}|b2|sales|NONE|ABANDON|1|1|40"])
    expect(tile.locator('[data-field="waiting"]')).to_have_text("2", timeout=WAIT_MS)
    expect(tile.locator('[data-field="service_level"]')).to_have_text("50.0 %")
    expect(tile.locator('[data-cell="service_level"]')).to_have_class("cell alarm")
    expect(tile.locator('[data-cell="waiting"]')).to_have_class("cell warn")
    expect(band).to_have_count(0, timeout=WAIT_MS)  # 2 waiting: the alert cleared
    shot(page, "3-abandon")

    # large type: the figures are readable across a room on a 1080p screen
    size = tile.locator('[data-field="waiting"]').evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 64
    size = tile.locator('[data-field="service_level"]').evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 48
    # nothing was asked of any other host
    assert asked
    assert all(url.startswith(server) for url in asked), asked
    page.close()


def test_the_tile_goes_when_filtered_out(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server}/wallboard?queue=other")
    playwright.expect(page.locator("#link")).to_have_attribute("data-link", "live", timeout=WAIT_MS)
    # a state was drawn (the body carries its time), and it has no sales tile
    playwright.expect(page.locator("body[data-updated]")).to_have_count(1, timeout=WAIT_MS)
    assert page.locator('[data-queue="sales"]').count() == 0
    page.close()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server that needs tokens, with one sales call waiting, and its tokens."""
    folder = tmp_path_factory.mktemp("wallboard-guarded")
    db = folder / "cc.duckdb"
    config = folder / "c.yaml"
    config.write_text(f"live:\n  tz: {midday_zone()}\n")
    tokens = make_tokens(db)
    proc, url = start(db, "--config", str(config), auth=True)
    try:
        now = int(time.time())
        request = urllib.request.Request(
            f"{url}/api/v1/events",
            data=f"{now - 30}|g1|sales|NONE|ENTERQUEUE||555|1\n".encode(),
            method="POST",
        )
        request.add_header("Content-Type", "text/plain")
        request.add_header("Authorization", f"Bearer {tokens['admin']}")
        with urllib.request.urlopen(request, timeout=120) as answer:
            assert answer.status == 200
        yield url, tokens
    finally:
        stop(proc)


def test_the_wallboard_takes_its_token_from_the_address(
    guarded: tuple[str, dict[str, str]], browser: object
) -> None:
    url, tokens = guarded
    page = browser.new_page()  # type: ignore[attr-defined]
    asked: list[dict[str, str]] = []
    page.on("request", lambda request: asked.append(request.headers))
    page.goto(f"{url}/wallboard#token={tokens['sales']}")
    playwright.expect(page.locator("#link")).to_have_attribute("data-link", "live", timeout=WAIT_MS)
    tile = page.locator('[data-queue="sales"]')
    playwright.expect(tile.locator('[data-field="waiting"]')).to_have_text("1", timeout=WAIT_MS)
    shot(page, "4-with-token")
    # the token went in a header, never in an address
    assert any(h.get("authorization") == f"Bearer {tokens['sales']}" for h in asked)
    page.close()

    # without a token, or with a token of other queues, the page says so and shows nothing
    for address in (f"{url}/wallboard", f"{url}/wallboard?queue=sales#token={tokens['billing']}"):
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(address)
        playwright.expect(page.locator("#link")).to_have_attribute(
            "data-link", "denied", timeout=WAIT_MS
        )
        assert page.locator('[data-queue="sales"]').count() == 0
        page.close()
