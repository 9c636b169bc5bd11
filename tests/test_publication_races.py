"""Publishing races every other write to an inspection's audit data, on PostgreSQL with two real
connections. Each write takes the inspection's row lock and checks its status under it, so either the
write lands first and publishing then refuses (an unagreed case, an open challenge), or publishing lands
first and the write is refused. A published inspection never ends up holding a draft case or an open
challenge. Remove ``lock_for_audit_write`` from any of these paths and its test fails."""

import io
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from audits import case_sheet, services
from audits.models import AuditedCase, Challenge, Inspection
from audits.services import case_import
from audits.services.challenges import challenge_raise
from forces.models import Force
from forces.roles import Role
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, make_user
from tests.test_admin_entry import ADD_CASE, case_form
from tests.test_case_import import GOOD, HEADER

pytestmark = pytest.mark.django_db(transaction=True)

HOLD = 0.6  # seconds the first writer holds its transaction open after taking the lock


@pytest.fixture
def setting(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL (DATABASE_URL)")
    force = Force.objects.get(slug="thames-valley")
    inspection = InspectionFactory(force=force, status="moderation")
    inspector = make_user("insp", Role.INSPECTOR, is_staff=True)
    publisher = make_user("insp2", Role.INSPECTOR, is_staff=True)
    staff = make_user("staff", Role.FORCE_STAFF, force)
    return inspection, inspector, publisher, staff


@contextmanager
def slowed(target, attribute):
    """Make ``target.attribute`` signal when it is reached, then hold the transaction open a moment."""
    reached = threading.Event()
    original = getattr(target, attribute)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        reached.set()
        time.sleep(HOLD)
        return result

    with mock.patch.object(target, attribute, side_effect=slow, autospec=True):
        yield reached


def race(first, publisher, inspection, reached):
    """Run ``first`` and, once it holds the lock, publish from a second connection. Returns both outcomes."""
    outcomes = {}

    def run(name, action):
        try:
            outcomes[name] = action()
        except ValidationError as error:
            outcomes[name] = ValidationError(error.messages)
        finally:
            connection.close()

    def publish():
        reached.wait(5)
        return services.inspection_change_status(inspection=inspection, status="published", by=publisher)

    threads = [threading.Thread(target=run, args=("first", first)),
               threading.Thread(target=run, args=("publish", publish))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    return outcomes


def assert_never_published_with_unfinished_work(inspection):
    inspection.refresh_from_db()
    if inspection.status == Inspection.Status.PUBLISHED:
        assert not inspection.cases.exclude(moderation_state="agreed").exists()
        assert not Challenge.objects.filter(case__inspection=inspection, status="open").exists()


def test_import_confirmed_while_publishing(setting):
    inspection, inspector, publisher, _ = setting
    rows = case_sheet.read_rows(io.BytesIO(("\n".join([HEADER, *GOOD]) + "\n").encode()), "c.csv")
    plan = case_import.plan_import(inspection, rows)
    assert plan.ok
    with slowed(case_import, "bulk_create_with_history") as reached:
        outcomes = race(lambda: case_import.import_cases(plan, inspector), publisher, inspection, reached)
    assert outcomes["first"] == {"added": 2, "updated": 0, "unchanged": 0}
    assert "2 cases not yet agreed" in str(outcomes["publish"])
    assert_never_published_with_unfinished_work(inspection)
    assert inspection.status == "moderation" and inspection.cases.count() == 2


def test_admin_case_entry_while_publishing(setting):
    inspection, inspector, publisher, _ = setting
    client = Client()
    client.force_login(inspector)
    form = case_form(inspection, [{"expected": "Rape", "errors": ["not_recorded"]}])

    def enter():
        return client.post(ADD_CASE, form).status_code

    with slowed(services, "crime_save") as reached:
        outcomes = race(enter, publisher, inspection, reached)
    assert outcomes["first"] == 302
    assert "1 case not yet agreed" in str(outcomes["publish"])
    assert_never_published_with_unfinished_work(inspection)
    assert AuditedCase.objects.filter(inspection=inspection, moderation_state="draft").count() == 1


def test_challenge_raised_while_publishing(setting):
    inspection, inspector, publisher, staff = setting
    case = CaseFactory(inspection=inspection, reported_at=datetime(2024, 3, 1, 9, tzinfo=timezone.utc),
                       moderation_state="agreed", auditor=inspector)
    error = ErrorFactory(crime=CrimeFactory(case=case, recorded_offence=None, recorded_at=None),
                         kind="not_recorded")
    with slowed(type(Challenge.objects), "create") as reached:
        outcomes = race(lambda: challenge_raise(error_id=error.pk, by=staff, reason="Recorded as CR/9."),
                        publisher, inspection, reached)
    assert isinstance(outcomes["first"], Challenge)
    assert "1 open challenge from the force" in str(outcomes["publish"])
    assert_never_published_with_unfinished_work(inspection)


def test_publishing_first_refuses_the_late_write(setting):
    """The other order: publishing holds the lock; the import waits, then finds the inspection published."""
    inspection, inspector, publisher, _ = setting
    rows = case_sheet.read_rows(io.BytesIO(("\n".join([HEADER, *GOOD]) + "\n").encode()), "c.csv")
    plan = case_import.plan_import(inspection, rows)
    outcomes = {}
    with slowed(Inspection, "save") as reached:
        def publish():
            try:
                outcomes["publish"] = services.inspection_change_status(inspection=inspection, status="published",
                                                                        by=publisher)
            finally:
                connection.close()

        def late_import():
            reached.wait(5)
            try:
                outcomes["import"] = case_import.import_cases(plan, inspector)
            except ValidationError as error:
                outcomes["import"] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=publish), threading.Thread(target=late_import)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(15)
    assert outcomes["publish"].status == "published"
    assert "This inspection is published" in str(outcomes["import"])
    assert not AuditedCase.objects.filter(inspection=inspection).exists()
