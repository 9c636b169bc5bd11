"""Who is told about what: the people an event concerns, never another force's staff."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from forces.roles import Role


def _active():
    return get_user_model().objects.filter(is_active=True)


def force_staff(force_id: int) -> QuerySet:
    return _active().filter(groups__name=Role.FORCE_STAFF.value, membership__force_id=force_id)


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
