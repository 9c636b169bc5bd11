"""Re-audits of force self-audits: the seeded draw and its refusals, the blind entry, the final submission, the
scoping, the agreement statistics (checked against statsmodels) and the results page."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from statsmodels.stats.inter_rater import cohens_kappa as statsmodels_kappa

from audits.models import AccessRecord, AuditedCase, CountingRule, Inspection
from notifications.models import Notification
from reaudits import services
from reaudits.models import ReAudit, ReAuditCase, ReAuditFinding, ReAuditVerdict
from reaudits.selectors import reaudit_results
from reports.agreement import AgreementTable, cohens_kappa, describe_kappa
from tests.factories import (
    FORCE_NOTE,
    FORCE_QUERY,
    FORCE_REASON,
    CaseFactory,
    CrimeFactory,
    ErrorFactory,
    InspectionFactory,
    make_self_audit,
    offence,
)

pytestmark = pytest.mark.django_db

@pytest.fixture
def sa(world):
    world.self_audit = make_self_audit(world.forces.a, world.people.staff_a)
    return world


def enter_all(reaudit, by, verdict_for):
    """Enter the inspector's verdict on every sampled crime: ``verdict_for(crime)`` gives the kinds."""
    for row in ReAuditCase.objects.filter(reaudit=reaudit).select_related("case"):
        services.reaudit_case_save(reaudit_case=row, by=by, verdicts={
            crime.pk: (verdict_for(crime), {}) for crime in row.case.crimes.all()})


def nothing_drawn():
    return not ReAudit.objects.exists() and not ReAuditCase.objects.exists()


# The draw ---------------------------------------------------------------------------------------------------


def test_the_draw_is_reproducible_from_its_seed(sa):
    first = services.reaudit_draw(self_audit=sa.self_audit, size=4, seed=2024, by=sa.people.inspector)
    second = services.reaudit_draw(self_audit=sa.self_audit, size=4, seed=2024, by=sa.people.inspector2)
    other = services.reaudit_draw(self_audit=sa.self_audit, size=4, seed=7, by=sa.people.inspector2)

    def drawn(reaudit):
        return list(ReAuditCase.objects.filter(reaudit=reaudit).order_by("position")
                    .values_list("case__reference", flat=True))

    assert drawn(first) == drawn(second)
    assert len(set(drawn(first))) == 4
    assert drawn(other) != drawn(first)
    assert "TVP-SA-NOCRIME" not in drawn(first) + drawn(other)  # only cases with crimes are drawn
    assert (first.seed, first.size, first.population) == (2024, 4, 6)
    assert first.history.first().history_user == sa.people.inspector


def test_a_seed_left_empty_is_chosen_and_recorded(sa):
    reaudit = services.reaudit_draw(self_audit=sa.self_audit, size=2, seed=None, by=sa.people.inspector)
    assert reaudit.seed >= 0 and ReAudit.objects.get(pk=reaudit.pk).seed == reaudit.seed


def test_only_a_self_audit_can_be_re_audited(world):
    with pytest.raises(ValidationError, match="Only a force's self-audit can be re-audited"):
        services.reaudit_draw(self_audit=world.inspection, size=1, seed=1, by=world.people.inspector)
    assert nothing_drawn()


def test_a_self_audit_with_a_case_not_agreed_is_refused(world):
    self_audit = make_self_audit(world.forces.a, world.people.staff_a, agreed=False)
    with pytest.raises(ValidationError, match="not yet agreed in moderation"):
        services.reaudit_draw(self_audit=self_audit, size=1, seed=1, by=world.people.inspector)
    assert nothing_drawn()


def test_a_closed_self_audit_can_be_re_audited_whatever_its_cases_moderation(world):
    self_audit = make_self_audit(world.forces.a, world.people.staff_a, agreed=False)
    Inspection.objects.filter(pk=self_audit.pk).update(status=Inspection.Status.CLOSED)
    assert services.reaudit_draw(self_audit=self_audit, size=2, seed=1, by=world.people.inspector).size == 2


@pytest.mark.parametrize("size", [0, 7, None])
def test_a_size_out_of_range_is_refused(sa, size):
    with pytest.raises(ValidationError, match="Draw between 1 and 6 cases"):
        services.reaudit_draw(self_audit=sa.self_audit, size=size, seed=1, by=sa.people.inspector)
    assert nothing_drawn()


def test_force_staff_cannot_draw(sa):
    with pytest.raises(ValidationError, match="Only inspectors and administrators"):
        services.reaudit_draw(self_audit=sa.self_audit, size=1, seed=1, by=sa.people.staff_a)
    assert nothing_drawn()


@pytest.mark.parametrize("size, message", [
    ("-3", "must be a whole number"), ("4\x002", "Null characters are not allowed"), ("9" * 40, "too large"),
    ("", "Enter the number of cases"), ("2.5", "must be a whole number"), ("٣", "must be a whole number"),
    ("7", "Draw between 1 and 6"), ("0", "Draw between 1 and 6"),
])
def test_the_draw_page_refuses_bad_sizes_clearly_and_writes_nothing(sa, client_for, size, message):
    response = client_for(sa.people.inspector).post(reverse("reaudits:new", args=[sa.self_audit.pk]),
                                                    {"size": size, "seed": "1"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_drawn()


@pytest.mark.parametrize("seed", ["-1", "1\x00", "9" * 20, "abc"])
def test_the_draw_page_refuses_bad_seeds(sa, client_for, seed):
    response = client_for(sa.people.inspector).post(reverse("reaudits:new", args=[sa.self_audit.pk]),
                                                    {"size": "2", "seed": seed})
    assert response.status_code == 400 and "seed" in response.content.decode()
    assert nothing_drawn()


def test_the_draw_page_refuses_an_inspection_that_is_not_a_self_audit(world, client_for):
    client = client_for(world.people.inspector)
    page = client.get(reverse("reaudits:new", args=[world.inspection.pk]))
    assert 'data-testid="not-self-audit"' in page.content.decode()
    response = client.post(reverse("reaudits:new", args=[world.inspection.pk]), {"size": "1", "seed": "1"})
    assert response.status_code == 400
    assert "Only a force&#x27;s self-audit can be re-audited" in response.content.decode()
    assert nothing_drawn()


def test_the_draw_page_draws_and_goes_to_the_first_case(sa, client_for):
    response = client_for(sa.people.inspector).post(reverse("reaudits:new", args=[sa.self_audit.pk]),
                                                    {"size": "3", "seed": "11"})
    reaudit = ReAudit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reaudits:case", args=[reaudit.pk, 1])
    assert reaudit.cases.count() == 3


@pytest.mark.parametrize("who", ["staff_a", "staff_b", "manager", "nobody"])
def test_only_inspectors_and_administrators_reach_the_draw(sa, client_for, who):
    client = client_for(getattr(sa.people, who))
    assert client.get(reverse("reaudits:new", args=[sa.self_audit.pk])).status_code == 403
    assert client.post(reverse("reaudits:new", args=[sa.self_audit.pk]), {"size": "1"}).status_code == 403
    assert nothing_drawn()


# Blind entry ------------------------------------------------------------------------------------------------


@pytest.fixture
def drawn(sa):
    sa.reaudit = services.reaudit_draw(self_audit=sa.self_audit, size=6, seed=5, by=sa.people.inspector)
    # A rule only the force's auditors cite: its code must not appear on the blind page.
    special = CountingRule.objects.create(code="FORCE-ONLY-RULE", title="Cited by the force only", source="test",
                                          is_active=False)
    sa.special = special
    error = sa.self_audit.cases.get(reference="TVP-SA-002").crimes.get().errors.get()
    error.rule = special
    error.save()
    return sa


def test_the_blind_page_never_shows_the_forces_verdicts(drawn, client_for):
    client = client_for(drawn.people.inspector)
    for row in drawn.reaudit.cases.all():
        html = client.get(reverse("reaudits:case", args=[drawn.reaudit.pk, row.position])).content.decode()
        assert row.case.reference in html
        for secret in (FORCE_NOTE, FORCE_QUERY, FORCE_REASON, "FORCE-ONLY-RULE", "Agreed", "staff-a"):
            assert secret not in html, (row.case.reference, secret)
        assert " checked" not in html  # nothing of the force's errors ticked


def test_the_progress_page_never_shows_the_forces_verdicts(drawn, client_for):
    html = client_for(drawn.people.inspector).get(drawn.reaudit.get_absolute_url()).content.decode()
    for secret in (FORCE_NOTE, FORCE_QUERY, "Not recorded", "FORCE-ONLY-RULE", "Recorded correctly"):
        assert secret not in html


def test_save_and_next_records_the_verdicts_and_goes_on(drawn, client_for):
    client = client_for(drawn.people.inspector)
    row = drawn.reaudit.cases.get(position=1)
    crime = row.case.crimes.get()
    kinds = ["not_recorded"] if not crime.recorded_offence_id else []
    post = {f"crime-{crime.pk}": kinds or ["none"]}
    if kinds:
        post[f"crime-{crime.pk}-rule-not_recorded"] = "HOCR-OCPV"
    response = client.post(reverse("reaudits:case", args=[drawn.reaudit.pk, 1]), post)
    assert response.status_code == 302
    assert response["Location"] == reverse("reaudits:case", args=[drawn.reaudit.pk, 2])
    verdict = ReAuditVerdict.objects.get(crime=crime)
    assert verdict.compliant is (not kinds) and verdict.force_compliant is None
    if kinds:
        assert verdict.findings.get().rule.code == "HOCR-OCPV"
    again = client.get(reverse("reaudits:case", args=[drawn.reaudit.pk, 1])).content.decode()
    assert " checked" in again  # one's own verdict is shown back


@pytest.mark.parametrize("post, message", [
    ({}, "say whether it was recorded correctly"),
    ({"X": ["none", "misclassified"]}, "not both"),
    ({"X": ["made_up"]}, "is not a recording error"),
    ({"X": ["wrongly_cancelled"]}, "can only be recorded against"),
    ({"X": ["misclassified"], "X-rule-misclassified": "NO-SUCH-RULE"}, "is not a rule you can cite"),
    ({"X": ["misclassified"], "X-rule-misclassified": "FORCE-ONLY-RULE"}, "no longer in use"),
])
def test_a_bad_verdict_is_refused_clearly_and_nothing_is_written(drawn, client_for, post, message):
    row = next(row for row in drawn.reaudit.cases.all() if row.case.crimes.get().recorded_offence_id)
    crime = row.case.crimes.get()
    data = {key.replace("X", f"crime-{crime.pk}"): value for key, value in post.items()}
    response = client_for(drawn.people.inspector).post(
        reverse("reaudits:case", args=[drawn.reaudit.pk, row.position]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReAuditVerdict.objects.exists()
    assert ReAuditCase.objects.get(pk=row.pk).entered_at is None


def test_another_inspector_cannot_enter_or_submit(drawn, client_for):
    row = drawn.reaudit.cases.get(position=1)
    crime = row.case.crimes.get()
    with pytest.raises(ValidationError, match="Only the inspector who drew"):
        services.reaudit_case_save(reaudit_case=row, verdicts={crime.pk: ([], {})}, by=drawn.people.inspector2)
    with pytest.raises(ValidationError, match="Only the inspector who drew"):
        services.reaudit_submit(reaudit=drawn.reaudit, by=drawn.people.inspector2)
    response = client_for(drawn.people.inspector2).post(reverse("reaudits:case", args=[drawn.reaudit.pk, 1]),
                                                        {f"crime-{crime.pk}": "none"})
    assert response.status_code == 400 and "Only the inspector who drew" in response.content.decode()
    assert not ReAuditVerdict.objects.exists()


@pytest.mark.parametrize("who", ["staff_a", "manager"])
def test_force_staff_and_managers_cannot_enter(drawn, client_for, who):
    client = client_for(getattr(drawn.people, who))
    row = drawn.reaudit.cases.get(position=1)
    crime = row.case.crimes.get()
    assert client.get(reverse("reaudits:case", args=[drawn.reaudit.pk, 1])).status_code == 403
    assert client.post(reverse("reaudits:case", args=[drawn.reaudit.pk, 1]),
                       {f"crime-{crime.pk}": "none"}).status_code == 403
    assert client.post(reverse("reaudits:submit", args=[drawn.reaudit.pk])).status_code == 403
    with pytest.raises(ValidationError):
        services.reaudit_case_save(reaudit_case=row, verdicts={crime.pk: ([], {})}, by=getattr(drawn.people, who))
    assert not ReAuditVerdict.objects.exists()


# Submission -------------------------------------------------------------------------------------------------


def inspector_verdict(crime):
    """The inspector agrees on recorded crimes and on unrecorded rapes, except that they find one correctly
    recorded crime (TVP-SA-001) misclassified."""
    if crime.case.reference == "TVP-SA-001":
        return ["misclassified"]
    return [] if crime.recorded_offence_id else ["not_recorded"]


def test_submission_needs_every_case_entered(drawn):
    with pytest.raises(ValidationError, match="Enter a verdict on every crime first: 6 case"):
        services.reaudit_submit(reaudit=drawn.reaudit, by=drawn.people.inspector)
    assert ReAudit.objects.get().submitted_at is None


def test_submission_is_final_and_freezes_the_forces_verdicts(drawn):
    enter_all(drawn.reaudit, drawn.people.inspector, inspector_verdict)
    services.reaudit_submit(reaudit=drawn.reaudit, by=drawn.people.inspector)
    reaudit = ReAudit.objects.get()
    assert reaudit.submitted_at is not None
    with pytest.raises(ValidationError, match="its verdicts are final"):
        services.reaudit_submit(reaudit=reaudit, by=drawn.people.inspector)
    row = reaudit.cases.get(position=1)
    with pytest.raises(ValidationError, match="its verdicts are final"):
        services.reaudit_case_save(reaudit_case=row, verdicts={c.pk: ([], {}) for c in row.case.crimes.all()},
                                   by=drawn.people.inspector)
    assert ReAuditFinding.objects.filter(side="force").count() == 3
    assert set(ReAuditVerdict.objects.values_list("force_compliant", flat=True)) == {True, False}
    # A later change to the self-audit leaves the comparison as submitted.
    drawn.self_audit.cases.get(reference="TVP-SA-002").crimes.get().errors.all().delete()
    assert ReAuditFinding.objects.filter(side="force").count() == 3


def test_a_case_changed_in_the_self_audit_since_the_draw_stops_submission(drawn):
    enter_all(drawn.reaudit, drawn.people.inspector, inspector_verdict)
    AuditedCase.objects.filter(reference="TVP-SA-003").update(moderation_state="draft")
    with pytest.raises(ValidationError, match="TVP-SA-003"):
        services.reaudit_submit(reaudit=drawn.reaudit, by=drawn.people.inspector)
    assert ReAudit.objects.get().submitted_at is None


def test_submission_tells_the_forces_own_people_and_the_inspectors_only(drawn):
    enter_all(drawn.reaudit, drawn.people.inspector, inspector_verdict)
    services.reaudit_submit(reaudit=drawn.reaudit, by=drawn.people.inspector)
    told = set(Notification.objects.filter(event="reaudit_finished").values_list("recipient__username", flat=True))
    assert told == {"staff-a", "auditor-a", "auditor-a2", "insp", "insp2"}
    assert Notification.objects.get(recipient=drawn.people.staff_a).url == drawn.reaudit.get_absolute_url()


def test_the_submit_page_submits_once(drawn, client_for):
    enter_all(drawn.reaudit, drawn.people.inspector, inspector_verdict)
    client = client_for(drawn.people.inspector)
    url = reverse("reaudits:submit", args=[drawn.reaudit.pk])
    assert client.post(url).status_code == 302
    first = ReAudit.objects.get().submitted_at
    response = client.post(url, follow=True)
    assert "its verdicts are final" in response.content.decode()
    assert ReAudit.objects.get().submitted_at == first
    assert client.get(url).status_code == 405


# Scoping ----------------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(drawn):
    enter_all(drawn.reaudit, drawn.people.inspector, inspector_verdict)
    services.reaudit_submit(reaudit=drawn.reaudit, by=drawn.people.inspector)
    return drawn


@pytest.mark.parametrize("who", ["staff_b", "manager_b", "nobody"])
def test_another_force_gets_404(submitted, client_for, who):
    client = client_for(getattr(submitted.people, who))
    pk = submitted.reaudit.pk
    assert client.get(reverse("reaudits:detail", args=[pk])).status_code == 404
    assert client.get(reverse("api:reaudit-detail", args=[pk])).status_code == (403 if who == "nobody" else 404)
    listing = client.get(reverse("reaudits:list"))
    assert "Thames Valley" not in listing.content.decode()


def test_the_force_sees_its_re_audit_only_once_submitted(drawn, client_for):
    client = client_for(drawn.people.staff_a)
    url = drawn.reaudit.get_absolute_url()
    assert client.get(url).status_code == 404
    assert client.get(reverse("api:reaudit-detail", args=[drawn.reaudit.pk])).status_code == 404
    enter_all(drawn.reaudit, drawn.people.inspector, inspector_verdict)
    services.reaudit_submit(reaudit=drawn.reaudit, by=drawn.people.inspector)
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="agreement"' in page.content.decode()


# Statistics -------------------------------------------------------------------------------------------------


# A worked example: 100 crimes re-audited; the force found 80 compliant, the inspectorate 70; 65 both compliant.
WORKED = AgreementTable(both_compliant=65, force_only_compliant=15, inspectorate_only_compliant=5,
                        neither_compliant=15)


@pytest.mark.parametrize("table", [
    WORKED,
    AgreementTable(40, 3, 2, 9),
    AgreementTable(10, 0, 0, 10),  # perfect agreement
    AgreementTable(3, 9, 8, 2),  # worse than chance
    AgreementTable(117, 6, 0, 1),
])
def test_kappa_and_its_interval_agree_with_statsmodels(table):
    ours = cohens_kappa(table)
    theirs = statsmodels_kappa(table.matrix)
    assert ours.kappa == pytest.approx(theirs.kappa, abs=1e-12)
    assert ours.standard_error == pytest.approx(theirs.std_kappa, abs=1e-12)
    assert ours.low == pytest.approx(theirs.kappa_low, abs=1e-9)
    assert ours.high == pytest.approx(theirs.kappa_upp, abs=1e-9)


def test_the_worked_example_reads_plainly():
    result = cohens_kappa(WORKED)
    assert result.x_of_y == "80 of 100" and result.percent == "80.0%"
    # chance: 0.8 × 0.7 + 0.2 × 0.3 = 0.62; kappa = (0.80 − 0.62) / (1 − 0.62)
    assert result.kappa == pytest.approx(0.18 / 0.38)
    assert result.reading.startswith("Moderate agreement (Landis and Koch")
    assert "convention" in result.reading


def test_perfect_agreement_is_kappa_one():
    result = cohens_kappa(AgreementTable(10, 0, 0, 10))
    assert result.kappa == 1 and result.standard_error == 0
    assert result.reading.startswith("Almost perfect agreement")


@pytest.mark.parametrize("table", [AgreementTable(12, 0, 0, 0), AgreementTable(0, 0, 0, 5)])
def test_all_one_class_leaves_kappa_undefined_and_says_so(table):
    result = cohens_kappa(table)
    assert result.kappa is None and result.low is None and result.standard_error is None
    assert result.agreement == 1 and result.percent == "100.0%"
    assert "Kappa is undefined" in result.reading


def test_no_records_is_said_plainly():
    result = cohens_kappa(AgreementTable())
    assert result.kappa is None and result.agreement is None and result.percent == "—"
    assert "nothing to compare" in result.reading


@pytest.mark.parametrize("kappa, words", [(-0.1, "poor"), (0.0, "poor"), (0.15, "slight"), (0.3, "fair"),
                                          (0.5, "moderate"), (0.7, "substantial"), (0.9, "almost perfect")])
def test_landis_and_koch_bands(kappa, words):
    assert describe_kappa(kappa).startswith(words)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="whole number"):
        AgreementTable(-1, 0, 0, 0)


def test_results_per_category_and_disagreements(submitted):
    results = reaudit_results(ReAudit.objects.get())
    by = {row.category.value: row.agreement for row in results.categories}
    # 3 violence crimes (force: compliant; inspectorate: one misclassified), 3 rapes (both: not recorded).
    assert by["all_crime"].table == AgreementTable(2, 1, 0, 3)
    assert by["violence_against_the_person"].table == AgreementTable(2, 1, 0, 0)
    assert by["rape"].table == by["sexual_offences"].table == AgreementTable(0, 0, 0, 3)
    assert by["rape"].kappa is None  # every rape in one class
    theirs = statsmodels_kappa(by["all_crime"].table.matrix)
    assert by["all_crime"].kappa == pytest.approx(theirs.kappa)
    assert results.by_kind == [{"kind": "Misclassified", "force": 0, "inspectorate": 1}]
    # TVP-SA-002's "not recorded" cites a rule only the force used; the inspector cited the usual one.
    assert {(row["code"], row["force"], row["inspectorate"]) for row in results.by_rule} == {
        ("HOCR-CLASS", 0, 1), ("FORCE-ONLY-RULE", 1, 0), ("NCRS-DECISION", 0, 1)}
    assert sorted(v.reaudit_case.case.reference for v in results.disagreements) == ["TVP-SA-001", "TVP-SA-002"]


def test_the_results_page_shows_agreement_and_links_each_disagreement(submitted, client_for):
    html = client_for(submitted.people.staff_a).get(submitted.reaudit.get_absolute_url()).content.decode()
    assert "5 of 6" in html and "83.3%" in html
    assert "Kappa is undefined" in html and "a convention, not a test" in html
    assert "FORCE-ONLY-RULE" in html  # now shown, beside the inspector's
    case = AuditedCase.objects.get(reference="TVP-SA-001")
    assert reverse("audits:case", args=[case.pk]) in html


def export_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_each_results_table_exports_as_its_own_csv(submitted, client_for):
    client = client_for(submitted.people.staff_a)
    pk = submitted.reaudit.pk
    agreement = export_rows(client.get(reverse("reaudits:export", args=[pk, "agreement"])))
    assert agreement[0][:4] == ["Category", "Crimes re-audited", "Same verdict", "Agreement (%)"]
    all_crime = next(row for row in agreement if row[0] == "All crime")
    assert all_crime[1:4] == ["6", "5", "83.3"] and all_crime[8:] == ["2", "1", "0", "3"]
    assert next(row for row in agreement if row[0] == "Rape")[4] == ""  # kappa undefined: no number invented
    differ = export_rows(client.get(reverse("reaudits:export", args=[pk, "disagreements"])))
    assert differ[0] == ["Case", "Crime (offence that should have been recorded)", "The force found",
                         "The inspectorate found"]
    assert {row[0] for row in differ[1:]} == {"TVP-SA-001", "TVP-SA-002"}
    first = next(row for row in differ if row[0] == "TVP-SA-001")
    assert first[2] == "Recorded correctly" and first[3].startswith("Misclassified (")
    assert AccessRecord.objects.filter(kind="export", inspection=submitted.self_audit).count() == 2
    assert client.get(reverse("reaudits:export", args=[pk, "everything"])).status_code == 404


@pytest.mark.parametrize("who", ["staff_b", "manager_b"])
def test_another_force_cannot_export_a_re_audit(submitted, client_for, who):
    response = client_for(getattr(submitted.people, who)).get(
        reverse("reaudits:export", args=[submitted.reaudit.pk, "agreement"]))
    assert response.status_code == 404


def test_an_unsubmitted_re_audit_has_nothing_to_export(drawn, client_for):
    for who in ("inspector", "staff_a"):
        response = client_for(getattr(drawn.people, who)).get(
            reverse("reaudits:export", args=[drawn.reaudit.pk, "agreement"]))
        assert response.status_code == 404, who


def test_the_api_gives_the_agreement_once_submitted(submitted, client_for):
    data = client_for(submitted.people.staff_a).get(reverse("api:reaudit-detail", args=[submitted.reaudit.pk])).json()
    assert data["force"] == "thames-valley" and data["seed"] == 5
    assert data["agreement"]["all_crime"]["same_verdict"] == 5
    assert data["agreement"]["rape"]["kappa"] is None
    assert data["disagreements"]["by_kind"] == [{"kind": "Misclassified", "force": 0, "inspectorate": 1}]
    listed = client_for(submitted.people.staff_a).get(reverse("api:reaudit-list"), {"force": "thames-valley"}).json()
    assert [row["id"] for row in listed["results"]] == [submitted.reaudit.pk]
    other = client_for(submitted.people.staff_a).get(reverse("api:reaudit-list"), {"force": "gloucestershire"}).json()
    assert other["results"] == []


# Fixed queries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["results", "progress", "case", "list", "api_detail", "api_list"])
def test_pages_use_the_same_number_of_queries_whatever_the_size(world, client_for, page):
    client = client_for(world.people.inspector)

    def build(n):
        self_audit = InspectionFactory(force=world.forces.a, kind=Inspection.Kind.FORCE_SELF_AUDIT,
                                       status=Inspection.Status.MODERATION)
        for i in range(n):
            case = CaseFactory(inspection=self_audit, moderation_state="agreed")
            CrimeFactory(case=case)
            ErrorFactory(crime__case=case, crime__expected_offence=offence("Rape"), kind="not_recorded")
            if i % 3 == 0:
                ErrorFactory(crime=CrimeFactory(case=case, expected_offence=offence("Other sexual offences"),
                                                recorded_offence=offence("Violence with injury")),
                             kind="misclassified")
        reaudit = services.reaudit_draw(self_audit=self_audit, size=n, seed=3, by=world.people.inspector)
        if page != "progress":
            enter_all(reaudit, world.people.inspector,
                      lambda crime: ["misclassified"] if crime.recorded_offence_id else [])
            if page != "case":
                services.reaudit_submit(reaudit=reaudit, by=world.people.inspector)
        return reaudit

    def count(reaudit):
        url = {"results": reaudit.get_absolute_url(), "progress": reaudit.get_absolute_url(),
               "case": reverse("reaudits:case", args=[reaudit.pk, 1]), "list": reverse("reaudits:list"),
               "api_detail": reverse("api:reaudit-detail", args=[reaudit.pk]),
               "api_list": reverse("api:reaudit-list")}[page]
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    small = count(build(2))
    assert count(build(12)) == small


def test_history_keeps_who_did_what(submitted):
    verdict = ReAuditVerdict.objects.first()
    assert verdict.history.filter(history_user=submitted.people.inspector).exists()
    assert ReAudit.objects.get().history.count() == 2  # drawn, submitted



def test_one_side_in_one_class_gives_kappa_zero_and_says_what_it_means():
    result = cohens_kappa(AgreementTable(0, 1, 0, 2))  # the inspectorate found every crime not compliant
    theirs = statsmodels_kappa(result.table.matrix)
    assert result.kappa == pytest.approx(theirs.kappa) == 0
    assert "one side found every record in the same class" in result.band
