"""Filters whose choices are scoped to the user."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from forces.models import Force


class ScopedKeyField(forms.ModelChoiceField):
    """Offers only what the user may see, but a key outside that is not an error: it simply matches
    nothing, so the answer never says whether another force's object exists."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if "\x00" in str(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        meta = self.queryset.model._meta
        field = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        try:
            return field.to_python(value)
        except ValidationError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None

    def validate(self, value):
        return forms.Field.validate(self, value)


class ScopedChoiceFilter(django_filters.ModelChoiceFilter):
    """Chooses by id."""

    field_class = ScopedKeyField


@extend_schema_field(OpenApiTypes.STR)
class ScopedSlugChoiceFilter(ScopedChoiceFilter):
    """Chooses by slug."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field_name="slug", **kwargs)


def visible_forces(request):
    """The forces a filter may offer: the requesting user's scope (none without a request)."""
    return Force.objects.for_user(request.user) if request else Force.objects.none()


class ForceFilter(django_filters.FilterSet):
    class Meta:
        model = Force
        fields = ["region", "country"]
