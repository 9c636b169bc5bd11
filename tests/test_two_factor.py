"""Two-factor sign-in (forces/twofactor.py): inspectors and administrators must pass a second factor before the
admin, any write or any page; anyone may set it up; a recovery code works once; production refuses the
setting off (a deploy check)."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from audits.models import Inspection
from forces.tokens import token_create
from tests.test_settings import manage

pytestmark = pytest.mark.django_db
ENROL = "/account/two-factor/set-up/"
VERIFY = "/account/two-factor/verify/"


@pytest.fixture(autouse=True)
def required(settings):
    settings.CDI_TWO_FACTOR_REQUIRED = True


def sign_in(user, password="pw"):
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == 302
    return client


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def enrol(client, user):
    """Sets up an authenticator app through the pages, with a real TOTP code; returns the recovery codes."""
    assert client.get(ENROL).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"code": code_for(device), "next": "/"})
    assert response.status_code == 302
    page = client.get(response.url)
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page.content.decode())
    assert len(codes) == 10
    return codes


def enrolled_user(user):
    client = sign_in(user)
    codes = enrol(client, user)
    client.post("/accounts/logout/")
    return codes


def test_an_inspector_is_sent_to_set_up_then_to_enter_a_code(world):
    inspector = world.people.inspector
    client = sign_in(inspector)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(ENROL)
    enrolled_user(inspector)
    client = sign_in(inspector)
    response = client.get(f"/inspections/{world.inspection.pk}/")
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next=%2Finspections%2F{world.inspection.pk}%2F"


def test_enrolment_with_a_real_code_verifies_the_session_and_shows_recovery_codes_once(world):
    inspector = world.people.inspector
    client = sign_in(inspector)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=inspector, confirmed=False)
    page = client.get(ENROL)
    assert 'src="data:image/svg+xml' in page.content.decode()  # the QR code, inline: no script, no CDN
    response = client.post(ENROL, {"code": code_for(device), "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("forces:two_factor_recovery")).status_code == 302  # shown once only
    assert StaticToken.objects.filter(device__user=inspector).count() == 10
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("code, message", [("", "Enter the 6-digit code"), ("12ab56", "Enter the 6-digit code"),
                                           ("wrong", "Enter the 6-digit code")])
def test_a_malformed_enrolment_code_is_refused_with_a_message_and_nothing_confirmed(world, code, message):
    client = sign_in(world.people.inspector)
    client.get(ENROL)
    response = client.post(ENROL, {"code": code})
    assert response.status_code == 400 and message in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists() and not StaticDevice.objects.exists()


def test_a_wrong_enrolment_code_is_refused_and_nothing_confirmed(world):
    client = sign_in(world.people.inspector)
    client.get(ENROL)
    device = TOTPDevice.objects.get()
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 400 and "The code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists() and not StaticDevice.objects.exists()
    assert client.get("/admin/").status_code == 302


def test_a_code_from_the_app_verifies_the_session(world):
    inspector = world.people.inspector
    enrolled_user(inspector)
    device = TOTPDevice.objects.get(user=inspector)
    device.last_t = -1  # the enrolment used this time step's code
    device.save()
    client = sign_in(inspector)
    response = client.post(VERIFY, {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_the_session_stays_unverified(world):
    inspector = world.people.inspector
    enrolled_user(inspector)
    client = sign_in(inspector)
    response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 400 and "The code is not right" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_works_once(world):
    inspector = world.people.inspector
    codes = enrolled_user(inspector)
    client = sign_in(inspector)
    assert client.post(VERIFY, {"code": codes[0].upper(), "next": "/"}).status_code == 302
    assert client.get("/admin/").status_code == 200
    again = sign_in(inspector)
    response = again.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 400
    assert again.get("/admin/").status_code == 302
    assert StaticToken.objects.filter(device__user=inspector).count() == 9


@pytest.mark.parametrize("who", ["inspector", "admin"])
def test_the_admin_refuses_an_unverified_session(world, who):
    user = getattr(world.people, who)
    enrolled_user(user)
    client = sign_in(user)
    response = client.get("/admin/audits/inspection/")
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    response = client.post(f"/admin/audits/inspection/{world.inspection.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Inspection.objects.filter(pk=world.inspection.pk).exists()


def test_the_admin_site_itself_refuses_an_unverified_session(world, rf):
    """Behind the middleware, the admin's own permission check refuses too."""
    from django.contrib import admin
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/admin/")
    request.user = world.people.inspector
    request.user.is_verified = lambda: False
    request.session = SessionStore()
    assert not admin.site.has_permission(request)
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_page_and_api_session_writes_are_refused_without_verification(world):
    inspector = world.people.inspector
    client = sign_in(inspector)
    before = Inspection.objects.filter(pk=world.inspection.pk).values().get()
    response = client.post(f"/inspections/{world.inspection.pk}/publish/")
    assert response.status_code == 403
    response = client.patch(f"/api/v1/inspections/{world.inspection.pk}/", {"notes": "x"},
                            content_type="application/json")
    assert response.status_code == 403 and "authenticator" in response.json()["detail"]
    response = client.delete(f"/api/v1/cases/{world.case.pk}/")
    assert response.status_code == 403
    assert Inspection.objects.filter(pk=world.inspection.pk).values().get() == before
    assert type(world.case).objects.filter(pk=world.case.pk).exists()
    assert client.post(reverse("forces:api_tokens"), {"name": "t"}).status_code == 403


def test_force_staff_are_not_asked_unless_they_set_it_up(world):
    staff = world.people.staff_a
    client = sign_in(staff)
    assert client.get("/").status_code == 200
    enrol(client, staff)  # offered to everyone
    client.post("/accounts/logout/")
    client = sign_in(staff)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(VERIFY)


def test_api_tokens_are_not_asked_for_a_code(world):
    """Documented in SECURITY.md: a token is itself a second secret, created only from a verified session."""
    _, token = token_create(user=world.people.inspector, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/inspections/").status_code == 200


def test_switched_off_nobody_without_a_device_is_asked(world, settings):
    settings.CDI_TWO_FACTOR_REQUIRED = False
    client = sign_in(world.people.inspector)
    assert client.get("/admin/").status_code == 200


def test_new_recovery_codes_replace_the_old_ones_only_from_a_verified_session(world):
    inspector = world.people.inspector
    old = enrolled_user(inspector)
    unverified = sign_in(inspector)
    assert unverified.post(reverse("forces:two_factor_new_codes")).status_code == 403
    assert StaticToken.objects.filter(device__user=inspector).count() == 10
    client = sign_in(inspector)
    assert client.post(VERIFY, {"code": old[1]}).status_code == 302
    response = client.post(reverse("forces:two_factor_new_codes"))
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", client.get(response.url).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert sorted(StaticToken.objects.filter(device__user=inspector).values_list("token", flat=True)) == sorted(new)


def test_the_deploy_check_fails_when_two_factor_is_switched_off_in_production():
    production = {"DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "k3yq9x" * 8,
                  "DJANGO_ALLOWED_HOSTS": "cdi.example.org"}
    off = manage("check", "--deploy", "--fail-level", "WARNING", CDI_TWO_FACTOR_REQUIRED="0", **production)
    assert off.returncode != 0
    assert "forces.W001" in off.stderr + off.stdout
    on = manage("check", "--deploy", "--fail-level", "WARNING", **production)
    assert on.returncode == 0, on.stdout + on.stderr

