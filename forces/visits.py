"""When a user last visited: the sign-in before this one, kept in the session when they sign in (Django's
``last_login`` is overwritten by the sign-in itself), so a start page can say what changed since."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import views as auth_views
from django.utils import timezone

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

PREVIOUS_VISIT = "cdi_previous_visit"
#: How far back "what changed" looks for someone signing in for the first time.
FIRST_VISIT_DAYS = 30


def previous_visit(request: HttpRequest) -> datetime | None:
    """The user's previous sign-in, or None on a first visit (or a session that did not sign in here)."""
    raw = request.session.get(PREVIOUS_VISIT)
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def changes_since(request: HttpRequest) -> tuple[datetime, bool]:
    """Since when to show what changed, and whether that is the previous visit (else the last FIRST_VISIT_DAYS)."""
    moment = previous_visit(request)
    if moment is not None:
        return moment, True
    return timezone.now() - timedelta(days=FIRST_VISIT_DAYS), False


class SignInView(auth_views.LoginView):
    """Django's sign-in, keeping the previous sign-in in the new session."""

    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        before = form.get_user().last_login
        response = super().form_valid(form)
        if before is not None:
            self.request.session[PREVIOUS_VISIT] = before.isoformat()
        return response
