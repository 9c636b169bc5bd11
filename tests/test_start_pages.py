"""Start pages of work for each role: inspectors (cases to moderate, their queried cases, inspections in progress,
challenges to decide); force staff (findings due and overdue with their text, inspections open to challenge with the
closing date, decisions on their challenges); managers (what changed since their last visit, overdue findings by
force). Empty states say what will appear; scoped through for_user; a fixed number of queries whatever the data."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditedCase, Challenge, Inspection
from audits.services.challenges import challenge_raise
from forces.visits import PREVIOUS_VISIT
from recommendations.models import Finding, FollowUp
from tests.factories import CaseFactory, ChallengeFactory, ErrorFactory, FindingFactory, InspectionFactory, publish

pytestmark = pytest.mark.django_db

HOME = reverse("audits:home")


def page_for(client_for, user):
    response = client_for(user).get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def today():
    return timezone.localdate()


# Inspectors ------------------------------------------------------------------------------------------------------


def test_inspector_sees_cases_to_moderate_queried_cases_inspections_and_challenges(world, client_for):
    people = world.people
    CaseFactory(inspection=world.inspection, reference="WAIT-1", auditor=people.inspector,
                moderation_state="submitted", submitted_by=people.inspector, submitted_at=timezone.now())
    CaseFactory(inspection=world.inspection, reference="BACK-1", auditor=people.inspector2, moderation_state="queried",
                query_reason="The recorded-at time is before the report.", moderated_by=people.inspector,
                moderated_at=timezone.now())
    page = page_for(client_for, people.inspector2)
    assert "1 case waiting." in page and "WAIT-1" in page
    assert "BACK-1" in page and "The recorded-at time is before the report." in page and "queried by insp" in page
    assert "1 open challenge from forces" in page and world.challenge.get_absolute_url() in page
    assert world.inspection.get_absolute_url() in page and reverse("reports:publish", args=[world.inspection.pk]) in page
    # The first inspector audited WAIT-1 and has no queried case of their own.
    own = page_for(client_for, people.inspector)
    assert "WAIT-1" not in own and "BACK-1" not in own
    assert "None of your cases is queried. When a moderator queries a case you audited" in own


def test_inspector_empty_states_say_what_will_appear(db, client_for, people):
    page = page_for(client_for, people.inspector)
    assert "No cases are waiting for you. A case appears here when a colleague submits it" in page
    assert "No challenge is open. Force staff may challenge a recording error" in page
    assert "No inspection is in fieldwork or moderation. Plan an inspection and move it to fieldwork" in page


# Force staff -----------------------------------------------------------------------------------------------------


def test_force_staff_see_findings_due_and_overdue_with_their_text(world, client_for):
    FindingFactory(inspection=world.inspection, reference="TVP-OVER", text="Record every rape within 24 hours.",
                   due_on=today() - timedelta(days=3))
    FindingFactory(inspection=world.inspection, reference="TVP-SOON", text="Train call handlers on N100.",
                   due_on=today() + timedelta(days=20))
    FindingFactory(inspection=world.inspection, reference="TVP-LATER", due_on=today() + timedelta(days=200))
    FindingFactory(inspection=world.inspection, reference="TVP-DONE", due_on=today() - timedelta(days=3),
                   status=Finding.Status.COMPLETE)
    FindingFactory(inspection=world.inspection_b, reference="GLO-OVER", due_on=today() - timedelta(days=3))
    page = page_for(client_for, world.people.staff_a)
    assert "TVP-OVER" in page and "Record every rape within 24 hours." in page and "Overdue" in page
    assert "TVP-SOON" in page and "Train call handlers on N100." in page
    assert page.index("TVP-OVER") < page.index("TVP-SOON")
    assert "TVP-LATER" not in page and "TVP-DONE" not in page
    assert "GLO-OVER" not in page and "Gloucestershire" not in page  # never another force's


def test_force_staff_see_the_inspection_open_to_challenge_with_its_closing_date(world, client_for):
    Inspection.objects.filter(pk=world.inspection.pk).update(challenges_close_on=date(2031, 3, 14))
    Inspection.objects.filter(pk=world.inspection_b.pk).update(status="moderation")
    page = page_for(client_for, world.people.staff_a)
    assert "Challenges close on <strong>Friday 14 March 2031</strong>" in page
    assert world.inspection.get_absolute_url() in page and "2 recording errors found so far" in page
    assert world.inspection_b.get_absolute_url() not in page


def test_a_closed_or_published_inspection_is_not_open_to_challenge(world, client_for):
    Inspection.objects.filter(pk=world.inspection.pk).update(challenges_close_on=today() - timedelta(days=1))
    page = page_for(client_for, world.people.staff_a)
    assert "No inspection of your force is open to challenge." in page


def test_challenges_are_refused_after_the_closing_date_and_nothing_is_written(world):
    error = world.unrecorded.errors.get()
    Inspection.objects.filter(pk=world.inspection.pk).update(challenges_close_on=today() - timedelta(days=1))
    before = Challenge.objects.count()
    with pytest.raises(ValidationError, match="Challenges to this inspection closed on"):
        challenge_raise(error_id=error.pk, by=world.people.staff_a, reason="Recorded as CR/2.")
    assert Challenge.objects.count() == before
    Inspection.objects.filter(pk=world.inspection.pk).update(challenges_close_on=today())  # the last day still counts
    challenge_raise(error_id=error.pk, by=world.people.staff_a, reason="Recorded as CR/2.")
    assert Challenge.objects.count() == before + 1


def test_force_staff_see_decisions_on_their_own_challenges(world, client_for):
    Challenge.objects.filter(pk=world.challenge.pk).update(
        status="upheld", resolved_by=world.people.inspector, resolved_at=timezone.now(),
        resolution="The crime was recorded as sexual assault, not rape.")
    other = ChallengeFactory(error__crime__case__inspection=world.inspection_b, status="withdrawn",
                             resolution="GLO secret reason", resolved_at=timezone.now())
    page = page_for(client_for, world.people.staff_a)
    assert "Upheld (the error stands)" in page and "The crime was recorded as sexual assault, not rape." in page
    assert other.resolution not in page
    # A colleague of the same force does not see someone else's decisions as theirs.
    from forces.roles import Role
    from tests.factories import make_user

    colleague = make_user("staff-a2", Role.FORCE_STAFF, world.forces.a)
    assert "No challenge of yours has been decided yet." in page_for(client_for, colleague)


def test_force_staff_empty_states(db, client_for, people):
    page = page_for(client_for, people.staff_a)
    assert "No finding is due in the next 90 days or overdue." in page
    assert "No inspection of your force is open to challenge." in page
    assert "No challenge of yours has been decided yet." in page
    assert "No inspection of your force has been published yet." in page


# Managers --------------------------------------------------------------------------------------------------------


def test_manager_sees_what_changed_since_the_previous_sign_in(world):
    manager = world.people.manager
    manager.last_login = timezone.now() - timedelta(days=2)
    manager.save(update_fields=["last_login"])
    old = InspectionFactory(force=world.forces.b, year=2020, published_on=today() - timedelta(days=40))
    publish(old)
    new = InspectionFactory(force=world.forces.a, year=2024, grade="good")
    publish(new, published_on=today())
    moved = FollowUp.objects.create(finding=world.finding, author=world.people.staff_a, status_from="open",
                                    status_to="in_progress", comment="Started.", version=1)
    FollowUp.objects.filter(pk=moved.pk).update(created_at=timezone.now() - timedelta(hours=1))
    before = FollowUp.objects.create(finding=world.finding_b, author=world.people.staff_b, status_from="open",
                                     status_to="implemented", comment="Done.", version=1)
    FollowUp.objects.filter(pk=before.pk).update(created_at=timezone.now() - timedelta(days=5))

    client = Client()
    assert client.post(reverse("login"), {"username": "boss", "password": "pw"}).status_code == 302
    page = client.get(HOME).content.decode()
    assert "National overview: what changed" in page and "Since your last visit on" in page
    assert reverse("reports:inspection", args=[new.pk]) in page and "graded good" in page
    assert reverse("reports:inspection", args=[old.pk]) not in page
    assert "TVP-A-R1" in page and "open → in progress" in page
    assert "GLO-B-R1</a> (Gloucestershire Constabulary): open → implemented" not in page


def test_manager_first_visit_looks_back_30_days(world, client_for):
    page = page_for(client_for, world.people.manager)
    assert "In the last 30 days" in page


def test_a_tampered_previous_visit_falls_back_to_30_days(world):
    client = Client()
    client.force_login(world.people.manager)
    session = client.session
    session[PREVIOUS_VISIT] = "not a date\x00"
    session.save()
    assert "In the last 30 days" in client.get(HOME).content.decode()


def test_manager_sees_overdue_findings_by_force(world, client_for):
    FindingFactory(inspection=world.inspection, due_on=today() - timedelta(days=10))
    FindingFactory(inspection=world.inspection_b, due_on=today() - timedelta(days=10))
    page = page_for(client_for, world.people.manager)
    assert "Thames Valley Police</a></dt>" in page and "Gloucestershire Constabulary</a></dt>" in page
    one_force = page_for(client_for, world.people.manager_b)
    assert "Gloucestershire Constabulary: what changed" in one_force and "National overview" not in one_force
    assert "Thames Valley Police</a></dt>" not in one_force


def test_manager_empty_states(db, client_for, people):
    page = page_for(client_for, people.manager)
    assert "No inspection has been published in this time." in page
    assert "No finding changed status in this time." in page
    assert "No finding is overdue." in page


# Query counts ----------------------------------------------------------------------------------------------------


def grow(world, n):
    """n more of everything each start page lists, for both forces."""
    people = world.people
    for i in range(n):
        for force, inspection in ((world.forces.a, world.inspection), (world.forces.b, world.inspection_b)):
            tag = f"{force.slug[:3]}-{i}"
            CaseFactory(inspection=inspection, reference=f"G-S-{tag}", auditor=people.inspector,
                        moderation_state=AuditedCase.Moderation.SUBMITTED, submitted_at=timezone.now())
            CaseFactory(inspection=inspection, reference=f"G-Q-{tag}", auditor=people.inspector2,
                        moderation_state=AuditedCase.Moderation.QUERIED, query_reason="Why?",
                        moderated_by=people.inspector, moderated_at=timezone.now())
            error = ErrorFactory(crime__case__inspection=inspection)
            ChallengeFactory(error=error, raised_by=people.staff_a if force == world.forces.a else people.staff_b,
                             status="upheld" if i % 2 else "open", resolved_by=people.inspector,
                             resolved_at=timezone.now(), resolution="Stands.")
            finding = FindingFactory(inspection=inspection, reference=f"G-F-{tag}",
                                     due_on=today() + timedelta(days=i - n // 2))
            FollowUp.objects.create(finding=finding, author=people.staff_a, status_from="open",
                                    status_to="in_progress", comment="Begun.", version=1)
            published = InspectionFactory(force=force, year=2000 + i, grade="good",
                                          status=Inspection.Status.FIELDWORK)
            publish(published, published_on=today())
            InspectionFactory(force=force, status=Inspection.Status.FIELDWORK,
                              challenges_close_on=today() + timedelta(days=i))


@pytest.mark.parametrize("who", ["inspector2", "staff_a", "manager", "manager_b"])
def test_start_pages_use_the_same_number_of_queries_whatever_the_data(world, client_for, who):
    client = client_for(getattr(world.people, who))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(HOME).status_code == 200
        return len(queries)

    small = count()
    grow(world, 15)
    assert count() == small


def test_the_case_page_offers_no_challenge_after_the_closing_date(world, client_for):
    client = client_for(world.people.staff_a)
    challenge_url = reverse("audits:challenge_new", args=[world.unrecorded.errors.get().pk])
    assert challenge_url in client.get(world.case.get_absolute_url()).content.decode()
    Inspection.objects.filter(pk=world.inspection.pk).update(challenges_close_on=today() - timedelta(days=1))
    assert challenge_url not in client.get(world.case.get_absolute_url()).content.decode()
