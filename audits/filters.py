"""One filter definition per list: the same FilterSet serves the HTML list and the CSV export."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models.functions import ExtractYear

from audits.models import AuditedCase, AuditedCrime, CancellationReview, Challenge, Inspection, PublishedResult
from audits.rules import CaseOutcome, ErrorKind
from core.categories import CASE_FILTER_CATEGORIES
from forces.filters import ScopedChoiceFilter
from forces.models import Force


class AuditedCaseFilter(django_filters.FilterSet):
    reference = django_filters.CharFilter(label="Reference", lookup_expr="icontains")
    source = django_filters.ChoiceFilter(choices=AuditedCase.Source.choices, empty_label="Any source")
    moderation_state = django_filters.ChoiceFilter(
        label="Moderation", choices=AuditedCase.Moderation.choices, empty_label="Any state"
    )
    category = django_filters.ChoiceFilter(
        label="Offence category", choices=CASE_FILTER_CATEGORIES, method="filter_category", empty_label="Any category"
    )
    error = django_filters.ChoiceFilter(
        label="Recording error", choices=ErrorKind.choices, method="filter_error", empty_label="Any or none"
    )
    outcome = django_filters.ChoiceFilter(label="Outcome", choices=CaseOutcome.choices, empty_label="Any outcome")
    # Victim flags are on the crimes: a case is listed when any of its crimes' victims has the flag.
    domestic_abuse = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_flag")
    vulnerable_victim = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_flag")
    modern_slavery = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_flag")
    child_victim = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_flag")
    anonymous_report = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_case_flag")
    third_party_report = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_case_flag")

    class Meta:
        model = AuditedCase
        fields = ["reference", "source", "outcome", "moderation_state", "category", "error"]

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value)

    def filter_error(self, queryset, name, value):
        return queryset.with_error(value)

    def filter_flag(self, queryset, name, value):
        # An unticked box means "don't filter", not "only cases without the flag".
        return queryset.filter(pk__in=AuditedCrime.objects.filter(**{name: True}).values("case_id")) if value \
            else queryset

    def filter_case_flag(self, queryset, name, value):
        return queryset.filter(**{name: True}) if value else queryset


class ChallengeFilter(django_filters.FilterSet):
    """By status; an unknown status (the page's "all") does not filter."""

    status = django_filters.ChoiceFilter(choices=Challenge.Status.choices)

    class Meta:
        model = Challenge
        fields = ["status"]


def region_choices():
    return [(r, r) for r in Force.objects.order_by("region").values_list("region", flat=True).distinct()]


class InspectionFilter(django_filters.FilterSet):
    """Inspections by region, grade, kind and year: the national overview, its exports and the API."""

    region = django_filters.ChoiceFilter(field_name="force__region", label="Region", empty_label="All regions")
    grade = django_filters.ChoiceFilter(choices=Inspection.Grade.choices, empty_label="Any grade")
    kind = django_filters.ChoiceFilter(choices=Inspection.Kind.choices, empty_label="Any kind")
    year = django_filters.NumberFilter(label="Published in", method="filter_year", min_value=2000, max_value=2100)

    class Meta:
        model = Inspection
        fields = ["region", "grade", "kind", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].extra["choices"] = region_choices()

    def filter_year(self, queryset, name, value):
        return queryset.annotate(published_year=ExtractYear("published_on")).filter(published_year=value)


def _inspections_waiting(request):
    return Inspection.objects.for_user(request.user).filter(
        cases__moderation_state=AuditedCase.Moderation.SUBMITTED).distinct().select_related("force")


def _auditors_waiting(request):
    waiting = AuditedCase.objects.for_user(request.user).filter(moderation_state=AuditedCase.Moderation.SUBMITTED)
    return get_user_model().objects.filter(audited_cases__in=waiting).distinct().order_by("username")


class ModerationFilter(django_filters.FilterSet):
    """The moderation queue: which inspection, whose cases."""

    inspection = django_filters.ModelChoiceFilter(queryset=_inspections_waiting, empty_label="Any inspection")
    auditor = django_filters.ModelChoiceFilter(queryset=_auditors_waiting, empty_label="Anyone")

    class Meta:
        model = AuditedCase
        fields = ["inspection", "auditor"]


def visible_inspections(request):
    """The inspections a filter may offer: the requesting user's scope (none without a request)."""
    return Inspection.objects.for_user(request.user).select_related("force") if request else Inspection.objects.none()


class PublishedResultFilter(django_filters.FilterSet):
    """By inspection (an id outside the user's scope matches nothing, exactly as an id that does not exist) and
    category."""

    inspection_id = ScopedChoiceFilter(field_name="inspection_id", queryset=visible_inspections)

    class Meta:
        model = PublishedResult
        fields = ["inspection_id", "category"]


class CancellationReviewFilter(django_filters.FilterSet):
    class Meta:
        model = CancellationReview
        fields = ["category", "ground", "verdict"]
