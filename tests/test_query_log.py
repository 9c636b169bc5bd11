"""The benchmark's query counter (core.query_log): off unless CDI_QUERY_LOG is set; when on, one line a request
with the queries it ran, a streamed export's included."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

MIDDLEWARE = "core.query_log.QueryLogMiddleware"


def test_production_settings_leave_the_query_counter_out():
    assert MIDDLEWARE not in settings.MIDDLEWARE


def test_the_query_counter_logs_each_request_and_a_stream_once_it_ends(world, client_for, settings, tmp_path,
                                                                        monkeypatch):
    log = tmp_path / "queries.log"
    monkeypatch.setenv("CDI_QUERY_LOG", str(log))
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    client = client_for(world.people.inspector)
    page = client.get(reverse("audits:home"))
    assert page.status_code == 200
    csv_url = reverse("audits:inspection_cases_csv", args=[world.inspection.pk])
    stream = client.get(csv_url)
    assert stream.streaming
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith(f"GET {reverse('audits:home')}") and int(lines[0].split()[0]) > 0
    b"".join(stream.streaming_content)
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and lines[1].endswith(f"GET {csv_url}") and int(lines[1].split()[0]) > 0
