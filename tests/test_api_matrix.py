"""Every API endpoint × every role × own force / other force × read / write, with the expected status.

The endpoints come from the URL configuration: a new endpoint without a line in ENDPOINTS fails
the first test, so none can escape the matrix."""


import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audits.models import AuditedCase
from forces.tokens import token_create
from tests.factories import InspectionFactory, PublishedResultFactory, make_reaudit, make_self_audit, publish
from tests.url_walk import all_url_names

pytestmark = pytest.mark.django_db

# Who sees force A (the objects under test): inspectors, administrators and managers of all forces, A's staff.
SEES_A = {"inspector": True, "admin": True, "manager": True, "staff_a": True, "staff_b": False, "manager_b": False}
# A force auditor of force A ("auditor_a") sees force A's self-audits and published inspections only: force A's
# inspection here is in moderation, so every endpoint about it (or its cases, reviews, challenges, findings) is 404 to
# them, refused before the lookup (403) where only inspectors write; what is published they read.
ROLES = [*SEES_A, "auditor_a", "nobody"]
A_UNPUBLISHED = {"api:inspection-detail", "api:inspection-status", "api:inspection-case-list",
                 "api:inspection-cancellation-review-list", "api:inspection-cancellation-review-detail",
                 "api:case-detail", "api:case-submit", "api:case-agree", "api:case-query", "api:challenge-detail",
                 "api:challenge-resolve", "api:finding-detail", "api:follow-up-list"}


def expected_for_auditor(name, kind):
    if kind in ("own", "own_write", "owner_only"):
        return expected("staff_b", kind, "")  # personal: as for anyone with a role
    if kind == "list":
        return {200}
    if kind == "detail":
        return {404} if name in A_UNPUBLISHED else {200}
    if name in A_UNPUBLISHED:
        return {403, 404}
    # Planning a force's inspection (not a self-audit): refused by the service with its reason; findings: 403.
    return {400} if name == "api:inspection-list" else {403}
EDITORS = {"inspector", "admin"}
FOLLOW_UP_WRITERS = {"inspector", "admin", "staff_a", "staff_b"}


def case_payload(reference="API-1"):
    return {"reference": reference, "source": "incident_log", "reported_at": "2024-03-01T09:00:00Z",
            "equality_information": "yes", "anonymous_report": True,
            "crimes": [{"expected_offence": "Violence with injury", "recorded_offence": "Violence with injury",
                        "recorded_at": "2024-03-01T10:00:00Z", "domestic_abuse": True},
                       {"expected_offence": "Rape", "safeguarding": "no", "errors": ["not_recorded"]}]}


def endpoints(w):
    """url name -> (url, [(method, payload, kind)]) for force A's objects; kind is 'list', 'detail',
    'write' (inspectors only), 'follow_up' (force staff and inspectors) or 'action' (inspectors)."""
    # Submitted by another inspector, so the inspector under test may moderate it.
    AuditedCase.objects.filter(pk=w.case.pk).update(moderation_state="submitted", submitted_by=w.people.inspector2,
                                                    auditor=w.people.inspector2)
    return {
        "api:token-list": (reverse("api:token-list"), [("get", None, "own"), ("post", {"name": "x"}, "own_write")]),
        "api:token-detail": (reverse("api:token-detail", args=[w.token.pk]), [("delete", None, "owner_only")]),
        "api:force-list": (reverse("api:force-list"), [("get", None, "list")]),
        "api:force-detail": (reverse("api:force-detail", args=["thames-valley"]), [("get", None, "detail")]),
        "api:volume-list": (reverse("api:volume-list"), [("get", None, "list")]),
        "api:volume-detail": (reverse("api:volume-detail", args=[w.volume.pk]), [("get", None, "detail")]),
        "api:inspection-list": (reverse("api:inspection-list"), [
            ("get", None, "list"),
            ("post", {"force": "thames-valley", "kind": "cdi", "audit_period_start": "2025-01-01",
                      "audit_period_end": "2025-06-30"}, "write")]),
        "api:inspection-detail": (reverse("api:inspection-detail", args=[w.inspection.pk]), [
            ("get", None, "detail"), ("patch", {"notes": "Fieldwork moved."}, "write")]),
        "api:inspection-status": (reverse("api:inspection-status", args=[w.inspection.pk]), [
            ("post", {"status": "fieldwork"}, "write")]),
        "api:inspection-results": (reverse("api:inspection-results", args=[w.published_inspection.pk]), [
            ("get", None, "detail")]),
        "api:inspection-case-list": (reverse("api:inspection-case-list", args=[w.inspection.pk]), [
            ("get", None, "detail"), ("post", case_payload(), "write")]),
        "api:inspection-cancellation-review-list": (
            reverse("api:inspection-cancellation-review-list", args=[w.inspection.pk]), [
                ("get", None, "detail"),
                ("post", {"reference": "API-CX", "category": "robbery", "ground": "C3", "ddm_authorised": True,
                          "victim_told": True, "verdict": "correct"}, "write")]),
        "api:inspection-cancellation-review-detail": (
            reverse("api:inspection-cancellation-review-detail", args=[w.inspection.pk, w.cancellation_review.pk]), [
                ("get", None, "detail"), ("patch", {"notes": "checked"}, "write"), ("delete", None, "write")]),
        "api:inspection-cancellation-results": (
            reverse("api:inspection-cancellation-results", args=[w.published_inspection.pk]), [("get", None, "detail")]),
        "api:inspection-records-results": (
            reverse("api:inspection-records-results", args=[w.published_inspection.pk]), [("get", None, "detail")]),
        "api:case-detail": (reverse("api:case-detail", args=[w.case.pk]), [
            ("get", None, "detail"), ("patch", {"notes": "checked", "version": 1}, "write"), ("delete", None, "write")]),
        "api:case-submit": (reverse("api:case-submit", args=[w.case.pk]), [("post", None, "submit")]),
        "api:case-agree": (reverse("api:case-agree", args=[w.case.pk]), [("post", None, "write")]),
        "api:case-query": (reverse("api:case-query", args=[w.case.pk]), [("post", {"reason": "why?"}, "write")]),
        "api:published-result-list": (reverse("api:published-result-list"), [("get", None, "list")]),
        "api:challenge-list": (reverse("api:challenge-list"), [
            ("get", None, "list"),
            ("post", {"error": w.unrecorded.errors.get().pk, "reason": "Recorded as CR/9."}, "challenge")]),
        "api:challenge-detail": (reverse("api:challenge-detail", args=[w.challenge.pk]), [("get", None, "detail")]),
        "api:challenge-resolve": (reverse("api:challenge-resolve", args=[w.challenge.pk]), [
            ("post", {"outcome": "upheld", "note": "The log shows a crime."}, "write")]),
        "api:published-result-detail": (reverse("api:published-result-detail", args=[w.published_result.pk]), [
            ("get", None, "detail")]),
        "api:finding-list": (reverse("api:finding-list"), [
            ("get", None, "list"),
            ("post", {"inspection": w.inspection.pk, "kind": "recommendation", "reference": "API-R",
                      "text": "Audit N100 records.", "timescale": "3_months", "owner": "force"}, "write")]),
        "api:finding-detail": (reverse("api:finding-detail", args=[w.finding.pk]), [("get", None, "detail")]),
        "api:reaudit-list": (reverse("api:reaudit-list"), [("get", None, "list")]),
        "api:reaudit-detail": (reverse("api:reaudit-detail", args=[w.reaudit.pk]), [("get", None, "detail")]),
        "api:follow-up-list": (reverse("api:follow-up-list", args=[w.finding.pk]), [
            ("get", None, "detail"), ("post", {"version": 1, "comment": "Progress"}, "follow_up")]),
    }


NOT_IN_MATRIX = {"api:schema", "api:docs"}  # documentation: 401 without credentials, tested below


def expected(role, kind, method):
    if role == "nobody":
        return {403}
    if kind == "own":  # personal: every user with a role, their own tokens only
        return {200}
    if kind == "own_write":
        return {201}
    if kind == "owner_only":  # the token under test belongs to staff_a
        return {204} if role == "staff_a" else {404}
    sees = SEES_A[role]
    if kind == "list":
        return {200}
    if kind == "detail":
        return {200} if sees else {404}
    if kind == "follow_up":
        if role not in FOLLOW_UP_WRITERS:
            return {403}
        return {201} if sees else {404}
    if kind == "challenge":  # only the force's own staff challenge; others are refused or never see it
        return {201} if role == "staff_a" else ({404, 403} if role == "staff_b" else {403})
    if kind == "submit":  # a case already submitted cannot be submitted again: refused with a reason
        return {400} if role in EDITORS else {403}
    if role in EDITORS:
        return {200, 201, 204}
    return {403}


@pytest.fixture
def w(world):
    from forces.models import RecordedCrimeVolume

    world.token, _ = token_create(user=world.people.staff_a, name="staff a's")
    world.volume = RecordedCrimeVolume.objects.create(force=world.forces.a, period_end="2024-06-30",
                                                      category="all_crime", count=1000, source="test")
    # Published figures are read from a published inspection's record; force A's moderation one has none.
    world.published_result = PublishedResultFactory(inspection=InspectionFactory(force=world.forces.a))
    world.published_inspection = publish(world.published_result.inspection)
    # A submitted re-audit of a force A self-audit (reaudits): its force's staff see it, another force's never.
    world.reaudit = make_reaudit(make_self_audit(world.forces.a, world.people.staff_a, n=2), world.people.inspector,
                                 submit=True)
    return world


def test_every_api_endpoint_is_in_the_matrix(w):
    api_names = {name for name in all_url_names() if name.startswith("api:")}
    missing = api_names - set(endpoints(w)) - NOT_IN_MATRIX
    assert not missing, f"API endpoints missing from the permission matrix: {sorted(missing)}"


CASES = [(name, role) for name in sorted(["api:token-list", "api:token-detail", "api:challenge-list",
                                          "api:challenge-detail", "api:challenge-resolve",
    "api:force-list", "api:force-detail", "api:volume-list", "api:volume-detail", "api:inspection-list",
    "api:inspection-detail", "api:inspection-status", "api:inspection-results", "api:inspection-case-list",
    "api:inspection-cancellation-review-list", "api:inspection-cancellation-review-detail",
    "api:inspection-cancellation-results", "api:inspection-records-results",
    "api:case-detail", "api:case-submit", "api:case-agree", "api:case-query", "api:published-result-list",
    "api:published-result-detail", "api:finding-list", "api:finding-detail", "api:follow-up-list"]) for role in ROLES]


@pytest.mark.parametrize("name,role", CASES)
def test_permission_matrix(w, name, role):
    url, calls = endpoints(w)[name]
    client = APIClient()
    client.force_authenticate(getattr(w.people, role))
    for method, payload, kind in calls:
        response = getattr(client, method)(url, payload, format="json")
        wanted = expected_for_auditor(name, kind) if role == "auditor_a" else expected(role, kind, method)
        assert response.status_code in wanted, (
            f"{role} {method.upper()} {url}: {response.status_code} {getattr(response, 'data', '')}")
        if response.status_code == 200 and kind == "list" and role == "auditor_a":
            assert "TVP-A-0001" not in response.content.decode() and "TVP-A-R1" not in response.content.decode()
        elif response.status_code == 200 and kind == "list" and not SEES_A[role]:
            assert "Thames Valley" not in response.content.decode() and "thames-valley" not in response.content.decode()


@pytest.mark.parametrize("url_name,args", [("api:force-list", []), ("api:case-detail", ["1"]), ("api:schema", []),
                                           ("api:docs", [])])
def test_no_credentials_get_401(db, url_name, args):
    response = APIClient().get(reverse(url_name, args=args))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
