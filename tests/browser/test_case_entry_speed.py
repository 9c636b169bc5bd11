"""Entry at the pace of a real audit: an inspector enters ten cases of two crimes each in the admin's case form
using the keyboard alone, offences chosen by their Home Office code, each case saved with "Save and next case"
(Enter) and, from the second, started as a copy of the previous one. Every key typed or pressed and every page
loaded is counted; the figures per case are printed and bounded (README, "Case entry")."""

import re
from datetime import date, datetime

import pytest
from playwright.sync_api import expect

from audits.models import AuditedCase, Inspection, RecordingError
from forces.models import Force
from forces.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = 10
#: Upper bounds per case, two crimes each (the issue measured 35 fields and about two minutes of typing; measured
#: here: 84.2 keys and 1.1 page loads a case, README "Case entry").
MAX_KEYS_PER_CASE = 90
MAX_LOADS_PER_CASE = 1.2


class Keyboard:
    """The page's keyboard, counting every character typed and every key pressed."""

    def __init__(self, page):
        self.page, self.keys = page, 0

    def type(self, text):
        self.page.keyboard.type(text)
        self.keys += len(text)

    def press(self, key, times=1):
        for _ in range(times):
            self.page.keyboard.press(key)
            self.keys += 1

    def focused(self):
        return self.page.evaluate("(e => e.id || e.getAttribute('aria-label') || e.textContent.trim())"
                                  "(document.activeElement)")

    def tab_to(self, name, key="Tab"):
        """Tab (or Shift+Tab) until the control named ``name`` (its id, accessible name or text) has the focus."""
        for _ in range(40):
            if self.focused() == name:
                return
            self.press(key)
        raise AssertionError(f"Tab never reached {name}")

    def choose_offence(self, code):
        """On a focused look-up: open it, type the code, take the first answer."""
        self.press("Enter")
        expect(self.page.locator(".select2-container--open .select2-search__field")).to_be_focused()
        self.type(code)
        self.page.locator(".select2-results__option--highlighted", has_text=code).wait_for()
        self.press("Enter")


def crime(keyboard, n, *, expected, recorded, reference, recorded_at, copied):
    """Enter crime ``n`` from its expected offence look-up (focused on arrival). A copied crime already holds its
    offences, safeguarding and flags: only its reference, recorded time and errors are typed."""
    if not copied:
        keyboard.choose_offence(expected)
    keyboard.press("Tab")
    assert keyboard.focused() == f"id_crimes-{n}-force_crime_reference"
    if reference:
        keyboard.type(reference)
    keyboard.press("Tab")
    assert keyboard.focused() == "Recorded offence"
    if recorded:
        if not copied:
            keyboard.choose_offence(recorded)
        keyboard.press("Tab")
        assert keyboard.focused() == f"id_crimes-{n}-recorded_at"
        keyboard.type(recorded_at)  # on a copy, Tab selected the copied time: typing replaces it
    else:  # not recorded: say the victim was safeguarded (copied), tick the error (never copied)
        if not copied:
            keyboard.tab_to(f"id_crimes-{n}-safeguarding")
            keyboard.type("y")
        keyboard.tab_to(f"id_crimes-{n}-error_kinds_0")
        keyboard.press("Space")


def next_crime(keyboard, page, n):
    """From a crime's last field typed, on to crime ``n``'s expected offence with its "Next crime" button, past
    the victim flags and errors (the button adds the crime when there is none)."""
    keyboard.tab_to("Next crime")
    keyboard.press("Enter")
    assert keyboard.focused() == "Expected offence"
    assert page.evaluate(f"document.activeElement.closest('#crimes-{n}') !== null")


def test_ten_two_crime_cases_by_keyboard(new_page):
    make_user("insp", Role.INSPECTOR, is_staff=True)
    inspection = Inspection.objects.create(
        force=Force.objects.get(slug="gloucestershire"), status=Inspection.Status.FIELDWORK,
        audit_period_start=date(2024, 1, 1), audit_period_end=date(2024, 6, 30))
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "insp")
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.goto(f"/admin/audits/auditedcase/add/?inspection={inspection.pk}")
    keyboard = Keyboard(page)
    loads.clear()
    keys_before = 0

    # The form fits a 1,280-px screen: nothing scrolls sideways, the crimes included.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate("[...document.querySelectorAll('[tabindex]')].every(e => e.tabIndex <= 0)")

    for n in range(1, CASES + 1):
        copied = n > 1
        if n == 2:  # start the second case as a copy of the first: back from the reference to the link
            expect(page.locator("#id_reference")).to_be_focused()
            keyboard.tab_to("Copy the previous case", "Shift+Tab")
            keyboard.press("Enter")
            page.wait_for_url(re.compile(r"copy=previous"))
            expect(page.get_by_test_id("case-copy")).to_contain_text("Copied from case GLO/24/000001")
        expect(page.locator("#id_reference")).to_be_focused()
        keyboard.type(f"GLO/24/{n:06d}")
        keyboard.press("Tab")
        if not copied:
            keyboard.type("i")  # Incident (command and control) log
        keyboard.press("Tab")
        keyboard.type(f"{n:02d}/03/2024 09:{n:02d}")  # Tab selected the copied time: typing replaces it
        keyboard.tab_to("Expected offence")
        crime(keyboard, 0, expected="8N", recorded="8N", reference=f"CR{n:06d}", recorded_at=f"{n:02d}/03/2024 11:00",
              copied=copied)
        next_crime(keyboard, page, 1)  # the copy starts with two crimes; a new case gets its second here
        crime(keyboard, 1, expected="105A", recorded=None, reference="", recorded_at="", copied=copied)
        with page.expect_navigation():
            keyboard.press("Enter")  # on the last control a checkbox: Enter submits with "Save and next case"
        page.wait_for_load_state()
        expect(page.locator(".messagelist .success")).to_contain_text(f"GLO/24/{n:06d}")
        assert "?inspection=" in page.url and page.url.count("?") == 1 and page.url.count("inspection=") == 1
        print(f"case {n}: {keyboard.keys - keys_before} keys")
        keys_before = keyboard.keys

    cases = AuditedCase.objects.filter(inspection=inspection)
    assert cases.count() == CASES
    assert all(case.crimes.count() == 2 for case in cases)
    assert RecordingError.objects.filter(crime__case__inspection=inspection, kind="not_recorded").count() == CASES
    last = cases.get(reference=f"GLO/24/{CASES:06d}")
    assert last.reported_at.replace(tzinfo=None) == datetime(2024, 3, CASES, 9, CASES)
    first, second = last.crimes.order_by("pk")
    assert (first.expected_offence.name, first.recorded_offence.name) == ("Violence with injury",) * 2
    assert first.recorded_at.replace(tzinfo=None) == datetime(2024, 3, CASES, 11, 0)
    assert (second.expected_offence.name, second.recorded_offence, second.safeguarding) == (
        "Violence without injury", None, "yes")

    keys, page_loads = keyboard.keys / CASES, len(loads) / CASES
    print(f"\nCase entry: {keyboard.keys} keys and {len(loads)} page loads for {CASES} two-crime cases: "
          f"{keys:.1f} keys and {page_loads:.1f} page loads a case")
    assert keys <= MAX_KEYS_PER_CASE
    assert page_loads <= MAX_LOADS_PER_CASE
