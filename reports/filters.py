"""The national overview's filters: one FilterSet for the page and its exports."""

import django_filters
from django.db.models.functions import ExtractYear

from audits.models import Inspection
from forces.models import Force


def region_choices():
    return [(r, r) for r in Force.objects.order_by("region").values_list("region", flat=True).distinct()]


class OverviewFilter(django_filters.FilterSet):
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
