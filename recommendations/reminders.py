"""Reminder digests for findings due within 14 days and overdue ones.

Each (finding, recipient, kind, period) is claimed by inserting a ReminderSent row under a unique
constraint, and the digest is recorded in the e-mail outbox in the same transaction (core.outbox): a
second run, or another server running at the same moment, finds the claim and records nothing; a claim
that rolls back leaves nothing to send. The outbox is delivered after the claims commit; a failed send
stays in the outbox for the next run. Overdue reminders repeat once an ISO week; due-soon ones once per
due date.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from core import outbox
from forces.models import ForceMembership
from forces.roles import Role
from recommendations.models import Finding, ReminderSent

DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class Reminder:
    finding: Finding
    kind: str
    period: str


def due_reminders(today):
    findings = (Finding.objects.open().filter(due_on__isnull=False, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
                .select_related("inspection__force").order_by("due_on", "reference"))
    for finding in findings:
        if finding.due_on < today:
            year, week, _ = today.isocalendar()
            yield Reminder(finding, ReminderSent.Kind.OVERDUE, f"{year}-W{week:02d}")
        else:
            yield Reminder(finding, ReminderSent.Kind.DUE_SOON, finding.due_on.isoformat())


def recipients_by_force():
    """Active force staff with an email address, per force id."""
    people = defaultdict(list)
    memberships = ForceMembership.objects.filter(
        user__is_active=True, user__groups__name=Role.FORCE_STAFF.value).exclude(user__email="").select_related("user")
    for membership in memberships:
        people[membership.force_id].append(membership.user)
    return people


def inspectors():
    return list(get_user_model().objects.filter(is_active=True).filter(
        Q(groups__name=Role.INSPECTOR.value)).exclude(email="").distinct())


def owners_of(finding, staff_by_force, inspectorate):
    if finding.owner == Finding.Owner.NATIONAL:
        return inspectorate
    return staff_by_force.get(finding.inspection.force_id, [])


def send_reminders(today):
    """Record for each person one digest of their unclaimed reminders, then deliver the outbox. Returns (digests,
    reminders in them)."""
    staff_by_force, inspectorate = recipients_by_force(), inspectors()
    per_person = defaultdict(list)
    for reminder in due_reminders(today):
        for person in owners_of(reminder.finding, staff_by_force, inspectorate):
            per_person[person].append(reminder)
    emails = reminders_sent = 0
    for person, reminders in per_person.items():
        sent = _send_digest(person, reminders, today)
        emails += bool(sent)
        reminders_sent += sent
    outbox.deliver_pending()
    return emails, reminders_sent


@transaction.atomic
def _send_digest(person, reminders, today):
    claimed = [
        reminder for reminder in reminders
        if ReminderSent.objects.get_or_create(finding=reminder.finding, recipient=person, kind=reminder.kind,
                                              period=reminder.period)[1]
    ]
    if not claimed:
        return 0
    lines = [
        f"- {r.finding.reference} ({r.finding.inspection.force.name}, {r.finding.get_kind_display().lower()}): "
        f"{'overdue since' if r.kind == ReminderSent.Kind.OVERDUE else 'due on'} {r.finding.due_on:%d/%m/%Y}, "
        f"status {r.finding.get_status_display().lower()}. {settings.SITE_URL}{r.finding.get_absolute_url()}"
        for r in claimed
    ]
    overdue = sum(1 for r in claimed if r.kind == ReminderSent.Kind.OVERDUE)
    outbox.record(
        subject=f"Crime data integrity: {len(claimed)} finding{'s' if len(claimed) != 1 else ''} to act on"
                f"{f' ({overdue} overdue)' if overdue else ''}",
        body=f"Dear {person.get_full_name() or person.get_username()},\n\n"
             f"These findings are overdue or due within {DUE_SOON_DAYS} days (as of {today:%d/%m/%Y}):\n\n"
             + "\n".join(lines) + "\n\nUpdate them on their pages: progress, evidence and status.\n",
        to=person.email,
    )
    return len(claimed)
