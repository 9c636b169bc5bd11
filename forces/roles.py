"""The four roles, held as Django groups, and the permissions each group carries.

A user's role decides what they may do; their force membership (forces.ForceMembership) decides
which force's data they may see. Both are read through ``role_of`` and ``forces.scoping``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.http import HttpRequest, HttpResponseBase

    from core.types import AnyUser


class Role(models.TextChoices):
    INSPECTOR = "Inspector", "Inspector"
    FORCE_STAFF = "Force staff", "Force staff"
    MANAGER = "Manager", "Manager"
    FORCE_AUDITOR = "Force auditor", "Force auditor"
    ADMINISTRATOR = "Administrator", "Administrator"


# Roles in order of precedence, when a user is (wrongly) in more than one group.
_PRECEDENCE = [Role.ADMINISTRATOR, Role.INSPECTOR, Role.MANAGER, Role.FORCE_AUDITOR, Role.FORCE_STAFF]

# Models whose rows each role may view or edit through the admin. Pages check roles themselves.
_AUDIT_MODELS = ["inspection", "auditedcase", "auditedcrime", "recordingerror", "publishedresult", "cancellationreview"]
# What a force auditor writes in their own force's self-audits.
_SELF_AUDIT_MODELS = ["inspection", "auditedcase", "auditedcrime", "recordingerror"]
_REFERENCE_MODELS = [("forces", "force"), ("forces", "recordedcrimevolume"), ("audits", "offencegroup"),
                     ("audits", "offencesubgroup"), ("audits", "offencecode"), ("audits", "countingrule")]


def _codenames(actions: list[str], app_models: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(app, f"{action}_{model}") for app, model in app_models for action in actions]


_FINDING_MODELS = [("recommendations", "finding"), ("recommendations", "verdict")]
_TIMELINE_MODELS = [("recommendations", "followup"), ("recommendations", "evidence"), ("recommendations", "theme")]

ROLE_PERMISSIONS: dict[Role, list[tuple[str, str]]] = {
    Role.INSPECTOR: _codenames(["add", "change", "delete", "view"], [("audits", m) for m in _AUDIT_MODELS])
    + _codenames(["add", "change", "view"], _FINDING_MODELS)
    + _codenames(["view"], _REFERENCE_MODELS + _TIMELINE_MODELS),
    Role.FORCE_STAFF: _codenames(["view"], [("audits", m) for m in _AUDIT_MODELS] + _REFERENCE_MODELS),
    Role.MANAGER: _codenames(["view"], [("audits", m) for m in _AUDIT_MODELS] + _REFERENCE_MODELS),
    # A force auditor enters their own force's self-audits in the admin; which rows they may change is decided
    # per object by forces.scoping.may_audit (their own force's self-audits only).
    Role.FORCE_AUDITOR: _codenames(["add", "change", "delete", "view"], [("audits", m) for m in _SELF_AUDIT_MODELS])
    + _codenames(["view"], [("audits", m) for m in _AUDIT_MODELS] + _REFERENCE_MODELS),
    Role.ADMINISTRATOR: _codenames(["view"], _TIMELINE_MODELS[:2])
    + _codenames(
        ["add", "change", "delete", "view"],
        [("audits", m) for m in _AUDIT_MODELS]
        + _REFERENCE_MODELS + _FINDING_MODELS + [("recommendations", "theme")]
        + [("forces", "forcemembership"), ("auth", "user"), ("auth", "group")],
    )
    # Sign-in lockouts: see them, and lift one by deleting its attempt record.
    + _codenames(["view", "delete"], [("axes", "accessattempt")])
    + _codenames(["view"], [("axes", "accesslog"), ("axes", "accessfailurelog")])
    # The access record (who read or exported what): administrators only, read only.
    + _codenames(["view"], [("audits", "accessrecord")])
    # Two-factor devices: see who has one, remove a lost one (forces/admin.py shows no secret).
    + _codenames(["view", "delete"], [("otp_totp", "totpdevice"), ("otp_static", "staticdevice")]),
}

# Roles that may enter and change audit data.
AUDIT_EDITORS = frozenset({Role.INSPECTOR, Role.ADMINISTRATOR})
# Roles that may enter some audit data: the editors anywhere, a force auditor in their own force's self-audits
# (forces.scoping.may_audit decides which).
AUDIT_WRITERS = AUDIT_EDITORS | {Role.FORCE_AUDITOR}


def role_of(user: AnyUser | None) -> Role | None:
    """The user's role, or None for an anonymous user or one with no role. Cached on the user."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    cache: Any = user  # the role is cached as a dynamic attribute of the user object
    if not hasattr(user, "_cdi_role"):
        if user.is_superuser:
            cache._cdi_role = Role.ADMINISTRATOR
        else:
            names = set(user.groups.values_list("name", flat=True))
            cache._cdi_role = next((role for role in _PRECEDENCE if role.value in names), None)
    role: Role | None = cache._cdi_role
    return role


def can_edit_audits(user: AnyUser | None) -> bool:
    return role_of(user) in AUDIT_EDITORS


def can_write_audits(user: AnyUser | None) -> bool:
    """Whether the user may write any audit data at all (see AUDIT_WRITERS); which is forces.scoping.may_audit."""
    return role_of(user) in AUDIT_WRITERS


def ensure_role_groups(sender: AppConfig | None = None, **kwargs: Any) -> None:
    """Create the role groups with their permissions (runs after every migrate; idempotent)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate fires once per app; permissions exist for every app only after the last one.
    last_app_with_models = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender is not None and sender is not last_app_with_models:
        return
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = [
            perm
            for perm in Permission.objects.filter(codename__in=[c for _, c in codenames]).select_related("content_type")
            if (perm.content_type.app_label, perm.codename) in set(codenames)
        ]
        group.permissions.set(wanted)


def audit_editors_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Pages that change audit or reference data: inspectors and administrators; anyone else gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_edit_audits(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def audit_writers_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Pages that write audit data a force auditor may also write (in their own force's self-audits: the page then
    checks forces.scoping.may_audit on its inspection); anyone else gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_write_audits(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
