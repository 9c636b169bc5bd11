"""Writes to notifications: record an event for the people it concerns (once each), mark them read."""

from collections.abc import Iterable

from django.utils import timezone

from notifications.models import Notification


def notify(*, event: str, key: str, recipients: Iterable, message: str, url: str) -> None:
    """Tell each recipient about this event. Announcing the same event again (a signal sent twice, a retry)
    records nothing new: the unique constraint on (recipient, event, key) keeps the first."""
    Notification.objects.bulk_create(
        [Notification(recipient=person, event=event, key=key[:100], message=message[:500], url=url[:300])
         for person in recipients],
        ignore_conflicts=True)


def mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's own notifications read, or all of them. Returns how many changed."""
    unread = Notification.objects.for_user(user).unread()
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
