"""The audit data: inspections, the cases sampled in them, the crimes each case should have
produced and the recording errors found. References and codes only: no victim names or narrative."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from audits.grading import GRADE_FIELDS, Grade, GradingScheme, Question, grade_problem, scheme_for, year_for
from audits.rules import (
    NO_CRIME_OUTCOMES,
    RULE_CODE_PATTERN,
    AviEvidenced,
    CancellationGround,
    CaseOutcome,
    EqualityInformation,
    ErrorKind,
    Safeguarding,
    Verdict,
    cancellation_review_problems,
    case_outcome_problems,
    default_rule_code,
)
from audits.scope import normalised_areas, scope_problems, treatment
from core.categories import (
    REPORT_CATEGORY_MEMBERS,
    RESULT_AREA_CHOICES,
    CancellationCategory,
    OffenceCategory,
)
from forces.scoping import ScopedQuerySet, scoped_queryset


def count_of(rows: models.QuerySet, field: str) -> Coalesce:
    """``rows`` whose ``field`` is the outer row, counted in a correlated subquery: the database counts them
    only for the rows a page shows (a join and GROUP BY would count every row of both tables first)."""
    counted = rows.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=models.Count("pk"))
    return Coalesce(Subquery(counted.values("n")), 0)


class InspectionQuerySet(ScopedQuerySet):
    force_field = "force_id"
    inspection_prefix = ""

    def self_audits(self):
        """A force's own audits (Inspection.Kind.FORCE_SELF_AUDIT)."""
        return self.filter(kind=Inspection.Kind.FORCE_SELF_AUDIT)

    def inspections(self):
        """The inspectorate's inspections: everything but the forces' own audits."""
        return self.exclude(kind=Inspection.Kind.FORCE_SELF_AUDIT)

    def with_case_count(self):
        return self.annotate(case_count=count_of(AuditedCase.objects.all(), "inspection"))


class AuditedCaseQuerySet(ScopedQuerySet):
    force_field = "inspection__force_id"

    def with_crime_count(self):
        return self.annotate(crime_count=count_of(AuditedCrime.objects.all(), "case"))

    def in_category(self, category):
        """Cases with a crime that should have been recorded in ``category`` (a ReportCategory,
        or OffenceCategory.OTHER for crimes outside the reported categories)."""
        members = (
            {OffenceCategory.OTHER} if category == OffenceCategory.OTHER else REPORT_CATEGORY_MEMBERS[category]
        )
        if members is None:
            return self
        return self.filter(pk__in=AuditedCrime.objects.filter(expected_offence__category__in=members).values("case_id"))

    def with_error(self, kind):
        return self.filter(pk__in=RecordingError.objects.filter(kind=kind).values("crime__case_id"))


class OffenceGroup(models.Model):
    """A Home Office offence group, e.g. Violence against the person."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OffenceSubgroup(models.Model):
    """A Home Office offence subgroup, e.g. Violence with injury, and the audit category it counts in."""

    group = models.ForeignKey(OffenceGroup, on_delete=models.PROTECT, related_name="subgroups")
    name = models.CharField(max_length=100, unique=True)
    category = models.CharField(max_length=40, choices=OffenceCategory.choices)

    class Meta:
        ordering = ["group__name", "name"]

    def __str__(self):
        return self.name


def normalise_offence_code(text: str) -> str:
    """A Home Office classification code as stored: upper case, the class and subclass joined by a dot with no
    leading zeros ("008N" is 8N; "4/1", "004/01" and "4.1" are 4.1)."""
    parts = [part.lstrip("0") or "0" for part in re.split(r"[./]", text.strip().upper().replace(" ", ""))]
    return ".".join(parts)


class OffenceCode(models.Model):
    """A Home Office offence classification (e.g. 8N Assault with injury) and the subgroup it counts in: an
    auditor picks an offence by typing its code or name."""

    code = models.CharField(max_length=10, unique=True, help_text="E.g. 8N, 105A, 4.1 (4/1 finds it too).")
    description = models.CharField(max_length=150)
    subgroup = models.ForeignKey(OffenceSubgroup, on_delete=models.PROTECT, related_name="codes")
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~Q(code=""), name="offence_code_not_blank")]

    def __str__(self):
        return f"{self.code} {self.description}"

    def save(self, *args, **kwargs):
        self.code = normalise_offence_code(self.code)
        super().save(*args, **kwargs)


class CountingRule(models.Model):
    """A provision of the National Crime Recording Standard or the Home Office Counting Rules that a
    recording error can break. Reference data: administrators keep the list; errors cite one each."""

    code = models.CharField(
        max_length=30, unique=True,
        validators=[RegexValidator(RULE_CODE_PATTERN, "Use capital letters, digits and hyphens only, e.g. HOCR-PCR.")],
        help_text="Short and stable: spreadsheets and the API cite rules by it. It cannot change once saved.")
    title = models.CharField(max_length=120)
    source = models.CharField(max_length=120, help_text="Where the rule is set out, e.g. NCRS, or a part of the "
                                                        "HOCR general rules.")
    description = models.TextField(max_length=2000, blank=True)
    is_active = models.BooleanField(
        "active", default=True,
        help_text="Only active rules can be newly cited; errors already citing an inactive rule keep it.")
    display_order = models.PositiveSmallIntegerField(default=100, help_text="Lower numbers are listed first.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="counting_rule_code_not_blank"),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"


class Inspection(models.Model):
    class Kind(models.TextChoices):
        CDI = "cdi", "Crime data integrity inspection"
        CDI_REINSPECTION = "cdi_reinspection", "Crime data integrity re-inspection"
        PEEL_VICTIM_SERVICE = "peel_victim_service", "PEEL victim service assessment"
        FORCE_SELF_AUDIT = "force_self_audit", "Force self-audit"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        FIELDWORK = "fieldwork", "Fieldwork"
        MODERATION = "moderation", "Moderation"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"  # a force's own audit, finished: never published

    #: Statuses whose audit data is locked: a published inspection, a closed self-audit.
    LOCKED_STATUSES = (Status.PUBLISHED, Status.CLOSED)

    Grade = Grade
    GradingScheme = GradingScheme

    force = models.ForeignKey("forces.Force", on_delete=models.PROTECT, related_name="inspections")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.CDI)
    previous_inspection = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_on_inspections"
    )
    audit_period_start = models.DateField(null=True, blank=True)
    audit_period_end = models.DateField(null=True, blank=True)
    fieldwork_start = models.DateField(null=True, blank=True)
    fieldwork_end = models.DateField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True, help_text="Date the report was published.")
    challenges_close_on = models.DateField(
        "challenges close on", null=True, blank=True,
        help_text="The last day the force may challenge findings. Left empty: until the inspection is published.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="The year the report is titled by (“… crime data integrity inspection 2017”). Left empty: the "
                  "year the audit period ends, else the year of the fieldwork. Never the publication year.")
    grading_scheme = models.CharField(
        max_length=20, choices=GradingScheme.choices, blank=True,
        help_text="Which grades the inspection could give. Left empty: the scheme in force when it was published, "
                  "else at fieldwork or at the end of the audit period, else today.")
    grade = models.CharField("overall grade", max_length=30, choices=Grade.choices, blank=True)
    effectiveness_grade = models.CharField(max_length=30, choices=Grade.choices, blank=True,
                                           help_text=Question.EFFECTIVENESS.label)
    systems_grade = models.CharField("systems and processes grade", max_length=30, choices=Grade.choices,
                                     blank=True, help_text=Question.SYSTEMS.label)
    leadership_grade = models.CharField("leadership and culture grade", max_length=30, choices=Grade.choices,
                                        blank=True, help_text=Question.LEADERSHIP.label)
    report_reference = models.CharField(max_length=300, blank=True, help_text="Report reference or address.")
    notes = models.TextField(blank=True, max_length=2000)
    sample_is_synthetic = models.BooleanField(
        default=False, help_text="The audited cases are made-up demonstration data, not a real sample."
    )
    reopen_reason = models.CharField(
        max_length=500, blank=True, help_text="Why a published inspection was reopened; the revision's reason."
    )
    # Scope (audits/scope.py): empty lists mean the inspection audited everything it reports.
    audited_areas = models.JSONField(
        default=list, blank=True, verbose_name="audited areas",
        help_text="The categories and results this inspection audited itself. Leave empty when it audited "
                  "everything it reports.")
    carried_forward_areas = models.JSONField(
        default=list, blank=True, verbose_name="carried-forward areas",
        help_text="The categories and results not audited again: the previous inspection's published figures "
                  "stand for them.")
    history = HistoricalRecords()

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = [F("published_on").desc(nulls_first=True), "-audit_period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audit_period_start__isnull=True)
                | Q(audit_period_end__isnull=True)
                | Q(audit_period_end__gte=F("audit_period_start")),
                name="inspection_audit_period_in_order",
                violation_error_message="The audit period must end on or after the day it starts.",
            ),
            models.CheckConstraint(
                condition=Q(fieldwork_start__isnull=True)
                | Q(fieldwork_end__isnull=True)
                | Q(fieldwork_end__gte=F("fieldwork_start")),
                name="inspection_fieldwork_in_order",
                violation_error_message="Fieldwork must end on or after the day it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="force_self_audit", status="published"),
                name="inspection_self_audit_never_published",
                violation_error_message="A force's own audit is closed, never published.",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(kind="force_self_audit"),
                name="inspection_only_self_audit_closed",
                violation_error_message="Only a force's own audit is closed; an inspection is published.",
            ),
            models.CheckConstraint(
                condition=~Q(previous_inspection=F("id")),
                name="inspection_not_its_own_previous",
                violation_error_message="An inspection cannot follow itself.",
            ),
            models.CheckConstraint(
                condition=Q(grading_scheme__in=GradingScheme.values),
                name="inspection_grading_scheme_known",
                violation_error_message="Give the inspection's grading scheme.",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=2000, year__lte=2100),
                name="inspection_year_plausible",
                violation_error_message="The inspection's year must be between 2000 and 2100.",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__in": ["", *Grade.values]}),
                    name=f"inspection_{field}_known",
                    violation_error_message=f"Not a grade: {field.replace('_', ' ')}.",
                )
                for field in GRADE_FIELDS.values()
            ],
            # "Adequate" exists only in the five-tier scheme (the model's clean says so first, naming the scheme).
            *[
                models.CheckConstraint(
                    condition=Q(grading_scheme=GradingScheme.PEEL_2021) | ~Q(**{field: Grade.ADEQUATE}),
                    name=f"inspection_{field}_adequate_only_five_tiers",
                    violation_error_message="“Adequate” is a grade of the PEEL 2021/22 five-tier scheme only.",
                )
                for field in GRADE_FIELDS.values()
            ],
        ]

    def __str__(self):
        return self.title

    @property
    def is_self_audit(self):
        """A force's own audit of itself (never published; labelled as the force's own wherever shown)."""
        return self.kind == self.Kind.FORCE_SELF_AUDIT

    @property
    def audit_period_label(self):
        """"March 2026" for a calendar month (or part of one); "March–May 2026", "December 2025–February 2026" or
        the dates otherwise; "" without a period."""
        return audit_period_label(self.audit_period_start, self.audit_period_end)

    @property
    def kind_title(self):
        """"Crime data integrity inspection 2017": the kind and the inspection's own year; a self-audit: "Own audit,
        March 2026"."""
        if self.is_self_audit:
            return f"Own audit, {self.audit_period_label}" if self.audit_period_label else "Own audit"
        return inspection_kind_title(self.get_kind_display(), self.year)

    @property
    def title(self):
        """"Thames Valley Police crime data integrity inspection 2017", as HMICFRS titles its reports; a self-audit
        "Kent Police's own audit, March 2026", so it is never taken for the inspectorate's."""
        if self.is_self_audit:
            return self_audit_title(self.force.name if self.force_id else "", self.audit_period_label)
        return inspection_title(self.force.name if self.force_id else "", self.get_kind_display(), self.year)

    def get_absolute_url(self):
        return reverse("audits:inspection", args=[self.pk])

    #: What publication freezes on the inspection itself, until an inspector reopens it.
    FROZEN_FIELDS = ("force", "kind", "audit_period_start", "audit_period_end", "fieldwork_start", "fieldwork_end",
                     "published_on", "year", "grading_scheme", *GRADE_FIELDS.values(), "sample_is_synthetic",
                     "audited_areas", "carried_forward_areas")

    @property
    def is_locked(self):
        """Published inspections' (and closed self-audits') audit data cannot change until reopened."""
        return self.status in self.LOCKED_STATUSES

    def fill_defaults(self):
        """A year and a grading scheme from the dates, where none was given."""
        if self.year is not None and self.grading_scheme:
            return
        dates = {}
        for name in ("published_on", "audit_period_end", "fieldwork_start", "fieldwork_end"):
            try:  # a date given as text is a date once saved; one that is not is refused by full_clean
                dates[name] = self._meta.get_field(name).to_python(getattr(self, name))
            except ValidationError:
                dates[name] = None
        if self.year is None:
            self.year = year_for(audit_period_end=dates["audit_period_end"], fieldwork_start=dates["fieldwork_start"],
                                 fieldwork_end=dates["fieldwork_end"])
        if not self.grading_scheme:
            self.grading_scheme = scheme_for(**dates)

    @property
    def records_scope(self):
        """True when the inspection says what it audited (a re-inspection that carried figures forward)."""
        return bool(self.audited_areas or self.carried_forward_areas)

    @property
    def challenges_closed(self):
        """Whether the closing date for challenges has passed (publication closes them too: see is_locked)."""
        return self.challenges_close_on is not None and timezone.localdate() > self.challenges_close_on

    def area_treatment(self, area):
        """audits.scope.AUDITED, CARRIED_FORWARD or NOT_AUDITED."""
        return treatment(area, self.audited_areas, self.carried_forward_areas)

    def clean(self):
        self.fill_defaults()
        errors = self_audit_problems(self)
        if self.previous_inspection_id and self.force_id and self.previous_inspection.force_id != self.force_id:
            errors["previous_inspection"] = "The previous inspection must be of the same force."
        if self.grading_scheme in GradingScheme.values:
            for field in GRADE_FIELDS.values():
                if problem := grade_problem(self.grading_scheme, getattr(self, field)):
                    errors[field] = problem
        self.audited_areas = normalised_areas(self.audited_areas or [])
        self.carried_forward_areas = normalised_areas(self.carried_forward_areas or [])
        errors.update(scope_problems(self.audited_areas, self.carried_forward_areas,
                                     self.previous_inspection_id is not None) or {})
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.fill_defaults()
        super().save(*args, **kwargs)

    def grade_of(self, question):
        return getattr(self, GRADE_FIELDS[Question(question)])


def audit_period_label(start, end) -> str:
    if start is None or end is None:
        return ""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B %Y}"
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        return f"{start:%B}–{end:%B %Y}" if start.year == end.year else f"{start:%B %Y}–{end:%B %Y}"
    return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"


def self_audit_title(force_name: str, period: str) -> str:
    """"Kent Police's own audit, March 2026"."""
    owner = f"{force_name}’s own audit" if force_name else "The force’s own audit"
    return f"{owner}, {period}" if period else owner


def self_audit_problems(inspection) -> dict[str, str]:
    """What a force's own audit cannot have (or must have); nothing for an inspection."""
    if not inspection.is_self_audit:
        return {}
    problems = {}
    if inspection.audit_period_start is None or inspection.audit_period_end is None:
        problems["audit_period_start"] = "Give the audit period the force's own audit covers (usually a month)."
    if inspection.previous_inspection_id:
        problems["previous_inspection"] = "A force's own audit follows no inspection: leave it empty."
    if inspection.published_on:
        problems["published_on"] = "A force's own audit is never published: leave the publication date empty."
    for field in GRADE_FIELDS.values():
        if getattr(inspection, field):
            problems[field] = "A force's own audit is not graded: leave the grades empty."
    if inspection.audited_areas or inspection.carried_forward_areas:
        problems["audited_areas"] = "A force's own audit carries nothing forward: leave the scope empty."
    return problems


def inspection_kind_title(kind_label: str, year: int | None) -> str:
    return f"{kind_label} {year}" if year else kind_label


def inspection_title(force_name: str, kind_label: str, year: int | None) -> str:
    """"Thames Valley Police crime data integrity inspection 2017" (an acronym such as PEEL keeps its capitals)."""
    kind = kind_label if kind_label[:2].isupper() else kind_label[:1].lower() + kind_label[1:]
    return " ".join(part for part in (force_name, kind, str(year) if year else "") if part)


class AuditedCase(models.Model):
    """One sampled record: an incident log, referral or crime record the auditors examined."""

    class Source(models.TextChoices):
        INCIDENT_LOG = "incident_log", "Incident (command and control) log"
        CRIME_BUREAU = "crime_bureau", "Crime recorded directly by a crime bureau"
        SAFEGUARDING_REFERRAL = "safeguarding_referral", "Safeguarding / public protection referral"
        THIRD_PARTY_REPORT = "third_party_report", "Third-party professional report"
        MODERN_SLAVERY_REFERRAL = "modern_slavery_referral", "Modern slavery referral"
        CANCELLED_CRIME = "cancelled_crime", "Cancelled crime record"
        TRANSFERRED_CRIME = "transferred_crime", "Transferred crime record"
        N100_RECORD = "n100_record", "N100 record"

    class Moderation(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        AGREED = "agreed", "Agreed"
        QUERIED = "queried", "Queried"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="cases")
    reference = models.CharField(max_length=64, help_text="The force's reference for the record audited.")
    source = models.CharField(max_length=40, choices=Source.choices)
    reported_at = models.DateTimeField(help_text="When the incident was reported to the force.")
    outcome = models.CharField(
        max_length=20, choices=CaseOutcome.choices, default=CaseOutcome.CRIMES,
        help_text="Crimes disclosed (enter them below), no crime disclosed, or N100 used correctly (an N100 "
                  "record only). A case ending with no crime has no crimes and needs a reason.")
    outcome_reason = models.CharField(
        "reason for the outcome", max_length=300, blank=True,
        help_text="Why no crime was disclosed, or why N100 was correct. References and codes only.")
    anonymous_report = models.BooleanField(default=False, help_text="The report was made anonymously.")
    third_party_report = models.BooleanField(
        default=False, help_text="Reported by a third party (e.g. a professional or a sexual assault referral centre).")
    equality_information = models.CharField(
        max_length=20, choices=EqualityInformation.choices, blank=True,
        help_text="Did the force obtain the victim's equality information? Empty: not assessed.")
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audited_cases", null=True, blank=True
    )
    moderation_state = models.CharField(
        max_length=20, choices=Moderation.choices, default=Moderation.DRAFT, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    query_reason = models.CharField(max_length=500, blank=True)
    notes = models.CharField(
        max_length=500, blank=True, help_text="Short notes. No victim names or narrative: references and codes only."
    )
    stratum = models.CharField(max_length=60, blank=True, help_text="The frame stratum a drawn case came from.")
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every change; stops lost updates.")
    history = HistoricalRecords()

    objects = AuditedCaseQuerySet.as_manager()

    class Meta:
        # Order by columns, not relations: ordering by a foreign key joins its table to sort by its ordering.
        ordering = ["inspection_id", "reference"]
        # The admin's case list sorts by these (Django adds the id, descending, to make the order total);
        # its search has trigram indexes of its own on PostgreSQL (migration 0016).
        indexes = [
            models.Index(fields=["reference", "-id"], name="case_reference_order_idx"),
            models.Index(fields=["reported_at", "-id"], name="case_reported_at_order_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "reference"],
                name="case_reference_unique_in_inspection",
                violation_error_message="This inspection already has a case with that reference.",
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="case_reference_not_blank"),
            models.CheckConstraint(
                condition=Q(outcome=CaseOutcome.CRIMES, outcome_reason="")
                | (Q(outcome__in=sorted(NO_CRIME_OUTCOMES)) & ~Q(outcome_reason="")),
                name="case_outcome_reason_when_no_crime",
                violation_error_message="A case ending with no crime needs a reason; one disclosing crimes has none.",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=CaseOutcome.N100_CORRECT) | Q(source="n100_record"),
                name="case_n100_correct_only_for_n100_records",
                violation_error_message="“N100 used correctly” is an outcome of an N100 record only.",
            ),
            models.CheckConstraint(
                condition=Q(equality_information__in=["", *EqualityInformation.values]),
                name="case_equality_information_known",
                violation_error_message="Equality information is yes, no, not applicable or empty.",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def ends_without_crime(self):
        return self.outcome in NO_CRIME_OUTCOMES

    def clean(self):
        # Whether it has crimes is checked by the services and the admin's crimes formset, which know them.
        problems = case_outcome_problems(outcome=self.outcome, reason=self.outcome_reason or "",
                                         source=self.source, crime_count=0)
        if problems:
            raise ValidationError(problems)

    def get_absolute_url(self):
        return reverse("audits:case", args=[self.pk])


class AuditedCrime(models.Model):
    """A crime the case should have produced under the Home Office Counting Rules, and what the force did."""

    Cancellation = CancellationGround

    case = models.ForeignKey(AuditedCase, on_delete=models.CASCADE, related_name="crimes")
    expected_offence = models.ForeignKey(
        OffenceSubgroup, on_delete=models.PROTECT, related_name="+", help_text="The offence that should have been recorded."
    )
    force_crime_reference = models.CharField(max_length=64, blank=True)
    recorded_offence = models.ForeignKey(
        OffenceSubgroup,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="What the force recorded; empty if it recorded no crime.",
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    cancellation_code = models.CharField(max_length=2, choices=Cancellation.choices, blank=True)
    # Flags that describe this crime's victim (one audited crime per victim), not the whole case.
    domestic_abuse = models.BooleanField(default=False)
    vulnerable_victim = models.BooleanField(default=False)
    modern_slavery = models.BooleanField(default=False)
    child_victim = models.BooleanField(default=False, help_text="The victim was under 18.")
    safeguarding = models.CharField(
        "safeguarding provided", max_length=20, choices=Safeguarding.choices, blank=True,
        help_text="For a crime the force did not record: was the victim safeguarded anyway? Yes, no or not known. "
                  "Empty for a recorded crime.")
    history = HistoricalRecords()

    objects = scoped_queryset("case__inspection__force_id").as_manager()

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recorded_at__isnull=True) | Q(recorded_offence__isnull=False),
                name="crime_recorded_at_needs_recorded_offence",
                violation_error_message="A recording time needs the offence the force recorded.",
            ),
            models.CheckConstraint(
                condition=Q(cancellation_code="") | Q(recorded_offence__isnull=False),
                name="crime_cancellation_needs_recorded_offence",
                violation_error_message="Only a recorded crime can be cancelled.",
            ),
            models.CheckConstraint(
                condition=Q(recorded_offence__isnull=True, safeguarding__in=Safeguarding.values)
                | Q(recorded_offence__isnull=False, safeguarding=""),
                name="crime_safeguarding_for_unrecorded_only",
                violation_error_message="Say whether the victim of an unrecorded crime was safeguarded (yes, no or not "
                                        "known); a recorded crime has no answer.",
            ),
        ]

    def __str__(self):
        return f"{self.expected_offence} ({self.case})"

    @property
    def is_recorded(self):
        return self.recorded_offence_id is not None

    @property
    def is_cancelled(self):
        return bool(self.cancellation_code)

    @property
    def error_kinds(self):
        return [error.kind for error in self.errors.all()]

    @property
    def cited_errors(self):
        """The crime's errors, each with the rule it cites (the API writes them out by this name)."""
        return self.errors.all()


class RecordingError(models.Model):
    """Something the force got wrong with an audited crime. A crime may have several, one of each kind."""

    crime = models.ForeignKey(AuditedCrime, on_delete=models.CASCADE, related_name="errors")
    kind = models.CharField(max_length=30, choices=ErrorKind.choices)
    rule = models.ForeignKey(CountingRule, on_delete=models.PROTECT, related_name="errors",
                             help_text="The NCRS or HOCR provision the error breaks; the usual one for its kind "
                                       "unless another is chosen.")
    history = HistoricalRecords()

    objects = scoped_queryset("crime__case__inspection__force_id").as_manager()

    class Meta:
        ordering = ["crime_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["crime", "kind"], name="error_kind_once_per_crime"),
        ]
        # The case list's "recording error" filter: the crimes with an error of one kind.
        indexes = [models.Index(fields=["kind", "crime"], name="error_kind_crime_idx")]

    def __str__(self):
        return self.get_kind_display()

    def save(self, *args, **kwargs):
        # The services always choose the rule; anything else creating an error gets the usual one.
        if self.rule_id is None:
            self.rule = CountingRule.objects.get(code=self.default_rule_code)
        super().save(*args, **kwargs)

    @property
    def default_rule_code(self):
        return default_rule_code(self.kind, self.crime.cancellation_code)

    @property
    def cites_default_rule(self):
        return self.rule.code == self.default_rule_code


class CancellationReview(models.Model):
    """A cancelled or transferred crime record reviewed in an inspection: was the cancellation correct? The
    reviews are a sample of their own ("x of y correct"), never part of a recording rate."""

    Ground = CancellationGround
    Avi = AviEvidenced
    Verdict = Verdict

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="cancellation_reviews")
    reference = models.CharField(max_length=64, help_text="The force's crime reference of the cancelled record.")
    category = models.CharField(max_length=40, choices=CancellationCategory.choices)
    ground = models.CharField("ground claimed", max_length=2, choices=CancellationGround.choices)
    avi_evidenced = models.CharField(
        "AVI evidenced", max_length=20, choices=AviEvidenced.choices, default=AviEvidenced.NOT_APPLICABLE,
        help_text="Was the additional verifiable information evidenced? Yes or no for C2; not applicable otherwise.")
    ddm_authorised = models.BooleanField("DDM authorised", help_text="Authorised by a designated decision maker.")
    victim_told = models.BooleanField("victim told", help_text="The victim was told of the cancellation.")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reason = models.CharField(max_length=300, blank=True, help_text="Why the cancellation was incorrect "
                                                                    "(required when it was; empty when correct).")
    notes = models.CharField(
        max_length=500, blank=True, help_text="Short notes. No victim names or narrative: references and codes only.")
    history = HistoricalRecords()

    objects = scoped_queryset("inspection__force_id").as_manager()

    class Meta:
        ordering = ["inspection_id", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "reference"], name="cancellation_review_reference_unique_in_inspection",
                violation_error_message="This inspection already has a cancellation review of that reference.",
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="cancellation_review_reference_not_blank"),
            models.CheckConstraint(
                condition=Q(category__in=CancellationCategory.values, ground__in=CancellationGround.values,
                            avi_evidenced__in=AviEvidenced.values, verdict__in=Verdict.values),
                name="cancellation_review_codes_known",
                violation_error_message="Category, ground, AVI answer and verdict must be among their choices.",
            ),
            models.CheckConstraint(
                condition=Q(ground=CancellationGround.C2, avi_evidenced__in=[AviEvidenced.YES, AviEvidenced.NO])
                | (~Q(ground=CancellationGround.C2) & Q(avi_evidenced=AviEvidenced.NOT_APPLICABLE)),
                name="cancellation_review_avi_answered_for_c2_only",
                violation_error_message="C2 needs the AVI answer (yes or no); other grounds take “not applicable”.",
            ),
            models.CheckConstraint(
                condition=Q(verdict=Verdict.CORRECT, reason="") | (Q(verdict=Verdict.INCORRECT) & ~Q(reason="")),
                name="cancellation_review_reason_when_incorrect",
                violation_error_message="An incorrect cancellation needs a reason; a correct one has none.",
            ),
            models.CheckConstraint(
                condition=~Q(ground=CancellationGround.C2, verdict=Verdict.CORRECT)
                | Q(avi_evidenced=AviEvidenced.YES, ddm_authorised=True),
                name="cancellation_review_correct_c2_evidenced_and_authorised",
                violation_error_message="A correct C2 cancellation needs the AVI evidenced and a DDM's authority.",
            ),
        ]

    def __str__(self):
        return f"Cancellation review {self.reference}"

    def clean(self):
        problems = cancellation_review_problems(ground=self.ground, avi_evidenced=self.avi_evidenced,
                                                ddm_authorised=self.ddm_authorised, verdict=self.verdict,
                                                reason=self.reason)
        if problems:
            raise ValidationError(problems)


class PublishedResult(models.Model):
    """A headline figure as published in an inspection report (not computed from audited cases)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="published_results")
    category = models.CharField(max_length=40, choices=RESULT_AREA_CHOICES,
                                help_text="A report category, or a result by source or flag.")
    rate = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Recording rate, per cent."
    )
    interval = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="± percentage points (95%)."
    )
    recorded = models.PositiveIntegerField(null=True, blank=True, help_text="“x” in “x of y”.")
    audited = models.PositiveIntegerField(null=True, blank=True, help_text="“y” in “x of y”.")
    unrecorded_per_year = models.PositiveIntegerField(null=True, blank=True)
    additional_recorded_per_year = models.PositiveIntegerField(null=True, blank=True)
    described_as = models.CharField(
        max_length=300, blank=True, help_text="What the report counted, in its words (e.g. “vulnerable victim "
                                              "crimes from safeguarding referrals”).")
    history = HistoricalRecords()

    objects = scoped_queryset("inspection__force_id").as_manager()

    class Meta:
        ordering = ["inspection_id", "category"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "category"], name="published_result_once_per_category"),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gte=0, rate__lte=100),
                name="published_rate_0_to_100",
                violation_error_message="A rate must be between 0 and 100 per cent.",
            ),
            models.CheckConstraint(
                condition=Q(interval__isnull=True) | Q(interval__gte=0, interval__lte=100),
                name="published_interval_0_to_100",
                violation_error_message="An interval must be between 0 and 100 percentage points.",
            ),
            models.CheckConstraint(
                condition=Q(recorded__isnull=True) | Q(audited__isnull=True) | Q(recorded__lte=F("audited")),
                name="published_recorded_not_above_audited",
                violation_error_message="More crimes recorded than audited.",
            ),
        ]

    def __str__(self):
        return f"{self.inspection}: {self.get_category_display()}"


class GradeRevision(models.Model):
    """A published grade changed after publication (HMIC revised Staffordshire's 2016 overall grade from
    requires improvement to good in February 2017). Append-only: the grade it replaced, when and why.
    Made only by audits.services.inspections.inspection_revise_grades, which also changes the grade and
    writes a new version of the published record."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="grade_revisions")
    question = models.CharField(max_length=20, choices=Question.choices)
    previous_grade = models.CharField(max_length=30, choices=Grade.choices, blank=True,
                                      help_text="As published before the revision; empty if it was not graded.")
    grade = models.CharField(max_length=30, choices=Grade.choices)
    revised_on = models.DateField(help_text="When the grade was revised.")
    reason = models.TextField(max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = scoped_queryset("inspection__force_id").as_manager()

    class Meta:
        ordering = ["inspection_id", "revised_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="grade_revision_has_reason",
                                   violation_error_message="Say why the grade was revised."),
            models.CheckConstraint(condition=~Q(grade=F("previous_grade")), name="grade_revision_changes_grade",
                                   violation_error_message="A revision changes the grade."),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="grade_revision_grade_known",
                                   violation_error_message="A revision gives a grade."),
            models.CheckConstraint(condition=Q(question__in=Question.values), name="grade_revision_question_known"),
        ]

    def __str__(self):
        return f"{self.get_question_display()}: {self.get_previous_grade_display() or 'not graded'} → " \
               f"{self.get_grade_display()} on {self.revised_on:%d/%m/%Y}"


class Challenge(models.Model):
    """Force staff dispute a recording error before publication; an inspector upholds or withdraws it.
    Withdrawing deletes the error (its history keeps it), so the challenge keeps what it was about."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld (the error stands)"
        WITHDRAWN = "withdrawn", "Withdrawn (the error was removed)"

    case = models.ForeignKey(AuditedCase, on_delete=models.CASCADE, related_name="challenges")
    error = models.ForeignKey(RecordingError, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="challenges")
    error_kind = models.CharField(max_length=30, choices=ErrorKind.choices)
    offence = models.CharField(max_length=100, help_text="The offence the disputed error was recorded against.")
    reason = models.TextField(max_length=2000)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(max_length=2000, blank=True)
    history = HistoricalRecords()

    objects = scoped_queryset("case__inspection__force_id").as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["error"], condition=Q(status="open"), name="one_open_challenge_per_error"),
            models.CheckConstraint(condition=~Q(reason=""), name="challenge_has_reason"),
        ]

    def __str__(self):
        return f"Challenge to {self.get_error_kind_display().lower()} on {self.case}"

    def get_absolute_url(self):
        return reverse("audits:challenge", args=[self.pk])


class SamplingFrame(models.Model):
    """The force's extract of records for the audit period: the population a sample is drawn from.
    Frozen once a sample has been drawn from it."""

    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="frame")
    filename = models.CharField(max_length=200)
    record_count = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = scoped_queryset("inspection__force_id").as_manager()

    def __str__(self):
        return f"Frame of {self.inspection}: {self.record_count} records"


class FrameRecord(models.Model):
    frame = models.ForeignKey(SamplingFrame, on_delete=models.CASCADE, related_name="records")
    reference = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    stratum = models.CharField(max_length=60, help_text="Opening code or source.")

    class Meta:
        ordering = ["frame_id", "stratum", "reference"]
        constraints = [models.UniqueConstraint(fields=["frame", "reference"], name="frame_reference_unique")]
        indexes = [models.Index(fields=["frame", "stratum", "reference"], name="frame_stratum_idx")]


class SampleDraw(models.Model):
    """A stratified random draw from a frame: the seed and sizes reproduce it exactly."""

    frame = models.OneToOneField(SamplingFrame, on_delete=models.PROTECT, related_name="draw")
    seed = models.BigIntegerField()
    populations = models.JSONField(help_text="Records in the frame per stratum.")
    sizes = models.JSONField(help_text="Records drawn per stratum.")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = scoped_queryset("frame__inspection__force_id").as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(seed__gte=0), name="draw_seed_not_negative")]

    @property
    def total(self):
        return sum(self.sizes.values())


class AppendOnly(Exception):
    """An access record is never changed or deleted, except by the retention command."""


class AccessRecordQuerySet(scoped_queryset("inspection__force_id")):  # type: ignore[misc]
    def update(self, **kwargs):
        raise AppendOnly("Access records are never changed.")

    def delete(self):
        raise AppendOnly("Access records are deleted only by the retention command (prune_access_records).")

    def prune(self):
        """Deletes these rows: for the retention command only (audits.services.access.prune_access_records)."""
        return models.QuerySet.delete(self)


class AccessRecord(models.Model):
    """Who read or exported an inspection's audit data, when and from where: one row per request, written by
    audits.services.access.record_access. Apart from the change history; append-only."""

    class Kind(models.TextChoices):
        CASES = "cases", "Viewed cases"
        REPORT = "report", "Viewed a report"
        EXPORT = "export", "Exported"
        EVIDENCE = "evidence", "Downloaded evidence"

    at = models.DateTimeField("when", default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, help_text="Kept if the user is deleted.")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   help_text="Empty for reads across inspections (a force's or the overall report).")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    path = models.CharField(max_length=500, help_text="The address read, with its query.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["inspection", "at"], name="access_inspection_at"),
                   models.Index(fields=["user", "at"], name="access_user_at")]

    def __str__(self):
        return f"{self.username} {self.get_kind_display().lower()} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Access records are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Access records are deleted only by the retention command (prune_access_records).")
