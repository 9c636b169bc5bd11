"""Force staff never see another force's data, through any page, export, admin screen or error."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audits.models import (
    AccessRecord,
    AuditedCase,
    AuditedCrime,
    CancellationReview,
    Challenge,
    GradeRevision,
    Inspection,
    PublishedResult,
    RecordingError,
    SampleDraw,
    SamplingFrame,
)
from forces.models import Force, ForceMembership, RecordedCrimeVolume
from forces.scoping import ScopedQuerySet
from reaudits.models import ReAudit, ReAuditCase, ReAuditFinding, ReAuditVerdict
from recommendations.models import Evidence, Finding, FollowUp, Verdict
from reports.models import ResultVersion
from tests.factories import make_reaudit, make_self_audit
from tests.url_walk import all_url_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    """The shared world, with a self-audit of each force re-audited: force A's once submitted and once still
    being entered, force B's submitted."""
    people = world.people
    world.self_audit = make_self_audit(world.forces.a, people.staff_a, n=4)
    world.reaudit = make_reaudit(world.self_audit, people.inspector, size=3, seed=1, submit=True)
    world.reaudit_open = make_reaudit(world.self_audit, people.inspector, size=2, seed=2)
    world.reaudit_b = make_reaudit(make_self_audit(world.forces.b, people.staff_b, n=2, prefix="GLO-SA"),
                                   people.inspector, size=2, submit=True)
    return world

A_MARKERS = ["Thames Valley", "TVP-A-0001", "TVP-A-R1", "TVP-A-CX1", "TVP-SA-00"]

# Pages that show no single object: they answer, but nothing of force A may appear.
LIST_PAGES = [("audits:home", {}), ("audits:challenges", {}), ("forces:list", {}), ("reports:overview", {}), ("recommendations:list", {}),
              ("recommendations:list_csv", {}), ("recommendations:overdue", {}), ("notifications:list", {}),
              ("search:search", {}), ("reports:league", {}), ("reports:league_csv", {}), ("reaudits:list", {})] + [
    ("reports:overview_export", {"fmt": fmt}) for fmt in ("csv", "zip", "xlsx")
] + [("reports:method", {})]
# Pages for inspectors and administrators only: 403 for everyone else.
EDITOR_PAGES = [("forces:prc_upload", {}), ("audits:moderation", {})]


def editor_pages(world):
    return EDITOR_PAGES + [("audits:case_import", {"pk": world.inspection.pk}),
                           ("audits:cancellation_review_import", {"pk": world.inspection.pk}),
                           ("recommendations:create", {"inspection_pk": world.inspection.pk}),
                           ("recommendations:verdict_create", {"inspection_pk": world.inspection.pk}),
                           ("reports:publish", {"pk": world.inspection.pk}),
                           ("reaudits:new", {"pk": world.self_audit.pk}),
                           ("reaudits:case", {"pk": world.reaudit_open.pk, "position": 1})]
# Pages about nobody's force, or only ever the signed-in person's own things.
NEUTRAL_PAGES = {"audits:case_template", "audits:cancellation_review_template", "login", "logout", "favicon", "forces:health", "forces:api_tokens",
                 "forces:api_token_revoke",
                 # the idle-session check, keep-alive and "signed out" page: tests/test_idle_sessions.py
                 "forces:session_status", "forces:session_keep_alive", "forces:session_ended",
                 # the signed-in person's own two-factor sign-in: tests/test_two_factor.py
                 "forces:two_factor", "forces:two_factor_enrol", "forces:two_factor_verify",
                 "forces:two_factor_recovery", "forces:two_factor_new_codes",
                 # a background job's page, its "Try again" and its PDF, its owner's only:
                 # tests/test_import_worker.py, tests/test_background_jobs.py
                 "audits:job", "audits:job_retry", "audits:job_download"}
# The public pages: no sign-in, the published record only (tests/test_public.py crawls them). Force A's inspection
# here is unpublished, so nothing of it may appear on them for anyone.
def public_pages(world):
    return [("reports:public", {}), ("reports:public_csv", {}),
            ("reports:public_force", {"slug": world.forces.a.slug}),
            ("reports:public_force_csv", {"slug": world.forces.a.slug}),
            ("reports:public_findings_csv", {"slug": world.forces.a.slug})]


UNPUBLISHED_A_MARKERS = ["TVP-A-0001", "TVP-A-R1", "TVP-A-CX1", "TVP-SA-00"]
# Of those, force A's inspection's (its own audits, TVP-SA-…, are its force auditor's own work).
UNPUBLISHED_INSPECTION_A_MARKERS = [marker for marker in UNPUBLISHED_A_MARKERS if not marker.startswith("TVP-SA")]
# Form posts with no page of their own, each refused to the wrong people in its feature's tests
# (tests/test_notifications.py: nobody marks another's; tests/test_moderation_queue.py: inspectors only).
# tests/test_reaudits.py: only the inspector who drew a re-audit submits it.
FORM_POSTS = {"notifications:mark_read", "audits:moderate_case", "reaudits:submit"}


def object_pages(world):
    """Every app page that shows one of force A's objects, with the arguments that name it."""
    pages = [
        ("forces:detail", {"slug": world.forces.a.slug}),
        ("audits:inspection", {"pk": world.inspection.pk}),
        ("audits:inspection_cases_csv", {"pk": world.inspection.pk}),
        ("audits:case", {"pk": world.case.pk}),
        ("reports:force", {"slug": world.forces.a.slug}),
        ("reports:inspection", {"pk": world.inspection.pk}),
        ("recommendations:finding", {"pk": world.finding.pk}),
        ("audits:challenge", {"pk": world.challenge.pk}),
        ("audits:sample", {"pk": world.inspection.pk}),
        ("audits:cancellation_reviews", {"pk": world.inspection.pk}),
        ("audits:cancellation_review_export", {"pk": world.inspection.pk, "fmt": "csv"}),
        ("audits:cancellation_review_export", {"pk": world.inspection.pk, "fmt": "xlsx"}),
        ("audits:case_export", {"pk": world.inspection.pk, "fmt": "csv"}),
        ("audits:case_export", {"pk": world.inspection.pk, "fmt": "xlsx"}),
        ("audits:challenge_new", {"error_pk": world.misclassified.errors.get().pk}),
        ("recommendations:evidence", {"finding_pk": world.finding.pk, "pk": world.evidence.pk}),
        ("reaudits:detail", {"pk": world.reaudit.pk}),
        ("reaudits:detail", {"pk": world.reaudit_open.pk}),
        ("reaudits:export", {"pk": world.reaudit.pk, "table": "agreement"}),
        # A force's own audits: the monthly series and the comparison with the inspectorate.
        ("reports:self_audit_series", {"slug": world.forces.a.slug}),
        ("reports:self_audit_comparison", {"slug": world.forces.a.slug}),
    ]
    for fmt in ("csv", "zip", "xlsx", "pdf"):
        pages += [("reports:force_export", {"slug": world.forces.a.slug, "fmt": fmt}),
                  ("reports:inspection_export", {"pk": world.inspection.pk, "fmt": fmt})]
    return pages


def admin_objects(world):
    """Force A's object for each model in the admin (reference models get any row)."""
    a_objects = {
        Inspection: world.inspection,
        AuditedCase: world.case,
        AuditedCrime: world.misclassified,
        RecordingError: world.misclassified.errors.get(),
        PublishedResult: world.published,
        CancellationReview: world.cancellation_review,
        Finding: world.finding,
        Force: world.forces.a,
        RecordedCrimeVolume: RecordedCrimeVolume.objects.create(
            force=world.forces.a, period_end="2024-06-30", category="all_crime", count=1000, source="test"),
    }
    # Sign-in lockouts (django-axes): no force's data, but in the admin for administrators only.
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils import timezone

    seen = {"username": "someone", "ip_address": "10.0.0.1", "user_agent": "test", "http_accept": "*/*",
            "path_info": "/accounts/login/", "attempt_time": timezone.now()}
    a_objects[AccessAttempt] = AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1)
    a_objects[AccessLog] = AccessLog.objects.create(**seen)
    a_objects[AccessFailureLog] = AccessFailureLog.objects.create(**seen, locked_out=False)
    # The access record of a read of force A's inspection, and an inspector's two-factor devices.
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    a_objects[AccessRecord] = AccessRecord.objects.create(username="staff-a", inspection=world.inspection,
                                                          kind=AccessRecord.Kind.CASES, path="/")
    a_objects[TOTPDevice] = TOTPDevice.objects.create(user=world.people.inspector, name="app")
    a_objects[StaticDevice] = StaticDevice.objects.create(user=world.people.inspector, name="codes")
    return a_objects


def admin_urls(world):
    from django.contrib import admin

    a_objects = admin_objects(world)
    urls = {}
    for model, model_admin in admin.site._registry.items():
        obj = a_objects.get(model) or model._default_manager.first()
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls[f"{prefix}_changelist"] = reverse(f"{prefix}_changelist")
        urls[f"{prefix}_add"] = reverse(f"{prefix}_add")
        for action in ["change", "delete", "history"]:
            urls[f"{prefix}_{action}"] = reverse(f"{prefix}_{action}", args=[obj.pk])
        if hasattr(model, "history"):
            if not model.history.filter(**{model._meta.pk.attname: obj.pk}).exists():
                obj.save()  # reference rows loaded by a migration have no history yet
            version = model.history.filter(**{model._meta.pk.attname: obj.pk}).first()
            urls[f"{prefix}_simple_history"] = reverse(f"{prefix}_simple_history", args=[obj.pk, version.history_id])
    urls["admin:audits_inspection_revise_grades"] = reverse("admin:audits_inspection_revise_grades",
                                                            args=[world.inspection.pk])
    urls["admin:audits_accessrecord_export"] = reverse("admin:audits_accessrecord_export")
    urls["admin:index"] = reverse("admin:index")
    urls["admin:app_list"] = reverse("admin:app_list", args=["audits"])
    urls["admin:autocomplete"] = reverse("admin:autocomplete") + (
        "?app_label=audits&model_name=auditedcase&field_name=inspection&term=Thames")
    urls["admin:view_on_site"] = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(Inspection).pk, world.inspection.pk])
    return urls


def shows_nothing_of_a(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        content = xlsx_text(content).encode()
    if response.get("Content-Type", "") == "application/zip":  # compressed: read what it holds
        import io
        import zipfile

        archive = zipfile.ZipFile(io.BytesIO(content))
        content = b"".join(archive.read(name) for name in archive.namelist())
    text = content.decode("utf-8", "replace")
    return not any(marker in text for marker in A_MARKERS)


def xlsx_text(content):
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    return " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)


def test_every_url_of_the_project_is_walked(world):
    covered = ({name for name, _ in LIST_PAGES + editor_pages(world) + object_pages(world) + public_pages(world)}
               | NEUTRAL_PAGES
               | FORM_POSTS | set(admin_urls(world)))
    admin_only = {"admin:login", "admin:logout", "admin:password_change", "admin:password_change_done",
                  "admin:jsi18n", "admin:auth_user_password_change"}
    api = {name for name in all_url_names() if name.startswith("api:")}  # walked by tests/test_api_matrix.py
    missing = all_url_names() - covered - admin_only - api
    assert not missing, f"URLs not covered by the scoping walk: {sorted(missing)}"


@pytest.mark.parametrize("who", ["staff_b", "manager_b"])
def test_another_forces_people_get_404_for_every_page_of_force_a(world, client_for, who):
    client = client_for(getattr(world.people, who))
    for name, kwargs in object_pages(world):
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 404, name
        assert shows_nothing_of_a(response), name


@pytest.mark.parametrize("who", ["staff_b", "manager_b", "nobody"])
def test_lists_show_nothing_of_force_a(world, client_for, who):
    client = client_for(getattr(world.people, who))
    for name, kwargs in LIST_PAGES:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        assert shows_nothing_of_a(response), name


@pytest.mark.parametrize("who", ["inspector", "admin"])
def test_inspectors_and_administrators_see_every_page_of_force_a(world, client_for, who):
    client = client_for(getattr(world.people, who))
    for name, kwargs in object_pages(world) + editor_pages(world):
        # A PDF report is made by a background job: the request ends on the job's page.
        response = client.get(reverse(name, kwargs=kwargs), follow=kwargs.get("fmt") == "pdf")
        # Only the force's own staff raise challenges: the inspectorate gets the challenge form's 404. A report
        # of several tables has no one CSV: report.csv without ?table= sends its reader to the ZIP.
        expected = {"audits:challenge_new": 404}.get(name, 302 if kwargs.get("fmt") == "csv" and name in (
            "reports:force_export", "reports:inspection_export") else 200)
        assert response.status_code == expected, name
    for name, kwargs in LIST_PAGES:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name


@pytest.mark.parametrize("who", ["inspector", "admin"])
def test_inspectors_and_administrators_reach_the_admin(world, client_for, who):
    client = client_for(getattr(world.people, who))
    assert client.get(reverse("admin:audits_auditedcase_change", args=[world.case.pk])).status_code == 200
    assert client.get(reverse("admin:audits_inspection_changelist")).status_code == 200


@pytest.mark.parametrize("who", ["staff_b", "staff_a", "manager", "manager_b", "nobody"])
def test_only_inspectors_and_administrators_reach_editor_pages(world, client_for, who):
    client = client_for(getattr(world.people, who))
    for name, kwargs in editor_pages(world):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403, name
        assert client.post(reverse(name, kwargs=kwargs)).status_code == 403, name


@pytest.mark.parametrize("who", ["staff_b", "staff_a", "manager", "manager_b", "nobody"])
def test_only_inspectors_and_administrators_reach_the_admin(world, client_for, who):
    client = client_for(getattr(world.people, who))
    for name, url in admin_urls(world).items():
        response = client.get(url)
        assert response.status_code == 403, f"{name} {url} answered {response.status_code}"
        assert shows_nothing_of_a(response), name


def test_admin_answers_404_not_a_redirect_for_an_object_outside_the_users_scope(world, client_for):
    response = client_for(world.people.inspector).get(
        reverse("admin:audits_auditedcase_change", args=[999999]))
    assert response.status_code == 404
    response = client_for(world.people.inspector).get(
        reverse("admin:audits_auditedcase_history", args=["not-a-number"]))
    assert response.status_code == 404


def test_filtering_a_list_by_another_forces_inspection_shows_nothing(world, client_for):
    response = client_for(world.people.staff_b).get(reverse("forces:list"), {"region": "South East"})
    assert shows_nothing_of_a(response)


def test_signed_out_visitors_are_sent_to_sign_in_everywhere(world, client):
    for name, kwargs in LIST_PAGES + object_pages(world):
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), name
    assert client.get(reverse("forces:health")).status_code == 200


@pytest.mark.parametrize("who", [None, "staff_b", "staff_a", "manager_b", "inspector"])
def test_public_pages_answer_everyone_the_same_and_show_nothing_unpublished(world, client_for, client, who):
    reader = client if who is None else client_for(getattr(world.people, who))
    for name, kwargs in public_pages(world):
        response = reader.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, (who, name)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = content.decode()
        assert not any(marker in text for marker in UNPUBLISHED_A_MARKERS), (who, name)


# The force that owns a row, found by following the row's own relations: written out per model, not
# taken from the model's force_field, so that a wrong force_field makes the test below fail.
FORCE_OF = {
    Force: lambda row: row.pk,
    ForceMembership: lambda row: row.force_id,
    RecordedCrimeVolume: lambda row: row.force_id,
    Inspection: lambda row: row.force_id,
    AuditedCase: lambda row: row.inspection.force_id,
    AuditedCrime: lambda row: row.case.inspection.force_id,
    RecordingError: lambda row: row.crime.case.inspection.force_id,
    PublishedResult: lambda row: row.inspection.force_id,
    GradeRevision: lambda row: row.inspection.force_id,
    CancellationReview: lambda row: row.inspection.force_id,
    Challenge: lambda row: row.case.inspection.force_id,
    SamplingFrame: lambda row: row.inspection.force_id,
    SampleDraw: lambda row: row.frame.inspection.force_id,
    Finding: lambda row: row.inspection.force_id,
    FollowUp: lambda row: row.finding.inspection.force_id,
    Evidence: lambda row: row.follow_up.finding.inspection.force_id,
    Verdict: lambda row: row.inspection.force_id,
    ResultVersion: lambda row: row.inspection.force_id,
    AccessRecord: lambda row: row.inspection.force_id if row.inspection_id else None,
    ReAudit: lambda row: row.self_audit.force_id,
    ReAuditCase: lambda row: row.reaudit.self_audit.force_id,
    ReAuditVerdict: lambda row: row.reaudit_case.reaudit.self_audit.force_id,
    ReAuditFinding: lambda row: row.verdict.reaudit_case.reaudit.self_audit.force_id,
}


def test_for_user_scopes_every_force_owned_model(world):
    AccessRecord.objects.create(username="x", inspection=world.inspection, kind="cases", path="/")
    AccessRecord.objects.create(username="y", inspection=world.inspection_b, kind="cases", path="/")
    AccessRecord.objects.create(username="z", inspection=None, kind="report", path="/reports/")
    scoped_models = [m for m in apps.get_models() if isinstance(m._default_manager.all(), ScopedQuerySet)]
    assert {Force, Inspection, AuditedCase, AuditedCrime, RecordingError, PublishedResult, CancellationReview,
            RecordedCrimeVolume, Finding, FollowUp, Evidence, Verdict} <= set(scoped_models)
    assert set(scoped_models) == set(FORCE_OF), "a scoped model needs its owner written out in FORCE_OF"
    people = world.people
    for model in scoped_models:
        rows = model._default_manager
        for user, expected_force in [(people.staff_b, world.forces.b), (people.manager_b, world.forces.b),
                                     (people.staff_a, world.forces.a)]:
            visible = rows.for_user(user)
            everything_of_force = {row for row in rows.all() if FORCE_OF[model](row) == expected_force.pk}
            assert set(visible) == everything_of_force, (model, user)
        assert not rows.for_user(people.nobody).exists()
        assert rows.for_user(people.inspector).count() == rows.count()
        assert rows.for_user(people.admin).count() == rows.count()
        assert rows.for_user(people.manager).count() == rows.count()


def test_force_staff_without_a_force_see_nothing(world):
    from forces.roles import Role
    from tests.factories import make_user

    orphan = make_user("orphan", Role.FORCE_STAFF)
    assert not Inspection.objects.for_user(orphan).exists()
    assert not Force.objects.for_user(orphan).exists()


# Force auditors ---------------------------------------------------------------------------------------------------

# The inspection each scoped row belongs to (None: a row of no inspection), written out like FORCE_OF.
INSPECTION_OF = {
    Force: lambda row: None, ForceMembership: lambda row: None, RecordedCrimeVolume: lambda row: None,
    Inspection: lambda row: row, AuditedCase: lambda row: row.inspection, AuditedCrime: lambda row: row.case.inspection,
    RecordingError: lambda row: row.crime.case.inspection, PublishedResult: lambda row: row.inspection,
    GradeRevision: lambda row: row.inspection, CancellationReview: lambda row: row.inspection,
    Challenge: lambda row: row.case.inspection, SamplingFrame: lambda row: row.inspection,
    SampleDraw: lambda row: row.frame.inspection, Finding: lambda row: row.inspection,
    FollowUp: lambda row: row.finding.inspection, Evidence: lambda row: row.follow_up.finding.inspection,
    Verdict: lambda row: row.inspection, ResultVersion: lambda row: row.inspection,
    AccessRecord: lambda row: row.inspection, ReAudit: lambda row: row.self_audit,
    ReAuditCase: lambda row: row.reaudit.self_audit, ReAuditVerdict: lambda row: row.reaudit_case.reaudit.self_audit,
    ReAuditFinding: lambda row: row.verdict.reaudit_case.reaudit.self_audit,
}


def test_for_user_gives_a_force_auditor_their_forces_self_audits_and_published_inspections_only(self_audits):
    world = self_audits
    AccessRecord.objects.create(username="x", inspection=world.own_a, kind="cases", path="/")
    AccessRecord.objects.create(username="y", inspection=world.inspection, kind="cases", path="/")
    scoped_models = [m for m in apps.get_models() if isinstance(m._default_manager.all(), ScopedQuerySet)]
    assert set(scoped_models) == set(INSPECTION_OF), "a scoped model needs its inspection written out in INSPECTION_OF"
    for model in scoped_models:
        rows = model._default_manager
        for user, force in [(world.people.auditor_a, world.forces.a), (world.people.auditor_b, world.forces.b)]:
            expected = set()
            for row in rows.all():
                inspection = INSPECTION_OF[model](row)
                if FORCE_OF[model](row) != force.pk:
                    continue
                if inspection is None and model is not AccessRecord or inspection is not None and (
                        inspection.kind == Inspection.Kind.FORCE_SELF_AUDIT or inspection.status == "published"):
                    expected.add(row)
            assert set(rows.for_user(user)) == expected, (model, user)


@pytest.mark.parametrize("who", ["auditor_a", "auditor_b"])
def test_force_auditors_see_nothing_unpublished_of_force_a_on_any_page(self_audits, client_for, who):
    """Force A's inspection is in moderation: its auditor sees no page of it, nor another force's auditor anything."""
    world = self_audits
    client = client_for(getattr(world.people, who))
    own_force_pages = {"forces:detail", "reports:force", "reports:force_export", "reports:self_audit_series",
                       "reports:self_audit_comparison"}
    for name, kwargs in object_pages(world):
        # Their force's pages, and the inspectorate's submitted re-audit of its own audit (never one in progress).
        own = who == "auditor_a" and (name in own_force_pages or name in ("reaudits:detail", "reaudits:export")
                                      and kwargs["pk"] == world.reaudit.pk)
        response = client.get(reverse(name, kwargs=kwargs), follow=own)  # a PDF's job page, a report's ZIP
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if own:
            assert response.status_code == 200, name
            assert not any(marker.encode() in content for marker in UNPUBLISHED_INSPECTION_A_MARKERS), name
        else:
            assert response.status_code == 404, (who, name)
            assert shows_nothing_of_a(response), name
    for name, kwargs in editor_pages(world):
        response = client.get(reverse(name, kwargs=kwargs))
        if name == "audits:moderation":  # their own queue: their force's self-audits only
            assert response.status_code == 200 and b"TVP-A-0001" not in response.content
        else:
            assert response.status_code in (403, 404), (who, name)
    for name, url in admin_urls(world).items():
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (who, name, response.status_code)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert not any(marker.encode() in content for marker in UNPUBLISHED_INSPECTION_A_MARKERS), (who, name)
        if who == "auditor_b":
            assert shows_nothing_of_a(response), name
