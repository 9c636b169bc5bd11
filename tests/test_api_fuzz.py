"""Schemathesis fuzzes every API operation from the OpenAPI schema, as each role: no 5xx, and every
response conforms to the schema (status codes, content types, bodies)."""

import functools
import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forces.tokens import token_create

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """Django closes "old" connections when a request ends, which would close the test's transaction;
    Django's own test client suspends that in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def api_schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)))
    schema.app = get_wsgi_application()
    return schema


@functools.cache
def operations():
    """The schema's operations, generated once per process for the five roles' tests (the schema is the same)."""
    return [result.ok() for result in api_schema().get_all_operations()]


def real_path_parameters(world, path):
    """Force A's objects, so that fuzzed bodies and queries reach real data (and other forces' 404s)."""
    from forces.models import RecordedCrimeVolume

    volume, _ = RecordedCrimeVolume.objects.get_or_create(
        force=world.forces.a, period_end="2024-06-30", category="all_crime", defaults={"count": 9, "source": "t"})
    ids = {"/cases/": world.case.pk, "/inspections/": world.inspection.pk, "/findings/": world.finding.pk,
           "/published-results/": world.published.pk, "/recorded-crime-volumes/": volume.pk}
    found = {"inspection_pk": world.inspection.pk, "finding_pk": world.finding.pk, "slug": "thames-valley"}
    found["id"] = next((pk for prefix, pk in ids.items() if path.startswith(f"/api/v1{prefix}")), None)
    return found


def real_self_audit_parameters(world, path):
    """Force A's own audit and its case instead of the inspection: what a force auditor writes."""
    found = real_path_parameters(world, path)
    found["inspection_pk"] = world.own_a.pk
    if path.startswith("/api/v1/cases/"):
        found["id"] = world.case_sa.pk
    elif path.startswith("/api/v1/inspections/"):
        found["id"] = world.own_a.pk
    return found


@pytest.mark.parametrize("role", ["inspector", "staff_a", "staff_b", "manager", "nobody"])
def test_fuzz_every_operation_as_each_role(world, role):
    fuzz_all(world, role, real_path_parameters)


@pytest.mark.parametrize("role", ["auditor_a", "auditor_b", "inspector"])
def test_fuzz_every_operation_on_a_self_audit(self_audits, role):
    """Force auditors (of the self-audit's force and of another) and an inspector, on force A's own audit."""
    fuzz_all(self_audits, role, real_self_audit_parameters)


def fuzz_all(world, role, parameters):
    _, raw = token_create(user=getattr(world.people, role), name="fuzz")
    headers = {"Authorization": f"Bearer {raw}"}
    checked = 0
    for operation in operations():
        real = parameters(world, operation.path)

        @given(case=operation.as_strategy(), use_real_objects=st.booleans())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("API_FUZZ_RANDOM"),
                  suppress_health_check=list(HealthCheck))
        def fuzz(case, use_real_objects):
            if use_real_objects and case.path_parameters:
                case.path_parameters = {name: real.get(name, value) for name, value in case.path_parameters.items()}
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        fuzz()
        checked += 1
    assert checked >= 20
