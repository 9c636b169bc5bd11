"""The API's read side: an inspection's results, read from its published record like the report pages
(or provisional, computed now, when an inspector asks)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from audits.models import Inspection
from audits.selectors import wants_provisional
from reports.selectors import cancellation_review, figures_for, live_figures_for, version_number
from reports.statistics import IntervalMethod


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
             "version": figures.version.number if figures.version else None, "provisional": figures.provisional,
             "synthetic": figures.synthetic}
            for r in results.categories + results.flags
        ], many=True).data)


class CancellationRowSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="A cancellation review category, or “all” for every record reviewed.")
    label = serializers.CharField()
    reviewed = serializers.IntegerField()
    correct = serializers.IntegerField()
    incorrect = serializers.IntegerField()
    victims_told = serializers.IntegerField()


class IncorrectCancellationSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="The force's crime reference.")
    category = serializers.CharField()
    ground = serializers.CharField(help_text="The ground claimed, C1 to C4.")
    reason = serializers.CharField(help_text="Why the cancellation was incorrect.")


class CancellationResultsSerializer(serializers.Serializer):
    categories = CancellationRowSerializer(many=True)
    overall = CancellationRowSerializer()
    incorrect = IncorrectCancellationSerializer(many=True)
    version = serializers.IntegerField(allow_null=True, help_text="Version of the published record; null when provisional.")
    provisional = serializers.BooleanField()
    synthetic = serializers.BooleanField()


def _cancellation_row(row):
    return {"category": row.category, "label": row.label, "reviewed": row.reviewed, "correct": row.correct,
            "incorrect": row.incorrect, "victims_told": row.victims_told}


class CancellationResultsView(InspectionResultsView):
    serializer_class = CancellationResultsSerializer

    @extend_schema(responses=CancellationResultsSerializer,
                   parameters=[OpenApiParameter("include", str, enum=["provisional"],
                                                description="Inspectors: the provisional review of an unpublished "
                                                            "(or reopened) inspection, as it stands now."),
                               OpenApiParameter("version", int, description="A version of the published record; "
                                                                            "the latest by default.")])
    def get(self, request, pk):
        """The cancellation review, "x of y correct" per category and overall, with the reason for each incorrect
        one, as published (read only). A sample of its own: never part of the recording rates of ``results/``."""
        inspection = get_object_or_404(self.get_queryset(), pk=pk)
        figures = result_figures(request, inspection, IntervalMethod.NORMAL)
        if figures is None:
            raise NotFound("This inspection has no published figures. Inspectors can ask for its provisional "
                           "figures with ?include=provisional.")
        review = cancellation_review(figures)
        synthetic = (figures.version.is_synthetic if figures.version
                     else inspection.sample_is_synthetic and review.has_reviews)
        return Response(CancellationResultsSerializer({
            "categories": [_cancellation_row(row) for row in review.categories],
            "overall": _cancellation_row(review.overall),
            "incorrect": [{"reference": row.reference, "category": row.category, "ground": row.ground,
                           "reason": row.reason} for row in review.incorrect],
            "version": figures.version.number if figures.version else None, "provisional": figures.provisional,
            "synthetic": synthetic,
        }).data)
