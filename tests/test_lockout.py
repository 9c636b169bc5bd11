"""Throttling and lockout: repeated failed sign-ins for an account, or from an address, lock further attempts
(even with the right password) for a cool-off period, with one page whatever the account; administrators see
and lift locks in the admin; API tokens are rate-limited per token."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from forces.lockout import client_ip
from forces.roles import Role
from forces.tokens import token_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def lockout_on(settings):
    settings.AXES_ENABLED = True  # off in settings_test for Client.login(); on here
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOCKOUT_ADDRESS_FAILURES = 12
    cache.clear()
    yield
    cache.clear()


def attempt(username, password, address="10.0.0.1", client=None, url=LOGIN):
    client = client or Client(REMOTE_ADDR=address)
    return client, client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client):
    return "_auth_user_id" in client.session


def fail(username, times, address="10.0.0.1"):
    for _ in range(times):
        _, response = attempt(username, "wrong-password", address)
        assert not signed_in(_)
    return response


def page(response):
    """The body without what differs from one response to the next (the CSRF token)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_the_account_locks_after_five_failures_even_for_the_right_password(world):
    assert signed_in(attempt("insp", "pw")[0])  # the right password works before
    fail("insp", 5)
    client, response = attempt("insp", "pw")
    assert response.status_code == 429 and "Sign-in paused" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert not signed_in(client)
    # from anywhere: the account is locked, not just the address
    client, response = attempt("insp", "pw", address="10.9.9.9")
    assert response.status_code == 429 and not signed_in(client)


def test_four_failures_do_not_lock_and_a_success_starts_the_count_again(world):
    fail("insp", 4)
    assert signed_in(attempt("insp", "pw")[0])
    fail("insp", 4)
    assert signed_in(attempt("insp", "pw")[0])


def test_signing_in_to_ones_own_account_does_not_clear_the_failures_against_another(world):
    fail("insp", 4, "10.0.0.5")
    assert signed_in(attempt("staff-a", "pw", "10.0.0.5")[0])
    fail("insp", 1, "10.0.0.5")
    client, response = attempt("insp", "pw", "10.0.0.5")
    assert response.status_code == 429 and not signed_in(client)


def test_the_lock_page_and_the_failures_before_it_do_not_say_whether_the_account_exists(world):
    before_real, before_unknown = fail("insp", 1, "10.0.0.2"), fail("nobody-here", 1, "10.0.0.3")
    assert before_real.status_code == before_unknown.status_code == 200
    # the same "enter a correct username and password", the typed name echoed in its box
    assert (page(before_real).replace('value="insp"', "X")
            == page(before_unknown).replace('value="nobody-here"', "X"))
    fail("insp", 4, "10.0.0.2")
    fail("nobody-here", 4, "10.0.0.3")
    _, real = attempt("insp", "pw", "10.0.0.2")
    _, unknown = attempt("nobody-here", "pw", "10.0.0.3")
    assert real.status_code == unknown.status_code == 429
    assert page(real) == page(unknown)
    assert "nobody-here" not in page(unknown)  # names no account


def test_an_address_locks_after_many_failures_over_any_accounts(world):
    for n in range(12):
        fail(f"guess-{n}", 1, "10.0.0.7")
    client, response = attempt("insp", "pw", "10.0.0.7")
    assert response.status_code == 429 and not signed_in(client)
    # the account itself is not locked: from another address it signs in
    assert signed_in(attempt("insp", "pw", "10.0.0.8")[0])


def test_the_lock_ends_after_the_cool_off_period(world):
    fail("insp", 5)
    assert attempt("insp", "pw")[1].status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert signed_in(attempt("insp", "pw")[0])


def test_the_admin_sign_in_is_locked_too(world):
    for _ in range(5):
        attempt("insp", "wrong", url="/admin/login/")
    client, response = attempt("insp", "pw", url="/admin/login/")
    assert response.status_code == 429 and not signed_in(client)


def test_administrators_see_and_lift_a_lock(world, client_for):
    fail("insp", 5)
    admin = client_for(world.people.admin)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "insp" in listing.content.decode()
    locked = AccessAttempt.objects.get(username="insp")
    response = admin.post(reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert signed_in(attempt("insp", "pw")[0])


def test_inspectors_cannot_see_or_lift_locks(world, client_for):
    fail("insp2", 5)
    inspector = client_for(world.people.inspector)
    assert inspector.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    locked = AccessAttempt.objects.get(username="insp2")
    assert inspector.post(reverse("admin:axes_accessattempt_delete", args=[locked.pk]),
                          {"post": "yes"}).status_code == 403
    assert AccessAttempt.objects.filter(pk=locked.pk).exists()


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw_not_one_the_client_forged(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(request) == "10.1.1.1"  # not behind a proxy: the header is ignored
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_ip(request) == "203.0.113.9"


def test_an_api_token_is_rate_limited_on_its_own(world, settings):
    settings.API_TOKEN_RATE = "3/minute"
    user = make_user("reader", Role.MANAGER)
    _, first = token_create(user=user, name="first")
    _, second = token_create(user=user, name="second")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {first}")
    url = reverse("api:force-list")
    assert [api.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get(url)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"].lower() or "request" in refused.json()["detail"].lower()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {second}")
    assert other.get(url).status_code == 200  # per token, not per user
    session = APIClient()
    session.force_authenticate(user)
    assert all(session.get(url).status_code == 200 for _ in range(5))  # the pages' own calls are not counted
