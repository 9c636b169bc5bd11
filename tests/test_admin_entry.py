"""Entering an audit through the admin: a case with its crimes and their errors on one screen; findings with
their read-only follow-up timeline."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from audits.models import AuditedCase, AuditedCrime, Challenge, RecordingError
from recommendations.models import Finding, FollowUp, Theme
from tests.factories import CaseFactory, offence

pytestmark = pytest.mark.django_db

ADD_CASE = reverse("admin:audits_auditedcase_add")


def case_form(inspection, crimes, **case):
    data = {
        "inspection": inspection.pk,
        "reference": "NEW-0001",
        "source": "incident_log",
        "reported_at": "01/03/2024 09:00",
        "notes": "",
        "crimes-TOTAL_FORMS": str(len(crimes)),
        "crimes-INITIAL_FORMS": "0",
        "crimes-MIN_NUM_FORMS": "0",
        "crimes-MAX_NUM_FORMS": "1000",
        **case,
    }
    for i, crime in enumerate(crimes):
        data[f"crimes-{i}-expected_offence"] = offence(crime["expected"]).pk
        if crime.get("recorded"):
            data[f"crimes-{i}-recorded_offence"] = offence(crime["recorded"]).pk
        data[f"crimes-{i}-recorded_at"] = " ".join(crime.get("recorded_at", ()))
        data[f"crimes-{i}-force_crime_reference"] = crime.get("reference", "")
        data[f"crimes-{i}-cancellation_code"] = crime.get("cancellation", "")
        # Asked of an unrecorded crime only (required for it).
        data[f"crimes-{i}-safeguarding"] = crime.get("safeguarding", "" if crime.get("recorded") else "not_known")
        data[f"crimes-{i}-error_kinds"] = crime.get("errors", [])
    return data


def test_inspector_enters_a_case_with_two_crimes_and_their_errors(world, client_for):
    client = client_for(world.people.inspector)
    response = client.post(ADD_CASE, case_form(world.inspection, [
        {"expected": "Violence with injury", "recorded": "Violence with injury",
         "recorded_at": ("01/03/2024", "10:00")},
        {"expected": "Rape", "recorded": "Other sexual offences", "recorded_at": ("03/03/2024", "09:30"),
         "errors": ["misclassified"]},
    ]))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = AuditedCase.objects.get(reference="NEW-0001")
    assert case.auditor == world.people.inspector and case.moderation_state == "draft"
    kinds = sorted(RecordingError.objects.filter(crime__case=case).values_list("kind", flat=True))
    assert kinds == ["misclassified", "recorded_late"]  # 48.5 hours: lateness derived


@pytest.mark.parametrize("crime,message", [
    ({"expected": "Rape", "errors": ["misclassified"]}, "“Misclassified” can only be recorded against a crime the force recorded"),
    ({"expected": "Rape", "recorded": "Rape", "recorded_at": ("01/03/2024", "10:00"), "errors": ["n100_misused"]},
     "“N100 used wrongly” can only be recorded against a crime the force did not record"),
    ({"expected": "Rape", "recorded": "Rape", "errors": ["wrongly_cancelled"]}, "a recorded crime that was cancelled"),
    ({"expected": "Rape", "recorded": "Rape", "recorded_at": ("29/02/2024", "10:00")},
     "A crime cannot be recorded before it was reported"),
    ({"expected": "Rape", "recorded_at": ("01/03/2024", "10:00")}, "A recording time needs the offence"),
])
def test_bad_crimes_are_refused_with_a_clear_message_and_nothing_is_written(world, client_for, crime, message):
    before = (AuditedCase.objects.count(), AuditedCrime.objects.count(), RecordingError.objects.count())
    response = client_for(world.people.inspector).post(ADD_CASE, case_form(world.inspection, [crime]))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (AuditedCase.objects.count(), AuditedCrime.objects.count(), RecordingError.objects.count()) == before


def test_a_reference_already_in_the_inspection_is_refused(world, client_for):
    response = client_for(world.people.inspector).post(
        ADD_CASE, case_form(world.inspection, [{"expected": "Rape"}], reference="TVP-A-0001"))
    assert "already has a case with that reference" in response.content.decode()
    assert AuditedCase.objects.filter(reference="TVP-A-0001").count() == 1


def test_a_report_date_outside_the_audit_period_is_refused(world, client_for):
    response = client_for(world.people.inspector).post(
        ADD_CASE, case_form(world.inspection, [{"expected": "Rape"}], reported_at="01/07/2024 09:00"))
    assert "must fall within the audit period (01/01/2024 to 30/06/2024)" in response.content.decode()
    assert not AuditedCase.objects.filter(reference="NEW-0001").exists()


@pytest.mark.parametrize("typed", ["01/03/2024", "31/02/2024 10:00", "01/03/2024 24:00", "2024-03-01", "tomorrow",
                                   "01/03/2024 09:00\x00", "01/03/2024\u202e 09:00", "9" * 5000,
                                   "99/99/99999 99:99", "01/03/10000 09:00"])
def test_a_date_and_time_not_typed_as_dd_mm_yyyy_hh_mm_is_refused(world, client_for, typed):
    response = client_for(world.people.inspector).post(
        ADD_CASE, case_form(world.inspection, [{"expected": "Rape"}], reported_at=typed))
    assert response.status_code == 200
    assert "Enter a date and time as dd/mm/yyyy hh:mm, for example 01/03/2024 09:05." in response.content.decode()
    assert not AuditedCase.objects.filter(reference="NEW-0001").exists()


def test_one_box_for_each_date_and_time_keeping_seconds_when_there_are_any(world, client_for):
    client = client_for(world.people.inspector)
    response = client.post(ADD_CASE, case_form(world.inspection, [
        {"expected": "Rape", "recorded": "Rape", "recorded_at": ("01/03/2024", "10:15:30")}], reported_at=" 01/03/2024 09:00 "))
    assert response.status_code == 302
    case = AuditedCase.objects.get(reference="NEW-0001")
    page = client.get(reverse("admin:audits_auditedcase_change", args=[case.pk])).content.decode()
    assert 'name="reported_at" value="01/03/2024 09:00"' in page  # UK time, as typed
    assert 'name="crimes-0-recorded_at" value="01/03/2024 10:15:30"' in page  # seconds kept, never rounded away
    assert "reported_at_0" not in page and "recorded_at_1" not in page


def test_an_inspection_with_the_period_the_wrong_way_round_is_refused(world, client_for):
    response = client_for(world.people.inspector).post(reverse("admin:audits_inspection_add"), {
        "force": world.forces.a.pk, "kind": "cdi", "audit_period_start": "01/06/2024",
        "audit_period_end": "31/05/2024", "published_results-TOTAL_FORMS": "0",
        "published_results-INITIAL_FORMS": "0"})
    assert "The audit period must end on or after the day it starts." in response.content.decode()
    assert world.forces.a.inspections.count() == 1


def test_editing_an_existing_case_swaps_errors_when_the_crime_changes(world, client_for):
    client = client_for(world.people.inspector)
    url = reverse("admin:audits_auditedcase_change", args=[world.case.pk])
    form = client.get(url).context["adminform"].form
    data = case_form(world.inspection, [], reference=world.case.reference, version=form.initial["version"])
    crimes = list(world.case.crimes.order_by("id"))
    data.update({"crimes-TOTAL_FORMS": str(len(crimes)), "crimes-INITIAL_FORMS": str(len(crimes))})
    for i, crime in enumerate(crimes):
        data.update({f"crimes-{i}-id": crime.pk, f"crimes-{i}-case": world.case.pk,
                     f"crimes-{i}-expected_offence": crime.expected_offence_id,
                     f"crimes-{i}-recorded_offence": crime.recorded_offence_id or "",
                     f"crimes-{i}-recorded_at": crime.recorded_at.strftime("%d/%m/%Y %H:%M") if crime.recorded_at else "",
                     f"crimes-{i}-error_kinds": list(crime.errors.values_list("kind", flat=True))})
    # The misclassified rape turns out not to have been recorded at all.
    data.update({"crimes-1-recorded_offence": "", "crimes-1-recorded_at": "",
                 "crimes-1-error_kinds": ["not_recorded"], "crimes-1-safeguarding": "yes",
                 "crimes-2-safeguarding": "not_known"})
    assert form.initial["reference"] == "TVP-A-0001"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(world.misclassified.errors.values_list("kind", flat=True)) == ["not_recorded"]


def test_submit_and_agree_as_bulk_actions_by_two_inspectors(world, client_for):
    changelist = reverse("admin:audits_auditedcase_changelist")
    client_for(world.people.inspector).post(changelist, {"action": "submit_cases",
                                                         "_selected_action": [world.case.pk]})
    response = client_for(world.people.inspector).post(
        changelist, {"action": "agree_cases", "_selected_action": [world.case.pk]}, follow=True)
    assert "never by its own author" in response.content.decode()
    assert AuditedCase.objects.get(pk=world.case.pk).moderation_state == "submitted"
    response = client_for(world.people.inspector2).post(
        changelist, {"action": "agree_cases", "_selected_action": [world.case.pk]}, follow=True)
    assert "1 case(s) agreed." in response.content.decode()
    assert AuditedCase.objects.get(pk=world.case.pk).moderation_state == "agreed"


def test_refusing_many_of_ones_own_cases_says_so_once(world, client_for):
    mine = [CaseFactory(inspection=world.inspection, reference=f"OWN-{n}", auditor=world.people.inspector,
                        moderation_state="submitted", submitted_by=world.people.inspector) for n in range(3)]
    draft = CaseFactory(inspection=world.inspection, reference="DRAFT-1")
    response = client_for(world.people.inspector).post(reverse("admin:audits_auditedcase_changelist"), {
        "action": "agree_cases", "_selected_action": [case.pk for case in [*mine, draft]]}, follow=True)
    banners = [str(message) for message in response.context["messages"]]
    assert banners == ["4 not done. Case DRAFT-1: draft. Cases OWN-0, OWN-1, OWN-2: a case is moderated by another "
                       "inspector, never by its own author."]  # one banner, whatever the number refused


def test_query_action_asks_for_a_reason_first(world, client_for):
    changelist = reverse("admin:audits_auditedcase_changelist")
    client_for(world.people.inspector).post(changelist, {"action": "submit_cases",
                                                         "_selected_action": [world.case.pk]})
    client = client_for(world.people.inspector2)
    page = client.post(changelist, {"action": "query_cases", "_selected_action": [world.case.pk]})
    assert "Why are these cases queried?" in page.content.decode()
    assert AuditedCase.objects.get(pk=world.case.pk).moderation_state == "submitted"
    client.post(changelist, {"action": "query_cases", "_selected_action": [world.case.pk],
                             "reason": "Second crime looks like a public order offence"})
    case = AuditedCase.objects.get(pk=world.case.pk)
    assert (case.moderation_state, case.query_reason) == ("queried", "Second crime looks like a public order offence")


def test_publish_action_then_case_pages_are_read_only(world, client_for):
    AuditedCase.objects.filter(inspection=world.inspection).update(moderation_state="agreed")
    Challenge.objects.update(status="upheld")
    client = client_for(world.people.inspector)
    client.post(reverse("admin:audits_inspection_changelist"),
                {"action": "move_to_published", "_selected_action": [world.inspection.pk]})
    assert world.inspection.__class__.objects.get(pk=world.inspection.pk).status == "published"
    page = client.get(reverse("admin:audits_auditedcase_change", args=[world.case.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = client.post(reverse("admin:audits_auditedcase_change", args=[world.case.pk]),
                           case_form(world.inspection, [], reference="CHANGED"))
    assert response.status_code == 403
    response = client.post(ADD_CASE, case_form(world.inspection, [{"expected": "Rape"}]))
    assert "This inspection is published" in response.content.decode()
    assert not AuditedCase.objects.filter(reference__in=["CHANGED", "NEW-0001"]).exists()


@pytest.mark.parametrize("name", ["category=rape", "error=misclassified", "moderation_state__exact=draft",
                                  "source__exact=incident_log", "force=thames-valley", "q=TVP-A"])
def test_case_list_filters_and_search(world, client_for, name):
    AuditedCase.objects.filter(pk=world.case_b.pk).update(source="crime_bureau", moderation_state="agreed")
    page = client_for(world.people.inspector).get(reverse("admin:audits_auditedcase_changelist") + "?" + name)
    assert page.status_code == 200
    assert "TVP-A-0001" in page.content.decode() and "GLO-B-0001" not in page.content.decode()


def test_autocomplete_finds_offences_and_forces(world, client_for):
    client = client_for(world.people.inspector)
    url = reverse("admin:autocomplete")
    found = client.get(url, {"app_label": "audits", "model_name": "auditedcrime",
                             "field_name": "expected_offence", "term": "rap"}).json()
    assert [r["text"] for r in found["results"]] == ["Rape"]
    found = client.get(url, {"app_label": "audits", "model_name": "inspection", "field_name": "force",
                             "term": "thames"}).json()
    assert [r["text"] for r in found["results"]] == ["Thames Valley Police"]


def test_save_and_add_another_keeps_the_inspection(world, client_for):
    data = case_form(world.inspection, [{"expected": "Rape"}], _addanother="1")
    response = client_for(world.people.inspector).post(ADD_CASE, data)
    assert response["Location"].endswith(f"/add/?inspection={world.inspection.pk}")
    form = client_for(world.people.inspector).get(response["Location"]).context["adminform"].form
    assert str(form.initial["inspection"]) == str(world.inspection.pk)


def test_save_and_add_another_twice_from_the_inspections_add_a_case_link(world, client_for):
    client = client_for(world.people.inspector)
    inspection_page = client.get(reverse("admin:audits_inspection_change", args=[world.inspection.pk]))
    url = re.search(r'<a href="([^"]+)">Add a case</a>', inspection_page.content.decode()).group(1)
    assert url == f"{ADD_CASE}?inspection={world.inspection.pk}"
    before = AuditedCase.objects.count()
    for reference in ["NEW-0001", "NEW-0002"]:
        data = case_form(world.inspection, [{"expected": "Rape"}], reference=reference, _addanother="1")
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        url = response["Location"]
        assert url == f"{ADD_CASE}?inspection={world.inspection.pk}"  # once: "?inspection=1?inspection=1" was a 500
        page = client.get(url)
        assert page.status_code == 200
        assert str(page.context["adminform"].form.initial["inspection"]) == str(world.inspection.pk)
    assert AuditedCase.objects.count() == before + 2


def finding_form(inspection, finding=None, **changes):
    """The finding admin's POST: the finding's fields and the management form of its follow-up inline."""
    follow_ups = list(finding.follow_ups.order_by("id")) if finding else []
    data = {
        "inspection": inspection.pk, "kind": "recommendation", "parent": "", "reference": "TVP-A-R2",
        "text": "Audit incident logs monthly.", "timescale": "6_months", "due_on": "", "owner": "force",
        "follow_ups-TOTAL_FORMS": str(len(follow_ups)), "follow_ups-INITIAL_FORMS": str(len(follow_ups)),
        "follow_ups-MIN_NUM_FORMS": "0", "follow_ups-MAX_NUM_FORMS": "1000",
    }
    if finding:
        data.update({"kind": finding.kind, "reference": finding.reference, "text": finding.text,
                     "timescale": finding.timescale, "due_on": finding.due_on.strftime("%d/%m/%Y"),
                     "owner": finding.owner})
    for i, follow_up in enumerate(follow_ups):
        data.update({f"follow_ups-{i}-id": follow_up.pk, f"follow_ups-{i}-finding": finding.pk})
    return {**data, **changes}


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_changing_a_findings_wording_in_the_admin(world, client_for, role):
    url = reverse("admin:recommendations_finding_change", args=[world.finding.pk])
    assert world.finding.follow_ups.count() == 1  # the timeline is shown, read only, under the finding
    response = client_for(getattr(world.people, role)).post(
        url, finding_form(world.inspection, world.finding, text="Record every crime within 24 hours."))
    assert response.status_code == 302, response.content.decode()[:2000]
    finding = Finding.objects.get(pk=world.finding.pk)
    assert (finding.text, finding.version) == ("Record every crime within 24 hours.", 2)
    assert world.finding.follow_ups.count() == 1
    assert LogEntry.objects.get(object_id=str(finding.pk)).get_change_message() == "Changed Text."


def test_adding_a_finding_in_the_admin(world, client_for):
    theme = Theme.objects.first()
    response = client_for(world.people.inspector).post(
        reverse("admin:recommendations_finding_add"), finding_form(world.inspection, themes=[theme.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    finding = Finding.objects.get(inspection=world.inspection, reference="TVP-A-R2")
    assert (finding.text, list(finding.themes.all())) == ("Audit incident logs monthly.", [theme])
    assert not FollowUp.objects.filter(finding=finding).exists()
