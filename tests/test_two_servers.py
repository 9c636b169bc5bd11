"""Two application servers (two gunicorn processes, each with its own local media folder) share one database
and one S3-compatible store (moto's server): an import's dry run made on one is confirmed on the other, and the
dry run's file is gone from the store afterwards. On local disk the second server could not see the file."""

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
from django.conf import settings

from tests.object_store import free_port, s3_server
from tests.test_case_import import GOOD, HEADER

ROOT = Path(__file__).resolve().parent.parent
SETUP = """
from tests.factories import InspectionFactory, make_user
from forces.roles import Role
make_user("two-servers", Role.INSPECTOR, is_staff=True)
print(InspectionFactory(status="moderation").pk)
"""
COUNT = "from audits.models import AuditedCase; print(AuditedCase.objects.filter(reference__startswith='IMP-').count())"


@pytest.fixture
def database(tmp_path):
    """A database of the test's own that both servers use: a SQLite file, or a fresh PostgreSQL database on the
    server of DATABASE_URL."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"cdi_two_servers_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(url._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(environ, *args):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def serve(environ, media):
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "60"],
        cwd=ROOT, env={**environ, "DJANGO_MEDIA_ROOT": str(media)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{base}/healthz", timeout=30).status_code == 200:
                return process, base
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    process.kill()
    process.wait()
    raise AssertionError(f"the server on port {port} did not start")


def csrf(session, url):
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_a_dry_run_on_one_server_is_confirmed_on_the_other(database, tmp_path):
    with s3_server() as store:
        environ = {**os.environ, **store.environ(), "DJANGO_SETTINGS_MODULE": "config.settings_test",
                   "DATABASE_URL": database, "DJANGO_DEBUG": "0"}
        manage(environ, "migrate", "--no-input")
        inspection = manage(environ, "shell", "-c", SETUP).splitlines()[-1]
        servers = []
        try:
            for media in ("media-one", "media-two"):
                servers.append(serve(environ, tmp_path / media))
            (_, one), (_, two) = servers
            session = requests.Session()  # one browser: its session lives in the shared database
            login = f"{one}/accounts/login/"
            assert session.post(login, {"username": "two-servers", "password": "pw",
                                        "csrfmiddlewaretoken": csrf(session, login)}, timeout=30).status_code == 200
            path = f"/inspections/{inspection}/import/"
            body = "\n".join([HEADER, *GOOD]) + "\n"
            preview = session.post(one + path, data={"mode": "add", "csrfmiddlewaretoken": csrf(session, one + path)},
                                   files={"file": ("cases.csv", body.encode(), "text/csv")}, timeout=60)
            assert "no problems" in preview.text or "Confirm import" in preview.text, preview.text[:2000]
            token = re.search(r'name="token" value="([0-9a-f]+)"', preview.text).group(1)
            assert [name for name in store.names("imports/")] == [f"imports/{token}.csv"]
            assert not (tmp_path / "media-one" / "imports").exists()  # not on the first server's disk

            confirmed = session.post(two + path, data={
                "confirm": "1", "token": token, "mode": "add",
                "csrfmiddlewaretoken": csrf(session, two + path)}, timeout=60, allow_redirects=False)
            assert confirmed.status_code == 302, confirmed.text[:2000]
            assert manage(environ, "shell", "-c", COUNT).splitlines()[-1] == "2"
            assert store.names("imports/") == []
        finally:
            for process, _ in servers:
                process.terminate()
                process.wait(timeout=30)
