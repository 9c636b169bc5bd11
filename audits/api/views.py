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
from audits.api.serializers import (
    CancellationReviewSerializer,
    CaseChangeSerializer,
    CaseConflictSerializer,
    CaseSerializer,
    ChallengeRaiseSerializer,
    ChallengeResolveSerializer,
    ChallengeSerializer,
    InspectionSerializer,
    PublishedResultSerializer,
    StatusChangeSerializer,
)
from audits.filters import (
    AuditedCaseFilter,
    CancellationReviewFilter,
    ChallengeFilter,
    InspectionFilter,
    PublishedResultFilter,
)
from audits.models import AccessRecord, AuditedCase, CancellationReview, Challenge, Inspection, PublishedResult
from audits.selectors import wants_provisional
from audits.services.access import record_access
from audits.services.cancellation_reviews import cancellation_review_delete, cancellation_review_save
from audits.services.challenges import challenge_raise, challenge_resolve
from forces.api_auth import AuditEditorsWrite, AuditWritersWrite
from forces.scoping import may_audit


def cases_queryset(user):
    return (AuditedCase.objects.for_user(user).select_related("inspection", "auditor")
            .prefetch_related("crimes__errors__rule", "crimes__expected_offence", "crimes__recorded_offence"))


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    ordering_fields = ["published_on", "audit_period_end", "force__name"]
    ordering = ["-published_on", "-id"]
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AuditWritersWrite]

    def get_queryset(self):
        return Inspection.objects.for_user(self.request.user).select_related("force").prefetch_related(
            "grade_revisions")

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
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AuditWritersWrite]

    def inspection(self):
        return get_object_or_404(Inspection.objects.for_user(self.request.user), pk=self.kwargs["inspection_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditedCase.objects.none()
        return cases_queryset(self.request.user).filter(inspection=self.inspection())

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)  # 404 for an inspection out of scope: nothing read
        record_access(request, AccessRecord.Kind.CASES, int(self.kwargs["inspection_pk"]))
        return response

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = self.inspection()
        if not may_audit(request.user, force_id=inspection.force_id, kind=inspection.kind):
            self.permission_denied(request, message=AuditWritersWrite.message)
        case = serializer.save_case(AuditedCase(inspection=inspection))
        return Response(CaseSerializer(cases_queryset(request.user).get(pk=case.pk)).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(update=extend_schema(responses={200: CaseSerializer, 409: CaseConflictSerializer}),
                    partial_update=extend_schema(responses={200: CaseSerializer, 409: CaseConflictSerializer}))
class CaseViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                  viewsets.GenericViewSet):
    serializer_class = CaseSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AuditWritersWrite]
    filter_backends = []

    def get_queryset(self):
        return cases_queryset(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        case = self.get_object()
        record_access(request, AccessRecord.Kind.CASES, case.inspection_id)
        return Response(self.get_serializer(case).data)

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


class PublishedResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Headline figures as the inspection reports published them. Only published inspections' (frozen, as in
    their published record) unless an inspector asks for ``?include=provisional``."""

    serializer_class = PublishedResultSerializer
    filterset_class = PublishedResultFilter
    ordering_fields = ["inspection_id", "category"]
    ordering = ["inspection_id", "category"]

    def get_queryset(self):
        results = PublishedResult.objects.for_user(self.request.user).exclude(
            inspection__kind=Inspection.Kind.FORCE_SELF_AUDIT).annotate(provisional=ExpressionWrapper(
            ~Q(inspection__status=Inspection.Status.PUBLISHED), output_field=BooleanField()))
        if wants_provisional(self.request):
            return results
        return results.filter(inspection__status=Inspection.Status.PUBLISHED)


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



class InspectionCancellationReviewViewSet(viewsets.ModelViewSet):
    """The inspection's cancellation review: each reviewed cancelled or transferred crime record. A sample of its
    own, never part of a recording rate; its "x of y correct" is at ``results/cancellations/``. Locked, like the
    cases, while the inspection is published."""

    serializer_class = CancellationReviewSerializer
    filterset_class = CancellationReviewFilter
    ordering_fields = ["reference", "category"]
    ordering = ["reference"]
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AuditEditorsWrite]

    def inspection(self):
        return get_object_or_404(Inspection.objects.for_user(self.request.user), pk=self.kwargs["inspection_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CancellationReview.objects.none()
        return CancellationReview.objects.for_user(self.request.user).filter(inspection=self.inspection())

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record_access(request, AccessRecord.Kind.CASES, int(self.kwargs["inspection_pk"]))
        return response

    def retrieve(self, request, *args, **kwargs):
        review = self.get_object()
        record_access(request, AccessRecord.Kind.CASES, review.inspection_id)
        return Response(self.get_serializer(review).data)

    def perform_create(self, serializer):
        serializer.instance = cancellation_review_save(
            review=CancellationReview(inspection=self.inspection(), **serializer.validated_data), by=self.request.user)

    def perform_update(self, serializer):
        review = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(review, name, value)
        cancellation_review_save(review=review, by=self.request.user)

    def perform_destroy(self, review):
        cancellation_review_delete(review=review, by=self.request.user)
