"""The e-mail outbox. ``record`` writes a message in the caller's transaction (so a rolled-back claim sends
nothing); ``deliver_pending`` sends what has been committed, one row at a time, each under a row lock that
other senders skip, marking it sent in the same transaction as the send. A failed send rolls back that mark
and counts the attempt: the row stays for the next run. Each message carries a Message-ID fixed by its row,
so in the one case a sender cannot rule out -- the process dying after the mail server accepted the message
and before its mark committed -- the copy sent on the next run is the same message, which mail servers and
clients recognise as a duplicate."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import OutboxMessage

logger = logging.getLogger(__name__)


def record(*, to: str, subject: str, body: str) -> OutboxMessage:
    return OutboxMessage.objects.create(to=to, subject=subject[:300], body=body)


def deliver_pending() -> tuple[int, int]:
    """Send every committed, unsent message. Returns (sent, failed)."""
    sent = failed = 0
    for pk in list(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)):
        try:
            sent += _deliver(pk)
        except Exception as error:  # noqa: BLE001 -- any failure leaves the row for the next run
            failed += 1
            logger.warning("outbox message %s not sent: %s", pk, error)
            OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).update(
                attempts=F("attempts") + 1, last_error=str(error)[:500])
    return sent, failed


@transaction.atomic
def _deliver(pk: int) -> int:
    message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk, sent_at__isnull=True).first()
    if message is None:  # sent already, or another sender holds it
        return 0
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    EmailMessage(subject=message.subject, body=message.body, to=[message.to],
                 headers={"Message-ID": f"<outbox-{message.pk}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"}).send()
    OutboxMessage.objects.filter(pk=pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return 1
