"""Two-factor sign-in in Chromium, with the setting on: an inspector signs in, is sent to set up, scans (types)
the key, enters the app's code, keeps the recovery codes, reaches the admin; signing in again asks for a code,
refuses a wrong one and accepts a recovery code. axe-core checks every page (tests/browser/conftest.py)."""

import base64
import re
import time

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from forces.roles import Role
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_sign_in(page, username, then="/"):
    page.goto(then)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()


def test_an_inspector_sets_up_two_factor_then_signs_in_with_a_recovery_code(new_page, settings):
    settings.CDI_TWO_FACTOR_REQUIRED = True
    make_user("insp", Role.INSPECTOR, is_staff=True)
    page = new_page()
    password_sign_in(page, "insp")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the 6-digit code")
    page.get_by_text("I cannot scan the QR code").click()
    key = base64.b32decode(page.get_by_test_id("key").inner_text().replace(" ", ""))
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.screenshot(path="/tmp/two_factor_recovery_codes.png", full_page=True)
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("button", name="I have kept my codes: continue").click()
    page.goto("/admin/")
    expect(page).to_have_title(re.compile("CDI audits admin"))

    page.goto("/")
    page.get_by_role("button", name="Sign out insp").click()
    password_sign_in(page, "insp", then="/admin/audits/inspection/")
    expect(page.get_by_label("Enter your code")).to_be_visible()
    page.get_by_label("Enter your code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")
    time.sleep(2.5)  # each wrong code makes the devices wait (1 s, then 2 s, ...)
    page.get_by_label("Enter your code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/admin/audits/inspection/")
    expect(page).to_have_title(re.compile("Select inspection"))
