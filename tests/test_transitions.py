"""Every status change of inspections and of case moderation, for every role, through the services: what
the tables in the services allow happens, anything else is refused and nothing changes. (Findings have
the same matrix in test_recommendations.py.) The expected moves are written out here by hand, not read
from the tables, so a wrong table fails."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from audits import services
from audits.models import AuditedCase, Inspection
from tests.factories import CaseFactory, CrimeFactory, InspectionFactory, publish

pytestmark = pytest.mark.django_db

Status = Inspection.Status
Moderation = AuditedCase.Moderation

INSPECTION_MOVES = {("planned", "fieldwork"), ("fieldwork", "planned"), ("fieldwork", "moderation"),
                    ("moderation", "fieldwork"), ("moderation", "published"), ("published", "moderation")}
INSPECTION_ALLOWED = {"inspector": INSPECTION_MOVES, "admin": INSPECTION_MOVES, "manager": set(), "staff_a": set()}
INSPECTION_STATUSES = [status for status in Status.values if status != Status.CLOSED]  # only a self-audit closes
INSPECTION_MATRIX = [(role, start, end) for role in INSPECTION_ALLOWED
                     for start, end in itertools.product(INSPECTION_STATUSES, Status.values) if start != end]

# A force's own audit: closed, never published; its force's auditors move it, as inspectors may.
SELF_AUDIT_MOVES = {("planned", "fieldwork"), ("fieldwork", "planned"), ("fieldwork", "moderation"),
                    ("moderation", "fieldwork"), ("moderation", "closed"), ("closed", "moderation")}
SELF_AUDIT_ALLOWED = {"inspector": SELF_AUDIT_MOVES, "admin": SELF_AUDIT_MOVES, "auditor_a": SELF_AUDIT_MOVES,
                      "auditor_b": set(), "manager": set(), "staff_a": set()}
SELF_AUDIT_STATUSES = [status for status in Status.values if status != Status.PUBLISHED]
SELF_AUDIT_MATRIX = [(role, start, end) for role in SELF_AUDIT_ALLOWED
                     for start, end in itertools.product(SELF_AUDIT_STATUSES, Status.values) if start != end]


def inspection_in(world, status):
    if status == Status.PUBLISHED:
        return publish(InspectionFactory(force=world.forces.a, status=Status.MODERATION))
    return InspectionFactory(force=world.forces.a, status=status)


@pytest.mark.parametrize("role,start,end", INSPECTION_MATRIX)
def test_every_inspection_status_change(world, role, start, end):
    inspection = inspection_in(world, start)
    move = lambda: services.inspection_change_status(  # noqa: E731
        inspection=inspection, status=end, by=getattr(world.people, role), reason="The figures were corrected.")
    if (start, end) in INSPECTION_ALLOWED[role]:
        move()
        inspection.refresh_from_db()
        assert inspection.status == end
    else:
        with pytest.raises(ValidationError, match="cannot move|Only inspectors"):
            move()
        inspection.refresh_from_db()
        assert inspection.status == start


@pytest.mark.parametrize("role,start,end", SELF_AUDIT_MATRIX)
def test_every_self_audit_status_change(world, role, start, end):
    audit = InspectionFactory(force=world.forces.a, kind=Inspection.Kind.FORCE_SELF_AUDIT, status=Status.MODERATION,
                              audit_period_start="2024-03-01", audit_period_end="2024-03-31")
    CrimeFactory(case=CaseFactory(inspection=audit, moderation_state=Moderation.AGREED))
    Inspection.objects.filter(pk=audit.pk).update(status=start)  # its case entered before it was closed
    audit.refresh_from_db()
    move = lambda: services.inspection_change_status(  # noqa: E731
        inspection=audit, status=end, by=getattr(world.people, role), reason="A case was entered wrongly.")
    if (start, end) in SELF_AUDIT_ALLOWED[role]:
        move()
        audit.refresh_from_db()
        assert audit.status == end
    else:
        with pytest.raises(ValidationError, match="cannot move|Only inspectors|force auditor can change only"):
            move()
        audit.refresh_from_db()
        assert audit.status == start


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reopening_needs_a_reason(world, reason):
    inspection = inspection_in(world, Status.PUBLISHED)
    with pytest.raises(ValidationError, match="Say why the published inspection is being reopened"):
        services.inspection_change_status(inspection=inspection, status=Status.MODERATION,
                                          by=world.people.inspector, reason=reason)
    inspection.refresh_from_db()
    assert inspection.status == Status.PUBLISHED and inspection.reopen_reason == ""


# Moderation: "author" is the inspector who audited and submitted the case; "inspector2" is another.
MODERATION_BY_ANYONE = {("draft", "submitted"), ("queried", "submitted")}
MODERATION_BY_ANOTHER = MODERATION_BY_ANYONE | {("submitted", "agreed"), ("submitted", "queried")}
MODERATION_ALLOWED = {"author": MODERATION_BY_ANYONE, "inspector2": MODERATION_BY_ANOTHER,
                      "admin": MODERATION_BY_ANOTHER, "manager": set(), "staff_a": set(),
                      # a force auditor moderates only their force's own audits, never an inspection's cases
                      "auditor_a": set()}
MODERATION_MOVES = {Moderation.SUBMITTED: services.case_submit, Moderation.AGREED: services.case_agree,
                    Moderation.QUERIED: services.case_query}
MODERATION_MATRIX = [(role, start, end) for role in MODERATION_ALLOWED
                     for start, end in itertools.product(Moderation.values, MODERATION_MOVES) if start != end]


def case_in(world, state):
    author = world.people.inspector
    case = CaseFactory(inspection=world.inspection, reference=f"MOD-{state}", auditor=author, moderation_state=state,
                       submitted_by=None if state == Moderation.DRAFT else author)
    CrimeFactory(case=case)
    return case


@pytest.mark.parametrize("role,start,end", MODERATION_MATRIX)
def test_every_moderation_move(world, role, start, end):
    case = case_in(world, start)
    user = world.people.inspector if role == "author" else getattr(world.people, role)
    extra = {"reason": "The offence date does not match the log."} if end == Moderation.QUERIED else {}
    move = lambda: MODERATION_MOVES[end](case=case, by=user, **extra)  # noqa: E731
    if (start, end) in MODERATION_ALLOWED[role]:
        move()
        case.refresh_from_db()
        assert case.moderation_state == end and case.version == 2
    else:
        with pytest.raises(ValidationError,
                           match=f"Case MOD-{start} is|never by its own author|Only inspectors|force auditor can change"):
            move()
        case.refresh_from_db()
        assert case.moderation_state == start and case.version == 1


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_a_query_needs_a_reason(world, reason):
    case = case_in(world, Moderation.SUBMITTED)
    with pytest.raises(ValidationError, match="Say why the case is queried"):
        services.case_query(case=case, by=world.people.inspector2, reason=reason)
    case.refresh_from_db()
    assert case.moderation_state == Moderation.SUBMITTED and case.version == 1
