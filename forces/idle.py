"""Idle sessions end: a signed-in session unused for ``SESSION_IDLE_SECONDS`` (default 30 minutes) is signed
out on its next request. ``SESSION_IDLE_WARNING_SECONDS`` before that, every page shows a warning
(static/idle.js) with a button that keeps the session; when the time is up the page goes to "you have been
signed out". Requests with an API token carry no session and are not affected."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

SESSION_KEY = "last_activity"


def _is_idle_check(request: HttpRequest) -> bool:
    """The page's own question "am I still signed in?" must not count as activity."""
    return request.path == reverse("forces:session_status")


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(SESSION_KEY)
            if isinstance(last, (int, float)) and now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # answered as anyone signed out: 401 or 403
                return redirect(reverse("forces:session_ended"))
            # Every request but the page's own check (always: a page then makes the same queries every time).
            if last is None or not _is_idle_check(request):
                request.session[SESSION_KEY] = now
        return self.get_response(request)


def idle(request: HttpRequest) -> dict[str, Any]:
    """For base.html: when a signed-in page warns, and when the session ends, in seconds from now."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    timeout = settings.SESSION_IDLE_SECONDS
    return {"idle": {"ends_in": timeout, "warn_in": max(timeout - settings.SESSION_IDLE_WARNING_SECONDS, 0),
                     "minutes": max(round(settings.SESSION_IDLE_WARNING_SECONDS / 60), 1)}}


@require_POST
def session_keep_alive(request: HttpRequest) -> JsonResponse:
    """"Stay signed in": the request itself is the activity (the middleware has recorded it)."""
    return JsonResponse({"ends_in": settings.SESSION_IDLE_SECONDS})


def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds left before the session ends, without extending it."""
    last = request.session.get(SESSION_KEY, time.time())
    return JsonResponse({"ends_in": max(int(settings.SESSION_IDLE_SECONDS - (time.time() - last)), 0)})


@login_not_required
def session_ended(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "POST":
        logout(request)
    return render(request, "registration/session_ended.html", {
        "minutes": max(round(settings.SESSION_IDLE_SECONDS / 60), 1),
        "signed_in": request.user.is_authenticated})
