from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.categories import ReportCategory
from forces.scoping import scoped_queryset


class Force(models.Model):
    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(max_length=120, unique=True)
    region = models.CharField(max_length=60)
    country = models.CharField(max_length=20, choices=[("England", "England"), ("Wales", "Wales")])
    history = HistoricalRecords()

    objects = scoped_queryset("pk").as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("forces:detail", args=[self.slug])


class ForceMembership(models.Model):
    """Which force a user belongs to. Force staff must have one; a manager may."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="members")
    history = HistoricalRecords()

    objects = scoped_queryset("force_id").as_manager()

    def __str__(self):
        return f"{self.user} — {self.force}"


class RecordedCrimeVolume(models.Model):
    """Police recorded crime for a force over the 12 months to ``period_end``, in one category.

    The base for extrapolating unrecorded crime from an audit's recording rate.
    """

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="recorded_crime_volumes")
    period_end = models.DateField(help_text="Last day of the 12-month period.")
    category = models.CharField(max_length=40, choices=ReportCategory.choices)
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=200, help_text="Where the figure comes from, e.g. the PRC open data table.")
    history = HistoricalRecords()

    objects = scoped_queryset("force_id").as_manager()

    class Meta:
        ordering = ["force__name", "-period_end", "category"]
        constraints = [
            models.UniqueConstraint(fields=["force", "period_end", "category"], name="volume_unique_per_period"),
            models.CheckConstraint(condition=models.Q(count__gte=0), name="volume_count_not_negative"),
        ]

    def __str__(self):
        return f"{self.force} {self.get_category_display()} to {self.period_end:%d/%m/%Y}: {self.count}"


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token itself is shown once, when created.
    It carries its owner's role and force: requests made with it are scoped exactly like the owner's."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, unique=True, help_text="The token's first characters, to find it.")
    key_hash = models.CharField(max_length=64)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
