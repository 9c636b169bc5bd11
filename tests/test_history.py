"""Every create, change and delete of audit data is kept with who and when, and shown in the admin."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.urls import reverse
from simple_history.models import registered_models

from audits.admin import history_table
from audits.models import (
    AuditedCase,
    CancellationReview,
    CountingRule,
    GradeRevision,
    Inspection,
    OffenceCode,
    OffenceSubgroup,
    PublishedResult,
    RecordingError,
    SampleDraw,
    SamplingFrame,
)
from tests.factories import (
    CaseFactory,
    ChallengeFactory,
    CrimeFactory,
    ErrorFactory,
    InspectionFactory,
    PublishedResultFactory,
    make_user,
)

pytestmark = pytest.mark.django_db

# Reference data kept by migrations, and the rows of a force's extract (never edited: replaced whole with
# their frame, whose history is kept, and frozen once drawn) are not audit data.
# The access record (who read what) is itself a record, append-only and kept apart from the change history
# (tests/test_access_record.py).
REFERENCE_MODELS = {"audits.offencegroup", "audits.offencesubgroup", "audits.framerecord", "audits.accessrecord"}

MAKERS = {
    "audits.inspection": lambda: InspectionFactory(),
    "audits.auditedcase": lambda: CaseFactory(),
    "audits.auditedcrime": lambda: CrimeFactory(),
    "audits.recordingerror": lambda: ErrorFactory(),
    "audits.publishedresult": lambda: PublishedResultFactory(),
    "audits.countingrule": lambda: CountingRule.objects.create(code="TEST-RULE", title="A rule for testing",
                                                               source="Test"),
    "audits.offencecode": lambda: OffenceCode.objects.create(code="999Z", description="A code for testing",
                                                             subgroup=OffenceSubgroup.objects.first()),
    "audits.challenge": lambda: ChallengeFactory(),
    "audits.cancellationreview": lambda: CancellationReview.objects.create(
        inspection=InspectionFactory(), reference="CX-1", category="robbery", ground="C3", ddm_authorised=True,
        victim_told=True, verdict="correct"),
    "audits.samplingframe": lambda: SamplingFrame.objects.create(
        inspection=InspectionFactory(), filename="f.csv", record_count=1, uploaded_by=make_user("u", None)),
    "audits.sampledraw": lambda: SampleDraw.objects.create(
        frame=SamplingFrame.objects.create(inspection=InspectionFactory(), filename="f.csv", record_count=1,
                                           uploaded_by=make_user("v", None)),
        seed=1, populations={"a": 1}, sizes={"a": 1}, drawn_by=make_user("w", None)),
    "audits.graderevision": lambda: GradeRevision.objects.create(
        inspection=InspectionFactory(grade="good"), question="overall", previous_grade="requires_improvement",
        grade="good", revised_on=date(2024, 11, 1), reason="Regraded.", recorded_by=make_user("r", None)),
}


def audit_models():
    return [
        model for model in apps.get_app_config("audits").get_models()
        if model._meta.label_lower not in REFERENCE_MODELS and not model.__name__.startswith("Historical")
    ]


def test_every_audit_model_keeps_history():
    missing = [model._meta.label for model in audit_models() if model._meta.db_table not in registered_models]
    assert not missing, f"models changed without history: {missing}"
    assert {m._meta.label_lower for m in audit_models()} == set(MAKERS), "add a maker for the new model"


@pytest.mark.parametrize("label", sorted(MAKERS))
def test_create_change_and_delete_each_leave_a_history_row(forces, label):
    obj = MAKERS[label]()
    model = type(obj)
    history = model.history.filter(**{model._meta.pk.attname: obj.pk})
    assert list(history.values_list("history_type", flat=True)) == ["+"]
    obj.save()
    pk = obj.pk
    obj.delete()
    assert list(model.history.filter(**{model._meta.pk.attname: pk}).order_by("history_date", "history_id")
                .values_list("history_type", flat=True)) == ["+", "~", "-"]


def test_history_records_who_changed_what_through_the_admin(world, client_for):
    client = client_for(world.people.inspector)
    url = reverse("admin:audits_publishedresult_change", args=[world.published.pk])
    response = client.post(url, {"inspection": world.inspection.pk, "category": "all_crime", "rate": "81.50",
                                 "interval": "1.70"})
    assert response.status_code == 302
    latest = PublishedResult.history.filter(id=world.published.pk).latest("history_date")
    assert latest.history_user == world.people.inspector
    assert latest.rate == pytest.approx(81.5)


def test_case_admin_page_shows_history_of_the_case_its_crimes_and_errors(world, client_for):
    RecordingError.objects.filter(crime=world.unrecorded).delete()
    page = client_for(world.people.inspector).get(reverse("admin:audits_auditedcase_change", args=[world.case.pk]))
    text = page.content.decode()
    assert "History of this case, its crimes and their errors" in text
    assert text.count("<td>Recording error ") >= 3  # two created, one deleted
    assert "Deleted" in text and "Created" in text


def test_inspection_admin_page_and_history_view_show_changes(world, client_for):
    client = client_for(world.people.inspector)
    Inspection.objects.get(pk=world.inspection.pk).save()
    page = client.get(reverse("admin:audits_inspection_change", args=[world.inspection.pk]))
    assert "Published result" in page.content.decode()
    history = client.get(reverse("admin:audits_inspection_history", args=[world.inspection.pk]))
    assert history.status_code == 200
    assert history.content.decode().count("Changed") + history.content.decode().count("Created") >= 2


def test_bulk_moderation_leaves_history_per_case(world, client_for):
    client = client_for(world.people.inspector)
    client.post(reverse("admin:audits_auditedcase_changelist"),
                {"action": "submit_cases", "_selected_action": [world.case.pk]})
    assert AuditedCase.history.filter(id=world.case.pk, moderation_state="submitted",
                                      history_user=world.people.inspector).exists()


def test_admin_history_times_are_uk_local_time():
    # The history table formatted the stored (UTC) time as it was: an hour early in summer.
    record = SimpleNamespace(history_date=datetime(2024, 7, 1, 11, 30, tzinfo=UTC), history_user=None,
                             get_history_type_display=lambda: "Changed", instance="Case A")
    assert "01/07/2024 12:30" in history_table([(record, "Case")])
