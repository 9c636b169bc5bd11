"""The moderation queue on the GOV.UK pages: the cases waiting for me with a count and filters, Agree and
Query (reason required) on the case page then on to the next case, and bulk agree of a selection."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditedCase
from notifications.models import Notification
from tests.factories import CaseFactory, CrimeFactory, InspectionFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("audits:moderation")


def submitted(world, reference, auditor=None, inspection=None, minutes=0):
    auditor = auditor or world.people.inspector
    case = CaseFactory(inspection=inspection or world.inspection, reference=reference, auditor=auditor,
                       moderation_state="submitted", submitted_by=auditor,
                       submitted_at=timezone.now() - timezone.timedelta(minutes=60 - minutes))
    CrimeFactory(case=case)
    return case


def state(case):
    return AuditedCase.objects.get(pk=case.pk).moderation_state


def test_the_queue_lists_what_waits_for_me_with_a_count_never_my_own(world, client_for):
    theirs = [submitted(world, f"W-{n}", minutes=n) for n in range(3)]
    submitted(world, "MINE-1", auditor=world.people.inspector2)
    page = client_for(world.people.inspector2).get(QUEUE)
    assert page.context["total"] == 3
    assert [case.reference for case in page.context["page"]] == [case.reference for case in theirs]
    assert "MINE-1" not in page.content.decode()


def test_filters_by_inspection_and_auditor(world, client_for):
    other = InspectionFactory(force=world.forces.b, status="fieldwork")
    submitted(world, "A-1")
    submitted(world, "B-1", inspection=other, auditor=world.people.admin)
    client = client_for(world.people.inspector2)
    by_inspection = client.get(QUEUE, {"inspection": other.pk})
    assert [c.reference for c in by_inspection.context["page"]] == ["B-1"] and by_inspection.context["total"] == 1
    by_auditor = client.get(QUEUE, {"auditor": world.people.inspector.pk})
    assert [c.reference for c in by_auditor.context["page"]] == ["A-1"]
    assert client.get(QUEUE, {"inspection": "999999"}).context["total"] == 2  # an unknown choice filters nothing
    assert "No cases are waiting for you" in client.get(QUEUE, {"auditor": world.people.admin.pk,
                                                                "inspection": world.inspection.pk}).content.decode()


def test_agree_from_the_case_page_goes_on_to_the_next_case(world, client_for):
    first, second = submitted(world, "W-1", minutes=1), submitted(world, "W-2", minutes=2)
    client = client_for(world.people.inspector2)
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Agree and go to the next case" in page and "Skip to the next case (W-2)" in page
    response = client.post(reverse("audits:moderate_case", args=[first.pk]), {"decision": "agree"})
    assert response["Location"] == second.get_absolute_url() and state(first) == "agreed"
    response = client.post(reverse("audits:moderate_case", args=[second.pk]), {"decision": "agree"}, follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert "Case W-2 agreed. No more cases are waiting for you." in response.content.decode()


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_query_needs_a_reason_and_writes_nothing_without_one(world, client_for, reason):
    case = submitted(world, "W-1")
    response = client_for(world.people.inspector2).post(reverse("audits:moderate_case", args=[case.pk]),
                                                        {"decision": "query", "reason": reason})
    assert response.status_code == 400
    assert "Say why the case is queried: its auditor sees your reason." in response.content.decode()
    assert state(case) == "submitted" and not Notification.objects.exists()


def test_a_query_returns_the_case_to_its_auditor_with_the_reason(world, client_for):
    case = submitted(world, "W-1")
    client_for(world.people.inspector2).post(reverse("audits:moderate_case", args=[case.pk]),
                                             {"decision": "query", "reason": "Crime 2 has no recorded time."})
    case.refresh_from_db()
    assert case.moderation_state == "queried" and case.query_reason == "Crime 2 has no recorded time."
    told = Notification.objects.get(recipient=world.people.inspector)
    assert "Crime 2 has no recorded time." in told.message


def test_my_own_case_shows_no_moderation_and_is_refused(world, client_for):
    case = submitted(world, "MINE-1", auditor=world.people.inspector2)
    client = client_for(world.people.inspector2)
    assert 'data-testid="moderation-controls"' not in client.get(case.get_absolute_url()).content.decode()
    response = client.post(reverse("audits:moderate_case", args=[case.pk]), {"decision": "agree"}, follow=True)
    assert response.redirect_chain == [(case.get_absolute_url(), 302)]
    assert "never by its own author" in response.content.decode()
    assert state(case) == "submitted"


def test_bulk_agree_of_a_selection(world, client_for):
    cases = [submitted(world, f"W-{n}", minutes=n) for n in range(3)]
    mine = submitted(world, "MINE-1", auditor=world.people.inspector2)
    client = client_for(world.people.inspector2)
    response = client.post(QUEUE, {"case": [cases[0].pk, cases[2].pk, mine.pk, "x", "\x00", "9" * 40]}, follow=True)
    assert "2 cases agreed." in response.content.decode()
    assert [state(case) for case in cases] == ["agreed", "submitted", "agreed"]
    assert state(mine) == "submitted"  # not in my queue, so never agreed from it
    response = client.post(QUEUE, {}, follow=True)
    assert "Select the cases to agree." in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "staff_a", "staff_b"])
def test_only_inspectors_moderate(world, client_for, who):
    case = submitted(world, "W-1")
    client = client_for(getattr(world.people, who))
    assert client.get(QUEUE).status_code == 403
    assert client.post(QUEUE, {"case": [case.pk]}).status_code == 403
    assert client.post(reverse("audits:moderate_case", args=[case.pk]), {"decision": "agree"}).status_code == 403
    assert state(case) == "submitted"


def test_the_start_page_counts_everything_waiting_and_links_to_the_queue(world, client_for, settings):
    for n in range(25):
        submitted(world, f"W-{n:02d}", minutes=n)
    page = client_for(world.people.inspector2).get(reverse("audits:home")).content.decode()
    assert "25 cases waiting." in page and QUEUE in page and "(showing the first 20 here)" in page
