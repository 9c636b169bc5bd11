"""Two-factor sign-in (django-otp): a code from an authenticator app (TOTP), or a single-use recovery code.

Who must: inspectors and administrators whenever ``CDI_TWO_FACTOR_REQUIRED`` is on (production's default; a
deploy check refuses it off, forces/checks.py), and anyone who has set it up for themselves (it is offered to
everyone). Until such a session has been verified with a second factor:

- pages answer with a redirect to "enter your code" (or to "set up" when the user has no device yet);
- writes (POST, PUT, PATCH, DELETE) on pages and on the API with the session are refused (403);
- the admin refuses the session (``CdiAdminSite.has_permission``).

API tokens are not asked for a code: a token is itself a second secret, and it can only be created from a
session that has passed this check (creating one is a write). See SECURITY.md.

Whether a user has a device is read once, when they sign in, and kept in the session, so that ordinary
requests make no extra query."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from forces.roles import AUDIT_WRITERS, role_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

ENROLLED = "cdi_two_factor_enrolled"
NEW_CODES = "cdi_two_factor_new_codes"
RECOVERY_CODES = 10
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


@receiver(user_logged_in, dispatch_uid="forces.twofactor.remember_enrolment")
def remember_enrolment(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED] = user_has_device(user)


def is_required_for(user: Any) -> bool:
    """The user's role must sign in with a second factor (when the setting is on)."""
    return bool(settings.CDI_TWO_FACTOR_REQUIRED) and role_of(user) in AUDIT_WRITERS


def needs_verification(request: HttpRequest) -> bool:
    """A signed-in session that has to be verified and is not (yet)."""
    user: Any = request.user
    if not user.is_authenticated or _is_verified(user):
        return False
    return bool(request.session.get(ENROLLED)) or is_required_for(user)


def _is_verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def _exempt_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in (
        "forces:two_factor_verify", "forces:two_factor_enrol", "logout", "login", "forces:session_status",
        "forces:session_keep_alive", "forces:session_ended", "forces:health", "favicon"))


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: sends an unverified session that must verify to the code page, and
    refuses its writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_verification(request) and request.path not in _exempt_paths():
            if request.method not in SAFE_METHODS or request.path.startswith("/api/"):
                raise PermissionDenied("Enter the code from your authenticator app first.")
            target = "forces:two_factor_verify" if request.session.get(ENROLLED) else "forces:two_factor_enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


def _code(request: HttpRequest) -> str:
    return "".join(str(request.POST.get("code", "")).split()).lower()[:16]


def two_factor(request: HttpRequest) -> HttpResponse:
    """Your two-factor sign-in: whether it is set up, and what you can do."""
    user: Any = request.user
    return render(request, "registration/two_factor.html", {
        "enrolled": bool(request.session.get(ENROLLED)), "required": is_required_for(user),
        "verified": _is_verified(user),
        "codes_left": StaticToken.objects.filter(device__user=user, device__confirmed=True).count()})


def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code (or type the key), then enter the code it shows."""
    user: Any = request.user
    if request.session.get(ENROLLED):
        return redirect("forces:two_factor")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
    error = ""
    if request.method == "POST":
        code = _code(request)
        if not code.isdigit() or len(code) != device.digits:
            error = f"Enter the {device.digits}-digit code from your authenticator app"
        elif not device.verify_token(code):
            error = "The code is not right: check the time on your device and enter the newest code"
        else:
            codes = _confirm(device)
            otp_login(request, device)
            request.session[ENROLLED] = True
            request.session[NEW_CODES] = codes
            return redirect(f"{reverse('forces:two_factor_recovery')}?{urlencode({'next': _next(request)})}")
    url = device.config_url
    return render(request, "registration/two_factor_enrol.html", {
        "qr": segno.make(url, error="m").svg_data_uri(scale=5, dark="#0b0c0c"),
        "key": _spaced(_base32(device)), "error": error, "next": _next(request), "digits": device.digits,
        "required": is_required_for(user)}, status=400 if error else 200)


@transaction.atomic
def _confirm(device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_recovery_codes(device.user)


def _new_recovery_codes(user: Any) -> list[str]:
    """Replaces the user's recovery codes with new ones and returns them (they are shown once)."""
    # The same device, so that a session verified with one of the old codes stays verified.
    static, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def _base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode()


def _spaced(key: str) -> str:
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Enter a code from the app, or one of the recovery codes."""
    user: Any = request.user
    if not request.session.get(ENROLLED):
        return redirect(f"{reverse('forces:two_factor_enrol')}?{urlencode({'next': _next(request)})}")
    if _is_verified(user):
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        code = _code(request)
        device, waiting = _match(user, code) if code else (None, False)
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()
            return redirect(_next(request))
        error = ("Too many wrong codes: wait a few seconds, then enter the newest code" if waiting else
                 "The code is not right. Enter the newest code from your app, or one of your recovery codes")
    return render(request, "registration/two_factor_verify.html",
                  {"error": error, "next": _next(request)}, status=400 if error else 200)


def _match(user: Any, code: str) -> tuple[TOTPDevice | StaticDevice | None, bool]:
    """The device that accepts the code (a recovery code is used up), and whether a device refused to try
    because of earlier failures: each device counts its own and refuses for a time that doubles with each
    (django-otp's throttling)."""
    waiting = False
    with transaction.atomic():
        devices: list[Any] = [*TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
                              *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)]
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            waiting = waiting or not allowed
            if allowed and device.verify_token(code):
                return device, False
    return None, waiting


@require_POST
def two_factor_new_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working): only from a verified session."""
    user: Any = request.user
    if not _is_verified(user):
        raise PermissionDenied("Enter the code from your authenticator app first.")
    with transaction.atomic():
        request.session[NEW_CODES] = _new_recovery_codes(user)
    return redirect("forces:two_factor_recovery")


def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown this once."""
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        return redirect("forces:two_factor")
    return render(request, "registration/two_factor_recovery.html", {"codes": codes, "next": _next(request)})
