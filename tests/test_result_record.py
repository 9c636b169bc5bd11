"""Published means frozen: publishing writes a numbered version of the inspection's figures; every
published figure is read from it, so reference data, volumes and reopening cannot move it; republishing
writes a revision with its reason; and what publication froze on the inspection cannot change through
any path until an inspector reopens it."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from audits import services
from audits.models import AuditedCase, Challenge, Inspection, OffenceSubgroup, PublishedResult
from audits.services.published_data import load_published_results
from forces.models import RecordedCrimeVolume
from recommendations import services as finding_services
from reports.models import ResultVersion
from tests.factories import CaseFactory, CrimeFactory, InspectionFactory, PublishedResultFactory, offence, publish
from tests.report_files import zip_readme

pytestmark = pytest.mark.django_db

REASON = "Two rapes were entered against the wrong case."


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def publish_world(world):
    """Publish force A's inspection the way inspectors do: every case agreed, challenges resolved."""
    Challenge.objects.update(status="upheld")
    services.case_submit(case=world.case, by=world.people.inspector)
    services.case_agree(case=world.case, by=world.people.inspector2)
    return services.inspection_change_status(inspection=world.inspection, status="published",
                                             by=world.people.inspector)


def report(client, inspection, **params):
    return client.get(reverse("reports:inspection", args=[inspection.pk]), params)


def table_rows(response, key):
    return next(t for t in response.context["tables"] if t.key == key).rows


def api_results(user, inspection, **params):
    response = api(user).get(reverse("api:inspection-results", args=[inspection.pk]), params)
    assert response.status_code == 200, response.content
    return {row["category"]: row for row in response.json()}


# Publishing writes the record -------------------------------------------------------------------------


def test_publishing_freezes_every_figure_as_version_1(world):
    RecordedCrimeVolume.objects.create(force=world.forces.a, period_end=date(2024, 6, 30), category="all_crime",
                                       count=120_000, source="PRC test")
    inspection = publish_world(world)
    version = ResultVersion.objects.get(inspection=inspection)
    assert (version.number, version.reason, version.frozen_by, version.has_cases) == (1, "", world.people.inspector,
                                                                                      True)
    computed = {row.group: row for row in version.computed.all()}
    assert (computed["all_crime"].audited, computed["all_crime"].recorded) == (3, 2)
    assert (computed["rape"].audited, computed["rape"].recorded) == (1, 0)
    assert {kind: n for kind, n in computed["rape"].errors.items() if n} == {"misclassified": 1}
    assert set(computed["all_crime"].bounds) == {"normal", "wilson", "clopper_pearson"}
    assert [(row.category, str(row.rate)) for row in version.published.all()] == [("all_crime", "80.40")]
    estimates = version.unrecorded.filter(category="all_crime")
    assert estimates.count() == 6  # 3 interval methods × 2 extrapolation methods
    normal = estimates.get(interval_method="normal", extrapolation_method="per_recorded")
    assert (normal.volume, normal.volume_source, round(normal.central)) == (120_000, "PRC test", 60_000)


def test_publication_refused_writes_no_version(world):
    with pytest.raises(ValidationError):
        services.inspection_change_status(inspection=world.inspection, status="published", by=world.people.inspector)
    assert not ResultVersion.objects.exists()


def test_loaded_reports_are_frozen_once_and_reloading_changes_nothing(db):
    inspections = load_published_results()
    assert ResultVersion.objects.count() == len(inspections) == 33
    thames_2017 = next(i for i in inspections if i.force.slug == "thames-valley" and i.published_on.year == 2018)
    frozen = thames_2017.result_versions.get().published.get(category="all_crime")
    assert (str(frozen.rate), str(frozen.interval)) == ("80.40", "1.75")
    load_published_results()
    # Four categories, and vulnerable victims by source (published_cdi_results_by_source.csv).
    assert ResultVersion.objects.count() == 33 and PublishedResult.objects.filter(inspection=thames_2017).count() == 5


# Nothing moves a published figure ---------------------------------------------------------------------


def test_published_figures_do_not_move_with_reference_data_volumes_or_reopening(world, client_for):
    RecordedCrimeVolume.objects.create(force=world.forces.a, period_end=date(2024, 6, 30), category="all_crime",
                                       count=120_000, source="PRC test")
    inspection = publish_world(world)
    manager = client_for(world.people.manager)
    before = report(manager, inspection)
    categories, unrecorded = table_rows(before, "categories"), table_rows(before, "unrecorded")
    api_before = api_results(world.people.manager, inspection)
    assert api_before["rape"]["recorded"] == 0 and api_before["all_crime"]["version"] == 1

    # An administrator re-categorises "Other sexual offences" as rape: the misclassified rape would now count.
    OffenceSubgroup.objects.filter(name="Other sexual offences").update(category="rape")
    RecordedCrimeVolume.objects.filter(force=world.forces.a).update(count=999)
    services.inspection_change_status(inspection=inspection, status="moderation", by=world.people.inspector,
                                      reason=REASON)
    CrimeFactory(case=CaseFactory(inspection=inspection, reference="TVP-A-0002"), expected_offence=offence("Rape"))

    after = report(manager, inspection)
    assert table_rows(after, "categories") == categories
    assert table_rows(after, "unrecorded") == unrecorded
    assert api_results(world.people.manager, inspection) == api_before
    assert 'data-testid="reopened-note"' in after.content.decode()
    # The live figures moved; only an inspector asking for them sees them, labelled provisional.
    live = api_results(world.people.inspector, inspection, include="provisional")
    assert live["rape"]["recorded"] == 2 and live["rape"]["provisional"] is True
    assert api_results(world.people.manager, inspection, include="provisional") == api_before


def test_republishing_writes_a_revision_with_its_reason_and_keeps_the_earlier_version(world, client_for):
    inspection = publish_world(world)
    services.inspection_change_status(inspection=inspection, status="moderation", by=world.people.inspector,
                                      reason=REASON)
    assert Inspection.objects.get(pk=inspection.pk).reopen_reason == REASON
    new = CaseFactory(inspection=inspection, reference="TVP-A-0002", auditor=world.people.inspector)
    CrimeFactory(case=new)
    services.case_submit(case=new, by=world.people.inspector)
    services.case_agree(case=new, by=world.people.inspector2)
    services.inspection_change_status(inspection=inspection, status="published", by=world.people.inspector)

    versions = list(ResultVersion.objects.filter(inspection=inspection).order_by("number"))
    assert [(v.number, v.reason) for v in versions] == [(1, ""), (2, REASON)]
    assert Inspection.objects.get(pk=inspection.pk).reopen_reason == ""
    client = client_for(world.people.staff_a)
    latest = report(client, inspection)
    page = latest.content.decode()
    assert f"Revised on {versions[1].frozen_at:%d/%m/%Y}: {REASON}" in page
    assert '<a class="govuk-link" href="?version=1">1</a>' in page
    assert table_rows(latest, "categories")[0][1:3] == [4, 3]
    earlier = report(client, inspection, version=1)
    assert table_rows(earlier, "categories")[0][1:3] == [3, 2]
    assert 'data-testid="older-version"' in earlier.content.decode()
    assert report(client, inspection, version=7).status_code == 404
    assert report(client, inspection, version="x").status_code == 404
    assert api_results(world.people.staff_a, inspection, version=1)["all_crime"]["audited"] == 3
    csv = zip_readme(client.get(reverse("reports:inspection_export", args=[inspection.pk, "zip"])))
    assert f"Revised on {versions[1].frozen_at:%d/%m/%Y}: {REASON}" in csv


def test_asking_for_provisional_figures_of_a_published_inspection_gives_the_published_ones(world, client_for):
    inspection = publish_world(world)
    OffenceSubgroup.objects.filter(name="Other sexual offences").update(category="rape")
    results = api_results(world.people.inspector, inspection, include="provisional")
    assert results["rape"]["recorded"] == 0 and results["rape"]["version"] == 1 and not results["rape"]["provisional"]
    page = report(client_for(world.people.inspector), inspection, include="provisional")
    assert 'data-testid="record-status"' in page.content.decode()


def test_reopening_needs_a_reason_and_the_admin_asks_for_it(world, client_for):
    inspection = publish_world(world)
    with pytest.raises(ValidationError, match="Say why"):
        services.inspection_change_status(inspection=inspection, status="moderation", by=world.people.inspector,
                                          reason="  ")
    client = client_for(world.people.inspector)
    changelist = reverse("admin:audits_inspection_changelist")
    asked = client.post(changelist, {"action": "reopen_inspections", "_selected_action": [inspection.pk]})
    assert "Why is the published inspection being reopened?" in asked.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == "published"
    client.post(changelist, {"action": "reopen_inspections", "_selected_action": [inspection.pk], "reason": REASON})
    reopened = Inspection.objects.get(pk=inspection.pk)
    assert (reopened.status, reopened.reopen_reason) == ("moderation", REASON)
    assert reopened.history.filter(reopen_reason=REASON).exists()


# Frozen once published: every path refuses and writes nothing -----------------------------------------


@pytest.mark.parametrize("field,value", [("force", "gloucestershire"), ("kind", "cdi_reinspection"),
                                         ("audit_period_start", "2023-12-01"), ("audit_period_end", "2024-07-31"),
                                         ("fieldwork_start", "2024-09-01"), ("published_on", "2030-01-01"),
                                         ("grade", "outstanding"), ("sample_is_synthetic", True),
                                         ("audited_areas", ["violence_against_the_person"])])
def test_the_api_refuses_to_change_what_publication_froze(world, field, value):
    inspection = publish_world(world)
    before = Inspection.objects.filter(pk=inspection.pk).values().get()
    response = api(world.people.inspector).patch(reverse("api:inspection-detail", args=[inspection.pk]),
                                                 {field: value}, format="json")
    assert response.status_code == 400
    assert "The inspection is published" in str(response.json()[field]) and "reopen it first" in str(response.json())
    assert Inspection.objects.filter(pk=inspection.pk).values().get() == before


def test_the_api_still_changes_notes_and_unfreezes_after_reopening(world):
    inspection = publish_world(world)
    url = reverse("api:inspection-detail", args=[inspection.pk])
    assert api(world.people.inspector).patch(url, {"notes": "Report corrected."}, format="json").status_code == 200
    services.inspection_change_status(inspection=inspection, status="moderation", by=world.people.inspector,
                                      reason=REASON)
    assert api(world.people.inspector).patch(url, {"grade": "good"}, format="json").status_code == 200
    assert Inspection.objects.get(pk=inspection.pk).grade == "good"


def test_the_admin_shows_frozen_fields_read_only_and_ignores_them(world, client_for):
    inspection = publish_world(world)
    client = client_for(world.people.inspector)
    url = reverse("admin:audits_inspection_change", args=[inspection.pk])
    form = client.get(url).context["adminform"].form
    assert not {"force", "audit_period_end", "published_on", "grade"} & set(form.fields)
    response = client.post(url, {"previous_inspection": "", "report_reference": "", "notes": "Typo fixed",
                                 "audit_period_end": "31/07/2024", "grade": "outstanding", "force": world.forces.b.pk,
                                 "published_results-TOTAL_FORMS": "1", "published_results-INITIAL_FORMS": "1",
                                 "published_results-0-id": world.published.pk,
                                 "published_results-0-inspection": inspection.pk,
                                 "published_results-0-category": "all_crime", "published_results-0-rate": "99.9",
                                 "cancellation_reviews-TOTAL_FORMS": "1", "cancellation_reviews-INITIAL_FORMS": "1",
                                 "cancellation_reviews-0-id": world.cancellation_review.pk,
                                 "cancellation_reviews-0-inspection": inspection.pk})
    assert response.status_code == 302
    stored = Inspection.objects.get(pk=inspection.pk)
    assert (stored.notes, stored.audit_period_end, stored.grade, stored.force_id) == (
        "Typo fixed", date(2024, 6, 30), inspection.grade, world.forces.a.pk)
    assert str(PublishedResult.objects.get(pk=world.published.pk).rate) == "80.40"


def test_the_admin_form_explains_a_frozen_field(world):
    from audits.forms import InspectionAdminForm

    inspection = publish_world(world)
    data = {name: getattr(inspection, name) for name in ("kind", "audit_period_start", "published_on", "grade",
                                                         "year", "grading_scheme")}
    form = InspectionAdminForm({**data, "force": world.forces.a.pk, "audit_period_end": "2024-07-31",
                                "status": "published"}, instance=inspection)
    assert not form.is_valid()
    assert "audit period end cannot change" in str(form.errors)


def test_published_results_cannot_change_through_the_admin_or_the_service(world, client_for):
    inspection = publish_world(world)
    client = client_for(world.people.inspector)
    change = reverse("admin:audits_publishedresult_change", args=[world.published.pk])
    assert client.post(change, {"inspection": inspection.pk, "category": "all_crime", "rate": "99"}).status_code == 403
    added = client.post(reverse("admin:audits_publishedresult_add"),
                        {"inspection": inspection.pk, "category": "rape", "recorded": "1", "audited": "2"})
    assert "its published results cannot change" in added.content.decode()
    world.published.rate = "12.00"
    with pytest.raises(ValidationError, match="published results cannot change"):
        services.published_result_save(result=world.published, by=world.people.inspector)
    with pytest.raises(ValidationError, match="published results cannot change"):
        services.published_result_delete(result=world.published, by=world.people.inspector)
    assert list(PublishedResult.objects.filter(inspection=inspection).values_list("category", "rate")) == [
        ("all_crime", world.published.__class__.objects.get(pk=world.published.pk).rate)]
    assert str(PublishedResult.objects.get(pk=world.published.pk).rate) == "80.40"


def test_the_service_refuses_a_frozen_change_from_any_caller(world):
    inspection = publish_world(world)
    inspection.audit_period_end = date(2024, 7, 31)
    with pytest.raises(ValidationError) as refused:
        services.inspection_save(inspection=inspection, by=world.people.inspector)
    assert refused.value.message_dict == {"audit_period_end": [
        "The inspection is published, so its audit period end cannot change. An inspector must reopen it first."]}
    assert Inspection.objects.get(pk=inspection.pk).audit_period_end == date(2024, 6, 30)


# Nothing crosses to another force ---------------------------------------------------------------------


def test_a_previous_inspection_must_be_of_the_same_force(world):
    response = api(world.people.inspector).patch(reverse("api:inspection-detail", args=[world.inspection.pk]),
                                                 {"previous_inspection": world.inspection_b.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"previous_inspection": ["The previous inspection must be of the same force."]}
    assert Inspection.objects.get(pk=world.inspection.pk).previous_inspection is None
    earlier = InspectionFactory(force=world.forces.a)
    assert api(world.people.inspector).patch(reverse("api:inspection-detail", args=[world.inspection.pk]),
                                             {"previous_inspection": earlier.pk}, format="json").status_code == 200


def test_a_case_cannot_move_to_another_forces_inspection(world, client_for):
    case = AuditedCase.objects.get(pk=world.case.pk)
    case.inspection = world.inspection_b
    with pytest.raises(ValidationError, match="another force's inspection"):
        services.case_save(case=case, by=world.people.inspector)
    assert AuditedCase.objects.get(pk=world.case.pk).inspection_id == world.inspection.pk

    from tests.test_admin_entry import case_form

    client = client_for(world.people.inspector)
    url = reverse("admin:audits_auditedcase_change", args=[world.case.pk])
    version = client.get(url).context["adminform"].form.initial["version"]
    data = case_form(world.inspection_b, [], reference=world.case.reference, version=version,
                     reported_at="01/03/2024 09:00")
    data["crimes-INITIAL_FORMS"] = "0"
    response = client.post(url, data)
    assert "A case cannot be moved to another force&#x27;s inspection." in response.content.decode()
    assert AuditedCase.objects.get(pk=world.case.pk).inspection_id == world.inspection.pk


def test_a_finding_cannot_move_to_another_forces_inspection(world):
    finding = world.finding
    finding.inspection = world.inspection_b
    with pytest.raises(ValidationError, match="another force's inspection"):
        finding_services.finding_save(finding=finding, by=world.people.inspector)
    assert world.finding.__class__.objects.get(pk=world.finding.pk).inspection_id == world.inspection.pk


def test_factories_publish_helper_freezes_like_publication(world):
    """The tests' shortcut writes the same record the service does."""
    result = PublishedResultFactory(inspection=InspectionFactory(force=world.forces.b), category="rape",
                                    rate=None, interval=None, recorded=5, audited=9)
    publish(result.inspection)
    assert result.inspection.result_versions.get().published.get().recorded == 5


def test_the_api_reopens_with_a_reason(world):
    inspection = publish_world(world)
    url = reverse("api:inspection-status", args=[inspection.pk])
    refused = api(world.people.inspector).post(url, {"status": "moderation"}, format="json")
    assert refused.status_code == 400 and "Say why" in str(refused.json())
    reopened = api(world.people.inspector).post(url, {"status": "moderation", "reason": REASON}, format="json")
    assert reopened.status_code == 200 and Inspection.objects.get(pk=inspection.pk).reopen_reason == REASON


def test_published_results_have_no_bulk_delete_that_would_skip_the_lock(world, client_for):
    publish_world(world)
    response = client_for(world.people.inspector).get(reverse("admin:audits_publishedresult_changelist"))
    assert "delete_selected" not in response.content.decode()


def test_upgrading_freezes_inspections_published_before_the_record_existed(world):
    from django.core.management import call_command

    Inspection.objects.filter(pk=world.inspection_b.pk).update(status="published", published_on=date(2024, 10, 1))
    assert not ResultVersion.objects.exists()
    call_command("migrate", verbosity=0)  # nothing left to migrate: the post_migrate step still runs
    assert list(ResultVersion.objects.values_list("inspection_id", "number")) == [(world.inspection_b.pk, 1)]
    call_command("migrate", verbosity=0)
    assert ResultVersion.objects.count() == 1  # once only


@pytest.mark.parametrize("version", ["\x00", "-1", "1e3", "99999999999999999999999", "１", "1; DROP TABLE x"])
def test_odd_version_numbers_answer_404_or_400_and_never_500(world, client_for, version):
    inspection = publish_world(world)
    # A NUL is refused for every page before any view runs (config.api.refuse_nul_bytes); the rest are no version.
    expected = 400 if "\x00" in version else 404
    assert report(client_for(world.people.manager), inspection, version=version).status_code == expected
    response = api(world.people.manager).get(reverse("api:inspection-results", args=[inspection.pk]),
                                             {"version": version})
    assert response.status_code in (400, 404) and response["Content-Type"].startswith("application/json")


def test_another_forces_published_record_is_404_at_every_version(world, client_for):
    inspection = publish_world(world)
    staff_b = client_for(world.people.staff_b)
    for params in ({}, {"version": 1}, {"include": "provisional"}):
        assert report(staff_b, inspection, **params).status_code == 404
        assert api(world.people.staff_b).get(reverse("api:inspection-results", args=[inspection.pk]),
                                             params).status_code == 404


@pytest.mark.parametrize("reason", ["bad\x00reason", "x" * 501])
def test_a_hostile_reopen_reason_is_refused_and_nothing_changes(world, reason):
    inspection = publish_world(world)
    response = api(world.people.inspector).post(reverse("api:inspection-status", args=[inspection.pk]),
                                                {"status": "moderation", "reason": reason}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert Inspection.objects.get(pk=inspection.pk).status == "published"
