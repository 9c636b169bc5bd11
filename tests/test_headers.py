"""Headers: a Content-Security-Policy allowing nothing inline and nothing from elsewhere, and a
Permissions-Policy, on responses under production settings; and no template with an inline script, style or
event handler that the policy would block (tests/browser/test_csp.py runs the pages with it enforced)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.test_settings import manage

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "k3yq9x" * 8,
              "DJANGO_ALLOWED_HOSTS": "cdi.example.org", "DATABASE_URL": "sqlite://:memory:"}
READ_HEADERS = """
import json
from django.test import Client
client = Client(HTTP_HOST="cdi.example.org")
response = client.get("/healthz", secure=True)
api = client.get("/api/v1/forces/", secure=True)
print(json.dumps([response.status_code, dict(response.headers), api.status_code, dict(api.headers)]))
"""


def directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def check_policy(headers):
    policy = directives(headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


def test_production_responses_carry_the_policies():
    result = manage("shell", "-c", READ_HEADERS, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    status, headers, api_status, api_headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 200 and api_status in (401, 403)
    check_policy(headers)
    check_policy(api_headers)
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_pages_carry_the_policies(client, url, db):
    response = client.get(url)
    assert response.status_code == 200
    check_policy(response.headers)


def test_a_signed_in_page_and_the_api_docs_script_carry_the_policies(world, client_for):
    client = client_for(world.people.inspector)
    check_policy(client.get(reverse("audits:inspection", args=[world.inspection.pk])).headers)
    docs = client.get(reverse("api:docs"))
    check_policy(docs.headers)
    script = re.search(r'<script src="([^"]*\?script=[^"]*)"', docs.content.decode())
    assert script, "the API docs load their own script as a file"
    assert client.get(script.group(1).replace("&amp;", "&")).status_code == 200


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE = re.compile(r"<style\b|\sstyle=", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
# Nothing here is exempt: the PDF templates (reports/pdf/) take their styles from reports/pdf.css.
NOT_SERVED: set[str] = set()


def served_templates():
    for folder in [ROOT / "templates", *(ROOT / app / "templates" for app in ("audits", "forces", "recommendations",
                                                                              "reports", "notifications", "search"))]:
        for path in folder.rglob("*.html") if folder.exists() else []:
            relative = str(path.relative_to(ROOT))
            if relative not in NOT_SERVED:
                yield relative, path.read_text()


def test_no_template_has_an_inline_script_style_or_event_handler():
    offenders = [(name, pattern.pattern) for name, text in served_templates()
                 for pattern in (INLINE_SCRIPT, STYLE, HANDLER) if pattern.search(text)]
    assert offenders == []


def test_the_policy_has_no_inline_allowance_in_any_settings():
    flat = json.dumps(settings.CONTENT_SECURITY_POLICY)
    assert "unsafe" not in flat and "nonce" not in flat


def test_no_python_module_writes_an_inline_style_or_script_into_html():
    pattern = re.compile(r"""style=\\?["']|<script>""")
    offenders = [str(path.relative_to(ROOT)) for app in ("audits", "forces", "recommendations", "reports", "core",
                                                         "notifications", "search", "config")
                 for path in (ROOT / app).rglob("*.py")
                 if "migrations" not in path.parts and pattern.search(path.read_text())]
    assert offenders == []
