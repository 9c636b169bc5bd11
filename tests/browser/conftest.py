"""Playwright driving Debian's Chromium (never a downloaded browser) against the live server."""

import os
from pathlib import Path

import pytest

from tests.browser.accessibility import AxeWatch

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM directly.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y --no-install-recommends chromium"
        if os.environ.get("CI"):
            pytest.fail(message)  # browser tests must run in CI, never be skipped
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """A new signed-out browser context per call. axe-core checks every page it opens: the test fails on
    any accessibility violation (tests/browser/accessibility.py)."""
    watches = []

    def make():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(15_000)
        watches.append(AxeWatch(context))
        return context.new_page()

    yield make
    for watch in watches:
        watch.check_open_pages()
    violations = "\n".join(watch.report() for watch in watches if watch.found)
    for watch in watches:
        watch.context.close()
    assert not violations, f"axe-core found accessibility violations:\n{violations}"


def sign_in(page, username, password="pw"):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def autocomplete(page, select_id, choice):
    """Pick ``choice`` in a Django admin autocomplete (select2) field."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(choice)
    page.locator(".select2-results__option", has_text=choice).first.click()
    assert page.locator(f"#{select_id} + .select2 .select2-selection__rendered").inner_text().strip(" ×\n") == choice


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    """Browser tests run in real transactions: reload the reference data each needs."""
