"""Response headers every page carries beyond Django's own: the Permissions-Policy (the
Content-Security-Policy comes from django-csp, configured in settings)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    """Turns off browser features the service never uses (settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items())
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
