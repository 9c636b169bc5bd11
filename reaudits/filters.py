import django_filters

from reaudits.models import ReAudit


class ReAuditFilter(django_filters.FilterSet):
    """One filter for the re-audit list page and the API list."""

    force = django_filters.CharFilter(field_name="self_audit__force__slug", label="Force (slug)", max_length=60)
    self_audit = django_filters.NumberFilter(field_name="self_audit_id", label="Self-audit (id)", min_value=1,
                                             max_value=2**31 - 1)
    submitted = django_filters.BooleanFilter(field_name="submitted_at", lookup_expr="isnull", exclude=True,
                                             label="Submitted")

    class Meta:
        model = ReAudit
        fields = ["force", "self_audit", "submitted"]
