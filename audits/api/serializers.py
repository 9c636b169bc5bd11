"""Serializers of the audits API: what an inspection, case (with its crimes and errors), published result
and challenge look like on the wire, and the writes they hand to the services."""

from rest_framework import serializers

from audits import services
from audits.models import (
    AuditedCase,
    AuditedCrime,
    CancellationReview,
    Challenge,
    Inspection,
    OffenceSubgroup,
    PublishedResult,
)
from audits.rules import ErrorKind
from core.api_fields import SlugField
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


class PublishedResultSerializer(serializers.ModelSerializer):
    provisional = serializers.BooleanField(read_only=True, help_text="True when the inspection is not published: "
                                                                     "only inspectors asking ?include=provisional.")

    class Meta:
        model = PublishedResult
        fields = ["id", "inspection", "category", "rate", "interval", "recorded", "audited", "unrecorded_per_year",
                  "additional_recorded_per_year", "provisional"]


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


class CancellationReviewSerializer(serializers.ModelSerializer):
    """A reviewed cancelled or transferred crime record. The rules (C2 needs ``avi_evidenced`` yes or no, other
    grounds ``not_applicable``; ``incorrect`` needs a ``reason``, ``correct`` has none; a correct C2 needs the
    AVI evidenced and ``ddm_authorised``) answer 400 naming the field."""

    class Meta:
        model = CancellationReview
        fields = ["id", "inspection", "reference", "category", "ground", "avi_evidenced", "ddm_authorised",
                  "victim_told", "verdict", "reason", "notes"]
        read_only_fields = ["inspection"]
        validators = []  # the model's own validation runs in the service
