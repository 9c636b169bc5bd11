"""The one path by which every queryset that reaches a user is narrowed to what they may see.

Force staff see their own force only; managers see all forces or the one they belong to;
inspectors and administrators see every force; anyone else sees nothing. Pages, admin, exports
and (later) the API all call ``for_user`` on a model's queryset, which lands here.

A force auditor sees their own force only, and of it the force's own audits (self-audits) and the
inspectorate's published inspections: never an inspection before it is published. Which audits a user may
write is ``may_audit``: inspectors and administrators any, a force auditor their own force's self-audits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, cast

from django.db import models
from django.db.models import Q

from forces.roles import AUDIT_EDITORS, Role, role_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from core.types import AnyUser


#: audits.models.Inspection.Kind.FORCE_SELF_AUDIT and Inspection.Status.PUBLISHED (forces sits below audits).
SELF_AUDIT_KIND = "force_self_audit"
PUBLISHED_STATUS = "published"


@dataclass(frozen=True)
class Scope:
    all_forces: bool = False
    force_id: int | None = None
    #: Of the force's inspections, only its self-audits and the published inspections (a force auditor).
    self_audits_and_published_only: bool = False

    @property
    def sees_nothing(self) -> bool:
        return not self.all_forces and self.force_id is None


NOTHING = Scope()
EVERYTHING = Scope(all_forces=True)


def scope_of(user: AnyUser | None) -> Scope:
    role = role_of(user)
    if role in (Role.ADMINISTRATOR, Role.INSPECTOR):
        return EVERYTHING
    force_id = _membership_force_id(cast("User", user)) if role else None  # a user with a role is signed in
    if role == Role.MANAGER:
        return Scope(force_id=force_id) if force_id else EVERYTHING
    if role == Role.FORCE_STAFF and force_id:
        return Scope(force_id=force_id)
    if role == Role.FORCE_AUDITOR and force_id:
        return Scope(force_id=force_id, self_audits_and_published_only=True)
    return NOTHING


def may_audit(user: AnyUser | None, *, force_id: int | None, kind: str) -> bool:
    """Whether ``user`` may write the audit data of an inspection of ``kind`` owned by ``force_id`` (plan, sample,
    enter, import, moderate, close): inspectors and administrators any; a force auditor only their own force's
    self-audits; nobody else any."""
    role = role_of(user)
    if role in AUDIT_EDITORS:
        return True
    return (role == Role.FORCE_AUDITOR and kind == SELF_AUDIT_KIND and force_id is not None
            and force_id == scope_of(user).force_id)


def _membership_force_id(user: User) -> int | None:
    cache: Any = user  # the force is cached as a dynamic attribute of the user object
    if not hasattr(user, "_cdi_force_id"):
        from forces.models import ForceMembership

        cache._cdi_force_id = (
            ForceMembership.objects.filter(user=user).values_list("force_id", flat=True).first()
        )
    force_id: int | None = cache._cdi_force_id
    return force_id


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows the path from its model to the force that owns each row."""

    #: lookup from this model to the owning force's id, e.g. "inspection__force_id"
    force_field: str = "force_id"
    #: lookup prefix from this model to its inspection ("" for an inspection itself), or None for rows that belong
    #: to no inspection; by default read from ``force_field`` ("case__inspection__force_id": "case__inspection__").
    inspection_prefix: str | None = None

    def _inspection_prefix(self) -> str | None:
        if self.inspection_prefix is not None:
            return self.inspection_prefix
        marker = "inspection__"
        return self.force_field[:self.force_field.rindex(marker) + len(marker)] if marker in self.force_field else None

    def for_user(self, user: AnyUser | None) -> Self:
        scope = scope_of(user)
        if scope.all_forces:
            return self
        if scope.sees_nothing:
            return self.none()
        rows = self.filter(**{self.force_field: scope.force_id})
        prefix = self._inspection_prefix()
        if scope.self_audits_and_published_only and prefix is not None:
            rows = rows.filter(Q(**{f"{prefix}kind": SELF_AUDIT_KIND}) | Q(**{f"{prefix}status": PUBLISHED_STATUS}))
        return rows

def scoped_queryset(force_field: str) -> type[ScopedQuerySet]:
    """A ScopedQuerySet subclass for a model whose force lies at ``force_field``."""
    return type(f"ScopedQuerySet_{force_field}", (ScopedQuerySet,), {"force_field": force_field})
