"""No shadow of internal notes: what force staff see of a finding (its version, a conflict and the changes in
it, the versions in its timeline) is computed from what they may see, so an internal inspectorate note leaves
no trace for them; the inspectorate still sees every version and conflicts on notes it cannot have read."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from recommendations import services
from recommendations.models import Finding, FollowUp
from tests.conftest import signed_in
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def internal_note(world, text="Chief constable briefed privately."):
    finding = Finding.objects.get(pk=world.finding.pk)
    return services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=finding.version,
                                   internal=True, comment=text)


def visible_note(world, text):
    finding = Finding.objects.get(pk=world.finding.pk)
    return services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=finding.version,
                                   comment=text)


def force_view(world):
    """Everything force staff can read of the finding: the API finding and timeline, the page's version box."""
    client = api(world.people.staff_a)
    finding = client.get(reverse("api:finding-detail", args=[world.finding.pk])).json()
    timeline = client.get(reverse("api:follow-up-list", args=[world.finding.pk])).json()
    page = signed_in(world.people.staff_a).get(world.finding.get_absolute_url()).content.decode()
    version_box = re.search(r'name="version" value="(\d+)"', page).group(1)
    return finding, timeline, version_box


def test_an_internal_note_changes_nothing_force_staff_can_read(world):
    visible_note(world, "Reviewed the action plan.")
    before = force_view(world)
    internal_note(world)
    assert force_view(world) == before
    assert before[0]["version"] == 2 and before[2] == "2"
    inspector = api(world.people.inspector).get(reverse("api:finding-detail", args=[world.finding.pk])).json()
    assert inspector["version"] == 3


def test_force_staff_update_on_the_version_they_saw_is_not_refused_for_a_note_they_cannot_see(world):
    internal_note(world)
    response = api(world.people.staff_a).post(reverse("api:follow-up-list", args=[world.finding.pk]),
                                              {"version": 1, "comment": "Action plan agreed."}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 2  # the next version they can see, not 3
    assert FollowUp.objects.get(comment="Action plan agreed.").version == 3


def test_force_staff_update_through_the_page_after_an_internal_note(world, client_for):
    internal_note(world)
    client = client_for(world.people.staff_a)
    response = client.post(world.finding.get_absolute_url(), {"version": 1, "comment": "Working group set up."})
    assert response.status_code == 302
    assert FollowUp.objects.filter(comment="Working group set up.").exists()


def test_a_conflict_shows_force_staff_only_what_they_can_see_and_never_an_empty_change(world, client_for):
    internal_note(world, "First private note.")
    visible_note(world, "Please send the audit plan.")
    internal_note(world, "Second private note.")
    client = api(world.people.staff_a)
    url = reverse("api:follow-up-list", args=[world.finding.pk])
    stale = client.post(url, {"version": 1, "comment": "Stale"}, format="json")
    assert stale.status_code == 409
    assert [(change["comment"], change["version"]) for change in stale.json()["changes"]] == [
        ("Please send the audit plan.", 2)]
    assert "private" not in stale.content.decode()
    page = client_for(world.people.staff_a).post(world.finding.get_absolute_url(), {"version": 1, "comment": "Stale"})
    assert "Please send the audit plan." in page.content.decode() and "private" not in page.content.decode()
    assert re.search(r'name="version" value="2"', page.content.decode())
    assert client.post(url, {"version": 2, "comment": "Plan sent."}, format="json").status_code == 201
    assert not FollowUp.objects.filter(comment="Stale").exists()


def test_the_timeline_versions_force_staff_see_have_no_gaps(world):
    for text in ("one", "two"):
        visible_note(world, text)
        internal_note(world, f"private after {text}")
    services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a, expected_version=3, comment="three")
    versions = [entry["version"] for entry in
                api(world.people.staff_a).get(reverse("api:follow-up-list", args=[world.finding.pk])).json()["results"]]
    assert versions == [1, 2, 3, 4]  # the first: the evidence the world starts with
    assert api(world.people.staff_a).get(reverse("api:finding-detail", args=[world.finding.pk])).json()["version"] == 4
    inspector = api(world.people.inspector).get(reverse("api:follow-up-list", args=[world.finding.pk])).json()["results"]
    assert [entry["version"] for entry in inspector] == [1, 2, 3, 4, 5, 6]


def test_the_inspectorate_still_conflicts_on_an_internal_note(world):
    internal_note(world)
    response = api(world.people.inspector2).post(reverse("api:follow-up-list", args=[world.finding.pk]),
                                                  {"version": 1, "comment": "Stale"}, format="json")
    assert response.status_code == 409
    assert [change["comment"] for change in response.json()["changes"]] == ["Chief constable briefed privately."]


def test_the_findings_list_counts_queries_not_findings(world):
    client = api(world.people.staff_a)
    url = reverse("api:finding-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        finding = FindingFactory(inspection=world.inspection, reference=f"R{n}")
        services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=1, internal=True,
                                comment="x")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.json()["results"]) >= 6 and len(many) == len(few)
