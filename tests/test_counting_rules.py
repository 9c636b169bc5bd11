"""Each recording error cites the NCRS or HOCR rule it breaks: the usual rule for its kind unless an inspector
chooses another, in the admin, the API or the bulk import; reports break errors down by rule, and a published
report's breakdown is frozen; only administrators keep the rule list."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from audits import case_sheet, services
from audits.models import AuditedCase, AuditedCrime, Challenge, CountingRule, Inspection, RecordingError
from audits.rules import DEFAULT_RULE_CODES, ErrorKind
from reports.models import ResultVersion
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, offence, publish
from tests.report_files import table_rows, zip_readme

pytestmark = pytest.mark.django_db


def rule(code):
    return CountingRule.objects.get(code=code)


def cited(crime):
    """{kind: rule code} of a crime's errors, as stored."""
    return dict(RecordingError.objects.filter(crime=crime).values_list("kind", "rule__code"))


def counts():
    return (AuditedCase.objects.count(), AuditedCrime.objects.count(), RecordingError.objects.count(),
            RecordingError.history.count())


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# The usual rule of each kind ---------------------------------------------------------------------------


def test_the_starter_list_holds_every_usual_rule_and_the_cancellation_grounds():
    codes = set(CountingRule.objects.filter(is_active=True).values_list("code", flat=True))
    assert {code for code in DEFAULT_RULE_CODES.values() if code} | {"C1", "C2", "C3", "C4"} <= codes
    assert {"NCRS-DECISION", "HOCR-24H", "HOCR-PCR", "HOCR-OCPV", "HOCR-FIR", "HOCR-CLASS", "N100",
            "CANCEL-VICTIM", "CANCEL-DDM", "NCRS-THIRD-PARTY"} <= codes
    assert "balance of probability" in rule("NCRS-DECISION").description
    assert list(CountingRule.objects.values_list("code", flat=True))[:3] == ["NCRS-DECISION", "NCRS-THIRD-PARTY",
                                                                             "HOCR-24H"]


@pytest.mark.parametrize("kind,crime,usual", [
    ("not_recorded", {"recorded_offence": None, "recorded_at": None}, "NCRS-DECISION"),
    ("n100_misused", {"recorded_offence": None, "recorded_at": None}, "N100"),
    ("additional_crime_missed", {"recorded_offence": None, "recorded_at": None}, "HOCR-OCPV"),
    ("misclassified", {}, "HOCR-CLASS"),
    ("wrongly_cancelled", {"cancellation_code": "C3"}, "C3"),
    ("wrongly_cancelled", {"cancellation_code": "C1"}, "C1"),
    ("victim_not_told", {"cancellation_code": "C2"}, "CANCEL-VICTIM"),
])
def test_an_error_with_no_rule_chosen_cites_the_usual_rule_for_its_kind(world, kind, crime, usual):
    made = CrimeFactory(case=world.case, **crime)
    services.crime_save(crime=made, kinds=[kind], by=world.people.inspector)
    assert cited(made) == {kind: usual}


def test_lateness_worked_out_from_the_times_cites_the_24_hour_rule(world):
    crime = CrimeFactory(case=world.case, recorded_at=world.case.reported_at + __import__("datetime").timedelta(hours=30))
    services.crime_save(crime=crime, kinds=[], by=world.people.inspector)
    assert cited(crime) == {"recorded_late": "HOCR-24H"}


def test_a_chosen_rule_is_kept_and_sending_the_kind_alone_puts_the_usual_rule_back(world):
    services.crime_save(crime=world.misclassified, kinds=["misclassified"], rules={"misclassified": rule("HOCR-PCR")},
                        by=world.people.inspector)
    assert cited(world.misclassified) == {"misclassified": "HOCR-PCR"}
    assert RecordingError.history.filter(crime_id=world.misclassified.pk, rule__code="HOCR-PCR").exists()
    services.crime_save(crime=world.misclassified, kinds=["misclassified"], by=world.people.inspector)
    assert cited(world.misclassified) == {"misclassified": "HOCR-CLASS"}


def test_an_inactive_rule_cannot_be_newly_cited_but_stays_where_it_is_cited(world):
    pcr = rule("HOCR-PCR")
    services.crime_save(crime=world.misclassified, kinds=["misclassified"], rules={"misclassified": pcr},
                        by=world.people.inspector)
    CountingRule.objects.filter(pk=pcr.pk).update(is_active=False)
    pcr.refresh_from_db()
    # Saving the crime again with the rule it already cites is fine.
    services.crime_save(crime=AuditedCrime.objects.get(pk=world.misclassified.pk), kinds=["misclassified"],
                        rules={"misclassified": pcr}, by=world.people.inspector)
    unrecorded = AuditedCrime.objects.get(pk=world.unrecorded.pk)
    with pytest.raises(Exception, match="cannot cite HOCR-PCR: that rule is no longer in use"):
        services.crime_save(crime=unrecorded, kinds=["not_recorded"], rules={"not_recorded": pcr},
                            by=world.people.inspector)
    assert cited(world.unrecorded) == {"not_recorded": "NCRS-DECISION"}


# The admin entry screen --------------------------------------------------------------------------------


def crime_rows(case):
    """The admin form data of a case's crimes as stored, with their errors ticked."""
    data = {}
    crimes = list(case.crimes.order_by("id"))
    for i, crime in enumerate(crimes):
        data.update({f"crimes-{i}-id": crime.pk, f"crimes-{i}-case": case.pk,
                     f"crimes-{i}-expected_offence": crime.expected_offence_id,
                     f"crimes-{i}-recorded_offence": crime.recorded_offence_id or "",
                     f"crimes-{i}-recorded_at": crime.recorded_at.strftime("%d/%m/%Y %H:%M") if crime.recorded_at else "",
                     f"crimes-{i}-cancellation_code": crime.cancellation_code,
                     f"crimes-{i}-safeguarding": crime.safeguarding,
                     f"crimes-{i}-error_kinds": list(crime.errors.values_list("kind", flat=True))})
    data.update({"crimes-TOTAL_FORMS": str(len(crimes)), "crimes-INITIAL_FORMS": str(len(crimes)),
                 "crimes-MIN_NUM_FORMS": "0", "crimes-MAX_NUM_FORMS": "1000"})
    return data


def case_admin_form(client, case):
    url = reverse("admin:audits_auditedcase_change", args=[case.pk])
    form = client.get(url).context["adminform"].form
    data = {"inspection": case.inspection_id, "reference": case.reference, "source": case.source,
            "reported_at": "01/03/2024 09:00", "notes": case.notes,
            "version": form.initial["version"], **crime_rows(case)}
    return url, data


def misclassified_index(case):
    return [crime.pk for crime in case.crimes.order_by("id")].index(
        case.crimes.get(errors__kind="misclassified").pk)


def test_an_inspector_chooses_the_rule_an_error_breaks_in_the_case_screen(world, client_for):
    client = client_for(world.people.inspector)
    url, data = case_admin_form(client, world.case)
    i = misclassified_index(world.case)
    data[f"crimes-{i}-error_kinds_rule_misclassified"] = "HOCR-PCR"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert cited(world.misclassified) == {"misclassified": "HOCR-PCR"}
    assert cited(world.unrecorded) == {"not_recorded": "NCRS-DECISION"}  # left blank: the usual rule

    page = client.get(url).content.decode()
    assert 'name="crimes-{}-error_kinds_rule_misclassified"'.format(i) in page
    assert '<option value="HOCR-PCR" selected>' in page  # shown as chosen when the case is opened again
    assert "usual: HOCR-CLASS" in page and "usual: its ground" in page

    # Choosing the blank option again puts the usual rule back.
    url, data = case_admin_form(client, world.case)
    assert client.post(url, data).status_code == 302
    assert cited(world.misclassified) == {"misclassified": "HOCR-CLASS"}


@pytest.mark.parametrize("extra,message", [
    ({"error_kinds_rule_misclassified": "NO-SUCH-RULE"}, "NO-SUCH-RULE is not a rule you can cite for “Misclassified”"),
    ({"error_kinds_rule_n100_misused": "N100"}, "You chose a rule for “N100 used wrongly” but did not tick it."),
])
def test_a_rule_that_cannot_be_cited_is_refused_in_the_case_screen_and_nothing_is_written(world, client_for, extra,
                                                                                          message):
    client = client_for(world.people.inspector)
    url, data = case_admin_form(client, world.case)
    i = misclassified_index(world.case)
    data.update({f"crimes-{i}-{name}": value for name, value in extra.items()})
    before = counts()
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before and cited(world.misclassified) == {"misclassified": "HOCR-CLASS"}


def test_an_inactive_rule_is_not_offered_unless_the_error_already_cites_it(world, client_for):
    services.crime_save(crime=world.misclassified, kinds=["misclassified"], rules={"misclassified": rule("HOCR-PCR")},
                        by=world.people.inspector)
    CountingRule.objects.filter(code__in=["HOCR-PCR", "HOCR-FIR"]).update(is_active=False)
    client = client_for(world.people.inspector)
    page = client.get(reverse("admin:audits_auditedcase_change", args=[world.case.pk])).content.decode()
    i = misclassified_index(world.case)
    misclassified_row = page.split(f'id="id_crimes-{i}-error_kinds"')[1].split("</tr>")[0]
    assert 'value="HOCR-PCR" selected' in misclassified_row and 'value="HOCR-FIR"' not in misclassified_row
    url, data = case_admin_form(client, world.case)
    data[f"crimes-{i}-error_kinds_rule_misclassified"] = "HOCR-PCR"
    assert client.post(url, data).status_code == 302  # kept, though inactive
    data = case_admin_form(client, world.case)[1]
    data[f"crimes-{i}-error_kinds_rule_misclassified"] = "HOCR-FIR"
    assert "HOCR-FIR is not a rule you can cite" in client.post(url, data).content.decode()
    assert cited(world.misclassified) == {"misclassified": "HOCR-PCR"}


def test_the_usual_rule_of_a_wrongly_cancelled_crime_follows_its_cancellation_ground(world, client_for):
    case = CaseFactory(inspection=world.inspection, reference="TVP-A-0009")
    crime = CrimeFactory(case=case, cancellation_code="C2")
    services.crime_save(crime=crime, kinds=["wrongly_cancelled"], by=world.people.inspector)
    assert cited(crime) == {"wrongly_cancelled": "C2"}
    client = client_for(world.people.inspector)
    assert "usual: C2" in client.get(reverse("admin:audits_auditedcase_change", args=[case.pk])).content.decode()
    url, data = case_admin_form(client, case)
    data["crimes-0-cancellation_code"] = "C4"
    assert client.post(url, data).status_code == 302
    assert cited(crime) == {"wrongly_cancelled": "C4"}


# The API -----------------------------------------------------------------------------------------------


CASE = {
    "reference": "API/24/0009", "source": "incident_log", "reported_at": "2024-03-01T09:00:00Z",
    "crimes": [
        {"expected_offence": "Rape", "recorded_offence": "Other sexual offences", "recorded_at": "2024-03-01T12:00:00Z",
         "errors": [{"kind": "misclassified", "rule": "HOCR-PCR"}]},
        {"expected_offence": "Stalking and harassment", "errors": ["not_recorded"], "safeguarding": "yes"},
        {"expected_offence": "Violence with injury", "errors": [{"kind": "not_recorded", "rule": "ncrs-third-party"}],
         "safeguarding": "not_known"},
    ],
}


def test_the_api_takes_an_error_as_its_kind_or_as_kind_and_rule(world):
    client = api(world.people.inspector)
    response = client.post(reverse("api:inspection-case-list", args=[world.inspection.pk]), CASE, format="json")
    assert response.status_code == 201, response.json()
    crimes = response.json()["crimes"]
    assert [crime["errors"] for crime in crimes] == [
        [{"kind": "misclassified", "rule": "HOCR-PCR"}], ["not_recorded"],
        [{"kind": "not_recorded", "rule": "NCRS-THIRD-PARTY"}]]
    assert [crime["rules_cited"] for crime in crimes] == [
        {"misclassified": "HOCR-PCR"}, {"not_recorded": "NCRS-DECISION"}, {"not_recorded": "NCRS-THIRD-PARTY"}]
    case = AuditedCase.objects.get(reference="API/24/0009")
    assert sorted(RecordingError.objects.filter(crime__case=case).values_list("rule__code", flat=True)) == [
        "HOCR-PCR", "NCRS-DECISION", "NCRS-THIRD-PARTY"]

    # A case read and sent back unchanged keeps every rule cited, and so does a PATCH without crimes.
    url = reverse("api:case-detail", args=[case.pk])
    body = client.get(url).json()
    assert client.put(url, body, format="json").status_code == 200
    body = client.get(url).json()
    assert client.patch(url, {"notes": "CAD 12", "version": body["version"]}, format="json").status_code == 200
    assert sorted(RecordingError.objects.filter(crime__case=case).values_list("rule__code", flat=True)) == [
        "HOCR-PCR", "NCRS-DECISION", "NCRS-THIRD-PARTY"]


@pytest.mark.parametrize("error,message", [
    ({"kind": "misclassified", "rule": "HOCR-NOPE"}, "“HOCR-NOPE” is not a counting rule code"),
    ({"kind": "misclassified", "rule": "HOCR PCR; DROP"}, "is not a counting rule code"),
    ({"kind": "misclassified", "rule": "nul\x00"}, "is not a counting rule code"),
    ({"kind": "misclassified", "rule": 7}, "“7” is not a counting rule code"),
    ({"kind": "miscategorised", "rule": "HOCR-PCR"}, "“miscategorised” is not a recording error kind"),
    ({"kind": "misclassified", "rule": "HOCR-PCR", "because": "x"}, "Only “kind” and “rule” can be given"),
    (["misclassified"], "Give an error kind, or an object"),
])
def test_a_bad_rule_in_the_api_is_a_400_saying_what_is_wrong_and_nothing_is_written(world, error, message):
    before = counts()
    body = {**CASE, "crimes": [{**CASE["crimes"][0], "errors": [error]}]}
    response = api(world.people.inspector).post(reverse("api:inspection-case-list", args=[world.inspection.pk]),
                                                body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()["crimes"])
    assert counts() == before


def test_the_api_refuses_an_inactive_rule_and_the_same_kind_with_two_rules(world):
    CountingRule.objects.filter(code="HOCR-FIR").update(is_active=False)
    before = counts()
    client = api(world.people.inspector)
    url = reverse("api:inspection-case-list", args=[world.inspection.pk])
    inactive = {**CASE, "crimes": [{**CASE["crimes"][0], "errors": [{"kind": "misclassified", "rule": "HOCR-FIR"}]}]}
    response = client.post(url, inactive, format="json")
    assert response.status_code == 400
    assert "cannot cite HOCR-FIR: that rule is no longer in use" in str(response.json()["crimes"])
    twice = {**CASE, "crimes": [{**CASE["crimes"][0], "errors": [
        "misclassified", {"kind": "misclassified", "rule": "HOCR-PCR"}]}]}
    response = client.post(url, twice, format="json")
    assert response.status_code == 400 and "given twice with different rules" in str(response.json()["crimes"])
    assert counts() == before


# The bulk import ---------------------------------------------------------------------------------------

HEADER = ",".join(case_sheet.COLUMNS)
ROWS = [
    "RUL-1,incident_log,01/03/2024 09:00,no,no,no,,Rape,CR1,Other sexual offences,01/03/2024 10:00,,"
    "misclassified:HOCR-PCR",
    "RUL-1,incident_log,01/03/2024 09:00,no,no,no,,Stalking and harassment,,,,,not_recorded:ncrs-third-party,no,"
    "not_known",
    "RUL-2,incident_log,02/03/2024 09:00,no,no,no,,Violence with injury,CR3,Violence with injury,"
    "04/03/2024 09:00,C2,wrongly_cancelled:CANCEL-DDM;victim_not_told",
    "RUL-3,incident_log,02/03/2024 09:00,no,no,no,,Criminal damage,,,,,additional_crime_missed,no,yes",
]


def import_preview(client, inspection, lines, mode="add", name="rules.csv"):
    upload = SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode())
    return client.post(reverse("audits:case_import", args=[inspection.pk]), {"file": upload, "mode": mode})


def confirm(client, inspection, preview):
    return client.post(reverse("audits:case_import", args=[inspection.pk]),
                       {"confirm": "1", "token": preview.context["token"], "mode": preview.context["plan"].mode})


def test_the_import_takes_an_error_as_kind_or_kind_and_rule_code(world, client_for):
    client = client_for(world.people.inspector)
    preview = import_preview(client, world.inspection, ROWS)
    assert preview.context["plan"].ok, preview.context["plan"].problems
    assert confirm(client, world.inspection, preview).status_code == 302
    crimes = {crime.expected_offence.name: crime for crime in AuditedCrime.objects.filter(case__reference__startswith="RUL-")}
    assert cited(crimes["Rape"]) == {"misclassified": "HOCR-PCR"}
    assert cited(crimes["Stalking and harassment"]) == {"not_recorded": "NCRS-THIRD-PARTY"}
    # 48 hours: lateness derived, citing its usual rule.
    assert cited(crimes["Violence with injury"]) == {"wrongly_cancelled": "CANCEL-DDM", "victim_not_told": "CANCEL-VICTIM",
                                                     "recorded_late": "HOCR-24H"}
    assert cited(crimes["Criminal damage"]) == {"additional_crime_missed": "HOCR-OCPV"}
    assert RecordingError.history.filter(crime_id=crimes["Rape"].pk, rule__code="HOCR-PCR",
                                         history_user=world.people.inspector).exists()


@pytest.mark.parametrize("cell,message", [
    ("misclassified:HOCR-NOPE", "Row 2: errors: rule “HOCR-NOPE” (for misclassified) is not a counting rule code."),
    ("misclassified:HOCR-FIR", "Row 2: “Misclassified” cannot cite HOCR-FIR: that rule is no longer in use"),
    ("misclassified:", "Row 2: errors: “misclassified:” names no rule after the colon."),
    ("misclassified;misclassified:HOCR-PCR", "Row 2: errors: misclassified is given twice with different rules."),
])
def test_a_rule_that_cannot_be_cited_names_its_row_and_nothing_is_imported(world, client_for, cell, message):
    CountingRule.objects.filter(code="HOCR-FIR").update(is_active=False)
    client = client_for(world.people.inspector)
    before = counts()
    lines = [ROWS[0].replace("misclassified:HOCR-PCR", cell), *ROWS[1:]]
    preview = import_preview(client, world.inspection, lines)
    assert not preview.context["plan"].ok
    assert message in preview.content.decode()
    assert "Confirm import" not in preview.content.decode()
    assert counts() == before


def exported(client, inspection, fmt):
    response = client.get(reverse("audits:case_export", args=[inspection.pk, fmt]))
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_re_imported_keeps_every_rule_cited_and_changes_nothing(world, client_for, fmt):
    client = client_for(world.people.inspector)
    confirm(client, world.inspection, import_preview(client, world.inspection, ROWS))
    services.crime_save(crime=AuditedCrime.objects.get(pk=world.misclassified.pk), kinds=["misclassified"],
                        rules={"misclassified": rule("HOCR-FIR")}, by=world.people.inspector)
    CountingRule.objects.filter(code="HOCR-FIR").update(is_active=False)  # still cited by that error
    stored = sorted(RecordingError.objects.values_list("crime_id", "kind", "rule__code"))
    content = exported(client, world.inspection, fmt)
    if fmt == "csv":
        cells = [row[12] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]
    else:
        cells = [row[12] for row in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)]
    assert "misclassified:HOCR-PCR" in cells and "misclassified:HOCR-FIR" in cells and "not_recorded" in cells
    assert "recorded_late;victim_not_told;wrongly_cancelled:CANCEL-DDM" in cells

    before = (counts(), AuditedCase.history.count(), AuditedCrime.history.count())
    preview = client.post(reverse("audits:case_import", args=[world.inspection.pk]),
                          {"file": SimpleUploadedFile(f"export.{fmt}", content), "mode": "update"})
    assert preview.context["plan"].ok, preview.context["plan"].problems
    assert preview.context["counts"] == {"add": 0, "update": 0, "unchanged": world.inspection.cases.count()}
    confirm(client, world.inspection, preview)
    assert (counts(), AuditedCase.history.count(), AuditedCrime.history.count()) == before
    assert sorted(RecordingError.objects.values_list("crime_id", "kind", "rule__code")) == stored


def test_re_importing_with_another_rule_updates_the_case(world, client_for):
    client = client_for(world.people.inspector)
    confirm(client, world.inspection, import_preview(client, world.inspection, ROWS))
    lines = [ROWS[0].replace("misclassified:HOCR-PCR", "misclassified"), *ROWS[1:]]
    preview = import_preview(client, world.inspection, lines, mode="update")
    assert preview.context["counts"] == {"add": 0, "update": 1, "unchanged": 2}
    confirm(client, world.inspection, preview)
    assert cited(AuditedCrime.objects.get(case__reference="RUL-1", expected_offence__name="Rape")) == {
        "misclassified": "HOCR-CLASS"}


def test_the_import_page_lists_the_rule_codes(world, client_for):
    CountingRule.objects.filter(code="HOCR-FIR").update(is_active=False)
    page = client_for(world.people.inspector).get(reverse("audits:case_import", args=[world.inspection.pk]))
    codes = page.content.decode().split('data-testid="rule-codes"')[1]
    assert "<code>HOCR-PCR</code>" in codes and "Principal crime rule" in codes and "HOCR-FIR" not in codes
    assert "misclassified:HOCR-PCR" in page.content.decode()  # the errors column's guide


# Reports -----------------------------------------------------------------------------------------------


def cite_in_world(world):
    """Force A's errors: the misclassified rape cites the principal crime rule; the unrecorded violence its
    usual rule; plus a second case with an unrecorded rape citing the third-party rule."""
    services.crime_save(crime=world.misclassified, kinds=["misclassified"], rules={"misclassified": rule("HOCR-PCR")},
                        by=world.people.inspector)
    crime = ErrorFactory(crime__case=CaseFactory(inspection=world.inspection, reference="TVP-A-0002"),
                         crime__expected_offence=offence("Rape"), kind="not_recorded").crime
    services.crime_save(crime=crime, kinds=["not_recorded"], rules={"not_recorded": rule("NCRS-THIRD-PARTY")},
                        by=world.people.inspector)


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def by_rule(response):
    rules = table(response, "rules")
    header = rules.header
    return {row[0].split(":")[0]: dict(zip(header[2:], row[2:])) for row in rules.rows}


def test_the_inspection_report_counts_errors_by_rule_and_category(world, client_for):
    cite_in_world(world)
    response = client_for(world.people.staff_a).get(reverse("reports:inspection", args=[world.inspection.pk]))
    rules = table(response, "rules")
    assert [row[0] for row in rules.rows] == ["NCRS-DECISION: Recording decision: record what amounts to a crime",
                                              "NCRS-THIRD-PARTY: Third-party and anonymous reports",
                                              "HOCR-PCR: Principal crime rule"]
    counted = by_rule(response)
    assert (counted["NCRS-DECISION"]["All crime"], counted["NCRS-DECISION"]["Violence against the person"],
            counted["NCRS-DECISION"]["Rape"]) == (1, 1, 0)
    assert (counted["NCRS-THIRD-PARTY"]["All crime"], counted["NCRS-THIRD-PARTY"]["Rape"]) == (1, 1)
    assert (counted["HOCR-PCR"]["All crime"], counted["HOCR-PCR"]["Sexual offences"]) == (1, 1)
    assert rules.rows[0][1] == "National Crime Recording Standard (NCRS)"
    assert 'data-testid="table-rules"' in response.content.decode()


def test_the_rule_table_is_in_the_csv_and_xlsx_exports_and_the_results_api(world, client_for):
    cite_in_world(world)
    client = client_for(world.people.inspector)
    lines = table_rows(client, reverse("reports:inspection_export", args=[world.inspection.pk, "csv"]), "rules")
    assert lines[0][:3] == ["Rule", "Set out in", "All crime"]
    assert lines[3][:3] == ["HOCR-PCR: Principal crime rule", "HOCR general rules: principal crime rule", "1"]
    assert "Recording errors by rule and category (a crime can have more than one)" in zip_readme(
        client.get(reverse("reports:inspection_export", args=[world.inspection.pk, "zip"])))
    workbook = load_workbook(io.BytesIO(client.get(
        reverse("reports:inspection_export", args=[world.inspection.pk, "xlsx"])).content))
    sheet = workbook["Errors by rule"]
    assert ["NCRS-THIRD-PARTY: Third-party and anonymous reports"] == [
        row[0] for row in sheet.iter_rows(values_only=True) if row[0] and str(row[0]).startswith("NCRS-THIRD")]

    results = api(world.people.inspector).get(reverse("api:inspection-results", args=[world.inspection.pk]),
                                              {"include": "provisional"}).json()
    rape = next(row for row in results if row["category"] == "rape")
    assert rape["rules"] == [
        {"code": "NCRS-DECISION", "title": "Recording decision: record what amounts to a crime",
         "source": "National Crime Recording Standard (NCRS)", "errors": 0},
        {"code": "NCRS-THIRD-PARTY", "title": "Third-party and anonymous reports",
         "source": "National Crime Recording Standard (NCRS)", "errors": 1},
        {"code": "HOCR-PCR", "title": "Principal crime rule", "source": "HOCR general rules: principal crime rule",
         "errors": 1}]


def publish_world(world):
    Challenge.objects.update(status="upheld")
    AuditedCase.objects.filter(inspection=world.inspection).update(moderation_state="agreed")
    return services.inspection_change_status(inspection=world.inspection, status="published",
                                             by=world.people.inspector)


def test_a_published_breakdown_by_rule_does_not_move_when_an_error_is_re_cited_after_reopening(world, client_for):
    cite_in_world(world)
    inspection = publish_world(world)
    version = ResultVersion.objects.get(inspection=inspection)
    assert version.computed.get(group="all_crime").rules == {"NCRS-DECISION": 1, "NCRS-THIRD-PARTY": 1, "HOCR-PCR": 1}
    manager = client_for(world.people.manager)
    url = reverse("reports:inspection", args=[inspection.pk])
    before = table(manager.get(url), "rules").rows
    api_before = api(world.people.manager).get(reverse("api:inspection-results", args=[inspection.pk])).json()

    services.inspection_change_status(inspection=inspection, status="moderation", by=world.people.inspector,
                                      reason="The rape should cite the classification rule.")
    services.crime_save(crime=AuditedCrime.objects.get(pk=world.misclassified.pk), kinds=["misclassified"],
                        by=world.people.inspector)
    CountingRule.objects.filter(code="HOCR-PCR").update(title="Renamed by an administrator")

    assert table(manager.get(url), "rules").rows == before
    assert table(manager.get(url, {"version": 1}), "rules").rows == before
    assert api(world.people.manager).get(reverse("api:inspection-results", args=[inspection.pk])).json() == api_before
    live = by_rule(client_for(world.people.inspector).get(url, {"include": "provisional"}))
    assert "HOCR-PCR" not in live and live["HOCR-CLASS"]["All crime"] == 1

    publish_world(world)
    assert by_rule(manager.get(url))["HOCR-CLASS"]["All crime"] == 1
    assert table(manager.get(url, {"version": 1}), "rules").rows == before


def test_a_version_frozen_before_errors_cited_rules_says_it_has_no_breakdown(world, client_for):
    publish(world.inspection)
    version = ResultVersion.objects.get(inspection=world.inspection)
    version.computed.update(rules=None)
    ResultVersion.objects.filter(pk=version.pk).update(rules_cited=None)
    response = client_for(world.people.manager).get(reverse("reports:inspection", args=[world.inspection.pk]))
    assert table(response, "rules").rows == []
    assert "published before recording errors cited the rule they break" in response.content.decode()
    results = api(world.people.manager).get(reverse("api:inspection-results", args=[world.inspection.pk])).json()
    assert all(row["rules"] is None for row in results)


def test_the_case_page_shows_the_rule_each_error_breaks(world, client_for):
    cite_in_world(world)
    page = client_for(world.people.staff_a).get(world.case.get_absolute_url()).content.decode()
    assert "HOCR-PCR: Principal crime rule" in page and "NCRS-DECISION: Recording decision" in page


# The rule list: administrators only --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["inspector", "manager", "staff_a", "staff_b"])
def test_only_administrators_add_or_change_counting_rules(world, client_for, who):
    client = client_for(getattr(world.people, who))
    assert client.get(reverse("admin:audits_countingrule_add")).status_code == 403
    response = client.post(reverse("admin:audits_countingrule_add"), {
        "code": "LOCAL-1", "title": "Local rule", "source": "Force policy", "is_active": "on", "display_order": 5})
    assert response.status_code == 403
    change = reverse("admin:audits_countingrule_change", args=[rule("HOCR-PCR").pk])
    client.post(change, {"title": "Changed", "source": "x", "is_active": "on", "display_order": 1})
    assert not CountingRule.objects.filter(code="LOCAL-1").exists() and rule("HOCR-PCR").title == "Principal crime rule"


def test_inspectors_read_the_rule_list(world, client_for):
    client = client_for(world.people.inspector)
    page = client.get(reverse("admin:audits_countingrule_changelist")).content.decode()
    assert "HOCR-PCR" in page and "Principal crime rule" in page


def test_an_administrator_adds_a_rule_in_capitals_and_cannot_change_its_code(world, client_for):
    client = client_for(world.people.admin)
    response = client.post(reverse("admin:audits_countingrule_add"), {
        "code": " local-safeguarding ", "title": "Safeguarding referrals recorded", "source": "Force crime registrar",
        "description": "", "is_active": "on", "display_order": 200})
    assert response.status_code == 302, response.content.decode()[:2000]
    added = rule("LOCAL-SAFEGUARDING")
    client.post(reverse("admin:audits_countingrule_change", args=[added.pk]), {
        "code": "OTHER", "title": "Renamed", "source": "Force crime registrar", "is_active": "on",
        "display_order": 200})
    added.refresh_from_db()
    assert (added.code, added.title) == ("LOCAL-SAFEGUARDING", "Renamed")
    bad = client.post(reverse("admin:audits_countingrule_add"), {
        "code": "HOCR:PCR;2", "title": "x", "source": "y", "is_active": "on", "display_order": 1})
    assert "Use capital letters, digits and hyphens only" in bad.content.decode()
    assert not CountingRule.objects.filter(title="x").exists()


def test_a_usual_rule_must_stay_active(world, client_for):
    client = client_for(world.people.admin)
    response = client.post(reverse("admin:audits_countingrule_change", args=[rule("HOCR-CLASS").pk]), {
        "title": "Right Home Office classification", "source": "HOCR", "description": "", "display_order": 40})
    assert "HOCR-CLASS is the usual rule for “Misclassified”, so it must stay active." in response.content.decode()
    assert rule("HOCR-CLASS").is_active


def test_deleting_a_cited_rule_is_refused_with_a_clear_message(world, client_for):
    services.crime_save(crime=world.misclassified, kinds=["misclassified"], rules={"misclassified": rule("HOCR-PCR")},
                        by=world.people.inspector)
    client = client_for(world.people.admin)
    url = reverse("admin:audits_countingrule_delete", args=[rule("HOCR-PCR").pk])
    page = client.get(url).content.decode()
    assert "HOCR-PCR cannot be deleted: 1 recording error cite it. Make it inactive instead" in page
    client.post(url, {"post": "yes"})
    assert CountingRule.objects.filter(code="HOCR-PCR").exists()

    usual = client.get(reverse("admin:audits_countingrule_delete", args=[rule("C2").pk])).content.decode()
    assert "C2 cannot be deleted: it is the usual rule for “Wrongly cancelled” on cancellation ground C2." in usual
    bulk = client.post(reverse("admin:audits_countingrule_changelist"), {
        "action": "delete_selected", "_selected_action": [rule("HOCR-PCR").pk, rule("N100").pk], "post": "yes"})
    assert "N100 cannot be deleted: it is the usual rule for “N100 used wrongly”." in bulk.content.decode()
    assert CountingRule.objects.filter(code__in=["HOCR-PCR", "N100"]).count() == 2


def test_a_rule_no_error_cites_can_be_deleted(world, client_for):
    client = client_for(world.people.admin)
    url = reverse("admin:audits_countingrule_delete", args=[rule("HOCR-FIR").pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not CountingRule.objects.filter(code="HOCR-FIR").exists()


def test_the_database_refuses_to_delete_a_cited_rule(world):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        rule("NCRS-DECISION").delete()
    assert RecordingError.objects.filter(rule__code="NCRS-DECISION").exists()


def test_every_error_kind_has_a_usual_rule_and_the_migration_backfilled_the_same_ones():
    import importlib

    assert set(DEFAULT_RULE_CODES) == set(ErrorKind)
    migration = importlib.import_module("audits.migrations.0013_counting_rules_starter_list")
    assert migration.DEFAULTS == {kind.value: code for kind, code in DEFAULT_RULE_CODES.items() if code}
    assert set(migration.CANCELLATION_GROUNDS) == {"C1", "C2", "C3", "C4"}


def test_published_inspections_errors_cannot_be_re_cited(world):
    publish_world(world)
    with pytest.raises(Exception, match="published"):
        services.crime_save(crime=AuditedCrime.objects.get(pk=world.misclassified.pk), kinds=["misclassified"],
                            rules={"misclassified": rule("HOCR-PCR")}, by=world.people.inspector)
    assert cited(world.misclassified) == {"misclassified": "HOCR-CLASS"}
    assert Inspection.objects.get(pk=world.inspection.pk).is_locked
