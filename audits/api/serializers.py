"""Serializers of the audits API: what an inspection, case (with its crimes and errors), published result
and challenge look like on the wire, and the writes they hand to the services."""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audits import services
from audits.models import (
    AuditedCase,
    AuditedCrime,
    CancellationReview,
    Challenge,
    CountingRule,
    GradeRevision,
    Inspection,
    OffenceSubgroup,
    PublishedResult,
)
from audits.rules import NO_CRIME_OUTCOMES, RULE_CODE_PATTERN, VICTIM_FLAGS, CaseOutcome, ErrorKind
from audits.scope import normalised_areas
from core.api_fields import SlugField
from core.categories import RESULT_AREA_CHOICES
from forces.models import Force


class GradeRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradeRevision
        fields = ["question", "previous_grade", "grade", "revised_on", "reason", "recorded_at"]
        read_only_fields = fields


class AreaListField(serializers.ListField):
    """Report categories and results by source or flag, each once, in report order."""

    child = serializers.ChoiceField(choices=RESULT_AREA_CHOICES)

    def to_internal_value(self, data):
        return normalised_areas(super().to_internal_value(data))


class InspectionSerializer(serializers.ModelSerializer):
    force = SlugField(slug_field="slug", queryset=Force.objects.all())
    title = serializers.CharField(read_only=True, help_text="As the report is titled: the force, the kind and the "
                                                            "inspection's own year (never the publication year).")
    grade_revisions = GradeRevisionSerializer(
        many=True, read_only=True,
        help_text="Grades revised after publication, each with the grade it replaced, the date and the reason.")
    audited_areas = AreaListField(
        required=False, help_text="What this inspection audited itself; empty when it audited everything it "
                                  "reports. Once given, reports show no figure of its own for anything else.")
    carried_forward_areas = AreaListField(
        required=False, help_text="Not audited again: the previous inspection's published figures stand for them "
                                  "(needs previous_inspection; never also in audited_areas).")

    class Meta:
        model = Inspection
        fields = ["id", "title", "force", "kind", "previous_inspection", "year", "audit_period_start",
                  "audit_period_end", "fieldwork_start", "fieldwork_end", "published_on", "status", "grading_scheme",
                  "grade", "effectiveness_grade", "systems_grade", "leadership_grade", "grade_revisions",
                  "report_reference", "notes", "sample_is_synthetic", "audited_areas", "carried_forward_areas"]
        read_only_fields = ["status"]
        extra_kwargs = {
            "grade": {"help_text": "The overall grade. “adequate” only under the peel_2021 scheme. Grades cannot "
                                   "change while the inspection is published."},
        }
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


@extend_schema_field({"oneOf": [
    {"type": "string", "enum": ErrorKind.values, "description": "An error citing the usual rule for its kind."},
    {"type": "object", "description": "An error citing the counting rule named by “rule” (its code); without a rule, or "
                                      "with null, the usual rule for its kind.",
     "properties": {"kind": {"type": "string", "enum": ErrorKind.values},
                    "rule": {"type": "string", "nullable": True, "example": "HOCR-PCR"}},
     "required": ["kind"], "additionalProperties": False},
]})
class ErrorCitationField(serializers.Field):
    """A recording error: its kind alone (citing the usual rule for the kind), or {"kind", "rule"} naming the
    counting rule it breaks by code. Answers are written the same way, so a case read and sent back keeps
    every rule cited."""

    default_error_messages = {
        "invalid": "Give an error kind, or an object with “kind” and “rule”.",
        "unknown_kind": "“{kind}” is not a recording error kind.",
        "unknown_rule": "“{rule}” is not a counting rule code (give the code of one, e.g. HOCR-PCR).",
        "unexpected": "Only “kind” and “rule” can be given; not {names}.",
    }

    def to_representation(self, error):
        return error.kind if error.cites_default_rule else {"kind": error.kind, "rule": error.rule.code}

    def to_internal_value(self, data):
        if isinstance(data, str):
            kind, code = data, None
        elif isinstance(data, dict):
            if unexpected := sorted(str(name) for name in data if name not in ("kind", "rule")):
                self.fail("unexpected", names=", ".join(unexpected))
            kind, code = data.get("kind"), data.get("rule")
        else:
            self.fail("invalid")
        if not isinstance(kind, str) or kind not in ErrorKind.values:
            self.fail("unknown_kind", kind=kind)
        if code is None or code == "":
            return kind, None
        if not isinstance(code, str):
            self.fail("unknown_rule", rule=code)
        code = code.strip().upper()
        rule = CountingRule.objects.filter(code=code).first() if re.match(RULE_CODE_PATTERN, code) else None
        if rule is None:
            self.fail("unknown_rule", rule=code[:40])
        return kind, rule


class CrimeSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="Give it to keep an existing crime; leave it out to add one.")
    expected_offence = SlugField(slug_field="name", queryset=OffenceSubgroup.objects.all())
    recorded_offence = SlugField(slug_field="name", queryset=OffenceSubgroup.objects.all(),
                                                    allow_null=True, required=False)
    errors = serializers.ListField(
        child=ErrorCitationField(), required=False, source="cited_errors",
        help_text="Recording errors: each a kind (citing the usual rule for its kind) or {“kind”, “rule”} citing "
                  "a counting rule by its code. “recorded_late” is derived when both times are given.")
    rules_cited = serializers.SerializerMethodField(help_text="The code of the rule each error cites, by kind.")

    class Meta:
        model = AuditedCrime
        fields = ["id", "expected_offence", "force_crime_reference", "recorded_offence", "recorded_at",
                  "cancellation_code", "safeguarding", "domestic_abuse", "vulnerable_victim", "modern_slavery",
                  "child_victim", "errors", "rules_cited"]
        extra_kwargs = {
            "safeguarding": {"help_text": "For a crime the force did not record (no recorded_offence): was the "
                                          "victim safeguarded anyway? yes, no or not_known (required). Empty or "
                                          "left out for a recorded crime."},
            "domestic_abuse": {"help_text": "This crime's victim (one audited crime per victim)."},
            "vulnerable_victim": {"help_text": "This crime's victim (one audited crime per victim)."},
            "modern_slavery": {"help_text": "This crime's victim (one audited crime per victim)."},
            "child_victim": {"help_text": "This crime's victim is under 18."},
        }

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_rules_cited(self, crime):
        return {error.kind: error.rule.code for error in crime.errors.all()}

    def validate_errors(self, citations):
        rules = {}
        for kind, rule in citations:
            if kind in rules and rules[kind] != rule:
                raise serializers.ValidationError(f"“{kind}” is given twice with different rules.")
            rules[kind] = rule
        return list(rules.items())



class CaseSerializer(serializers.ModelSerializer):
    crimes = CrimeSerializer(many=True)
    auditor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    version = serializers.IntegerField(
        min_value=1, required=False,
        help_text="Bumped by every change. Required on PUT and PATCH: the version you last read; if the case "
                  "has changed since, the answer is 409 with what changed, and nothing is written.")

    class Meta:
        model = AuditedCase
        fields = ["id", "inspection", "reference", "source", "reported_at", "outcome", "outcome_reason",
                  "anonymous_report", "third_party_report", "equality_information", "notes", "auditor",
                  "moderation_state", "query_reason", "version", "crimes"]
        read_only_fields = ["inspection", "auditor", "moderation_state", "query_reason"]
        validators = []
        extra_kwargs = {
            "outcome": {"help_text": "crimes (the default: list them in “crimes”), no_crime (no crime disclosed) or "
                                     "n100_correct (an N100 record only). A case ending with no crime gives "
                                     "outcome_reason and an empty “crimes”."},
            "equality_information": {"help_text": "Did the force obtain the victim's equality information? yes, no, "
                                                  "not_applicable, or empty (not assessed)."},
        }

    def validate(self, attrs):
        if self.instance is not None and attrs.get("version") is None:
            raise serializers.ValidationError({"version": ["This field is required."]})
        outcome = attrs.get("outcome", getattr(self.instance, "outcome", CaseOutcome.CRIMES))
        crimes = attrs.get("crimes")
        if outcome not in NO_CRIME_OUTCOMES and crimes is not None and not crimes:
            raise serializers.ValidationError({"crimes": [
                "A case needs at least one audited crime, unless its outcome is no_crime or n100_correct."]})
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
            citations = item.pop("cited_errors", [])
            crime_id = item.pop("id", None)
            if crime_id is not None and crime_id not in existing:
                raise serializers.ValidationError({"crimes": [f"Crime {crime_id} is not one of this case's crimes."]})
            crime = existing.get(crime_id) or AuditedCrime()
            for name in ("force_crime_reference", "recorded_at", "cancellation_code", "recorded_offence",
                         "safeguarding"):
                setattr(crime, name, item.get(name, "" if name in ("force_crime_reference", "cancellation_code",
                                                                    "safeguarding") else None))
            for name in VICTIM_FLAGS:  # left out: not flagged (a PUT or PATCH gives the whole crime)
                setattr(crime, name, item.get(name, False))
            crime.expected_offence = item["expected_offence"]
            crimes.append((crime, [kind for kind, _ in citations],
                           {kind: rule for kind, rule in citations if rule is not None}))
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
                  "additional_recorded_per_year", "described_as", "provisional"]


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
    note = serializers.CharField(max_length=2000, help_text="The reason for the decision; the force sees it.",
                                 error_messages={"required": "Give the reason for the decision: the force sees it.",
                                                 "blank": "Give the reason for the decision: the force sees it."})


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
