"""One filter definition for the findings list: the same FilterSet serves the page and its CSV export
(and the API, later)."""

import django_filters
from django import forms
from django.db.models import Q

from audits.models import Inspection
from forces.filters import ScopedChoiceFilter, ScopedSlugChoiceFilter, visible_forces
from recommendations.models import Finding, Theme
from recommendations.services import today


def visible_inspections(request):
    return Inspection.objects.for_user(request.user).select_related("force") if request else Inspection.objects.none()



class FindingFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("due_after") and cleaned.get("due_before") and cleaned["due_after"] > cleaned["due_before"]:
            self.add_error("due_before", "“Due on or before” must be on or after “Due on or after”.")
        return cleaned


class FindingFilter(django_filters.FilterSet):
    force = ScopedSlugChoiceFilter(field_name="inspection__force__slug", queryset=visible_forces, label="Force",
                                   empty_label="All forces")
    inspection = ScopedChoiceFilter(field_name="inspection_id", queryset=visible_inspections, label="Inspection",
                                    empty_label="Any inspection")
    kind = django_filters.ChoiceFilter(choices=Finding.Kind.choices, label="Kind", empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=Finding.Status.choices, label="Status", empty_label="Any status")
    theme = django_filters.ModelChoiceFilter(field_name="themes", queryset=Theme.objects.all(), label="Theme",
                                             empty_label="Any theme")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label="Due on or after",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label="Due on or before",
                                           widget=forms.DateInput(attrs={"type": "date"}))
    overdue = django_filters.BooleanFilter(label="Overdue only", method="filter_overdue", widget=forms.CheckboxInput)
    search = django_filters.CharFilter(label="Reference or text", method="filter_search")

    class Meta:
        model = Finding
        form = FindingFilterForm
        fields = ["force", "inspection", "kind", "status", "theme", "due_after", "due_before", "overdue", "search"]

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(today()) if value else queryset

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(text__icontains=value)) if value else queryset
