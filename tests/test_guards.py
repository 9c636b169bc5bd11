"""Guards that a page or permission class also enforces, tested where they live: in the services, on the
boundary of each rule (24 hours, 92 days, an ISO week), and with a transaction of the test's own.

Each test here kills a mutant that survived the rest of the suite; ``tools/mutate.py`` (``make mutate``)
re-applies those mutants and checks that they still fail."""

from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audits import case_sheet, rules, services
from audits.models import AuditedCase, AuditedCrime, Challenge, Inspection, PublishedResult, RecordingError
from audits.services import case_import, challenges, sampling
from forces.models import Force, RecordedCrimeVolume
from forces.roles import Role
from forces.tokens import token_create, token_user
from recommendations import services as finding_services
from recommendations.models import Finding, ReminderSent
from reports.results import results_for
from reports.selectors import matching_volumes
from tests.factories import CaseFactory, CrimeFactory, FindingFactory, InspectionFactory, make_user

pytestmark = pytest.mark.django_db


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def refused(call, message):
    """The call is refused (ValidationError or PermissionDenied) with ``message`` in what it says."""
    with pytest.raises((ValidationError, PermissionDenied)) as error:
        call()
    said = " ".join(error.value.messages) if isinstance(error.value, ValidationError) else str(error.value)
    assert message in said, said


# Service-level role guards ------------------------------------------------------------------------
# Pages and the API refuse managers and force staff before a service is reached; the services must refuse
# them too, so a new page or a script calling a service cannot skip the rule.

FRAME = b"reference,occurred_at,stratum\nF-1,01/03/2024 10:00,incident_log\nF-2,02/03/2024 10:00,incident_log\n"
IMPORT_ROWS = [
    "G-1,incident_log,01/03/2024 09:00,no,no,no,,Violence with injury,CR1,Violence with injury,01/03/2024 10:00,,",
]


def import_plan(inspection):
    import csv
    import io

    text = "\n".join([",".join(case_sheet.COLUMNS), *IMPORT_ROWS]) + "\n"
    rows = list(csv.DictReader(io.StringIO(text)))
    plan = case_import.plan_import(inspection, rows)
    assert plan.ok, plan.problems
    return plan


def service_calls(world, user):
    """name -> the service called as ``user`` (or a _prepared call)."""
    case, inspection = world.case, world.inspection
    new_case = AuditedCase(inspection=inspection, reference="GUARD-1", source="incident_log",
                           reported_at=timezone.make_aware(datetime(2024, 3, 2, 9, 0)))
    fieldwork = InspectionFactory(force=world.forces.a, status="fieldwork")
    return {
        "case_save (new)": lambda: services.case_save(case=new_case, by=user),
        "case_save (change)": lambda: services.case_save(case=_changed(case, notes="changed"), by=user),
        "case_write": lambda: services.case_write(
            case=_changed(case, notes="changed"), crimes=[(reload(world.recorded), set())], by=user),
        "case_submit": lambda: services.case_submit(case=case, by=user),
        "case_agree": _prepared(lambda: _submitted_by(case, world.people.inspector2),
                                lambda ready: services.case_agree(case=ready, by=user)),
        "case_query": _prepared(lambda: _submitted_by(case, world.people.inspector2),
                                lambda ready: services.case_query(case=ready, by=user, reason="why?")),
        "case_delete": lambda: services.case_delete(case=case, by=user),
        "crime_save": lambda: services.crime_save(crime=reload(world.recorded), kinds=["recorded_late"], by=user),
        "crime_delete": lambda: services.crime_delete(crime=reload(world.recorded), by=user),
        "inspection_save (new)": lambda: services.inspection_save(
            inspection=Inspection(force=world.forces.a, kind="cdi", audit_period_start=date(2025, 1, 1),
                                  audit_period_end=date(2025, 6, 30)), by=user),
        "inspection_save (change)": lambda: services.inspection_save(
            inspection=_changed(inspection, notes="changed"), by=user),
        "inspection_change_status": lambda: services.inspection_change_status(
            inspection=inspection, status="fieldwork", by=user),
        "published_result_save": lambda: services.published_result_save(
            result=_changed(world.published, rate="10.00"), by=user),
        "published_result_delete": lambda: services.published_result_delete(result=world.published, by=user),
        "import_cases": lambda: case_import.import_cases(import_plan(inspection), user),
        "frame_upload": lambda: sampling.frame_upload(
            inspection=fieldwork, upload=SimpleUploadedFile("frame.csv", FRAME), filename="frame.csv", by=user),
        "draw_sample": _prepared(lambda: _with_frame(fieldwork, world.people.inspector),
                                 lambda ready: sampling.draw_sample(inspection=ready, seed=1, sizes={"incident_log": 1},
                                                                    by=user)),
        "challenge_resolve": lambda: challenges.challenge_resolve(
            challenge_id=world.challenge.pk, by=user, outcome="withdrawn", note="Recorded correctly."),
        "finding_save (new)": lambda: finding_services.finding_save(
            finding=Finding(inspection=inspection, kind="recommendation", reference="GUARD-R", text="Do it.",
                            timescale="3_months", owner="force"), by=user),
        "finding_save (change)": lambda: finding_services.finding_save(
            finding=_changed(world.finding, text="Changed."), by=user),
        "verdict_record": lambda: finding_services.verdict_record(
            inspection=fieldwork, finding=world.finding, outcome="implemented", comment="", by=user),
    }


class _prepared:
    """A call whose set-up (done by an inspector, before the snapshot) is not part of what is refused."""

    def __init__(self, prepare, call):
        self.prepare, self.call = prepare, call

    def ready(self):
        ready = self.prepare()
        return lambda: self.call(ready)


def _ready(call):
    return call.ready() if isinstance(call, _prepared) else call


def _changed(obj, **values):
    obj = reload(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


def _submitted_by(case, submitter):
    AuditedCase.objects.filter(pk=case.pk).update(moderation_state="submitted", submitted_by=submitter,
                                                  submitted_at=timezone.now())
    return reload(case)


def _with_frame(inspection, inspector):
    sampling.frame_upload(inspection=inspection, upload=SimpleUploadedFile("frame.csv", FRAME), filename="frame.csv",
                          by=inspector)
    return inspection


def snapshot():
    from audits.models import SampleDraw, SamplingFrame
    from recommendations.models import Verdict

    return {
        "cases": list(AuditedCase.objects.order_by("pk").values_list("pk", "version", "notes", "moderation_state")),
        "crimes": list(AuditedCrime.objects.order_by("pk").values_list("pk", "recorded_at")),
        "errors": list(RecordingError.objects.order_by("pk").values_list("pk", "kind")),
        "inspections": list(Inspection.objects.order_by("pk").values_list("pk", "status", "notes")),
        "results": list(PublishedResult.objects.order_by("pk").values_list("pk", "rate")),
        "challenges": list(Challenge.objects.order_by("pk").values_list("pk", "status")),
        "findings": list(Finding.objects.order_by("pk").values_list("pk", "text", "version")),
        "verdicts": Verdict.objects.count(),
        "frames": SamplingFrame.objects.count(),
        "draws": SampleDraw.objects.count(),
    }


SERVICES = ["case_save (new)", "case_save (change)", "case_write", "case_submit", "case_agree", "case_query",
            "case_delete", "crime_save", "crime_delete", "inspection_save (new)", "inspection_save (change)",
            "inspection_change_status", "published_result_save", "published_result_delete", "import_cases",
            "frame_upload", "draw_sample", "challenge_resolve", "finding_save (new)", "finding_save (change)",
            "verdict_record"]


@pytest.mark.parametrize("who", ["manager", "staff_a"])
def test_every_audit_and_finding_service_refuses_managers_and_force_staff(world, who):
    Inspection.objects.filter(pk=world.inspection.pk).update(status="fieldwork")  # unlocked, open to every change
    user = getattr(world.people, who)
    calls = service_calls(world, user)
    assert sorted(calls) == sorted(SERVICES)
    for name in SERVICES:
        call = _ready(calls[name])
        before = snapshot()
        refused(call, "Only inspectors")
        assert snapshot() == before, name


def test_the_inspectorate_passes_the_same_guards(world):
    """The other side: every one of those calls goes through for an inspector or an administrator."""
    Inspection.objects.filter(pk=world.inspection.pk).update(status="fieldwork")
    for who in ("admin", "inspector"):
        calls = service_calls(world, getattr(world.people, who))
        for name in ["case_save (change)", "inspection_save (change)", "finding_save (change)", "frame_upload",
                     "challenge_resolve" if who == "admin" else "case_submit"]:
            _ready(calls[name])()


# Tokens of inactive users -------------------------------------------------------------------------


def test_an_inactive_users_valid_token_is_refused(world):
    token, raw = token_create(user=world.people.staff_a, name="still valid")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(reverse("api:force-list")).status_code == 200
    assert token_user(raw) is not None
    type(world.people.staff_a).objects.filter(pk=world.people.staff_a.pk).update(is_active=False)
    assert token_user(raw) is None
    response = client.get(reverse("api:force-list"))
    assert response.status_code == 401, response.content


# The 24-hour boundary ------------------------------------------------------------------------------

REPORTED = timezone.make_aware(datetime(2024, 3, 1, 9, 0))
EXACTLY_A_DAY = REPORTED + timedelta(hours=24)
A_SECOND_OVER = REPORTED + timedelta(hours=24, seconds=1)


def test_recorded_exactly_24_hours_after_the_report_is_on_time_and_a_second_more_is_late(world):
    assert rules.late_by_timestamps(REPORTED, EXACTLY_A_DAY) is False
    assert rules.late_by_timestamps(REPORTED, A_SECOND_OVER) is True
    case = CaseFactory(inspection=world.inspection, reported_at=REPORTED)
    on_time = CrimeFactory(case=case, recorded_at=EXACTLY_A_DAY)
    late = CrimeFactory(case=case, recorded_at=A_SECOND_OVER)
    services.crime_save(crime=on_time, kinds=["recorded_late"], by=world.people.inspector)
    services.crime_save(crime=late, kinds=[], by=world.people.inspector)
    assert list(on_time.errors.values_list("kind", flat=True)) == []
    assert list(late.errors.values_list("kind", flat=True)) == ["recorded_late"]


@pytest.mark.parametrize("recorded_at,timely", [(EXACTLY_A_DAY, 1), (A_SECOND_OVER, 0)])
def test_timeliness_counts_exactly_24_hours_as_timely_and_a_second_more_as_not(forces, recorded_at, timely):
    inspection = InspectionFactory(force=forces.a)
    CrimeFactory(case=CaseFactory(inspection=inspection, reported_at=REPORTED), recorded_at=recorded_at)
    result = results_for([inspection.pk])[inspection.pk].all_crime
    assert (result.timed, result.timely) == (1, timely)


# Publication needs every case agreed --------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "submitted", "queried"])
def test_each_state_short_of_agreed_blocks_publication(world, state):
    Challenge.objects.update(status="upheld")
    other = CaseFactory(inspection=world.inspection, moderation_state="agreed")
    CrimeFactory(case=other)
    AuditedCase.objects.filter(pk=world.case.pk).update(moderation_state=state)
    refused(lambda: services.inspection_change_status(inspection=world.inspection, status="published",
                                                      by=world.people.inspector), "1 case not yet agreed")
    assert reload(world.inspection).status == "moderation"
    AuditedCase.objects.filter(pk=world.case.pk).update(moderation_state="agreed")
    services.inspection_change_status(inspection=world.inspection, status="published", by=world.people.inspector)
    assert reload(world.inspection).status == "published"


# Never moderated by its author ---------------------------------------------------------------------


@pytest.mark.parametrize("action", ["agree", "query"])
def test_neither_the_auditor_nor_the_submitter_moderates_a_case(world, action):
    people = world.people
    AuditedCase.objects.filter(pk=world.case.pk).update(auditor=people.inspector)
    services.case_submit(case=world.case, by=people.inspector2)
    case = reload(world.case)
    assert (case.auditor, case.submitted_by) == (people.inspector, people.inspector2)
    moderate = {
        "agree": lambda user: services.case_agree(case=world.case, by=user),
        "query": lambda user: services.case_query(case=world.case, by=user, reason="Check the second crime"),
    }[action]
    for author in (people.inspector, people.inspector2):
        refused(lambda: moderate(author), "never by its own author")
        assert reload(world.case).moderation_state == "submitted"
    moderate(people.admin)  # a third member of the inspectorate may
    assert reload(world.case).moderation_state == {"agree": "agreed", "query": "queried"}[action]


# The weekly reminder cadence -----------------------------------------------------------------------

MONDAY = date(2025, 3, 3)


def remind(day):
    call_command("send_reminders", "--date", day.isoformat(), stdout=open("/dev/null", "w"))


def test_an_overdue_reminder_is_sent_once_an_iso_week(world):
    from recommendations import reminders

    world.people.staff_a.email = "registrar@tvp.example"
    world.people.staff_a.save()
    Finding.objects.update(due_on=MONDAY + timedelta(days=365))
    FindingFactory(inspection=world.inspection, reference="LATE", due_on=MONDAY - timedelta(days=3))
    remind(MONDAY)
    assert len(mail.outbox) == 1
    for day in range(1, 7):  # Tuesday to Sunday: the same week, nothing again
        remind(MONDAY + timedelta(days=day))
    assert len(mail.outbox) == 1
    remind(MONDAY + timedelta(days=7))  # next Monday: once more
    assert len(mail.outbox) == 2 and "LATE" in mail.outbox[1].body
    assert ReminderSent.objects.filter(kind="overdue").count() == 2
    # Due soon: within DUE_SOON_DAYS, once per due date, however many weeks it stays due soon.
    FindingFactory(inspection=world.inspection, reference="SOON", due_on=MONDAY + timedelta(days=7 + reminders.DUE_SOON_DAYS))
    FindingFactory(inspection=world.inspection, reference="NOT YET",
                   due_on=MONDAY + timedelta(days=8 + reminders.DUE_SOON_DAYS))
    remind(MONDAY + timedelta(days=7))
    assert len(mail.outbox) == 3 and "SOON" in mail.outbox[2].body and "NOT YET" not in mail.outbox[2].body
    remind(MONDAY + timedelta(days=8))  # NOT YET is now due within DUE_SOON_DAYS; SOON was already sent
    assert len(mail.outbox) == 4 and "NOT YET" in mail.outbox[3].body
    assert "- SOON " not in mail.outbox[3].body


# The 92-day window on recorded-crime volumes -------------------------------------------------------


def test_a_volume_matches_only_if_its_year_ends_within_92_days_before_the_audit_period_end(forces):
    end = date(2024, 6, 30)
    inspection = InspectionFactory(force=forces.a, audit_period_end=end)

    def volume(period_end, category="all_crime"):
        return RecordedCrimeVolume.objects.create(force=forces.a, period_end=period_end, category=category,
                                                  count=1000, source="test")

    volume(end - timedelta(days=92))  # stale: refused
    assert matching_volumes(inspection) == {}
    in_window = volume(end - timedelta(days=91))
    assert matching_volumes(inspection) == {"all_crime": in_window}
    volume(end + timedelta(days=1))  # after the audit period: not this period's volume
    assert matching_volumes(inspection) == {"all_crime": in_window}
    at_end = volume(end)
    assert matching_volumes(inspection) == {"all_crime": at_end}  # the latest in the window wins
    stale_rape = volume(end - timedelta(days=92), "rape")
    assert stale_rape not in matching_volumes(inspection).values()


# The import writes all or nothing, in a transaction of its own -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_failing_part_way_writes_no_case(reference_data):
    force = Force.objects.get(slug="thames-valley")
    inspector = make_user("importer", Role.INSPECTOR)
    inspection = InspectionFactory(force=force)
    plan = import_plan(inspection)
    real = case_import.bulk_create_with_history

    class Failure(Exception):
        pass

    def failing(objs, model, *args, **kwargs):
        if model is RecordingError:
            raise Failure("the database went away")
        return real(objs, model, *args, **kwargs)

    with mock.patch.object(case_import, "bulk_create_with_history", failing), pytest.raises(Failure):
        case_import.import_cases(plan, inspector)
    assert not AuditedCase.objects.filter(inspection=inspection).exists()
    assert not AuditedCrime.objects.filter(case__inspection=inspection).exists()
    assert case_import.import_cases(import_plan(inspection), inspector)["added"] == 1
