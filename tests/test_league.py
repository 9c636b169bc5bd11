"""League tables per category or result, through the real page and its CSV: each force's latest published figure
with its interval and year, forces without one listed with the reason, the interval-overlap reading, and the
comparison group (all forces, a region, forces picked), within the reader's scope."""

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, PublishedResultFactory, offence
from tests.factories import publish as publish_inspection

pytestmark = pytest.mark.django_db

CATEGORIES = {
    "all_crime": {"rate": "88.80", "interval": "2.10"},
    "violence_against_the_person": {"rate": "77.00", "interval": "3.00"},
    "sexual_offences": {"rate": "91.00", "interval": "4.00"},
    "rape": {"rate": None, "interval": None, "recorded": 62, "audited": 63},
    "vulnerable_victim": {"rate": None, "interval": None, "recorded": 22, "audited": 41},
}


@pytest.fixture
def league_world(world):
    """Thames Valley: a published inspection with a figure in every category above. Kent: a published all-crime
    figure only. Gloucestershire: an unpublished inspection only (the world's). Every other force: never
    inspected."""
    inspection = InspectionFactory(force=world.forces.a, year=2023)
    for category, figure in CATEGORIES.items():
        PublishedResultFactory(inspection=inspection, category=category, **figure)
    publish_inspection(inspection, date(2023, 6, 1))
    kent = InspectionFactory(force_id=_force("kent").pk, year=2019)
    PublishedResultFactory(inspection=kent, rate="96.60", interval="0.90")
    publish_inspection(kent, date(2019, 1, 1))
    return world


def _force(slug):
    from forces.models import Force

    return Force.objects.get(slug=slug)


def league_rows(client, **params):
    response = client.get(reverse("reports:league_csv"), params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], {row[1]: row for row in rows[1:]}


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_each_category_ranks_the_latest_published_figure_and_lists_uninspected_forces(league_world, client_for,
                                                                                       category):
    client = client_for(league_world.people.manager)
    _, rows = league_rows(client, category=category)
    assert len(rows) == 43
    thames = rows["Thames Valley Police"]
    figure = CATEGORIES[category]
    if figure["rate"]:
        assert thames[5] == f"{float(figure['rate']):.1f}% ± {float(figure['interval']):.2f}"
        assert thames[10] == "published"
    else:  # counts published without an interval: none is called published
        assert thames[5] == f"{figure['recorded']} of {figure['audited']} ({figure['recorded'] / figure['audited']:.1%})"
        assert "±" not in thames[5] and thames[10] == "computed from the published counts"
    assert thames[3] == "2023" and thames[0] == ("2" if category == "all_crime" else "1")  # Kent first in all crime
    assert rows["Surrey Police"][13] == "Never inspected"
    assert rows["Gloucestershire Constabulary"][13] == "Inspected, but no inspection published yet"
    if category != "all_crime":
        assert rows["Kent Police"][13] == "Kent Police crime data integrity inspection 2019 published no " \
                                          f"{_label(category).lower()} figure"
    page = client.get(reverse("reports:league"), {"category": category})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="league-row-surrey"' in text and "Never inspected" in text


def _label(category):
    from core.categories import RESULT_AREA_LABELS

    return RESULT_AREA_LABELS[category]


def test_the_overlap_reading_counts_neighbouring_intervals(league_world, client_for):
    client = client_for(league_world.people.manager)
    response = client.get(reverse("reports:league"))
    text = response.content.decode()
    # Kent 96.6 ± 0.9 (95.7 to 97.5) and Thames Valley 88.8 ± 2.1 (86.7 to 90.9): apart.
    assert "The one pair of neighbouring forces with intervals does not overlap" in text
    _, rows = league_rows(client)
    assert rows["Kent Police"][0] == "1" and rows["Kent Police"][11] == "No"
    assert rows["Thames Valley Police"][0] == "2"


def test_a_region_or_picked_forces_narrow_the_table(league_world, client_for):
    client = client_for(league_world.people.manager)
    _, rows = league_rows(client, group="region", region="South East")
    assert set(rows) == {"Thames Valley Police", "Kent Police", "Hampshire and Isle of Wight Constabulary",
                         "Surrey Police", "Sussex Police"}
    _, rows = league_rows(client, group="picked", forces=["kent", "gloucestershire"])
    assert set(rows) == {"Kent Police", "Gloucestershire Constabulary"}


def test_force_staff_compare_only_the_forces_they_may_see(league_world, client_for):
    client = client_for(league_world.people.staff_b)
    _, rows = league_rows(client)
    assert set(rows) == {"Gloucestershire Constabulary"}
    response = client.get(reverse("reports:league"), {"group": "picked", "forces": ["thames-valley", "gloucestershire"]})
    assert response.status_code == 400
    assert "Select a valid choice. thames-valley is not one of the available choices." in response.content.decode()
    assert "Thames Valley Police" not in response.content.decode()


@pytest.mark.parametrize("params, message", [
    ({"category": "burglary"}, "Select a valid choice. burglary is not one of the available choices."),
    ({"group": "everyone"}, "Select a valid choice. everyone is not one of the available choices."),
    ({"group": "region"}, "Choose the region to compare."),
    ({"group": "region", "region": "Atlantis"}, "Select a valid choice. Atlantis is not one of the available choices."),
    ({"group": "picked", "forces": ["kent"]}, "Pick at least two forces to compare."),
])
def test_bad_choices_are_refused_with_the_reason_and_no_table(league_world, client_for, params, message):
    client = client_for(league_world.people.manager)
    for name in ("reports:league", "reports:league_csv"):
        response = client.get(reverse(name), params)
        assert response.status_code == 400
        text = response.content.decode()
        assert message in text and 'data-testid="league-title"' not in text


def test_a_force_whose_latest_inspection_did_not_audit_a_category_shows_its_earlier_figure(league_world, client_for):
    later = InspectionFactory(force=league_world.forces.a, year=2025, audited_areas=["all_crime"])
    PublishedResultFactory(inspection=later, rate="90.00", interval="1.00")
    publish_inspection(later, date(2025, 3, 1))
    _, rows = league_rows(client_for(league_world.people.manager), category="violence_against_the_person")
    assert rows["Thames Valley Police"][3] == "2023" and rows["Thames Valley Police"][5] == "77.0% ± 3.00"


def test_computed_figures_stand_beside_published_ones(league_world, client_for):
    inspection = InspectionFactory(force=_force("surrey"), year=2024)
    PublishedResultFactory(inspection=inspection, rate="80.00", interval="5.00")
    case = CaseFactory(inspection=inspection)
    CrimeFactory(case=case)
    CrimeFactory(case=case, expected_offence=offence("Rape"))
    ErrorFactory(crime__case=case)
    publish_inspection(inspection, date(2024, 5, 1))
    _, rows = league_rows(client_for(league_world.people.manager))
    surrey = rows["Surrey Police"]
    assert surrey[5] == "80.0% ± 5.00" and surrey[6].startswith("2 of 3 (66.7%")
    _, rows = league_rows(client_for(league_world.people.manager), category="rape")
    assert rows["Surrey Police"][5] == "" and rows["Surrey Police"][6].startswith("1 of 1 (100.0%")
    assert rows["Surrey Police"][10] == "computed"


def test_the_league_uses_a_fixed_number_of_queries(league_world, client_for):
    client = client_for(league_world.people.manager)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reports:league"), {"category": "rape"}).status_code == 200
        return len(queries)

    small = count()
    for slug in ("surrey", "sussex", "essex"):
        inspection = InspectionFactory(force=_force(slug), year=2022)
        PublishedResultFactory(inspection=inspection, category="rape", rate=None, interval=None, recorded=9,
                               audited=10)
        CrimeFactory(case=CaseFactory(inspection=inspection))
        publish_inspection(inspection, date(2022, 2, 1))
    assert count() == small


def test_the_overview_links_to_the_league_tables(league_world, client_for):
    text = client_for(league_world.people.manager).get(reverse("reports:overview")).content.decode()
    assert re.search(r'href="/reports/league/"', text)
