"""Re-inspection scope (what an inspection audited and what it carried forward), additionally recorded
crimes a year, and results by source and flag computed beside those published."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from audits import services
from audits.models import AuditedCase, AuditedCrime, CancellationReview, Inspection, PublishedResult
from audits.services.published_data import load_published_results
from forces.models import RecordedCrimeVolume
from reports.models import FrozenAdditionalEstimate, FrozenScope, ResultVersion
from reports.statistics import additional_recorded_per_year
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, offence, publish
from tests.report_files import csv_rows, zip_text

pytestmark = pytest.mark.django_db

VIOLENCE, SEXUAL, ALL_CRIME = "violence_against_the_person", "sexual_offences", "all_crime"
EARLIER_TITLE = "Thames Valley Police crime data integrity inspection 2017"  # titled by its own year
REASON = "The earlier report's figures were re-entered."


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def rows_by_label(response, key):
    return {row[0]: row for row in table(response, key).rows}


def report(client, inspection, **params):
    return client.get(reverse("reports:inspection", args=[inspection.pk]), params)


def api_results(user, inspection, **params):
    response = api(user).get(reverse("api:inspection-results", args=[inspection.pk]), params)
    assert response.status_code == 200, response.content
    return {row["category"]: row for row in response.json()}


def earlier_inspection(force, all_crime_rate="80.40"):
    """Thames Valley's 2017 inspection as its report published it: 80.4% ± 1.75 of all crime, vulnerable
    victims 9 of 20."""
    earlier = InspectionFactory(force=force, status="published", published_on=date(2018, 2, 1),
                                audit_period_start=date(2017, 2, 1), audit_period_end=date(2017, 7, 31))
    PublishedResult.objects.create(inspection=earlier, category=ALL_CRIME, rate=all_crime_rate, interval="1.75")
    PublishedResult.objects.create(inspection=earlier, category="vulnerable_victim", recorded=9, audited=20)
    return publish(earlier)


def reinspection(force, earlier, audited, carried_forward=()):
    """A re-inspection whose sample holds one violent crime and one sexual offence, both recorded: all crime
    computed from it would be "2 of 2", a figure of a partial sample."""
    inspection = InspectionFactory(force=force, kind="cdi_reinspection", previous_inspection=earlier,
                                   status="moderation", audited_areas=list(audited),
                                   carried_forward_areas=list(carried_forward))
    case = CaseFactory(inspection=inspection, reference="TVP-RE-0001")
    CrimeFactory(case=case)
    CrimeFactory(case=case, expected_offence=offence("Other sexual offences"))
    return inspection


# Scope: no figure of its own for what it did not audit -------------------------------------------------


def test_a_reinspection_that_audited_only_violence_and_sexual_offences_shows_no_all_crime_figure_of_its_own(
        forces, people, client_for):
    earlier = earlier_inspection(forces.a)
    inspection = publish(reinspection(forces.a, earlier, [VIOLENCE, SEXUAL]), date(2019, 7, 1))
    response = report(client_for(people.manager), inspection)

    categories = rows_by_label(response, "categories")
    assert categories["All crime"][1:8] == [None] * 7 and categories["All crime"][9] == "Not audited"
    assert categories["All crime"][8] == "Category not audited in this inspection"  # the empty figure says why
    assert categories["Violence against the person"][1:4] == [1, 1, 100.0]
    assert categories["Violence against the person"][9] == "Audited"
    assert "All crime" not in rows_by_label(response, "computed_vs_published")
    headline = response.content.decode().split('data-testid="headline-all_crime">')[1].split("</dd>")[0]
    assert "Not audited in this inspection" in headline and "2 of 2" not in headline
    figures = response.context["figures"]
    assert figures.headline(ALL_CRIME) is None and figures.headline_or_carried(ALL_CRIME) is None
    # The API gives no computed all-crime figure either.
    row = api_results(people.manager, inspection)[ALL_CRIME]
    assert (row["scope"], row["audited"], row["recorded"], row["rate"]) == ("not_audited", None, None, None)
    # Nothing carried forward: the national overview has no all-crime figure for it, rather than 2 of 2.
    overview = client_for(people.manager).get(reverse("reports:overview"))
    thames = next(r for r in overview.context["table"].rows if r[0] == "Thames Valley Police")
    assert thames[5:11] == [None] * 6


def test_a_carried_forward_figure_is_shown_labelled_on_the_report_the_overview_the_exports_and_the_api(
        forces, people, client_for):
    earlier = earlier_inspection(forces.a)
    inspection = publish(reinspection(forces.a, earlier, [VIOLENCE, SEXUAL], [ALL_CRIME, "vulnerable_victim"]),
                         date(2019, 7, 1))
    client = client_for(people.staff_a)
    response = report(client, inspection)
    page = response.content.decode()

    scope = rows_by_label(response, "scope")
    assert scope["All crime"] == ["All crime", "Carried forward", EARLIER_TITLE, "published", 80.4, 1.75, None]
    # Published as "9 of 20" with no interval: none is shown as published (issue 16).
    assert scope["Vulnerable victims"][1:] == ["Carried forward", EARLIER_TITLE, "published", 45.0, None, "9 of 20"]
    assert scope["Rape"][1:3] == ["Not audited", None] and scope["Sexual offences"][1] == "Audited"
    assert rows_by_label(response, "categories")["All crime"][9] == (
        f"Carried forward from {EARLIER_TITLE}: 80.4% ± 1.75")
    assert rows_by_label(response, "by_source")["Vulnerable victims"][8] == (
        f"Carried forward from {EARLIER_TITLE}: 9 of 20 (45.0%)")
    headline = page.split('data-testid="headline-all_crime">')[1].split("</dd>")[0]
    assert "Carried forward" in headline and EARLIER_TITLE in headline and "80.4% ± 1.75" in headline
    assert 'data-testid="scope-summary"' in page and "carried all crime and vulnerable victims forward" in page

    overview = client.get(reverse("reports:overview"))
    thames = next(r for r in overview.context["table"].rows if r[0] == "Thames Valley Police")
    assert thames[5:7] == [f"carried forward from {EARLIER_TITLE} (published)", 80.4]
    assert 'data-testid="carried-tag"' in overview.content.decode()
    lines = csv_rows(client.get(reverse("reports:overview_export", args=["csv"])))
    assert any(f"carried forward from {EARLIER_TITLE} (published)" in line for line in lines)
    export = zip_text(client.get(reverse("reports:inspection_export", args=[inspection.pk, "zip"])))
    assert "Scope of this inspection" in export and f"Carried forward from {EARLIER_TITLE}: 80.4% ± 1.75" in export
    scope = csv_rows(client.get(reverse("reports:inspection_export", args=[inspection.pk, "csv"]), {"table": "scope"}))
    assert scope[0][0] == "Category or result" and ["Carried forward", EARLIER_TITLE] in [row[1:3] for row in scope]

    row = api_results(people.staff_a, inspection)[ALL_CRIME]
    assert (row["scope"], row["rate"], row["carried_forward_from"]) == ("carried_forward", None, EARLIER_TITLE)
    assert row["carried_forward"]["rate"] == pytest.approx(0.804) and row["carried_forward"]["source"] == "published"
    # The force report's trend is of each inspection's own figures: the carried-forward one is not a new point.
    trend = client.get(reverse("reports:force", args=["thames-valley"]))
    assert [r[1] for r in table(trend, "trend").rows if r[0] == "All crime"] == [
        "Crime data integrity inspection 2017"]  # the earlier one only


def test_scope_and_the_figures_carried_forward_are_frozen_at_publication(forces, people, client_for):
    earlier = earlier_inspection(forces.a)
    inspection = publish(reinspection(forces.a, earlier, [VIOLENCE, SEXUAL], [ALL_CRIME]), date(2019, 7, 1))
    frozen = FrozenScope.objects.get(version__inspection=inspection)
    assert (frozen.audited, frozen.carried_forward, frozen.previous_version, frozen.previous_title) == (
        [VIOLENCE, SEXUAL], [ALL_CRIME], 1, EARLIER_TITLE)

    # The earlier inspection is revised to 70%; the re-inspection's published record still carries 80.4%.
    services.inspection_change_status(inspection=earlier, status="moderation", by=people.inspector, reason=REASON)
    PublishedResult.objects.filter(inspection=earlier, category=ALL_CRIME).update(rate="70.00")
    services.inspection_change_status(inspection=earlier, status="published", by=people.inspector)
    # The re-inspection is reopened and its scope changed: its published version keeps the scope it froze.
    services.inspection_change_status(inspection=inspection, status="moderation", by=people.inspector, reason=REASON)
    inspection.refresh_from_db()
    inspection.audited_areas = [ALL_CRIME, VIOLENCE, SEXUAL]
    inspection.carried_forward_areas = []
    services.inspection_save(inspection=inspection, by=people.inspector)

    client = client_for(people.manager)
    scope = rows_by_label(report(client, inspection), "scope")
    assert scope["All crime"][1:5] == ["Carried forward", EARLIER_TITLE, "published", 80.4]
    assert api_results(people.manager, inspection)[ALL_CRIME]["carried_forward"]["rate"] == pytest.approx(0.804)
    # Published again, the new scope is version 2; version 1 still reads as it was published.
    agree_every_case(inspection, people)
    services.inspection_change_status(inspection=inspection, status="published", by=people.inspector)
    latest = report(client, inspection)
    assert rows_by_label(latest, "scope")["All crime"][1:3] == ["Audited", None]
    assert rows_by_label(latest, "categories")["All crime"][1:3] == [2, 2]
    assert rows_by_label(report(client, inspection, version=1), "scope")["All crime"][4] == 80.4


def test_the_scope_cannot_change_while_published_through_the_service_the_api_or_the_admin(
        forces, people, client_for):
    earlier = earlier_inspection(forces.a)
    inspection = publish(reinspection(forces.a, earlier, [VIOLENCE, SEXUAL], [ALL_CRIME]), date(2019, 7, 1))
    inspection.audited_areas = [ALL_CRIME, VIOLENCE, SEXUAL]
    inspection.carried_forward_areas = []
    with pytest.raises(ValidationError, match="audited areas cannot change"):
        services.inspection_save(inspection=inspection, by=people.inspector)
    response = api(people.inspector).patch(reverse("api:inspection-detail", args=[inspection.pk]),
                                           {"carried_forward_areas": []}, format="json")
    assert response.status_code == 400 and "carried-forward areas cannot change" in str(response.json())
    admin = client_for(people.inspector).get(reverse("admin:audits_inspection_change", args=[inspection.pk]))
    assert not {"audited_areas", "carried_forward_areas"} & set(admin.context["adminform"].form.fields)
    assert "Violence against the person and sexual offences" in admin.content.decode()
    stored = Inspection.objects.get(pk=inspection.pk)
    assert (stored.audited_areas, stored.carried_forward_areas) == ([VIOLENCE, SEXUAL], [ALL_CRIME])


# Bad scope: refused with a clear message, nothing written ----------------------------------------------


BOTH = "cannot be both audited and carried forward: all crime"
NO_PREVIOUS = "Carrying figures forward needs the previous inspection"


def planned(forces, **fields):
    return InspectionFactory(force=forces.a, kind="cdi_reinspection", status="fieldwork", **fields)


@pytest.mark.parametrize("audited,carried,with_previous,message", [
    ([ALL_CRIME, VIOLENCE], [ALL_CRIME], True, BOTH),
    ([VIOLENCE], [ALL_CRIME], False, NO_PREVIOUS),
    ([], [ALL_CRIME], True, "Say what this inspection audited"),
])
def test_a_bad_scope_is_refused_by_the_service_and_nothing_is_written(forces, people, audited, carried,
                                                                       with_previous, message):
    earlier = earlier_inspection(forces.a)
    inspection = planned(forces, previous_inspection=earlier if with_previous else None)
    inspection.audited_areas, inspection.carried_forward_areas = audited, carried
    with pytest.raises(ValidationError) as refused:
        services.inspection_save(inspection=inspection, by=people.inspector)
    assert message in str(refused.value.message_dict)
    stored = Inspection.objects.get(pk=inspection.pk)
    assert (stored.audited_areas, stored.carried_forward_areas) == ([], [])
    with pytest.raises(ValidationError):
        services.inspection_save(inspection=Inspection(force=forces.a, audited_areas=audited,
                                                       carried_forward_areas=carried), by=people.inspector)
    assert Inspection.objects.count() == 2


@pytest.mark.parametrize("change,field,message", [
    ({"audited_areas": [ALL_CRIME], "carried_forward_areas": [ALL_CRIME]}, "carried_forward_areas", BOTH),
    ({"audited_areas": [VIOLENCE], "carried_forward_areas": [ALL_CRIME], "previous_inspection": None},
     "carried_forward_areas", NO_PREVIOUS),
    ({"audited_areas": ["burglary"]}, "audited_areas", "is not a valid choice"),
    ({"carried_forward_areas": "all_crime"}, "carried_forward_areas", "Expected a list"),
])
def test_a_bad_scope_is_a_400_from_the_api_naming_the_field_and_nothing_is_written(forces, people, change, field,
                                                                                    message):
    inspection = planned(forces, previous_inspection=earlier_inspection(forces.a))
    before = Inspection.objects.filter(pk=inspection.pk).values().get()
    client = api(people.inspector)
    response = client.patch(reverse("api:inspection-detail", args=[inspection.pk]), change, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Inspection.objects.filter(pk=inspection.pk).values().get() == before
    created = client.post(reverse("api:inspection-list"), {"force": "thames-valley", **change}, format="json")
    assert created.status_code == 400 and Inspection.objects.count() == 2


def admin_post(inspection, **scope):
    data = {"force": inspection.force_id, "kind": inspection.kind,
            "previous_inspection": inspection.previous_inspection_id or "", "report_reference": "", "notes": "",
            "published_results-TOTAL_FORMS": "0", "published_results-INITIAL_FORMS": "0",
            "cancellation_reviews-TOTAL_FORMS": "0", "cancellation_reviews-INITIAL_FORMS": "0"}
    return {**data, **scope}


@pytest.mark.parametrize("scope,with_previous,message", [
    ({"audited_areas": [ALL_CRIME, VIOLENCE], "carried_forward_areas": [ALL_CRIME]}, True, BOTH),
    ({"audited_areas": [VIOLENCE], "carried_forward_areas": [ALL_CRIME]}, False, NO_PREVIOUS),
])
def test_a_bad_scope_is_refused_by_the_admin_with_the_reason_and_nothing_is_written(forces, people, client_for,
                                                                                     scope, with_previous, message):
    inspection = planned(forces, previous_inspection=earlier_inspection(forces.a) if with_previous else None)
    response = client_for(people.inspector).post(reverse("admin:audits_inspection_change", args=[inspection.pk]),
                                                 admin_post(inspection, **scope))
    assert response.status_code == 200 and message in response.content.decode()
    stored = Inspection.objects.get(pk=inspection.pk)
    assert (stored.audited_areas, stored.carried_forward_areas) == ([], [])


def test_the_admin_saves_a_sound_scope_in_report_order(forces, people, client_for):
    inspection = planned(forces, previous_inspection=earlier_inspection(forces.a))
    response = client_for(people.inspector).post(
        reverse("admin:audits_inspection_change", args=[inspection.pk]),
        admin_post(inspection, audited_areas=["timeliness", SEXUAL, VIOLENCE], carried_forward_areas=[ALL_CRIME]))
    assert response.status_code == 302
    stored = Inspection.objects.get(pk=inspection.pk)
    assert (stored.audited_areas, stored.carried_forward_areas) == ([VIOLENCE, SEXUAL, "timeliness"], [ALL_CRIME])


def test_a_published_figure_for_what_the_inspection_did_not_audit_is_refused(forces, people, client_for):
    earlier = earlier_inspection(forces.a)
    inspection = reinspection(forces.a, earlier, [VIOLENCE, SEXUAL], [ALL_CRIME])
    carried = PublishedResult(inspection=inspection, category=ALL_CRIME, rate="87.90")
    with pytest.raises(ValidationError, match="carries all crime forward from the previous inspection"):
        services.published_result_save(result=carried, by=people.inspector)
    with pytest.raises(ValidationError, match="did not audit rape"):
        services.published_result_save(result=PublishedResult(inspection=inspection, category="rape", recorded=1,
                                                              audited=2), by=people.inspector)
    # On the inspection's admin page the figures are checked against the scope saved with them.
    response = client_for(people.inspector).post(
        reverse("admin:audits_inspection_change", args=[inspection.pk]),
        admin_post(inspection, audited_areas=[VIOLENCE, SEXUAL], carried_forward_areas=[ALL_CRIME],
                   **{"published_results-TOTAL_FORMS": "1", "published_results-0-category": ALL_CRIME,
                      "published_results-0-rate": "87.9"}))
    assert response.status_code == 200 and "carries all crime forward" in response.content.decode()
    added = client_for(people.inspector).post(reverse("admin:audits_publishedresult_add"),
                                              {"inspection": inspection.pk, "category": ALL_CRIME, "rate": "87.9"})
    assert added.status_code == 200 and "carries all crime forward" in added.content.decode()
    assert not PublishedResult.objects.filter(inspection=inspection).exists()
    # Ticking all crime as audited in the same save lets its figure in.
    response = client_for(people.inspector).post(
        reverse("admin:audits_inspection_change", args=[inspection.pk]),
        admin_post(inspection, audited_areas=[ALL_CRIME, VIOLENCE, SEXUAL],
                   **{"published_results-TOTAL_FORMS": "1", "published_results-0-category": ALL_CRIME,
                      "published_results-0-rate": "87.9"}))
    assert response.status_code == 302 and PublishedResult.objects.filter(inspection=inspection).count() == 1


def agree_every_case(inspection, people):
    for case in inspection.cases.all():
        services.case_submit(case=case, by=people.inspector)
        services.case_agree(case=case, by=people.inspector2)


def test_publishing_refuses_a_scope_it_cannot_honour_and_writes_no_version(forces, people):
    earlier = InspectionFactory(force=forces.a, status="moderation")
    inspection = reinspection(forces.a, earlier, [VIOLENCE, SEXUAL], [ALL_CRIME])
    agree_every_case(inspection, people)
    with pytest.raises(ValidationError, match="Publish the previous inspection .* first"):
        services.inspection_change_status(inspection=inspection, status="published", by=people.inspector)
    publish(earlier)
    # A figure entered before the scope said all crime was carried forward.
    PublishedResult.objects.create(inspection=inspection, category=ALL_CRIME, rate="87.90")
    with pytest.raises(ValidationError, match="published figures for all crime, which it did not audit"):
        services.inspection_change_status(inspection=inspection, status="published", by=people.inspector)
    assert not ResultVersion.objects.filter(inspection=inspection).exists()
    assert Inspection.objects.get(pk=inspection.pk).status == "moderation"


# Additionally recorded crimes a year --------------------------------------------------------------------


def test_the_additional_crimes_formula_on_a_worked_example():
    # 100,000 recorded at 90% stand for 111,111 crimes; at 80% the force recorded 88,889 of them: 11,111 more now.
    assert additional_recorded_per_year(100_000, 0.80, 0.90) == pytest.approx(11_111.1, abs=0.1)
    assert additional_recorded_per_year(100_000, 0.90, 0.90) == 0
    assert additional_recorded_per_year(100_000, 0.90, 0.80) == pytest.approx(-12_500)
    assert additional_recorded_per_year(100_000, 0.80, 0) is None


def published_reinspection(forces, additional=11_000):
    """Earlier 80% of all crime, later 90% (both as published), 100,000 crimes recorded in the 12 months to the
    end of the later audit period."""
    earlier = earlier_inspection(forces.a, all_crime_rate="80.00")
    later = InspectionFactory(force=forces.a, kind="cdi_reinspection", previous_inspection=earlier,
                              status="moderation", audit_period_start=date(2018, 9, 1),
                              audit_period_end=date(2019, 2, 28))
    PublishedResult.objects.create(inspection=later, category=ALL_CRIME, rate="90.00",
                                   additional_recorded_per_year=additional)
    RecordedCrimeVolume.objects.create(force=forces.a, period_end=date(2018, 12, 31), category=ALL_CRIME,
                                       count=100_000, source="PRC test")
    return later


def test_additional_crimes_a_year_are_computed_beside_the_published_figure_and_frozen(forces, people, client_for):
    later = publish(published_reinspection(forces), date(2019, 7, 1))
    client = client_for(people.manager)
    response = report(client, later)
    row = rows_by_label(response, "additional")["All crime"]
    assert row == ["All crime", EARLIER_TITLE, 80.0, 90.0, "31/12/2018", 100_000, 11_111, 11_000, 111, None]
    note = table(response, "additional").note
    assert "R × (1 − p₁ / p₂)" in note and "12 months to the end of the later audit period" in note
    assert "11,111 more crimes a year" in note
    assert "R × (1 − p₁ / p₂)" in response.content.decode()
    additional = api_results(people.manager, later)[ALL_CRIME]["additional_recorded_per_year"]
    assert (additional["computed"], additional["published"], additional["volume"]) == (11_111, 11_000, 100_000)
    export = zip_text(client.get(reverse("reports:inspection_export", args=[later.pk, "zip"])))
    assert "Additionally recorded crimes a year" in export and "11111" in export
    assert "11111" in str(csv_rows(client.get(reverse("reports:inspection_export", args=[later.pk, "csv"]),
                                              {"table": "additional"})))

    frozen = FrozenAdditionalEstimate.objects.get(version__inspection=later, category=ALL_CRIME)
    assert (round(frozen.additional), frozen.volume, frozen.earlier_rate) == (11_111, 100_000, 0.8)
    # A new volume loaded later, or the earlier inspection revised, moves nothing published.
    RecordedCrimeVolume.objects.update(count=1)
    earlier = later.previous_inspection
    services.inspection_change_status(inspection=earlier, status="moderation", by=people.inspector, reason=REASON)
    PublishedResult.objects.filter(inspection=earlier, category=ALL_CRIME).update(rate="60.00")
    services.inspection_change_status(inspection=earlier, status="published", by=people.inspector)
    assert rows_by_label(report(client, later), "additional")["All crime"] == row


def test_without_a_volume_the_published_figure_stands_alone_and_says_why(forces, people, client_for):
    later = published_reinspection(forces)
    RecordedCrimeVolume.objects.all().delete()
    row = rows_by_label(report(client_for(people.inspector), later), "additional")["All crime"]
    assert row[6:] == [None, 11_000, None,
                       "No all crime recorded-crime volume for the 12 months to the end of the audit period."]
    Inspection.objects.filter(pk=later.pk).update(audit_period_start=None, audit_period_end=None)
    row = rows_by_label(report(client_for(people.inspector), later), "additional")["All crime"]
    assert row[9] == "No audit period, so no recorded-crime volume for it."


# Results by source and flag ------------------------------------------------------------------------------


def test_the_published_results_by_source_are_loaded_with_the_reports_wording(db):
    load_published_results()
    loaded = {(r.inspection.force.slug, r.inspection.published_on.year, r.category): r
              for r in PublishedResult.objects.exclude(category__in=[ALL_CRIME, VIOLENCE, SEXUAL, "rape"])
              .select_related("inspection__force")}
    assert {key: (r.recorded, r.audited) for key, r in loaded.items()} == {
        ("gloucestershire", 2019, "vulnerable_victim"): (22, 41),
        ("thames-valley", 2019, "domestic_abuse"): (289, 379),
        ("thames-valley", 2018, "vulnerable_victim"): (9, 20),
    }
    assert "safeguarding referrals" in loaded[("gloucestershire", 2019, "vulnerable_victim")].described_as
    frozen = ResultVersion.objects.get(inspection__force__slug="gloucestershire").published.get(
        category="vulnerable_victim")
    assert (frozen.recorded, frozen.audited) == (22, 41) and "safeguarding" in frozen.described_as


def test_a_by_source_row_naming_no_inspection_is_refused_and_nothing_is_loaded(db, tmp_path):
    bad = tmp_path / "by_source.csv"
    bad.write_text("force,kind,published,result,recorded,audited,rate,described_as,source\n"
                   "kent,cdi,2030-01,vulnerable_victim,1,2,,,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: no inspection kent, cdi, 2030-01"):
        load_published_results(by_source_path=bad)
    bad.write_text("force,kind,published,result,recorded,audited,rate,described_as,source\n"
                   "kent,cdi,2017-06,burglary,1,2,,,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="“burglary” is not a result by source or flag"):
        load_published_results(by_source_path=bad)
    assert not Inspection.objects.exists()


def by_source_sample(forces):
    """Two vulnerable-victim crimes (one recorded, on time), a crime found in an N100 record and not recorded, two
    cancelled crimes (one wrongly; no recording times), one crime recorded late; published: vulnerable victims 22
    of 41 and 90% recorded within 24 hours."""
    inspection = InspectionFactory(force=forces.b, status="moderation")
    vulnerable = CaseFactory(inspection=inspection)
    CrimeFactory(case=vulnerable, vulnerable_victim=True, domestic_abuse=True)
    ErrorFactory(crime__case=vulnerable, crime__vulnerable_victim=True, crime__domestic_abuse=True, kind="not_recorded")
    n100 = CaseFactory(inspection=inspection, source=AuditedCase.Source.N100_RECORD)
    ErrorFactory(crime__case=n100, crime__expected_offence=offence("Rape"), kind="n100_misused")
    cancelled = CaseFactory(inspection=inspection, source=AuditedCase.Source.CANCELLED_CRIME)
    CrimeFactory(case=cancelled, cancellation_code="C3", recorded_at=None)
    wrongly = CrimeFactory(case=cancelled, cancellation_code="C2", recorded_at=None)
    ErrorFactory(crime=wrongly, kind="wrongly_cancelled")
    late = CrimeFactory(case=CaseFactory(inspection=inspection),
                        recorded_at=vulnerable.reported_at + timedelta(hours=30))
    ErrorFactory(crime=late, kind="recorded_late")
    PublishedResult.objects.create(inspection=inspection, category="vulnerable_victim", recorded=22, audited=41,
                                   described_as="vulnerable victim crimes from safeguarding referrals")
    PublishedResult.objects.create(inspection=inspection, category="timeliness", rate="90.00")
    # The cancellation review's own sample: one cancellation found correct, one not.
    CancellationReview.objects.create(inspection=inspection, reference="CX-1", category="rape", ground="C1",
                                      avi_evidenced="not_applicable", ddm_authorised=True, victim_told=True,
                                      verdict="correct")
    CancellationReview.objects.create(inspection=inspection, reference="CX-2", category="rape", ground="C3",
                                      avi_evidenced="not_applicable", ddm_authorised=True, victim_told=False,
                                      verdict="incorrect", reason="No earlier record of the same crime.")
    return inspection


def test_results_by_source_are_computed_beside_those_published(forces, people, client_for):
    inspection = by_source_sample(forces)
    response = report(client_for(people.staff_b), inspection)
    rows = rows_by_label(response, "by_source")
    # "22 of 41" was published without an interval, so no published ± is shown (issue 16).
    assert rows["Vulnerable victims"] == ["Vulnerable victims", "1 of 2", 50.0, 40.55, "22 of 41", 53.7, None,
                                          -3.66, "Audited", "vulnerable victim crimes from safeguarding referrals"]
    assert rows["Domestic abuse"][1:5] == ["1 of 2", 50.0, 40.55, None]
    assert rows["N100 records"][1:3] == ["0 of 1", 0.0]
    assert rows["Cancelled crime records"][1:3] == ["1 of 2", 50.0]
    assert rows["Modern slavery"][1:8] == [None] * 7
    # Recorded crimes with both times known: the vulnerable victim's, on time, and the late one.
    assert rows["Recorded within 24 hours"][1:3] == ["1 of 2", 50.0] and rows["Recorded within 24 hours"][5] == 90.0
    by_api = api_results(people.inspector, inspection, include="provisional")
    assert by_api["vulnerable_victim"]["published"] == {
        "source": "published", "rate": pytest.approx(22 / 41), "margin": None, "low": None, "high": None,
        "recorded": 22, "audited": 41, "described_as": "vulnerable victim crimes from safeguarding referrals"}
    assert (by_api["cancellations"]["recorded"], by_api["cancellations"]["audited"]) == (1, 2)
    assert (by_api["n100"]["recorded"], by_api["n100"]["audited"]) == (0, 1)


def test_results_by_source_are_frozen_at_publication(forces, people, client_for):
    inspection = by_source_sample(forces)
    agree_every_case(inspection, people)
    services.inspection_change_status(inspection=inspection, status="published", by=people.inspector)
    client = client_for(people.manager)
    before = table(report(client, inspection), "by_source").rows
    api_before = api_results(people.manager, inspection)
    services.inspection_change_status(inspection=inspection, status="moderation", by=people.inspector, reason=REASON)
    AuditedCrime.objects.filter(case__inspection=inspection).update(vulnerable_victim=True)
    PublishedResult.objects.filter(inspection=inspection, category="vulnerable_victim").update(recorded=1)
    CrimeFactory(case=CaseFactory(inspection=inspection, source=AuditedCase.Source.N100_RECORD))
    assert table(report(client, inspection), "by_source").rows == before
    assert api_results(people.manager, inspection) == api_before
    live = api_results(people.inspector, inspection, include="provisional")
    assert (live["n100"]["recorded"], live["vulnerable_victim"]["published"]["recorded"]) == (1, 1)
