"""API for inspections, audited cases (with their crimes and recording errors in one request),
published results and computed results. Same FilterSets, services and scoping as the pages."""

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audits import services
from audits.challenges import challenge_raise, challenge_resolve
from audits.filters import AuditedCaseFilter, ChallengeFilter, InspectionFilter
from audits.models import AuditedCase, AuditedCrime, Challenge, Inspection, OffenceSubgroup, PublishedResult
from audits.rules import ErrorKind
from audits.selectors import wants_provisional
from core.api_fields import SlugField
from forces.api_auth import AuditEditorsWrite
from forces.models import Force


class InspectionSerializer(serializers.ModelSerializer):
    force = SlugField(slug_field="slug", queryset=Force.objects.all())

    class Meta:
        model = Inspection
        fields = ["id", "force", "kind", "previous_inspection", "audit_period_start", "audit_period_end",
                  "fieldwork_start", "fieldwork_end", "published_on", "status", "grade", "report_reference", "notes",
                  "sample_is_synthetic"]
        read_only_fields = ["status"]
        validators = []  # the model's own validation runs in the service

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["force"].queryset = Force.objects.for_user(request.user)
            self.fields["previous_inspection"].queryset = Inspection.objects.for_user(request.user)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Inspection.Status.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                   help_text="Why a published inspection is reopened (required to reopen).")


class CrimeSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="Give it to keep an existing crime; leave it out to add one.")
    expected_offence = SlugField(slug_field="name", queryset=OffenceSubgroup.objects.all())
    recorded_offence = SlugField(slug_field="name", queryset=OffenceSubgroup.objects.all(),
                                                    allow_null=True, required=False)
    errors = serializers.ListField(child=serializers.ChoiceField(choices=ErrorKind.choices), required=False,
                                   source="error_kinds",
                                   help_text="Recording errors; “recorded_late” is derived when both times are given.")

    class Meta:
        model = AuditedCrime
        fields = ["id", "expected_offence", "force_crime_reference", "recorded_offence", "recorded_at",
                  "cancellation_code", "errors"]



class CaseSerializer(serializers.ModelSerializer):
    crimes = CrimeSerializer(many=True)
    auditor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    version = serializers.IntegerField(
        min_value=1, required=False,
        help_text="Bumped by every change. Required on PUT and PATCH: the version you last read; if the case "
                  "has changed since, the answer is 409 with what changed, and nothing is written.")

    class Meta:
        model = AuditedCase
        fields = ["id", "inspection", "reference", "source", "reported_at", "domestic_abuse", "vulnerable_victim",
                  "modern_slavery", "notes", "auditor", "moderation_state", "query_reason", "version", "crimes"]
        read_only_fields = ["inspection", "auditor", "moderation_state", "query_reason"]
        validators = []

    def validate_crimes(self, crimes):
        if not crimes:
            raise serializers.ValidationError("A case needs at least one audited crime.")
        return crimes

    def validate(self, attrs):
        if self.instance is not None and attrs.get("version") is None:
            raise serializers.ValidationError({"version": ["This field is required."]})
        return attrs

    def save_case(self, case):
        data = dict(self.validated_data)
        crimes_data = data.pop("crimes")
        expected_version = data.pop("version", None) if case.pk else None
        for name, value in data.items():
            setattr(case, name, value)
        existing = {crime.pk: crime for crime in case.crimes.all()} if case.pk else {}
        crimes = []
        for item in crimes_data:
            item = dict(item)
            kinds = item.pop("error_kinds", [])
            crime_id = item.pop("id", None)
            if crime_id is not None and crime_id not in existing:
                raise serializers.ValidationError({"crimes": [f"Crime {crime_id} is not one of this case's crimes."]})
            crime = existing.get(crime_id) or AuditedCrime()
            for name in ("force_crime_reference", "recorded_at", "cancellation_code", "recorded_offence"):
                setattr(crime, name, item.get(name, "" if name in ("force_crime_reference", "cancellation_code")
                                              else None))
            crime.expected_offence = item["expected_offence"]
            crimes.append((crime, kinds))
        return services.case_write(case=case, crimes=crimes, by=self.context["request"].user,
                                   expected_version=expected_version)


class CaseChangeSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    by = serializers.CharField()
    at = serializers.DateTimeField()
    changed = serializers.ListField(child=serializers.CharField(), help_text="What that version changed.")


class CaseConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    changes = CaseChangeSerializer(many=True, help_text="The versions saved since the one you sent.")


def cases_queryset(user):
    return (AuditedCase.objects.for_user(user).select_related("inspection", "auditor")
            .prefetch_related("crimes__errors", "crimes__expected_offence", "crimes__recorded_offence"))


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    ordering_fields = ["published_on", "audit_period_end", "force__name"]
    ordering = ["-published_on", "-id"]
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AuditEditorsWrite]

    def get_queryset(self):
        return Inspection.objects.for_user(self.request.user).select_related("force")

    def perform_create(self, serializer):
        serializer.instance = services.inspection_save(inspection=Inspection(**serializer.validated_data),
                                                       by=self.request.user)

    def perform_update(self, serializer):
        inspection = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(inspection, name, value)
        services.inspection_save(inspection=inspection, by=self.request.user)

    @extend_schema(request=StatusChangeSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Move the inspection on (planned → fieldwork → moderation → published), or reopen it."""
        inspection = self.get_object()
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = services.inspection_change_status(inspection=inspection, status=serializer.validated_data["status"],
                                                       by=request.user,
                                                       reason=serializer.validated_data.get("reason", ""))
        return Response(InspectionSerializer(inspection, context={"request": request}).data)


class InspectionCaseViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The audited cases of one inspection, filtered like the inspection page's list."""

    serializer_class = CaseSerializer
    filterset_class = AuditedCaseFilter
    ordering_fields = ["reference", "reported_at"]
    ordering = ["reference"]
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AuditEditorsWrite]

    def inspection(self):
        return get_object_or_404(Inspection.objects.for_user(self.request.user), pk=self.kwargs["inspection_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditedCase.objects.none()
        return cases_queryset(self.request.user).filter(inspection=self.inspection())

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = serializer.save_case(AuditedCase(inspection=self.inspection()))
        return Response(CaseSerializer(cases_queryset(request.user).get(pk=case.pk)).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(update=extend_schema(responses={200: CaseSerializer, 409: CaseConflictSerializer}),
                    partial_update=extend_schema(responses={200: CaseSerializer, 409: CaseConflictSerializer}))
class CaseViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                  viewsets.GenericViewSet):
    serializer_class = CaseSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AuditEditorsWrite]
    filter_backends = []

    def get_queryset(self):
        return cases_queryset(self.request.user)

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        """Replace the case and its crimes (PUT). PATCH may leave crimes out to keep them. Both need the
        ``version`` last read; a case changed since answers 409 with what changed."""
        case = self.get_object()
        partial = kwargs.get("partial", False)
        data = request.data
        if partial and "crimes" not in data:
            current = {name: value for name, value in CaseSerializer(case).data.items() if name != "version"}
            data = {**current, **data}
        serializer = self.get_serializer(case, data=data)
        serializer.is_valid(raise_exception=True)
        try:
            serializer.save_case(case)
        except services.CaseConflict as conflict:
            return Response({"detail": conflict.message, "changes": CaseChangeSerializer(conflict.changes, many=True).data},
                            status=status.HTTP_409_CONFLICT)
        return Response(CaseSerializer(cases_queryset(request.user).get(pk=case.pk)).data)

    def perform_destroy(self, case):
        services.case_delete(case=case, by=self.request.user)

    def _moderate(self, request, service, **extra):
        case = service(case=self.get_object(), by=request.user, **extra)
        return Response(CaseSerializer(cases_queryset(request.user).get(pk=case.pk)).data)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit for moderation."""
        return self._moderate(request, services.case_submit)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        """Agree in moderation (not by the case's own author)."""
        return self._moderate(request, services.case_agree)

    @extend_schema(request=inline_serializer("QueryReason", {"reason": serializers.CharField()}),
                   responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def query(self, request, pk=None):
        """Query in moderation, with a reason (not by the case's own author)."""
        return self._moderate(request, services.case_query, reason=str(request.data.get("reason", "")))


class PublishedResultSerializer(serializers.ModelSerializer):
    provisional = serializers.BooleanField(read_only=True, help_text="True when the inspection is not published: "
                                                                     "only inspectors asking ?include=provisional.")

    class Meta:
        model = PublishedResult
        fields = ["id", "inspection", "category", "rate", "interval", "recorded", "audited", "unrecorded_per_year",
                  "additional_recorded_per_year", "provisional"]


class PublishedResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Headline figures as the inspection reports published them. Only published inspections' (frozen, as in
    their published record) unless an inspector asks for ``?include=provisional``."""

    serializer_class = PublishedResultSerializer
    filterset_fields = {"inspection_id": ["exact"], "category": ["exact"]}
    ordering_fields = ["inspection_id", "category"]
    ordering = ["inspection_id", "category"]

    def get_queryset(self):
        results = PublishedResult.objects.for_user(self.request.user).annotate(provisional=ExpressionWrapper(
            ~Q(inspection__status=Inspection.Status.PUBLISHED), output_field=BooleanField()))
        if wants_provisional(self.request):
            return results
        return results.filter(inspection__status=Inspection.Status.PUBLISHED)


class ChallengeSerializer(serializers.ModelSerializer):
    raised_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Challenge
        fields = ["id", "case", "error", "error_kind", "offence", "reason", "raised_by", "raised_at", "status",
                  "resolved_by", "resolved_at", "resolution"]
        read_only_fields = fields


class ChallengeRaiseSerializer(serializers.Serializer):
    error = serializers.IntegerField(help_text="The recording error challenged.")
    reason = serializers.CharField(max_length=2000)


class ChallengeResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[("upheld", "Upheld"), ("withdrawn", "Withdrawn")])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ChallengeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    """Force staff challenge a recording error before publication; inspectors resolve it."""

    serializer_class = ChallengeSerializer
    filterset_class = ChallengeFilter
    ordering_fields = ["raised_at"]
    ordering = ["-raised_at"]

    def get_queryset(self):
        return Challenge.objects.for_user(self.request.user).select_related("raised_by", "resolved_by")

    @extend_schema(request=ChallengeRaiseSerializer, responses={201: ChallengeSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ChallengeRaiseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = challenge_raise(error_id=serializer.validated_data["error"], by=request.user,
                                    reason=serializer.validated_data["reason"])
        return Response(ChallengeSerializer(challenge).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChallengeResolveSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"], permission_classes=[*viewsets.GenericViewSet.permission_classes,
                                                               AuditEditorsWrite])
    def resolve(self, request, pk=None):
        """Uphold the error, or withdraw it (the error is deleted; its history keeps it)."""
        challenge = self.get_object()
        serializer = ChallengeResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = challenge_resolve(challenge_id=challenge.pk, by=request.user, **serializer.validated_data)
        return Response(ChallengeSerializer(challenge).data)
