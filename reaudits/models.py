"""Re-audits: an inspector takes a seeded sub-sample of a force's self-audit and records their own verdict on
each audited crime, blind to the force's, so that the app can say how far the force's auditors agree with the
inspectorate's (reports/agreement.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from audits.rules import ErrorKind
from forces.scoping import scoped_queryset


class ReAudit(models.Model):
    """A seeded sub-sample of one self-audit's cases, re-audited by one inspector. The seed, the size and the
    cases eligible at the draw reproduce the sample exactly. Submitted once; final."""

    self_audit = models.ForeignKey("audits.Inspection", on_delete=models.PROTECT, related_name="reaudits")
    seed = models.BigIntegerField()
    size = models.PositiveIntegerField(help_text="Cases drawn.")
    population = models.PositiveIntegerField(help_text="Cases with audited crimes in the self-audit at the draw.")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = scoped_queryset("self_audit__force_id").as_manager()

    class Meta:
        ordering = ["-drawn_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(seed__gte=0), name="reaudit_seed_not_negative"),
            models.CheckConstraint(condition=Q(size__gte=1, size__lte=models.F("population")),
                                   name="reaudit_size_within_population",
                                   violation_error_message="A re-audit draws between one case and all of them."),
        ]

    def __str__(self):
        return f"Re-audit of {self.self_audit} ({self.size} cases, seed {self.seed})"

    @property
    def is_submitted(self):
        return self.submitted_at is not None

    def get_absolute_url(self):
        return reverse("reaudits:detail", args=[self.pk])


class ReAuditCase(models.Model):
    """One case of the sub-sample, in the order drawn."""

    reaudit = models.ForeignKey(ReAudit, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey("audits.AuditedCase", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(help_text="1 for the first case drawn.")
    entered_at = models.DateTimeField(null=True, blank=True, help_text="When the inspector last saved it.")
    history = HistoricalRecords()

    objects = scoped_queryset("reaudit__self_audit__force_id").as_manager()

    class Meta:
        ordering = ["reaudit_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["reaudit", "case"], name="reaudit_case_once"),
            models.UniqueConstraint(fields=["reaudit", "position"], name="reaudit_case_position_once"),
        ]

    def __str__(self):
        return f"{self.case} (re-audit {self.reaudit_id}, {self.position})"


class ReAuditVerdict(models.Model):
    """The inspector's verdict on one audited crime, and (frozen when the re-audit is submitted) the force's."""

    reaudit_case = models.ForeignKey(ReAuditCase, on_delete=models.CASCADE, related_name="verdicts")
    crime = models.ForeignKey("audits.AuditedCrime", on_delete=models.CASCADE, related_name="+")
    compliant = models.BooleanField(help_text="The inspector found it recorded correctly (no recording error).")
    force_compliant = models.BooleanField(null=True, blank=True,
                                          help_text="The force's verdict, frozen at submission.")
    history = HistoricalRecords()

    objects = scoped_queryset("reaudit_case__reaudit__self_audit__force_id").as_manager()

    class Meta:
        ordering = ["reaudit_case_id", "crime_id"]
        constraints = [models.UniqueConstraint(fields=["reaudit_case", "crime"], name="reaudit_verdict_once")]

    def __str__(self):
        return f"Verdict on {self.crime_id}: {'compliant' if self.compliant else 'not compliant'}"


class ReAuditFinding(models.Model):
    """A recording error found on a re-audited crime, by the inspector or (copied at submission) by the force,
    with the rule it cites."""

    class Side(models.TextChoices):
        INSPECTORATE = "inspectorate", "Inspectorate"
        FORCE = "force", "Force"

    verdict = models.ForeignKey(ReAuditVerdict, on_delete=models.CASCADE, related_name="findings")
    side = models.CharField(max_length=20, choices=Side.choices)
    kind = models.CharField(max_length=30, choices=ErrorKind.choices)
    rule = models.ForeignKey("audits.CountingRule", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    objects = scoped_queryset("verdict__reaudit_case__reaudit__self_audit__force_id").as_manager()

    class Meta:
        ordering = ["verdict_id", "side", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["verdict", "side", "kind"], name="reaudit_finding_kind_once_a_side"),
            models.CheckConstraint(condition=Q(side__in=["inspectorate", "force"]), name="reaudit_finding_side_known"),
        ]

    def __str__(self):
        return f"{self.get_side_display()}: {self.get_kind_display()} ({self.rule_id})"
