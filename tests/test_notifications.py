"""Notifications: each event is recorded once, for the people it concerns only (never another force's staff),
shown in the app with an unread count, marked read by its owner only, and e-mailed once even with several
senders at once."""

import threading
from datetime import date
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from audits import services
from audits.models import Challenge, Inspection
from audits.services.challenges import challenge_raise, challenge_resolve
from audits.signals import challenge_raised
from core.models import OutboxMessage
from forces.models import Force
from forces.roles import Role
from notifications.emails import _send_to, send_pending
from notifications.models import Notification
from recommendations import services as finding_services
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, FindingFactory, InspectionFactory, make_user

Event = Notification.Event


def told(event):
    """Usernames told about this kind of event."""
    return sorted(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_a_challenge_raised_tells_the_cases_auditor_once(world):
    challenge = challenge_raise(error_id=world.unrecorded.errors.get().pk, by=world.people.staff_a,
                                reason="Recorded as CR/1.")
    challenge_raised.send(sender=Challenge, challenge=challenge, by=world.people.staff_a)  # announced twice
    assert told(Event.CHALLENGE_RAISED) == ["insp"]
    notification = Notification.objects.get(event=Event.CHALLENGE_RAISED)
    assert notification.url == challenge.get_absolute_url()
    assert "Thames Valley Police challenged “Not recorded” on case TVP-A-0001" in notification.message


@pytest.mark.django_db
def test_a_decision_tells_the_forces_staff_with_its_reason_and_nobody_else(world):
    make_user("staff-a2", Role.FORCE_STAFF, world.forces.a)
    make_user("staff-a-gone", Role.FORCE_STAFF, world.forces.a, is_active=False)
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld",
                      note="Classified at the point of report.")
    assert told(Event.CHALLENGE_DECIDED) == ["staff-a", "staff-a2"]  # never staff-b, inspectors or the inactive
    assert {n.message for n in Notification.objects.filter(event=Event.CHALLENGE_DECIDED)} == {
        "Your challenge to “Misclassified” on case TVP-A-0001 was decided: upheld (the error stands). "
        "Reason: Classified at the point of report."}


@pytest.mark.django_db
def test_a_query_tells_the_auditor_not_the_moderator(world):
    case = CaseFactory(inspection=world.inspection, reference="Q-1", auditor=world.people.inspector)
    CrimeFactory(case=case)
    services.case_submit(case=case, by=world.people.inspector)
    services.case_query(case=case, by=world.people.inspector2, reason="The crime reference is missing.")
    assert told(Event.CASE_QUERIED) == ["insp"]
    assert "Case Q-1 (Thames Valley Police) was queried: The crime reference is missing." in Notification.objects.get(
        event=Event.CASE_QUERIED).message


@pytest.mark.django_db
def test_a_finding_sent_back_or_verified_tells_its_forces_staff_only(world):
    finding = FindingFactory(inspection=world.inspection, status="implemented")
    finding_services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=finding.version,
                                    status="in_progress", comment="The evidence does not show the audit.")
    assert told(Event.FINDING_SENT_BACK) == ["staff-a"]
    finding.refresh_from_db()
    finding_services.finding_update(finding_id=finding.pk, by=world.people.staff_a, expected_version=finding.version,
                                    status="implemented", comment="Audit attached.")
    assert Notification.objects.count() == 1  # the force's own move tells nobody
    finding.refresh_from_db()
    finding_services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=finding.version,
                                    status="complete", comment="")
    assert told(Event.FINDING_VERIFIED) == ["staff-a"]


@pytest.mark.django_db
def test_publication_tells_the_force_and_its_managers_again_when_republished(world):
    inspection = InspectionFactory(force=world.forces.b, status="moderation")
    services.inspection_change_status(inspection=inspection, status="published", by=world.people.inspector)
    assert told(Event.INSPECTION_PUBLISHED) == ["boss", "boss-b", "staff-b"]  # never staff-a
    services.inspection_change_status(inspection=inspection, status="moderation", by=world.people.inspector,
                                      reason="A case was entered twice.")
    services.inspection_change_status(inspection=inspection, status="published", by=world.people.inspector)
    assert told(Event.INSPECTION_PUBLISHED) == ["boss", "boss", "boss-b", "boss-b", "staff-b", "staff-b"]
    assert Notification.objects.filter(message__contains="published again with revised figures").count() == 3


@pytest.mark.django_db
def test_revised_grades_tell_the_force_and_its_managers_once(world):
    from tests.test_grades import REASON, published_2016

    inspection = published_2016(world.forces)  # force A's
    Notification.objects.all().delete()
    services.inspection_revise_grades(inspection=inspection, grades={"overall": "good"}, revised_on=date(2017, 2, 9),
                                      reason=REASON, by=world.people.inspector)
    assert told(Event.INSPECTION_PUBLISHED) == ["boss", "staff-a"]  # never force B's staff or manager
    assert Notification.objects.get(recipient__username="boss").message.endswith(
        "was published again with revised grades: the report shows each beside the grade it replaced.")
    with pytest.raises(ValidationError):  # refused: nothing revised, nobody told
        services.inspection_revise_grades(inspection=inspection, grades={"overall": "good"},
                                          revised_on=date(2017, 2, 10), reason=REASON, by=world.people.inspector)
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_a_rolled_back_change_tells_nobody(world):
    with pytest.raises(Exception, match="boom"), mock.patch(
            "notifications.receivers.recipients.force_staff", side_effect=RuntimeError("boom")):
        challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld", note="x")
    assert not Notification.objects.exists()
    assert Challenge.objects.get(pk=world.challenge.pk).status == "open"


@pytest.mark.django_db
def test_the_list_shows_only_my_own_with_the_unread_count_and_marks_read(world, client_for):
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="withdrawn", note="Agreed.")
    mine = Notification.objects.get(recipient=world.people.staff_a)
    theirs = Notification.objects.create(recipient=world.people.staff_b, event=Event.INSPECTION_PUBLISHED, key="x",
                                         message="Gloucestershire news", url="/")
    client = client_for(world.people.staff_a)
    page = client.get(reverse("notifications:list")).content.decode()
    assert mine.message in page and "Gloucestershire news" not in page
    assert '1<span class="govuk-visually-hidden"> unread</span>' in page
    for hostile in (str(theirs.pk), "1e3", "١", "9" * 40, "\x00"):
        client.post(reverse("notifications:mark_read"), {"notification": hostile})
    theirs.refresh_from_db()
    assert theirs.read_at is None  # nobody marks another person's notification
    assert client.post(reverse("notifications:mark_read"), {"notification": mine.pk}).status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "unread</span>" not in client.get(reverse("notifications:list")).content.decode()
    assert client.get(reverse("notifications:mark_read")).status_code == 405


@pytest.mark.django_db
def test_an_empty_list_says_what_will_appear(world, client_for):
    page = client_for(world.people.manager).get(reverse("notifications:list")).content.decode()
    assert "You have no notifications yet" in page


@pytest.mark.django_db
def test_each_person_gets_one_email_of_what_they_were_not_sent(world):
    get_user_model().objects.filter(pk=world.people.staff_a.pk).update(email="staff-a@tvp.example")
    make_user("staff-a-no-mail", Role.FORCE_STAFF, world.forces.a)
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld", note="Stands.")
    call_command("send_notifications", stdout=open("/dev/null", "w"))
    assert [message.to for message in mail.outbox] == [["staff-a@tvp.example"]]
    assert "was decided: upheld" in mail.outbox[0].body and world.challenge.get_absolute_url() in mail.outbox[0].body
    assert send_pending() == (0, 0)  # sent once
    assert Notification.objects.get(recipient__username="staff-a-no-mail").emailed_at is None  # in the app only


@pytest.mark.django_db
def test_a_failed_send_is_tried_again(world):
    get_user_model().objects.filter(pk=world.people.staff_a.pk).update(email="staff-a@tvp.example")
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld", note="Stands.")
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("mail server down")):
        assert send_pending() == (1, 1)  # claimed and recorded in the outbox; the send failed
    assert not mail.outbox
    waiting = OutboxMessage.objects.get()
    assert (waiting.sent_at, waiting.attempts, waiting.last_error) == (None, 1, "mail server down")
    assert send_pending() == (0, 0)  # nothing claimed twice; the waiting e-mail is delivered
    assert [message.to for message in mail.outbox] == [["staff-a@tvp.example"]]
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<outbox-{waiting.pk}-")


@pytest.mark.django_db
def test_an_email_claimed_in_a_transaction_that_rolls_back_is_never_sent(world):
    get_user_model().objects.filter(pk=world.people.staff_a.pk).update(email="staff-a@tvp.example")
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld", note="Stands.")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _send_to(get_user_model().objects.get(pk=world.people.staff_a.pk)) == 1
        raise RuntimeError("fails after the claim")
    assert not OutboxMessage.objects.exists() and not mail.outbox
    assert Notification.objects.get(recipient=world.people.staff_a).emailed_at is None
    assert send_pending() == (1, 1) and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_three_senders_at_once_send_each_notification_once(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL; CI runs this on PostgreSQL (DATABASE_URL)")
    force = Force.objects.get(slug="thames-valley")
    people = [make_user(f"staff-{n}", Role.FORCE_STAFF, force, email=f"staff-{n}@tvp.example") for n in range(4)]
    inspector = make_user("insp", Role.INSPECTOR, is_staff=True)
    for n in range(3):
        inspection = InspectionFactory(force=force, status=Inspection.Status.MODERATION,
                                       audit_period_start=f"202{n}-01-01", audit_period_end=f"202{n}-06-30")
        services.inspection_change_status(inspection=inspection, status="published", by=inspector)
    barrier = threading.Barrier(3)

    def sender():
        try:
            barrier.wait(5)
            send_pending()
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    sent = sorted((message.to[0], line.strip()) for message in mail.outbox for line in message.body.splitlines()
                  if line.startswith("  http"))  # each notification's own link
    assert len(sent) == len(set(sent)) == 3 * len(people)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


@pytest.mark.django_db
def test_an_error_challenged_on_another_forces_case_is_never_told_to_this_force(world):
    case_b = CaseFactory(inspection=world.inspection_b, reference="GLO-1", auditor=world.people.inspector2)
    error = ErrorFactory(crime=CrimeFactory(case=case_b, recorded_offence=None, recorded_at=None), kind="not_recorded")
    challenge = challenge_raise(error_id=error.pk, by=world.people.staff_b, reason="Recorded as GLO/CR/1.")
    challenge_resolve(challenge_id=challenge.pk, by=world.people.inspector, outcome="upheld", note="Stands.")
    assert told(Event.CHALLENGE_RAISED) == ["insp2"]
    assert told(Event.CHALLENGE_DECIDED) == ["staff-b"]
