"""Submitting a re-audit twice at once, on PostgreSQL with two real connections: the second waits on the
re-audit's row lock, then is refused as final; the force's verdicts are copied once."""

import threading
import time
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from forces.models import Force
from forces.roles import Role
from reaudits import services
from reaudits.models import ReAudit, ReAuditFinding
from tests.factories import make_self_audit, make_user


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_one_submits_one_is_refused(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL (DATABASE_URL)")
    force = Force.objects.get(slug="thames-valley")
    inspector = make_user("inspector", Role.INSPECTOR, is_staff=True)
    reaudit = services.reaudit_draw(self_audit=make_self_audit(force, make_user("staff", Role.FORCE_STAFF, force), n=4),
                                    size=4, seed=1, by=inspector)
    for row in reaudit.cases.select_related("case"):
        services.reaudit_case_save(reaudit_case=row, by=inspector,
                                   verdicts={crime.pk: ([], {}) for crime in row.case.crimes.all()
                                             if crime.recorded_offence_id}
                                   | {crime.pk: (["not_recorded"], {}) for crime in row.case.crimes.all()
                                      if not crime.recorded_offence_id})
    original = services.bulk_create_with_history
    started = threading.Event()

    def slow_copy(*args, **kwargs):
        started.set()
        time.sleep(0.5)  # hold the lock while the other submission arrives
        return original(*args, **kwargs)

    outcomes = {}

    def submit(name, wait_for_other):
        try:
            if wait_for_other:
                started.wait(5)
            services.reaudit_submit(reaudit=ReAudit.objects.get(pk=reaudit.pk), by=inspector)
            outcomes[name] = "submitted"
        except ValidationError as error:
            outcomes[name] = " ".join(error.messages)
        except Exception as error:  # noqa: BLE001  (what a missing lock gives: a duplicate copy refused late)
            outcomes[name] = f"crashed: {type(error).__name__}"
        finally:
            connection.close()

    with mock.patch.object(services, "bulk_create_with_history", side_effect=slow_copy):
        first = threading.Thread(target=submit, args=("first", False))
        second = threading.Thread(target=submit, args=("second", True))
        first.start()
        second.start()
        first.join(10)
        second.join(10)

    assert outcomes["first"] == "submitted"
    assert "its verdicts are final" in outcomes["second"]
    assert ReAuditFinding.objects.filter(side="force").count() == 2  # the two unrecorded rapes, copied once
