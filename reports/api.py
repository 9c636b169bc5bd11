"""The API's read side: an inspection's results, read from its published record like the report pages
(or provisional, computed now, when an inspector asks)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from audits.models import Inspection
from audits.scope import AUDITED, CARRIED_FORWARD, NOT_AUDITED
from audits.selectors import wants_provisional
from reports.figures import FIGURE_SOURCE_CHOICES
from reports.results import (
    CANCELLATIONS,
    EQUALITY_RULE,
    FLAGS,
    RECORDS_RULE,
    SAFEGUARDING_RULE,
    SOURCES,
    TIMELINESS,
)
from reports.selectors import (
    additional_estimates,
    cancellation_review,
    case_outcomes,
    figures_for,
    live_figures_for,
    version_number,
)
from reports.statistics import ADDITIONAL_EXPLANATION, IntervalMethod


class FigureSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=FIGURE_SOURCE_CHOICES)
    rate = serializers.FloatField(help_text="0 to 1.")
    margin = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    recorded = serializers.IntegerField(allow_null=True)
    audited = serializers.IntegerField(allow_null=True)


class PublishedFigureSerializer(FigureSerializer):
    described_as = serializers.CharField(help_text="What the report counted, in its words.")


class AdditionalSerializer(serializers.Serializer):
    computed = serializers.IntegerField(allow_null=True, help_text=ADDITIONAL_EXPLANATION)
    published = serializers.IntegerField(allow_null=True, help_text="As the report published it.")
    earlier_inspection = serializers.CharField(allow_blank=True)
    earlier_rate = serializers.FloatField(allow_null=True)
    later_rate = serializers.FloatField(allow_null=True)
    volume = serializers.IntegerField(allow_null=True, help_text="R: recorded crimes for the 12 months to "
                                                                 "volume_period_end.")
    volume_period_end = serializers.DateField(allow_null=True)
    missing = serializers.CharField(allow_blank=True, help_text="Why there is no computed figure.")


class RuleCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    source = serializers.CharField(help_text="Where the rule is set out (NCRS, or a part of the HOCR).")
    errors = serializers.IntegerField(help_text="Recording errors citing it in this category or flag.")


class ResultSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="A report category, or a result by source or flag.")
    label = serializers.CharField()
    scope = serializers.ChoiceField(choices=[AUDITED, CARRIED_FORWARD, NOT_AUDITED],
                                    help_text="Whether the inspection audited it. The computed fields are null for "
                                              "anything it did not audit.")
    audited = serializers.IntegerField(allow_null=True)
    recorded = serializers.IntegerField(allow_null=True)
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
    published = PublishedFigureSerializer(allow_null=True, help_text="As the report published it.")
    carried_forward_from = serializers.CharField(allow_null=True, help_text="The previous inspection a figure is "
                                                                             "carried forward from.")
    carried_forward = FigureSerializer(allow_null=True, help_text="The previous inspection's own figure, for what "
                                                                  "this inspection carried forward.")
    additional_recorded_per_year = AdditionalSerializer(allow_null=True, help_text="Categories only, where the "
                                                                                   "inspection follows another.")


def _figure(figure, described_as=None):
    if figure is None:
        return None
    data = {"source": figure.source, "rate": figure.rate, "margin": figure.margin, "low": figure.low,
            "high": figure.high, "recorded": figure.recorded, "audited": figure.audited}
    return data if described_as is None else {**data, "described_as": described_as}


def _additional(row):
    if row is None:
        return None
    return {"computed": round(row.additional) if row.additional is not None else None, "published": row.published,
            "earlier_inspection": row.previous_title, "earlier_rate": row.earlier_rate, "later_rate": row.later_rate,
            "volume": row.volume, "volume_period_end": row.volume_period_end, "missing": row.missing}


def result_rows(figures, method):
    """Every category and result by source or flag, computed beside published, with its scope."""
    results, scope = figures.results, figures.scope
    additional = {row.group.key: row for row in additional_estimates(figures)}
    extra = [results.groups[g.key] for g in [*SOURCES, CANCELLATIONS, TIMELINESS]]
    rows = []
    for r in results.categories + [results.groups[g.key] for g in FLAGS] + extra:
        key, audited = r.group.key, scope.audits(r.group.key)
        own = {"audited": r.audited, "recorded": r.recorded, "rate": r.estimate.rate, "low": r.estimate.low,
               "high": r.estimate.high, "margin": r.estimate.margin, "recorded_within_24_hours": r.timeliness,
               "errors": r.errors,
               "rules": None if results.rules is None else [
                   {"code": rule.code, "title": rule.title, "source": rule.source, "errors": r.rules.get(rule.code, 0)}
                   for rule in results.rules]}
        if not audited:
            own = {**dict.fromkeys(own), "errors": {}, "rules": None}
        carried = scope.carried_figure(key)
        rows.append({
            "category": key, "label": r.group.label, "scope": scope.treatment(key), **own,
            "interval_method": method.key, "version": figures.version.number if figures.version else None,
            "provisional": figures.provisional, "synthetic": figures.synthetic,
            "published": _figure(figures.as_published(key), figures.described_as(key)),
            "carried_forward_from": carried.carried_from if carried else None, "carried_forward": _figure(carried),
            "additional_recorded_per_year": _additional(additional.get(key)),
        })
    return rows


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
        return Inspection.objects.for_user(self.request.user).inspections()  # a force's own audit has no results here

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
        return Response(ResultSerializer(result_rows(figures, method), many=True).data)


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


class SourceCountSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="An audited case's source.")
    label = serializers.CharField()
    records_audited = serializers.IntegerField()
    disclosed_crimes = serializers.IntegerField()
    no_crime_disclosed = serializers.IntegerField()
    n100_used_correctly = serializers.IntegerField()


class XOfYSerializer(serializers.Serializer):
    x = serializers.IntegerField()
    y = serializers.IntegerField()


class CaseOutcomesSerializer(serializers.Serializer):
    recorded = serializers.BooleanField(help_text="False for a version of the published record frozen before these "
                                                  "figures were recorded: every other field is then null.")
    records_audited = serializers.IntegerField(allow_null=True)
    by_source = SourceCountSerializer(many=True, allow_null=True, help_text=RECORDS_RULE)
    n100_used_correctly = XOfYSerializer(allow_null=True, help_text="x of y: N100 records found correctly N100, of "
                                                                    "the N100 records audited.")
    equality_information_obtained = XOfYSerializer(allow_null=True, help_text=EQUALITY_RULE)
    equality_information = serializers.DictField(
        child=serializers.IntegerField(), allow_null=True,
        help_text="Cases by answer: yes, no, not_applicable, and not_assessed.")
    unrecorded_safeguarding = serializers.DictField(
        child=serializers.IntegerField(), allow_null=True,
        help_text=f"{SAFEGUARDING_RULE} Unrecorded crimes by answer: yes, no, not_known.")
    version = serializers.IntegerField(allow_null=True, help_text="Version of the published record; null when provisional.")
    provisional = serializers.BooleanField()
    synthetic = serializers.BooleanField()


def case_outcomes_data(outcomes, figures, synthetic):
    base = {"version": figures.version.number if figures.version else None, "provisional": figures.provisional,
            "synthetic": synthetic}
    if outcomes is None:
        return {"recorded": False, **dict.fromkeys(["records_audited", "by_source", "n100_used_correctly",
                                                    "equality_information_obtained", "equality_information",
                                                    "unrecorded_safeguarding"]), **base}
    (n100, n100_of), (equality, equality_of) = outcomes.n100_correct, outcomes.equality_obtained
    return {
        "recorded": True, "records_audited": outcomes.records_audited,
        "by_source": [{"source": row.source, "label": row.label, "records_audited": row.cases,
                       "disclosed_crimes": row.with_crimes, "no_crime_disclosed": row.no_crime,
                       "n100_used_correctly": row.n100_correct} for row in outcomes.source_rows],
        "n100_used_correctly": {"x": n100, "y": n100_of},
        "equality_information_obtained": {"x": equality, "y": equality_of},
        "equality_information": {("not_assessed" if key == "" else key): value
                                 for key, value in outcomes.equality.items()},
        "unrecorded_safeguarding": dict(outcomes.safeguarding), **base,
    }


class CaseOutcomesView(InspectionResultsView):
    serializer_class = CaseOutcomesSerializer

    @extend_schema(responses=CaseOutcomesSerializer,
                   parameters=[OpenApiParameter("include", str, enum=["provisional"],
                                                description="Inspectors: the provisional figures of an unpublished "
                                                            "(or reopened) inspection, as they stand now."),
                               OpenApiParameter("version", int, description="A version of the published record; "
                                                                            "the latest by default.")])
    def get(self, request, pk):
        """Records audited by source (including records that disclosed no crime), N100 used correctly, equality
        information obtained and unrecorded crimes' safeguarding, as published (read only). Counted per case or
        per unrecorded crime: never part of a recording rate."""
        inspection = get_object_or_404(self.get_queryset(), pk=pk)
        figures = result_figures(request, inspection, IntervalMethod.NORMAL)
        if figures is None:
            raise NotFound("This inspection has no published figures. Inspectors can ask for its provisional "
                           "figures with ?include=provisional.")
        outcomes = case_outcomes(figures)
        synthetic = (figures.version.is_synthetic if figures.version
                     else inspection.sample_is_synthetic and bool(outcomes and outcomes.records_audited))
        return Response(CaseOutcomesSerializer(case_outcomes_data(outcomes, figures, synthetic)).data)
