"""The API's read side: an inspection's results, read from its published record like the report pages
(or provisional, computed now, when an inspector asks)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from audits.models import Inspection
from audits.selectors import wants_provisional
from reports.selectors import figures_for, live_figures_for, version_number
from reports.statistics import IntervalMethod


class RuleCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    source = serializers.CharField(help_text="Where the rule is set out (NCRS, or a part of the HOCR).")
    errors = serializers.IntegerField(help_text="Recording errors citing it in this category or flag.")


class ResultSerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    audited = serializers.IntegerField()
    recorded = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="0 to 1.")
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    margin = serializers.FloatField(allow_null=True, help_text="Half the interval's width: the published “±”.")
    interval_method = serializers.CharField()
    recorded_within_24_hours = serializers.FloatField(allow_null=True)
    errors = serializers.DictField(child=serializers.IntegerField())
    rules = RuleCountSerializer(
        many=True, allow_null=True,
        help_text="Recording errors by the counting rule they cite: every rule the inspection's errors cite, in the "
                  "rule list's order, titled as when the figures were frozen. Null for a version published before "
                  "errors cited rules.")
    version = serializers.IntegerField(allow_null=True, help_text="Version of the published record; null when provisional.")
    provisional = serializers.BooleanField(help_text="True for an unpublished inspection's figures (asked for with "
                                                     "?include=provisional).")
    synthetic = serializers.BooleanField(help_text="Computed from a synthetic (made-up) sample.")


def result_figures(request, inspection: Inspection, method: IntervalMethod):
    """Published figures (latest or ``?version=N``), or provisional ones when an inspector asks."""
    scoped = Inspection.objects.filter(pk=inspection.pk)
    if wants_provisional(request) and not inspection.is_locked:  # a published one has nothing provisional
        return live_figures_for(scoped, method)[0]
    try:
        number = version_number(request.query_params.get("version"))
    except ValueError:
        raise ValidationError({"version": "Give a version number."}) from None
    found = figures_for(scoped, method, version_number=number)
    return found[0] if found else None


class InspectionResultsView(generics.GenericAPIView):
    serializer_class = ResultSerializer
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        return Inspection.objects.for_user(self.request.user)

    @extend_schema(responses=ResultSerializer(many=True),
                   parameters=[OpenApiParameter("interval", str, enum=[m.key for m in IntervalMethod],
                                                description="Interval method; the published normal one by default."),
                               OpenApiParameter("include", str, enum=["provisional"],
                                                description="Inspectors: the provisional figures of an unpublished "
                                                            "(or reopened) inspection, computed now."),
                               OpenApiParameter("version", int, description="A version of the published record; "
                                                                            "the latest by default.")])
    def get(self, request, pk):
        """Results computed from the audited cases, per category and flag, as published (read only)."""
        inspection = get_object_or_404(self.get_queryset(), pk=pk)
        method = IntervalMethod.from_key(request.query_params.get("interval"))
        figures = result_figures(request, inspection, method)
        if figures is None:
            raise NotFound("This inspection has no published figures. Inspectors can ask for its provisional "
                           "figures with ?include=provisional.")
        results = figures.results
        return Response(ResultSerializer([
            {"category": r.group.key, "label": r.group.label, "audited": r.audited, "recorded": r.recorded,
             "rate": r.estimate.rate, "low": r.estimate.low, "high": r.estimate.high, "margin": r.estimate.margin,
             "interval_method": method.key, "recorded_within_24_hours": r.timeliness, "errors": r.errors,
             "rules": None if results.rules is None else [
                 {"code": rule.code, "title": rule.title, "source": rule.source, "errors": r.rules.get(rule.code, 0)}
                 for rule in results.rules],
             "version": figures.version.number if figures.version else None, "provisional": figures.provisional,
             "synthetic": figures.synthetic}
            for r in results.categories + results.flags
        ], many=True).data)
