"""An idle session in Chromium: the warning appears before the end, "Stay signed in" keeps the session without
leaving the page (what was typed stays), and left alone the page goes to "You have been signed out"."""

import pytest
from playwright.sync_api import expect

from forces.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_warning_stay_signed_in_then_signed_out(new_page, settings):
    settings.SESSION_IDLE_SECONDS = 8
    settings.SESSION_IDLE_WARNING_SECONDS = 5
    make_user("boss", Role.MANAGER)
    page = new_page()
    sign_in(page, "boss")
    page.goto("/findings/")
    page.get_by_label("Find a reference").fill("typed, not sent")
    warning = page.get_by_test_id("idle-warning")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=6_000)
    expect(page.get_by_role("alertdialog", name="You are about to be signed out")).to_be_visible()
    page.screenshot(path="/tmp/idle_warning.png")
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    assert page.url.endswith("/findings/")
    expect(page.get_by_label("Find a reference")).to_have_value("typed, not sent")
    expect(page.get_by_role("heading", name="You have been signed out")).to_be_visible(timeout=15_000)
    page.goto("/findings/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
