"""A small fixture world: two forces (A = Thames Valley, B = Gloucestershire), an inspector, a
second inspector, an administrator (no force), staff of each force, a manager of every force and a manager of force B only,
and an inspection of force A with audited cases, crimes and errors."""

from types import SimpleNamespace

import pytest
from django.test import Client

from audits.models import CancellationReview, Challenge
from forces.models import Force
from forces.roles import Role
from tests.factories import (
    CaseFactory,
    CrimeFactory,
    ErrorFactory,
    EvidenceFactory,
    FindingFactory,
    InspectionFactory,
    PublishedResultFactory,
    make_user,
    offence,
)


@pytest.fixture
def forces(db):
    return SimpleNamespace(
        a=Force.objects.get(slug="thames-valley"),
        b=Force.objects.get(slug="gloucestershire"),
    )


@pytest.fixture
def people(forces):
    return SimpleNamespace(
        inspector=make_user("insp", Role.INSPECTOR, is_staff=True),
        inspector2=make_user("insp2", Role.INSPECTOR, is_staff=True),
        admin=make_user("admin", Role.ADMINISTRATOR, is_staff=True),
        staff_a=make_user("staff-a", Role.FORCE_STAFF, forces.a),
        staff_b=make_user("staff-b", Role.FORCE_STAFF, forces.b),
        manager=make_user("boss", Role.MANAGER),
        manager_b=make_user("boss-b", Role.MANAGER, forces.b),
        # Force auditors: two of force A (one moderates the other's cases), one of force B.
        auditor_a=make_user("auditor-a", Role.FORCE_AUDITOR, forces.a, is_staff=True),
        auditor_a2=make_user("auditor-a2", Role.FORCE_AUDITOR, forces.a, is_staff=True),
        auditor_b=make_user("auditor-b", Role.FORCE_AUDITOR, forces.b, is_staff=True),
        nobody=make_user("no-role", None),
    )


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Evidence files go to a temporary folder, never the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(forces, people):
    """Force A's inspection with one case holding a correctly recorded crime, a misclassified one and an
    unrecorded one; a published result; an incorrect C2 cancellation reviewed; and force B's own inspection."""
    inspection = InspectionFactory(force=forces.a, status="moderation")
    case = CaseFactory(inspection=inspection, reference="TVP-A-0001", auditor=people.inspector)
    recorded = CrimeFactory(case=case)
    misclassified = CrimeFactory(case=case, expected_offence=offence("Rape"),
                                 recorded_offence=offence("Other sexual offences"))
    ErrorFactory(crime=misclassified, kind="misclassified")
    unrecorded = ErrorFactory(crime__case=case, kind="not_recorded").crime
    published = PublishedResultFactory(inspection=inspection)
    inspection_b = InspectionFactory(force=forces.b)
    case_b = CaseFactory(inspection=inspection_b, reference="GLO-B-0001")
    CrimeFactory(case=case_b)
    finding = FindingFactory(inspection=inspection, reference="TVP-A-R1")
    evidence = EvidenceFactory(follow_up__finding=finding, follow_up__author=people.staff_a)
    finding_b = FindingFactory(inspection=inspection_b, reference="GLO-B-R1")
    challenge = Challenge.objects.create(case=case, error=misclassified.errors.get(), error_kind="misclassified",
                                         offence="Rape", reason="Recorded as rape under TVP-A-CR9", raised_by=people.staff_a)
    cancellation_review = CancellationReview.objects.create(
        inspection=inspection, reference="TVP-A-CX1", category="rape", ground="C2", avi_evidenced="no",
        ddm_authorised=True, victim_told=False, verdict="incorrect", reason="Withdrawal of support taken for AVI.")
    return SimpleNamespace(
        forces=forces, people=people, inspection=inspection, case=case, recorded=recorded,
        cancellation_review=cancellation_review,
        misclassified=misclassified, unrecorded=unrecorded, published=published,
        inspection_b=inspection_b, case_b=case_b, finding=finding, evidence=evidence, finding_b=finding_b,
        challenge=challenge,
    )


@pytest.fixture
def self_audits(world):
    """On top of ``world``: force A's own audit of March 2024 (in fieldwork, one case TVP-SA-0001 by auditor_a with a
    recorded crime), force B's own audit (GLO-SA-0001), and a published inspection of force A."""
    from audits.models import Inspection
    from tests.factories import publish

    people = world.people
    own_a = InspectionFactory(force=world.forces.a, kind=Inspection.Kind.FORCE_SELF_AUDIT,
                              audit_period_start="2024-03-01", audit_period_end="2024-03-31")
    case_sa = CaseFactory(inspection=own_a, reference="TVP-SA-0001", auditor=people.auditor_a)
    CrimeFactory(case=case_sa)
    own_b = InspectionFactory(force=world.forces.b, kind=Inspection.Kind.FORCE_SELF_AUDIT,
                              audit_period_start="2024-03-01", audit_period_end="2024-03-31")
    case_sb = CaseFactory(inspection=own_b, reference="GLO-SA-0001", auditor=people.auditor_b)
    CrimeFactory(case=case_sb)
    published_a = InspectionFactory(force=world.forces.a)
    CrimeFactory(case=CaseFactory(inspection=published_a, reference="TVP-PUB-0001"))
    world.own_a, world.case_sa, world.own_b, world.case_sb = own_a, case_sa, own_b, case_sb
    world.published_a = publish(published_a)
    return world


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests empty the database afterwards; reload what migrations load (idempotent)."""
    import importlib

    from django.apps import apps

    importlib.import_module("forces.migrations.0002_load_forces").load_forces(apps, None)
    importlib.import_module("audits.migrations.0002_offence_classification").load_offences(apps, None)
    importlib.import_module("audits.migrations.0013_counting_rules_starter_list").load_counting_rules(apps, None)
    importlib.import_module("audits.migrations.0020_offence_codes").load_codes(apps, None)
    importlib.import_module("recommendations.migrations.0002_themes").load_themes(apps, None)


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo, loaded once per test module inside a transaction that is rolled back after the module's last
    test. Each test still runs in a savepoint of its own (pytest-django's ``db``), so whatever a test writes is
    undone before the next one, and nothing of the demo outlives the module. Not for transactional tests."""
    import io

    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                call_command("load_demo", stdout=io.StringIO())
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
