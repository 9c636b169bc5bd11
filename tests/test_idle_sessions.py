"""Idle sessions end: a session unused for the configured time (30 minutes by default) is signed out on its
next request, page or API; pages carry the warning shown before; "Stay signed in" keeps the session; the
page's own status check does not."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def idle_for(client, seconds):
    session = client.session
    session["last_activity"] = time.time() - seconds
    session.save()


def signed_in(client):
    return "_auth_user_id" in client.session


def test_the_default_is_thirty_minutes_with_a_warning_five_minutes_before():
    assert settings.SESSION_IDLE_SECONDS == 30 * 60 and settings.SESSION_IDLE_WARNING_SECONDS == 5 * 60


def test_a_session_idle_past_the_limit_is_signed_out_and_told_why(world, client_for):
    client = client_for(world.people.staff_a)
    assert client.get("/").status_code == 200
    idle_for(client, 31 * 60)
    response = client.get(reverse("recommendations:list"))
    assert response.status_code == 302 and response["Location"] == reverse("forces:session_ended")
    assert not signed_in(client)
    page = client.get(response["Location"])
    assert "You have been signed out" in page.content.decode() and "30 minutes" in page.content.decode()
    assert client.get(reverse("recommendations:list")).status_code == 302  # to the sign-in page now
    assert "/accounts/login/" in client.get(reverse("recommendations:list"))["Location"]


def test_a_session_used_within_the_limit_lives_on(world, client_for):
    client = client_for(world.people.staff_a)
    client.get("/")
    idle_for(client, 29 * 60)
    assert client.get(reverse("recommendations:list")).status_code == 200
    assert time.time() - client.session["last_activity"] < 5  # the request counted as activity
    assert signed_in(client)


def test_the_limit_is_a_setting(world, client_for, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    client = client_for(world.people.staff_a)
    client.get("/")
    idle_for(client, 6 * 60)
    assert client.get("/").status_code == 302 and not signed_in(client)


def test_a_post_after_the_limit_writes_nothing(world, client_for):
    client = client_for(world.people.staff_a)
    client.get("/")
    idle_for(client, 31 * 60)
    response = client.post(world.finding.get_absolute_url(), {"version": 1, "comment": "After lunch"})
    assert response.status_code == 302 and response["Location"] == reverse("forces:session_ended")
    assert not world.finding.follow_ups.filter(comment="After lunch").exists()


def test_an_api_call_on_an_idle_session_is_refused(world, client_for):
    client = client_for(world.people.staff_a)
    client.get("/")
    idle_for(client, 31 * 60)
    assert client.get(reverse("api:finding-list")).status_code in (401, 403)
    assert not signed_in(client)


def test_pages_carry_the_warning_and_its_timing(world, client_for):
    page = client_for(world.people.staff_a).get("/").content.decode()
    assert 'data-idle-warn-in="1500" data-idle-ends-in="1800"' in page
    assert "You are about to be signed out" in page and "Stay signed in" in page and "idle.js" in page
    anonymous = client_for(world.people.staff_a)
    anonymous.logout()
    assert "data-idle-warn-in" not in anonymous.get("/accounts/login/").content.decode()


def test_stay_signed_in_keeps_the_session_and_the_status_check_does_not(world, client_for):
    client = client_for(world.people.staff_a)
    client.get("/")
    idle_for(client, 27 * 60)
    status = client.get(reverse("forces:session_status")).json()
    assert 170 <= status["ends_in"] <= 180
    assert time.time() - client.session["last_activity"] > 26 * 60  # the check did not extend it
    assert client.post(reverse("forces:session_keep_alive")).json()["ends_in"] == 1800
    assert time.time() - client.session["last_activity"] < 5
    assert client.get(reverse("forces:session_keep_alive")).status_code == 405


def test_the_status_check_after_the_limit_signs_out(world, client_for):
    client = client_for(world.people.staff_a)
    client.get("/")
    idle_for(client, 31 * 60)
    assert client.get(reverse("forces:session_status")).status_code == 302 and not signed_in(client)
