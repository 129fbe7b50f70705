"""The console end to end: headless Chromium against a real ``thingreg serve``.

Each test leaves a screenshot of the page it looked at in ``artefacts/console/`` (or in
``$THINGREG_ARTEFACTS``), for people to look at; the directory is ignored by git.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from playwright.sync_api import Browser, Page, expect

from bench.browser import chromium
from tests.conftest import fresh_database
from tests.support import LiveServer, minimal_td, start_server, stop_server
from thingreg.core.auth import jose

KEY = "console-test-key"
ARTEFACTS = Path(
    os.environ.get("THINGREG_ARTEFACTS", Path(__file__).resolve().parents[2] / "artefacts")
)
LAMP = "urn:example:kitchen-lamp"
TRACKER = "urn:example:tracker-7"


def _put(server: LiveServer, td: dict[str, object]) -> None:
    response = httpx.put(
        f"{server.url}/things/{quote(str(td['id']), safe='')}",
        json=td,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/td+json"},
    )
    assert response.status_code in (201, 204), response.text


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with fresh_database() as url:
        env = {"THINGREG_API_TOKEN": KEY, **({"THINGREG_DB": url} if url else {})}
        live = start_server(tmp_path_factory.mktemp("console") / "data", **env)
        try:
            _seed(live)
            yield live
        finally:
            stop_server(live)


def _seed(server: LiveServer) -> None:
    _put(
        server,
        minimal_td(
            LAMP,
            title="Kitchen Lamp",
            description="Ceiling light above the kitchen table",
            **{"@type": ["saref:Actuator", "saref:LightSwitch"]},
        ),
    )
    _put(
        server,
        minimal_td(
            TRACKER,
            title="Tracker 7",
            identifiers=["49-015420-323751-8", "00:24:BE:80:4F:F1"],
            **{"@type": "saref:Sensor"},
        ),
    )
    for i in range(30):
        _put(server, minimal_td(f"urn:example:meter-{i:02d}", title=f"Meter {i}"))
    key = ed25519.Ed25519PrivateKey.generate()
    response = httpx.post(
        f"{server.url}/things/{quote(TRACKER, safe='')}/credentials",
        json={"key": jose.public_jwk(key.public_key()), "label": "factory key"},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def shoot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"console-{name}.png", full_page=True)


def sign_in(page: Page) -> None:
    page.goto("/")
    page.get_by_label("API key").fill(KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Things", level=1)).to_be_visible()
    expect(page.locator("table.things tbody tr").first).to_be_visible()


def test_sign_in_with_an_api_key(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"#/sign-in"))
    shoot(page, "sign-in")
    page.get_by_label("API key").fill("wrong-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not accepted")
    expect(page.get_by_label("API key")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("API key").fill(KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Things", level=1)).to_be_focused()
    expect(page.locator("#who")).to_have_text("Signed in with an API key")
    assert page.evaluate("sessionStorage.getItem('thingreg.apiKey')") == KEY
    expect(page.locator("#things-summary")).to_contain_text("of 32")
    shoot(page, "things")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"#/sign-in"))
    assert page.evaluate("sessionStorage.getItem('thingreg.apiKey')") is None


def test_search_by_words_identifier_and_scheme(page: Page) -> None:
    sign_in(page)
    rows = page.locator("table.things tbody tr")
    page.get_by_label("Search").fill("KITCHEN lamp")
    page.get_by_label("Search").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kitchen Lamp")
    expect(page.locator("#things-summary")).to_contain_text("of 1")
    shoot(page, "search")
    page.get_by_label("Search").fill("490154203237518")  # the IMEI without its dashes
    page.get_by_label("Match").select_option("identifier")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tracker 7")
    page.get_by_label("Search").fill("$[?search(@.description, '[Cc]eiling')]")
    page.get_by_label("Match").select_option("jsonpath")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kitchen Lamp")
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Identifier scheme").select_option("imei")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"scheme=imei"))


def test_paging(page: Page) -> None:
    sign_in(page)
    rows = page.locator("table.things tbody tr")
    expect(rows).to_have_count(25)
    expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    page.get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(7)
    expect(page.locator(".page-of")).to_have_text("Page 2 of 2")
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()


def test_open_a_thing(page: Page) -> None:
    sign_in(page)
    page.get_by_label("Search").fill("tracker")
    page.get_by_label("Search").press("Enter")
    page.get_by_role("link", name="Tracker 7").click()
    expect(page.get_by_role("heading", name="Tracker 7", level=1)).to_be_focused()
    identifiers = page.get_by_role("region", name="Identifiers")
    expect(identifiers.locator("tbody tr")).to_have_count(3)
    expect(identifiers).to_contain_text("imei")
    expect(identifiers).to_contain_text("mac")
    credentials = page.get_by_role("region", name="Credentials")
    expect(credentials).to_contain_text("factory key")
    expect(credentials.locator(".badge")).to_have_text("active")
    registration = page.get_by_role("region", name="Registration")
    expect(registration).to_contain_text("saref:Sensor")
    tree = page.locator(".json-tree")
    expect(tree).to_contain_text('"Tracker 7"')
    page.get_by_role("button", name="Collapse all").click()
    expect(tree.locator("details[open]")).to_have_count(0)
    tree.locator("summary").first.focus()
    page.keyboard.press("Enter")
    expect(tree.locator("details[open]")).to_have_count(1)
    page.get_by_role("button", name="Expand all").click()
    shoot(page, "thing")


def test_live_updates_arrive_without_reload(page: Page, server: LiveServer) -> None:
    sign_in(page)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "on")
    page.evaluate("window.stayedOnPage = true")
    new_id = "urn:example:aaa-live"
    _put(server, minimal_td(new_id, title="Arrived Live"))
    row = page.locator(f'table.things tbody tr[data-id="{new_id}"]')
    expect(row).to_contain_text("Arrived Live")
    expect(page.locator(".activity")).to_contain_text(new_id)
    expect(page.locator("#announcer")).to_contain_text("registered")
    shoot(page, "live-list")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Arrived Live", level=1)).to_be_visible()
    httpx.patch(
        f"{server.url}/things/{quote(new_id, safe='')}",
        content=b'{"title": "Renamed Live"}',
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/merge-patch+json"},
    ).raise_for_status()
    expect(page.get_by_role("heading", name="Renamed Live", level=1)).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("Updated live")
    assert page.evaluate("window.stayedOnPage") is True  # no reload happened
    shoot(page, "live-thing")
    httpx.delete(
        f"{server.url}/things/{quote(new_id, safe='')}",
        headers={"Authorization": f"Bearer {KEY}"},
    ).raise_for_status()
    expect(page.locator(".notice")).to_contain_text("deleted")


def test_overview_draws_charts(page: Page) -> None:
    sign_in(page)
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(5)
    for i in range(5):
        expect(charts.nth(i).locator("rect").first).to_be_attached()
    per_minute = page.get_by_role("img", name=re.compile("authentications per minute"))
    expect(per_minute.locator("rect")).to_have_count(60)
    by_type = page.get_by_role("img", name=re.compile("Things by @type"))
    expect(by_type.locator("rect")).to_have_count(3)
    expect(by_type).to_contain_text("saref:Sensor")
    expect(page.locator(".stat-cards")).to_contain_text("32")
    shoot(page, "overview")


def test_keyboard_flow_and_focus_styles(page: Page) -> None:
    sign_in(page)
    # Each page puts the focus on its heading, so the next Tab reaches the page's first control.
    expect(page.get_by_role("heading", name="Things", level=1)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.type("kitchen")
    page.keyboard.press("Enter")
    expect(page.locator("table.things tbody tr")).to_have_count(1)
    skip = page.get_by_role("link", name="Skip to content")
    skip.focus()
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    assert skip.evaluate("el => el.getBoundingClientRect().top") >= 0  # shown when focused
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
