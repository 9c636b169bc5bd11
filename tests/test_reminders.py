"""send_reminders: a digest per person, each reminder sent once, safe on several servers at once."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from core.models import OutboxMessage
from forces.models import Force
from forces.roles import Role
from recommendations import reminders
from recommendations.models import Finding, ReminderSent
from tests.factories import FindingFactory, InspectionFactory, make_user

TODAY = date(2025, 3, 3)


def run(day=TODAY):
    call_command("send_reminders", "--date", day.isoformat(), stdout=open("/dev/null", "w"))


@pytest.fixture
def due(world):
    world.people.staff_a.email = "registrar@tvp.example"
    world.people.staff_a.save()
    world.people.staff_b.email = "registrar@glos.example"
    world.people.staff_b.save()
    world.people.inspector.email = "inspector@hmicfrs.example"
    world.people.inspector.save()
    Finding.objects.filter(pk__in=[world.finding.pk, world.finding_b.pk]).update(due_on=date(2030, 1, 1))
    soon = FindingFactory(inspection=world.inspection, reference="SOON", due_on=TODAY + timedelta(days=10))
    late = FindingFactory(inspection=world.inspection, reference="LATE", due_on=TODAY - timedelta(days=3))
    FindingFactory(inspection=world.inspection, reference="LATER", due_on=TODAY + timedelta(days=30))
    FindingFactory(inspection=world.inspection, reference="DONE", due_on=TODAY - timedelta(days=3), status="complete")
    national = FindingFactory(inspection=world.inspection_b, reference="NATIONAL", owner="national",
                              due_on=TODAY - timedelta(days=1))
    return soon, late, national


@pytest.mark.django_db
def test_each_owner_gets_one_digest_of_what_is_due_soon_or_overdue(due):
    run()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"registrar@tvp.example", "inspector@hmicfrs.example"}
    tvp = by_recipient["registrar@tvp.example"]
    assert "2 findings to act on (1 overdue)" in tvp.subject
    assert "SOON" in tvp.body and "LATE" in tvp.body and "LATER" not in tvp.body and "DONE" not in tvp.body
    assert "NATIONAL" in by_recipient["inspector@hmicfrs.example"].body
    assert "NATIONAL" not in tvp.body


@pytest.mark.django_db
def test_running_twice_sends_each_reminder_once(due):
    run()
    run()
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 3


@pytest.mark.django_db
def test_overdue_reminders_repeat_weekly_but_due_soon_ones_do_not(due):
    run()
    run(TODAY + timedelta(days=7))
    second = [m for m in mail.outbox[2:] if m.to == ["registrar@tvp.example"]]
    assert len(second) == 1 and "LATE" in second[0].body and "SOON" not in second[0].body


@pytest.mark.django_db
def test_a_failed_send_keeps_the_claim_and_leaves_the_digest_in_the_outbox_to_retry(due, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    run()
    assert ReminderSent.objects.count() == 3 and not mail.outbox
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert waiting.count() == 2 and {m.attempts for m in waiting} == {1}
    assert {m.last_error for m in waiting} == {"mail server down"}
    monkeypatch.undo()
    run()  # claims nothing new; delivers what is waiting
    assert len(mail.outbox) == 2 and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    call_command("send_outbox", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 2  # sent once


@pytest.mark.django_db
def test_a_claim_that_rolls_back_sends_nothing(due, world):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert reminders._send_digest(world.people.staff_a, list(reminders.due_reminders(TODAY)), TODAY) == 3
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the claim's transaction fails after the claim")
    assert not ReminderSent.objects.exists() and not OutboxMessage.objects.exists()
    call_command("send_outbox", stdout=open("/dev/null", "w"))
    assert not mail.outbox


@pytest.mark.django_db
def test_bad_date_is_refused(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "03/03/2025")


@pytest.mark.django_db(transaction=True)
def test_several_servers_at_once_send_nothing_twice(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL; CI runs this on PostgreSQL (DATABASE_URL)")
    force = Force.objects.get(slug="thames-valley")
    make_user("registrar", Role.FORCE_STAFF, force, email="registrar@tvp.example")
    inspection = InspectionFactory(force=force)
    for n in range(5):
        FindingFactory(inspection=inspection, due_on=TODAY - timedelta(days=n + 1))
    barrier = threading.Barrier(3)

    def server():
        try:
            barrier.wait(5)
            run()
        finally:
            connection.close()

    threads = [threading.Thread(target=server) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    sent = [finding for message in mail.outbox for finding in message.body.count("overdue since") * [message]]
    assert len(sent) == 5, [m.body for m in mail.outbox]
    assert ReminderSent.objects.count() == 5
