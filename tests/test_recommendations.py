"""Findings and follow-up: every transition per role through the service and the page, evidence,
internal notes, lost updates, due dates, carry-over verdicts, filters and the overdue view."""

import itertools
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits import services as audit_services
from audits.models import AuditedCase, Challenge, Inspection
from recommendations import services
from recommendations.models import Evidence, Finding, FollowUp, Verdict
from tests.factories import EvidenceFactory, FindingFactory, FollowUpFactory, InspectionFactory

pytestmark = pytest.mark.django_db

Status = Finding.Status
ROLES = ["staff_a", "inspector", "admin", "manager"]
INSPECTORATE_MOVES = ({("implemented", "complete"), ("implemented", "in_progress")}
                      | {(start, "discharged") for start in ("open", "in_progress", "implemented")}
                      | {(start, "superseded") for start in ("open", "in_progress", "implemented")})
ALLOWED = {
    "staff_a": {("open", "in_progress"), ("open", "implemented"), ("in_progress", "implemented")},
    "inspector": INSPECTORATE_MOVES,
    "admin": INSPECTORATE_MOVES,  # administrators act for the inspectorate (services.INSPECTORATE)
    "manager": set(),
}
MATRIX = [(role, start, end) for role in ROLES for start, end in itertools.product(Status.values, Status.values)
          if start != end]


def make_finding(world, status, kind=Finding.Kind.CAUSE_OF_CONCERN):
    """A finding in ``status``, and a finding of a later inspection that could supersede it."""
    finding = FindingFactory(inspection=world.inspection, kind=kind, status=status)
    Inspection.objects.filter(pk=world.inspection.pk).update(published_on=date(2018, 2, 1))
    later = InspectionFactory(force=world.forces.a, published_on=date(2019, 7, 1))
    return finding, FindingFactory(inspection=later, reference="LATER-1")


def arguments(finding, successor, end):
    return {"status": end, "comment": "Because the audit shows otherwise." if end else "",
            "superseded_by": successor if end == "superseded" else None}


@pytest.mark.parametrize("role,start,end", MATRIX)
def test_every_transition_through_the_service(world, role, start, end):
    finding, successor = make_finding(world, start)
    user = getattr(world.people, role)
    call = lambda: services.finding_update(finding_id=finding.pk, by=user, expected_version=1,  # noqa: E731
                                           **arguments(finding, successor, end))
    if (start, end) in ALLOWED[role]:
        call()
        finding.refresh_from_db()
        assert finding.status == end and finding.version == 2
        assert finding.follow_ups.get().status_to == end
    else:
        with pytest.raises((ValidationError, PermissionDenied)) as error:
            call()
        assert "cannot" in str(error.value)
        finding.refresh_from_db()
        assert finding.status == start and finding.version == 1 and not finding.follow_ups.exists()


@pytest.mark.parametrize("role,start,end", MATRIX)
def test_every_transition_through_the_page(world, client_for, role, start, end):
    finding, successor = make_finding(world, start)
    client = client_for(getattr(world.people, role))
    data = {"version": 1, "status": end, "comment": "Because the audit shows otherwise."}
    if end == "superseded":
        data["superseded_by"] = successor.pk
    response = client.post(finding.get_absolute_url(), data)
    finding.refresh_from_db()
    if (start, end) in ALLOWED[role]:
        assert response.status_code == 302
        assert finding.status == end
    else:
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert "You cannot move a cause of concern from" in response.content.decode()
        assert finding.status == start and not finding.follow_ups.exists()


def test_only_a_cause_of_concern_is_discharged(world):
    finding, _ = make_finding(world, "open", kind=Finding.Kind.RECOMMENDATION)
    with pytest.raises(ValidationError, match="cannot move a recommendation"):
        services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=1,
                                status="discharged")


def test_sending_back_needs_a_reason_which_the_force_then_sees(world, client_for):
    finding, _ = make_finding(world, "implemented")
    with pytest.raises(ValidationError, match="Say why"):
        services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=1,
                                status="in_progress")
    services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=1,
                            status="in_progress", comment="The audit still finds unrecorded rapes.")
    page = client_for(world.people.staff_a).get(finding.get_absolute_url()).content.decode()
    assert "The audit still finds unrecorded rapes." in page


def test_superseding_needs_a_later_finding_of_the_same_force(world):
    finding, _ = make_finding(world, "open")
    with pytest.raises(ValidationError, match="Choose the later finding"):
        services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=1,
                                status="superseded")
    with pytest.raises(ValidationError, match="later inspection of the same force"):
        services.finding_update(finding_id=finding.pk, by=world.people.inspector, expected_version=1,
                                status="superseded", superseded_by=world.finding_b)


def test_internal_notes_and_their_evidence_never_reach_force_staff(world, client_for):
    entry = services.finding_update(
        finding_id=world.finding.pk, by=world.people.inspector, expected_version=1, internal=True,
        comment="Chief constable briefed privately.", files=[SimpleUploadedFile("note.txt", b"private note")])
    staff = client_for(world.people.staff_a)
    assert "Chief constable briefed privately." not in staff.get(world.finding.get_absolute_url()).content.decode()
    evidence = entry.evidence.get()
    assert staff.get(evidence.get_absolute_url()).status_code == 404
    inspector_page = client_for(world.people.inspector).get(world.finding.get_absolute_url()).content.decode()
    assert "Chief constable briefed privately." in inspector_page and "Internal" in inspector_page
    with pytest.raises(ValidationError, match="cannot write internal"):
        # version 1: the internal note does not move the version force staff see
        services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a, expected_version=1,
                                internal=True, comment="x")


def test_an_empty_update_is_refused(world):
    with pytest.raises(ValidationError, match="Write an update"):
        services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a, expected_version=1)


def test_staff_of_another_force_cannot_update(world):
    with pytest.raises(PermissionDenied):
        services.finding_update(finding_id=world.finding.pk, by=world.people.staff_b, expected_version=1,
                                comment="Not ours")
    assert world.finding.follow_ups.count() == 1


def test_the_timeline_is_append_only(world):
    entry = FollowUp.objects.filter(finding=world.finding).get()
    with pytest.raises(PermissionDenied):
        entry.comment = "rewritten"
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


# Evidence -------------------------------------------------------------------------------------------


def test_evidence_is_uploaded_listed_and_served_only_to_those_who_may_see_it(world, client_for):
    client = client_for(world.people.staff_a)
    upload = SimpleUploadedFile("action plan.pdf", b"%PDF-1.7 the plan", content_type="application/pdf")
    response = client.post(world.finding.get_absolute_url(), {"version": 1, "comment": "Plan attached",
                                                               "files": [upload]})
    assert response.status_code == 302
    evidence = Evidence.objects.get(original_name="action plan.pdf")
    assert "action plan" not in evidence.file.name and evidence.file.name.endswith(".pdf")
    page = client.get(world.finding.get_absolute_url()).content.decode()
    assert evidence.get_absolute_url() in page
    download = client.get(evidence.get_absolute_url())
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7 the plan"
    assert 'attachment; filename="action plan.pdf"' in download["Content-Disposition"]
    assert client_for(world.people.staff_b).get(evidence.get_absolute_url()).status_code == 404
    assert client.get(f"/media/{evidence.file.name}").status_code == 404  # no public URL


@pytest.mark.parametrize("name,content,message", [
    ("plan.exe", b"MZ", "evidence must be one of"),
    ("plan.pdf", b"not a pdf", "is not really a .pdf file"),
    ("plan.txt", b"\xff\xfe\x00binary", "is not a plain text file"),
    ("plan.pdf", b"", "is empty"),
])
def test_evidence_type_and_content_are_checked_and_nothing_is_written(world, client_for, name, content, message):
    response = client_for(world.people.staff_a).post(
        world.finding.get_absolute_url(),
        {"version": 1, "comment": "See attached", "files": [SimpleUploadedFile(name, content)]})
    assert message in response.content.decode()
    assert world.finding.follow_ups.count() == 1 and Finding.objects.get(pk=world.finding.pk).version == 1


def test_evidence_size_limit(world, settings):
    from recommendations.evidence import MAX_EVIDENCE_BYTES

    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_EVIDENCE_BYTES)
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a, expected_version=1,
                                comment="big", files=[big])


# Lost updates -------------------------------------------------------------------------------------


def test_a_stale_update_gets_a_conflict_showing_what_changed(world, client_for):
    services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a, expected_version=1,
                            status="in_progress", comment="Working group set up")
    response = client_for(world.people.inspector).post(world.finding.get_absolute_url(),
                                                       {"version": 1, "comment": "My stale note"})
    page = response.content.decode()
    assert "This finding changed while you were writing" in page and "Working group set up" in page
    assert "My stale note" in page  # kept in the form for a deliberate resubmit
    assert not FollowUp.objects.filter(comment="My stale note").exists()
    assert Finding.objects.get(pk=world.finding.pk).version == 2


# Due dates, publication and carry-over -----------------------------------------------------------


@pytest.mark.parametrize("timescale,expected", [
    ("immediately", date(2019, 7, 31)), ("3_months", date(2019, 10, 31)), ("6_months", date(2020, 1, 31)),
    ("56_days", date(2019, 9, 25)),
])
def test_due_dates_follow_the_timescale(timescale, expected):
    assert services.due_date(date(2019, 7, 31), timescale) == expected
    assert services.due_date(date(2019, 8, 31), "6_months") == date(2020, 2, 29)


def test_publishing_sets_due_dates_and_opens_the_commissioners_response(world):
    finding = FindingFactory(inspection=world.inspection, reference="R9", timescale="3_months", due_on=None)
    AuditedCase.objects.filter(inspection=world.inspection).update(moderation_state="agreed")
    Challenge.objects.update(status="upheld")
    Inspection.objects.filter(pk=world.inspection.pk).update(published_on=date(2025, 1, 15))
    audit_services.inspection_change_status(inspection=world.inspection, status="published",
                                            by=world.people.inspector)
    finding.refresh_from_db()
    assert finding.due_on == date(2025, 4, 15)
    response = world.inspection.findings.get(kind="pcc_response")
    assert response.due_on == date(2025, 3, 12) and response.owner == "pcc"


def test_finding_page_form_creates_with_validation(world, client_for):
    client = client_for(world.people.inspector)
    url = reverse("recommendations:create", args=[world.inspection.pk])
    response = client.post(url, {"kind": "recommendation", "reference": "TVP-A-R1", "text": "x",
                                 "timescale": "3_months", "owner": "force"})
    assert "already has a finding with that reference" in response.content.decode()
    response = client.post(url, {"kind": "recommendation", "reference": "R2", "text": "x", "timescale": "date",
                                 "owner": "force"})
    assert "Give the due date" in response.content.decode()
    response = client.post(url, {"kind": "area_for_improvement", "reference": "AFI1", "text": "Improve audit.",
                                 "timescale": "6_months", "owner": "force", "accelerated": "on"})
    assert "Only a cause of concern can be accelerated" in response.content.decode()
    cause = FindingFactory(inspection=world.inspection, kind="cause_of_concern", reference="CoC1")
    response = client.post(url, {"kind": "recommendation", "reference": "R3", "text": "Train call handlers.",
                                 "timescale": "3_months", "owner": "force", "parent": cause.pk})
    assert response.status_code == 302
    assert Finding.objects.get(reference="R3").parent == cause


def test_verdicts_carry_over_and_show_on_both_inspections(world, client_for):
    Inspection.objects.filter(pk=world.inspection.pk).update(published_on=date(2018, 2, 1))
    later = InspectionFactory(force=world.forces.a, published_on=date(2019, 7, 1), kind="cdi_reinspection")
    client = client_for(world.people.inspector)
    response = client.post(reverse("recommendations:verdict_create", args=[later.pk]),
                           {"finding": world.finding.pk, "outcome": "partly_implemented", "comment": "Progress"})
    assert response.status_code == 302
    assert "Partly implemented" in client.get(world.finding.get_absolute_url()).content.decode()
    assert "Partly implemented" in client.get(later.get_absolute_url()).content.decode()
    bad = client.post(reverse("recommendations:verdict_create", args=[later.pk]),
                      {"finding": world.finding_b.pk, "outcome": "implemented"})
    assert "Select a valid choice" in bad.content.decode()
    with pytest.raises(ValidationError, match="earlier inspection of the same force"):
        services.verdict_record(inspection=world.inspection, finding=world.finding, outcome="implemented",
                                comment="", by=world.people.inspector)
    assert Verdict.objects.count() == 1


# Lists, filters, exports and the overdue view ---------------------------------------------------


def test_finding_filters(world, client_for):
    FindingFactory(inspection=world.inspection, reference="R-DONE", status="complete", due_on=date(2020, 1, 1))
    client = client_for(world.people.staff_a)
    url = reverse("recommendations:list")
    refs = lambda **params: [f.reference for f in client.get(url, params).context["page"].object_list]  # noqa: E731
    assert refs() == ["R-DONE", "TVP-A-R1"]
    assert refs(status="complete") == ["R-DONE"]
    assert refs(overdue="on") == ["TVP-A-R1"]  # due 31/12/2024, still open
    assert refs(due_before="2021-01-01") == ["R-DONE"]
    assert refs(inspection=world.inspection_b.pk) == []  # another force's inspection: nothing
    page = client.get(url, {"due_after": "2024-01-01", "due_before": "2023-01-01"}).content.decode()
    assert "must be on or after" in page
    rows = b"".join(client.get(reverse("recommendations:list_csv"), {"status": "open"}).streaming_content)
    assert b"TVP-A-R1" in rows and b"R-DONE" not in rows and b"GLO-B-R1" not in rows


def test_overdue_and_ageing_by_force(world, client_for):
    today = services.today()
    for days, status in [(10, "open"), (45, "in_progress"), (200, "implemented"), (5, "complete")]:
        FindingFactory(inspection=world.inspection, due_on=today - timedelta(days=days), status=status)
    rows = client_for(world.people.manager).get(reverse("recommendations:overdue")).context["rows"]
    tvp = next(row for row in rows if row["force_slug"] == "thames-valley")
    assert (tvp["open"], tvp["overdue"], tvp["bands"]) == (4, 4, [1, 1, 0, 2])
    staff_rows = client_for(world.people.staff_b).get(reverse("recommendations:overdue")).context["rows"]
    assert [row["force_slug"] for row in staff_rows] == ["gloucestershire"]


def test_finding_history_is_kept(world):
    services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a, expected_version=1,
                            status="in_progress", comment="Started")
    assert list(Finding.history.filter(id=world.finding.pk).values_list("status", flat=True)) == [
        "in_progress", "open"]


@pytest.mark.parametrize("name", ["list", "overdue", "finding", "csv"])
def test_finding_pages_use_a_fixed_number_of_queries(world, client_for, name):
    client = client_for(world.people.inspector)
    url = {"list": reverse("recommendations:list"), "overdue": reverse("recommendations:overdue"),
           "finding": world.finding.get_absolute_url(), "csv": reverse("recommendations:list_csv")}[name]

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        return len(queries)

    small = count()
    for n in range(15):
        FindingFactory(inspection=world.inspection_b if n % 2 else world.inspection)
        EvidenceFactory(follow_up=FollowUpFactory(finding=world.finding, version=n + 2))
    assert count() == small
