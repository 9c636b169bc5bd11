"""API for findings and their follow-up timeline, through the same FilterSet and services as the pages."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from audits.models import Inspection
from core.api_fields import SlugField
from core.api_parsers import DepthLimitedJSONParser
from forces.api_auth import AuditEditorsWrite, FollowUpWriters
from recommendations import selectors, services
from recommendations.filters import FindingFilter
from recommendations.models import Evidence, Finding, FollowUp, Theme


def seen_version(instance) -> int:
    """The version as the requesting user may know it (annotated by the selectors and services); the stored
    one only for what the inspectorate has just written."""
    return getattr(instance, "seen_version", instance.version)


class FindingSerializer(serializers.ModelSerializer):
    themes = SlugField(slug_field="name", many=True, queryset=Theme.objects.all(), required=False)
    version = serializers.SerializerMethodField(help_text="Bumped by every change you can see; send it back with "
                                                           "an update.")

    class Meta:
        model = Finding
        fields = ["id", "inspection", "kind", "parent", "reference", "text", "accelerated", "timescale", "due_on",
                  "owner", "status", "superseded_by", "themes", "version"]
        read_only_fields = ["status", "superseded_by", "version"]
        validators = []

    def get_version(self, finding) -> int:
        return seen_version(finding)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["inspection"].queryset = Inspection.objects.for_user(request.user)
            self.fields["parent"].queryset = Finding.objects.for_user(request.user)


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "name", "content_type", "size", "download_url"]

    def get_download_url(self, evidence) -> str:
        return evidence.get_absolute_url()


class FollowUpSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    version = serializers.SerializerMethodField(help_text="The finding's version once this entry was written.")

    def get_version(self, entry) -> int:
        return seen_version(entry)

    class Meta:
        model = FollowUp
        fields = ["id", "author", "created_at", "status_from", "status_to", "comment", "visibility", "version",
                  "evidence"]


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    changes = FollowUpSerializer(many=True, help_text="What changed since the version you sent.")


class FollowUpWriteSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The finding's version you last saw.")
    status = serializers.ChoiceField(choices=Finding.Status.choices, required=False, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    internal = serializers.BooleanField(required=False, default=False)
    superseded_by = serializers.IntegerField(required=False, allow_null=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, help_text="Evidence (multipart).")


class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["due_on", "reference"]
    ordering = ["due_on", "reference"]
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AuditEditorsWrite]

    def get_queryset(self):
        return selectors.findings_for(self.request.user).prefetch_related("themes")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        themes = data.pop("themes", [])
        serializer.instance = services.finding_save(finding=Finding(**data), by=self.request.user, themes=themes)


class FollowUpViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """A finding's timeline: read it, or add an update (a comment, evidence, a status change)."""

    serializer_class = FollowUpSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, FollowUpWriters]
    parser_classes = [DepthLimitedJSONParser, MultiPartParser, FormParser]
    filter_backends = []

    def finding(self):
        return get_object_or_404(Finding.objects.for_user(self.request.user), pk=self.kwargs["finding_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUp.objects.none()
        return selectors.timeline(self.finding(), self.request.user).order_by("created_at", "id")

    @extend_schema(request=FollowUpWriteSerializer, responses={201: FollowUpSerializer, 409: ConflictSerializer})
    def create(self, request, *args, **kwargs):
        finding = self.finding()
        serializer = FollowUpWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        successor = None
        if data.get("superseded_by"):
            successor = Finding.objects.for_user(request.user).filter(pk=data["superseded_by"]).first()
            if successor is None:
                raise serializers.ValidationError({"superseded_by": ["No such finding."]})
        try:
            entry = services.finding_update(
                finding_id=finding.pk, by=request.user, expected_version=data["version"],
                status=data.get("status", ""), comment=data.get("comment", ""), internal=data.get("internal", False),
                files=request.FILES.getlist("files"), superseded_by=successor)
        except services.FindingConflict as conflict:
            return Response({"detail": conflict.message, "changes": FollowUpSerializer(conflict.changes, many=True).data},
                            status=status.HTTP_409_CONFLICT)
        return Response(FollowUpSerializer(entry).data, status=status.HTTP_201_CREATED)
