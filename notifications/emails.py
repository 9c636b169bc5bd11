"""E-mail for notifications: each person gets one message listing what they have not yet been sent.

Safe on several servers at once: a sender locks a person's unsent notifications (skipping any another sender
holds), marks them e-mailed and records the e-mail in the outbox (core.outbox) in the same transaction; the
outbox is delivered after that commits. A transaction that rolls back sends nothing; a failed send stays in the
outbox for the next run; nothing is sent twice."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core import outbox
from notifications.models import Notification


def send_pending() -> tuple[int, int]:
    """Record an e-mail of every unsent notification of people with an e-mail address, then deliver the outbox.
    Returns (e-mails recorded, notifications in them)."""
    people = get_user_model().objects.filter(
        is_active=True, notifications__emailed_at__isnull=True).exclude(email="").distinct()
    emails = sent = 0
    for person in people:
        count = _send_to(person)
        emails += bool(count)
        sent += count
    outbox.deliver_pending()
    return emails, sent


@transaction.atomic
def _send_to(person) -> int:
    pending = list(Notification.objects.select_for_update(skip_locked=True)
                   .filter(recipient=person, emailed_at__isnull=True).order_by("created_at", "id"))
    if not pending:
        return 0
    lines = [f"- {notification.message}\n  {settings.SITE_URL}{notification.url}" for notification in pending]
    outbox.record(
        subject=f"Crime data integrity: {len(pending)} update{'s' if len(pending) != 1 else ''}",
        body=f"Dear {person.get_full_name() or person.get_username()},\n\n" + "\n".join(lines)
             + f"\n\nSee them all: {settings.SITE_URL}/notifications/\n",
        to=person.email,
    )
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(pending)
