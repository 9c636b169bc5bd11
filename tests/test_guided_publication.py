"""Guided publication: one page per inspection listing what must hold before publication, each with its state and a
link to put it right, and publishing in one confirmation (through moderation from fieldwork) when all holds."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import AuditedCase, Challenge, Inspection
from forces.models import RecordedCrimeVolume
from reports.models import ResultVersion
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory

pytestmark = pytest.mark.django_db


def volume(force, category, period_end=date(2024, 6, 30), count=100_000):
    return RecordedCrimeVolume.objects.create(force=force, period_end=period_end, category=category, count=count,
                                              source="PRC open data")


@pytest.fixture
def ready(world):
    """Force A's inspection in fieldwork where everything holds: year, grade, two agreed cases with violent crimes,
    volumes for all crime and violence for the 12 months to the end of its audit period."""
    inspection = InspectionFactory(force=world.forces.a, year=2024, grade="good", status="fieldwork")
    for n in range(2):
        CrimeFactory(case=CaseFactory(inspection=inspection, reference=f"READY-{n}",
                                      moderation_state=AuditedCase.Moderation.AGREED))
    volume(world.forces.a, "all_crime")
    volume(world.forces.a, "violence_against_the_person", count=30_000)
    return inspection


def url(inspection):
    return reverse("reports:publish", args=[inspection.pk])


def checks(page):
    """{check key: True when it holds} from the page."""
    import re

    return {key: ok == "yes" for key, ok in re.findall(r'data-testid="check-(\w+)" data-ok="(yes|no)"', page)}


def test_page_lists_every_check_as_holding_when_ready(ready, client_for, world):
    page = client_for(world.people.inspector).get(url(ready)).content.decode()
    assert checks(page) == {key: True for key in
                            ["status", "year", "previous", "scope", "challenges", "cases", "volumes", "grades"]}
    assert 'data-testid="publish"' in page and "moves the inspection through moderation" in page


def test_page_names_each_blocker_with_a_link_to_it(world, client_for):
    """World's inspection: a draft case, an open challenge, no grade, no volumes."""
    inspection = world.inspection
    Inspection.objects.filter(pk=inspection.pk).update(year=2024)
    submitted = CaseFactory(inspection=inspection, moderation_state=AuditedCase.Moderation.SUBMITTED,
                            auditor=world.people.inspector)
    CrimeFactory(case=submitted)
    page = client_for(world.people.inspector2).get(url(inspection)).content.decode()
    state = checks(page)
    assert [key for key, ok in state.items() if not ok] == ["challenges", "cases", "volumes", "grades"]
    assert "1 open challenge from the force" in page
    assert f'{reverse("audits:challenges")}?status=open' in page
    assert "2 cases not yet agreed" in page and "1 draft, 1 submitted" in page
    assert f'{reverse("audits:moderation")}?inspection={inspection.pk}' in page  # the queue, filtered to it
    assert "No recorded-crime volume for the 12 months to 30/06/2024 for: all crime, violence against the person, " \
           "sexual offences, rape." in page
    assert reverse("forces:prc_upload") in page
    assert reverse("admin:audits_inspection_change", args=[inspection.pk]) + "#id_grade" in page
    assert 'data-testid="publish"' not in page and "4 things stop publication" in page


def test_draft_cases_link_to_the_inspections_cases_in_that_state(ready, client_for, world):
    CaseFactory(inspection=ready, moderation_state=AuditedCase.Moderation.QUERIED)
    page = client_for(world.people.inspector).get(url(ready)).content.decode()
    assert checks(page)["cases"] is False
    assert f"{ready.get_absolute_url()}?moderation_state=queried" in page


def test_one_post_publishes_from_fieldwork(ready, client_for, world):
    response = client_for(world.people.inspector).post(url(ready))
    assert response.status_code == 302 and response["Location"] == reverse("reports:inspection", args=[ready.pk])
    ready.refresh_from_db()
    assert ready.status == Inspection.Status.PUBLISHED and ready.published_on is not None
    assert ResultVersion.objects.filter(inspection=ready).count() == 1
    # It passed through moderation: the history has both moves.
    assert list(ready.history.order_by("history_id").values_list("status", flat=True))[-2:] == ["moderation",
                                                                                                 "published"]


def test_publishes_from_moderation(ready, client_for, world):
    Inspection.objects.filter(pk=ready.pk).update(status="moderation")
    assert client_for(world.people.inspector).post(url(ready)).status_code == 302
    ready.refresh_from_db()
    assert ready.status == Inspection.Status.PUBLISHED


def _unchanged(inspection, status="fieldwork"):
    inspection.refresh_from_db()
    assert inspection.status == status and inspection.published_on is None
    assert not ResultVersion.objects.filter(inspection=inspection).exists()


@pytest.mark.parametrize("blocker, named", [
    ("grade", "The overall grade is set: The inspection has no overall grade"),
    ("volume", "No recorded-crime volume for the 12 months to 30/06/2024 for: violence against the person."),
    ("submitted", "1 case not yet agreed in moderation"),
    ("challenge", "1 open challenge from the force"),
    ("year", "Give the inspection&#x27;s year"),
    ("planned", "It is still planned"),
])
def test_refused_with_the_blocker_named_and_nothing_written(ready, client_for, world, blocker, named):
    status = "fieldwork"
    if blocker == "grade":
        Inspection.objects.filter(pk=ready.pk).update(grade="")
    elif blocker == "volume":
        RecordedCrimeVolume.objects.filter(category="violence_against_the_person").delete()
    elif blocker == "submitted":
        ready.cases.filter(reference="READY-0").update(moderation_state=AuditedCase.Moderation.SUBMITTED)
    elif blocker == "challenge":
        error = ErrorFactory(crime__case=ready.cases.get(reference="READY-1"))
        Challenge.objects.create(case=error.crime.case, error=error, error_kind=error.kind, offence="Violence",
                                 reason="Recorded as CR/1.", raised_by=world.people.staff_a)
    elif blocker == "year":
        Inspection.objects.filter(pk=ready.pk).update(year=None, audit_period_start=None, fieldwork_start=None,
                                                      fieldwork_end=None)
    elif blocker == "planned":
        status = "planned"
        Inspection.objects.filter(pk=ready.pk).update(status=status)
    history = ready.history.count()
    response = client_for(world.people.inspector).post(url(ready))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The inspection was not published" in page and named in page
    _unchanged(ready, status)
    assert ready.history.count() == history


def test_a_published_inspection_cannot_be_published_again(ready, client_for, world):
    client = client_for(world.people.inspector)
    client.post(url(ready))
    response = client.post(url(ready))
    assert response.status_code == 400 and "It is already published" in response.content.decode()
    assert ResultVersion.objects.filter(inspection=ready).count() == 1


@pytest.mark.parametrize("who", ["staff_a", "staff_b", "manager", "manager_b", "nobody"])
def test_only_inspectors_see_or_use_the_page(ready, client_for, world, who):
    client = client_for(getattr(world.people, who))
    assert client.get(url(ready)).status_code == 403
    assert client.post(url(ready)).status_code == 403
    _unchanged(ready)


def test_administrator_may_publish(ready, client_for, world):
    assert client_for(world.people.admin).post(url(ready)).status_code == 302


def test_signed_out_is_sent_to_sign_in(ready):
    response = Client().post(url(ready))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    _unchanged(ready)


@pytest.mark.parametrize("pk", [0, 987654, 99999999999999999999])
def test_unknown_inspection_is_not_found(world, client_for, pk):
    assert client_for(world.people.inspector).get(f"/inspections/{pk}/publish/").status_code == 404


def test_post_without_csrf_token_is_refused(ready, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people.inspector)
    assert client.post(url(ready)).status_code == 403
    _unchanged(ready)
    page = client.get(url(ready)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_linked_from_the_inspection_page_and_the_admin(ready, client_for, world):
    client = client_for(world.people.inspector)
    assert url(ready) in client.get(ready.get_absolute_url()).content.decode()
    assert url(ready) in client.get(reverse("admin:audits_inspection_change", args=[ready.pk])).content.decode()
    assert url(ready) not in client_for(world.people.staff_a).get(ready.get_absolute_url()).content.decode()


def test_admin_refusal_from_fieldwork_says_what_to_do_first(ready, world):
    from django.core.exceptions import ValidationError

    from audits.services import inspection_change_status

    with pytest.raises(ValidationError, match="Move it to moderation first, or publish it from its publication page"):
        inspection_change_status(inspection=ready, status="published", by=world.people.inspector)
    _unchanged(ready)
