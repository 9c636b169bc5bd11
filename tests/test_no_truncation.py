"""No silent truncation: text longer than its column is refused with a message naming the limit, through the
services every page and API call uses, and nothing changes."""

import pytest
from django.core.exceptions import ValidationError

from audits.models import AuditedCase, Challenge, Inspection
from audits.services.challenges import challenge_raise, challenge_resolve
from audits.services.inspections import inspection_change_status
from audits.services.moderation import case_query
from forces.tokens import token_create
from tests.factories import publish

pytestmark = pytest.mark.django_db


def test_a_challenge_reason_and_decision_over_2000_characters_are_refused(world):
    with pytest.raises(ValidationError, match="Keep the reason to 2,000 characters"):
        challenge_raise(error_id=world.unrecorded.errors.get().pk, by=world.people.staff_a, reason="r" * 2001)
    with pytest.raises(ValidationError, match="Keep the reason to 2,000 characters"):
        challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld",
                          note="n" * 2001)
    assert Challenge.objects.get(pk=world.challenge.pk).status == Challenge.Status.OPEN
    assert Challenge.objects.count() == 1


def test_a_query_reason_over_500_characters_is_refused(world):
    AuditedCase.objects.filter(pk=world.case.pk).update(moderation_state="submitted")
    with pytest.raises(ValidationError, match="Keep the reason to 500 characters"):
        case_query(case=AuditedCase.objects.get(pk=world.case.pk), by=world.people.inspector2, reason="q" * 501)
    assert AuditedCase.objects.get(pk=world.case.pk).moderation_state == "submitted"


def test_a_reopen_reason_over_500_characters_is_refused(world):
    publish(world.inspection)
    with pytest.raises(ValidationError, match="Keep the reason to 500 characters"):
        inspection_change_status(inspection=Inspection.objects.get(pk=world.inspection.pk), status="moderation",
                                 by=world.people.inspector, reason="o" * 501)
    assert Inspection.objects.get(pk=world.inspection.pk).status == "published"


def test_a_token_name_over_80_characters_is_refused(people):
    with pytest.raises(ValidationError, match="Keep the name to 80 characters"):
        token_create(user=people.inspector, name="t" * 81)
    assert not people.inspector.api_tokens.exists()
