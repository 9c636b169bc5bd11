"""The e-mail outbox (core.outbox): sent only once committed, once each even with several senders at once."""

import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from core import outbox
from core.models import OutboxMessage


@pytest.mark.django_db
def test_a_message_recorded_in_a_transaction_that_rolls_back_is_never_sent():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.record(to="a@example.org", subject="S", body="B")
        raise RuntimeError
    assert outbox.deliver_pending() == (0, 0) and not mail.outbox


@pytest.mark.django_db
def test_a_failed_send_is_kept_and_sent_by_the_next_run(monkeypatch):
    outbox.record(to="a@example.org", subject="Hello", body="Body")
    monkeypatch.setattr("django.core.mail.EmailMessage.send", lambda self: (_ for _ in ()).throw(OSError("down")))
    assert outbox.deliver_pending() == (0, 1)
    monkeypatch.undo()
    assert outbox.deliver_pending() == (1, 0)
    assert outbox.deliver_pending() == (0, 0)
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [(["a@example.org"], "Hello", "Body")]
    assert OutboxMessage.objects.get().attempts == 2


@pytest.mark.django_db(transaction=True)
def test_three_senders_at_once_send_each_message_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent senders need PostgreSQL; CI runs this on PostgreSQL (DATABASE_URL)")
    for n in range(30):
        outbox.record(to=f"p{n}@example.org", subject=f"S{n}", body="B")
    barrier = threading.Barrier(3)

    def sender():
        try:
            barrier.wait(5)
            outbox.deliver_pending()
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(m.subject for m in mail.outbox) == sorted(f"S{n}" for n in range(30))
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
