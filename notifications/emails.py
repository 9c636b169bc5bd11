"""E-mail for notifications: each person gets one message listing what they have not yet been sent.

Safe on several servers at once: a sender locks a person's unsent notifications (skipping any another sender
holds), sends, and marks them sent in the same transaction. A failed send rolls the marks back, so the next
run tries again; nothing is ever sent twice."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification


def send_pending() -> tuple[int, int]:
    """Send every unsent notification of people with an e-mail address. Returns (e-mails, notifications)."""
    people = get_user_model().objects.filter(
        is_active=True, notifications__emailed_at__isnull=True).exclude(email="").distinct()
    emails = sent = 0
    for person in people:
        count = _send_to(person)
        emails += bool(count)
        sent += count
    return emails, sent


@transaction.atomic
def _send_to(person) -> int:
    pending = list(Notification.objects.select_for_update(skip_locked=True)
                   .filter(recipient=person, emailed_at__isnull=True).order_by("created_at", "id"))
    if not pending:
        return 0
    lines = [f"- {notification.message}\n  {settings.SITE_URL}{notification.url}" for notification in pending]
    send_mail(
        subject=f"Crime data integrity: {len(pending)} update{'s' if len(pending) != 1 else ''}",
        message=f"Dear {person.get_full_name() or person.get_username()},\n\n" + "\n".join(lines)
                + f"\n\nSee them all: {settings.SITE_URL}/notifications/\n",
        from_email=None,
        recipient_list=[person.email],
    )
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(pending)
