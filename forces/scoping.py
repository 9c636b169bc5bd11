"""The one path by which every queryset that reaches a user is narrowed to what they may see.

Force staff see their own force only; managers see all forces or the one they belong to;
inspectors and administrators see every force; anyone else sees nothing. Pages, admin, exports
and (later) the API all call ``for_user`` on a model's queryset, which lands here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, cast

from django.db import models

from forces.roles import Role, role_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from core.types import AnyUser


@dataclass(frozen=True)
class Scope:
    all_forces: bool = False
    force_id: int | None = None

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
    return NOTHING


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

    def for_user(self, user: AnyUser | None) -> Self:
        scope = scope_of(user)
        if scope.all_forces:
            return self
        if scope.sees_nothing:
            return self.none()
        return self.filter(**{self.force_field: scope.force_id})

def scoped_queryset(force_field: str) -> type[ScopedQuerySet]:
    """A ScopedQuerySet subclass for a model whose force lies at ``force_field``."""
    return type(f"ScopedQuerySet_{force_field}", (ScopedQuerySet,), {"force_field": force_field})
