"""API for forces and recorded-crime volumes (read only)."""

import django_filters
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.categories import ReportCategory
from forces.filters import ForceFilter, ScopedSlugChoiceFilter, visible_forces
from forces.models import ApiToken, Force, RecordedCrimeVolume
from forces.tokens import token_create, token_revoke


class ForceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Force
        fields = ["slug", "name", "region", "country"]


class ForceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ForceSerializer
    lookup_field = "slug"
    filterset_class = ForceFilter
    ordering_fields = ["name", "region"]
    ordering = ["name"]

    def get_queryset(self):
        return Force.objects.for_user(self.request.user)



class RecordedCrimeVolumeFilter(django_filters.FilterSet):
    force = ScopedSlugChoiceFilter(field_name="force__slug", queryset=visible_forces)
    category = django_filters.ChoiceFilter(choices=ReportCategory.choices)
    period_end = django_filters.DateFilter()

    class Meta:
        model = RecordedCrimeVolume
        fields = ["force", "category", "period_end"]


class RecordedCrimeVolumeSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = RecordedCrimeVolume
        fields = ["id", "force", "period_end", "category", "count", "source"]


class RecordedCrimeVolumeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RecordedCrimeVolumeSerializer
    filterset_class = RecordedCrimeVolumeFilter
    ordering_fields = ["period_end", "force__name"]
    ordering = ["-period_end", "force__name", "category"]

    def get_queryset(self):
        return RecordedCrimeVolume.objects.for_user(self.request.user).select_related("force")


class ApiTokenSerializer(serializers.ModelSerializer):
    expires_in_days = serializers.IntegerField(write_only=True, min_value=1, max_value=366, default=90)
    token = serializers.SerializerMethodField(help_text="The token itself: returned once, when created.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "read_only", "created_at", "expires_at", "last_used_at", "revoked_at",
                  "expires_in_days", "token"]
        read_only_fields = ["prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def get_token(self, token) -> str | None:
        return self.context.get("raw")


class ApiTokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin,
                      viewsets.GenericViewSet):
    """Your own API tokens. DELETE revokes one. Tokens inherit your role and force, never more."""

    serializer_class = ApiTokenSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = token_create(user=request.user, **serializer.validated_data)
        return Response(ApiTokenSerializer(token, context={"raw": raw}).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, token):
        token_revoke(user=self.request.user, token_id=token.pk)
