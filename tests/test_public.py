"""The public page of published results at /public/: no sign-in, only the frozen published record and published
findings' status and dates; never a provisional figure, a case, an internal note, a username or an evidence file."""

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import Inspection
from core.categories import RESULT_AREA_CHOICES
from recommendations.models import Finding, FollowUp
from tests.factories import (
    CaseFactory,
    CrimeFactory,
    ErrorFactory,
    EvidenceFactory,
    FindingFactory,
    FollowUpFactory,
    InspectionFactory,
    PublishedResultFactory,
    make_user,
    publish,
)

pytestmark = pytest.mark.django_db

# Distinctive strings planted where the public must never see them.
SECRETS = {
    "unpublished inspection's published-report figure": "12.3",
    "unpublished inspection's case": "SECRET-CASE-0042",
    "published inspection's case": "PUBLISHED-CASE-0777",
    "unpublished finding": "UNPUBLISHED-FINDING-GRUE",
    "internal note": "INTERNAL-NOTE-XYZZY",
    "force-visible comment": "FORCE-COMMENT-QWERTY",
    "evidence file": "EVIDENCE-PLUGH",
    "username": "username-frobozz",
    "inspection notes": "INSPECTION-NOTE-ZORK",
    "world's case": "TVP-A-0001",
    "world's unpublished finding": "TVP-A-R1",
    "world's cancellation review": "TVP-A-CX1",
    "live figure after publication": "3 of 3",
}


@pytest.fixture
def planted(world):
    """Force A: a published inspection (2 of 2 recorded when frozen; a third crime added after publication) with a
    published finding carrying an internal note, a force comment and an evidence file by a named user. Force B:
    an unpublished inspection with a published-report figure of 12.34% and cases, and an unpublished finding."""
    author = make_user("username-frobozz", None)
    published = InspectionFactory(force=world.forces.a, notes="INSPECTION-NOTE-ZORK", year=2023)
    PublishedResultFactory(inspection=published, rate="88.80", interval="2.10")
    case = CaseFactory(inspection=published, reference="PUBLISHED-CASE-0777")
    CrimeFactory(case=case)
    CrimeFactory(case=case)
    publish(published, date(2024, 3, 1))
    # Reopened, and a crime added: the live figure is 3 of 3, the published one still 2 of 2.
    Inspection.objects.filter(pk=published.pk).update(status=Inspection.Status.MODERATION)
    CrimeFactory(case=case)
    finding = FindingFactory(inspection=published, reference="PUB-R1", text="Record every reported crime promptly.",
                             status=Finding.Status.IN_PROGRESS)
    FollowUpFactory(finding=finding, author=author, comment="FORCE-COMMENT-QWERTY", status_from="open",
                    status_to="in_progress")
    FollowUpFactory(finding=finding, author=author, comment="INTERNAL-NOTE-XYZZY",
                    visibility=FollowUp.Visibility.INTERNAL, version=2)
    EvidenceFactory(follow_up__finding=finding, follow_up__author=author, original_name="EVIDENCE-PLUGH.pdf")
    unpublished = InspectionFactory(force=world.forces.b)
    PublishedResultFactory(inspection=unpublished, rate="12.34", interval="9.99")
    CrimeFactory(case=CaseFactory(inspection=unpublished, reference="SECRET-CASE-0042"))
    FindingFactory(inspection=unpublished, reference="U1", text="UNPUBLISHED-FINDING-GRUE")
    return published


def _text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def crawl(client, start="/public/"):
    """Every page under /public/ reachable from ``start`` by its links: {path: text}."""
    seen, queue = {}, [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response)
        seen[url] = text
        if response["Content-Type"].startswith("text/html"):
            for href in re.findall(r'href="([^"#]+)"', text):
                href = href.replace("&amp;", "&")
                if href.startswith("/public/") and href not in seen:
                    queue.append(href)
    return seen


def test_an_anonymous_crawl_of_public_shows_nothing_unpublished_or_internal(world, planted):
    client = Client()
    pages = crawl(client)
    force_page = reverse("reports:public_force", args=[world.forces.a.slug])
    assert force_page in pages and reverse("reports:public_csv") in pages
    assert reverse("reports:public_findings_csv", args=[world.forces.a.slug]) in pages
    assert len(pages) > 43  # the national table, its CSV, and every force's page
    for url, text in pages.items():
        for what, secret in SECRETS.items():
            assert secret not in text, f"{what} ({secret!r}) shown at {url}"
    # What is published is there: the frozen figure, the finding and its status, with dates.
    page = pages[force_page]
    assert "88.8% ± 2.10" in page and "2 of 2" in page
    assert "PUB-R1" in page and "Record every reported crime promptly." in page and "In progress" in page


def test_every_category_of_the_public_table_shows_nothing_unpublished(world, planted):
    client = Client()
    for area, _ in RESULT_AREA_CHOICES:
        text = _text(client.get(reverse("reports:public"), {"category": area}))
        csv_text = _text(client.get(reverse("reports:public_csv"), {"category": area}))
        for secret in SECRETS.values():
            assert secret not in text and secret not in csv_text, (area, secret)


def test_public_pages_need_no_sign_in_but_the_rest_of_the_site_still_does(world, planted):
    client = Client()
    for url in [reverse("reports:public"), reverse("reports:public_force", args=["thames-valley"]),
                reverse("reports:public_csv"), reverse("reports:public_force_csv", args=["thames-valley"]),
                reverse("reports:public_findings_csv", args=["thames-valley"])]:
        assert client.get(url).status_code == 200, url
    for url in [reverse("reports:overview"), reverse("reports:league"), reverse("reports:force", args=["thames-valley"])]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_public_pages_refuse_writes_and_unknown_forces(world):
    client = Client()
    assert client.post(reverse("reports:public")).status_code == 405
    assert client.get(reverse("reports:public_force", args=["no-such-force"])).status_code == 404
    assert client.get(reverse("reports:public_findings_csv", args=["no-such-force"])).status_code == 404


def test_the_public_table_lists_every_force_with_a_reason_when_it_has_no_published_figure(world, planted):
    response = Client().get(reverse("reports:public"))
    text = _text(response)
    assert text.count('data-testid="league-row-') == 43
    # Force B's only inspection is unpublished: the public sees no published inspection, not that one exists.
    row = re.search(r'data-testid="league-row-gloucestershire">(.*?)</tr>', text, re.S).group(1)
    assert "No published inspection" in row and "12.3" not in row
    rows = list(csv.reader(io.StringIO(_text(Client().get(reverse("reports:public_csv"))).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Position", "Force"] and len(rows) == 44
    thames = next(r for r in rows if r[1] == "Thames Valley Police")
    assert thames[0] == "1" and thames[5] == "88.8% ± 2.10" and thames[6].startswith("2 of 2")


def test_bad_choices_on_the_public_table_are_refused_with_a_reason(world):
    client = Client()
    response = client.get(reverse("reports:public"), {"category": "burglary"})
    assert response.status_code == 400 and "Select a valid choice" in _text(response)
    response = client.get(reverse("reports:public"), {"group": "region"})
    assert response.status_code == 400 and "Choose the region to compare." in _text(response)
    response = client.get(reverse("reports:public_csv"), {"group": "picked", "forces": ["kent"]})
    assert response.status_code == 400 and "Pick at least two forces to compare." in _text(response)


def test_public_findings_status_date_is_never_an_internal_notes(world, planted):
    finding = Finding.objects.get(reference="PUB-R1")
    force_change = finding.follow_ups.get(visibility=FollowUp.Visibility.FORCE, status_to="in_progress")
    FollowUp.objects.filter(pk=force_change.pk).update(created_at="2024-04-02T10:00:00Z")
    author = make_user("insp-notes", None)
    internal = FollowUpFactory(finding=finding, author=author, comment="internal", status_from="in_progress",
                               status_to="in_progress", visibility=FollowUp.Visibility.INTERNAL, version=3)
    FollowUp.objects.filter(pk=internal.pk).update(created_at="2024-09-09T10:00:00Z")
    rows = list(csv.reader(io.StringIO(_text(Client().get(
        reverse("reports:public_findings_csv", args=["thames-valley"]))).lstrip("\ufeff"))))
    assert rows[0] == ["Reference", "Kind", "Finding", "Published", "Timescale", "Due", "Status", "Status since"]
    assert rows[1][0] == "PUB-R1" and rows[1][6] == "In progress" and rows[1][7] == "02/04/2024"
    assert len(rows) == 2  # the unpublished inspection's finding is not there


def grow(world):
    """More of everything the public pages show."""
    for year in (2019, 2020):
        inspection = InspectionFactory(force=world.forces.a, year=year)
        PublishedResultFactory(inspection=inspection, rate="85.00", interval="2.00")
        PublishedResultFactory(inspection=inspection, category="rape", rate=None, interval=None, recorded=50,
                               audited=60)
        CrimeFactory(case=CaseFactory(inspection=inspection))
        publish(inspection, date(year, 6, 1))
        for n in range(3):
            finding = FindingFactory(inspection=inspection)
            FollowUpFactory(finding=finding, status_from="open", status_to="in_progress")
    other = InspectionFactory(force=world.forces.b, year=2021)
    PublishedResultFactory(inspection=other)
    ErrorFactory(crime__case__inspection=other)
    publish(other, date(2021, 5, 1))


PUBLIC_URLS = {
    "national": lambda: reverse("reports:public"),
    "national rape": lambda: reverse("reports:public") + "?category=rape",
    "national csv": lambda: reverse("reports:public_csv"),
    "force": lambda: reverse("reports:public_force", args=["thames-valley"]),
    "force csv": lambda: reverse("reports:public_force_csv", args=["thames-valley"]),
    "findings csv": lambda: reverse("reports:public_findings_csv", args=["thames-valley"]),
}


@pytest.mark.parametrize("name", sorted(PUBLIC_URLS))
def test_public_pages_use_a_fixed_number_of_queries(world, planted, name):
    client = Client()
    url = PUBLIC_URLS[name]()

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            assert response.status_code == 200
            _text(response)
        return len(queries)

    small = count()
    grow(world)
    assert count() == small
    assert small <= 12
