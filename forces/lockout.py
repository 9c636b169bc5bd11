"""Sign-in lockout (django-axes) and API token throttling.

An account is locked after ``AXES_FAILURE_LIMIT`` failed sign-ins within ``AXES_COOLOFF_TIME``, and an
address after ``LOCKOUT_ADDRESS_FAILURES`` (higher: an office's staff may share one address), whichever comes
first. While locked, even the right password is refused, with the same page whether the account exists or
not. Administrators see and lift locks in the admin (Axes: access attempts)."""

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from forces.models import ApiToken


def client_ip(request: HttpRequest) -> str:
    """The client's address: behind the trusted proxy (DJANGO_BEHIND_PROXY), the address the proxy appended
    last to X-Forwarded-For (anything before it the client can forge); otherwise the connection's."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return str(forwarded[-1])
    return str(request.META.get("REMOTE_ADDR", ""))


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit for the account and a (higher) one for the address."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_account = _failures(recent.filter(username=username)) if username else 0
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))
        limit = settings.AXES_FAILURE_LIMIT
        # Axes locks when this reaches its limit: report the account's count, or the limit itself once the
        # address has reached its own.
        return max(by_account, limit) if by_address >= settings.LOCKOUT_ADDRESS_FAILURES else by_account


    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        """After a successful sign-in: that account's failures only. (Axes would also clear every failure from
        the address, so that signing in to one's own account would reset the count against another's.)"""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete() if username else (0, {})
        return int(count)


def _failures(attempts: Any) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class TokenRateThrottle(SimpleRateThrottle):
    """Requests made with an API token: at most ``API_TOKEN_RATE`` per token (e.g. "120/minute"). Session
    requests are not counted here."""

    scope = "token"

    def get_rate(self) -> str:
        return settings.API_TOKEN_RATE

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.key_hash}


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """The page for a refused sign-in: the same whether or not the account exists, naming no account."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
