from rest_framework import serializers


class SlugField(serializers.SlugRelatedField):
    """A slug lookup that refuses text PostgreSQL cannot store (NUL bytes) with a 400, not a 500."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)
