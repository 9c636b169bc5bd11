"""The published result record: what an inspection's figures were when it was published.

Publishing freezes every figure the app reports for the inspection as a numbered version: rates and
their intervals under each method, timeliness, errors by kind, the headline figures as the report
published them, each unrecorded-crime estimate with its base, the recording errors by the rule they
cite (with the rules' titles as they then read) and the cancellation review. Pages, exports and the API read
published figures from here, never from a live aggregate, so changing audit data or reference data
(an offence subgroup's category, a recorded-crime volume) cannot move a published figure. Reopening
and republishing writes a new version with a reason; earlier versions stay readable.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from forces.scoping import scoped_queryset


class ResultVersion(models.Model):
    inspection = models.ForeignKey("audits.Inspection", on_delete=models.PROTECT, related_name="result_versions")
    number = models.PositiveIntegerField()
    published_on = models.DateField(help_text="The inspection's publication date when this version was frozen.")
    frozen_at = models.DateTimeField(auto_now_add=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", help_text="Empty when loaded from a published report.")
    reason = models.TextField(max_length=2000, blank=True, help_text="Why the figures were revised (versions 2 on).")
    is_synthetic = models.BooleanField(default=False, help_text="Computed from a synthetic (made-up) sample.")
    has_cases = models.BooleanField(default=False, help_text="Figures were computed from audited cases.")
    weighted = models.JSONField(null=True, blank=True, help_text="The stratified estimate, if the sample was drawn.")
    year = models.PositiveSmallIntegerField(null=True, blank=True,
                                            help_text="The inspection's year, which the report is titled by.")
    grading_scheme = models.CharField(max_length=20, blank=True, help_text="The scheme its grades were given under.")
    rules_cited = models.JSONField(
        null=True, blank=True,
        help_text="The counting rules the recording errors cited, as they read when frozen: [{code, title, source}] "
                  "in display order. Empty for versions frozen before errors cited rules.")
    case_outcomes = models.JSONField(
        null=True, blank=True,
        help_text="Records audited by source (cases, no crime disclosed, N100 used correctly), equality information "
                  "answers and unrecorded crimes' safeguarding answers (reports.results.CaseOutcomes). Empty for "
                  "versions frozen before these were recorded.")

    objects = scoped_queryset("inspection__force_id").as_manager()

    class Meta:
        ordering = ["inspection_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "number"], name="result_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="result_version_number_positive"),
            models.CheckConstraint(condition=Q(number=1) | ~Q(reason=""), name="result_revision_has_reason",
                                   violation_error_message="A revised version needs a reason."),
        ]

    def __str__(self):
        return f"{self.inspection}: version {self.number}"

    @property
    def is_revision(self):
        return self.number > 1


class FrozenComputedResult(models.Model):
    """A category's or flag's figures computed from the audited cases, with every interval method's bounds."""

    version = models.ForeignKey(ResultVersion, on_delete=models.CASCADE, related_name="computed")
    group = models.CharField(max_length=40, help_text="Report category or flag.")
    audited = models.PositiveIntegerField()
    recorded = models.PositiveIntegerField()
    timed = models.PositiveIntegerField(help_text="Recorded crimes with both times known.")
    timely = models.PositiveIntegerField(help_text="Of those, recorded within 24 hours.")
    errors = models.JSONField(default=dict, help_text="Recording errors by kind.")
    rules = models.JSONField(null=True, blank=True, help_text="Recording errors by the rule they cite (code → "
                                                              "errors). Empty for versions frozen before errors "
                                                              "cited rules.")
    bounds = models.JSONField(default=dict, help_text="Interval method → [rate, low, high, margin].")

    class Meta:
        ordering = ["version_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "group"], name="frozen_computed_once_per_group"),
            models.CheckConstraint(condition=Q(recorded__lte=models.F("audited")),
                                   name="frozen_recorded_not_above_audited"),
        ]


class FrozenPublishedResult(models.Model):
    """A headline figure as the inspection report published it (fields as audits.PublishedResult)."""

    version = models.ForeignKey(ResultVersion, on_delete=models.CASCADE, related_name="published")
    category = models.CharField(max_length=40)
    rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    interval = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    recorded = models.PositiveIntegerField(null=True, blank=True)
    audited = models.PositiveIntegerField(null=True, blank=True)
    unrecorded_per_year = models.PositiveIntegerField(null=True, blank=True)
    additional_recorded_per_year = models.PositiveIntegerField(null=True, blank=True)
    described_as = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["version_id", "category"]
        constraints = [models.UniqueConstraint(fields=["version", "category"], name="frozen_published_once")]


class FrozenGrade(models.Model):
    """A question's grade as published in this version, with the grade it replaced if it was revised."""

    version = models.ForeignKey(ResultVersion, on_delete=models.CASCADE, related_name="grades")
    question = models.CharField(max_length=20)
    grade = models.CharField(max_length=30)
    previous_grade = models.CharField(max_length=30, blank=True)
    revised_on = models.DateField(null=True, blank=True)
    revision_reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["version_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "question"], name="frozen_grade_once_per_question"),
            models.CheckConstraint(condition=~Q(grade=""), name="frozen_grade_not_blank"),
        ]


class FrozenUnrecordedEstimate(models.Model):
    """Estimated unrecorded crimes a year for one category, interval method and extrapolation method,
    with the recorded-crime volume it was built on."""

    version = models.ForeignKey(ResultVersion, on_delete=models.CASCADE, related_name="unrecorded")
    category = models.CharField(max_length=40)
    interval_method = models.CharField(max_length=20)
    extrapolation_method = models.CharField(max_length=30)
    figure_source = models.CharField(max_length=20, help_text="computed or published: the rate used.")
    rate = models.FloatField()
    volume = models.PositiveIntegerField()
    volume_period_end = models.DateField()
    volume_source = models.CharField(max_length=200, blank=True)
    central = models.FloatField(null=True)
    low = models.FloatField(null=True)
    high = models.FloatField(null=True)

    class Meta:
        ordering = ["version_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "category", "interval_method", "extrapolation_method"],
                                    name="frozen_unrecorded_once"),
        ]


class FrozenScope(models.Model):
    """What the inspection audited and carried forward when this version was published (audits/scope.py), and
    the version of the previous inspection's record its carried-forward figures are read from. Versions are
    never changed, so naming one freezes the figures carried forward. No row: no scope was recorded."""

    version = models.OneToOneField(ResultVersion, on_delete=models.CASCADE, related_name="frozen_scope")
    audited = models.JSONField(default=list)
    carried_forward = models.JSONField(default=list)
    previous_inspection = models.ForeignKey("audits.Inspection", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+")
    previous_version = models.PositiveIntegerField(null=True, blank=True,
                                                   help_text="Empty when the previous inspection had no record.")
    previous_title = models.CharField(max_length=300, blank=True)


class FrozenAdditionalEstimate(models.Model):
    """Additionally recorded crimes a year for one category, R × (1 − p₁ / p₂) (reports.statistics), with the
    rates and the recorded-crime volume it used, or why it could not be computed (``missing``)."""

    version = models.ForeignKey(ResultVersion, on_delete=models.CASCADE, related_name="additional")
    category = models.CharField(max_length=40)
    previous_title = models.CharField(max_length=300, blank=True)
    earlier_rate = models.FloatField(null=True)
    later_rate = models.FloatField(null=True)
    volume = models.PositiveIntegerField(null=True)
    volume_period_end = models.DateField(null=True)
    volume_source = models.CharField(max_length=200, blank=True)
    additional = models.FloatField(null=True)
    missing = models.CharField(max_length=300, blank=True, help_text="Why there is no computed figure.")

    class Meta:
        ordering = ["version_id", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "category"], name="frozen_additional_once")]


class FrozenCancellationResult(models.Model):
    """A category's cancellation review as published: records reviewed, correct, and victims told."""

    version = models.ForeignKey(ResultVersion, on_delete=models.CASCADE, related_name="cancellations")
    category = models.CharField(max_length=40, help_text="Cancellation review category.")
    reviewed = models.PositiveIntegerField()
    correct = models.PositiveIntegerField()
    victims_told = models.PositiveIntegerField()

    class Meta:
        ordering = ["version_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "category"], name="frozen_cancellation_once_per_category"),
            models.CheckConstraint(condition=Q(correct__lte=models.F("reviewed"), victims_told__lte=models.F("reviewed")),
                                   name="frozen_cancellation_counts_within_reviewed"),
        ]


class FrozenIncorrectCancellation(models.Model):
    """A cancellation the review found incorrect, with its reason, as published."""

    version = models.ForeignKey(ResultVersion, on_delete=models.CASCADE, related_name="incorrect_cancellations")
    reference = models.CharField(max_length=64)
    category = models.CharField(max_length=40)
    ground = models.CharField(max_length=2)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["version_id", "id"]
