"""The Content-Security-Policy enforced in Chromium: an inspector walks the service's pages, the admin (with its
autocomplete, history and inlines), the reports with their charts and the API docs, and the browser reports no
policy violation and no console error on any of them."""

from datetime import date

import pytest
from playwright.sync_api import expect

from audits.models import PublishedResult
from forces.models import Force
from forces.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import CaseFactory, CrimeFactory, FindingFactory, InspectionFactory, make_user, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts: keeps each violation the browser reports. A violation with
# no source file comes from the test's own injected scripts (axe-core adds a <style> to measure some pages);
# one from the page names its document or script file.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  if (!event.sourceFile) return;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def watch(page):
    """Violations and console errors of every document ``page`` loads."""
    page.context.add_init_script(WATCH_VIOLATIONS)
    problems = []

    def console(message):
        # Messages from the test's injected scripts (axe-core) name a file, not a page of the service.
        if not message.location.get("url", "").startswith("http"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text} at {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return problems


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], (url, violations)


def test_every_kind_of_page_runs_under_the_policy_without_a_violation(new_page):
    tvp = Force.objects.get(slug="thames-valley")
    make_user("inspector", Role.INSPECTOR, is_staff=True)
    for year, rate in ((2018, "80.40"), (2019, "87.90")):
        published = InspectionFactory(force=tvp, published_on=date(year, 2, 1))
        PublishedResult.objects.create(inspection=published, category="all_crime", rate=rate, interval="1.75")
        publish(published)
    inspection = InspectionFactory(force=tvp, status="fieldwork")
    case = CaseFactory(inspection=inspection, reference="TVP-CSP-1")
    CrimeFactory(case=case)
    finding = FindingFactory(inspection=inspection, reference="R1")

    page = new_page()
    problems = watch(page)

    page.goto("/accounts/login/")
    assert "script-src 'self'" in page.context.request.get("/accounts/login/").headers["content-security-policy"]
    sign_in(page, "inspector")
    expect(page.locator("body.js-enabled")).to_have_count(1)  # the GOV.UK script, now a file, ran
    urls = [
        "/", f"/inspections/{inspection.pk}/", f"/cases/{case.pk}/", f"/inspections/{inspection.pk}/import/",
        f"/inspections/{inspection.pk}/sample/", f"/inspections/{inspection.pk}/cancellation-reviews/",
        "/moderation/", "/challenges/", "/findings/", finding.get_absolute_url(), "/findings/overdue/",
        "/reports/", f"/reports/forces/{tvp.slug}/", f"/reports/inspections/{inspection.pk}/", "/forces/",
        "/account/tokens/", "/admin/", "/admin/audits/auditedcase/", f"/admin/audits/auditedcase/{case.pk}/change/",
        f"/admin/audits/auditedcase/{case.pk}/history/", "/admin/audits/inspection/add/",
    ]
    for url in urls:
        visit(page, url)
    page.goto(f"/reports/forces/{tvp.slug}/")
    expect(page.locator("svg.app-chart").first).to_be_visible()
    assert problems == []


def test_the_api_docs_run_under_the_policy(browser, live_server):
    """Swagger UI is drf-spectacular's page, not the service's (axe is not run on it): it must still work with
    the policy enforced."""
    make_user("reader", Role.MANAGER)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    problems = watch(page)
    sign_in(page, "reader")
    visit(page, "/api/v1/docs/")
    expect(page.locator(".swagger-ui .info")).to_be_visible()  # Swagger UI drew itself from its script file
    expect(page.get_by_text("Crime data integrity audits API").first).to_be_visible()
    assert problems == []
    context.close()
