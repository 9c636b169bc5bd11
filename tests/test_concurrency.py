"""No lost updates: two people changing the same finding at once, on PostgreSQL with two real
connections. The second writer waits on the row lock, then gets a conflict; nothing is overwritten."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection

from forces.models import Force
from forces.roles import Role
from recommendations import services
from recommendations.models import Finding, FollowUp
from tests.factories import FindingFactory, InspectionFactory, make_user


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_updates_one_saves_one_conflicts(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL (DATABASE_URL)")
    force = Force.objects.get(slug="thames-valley")
    finding = FindingFactory(inspection=InspectionFactory(force=force))
    staff = make_user("staff", Role.FORCE_STAFF, force)
    inspector = make_user("inspector", Role.INSPECTOR, is_staff=True)

    original_create = FollowUp.objects.create
    started = threading.Event()

    def slow_create(**kwargs):
        started.set()
        time.sleep(0.5)  # hold the row lock while the other writer arrives
        return original_create(**kwargs)

    outcomes = {}

    def write(name, user, comment, wait_for_other):
        try:
            if wait_for_other:
                started.wait(5)
            services.finding_update(finding_id=finding.pk, by=user, expected_version=1, comment=comment,
                                    status="in_progress" if name == "staff" else "")
            outcomes[name] = "saved"
        except services.FindingConflict as conflict:
            outcomes[name] = ("conflict", [change.comment for change in conflict.changes])
        finally:
            connection.close()

    with mock.patch.object(type(FollowUp.objects), "create", side_effect=slow_create, autospec=False):
        first = threading.Thread(target=write, args=("staff", staff, "Started the work", False))
        second = threading.Thread(target=write, args=("inspector", inspector, "Stale note", True))
        first.start()
        second.start()
        first.join(10)
        second.join(10)

    assert outcomes["staff"] == "saved"
    assert outcomes["inspector"] == ("conflict", ["Started the work"])
    finding.refresh_from_db()
    assert finding.version == 2 and finding.status == "in_progress"
    assert list(finding.follow_ups.values_list("comment", flat=True)) == ["Started the work"]


@pytest.mark.django_db
def test_stale_version_conflicts_on_any_database(world):
    services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a, expected_version=1,
                            comment="First")
    with pytest.raises(services.FindingConflict) as conflict:
        services.finding_update(finding_id=world.finding.pk, by=world.people.inspector, expected_version=1,
                                comment="Second")
    assert [c.comment for c in conflict.value.changes] == ["First"]
    assert Finding.objects.get(pk=world.finding.pk).version == 2
