"""The pages people see: a start page per role, forces, an inspection with its summary and cases, a case."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from audits.models import AuditedCase
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_sign_in_page_and_sign_in_with_a_wrong_password(world, client):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and "Sign in" in text(page)
    response = client.post(reverse("login"), {"username": "insp", "password": "wrong"})
    assert "There is a problem" in text(response) and "Please enter a correct username and password" in text(response)
    response = client.post(reverse("login"), {"username": "insp", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == reverse("audits:home")


@pytest.mark.parametrize("url,title", [
    ("/accounts/login/", "Sign in – Crime data integrity audits"),
    ("/", "Start – Crime data integrity audits"),
    ("/forces/", "Forces – Crime data integrity audits"),
])
def test_every_page_title_names_the_page_then_the_service(world, client, client_for, url, title):
    page = (client if url == "/accounts/login/" else client_for(world.people.inspector)).get(url).content.decode()
    assert f"<title>{title}</title>" in page


def test_sign_out_is_a_post(world, client_for):
    client = client_for(world.people.staff_a)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("audits:home")).status_code == 302


def test_start_page_for_an_inspector_lists_work_in_progress_and_cases_to_moderate(world, client_for):
    AuditedCase.objects.filter(pk=world.case.pk).update(moderation_state="submitted")
    page = text(client_for(world.people.inspector2).get(reverse("audits:home")))
    assert "Plan an inspection" in page and "TVP-A-0001" in page and "Inspections in fieldwork and moderation" in page
    own = text(client_for(world.people.inspector).get(reverse("audits:home")))
    assert "No cases are waiting for you." in own  # their own case is not theirs to moderate


def test_start_page_for_force_staff_names_their_force_only(world, client_for):
    page = text(client_for(world.people.staff_a).get(reverse("audits:home")))
    assert "Thames Valley Police" in page and "Gloucestershire" not in page
    assert "Plan an inspection" not in page and "Enter audits" not in page


def test_start_page_for_someone_without_a_role(world, client_for):
    assert "Your account has no role yet" in text(client_for(world.people.nobody).get(reverse("audits:home")))


def test_force_list_and_region_filter(world, client_for):
    client = client_for(world.people.manager)
    page = text(client.get(reverse("forces:list")))
    assert "43 forces" in page
    page = text(client.get(reverse("forces:list"), {"region": "Wales"}))
    assert "4 forces" in page and "Gwent Police" in page and "Thames Valley" not in page
    assert "1 force" in text(client_for(world.people.staff_b).get(reverse("forces:list")))


def test_force_page_lists_its_inspections(world, client_for):
    page = text(client_for(world.people.staff_a).get(reverse("forces:detail", args=["thames-valley"])))
    assert world.inspection.get_absolute_url() in page and world.inspection_b.get_absolute_url() not in page


def test_inspection_page_shows_summary_published_figures_and_cases(world, client_for):
    response = client_for(world.people.staff_a).get(world.inspection.get_absolute_url())
    page = text(response)
    summary = response.context["summary"]
    assert (summary["audited"], summary["recorded"], summary["recorded_as_expected"]) == (3, 2, 1)
    assert dict((kind.value, n) for kind, n in summary["errors"]) == {
        "not_recorded": 1, "misclassified": 1, "n100_misused": 0, "recorded_late": 0, "wrongly_cancelled": 0,
        "additional_crime_missed": 0, "victim_not_told": 0}
    assert 'data-testid="crimes-audited">3<' in page
    assert "Published figures" in page and "80.4% ± 1.75%" in page and "Computed from audited cases" in page
    assert "TVP-A-0001" in page and "Synthetic data" not in page


def test_inspection_page_without_cases_says_so(world, client_for):
    page = text(client_for(world.people.inspector).get(world.inspection_b.get_absolute_url().replace(
        str(world.inspection_b.pk), str(world.inspection_b.pk))))
    assert "No published figures have been entered" in page
    AuditedCase.objects.filter(inspection=world.inspection_b).delete()
    page = text(client_for(world.people.inspector).get(world.inspection_b.get_absolute_url()))
    assert "No crimes have been audited" in page and "No cases have been entered yet." in page


def test_case_filters_on_the_inspection_page(world, client_for):
    other = CaseFactory(inspection=world.inspection, reference="TVP-A-0002", source="crime_bureau")
    CrimeFactory(case=other)
    client = client_for(world.people.inspector)
    page = text(client.get(world.inspection.get_absolute_url(), {"error": "misclassified"}))
    assert "TVP-A-0001" in page and "TVP-A-0002" not in page
    page = text(client.get(world.inspection.get_absolute_url(), {"source": "crime_bureau"}))
    assert "TVP-A-0001" not in page and "TVP-A-0002" in page
    page = text(client.get(world.inspection.get_absolute_url(), {"category": "rape", "reference": "0002"}))
    assert "No cases match these filters." in page
    page = text(client.get(world.inspection.get_absolute_url(), {"error": "not-a-kind"}))
    assert "Select a valid choice" in page


def test_cases_are_paginated(world, client_for, settings):
    settings.PAGE_SIZE = 2
    for n in range(3):
        CaseFactory(inspection=world.inspection, reference=f"TVP-P-{n}")
    client = client_for(world.people.inspector)
    first = text(client.get(world.inspection.get_absolute_url()))
    assert "Page 1 of 2" in first and "TVP-P-2" not in first
    second = text(client.get(world.inspection.get_absolute_url(), {"page": 2}))
    assert "TVP-P-2" in second


def test_csv_export_has_a_row_per_crime_uses_the_filters_and_escapes_formulas(world, client_for):
    AuditedCase.objects.filter(pk=world.case.pk).update(reference="=HYPERLINK(\"http://x\")")
    client = client_for(world.people.staff_a)
    url = reverse("audits:inspection_cases_csv", args=[world.inspection.pk])
    rows = csv_rows(client.get(url))
    assert rows[0][:2] == ["case reference", "source"]
    assert len(rows) == 4
    assert all(row[0] == "'=HYPERLINK(\"http://x\")" for row in rows[1:])
    errors, rules = rows[0].index("recording errors"), rows[0].index("rules cited")
    assert sorted(row[errors] for row in rows[1:]) == ["", "Misclassified", "Not recorded"]
    assert sorted(row[rules] for row in rows[1:]) == ["", "HOCR-CLASS", "NCRS-DECISION"]
    filtered = csv_rows(client.get(url, {"error": "misclassified"}))
    assert len(filtered) == 4  # the case matches, all of its crimes come with it
    none = csv_rows(client.get(url, {"source": "crime_bureau"}))
    assert len(none) == 1


def test_case_page_shows_crimes_and_errors(world, client_for):
    page = text(client_for(world.people.staff_a).get(world.case.get_absolute_url()))
    assert "Other sexual offences" in page and "Misclassified" in page and "Not recorded" in page


def grow(world, cases):
    for n in range(cases):
        case = CaseFactory(inspection=world.inspection, reference=f"TVP-G-{n:04d}")
        CrimeFactory(case=case)
        ErrorFactory(crime__case=case)


@pytest.mark.parametrize("page", ["home", "forces", "force", "inspection", "case", "csv"])
def test_pages_use_the_same_number_of_queries_whatever_the_data_size(world, client_for, page):
    client = client_for(world.people.inspector)
    urls = {
        "home": reverse("audits:home"),
        "forces": reverse("forces:list"),
        "force": reverse("forces:detail", args=["thames-valley"]),
        "inspection": world.inspection.get_absolute_url(),
        "case": world.case.get_absolute_url(),
        "csv": reverse("audits:inspection_cases_csv", args=[world.inspection.pk]),
    }

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(urls[page])
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(queries)

    small = count()
    grow(world, 30)
    assert count() == small


def test_favicon_and_health_need_no_sign_in(client, db):
    assert client.get("/favicon.ico")["Location"].endswith("favicon.ico")
    assert client.get(reverse("forces:health")).content == b"ok"


@pytest.mark.parametrize("params,expected", [({"region": "Wales"}, 4), ({"country": "Wales"}, 4),
                                             ({"region": "Wales", "country": "England"}, 0), ({"region": ""}, 43)])
def test_the_force_page_and_api_filter_by_the_same_parameters(world, client_for, params, expected):
    page = client_for(world.people.manager).get(reverse("forces:list"), params)
    assert len(page.context["forces"]) == expected
    api = APIClient()
    api.force_authenticate(world.people.manager)
    assert api.get(reverse("api:force-list"), params).json()["count"] == expected
