from django.conf import settings
from django.db import models


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A person's own notifications: nobody sees anyone else's."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One event told to one person, in the app and by e-mail. The unique constraint records each event once per
    person however often it is announced; ``emailed_at`` is set in the transaction that sends the e-mail."""

    class Event(models.TextChoices):
        CHALLENGE_RAISED = "challenge_raised", "Challenge raised"
        CHALLENGE_DECIDED = "challenge_decided", "Challenge decided"
        CASE_QUERIED = "case_queried", "Case queried"
        FINDING_SENT_BACK = "finding_sent_back", "Finding sent back"
        FINDING_VERIFIED = "finding_verified", "Finding verified"
        INSPECTION_PUBLISHED = "inspection_published", "Inspection published"
        REAUDIT_FINISHED = "reaudit_finished", "Re-audit finished"
        SELF_AUDIT_CLOSED = "self_audit_closed", "Self-audit closed"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=30, choices=Event.choices)
    key = models.CharField(max_length=100, help_text="What the event is about, e.g. challenge-12 or inspection-3-v2.")
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "event", "key"], name="notification_once")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.get_event_display()} for {self.recipient}: {self.message}"
