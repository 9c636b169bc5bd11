"""Findings of an inspection (causes of concern, recommendations, areas for improvement, the police and
crime commissioner's response) and their follow-up: an append-only timeline of progress updates,
status changes, evidence files and the inspectorate's verdicts."""

import uuid
from pathlib import PurePath
from typing import Self

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from forces.scoping import ScopedQuerySet, scoped_queryset


class Theme(models.Model):
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class FindingQuerySet(ScopedQuerySet):
    force_field = "inspection__force_id"

    def open(self) -> Self:
        return self.filter(status__in=Finding.OPEN_STATUSES)

    def overdue(self, today) -> Self:
        return self.open().filter(due_on__lt=today)

    def with_seen_version(self, user) -> Self:
        """Each finding with ``seen_version``: its version as ``user`` may know it. Every change bumps the
        version by one; for anyone outside the inspectorate the internal notes' bumps are left out, so that the
        number (and a conflict on it) moves only with what they can see."""
        from forces.roles import can_edit_audits

        if can_edit_audits(user):
            return self.annotate(seen_version=F("version"))
        return self.annotate(seen_version=F("version") - _internal_notes(finding=OuterRef("pk")))


class Finding(models.Model):
    class Kind(models.TextChoices):
        CAUSE_OF_CONCERN = "cause_of_concern", "Cause of concern"
        RECOMMENDATION = "recommendation", "Recommendation"
        AREA_FOR_IMPROVEMENT = "area_for_improvement", "Area for improvement"
        PCC_RESPONSE = "pcc_response", "Police and crime commissioner's response"

    class Timescale(models.TextChoices):
        IMMEDIATELY = "immediately", "Immediately"
        THREE_MONTHS = "3_months", "Within 3 months"
        SIX_MONTHS = "6_months", "Within 6 months"
        DATE = "date", "By a date"
        PCC_56_DAYS = "56_days", "Within 56 days of publication"

    class Owner(models.TextChoices):
        FORCE = "force", "Force"
        PCC = "pcc", "Police and crime commissioner"
        NATIONAL = "national", "National body"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        IMPLEMENTED = "implemented", "Implemented (claimed by the force)"
        COMPLETE = "complete", "Complete (verified by an inspector)"
        DISCHARGED = "discharged", "Discharged"
        SUPERSEDED = "superseded", "Superseded"

    OPEN_STATUSES = [Status.OPEN, Status.IN_PROGRESS, Status.IMPLEMENTED]

    inspection = models.ForeignKey("audits.Inspection", on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               help_text="The cause of concern this recommendation sits under.")
    reference = models.CharField(max_length=40)
    text = models.TextField(max_length=4000)
    accelerated = models.BooleanField(default=False, help_text="An accelerated cause of concern, published early.")
    timescale = models.CharField(max_length=20, choices=Timescale.choices, default=Timescale.SIX_MONTHS)
    due_on = models.DateField(null=True, blank=True, help_text="Worked out from the publication date and timescale.")
    owner = models.CharField(max_length=20, choices=Owner.choices, default=Owner.FORCE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="supersedes")
    themes = models.ManyToManyField(Theme, blank=True, related_name="findings")
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every change; stops lost updates.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[themes])

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["inspection_id", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "reference"], name="finding_reference_unique",
                                    violation_error_message="This inspection already has a finding with that reference."),
            models.CheckConstraint(condition=~Q(reference=""), name="finding_reference_not_blank"),
            models.CheckConstraint(condition=Q(accelerated=False) | Q(kind="cause_of_concern"),
                                   name="finding_only_causes_of_concern_accelerated",
                                   violation_error_message="Only a cause of concern can be accelerated."),
            models.CheckConstraint(condition=Q(parent__isnull=True) | Q(kind="recommendation"),
                                   name="finding_only_recommendations_have_parent",
                                   violation_error_message="Only a recommendation sits under a cause of concern."),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="finding_not_own_parent"),
            models.CheckConstraint(condition=~Q(timescale="date") | Q(due_on__isnull=False),
                                   name="finding_date_timescale_has_due_date",
                                   violation_error_message="Give the due date for a timescale “by a date”."),
        ]

    def __str__(self):
        return f"{self.reference}: {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("recommendations:finding", args=[self.pk])

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class FollowUpQuerySet(ScopedQuerySet):
    force_field = "finding__inspection__force_id"

    def visible_to(self, user) -> Self:
        """Scoped, and without internal inspectorate notes for anyone outside the inspectorate."""
        from forces.roles import can_edit_audits

        entries = self.for_user(user)
        return entries if can_edit_audits(user) else entries.filter(visibility=FollowUp.Visibility.FORCE)

    def with_seen_version(self, user) -> Self:
        """Each entry with ``seen_version``: the finding's version once it was written, as ``user`` may know
        it (see FindingQuerySet.with_seen_version)."""
        from forces.roles import can_edit_audits

        if can_edit_audits(user):
            return self.annotate(seen_version=F("version"))
        return self.annotate(seen_version=F("version") - _internal_notes(
            finding=OuterRef("finding"), version__lt=OuterRef("version")))


def _internal_notes(**where):
    """How many internal notes match ``where`` (a subquery; 0 for none)."""
    notes = (FollowUp.objects.filter(visibility=FollowUp.Visibility.INTERNAL, **where).order_by()
             .values("finding").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(notes), Value(0))


def evidence_path(instance, filename):
    # Random, unguessable names; the original name is kept in the database only.
    return f"evidence/{instance.follow_up.finding.inspection.force_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class FollowUp(models.Model):
    """One entry in a finding's timeline. Append-only: never changed or deleted once written."""

    class Visibility(models.TextChoices):
        FORCE = "force", "Visible to the force"
        INTERNAL = "internal", "Internal to the inspectorate"

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="follow_ups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status_from = models.CharField(max_length=20, choices=Finding.Status.choices, blank=True)
    status_to = models.CharField(max_length=20, choices=Finding.Status.choices, blank=True)
    comment = models.TextField(max_length=4000, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.FORCE)
    version = models.PositiveIntegerField(help_text="The finding's version once this entry was written.")

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["finding_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(comment="") | ~Q(status_to=""), name="follow_up_says_something"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Follow-up entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Follow-up entries are append-only.")


class EvidenceQuerySet(ScopedQuerySet):
    force_field = "follow_up__finding__inspection__force_id"

    def visible_to(self, user) -> Self:
        from forces.roles import can_edit_audits

        files = self.for_user(user)
        return files if can_edit_audits(user) else files.filter(follow_up__visibility=FollowUp.Visibility.FORCE)


class Evidence(models.Model):
    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["follow_up_id", "id"]
        verbose_name_plural = "evidence"

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("recommendations:evidence", args=[self.follow_up.finding_id, self.pk])


class Verdict(models.Model):
    """A later inspection's verdict on an earlier inspection's finding (carry-over)."""

    class Outcome(models.TextChoices):
        IMPLEMENTED = "implemented", "Implemented"
        PARTLY = "partly_implemented", "Partly implemented"
        NOT_IMPLEMENTED = "not_implemented", "Not implemented"

    inspection = models.ForeignKey("audits.Inspection", on_delete=models.CASCADE, related_name="verdicts")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="verdicts")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    comment = models.TextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    objects = scoped_queryset("inspection__force_id").as_manager()

    class Meta:
        ordering = ["inspection_id", "finding_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "finding"], name="verdict_once_per_inspection"),
        ]

    def __str__(self):
        return f"{self.finding.reference}: {self.get_outcome_display()}"


class ReminderSent(models.Model):
    """A reminder claimed for sending. The unique constraint is what stops two servers running
    send_reminders at once from sending the same reminder twice."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Due within 14 days"
        OVERDUE = "overdue", "Overdue"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    period = models.CharField(max_length=20, help_text="The due date (due soon) or ISO week (overdue).")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "recipient", "kind", "period"], name="reminder_once"),
        ]
