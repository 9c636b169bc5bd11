"""Errors the API can read: every error under /api/ is JSON of the same shape as a validation error (an object
of names and what is wrong with them: ``detail`` when no field is to blame), 500 included, inside and outside
DRF views; JSON nested too deep is a 400; a NUL in an address is a 400, never a 500, on pages and API."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.api_parsers import MAX_JSON_DEPTH
from forces.api import ForceViewSet
from recommendations.models import Evidence, FollowUp
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body, dict) and body  # names -> what is wrong
    return body


def test_a_500_inside_an_api_view_is_json_and_logged(people, monkeypatch, caplog):
    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ForceViewSet, "get_queryset", broken)
    response = signed_in(people.inspector).get("/api/v1/forces/")
    body = json_error(response, 500)
    assert body == {"detail": "Something went wrong on the server; nothing was written. Try again, and tell us if "
                              "it goes on."}
    assert "a bug" not in response.content.decode()  # nothing internal leaks
    assert any("Internal Server Error: /api/v1/forces/" in record.getMessage() for record in caplog.records)


def test_a_500_inside_an_api_write_rolls_back(world, monkeypatch):
    from recommendations import signals

    def broken(**kwargs):
        raise RuntimeError("a bug after the write")

    monkeypatch.setattr(signals.finding_moved, "send", broken)
    before = FollowUp.objects.count()
    response = signed_in(world.people.staff_a).post(
        reverse("api:follow-up-list", args=[world.finding.pk]),
        {"version": world.finding.version, "status": "in_progress", "comment": "Started"}, content_type="application/json")
    json_error(response, 500)
    assert FollowUp.objects.count() == before


def explode(get_response):
    def middleware(request):
        raise RuntimeError("outside any view")
    return middleware


def test_a_500_outside_any_view_is_json_under_the_api_and_a_page_elsewhere(people, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_api_errors.explode"]
    client = Client(raise_request_exception=False)
    client.force_login(people.inspector)
    assert json_error(client.get("/api/v1/forces/"), 500)["detail"].startswith("Something went wrong")
    page = client.get("/forces/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_json_nested_too_deep_is_a_400(people, depth):
    body = "[" * depth + "]" * depth
    response = signed_in(people.inspector).post("/api/v1/tokens/", body, content_type="application/json")
    assert json_error(response, 400) == {"detail": f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep."}


def test_json_nested_within_the_limit_reaches_the_view(people):
    nested: dict = {"name": "ok"}
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = {"x": nested}
    response = signed_in(people.inspector).post("/api/v1/tokens/", json.dumps({"name": "deep", "extra": nested}),
                                                content_type="application/json")
    assert response.status_code == 201


def test_malformed_json_is_a_json_400(people):
    response = signed_in(people.inspector).post("/api/v1/tokens/", "{", content_type="application/json")
    assert "JSON parse error" in json_error(response, 400)["detail"]


@pytest.mark.parametrize("url", ["/api/v1/forces/%00/", "/api/v1/forces/?region=%00", "/api/v1/inspections/?%00=1"])
def test_a_nul_in_an_api_address_is_a_json_400(people, url):
    body = json_error(signed_in(people.staff_a).get(url), 400)
    assert body == {"detail": "The address contains a NUL character (%00), which no address may hold."}


@pytest.mark.parametrize("url", ["/forces/?region=%00", "/findings/?q=a%00b", "/forces/%00/"])
def test_a_nul_in_a_page_address_is_a_400_page(people, url):
    response = signed_in(people.staff_a).get(url)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_too_many_files_in_one_api_request_is_a_json_400_before_any_is_kept(world):
    files = [SimpleUploadedFile(f"note{i}.txt", b"evidence") for i in range(11)]
    response = signed_in(world.people.inspector).post(
        reverse("api:follow-up-list", args=[world.finding.pk]),
        {"version": world.finding.version, "comment": "Eleven files", "files": files})
    assert json_error(response, 400) == {"detail": "Too many files in one request: at most 10."}
    assert not Evidence.objects.filter(original_name__startswith="note").exists()


def test_validation_errors_and_other_errors_share_one_shape(world):
    client = signed_in(world.people.inspector)
    invalid = json_error(client.post(reverse("api:follow-up-list", args=[world.finding.pk]), {"comment": "x"},
                                     content_type="application/json"), 400)
    assert invalid == {"version": ["This field is required."]}
    missing = json_error(client.get("/api/v1/findings/999999/"), 404)
    assert set(missing) == {"detail"} and isinstance(missing["detail"], str)
    refused = json_error(Client().get("/api/v1/findings/"), 401)
    assert set(refused) == {"detail"}
    wrong_method = json_error(client.delete("/api/v1/forces/"), 405)
    assert set(wrong_method) == {"detail"}
