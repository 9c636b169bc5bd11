"""Read-only API for re-audits and their agreement, scoped like the pages (reaudits.selectors.reaudits_for)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from reaudits import selectors
from reaudits.filters import ReAuditFilter
from reaudits.models import ReAudit
from reports.agreement import Agreement


def agreement_data(agreement: Agreement) -> dict:
    table = agreement.table
    return {"crimes": table.total, "same_verdict": table.agreed, "agreement": agreement.agreement,
            "kappa": agreement.kappa, "standard_error": agreement.standard_error, "kappa_low": agreement.low,
            "kappa_high": agreement.high, "reading": agreement.reading,
            "table": {"both_compliant": table.both_compliant, "force_only_compliant": table.force_only_compliant,
                      "inspectorate_only_compliant": table.inspectorate_only_compliant,
                      "neither_compliant": table.neither_compliant}}


class ReAuditSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(source="self_audit.force", slug_field="slug", read_only=True)
    drawn_by = serializers.CharField(source="drawn_by.get_username", read_only=True)

    class Meta:
        model = ReAudit
        fields = ["id", "self_audit", "force", "seed", "size", "population", "drawn_by", "drawn_at", "submitted_at"]
        read_only_fields = fields


class ReAuditDetailSerializer(ReAuditSerializer):
    agreement = serializers.SerializerMethodField(help_text="Per category, once submitted; null before.")
    disagreements = serializers.SerializerMethodField(help_text="By error kind and by rule cited; null before.")

    class Meta(ReAuditSerializer.Meta):
        fields = [*ReAuditSerializer.Meta.fields, "agreement", "disagreements"]
        read_only_fields = fields

    def _results(self, reaudit):
        if not reaudit.is_submitted:
            return None
        if not hasattr(self, "_cached"):
            self._cached = selectors.reaudit_results(reaudit)
        return self._cached

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_agreement(self, reaudit):
        results = self._results(reaudit)
        return None if results is None else {row.category.value: agreement_data(row.agreement)
                                             for row in results.categories}

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_disagreements(self, reaudit):
        results = self._results(reaudit)
        if results is None:
            return None
        return {"by_kind": results.by_kind, "by_rule": results.by_rule,
                "crimes": [{"case": verdict.reaudit_case.case.reference, "case_id": verdict.reaudit_case.case_id,
                            "crime_id": verdict.crime_id, "force_compliant": verdict.force_compliant,
                            "inspectorate_compliant": verdict.compliant,
                            "findings": [{"side": f.side, "kind": f.kind, "rule": f.rule.code}
                                         for f in verdict.findings.all()]}
                           for verdict in results.disagreements]}


class ReAuditViewSet(viewsets.ReadOnlyModelViewSet):
    """Re-audits of force self-audits. The force sees its own once submitted; the inspectorate sees all."""

    filterset_class = ReAuditFilter
    ordering_fields = ["drawn_at", "submitted_at"]
    ordering = ["-drawn_at", "-id"]

    def get_queryset(self):
        return selectors.reaudits_for(self.request.user)

    def get_serializer_class(self):
        return ReAuditDetailSerializer if self.action == "retrieve" else ReAuditSerializer
