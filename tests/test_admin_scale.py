"""The inspectors' admin screens at national scale: every list, filter, search, page and autocomplete runs a
fixed number of queries whatever the number of forces, inspections, cases and findings (issue 13)."""

from datetime import date

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits import admin as admin_module
from audits.admin import FromEitherEndPaginator
from audits.models import AuditedCase, CancellationReview, Inspection
from forces.models import Force
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, FindingFactory, InspectionFactory, offence

pytestmark = pytest.mark.django_db

CASES = reverse("admin:audits_auditedcase_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")

#: The audited case list as inspectors use it: every filter, search, sort and a later page.
CASE_LIST_QUERIES = {
    "all": "",
    "force": "force=thames-valley",
    "inspection": "inspection__id__exact={inspection}",
    "source": "source__exact=incident_log",
    "category": "category=rape",
    "error kind": "error=misclassified",
    "moderation state": "moderation_state__exact=draft",
    "victim flag": "victim=domestic_abuse",
    "another victim flag": "victim=vulnerable_victim",
    "outcome": "outcome__exact=no_crime",
    "anonymous report": "anonymous_report__exact=1",
    "third-party report": "third_party_report__exact=0",
    "search by reference": "q=TVP-A",
    "search by crime reference": "q=CR-42",
    "year reported": "reported=2024",
    "sorted by date reported": "o=4",
    "sorted by crimes": "o=5",
    "sorted by inspection": "o=2.-1",
    "page 2": "p=2",
    "combined": "force=thames-valley&error=misclassified&moderation_state__exact=draft&q=TVP",
    "counts asked for": "_facets=True",
}

NUL_MESSAGE = "The address contains a NUL character (%00), which no address may hold."

#: Every autocomplete the admin forms use.
AUTOCOMPLETES = [
    ("audits", "auditedcase", "inspection", "thames"),
    ("audits", "inspection", "force", "thames"),
    ("audits", "inspection", "previous_inspection", "thames"),
    ("audits", "auditedcrime", "expected_offence", "rap"),
    ("audits", "auditedcrime", "recorded_offence", "rap"),
    ("audits", "publishedresult", "inspection", "thames"),
    ("audits", "cancellationreview", "inspection", "thames"),
    ("recommendations", "finding", "inspection", "thames"),
    ("recommendations", "finding", "parent", "R"),
    ("forces", "recordedcrimevolume", "force", "thames"),
    ("forces", "forcemembership", "force", "thames"),  # the user form's force
]


def grow(world, forces=6, cases=3):
    """More forces with inspections, each with cases, crimes, errors, findings and reviewed cancellations;
    and more cases in force A's inspection (past the first page of the case list: 100 a page)."""
    for force in Force.objects.exclude(pk__in=[world.forces.a.pk, world.forces.b.pk]).order_by("pk")[:forces]:
        for year in (2018, 2022):
            inspection = InspectionFactory(force=force, audit_period_start=date(year, 1, 1),
                                           audit_period_end=date(year, 6, 30), published_on=date(year + 1, 2, 1))
            for n in range(cases):
                case = CaseFactory(inspection=inspection, reference=f"{force.slug[:3]}-{year}-{n}",
                                   anonymous_report=n % 2 == 0)
                CrimeFactory(case=case, force_crime_reference=f"CR-42-{inspection.pk}-{n}",
                             domestic_abuse=n % 2 == 0, vulnerable_victim=True)
                ErrorFactory(crime__case=case, crime__expected_offence=offence("Rape"), kind="not_recorded")
            parent = FindingFactory(inspection=inspection, kind="cause_of_concern", reference=f"{force.slug}-C1")
            FindingFactory(inspection=inspection, parent=parent, reference=f"{force.slug}-R1")
            CancellationReview.objects.create(
                inspection=inspection, reference=f"{force.slug}-X1", category="rape", ground="C2",
                avi_evidenced="yes", ddm_authorised=True, victim_told=True, verdict="correct")
    for n in range(110):
        CaseFactory(inspection=world.inspection, reference=f"TVP-A-G{n:04d}", anonymous_report=n % 3 == 0)


def queries_for(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), response


def assert_constant(world, client, requests):
    """The same number of queries for each request before and after the database grows."""
    small = {name: queries_for(client, url, params)[0] for name, (url, params) in requests().items()}
    grow(world)
    assert Inspection.objects.count() >= 14 and AuditedCase.objects.count() >= 140
    large = {name: queries_for(client, url, params)[0] for name, (url, params) in requests().items()}
    assert large == small, (small, large)


def test_every_case_list_filter_search_and_page_runs_a_fixed_number_of_queries(world, client_for):
    client = client_for(world.people.inspector)

    def requests():
        return {name: (f"{CASES}?{query.format(inspection=world.inspection.pk)}", None)
                for name, query in CASE_LIST_QUERIES.items()}

    assert_constant(world, client, requests)


@pytest.mark.parametrize("model_admin", [f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry])
def test_every_admin_list_runs_a_fixed_number_of_queries(world, client_for, model_admin):
    """Each list, its search and each of its filters (the first choice each filter offers)."""
    app_label, model_name = model_admin.split(".")
    client = client_for(world.people.admin)
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    filters = first_choice_of_each_filter(client, url)
    assert_constant(world, client, lambda: {"list": (url, None), "search": (url, {"q": "Thames"}),
                                            **{title: (f"{url}{query}", None) for title, query in filters.items()}})


def first_choice_of_each_filter(client, url):
    """The query string of the first choice (after "All") of each of the list's filters."""
    cl = client.get(url).context["cl"]
    found = {}
    for spec in cl.filter_specs:
        choices = [choice for choice in spec.choices(cl) if not choice["selected"]]
        if choices:
            found[f"filter {spec.title}"] = choices[0]["query_string"]
    return found


def test_the_filters_of_the_inspection_finding_and_case_lists_are_all_tried(world, client_for):
    """first_choice_of_each_filter finds every filter the busy lists have (so the test above tries each)."""
    client = client_for(world.people.admin)
    FindingFactory(inspection=world.inspection, kind="cause_of_concern", reference="TVP-C1")
    for name, count in [("audits_inspection", 4), ("recommendations_finding", 6), ("audits_auditedcase", 11)]:
        filters = first_choice_of_each_filter(client, reverse(f"admin:{name}_changelist"))
        assert len(filters) == count, (name, filters)


@pytest.mark.parametrize("source", AUTOCOMPLETES, ids=lambda source: ".".join(source[1:3]))
def test_every_autocomplete_runs_a_fixed_number_of_queries(world, client_for, source):
    app_label, model_name, field_name, term = source
    client = client_for(world.people.inspector)
    params = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term}
    assert_constant(world, client, lambda: {"search": (AUTOCOMPLETE, params), "all": (AUTOCOMPLETE, {**params, "term": ""})})


def listed(response):
    return [case.reference for case in response.context["cl"].result_list]


def test_the_inspection_filter_lists_inspections_from_the_inspections_table_and_filters_the_cases(world, client_for):
    client = client_for(world.people.inspector)
    page = client.get(CASES)
    inspection_filter = next(spec for spec in page.context["cl"].filter_specs if spec.title == "inspection")
    titles = dict(inspection_filter.lookup_choices)
    assert titles[str(world.inspection.pk)] == world.inspection.title
    assert titles[str(world.inspection_b.pk)] == world.inspection_b.title
    # Chosen from the inspection's own "View the cases" link (the parameter Django's related filter used).
    page = client.get(CASES, {"inspection__id__exact": world.inspection.pk})
    assert listed(page) == ["TVP-A-0001"]
    # With a force chosen, only that force's inspections are offered.
    page = client.get(CASES, {"force": "gloucestershire"})
    inspection_filter = next(spec for spec in page.context["cl"].filter_specs if spec.title == "inspection")
    assert [value for value, _ in inspection_filter.lookup_choices] == [str(world.inspection_b.pk)]
    assert listed(page) == ["GLO-B-0001"]


@pytest.mark.parametrize("query", [
    "inspection__id__exact=abc", "inspection__id__exact=99999999999999999999999", "inspection__id__exact=1%00",
    "inspection__id__exact=-1", "force=no-such-force", "force=thames%00valley", "reported=0000", "reported=99999",
    "reported=2024%00", "error=%00", "category=%00", "moderation_state__exact=%00", "source__exact=%00",
    "anonymous_report__exact=%00", "outcome__exact=%00", "victim=%00", "p=%00",
])
def test_a_filter_value_that_means_nothing_is_refused_with_django_s_message_not_an_error(world, client_for, query):
    client = client_for(world.people.inspector)
    response = client.get(f"{CASES}?{query}")
    if "%00" in query:  # PostgreSQL cannot hold a NUL: refused for every page before a view runs (config.api)
        assert response.status_code == 400 and NUL_MESSAGE in response.content.decode()
        return
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")
        assert "Database error" not in client.get(response["Location"]).content.decode()


def test_an_inspection_of_another_force_is_not_offered_to_nor_filtered_for_nobody_outside_scope(world, client_for):
    # Only inspectors and administrators use the admin (all forces); the filter still goes through for_user.
    client = client_for(world.people.staff_a)
    assert client.get(f"{CASES}?inspection__id__exact={world.inspection_b.pk}").status_code == 403


@pytest.mark.parametrize("term,expected", [
    ("TVP-A", ["TVP-A-0001"]), ("tvp-a-0001", ["TVP-A-0001"]), ("CR-77", ["TVP-A-0001"]), ("cr-77 TVP", ["TVP-A-0001"]),
    ("GLO", ["GLO-B-0001"]), ('"TVP-A-0001"', ["TVP-A-0001"]), ("nothing-like-it", []),
    ("'", []), ("%", []), ("_", []),  # LIKE's wildcards are searched for as themselves
])
def test_search_finds_a_case_by_its_reference_or_a_crime_s_force_reference_once(world, client_for, term, expected):
    world.misclassified.force_crime_reference = "CR-77"
    world.misclassified.save()
    world.recorded.force_crime_reference = "CR-77-B"  # two crimes match: the case is listed once
    world.recorded.save()
    page = client_for(world.people.inspector).get(CASES, {"q": term})
    assert page.status_code == 200
    assert sorted(listed(page)) == expected


def test_a_search_holding_a_nul_is_refused_by_name(world, client_for):
    page = client_for(world.people.inspector).get(CASES, {"q": "TVP\x00-A"})
    assert page.status_code == 400 and NUL_MESSAGE in page.content.decode()


def test_the_year_reported_filter_offers_the_audit_periods_years(world, client_for):
    CaseFactory(inspection=world.inspection, reference="TVP-A-2023",
                reported_at=world.case.reported_at.replace(year=2023))
    client = client_for(world.people.inspector)
    page = client.get(CASES)
    years = next(spec for spec in page.context["cl"].filter_specs if spec.title == "year reported").lookup_choices
    assert years == [("2024", "2024")]  # both inspections audit January to June 2024
    page = client.get(CASES, {"reported": "2024"})
    assert sorted(listed(page)) == ["GLO-B-0001", "TVP-A-0001"]


def test_the_case_list_sorts_by_indexed_columns_only_and_shows_each_case_s_crimes(world, client_for):
    client = client_for(world.people.inspector)
    page = client.get(CASES, {"o": "-1"})  # by reference, descending
    assert listed(page) == ["TVP-A-0001", "GLO-B-0001"]
    counts = {case.reference: case.crime_count for case in page.context["cl"].result_list}
    assert counts == {"TVP-A-0001": 3, "GLO-B-0001": 1}
    assert set(page.context["cl"].model_admin.sortable_by) == {"reference", "reported_at"}
    inspections = client.get(reverse("admin:audits_inspection_changelist")).context["cl"].result_list
    assert {inspection.pk: inspection.case_count for inspection in inspections} == {
        world.inspection.pk: 1, world.inspection_b.pk: 1}


@pytest.mark.parametrize("query", ["", "o=-1", "o=4", "q=TVP", "anonymous_report__exact=1"])
def test_every_page_of_the_case_list_holds_the_rows_django_s_own_paginator_gives(world, client_for, query):
    """The case list reads later pages by their ids, and pages in the back half from the end: page by page,
    the same rows in the same order as plain OFFSET pagination, with nothing left out or repeated."""
    from django.core.paginator import Paginator

    grow(world, forces=2, cases=2)
    client = client_for(world.people.inspector)
    first = client.get(f"{CASES}?{query}").context["cl"]
    first.model_admin.list_per_page = 7  # the admin instance the site serves: restored below
    try:
        cl = client.get(f"{CASES}?{query}").context["cl"]
        expected = Paginator(cl.queryset, 7)
        assert expected.num_pages >= 3
        shown = []
        for number in expected.page_range:
            page = client.get(f"{CASES}?{query}&p={number}").context["cl"]
            rows = [case.pk for case in page.result_list]
            assert rows == [case.pk for case in expected.page(number).object_list], number
            assert [case.crime_count for case in page.result_list] == [
                case.crime_count for case in expected.page(number).object_list]
            shown += rows
        assert len(shown) == len(set(shown)) == cl.queryset.count()
    finally:
        first.model_admin.list_per_page = 100


def test_the_row_checkbox_is_the_html_django_s_own_widget_renders(world, client_for):
    from django.contrib.admin import ModelAdmin

    case_admin = admin.site._registry[AuditedCase]
    world.case.reference = 'TVP-A-"<0001>'
    assert str(case_admin.action_checkbox(world.case)) == str(ModelAdmin.action_checkbox(case_admin, world.case))
    page = client_for(world.people.inspector).get(CASES).content.decode()
    assert f'name="_selected_action" value="{world.case.pk}" class="action-select"' in page


@pytest.mark.parametrize("query", ["inspection__id__exact=1%00", "verdict__exact=%00", "inspection__id__exact=x"])
def test_the_cancellation_review_list_refuses_a_meaningless_filter_value_too(world, client_for, query):
    client = client_for(world.people.inspector)
    response = client.get(f"{reverse('admin:audits_cancellationreview_changelist')}?{query}")
    if "%00" in query:
        assert response.status_code == 400 and NUL_MESSAGE in response.content.decode()
    else:
        assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_victim_flag_filter_lists_cases_with_a_flagged_crime_once(world, client_for):
    flagged = CaseFactory(inspection=world.inspection, reference="TVP-FLAG")
    CrimeFactory(case=flagged, domestic_abuse=True)
    CrimeFactory(case=flagged, domestic_abuse=True)
    CrimeFactory(case=flagged, domestic_abuse=False)
    CrimeFactory(case__inspection=world.inspection, case__reference="TVP-NOFLAG", domestic_abuse=False)
    client = client_for(world.people.inspector)
    listed = client.get(f"{CASES}?victim=domestic_abuse").context["cl"].result_list
    assert [case.reference for case in listed] == ["TVP-FLAG"]
    assert "TVP-NOFLAG" in [case.reference for case in client.get(f"{CASES}?victim=nonsense").context["cl"].result_list]


# The estimated count (audits.admin.FromEitherEndPaginator) ------------------------------------------------


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the planner's estimate exists only on PostgreSQL; SQLite always counts (tested below)")


def analyze_cases():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audits_auditedcase")  # the planner's figures, as autovacuum keeps them


@pytest.fixture
def per_page():
    """Sets the served case admin's page length; restored afterwards."""
    case_admin = admin.site._registry[AuditedCase]
    yield lambda n: setattr(case_admin, "list_per_page", n)
    case_admin.list_per_page = 100


def test_a_case_list_longer_than_the_threshold_shows_the_planner_s_estimate_not_a_count(
        world, client_for, monkeypatch):
    needs_postgresql()
    grow(world)
    analyze_cases()
    monkeypatch.setattr(FromEitherEndPaginator, "estimate_above", 120)
    client = client_for(world.people.inspector)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(CASES)
    cl = page.context["cl"]
    real = AuditedCase.objects.count()
    assert real > 140 and cl.paginator.estimated and not cl.paginator.estimate_is_floor
    # Fresh statistics of an unfiltered table: the planner's figure is the table's size (three figures).
    assert cl.result_count == round(real, 3 - len(str(real)))
    assert any(query["sql"].startswith("EXPLAIN (FORMAT JSON)") for query in queries.captured_queries)
    counts = [query["sql"] for query in queries.captured_queries
              if "COUNT(*)" in query["sql"] and "audits_auditedcase" in query["sql"]]
    assert len(counts) == 1 and "LIMIT 121" in counts[0]  # the one count of cases stops after 121 rows
    html = page.content.decode()
    assert f"about {cl.result_count:,} audited cases" in html
    assert f"All of about {cl.result_count:,} selected" in html
    # Below the threshold the count is exact, and says so.
    page = client.get(CASES, {"inspection__id__exact": world.inspection.pk})
    assert not page.context["cl"].paginator.estimated and page.context["cl"].result_count == 111
    assert "111 audited cases" in page.content.decode() and "about 111" not in page.content.decode()
    # A search whose estimate is under the threshold although it finds more: "more than", never a low figure.
    monkeypatch.setattr(admin_module, "planner_estimate", lambda rows: 3)
    page = client.get(CASES, {"q": "-"})  # every reference
    assert page.context["cl"].paginator.estimate_is_floor and page.context["cl"].result_count == 120
    assert "more than 120 results" in page.content.decode()


def test_on_sqlite_every_list_is_counted(world, client_for, monkeypatch):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's behaviour; PostgreSQL's estimate is tested above")
    grow(world, forces=1, cases=1)
    monkeypatch.setattr(FromEitherEndPaginator, "estimate_above", 5)
    cl = client_for(world.people.inspector).get(CASES).context["cl"]
    assert not cl.paginator.estimated and cl.result_count == AuditedCase.objects.count()


@pytest.mark.parametrize("factor", [3.0, 1.4, 0.6], ids=["estimate 3x too high", "40% too high", "40% too low"])
def test_with_an_estimate_too_high_or_too_low_every_page_has_rows_and_the_last_pages_end_the_list(
        world, client_for, monkeypatch, per_page, factor):
    needs_postgresql()
    grow(world, forces=2, cases=2)
    real = AuditedCase.objects.count()
    monkeypatch.setattr(FromEitherEndPaginator, "estimate_above", 20)
    monkeypatch.setattr(admin_module, "planner_estimate", lambda rows: int(real * factor))
    client = client_for(world.people.inspector)
    per_page(7)
    for query in ["", "o=-1", "q=TVP"]:
        cl = client.get(f"{CASES}?{query}").context["cl"]
        ordered = [case.pk for case in cl.queryset]
        assert cl.paginator.estimated and cl.result_count == int(real * factor)
        last = cl.paginator.num_pages
        pages = {}
        # The first and last pages, the middle ones (where the halves meet) and a quarter from each end.
        for number in {1, 2, 3, last // 4, last // 2 - 1, last // 2, last // 2 + 1, last // 2 + 2, 3 * last // 4,
                       last - 2, last - 1, last}:
            response = client.get(f"{CASES}?{query}&p={number}")
            assert response.status_code == 200, (query, number)
            rows = pages[number] = [case.pk for case in response.context["cl"].result_list]
            assert rows, (query, number)
            start = ordered.index(rows[0])
            assert rows == ordered[start:start + len(rows)], (query, number)  # a run of the list, in order
        assert pages[1] == ordered[:7] and pages[2] == ordered[7:14]
        assert pages[last] == ordered[-7:] and pages[last - 1] == ordered[-14:-7], query
        # Past the last page: Django's "?e=1", not a 500.
        assert client.get(f"{CASES}?{query}&p={last + 1}").status_code == 302


def test_the_estimated_case_list_runs_a_fixed_number_of_queries_on_every_page(world, client_for, monkeypatch, per_page):
    """Small (counted exactly, under the threshold) and larger (estimated on PostgreSQL): the same queries."""
    monkeypatch.setattr(FromEitherEndPaginator, "estimate_above", 1)
    per_page(1)
    client = client_for(world.people.inspector)

    def requests():
        last = client.get(CASES).context["cl"].paginator.num_pages
        return {"first page": (CASES, None), "page 2": (CASES, {"p": 2}), "last page": (CASES, {"p": last}),
                "force": (CASES, {"force": "thames-valley"}), "error kind": (CASES, {"error": "misclassified"}),
                "search": (CASES, {"q": "TVP"}), "sorted": (CASES, {"o": "-1", "p": last})}

    assert_constant(world, client, requests)
    if connection.vendor == "postgresql":
        assert client.get(CASES, {"force": "thames-valley"}).context["cl"].paginator.estimated
