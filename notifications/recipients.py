"""Who is told about what: the people an event concerns, never another force's staff."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from forces.roles import Role


def _active():
    return get_user_model().objects.filter(is_active=True)


def force_staff(force_id: int) -> QuerySet:
    return _active().filter(groups__name=Role.FORCE_STAFF.value, membership__force_id=force_id)


# The roles of a force's own people told about its audits (a re-audit of its self-audit finished).
FORCE_AUDIT_AUDIENCE = (Role.FORCE_STAFF, Role.FORCE_AUDITOR)


def force_audit_audience(force_id: int) -> QuerySet:
    """The force's own people who follow its audits: staff of that force in one of FORCE_AUDIT_AUDIENCE."""
    return _active().filter(groups__name__in=[role.value for role in FORCE_AUDIT_AUDIENCE],
                            membership__force_id=force_id).distinct()


def force_auditors(force_id: int) -> QuerySet:
    return _active().filter(groups__name=Role.FORCE_AUDITOR.value, membership__force_id=force_id)


def managers_of(force_id: int) -> QuerySet:
    """Managers of every force, and those of this force."""
    return _active().filter(groups__name=Role.MANAGER.value).filter(
        Q(membership__isnull=True) | Q(membership__force_id=force_id))


def inspectors() -> QuerySet:
    return _active().filter(groups__name=Role.INSPECTOR.value)


def people(*users) -> list:
    """These users, once each, leaving out nobody-s and inactive accounts."""
    seen, chosen = set(), []
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            chosen.append(user)
    return chosen
