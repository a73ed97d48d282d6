"""End-to-end tests in a real browser: Playwright driving Debian's Chromium against a live
uvicorn server on loopback. Never `playwright install`: the browser comes from apt."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from counterspy.api.app import create_app
from tests.console_fixtures import PASSWORD, ConsoleEnv, make_console_env

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER_ENV = "COUNTERSPY_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleEnv]:
    e = make_console_env(tmp_path_factory.mktemp("browser"))
    yield e
    e.store.dispose()


@pytest.fixture(scope="module")
def base_url(env: ConsoleEnv) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(env.workspace, store=env.store),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            pytest.fail(f"{reason}; ${REQUIRE_BROWSER_ENV}=1 forbids skipping")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context()
    p = context.new_page()
    p.set_default_timeout(20_000)
    yield p
    context.close()


def _sign_in(page: object, base_url: str, name: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{base_url}/console/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_review_approves_an_action_that_shows_in_the_audit_log(page: object, base_url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    _sign_in(page, base_url, "u-reviewer")  # u-admin opened the cases: four eyes
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="op-0001 (cytrox)").click()
    expect(page.get_by_role("heading", name="Case 1: op-0001 (cytrox)")).to_be_visible()
    page.get_by_label("Select account op1-a").check()
    page.get_by_label("Reason code").select_option("surveillance-for-hire")
    page.get_by_label("Note for the audit log").fill("browser test approval")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("Approved 1 account(s)")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    _sign_in(page, base_url, "u-auditor")
    page.get_by_role("link", name="Audit log").click()
    row = page.locator("tr", has_text="action.approve")
    expect(row).to_contain_text("op1-a")
    expect(row).to_contain_text("surveillance-for-hire")
    expect(row).to_contain_text("u-reviewer")
    review = page.locator("tr", has_text="case.review")
    expect(review).to_contain_text("note=browser test approval")


def test_appeal_refused_to_the_approver_and_reinstated_by_another_reviewer(
    page: object, base_url: str
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    _sign_in(page, base_url, "u-reviewer")  # reviewer A approves op2-a
    page.goto(f"{base_url}/console/cases/2")
    page.get_by_label("Select account op2-a").check()
    page.get_by_label("Reason code").select_option("inauthentic-behavior")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("Approved 1 account(s)")
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, base_url, "u-investigator")  # staff file the owner's appeal
    page.get_by_role("link", name="Appeals", exact=True).click()
    page.get_by_label("Account id").fill("op2-a")
    page.get_by_label("Owner's statement").fill("Browser appeal: my account was hijacked")
    page.get_by_role("button", name="File appeal").click()
    expect(page.get_by_role("status")).to_contain_text("filed and assigned")
    row = page.locator("tr", has_text="Browser appeal")
    appeal = row.locator("td").first.inner_text().strip()
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, base_url, "u-reviewer")  # reviewer A may not decide it
    page.goto(f"{base_url}/console/appeals?state=open")
    page.get_by_label(f"Decision on appeal {appeal}").select_option("reinstated")
    page.get_by_label(f"Reason code for appeal {appeal}").select_option("appeal-new-evidence")
    page.get_by_role("button", name=f"Decide appeal {appeal}").click()
    expect(page.get_by_role("alert")).to_contain_text("approved the original action")
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, base_url, "u-admin")  # reviewer B reinstates
    page.get_by_role("link", name="Appeals", exact=True).click()
    page.get_by_label(f"Decision on appeal {appeal}").select_option("reinstated")
    page.get_by_label(f"Reason code for appeal {appeal}").select_option(
        "appeal-account-compromised"
    )
    page.get_by_label(f"Note on appeal {appeal}").fill("owner proved the hijack")
    page.get_by_role("button", name=f"Decide appeal {appeal}").click()
    expect(page.get_by_role("status")).to_contain_text("the account is reinstated")
    page.get_by_role("link", name="Audit log").click()
    reinstated = page.locator("tr", has_text="appeal.reinstated")
    expect(reinstated).to_contain_text("op2-a")
    expect(reinstated).to_contain_text("appeal-account-compromised")
    expect(reinstated).to_contain_text("u-admin")


def test_agency_user_cannot_reach_analyst_pages(page: object, base_url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    _sign_in(page, base_url, "u-agency")
    expect(page.get_by_role("navigation", name="Console")).not_to_contain_text("Operations")
    for path in ("/console/", "/console/operations/op-0001", "/console/audit"):
        resp = page.goto(base_url + path)
        assert resp is not None, path
        assert resp.status == 403, path
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_sign_in_by_keyboard_alone(page: object, base_url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{base_url}/console/sign-in")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")  # ... and jumps past the header to the form
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type("u-reviewer")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Sign in"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_phone_width_has_no_horizontal_scroll(browser: object, base_url: str) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    try:
        _sign_in(page, base_url, "u-admin")
        paths = ("/console/", "/console/cases/1", "/console/operations/op-0001")
        for path in (
            *paths,
            "/console/appeals",
            "/console/audit",
            "/console/intel",
            "/verify-notice",
        ):
            page.goto(base_url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    finally:
        context.close()
