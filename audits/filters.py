"""One filter definition per list: the same FilterSet serves the HTML list and the CSV export."""

import django_filters
from django import forms

from audits.categories import CASE_FILTER_CATEGORIES
from audits.models import AuditedCase, Challenge
from audits.rules import ErrorKind


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
    domestic_abuse = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_flag")
    vulnerable_victim = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_flag")
    modern_slavery = django_filters.BooleanFilter(widget=forms.CheckboxInput, method="filter_flag")

    class Meta:
        model = AuditedCase
        fields = ["reference", "source", "moderation_state", "category", "error"]

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value)

    def filter_error(self, queryset, name, value):
        return queryset.with_error(value)

    def filter_flag(self, queryset, name, value):
        # An unticked box means "don't filter", not "only cases without the flag".
        return queryset.filter(**{name: True}) if value else queryset


class ChallengeFilter(django_filters.FilterSet):
    """By status; an unknown status (the page's "all") does not filter."""

    status = django_filters.ChoiceFilter(choices=Challenge.Status.choices)

    class Meta:
        model = Challenge
        fields = ["status"]
