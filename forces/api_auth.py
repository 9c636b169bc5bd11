"""API authentication and permissions: tokens or the session, the user's role, read-only tokens."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from forces.roles import AUDIT_EDITORS, AUDIT_WRITERS, Role, role_of
from forces.scoping import may_audit
from forces.tokens import token_user


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token after “Bearer ”, with no spaces in it.")
        found = token_user(header[1].decode(errors="replace"))
        if found is None:
            raise exceptions.AuthenticationFailed("This token is unknown, expired or revoked.")
        return found

    def authenticate_header(self, request):
        return self.keyword


class HasRole(permissions.BasePermission):
    message = "Your account has no role yet."

    def has_permission(self, request, view):
        return role_of(request.user) is not None


class ReadOnlyToken(permissions.BasePermission):
    message = "This token is read-only."

    def has_permission(self, request, view):
        token = request.auth
        return request.method in permissions.SAFE_METHODS or not getattr(token, "read_only", False)


class AuditEditorsWrite(permissions.BasePermission):
    """Anyone with a role reads (scoped); only inspectors and administrators write."""

    message = "Only inspectors and administrators can change this."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or role_of(request.user) in AUDIT_EDITORS


class AuditWritersWrite(permissions.BasePermission):
    """Anyone with a role reads (scoped); inspectors and administrators write, and a force auditor writes their own
    force's self-audits (forces.scoping.may_audit, checked on the object: 403 for anything else in their scope)."""

    message = "Only inspectors, administrators and the force's own auditors (in its own audits) can change this."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or role_of(request.user) in AUDIT_WRITERS

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        inspection = getattr(obj, "inspection", obj)  # an inspection, or a row of one (a case)
        return may_audit(request.user, force_id=inspection.force_id, kind=inspection.kind)


class FollowUpWriters(permissions.BasePermission):
    """Force staff and the inspectorate post follow-up; managers only read."""

    message = "Your role cannot update findings."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or role_of(request.user) in (
            Role.FORCE_STAFF, Role.INSPECTOR, Role.ADMINISTRATOR)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents token authentication in the OpenAPI schema."""

    target_class = ApiTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token: Authorization: Bearer <token>"}
