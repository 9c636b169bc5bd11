"""Search by reference from every page's header: cases, crimes and findings, scoped like everything else, in
a fixed number of queries, refusing what is not a reference."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CaseFactory, CrimeFactory, FindingFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:search")


def found(client, query):
    response = client.get(SEARCH, {"q": query})
    return response, response.context["results"]


def test_a_case_crime_and_finding_are_found_by_reference(world, client_for):
    CrimeFactory(case=world.case, force_crime_reference="CR/777/24")
    client = client_for(world.people.staff_a)
    _, results = found(client, "tvp-a-0001")
    assert [case.reference for case in results.cases] == ["TVP-A-0001"]
    _, results = found(client, "777")
    assert [crime.force_crime_reference for crime in results.crimes] == ["CR/777/24"]
    response, results = found(client, "  TVP-A-R1 ")
    assert [finding.reference for finding in results.findings] == ["TVP-A-R1"]
    assert world.finding.get_absolute_url() in response.content.decode()


def test_another_forces_records_are_never_found(world, client_for):
    for who in ("staff_b", "manager_b"):
        _, results = found(client_for(getattr(world.people, who)), "TVP-A")
        assert results.count == 0
    _, results = found(client_for(world.people.staff_b), "GLO-B")
    assert [c.reference for c in results.cases] == ["GLO-B-0001"]
    assert [f.reference for f in results.findings] == ["GLO-B-R1"]
    _, results = found(client_for(world.people.manager), "-0001")  # a manager of every force sees both
    assert sorted(c.reference for c in results.cases) == ["GLO-B-0001", "TVP-A-0001"]


def test_exact_matches_come_first_and_an_empty_result_says_so(world, client_for):
    CaseFactory(inspection=world.inspection, reference="TVP-A-0001-B")
    CaseFactory(inspection=world.inspection, reference="A-TVP-A-0001")
    response, results = found(client_for(world.people.inspector), "TVP-A-0001")
    assert results.cases[0].reference == "TVP-A-0001" and len(results.cases) == 3
    response, _ = found(client_for(world.people.inspector), "NOTHING-LIKE-IT")
    assert "Nothing you can see has that reference" in response.content.decode()


@pytest.mark.parametrize("query,message", [("CR\x00/1", "contains a NUL character (%00)"),  # config.api, for every page
                                           ("CR/1\x1b[31m", "letters, digits and punctuation only"),
                                           ("9" * 65, "at most 64 characters")])
def test_what_is_not_a_reference_is_refused_clearly(world, client_for, query, message):
    response = client_for(world.people.inspector).get(SEARCH, {"q": query})
    assert response.status_code == 400 and message in response.content.decode()


@pytest.mark.parametrize("query", ["%", "_", "'; DROP TABLE audits_auditedcase; --", "’", "Ω", "\u202eR1"])
def test_odd_characters_are_searched_for_literally(world, client_for, query):
    CaseFactory(inspection=world.inspection, reference=f"ODD{query}CASE")
    response, results = found(client_for(world.people.inspector), query)
    assert response.status_code == 200 and [c.reference for c in results.cases] == [f"ODD{query}CASE"]


def test_the_search_uses_a_fixed_number_of_queries(world, client_for):
    client = client_for(world.people.inspector)
    with CaptureQueriesContext(connection) as few:
        client.get(SEARCH, {"q": "REF"})
    for n in range(30):
        CrimeFactory(case=CaseFactory(inspection=world.inspection, reference=f"REF-{n}"),
                     force_crime_reference=f"REF/CR/{n}")
        FindingFactory(inspection=world.inspection, reference=f"REF-R{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(SEARCH, {"q": "REF"})
    assert response.context["results"].count == 90
    assert len(many) == len(few)


def test_every_page_has_the_search_box_when_signed_in(world, client, client_for):
    assert 'role="search"' in client_for(world.people.staff_a).get(reverse("audits:home")).content.decode()
    assert 'role="search"' not in client.get(reverse("login")).content.decode()
