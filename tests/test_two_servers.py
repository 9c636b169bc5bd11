"""Two application servers (two gunicorn processes, each with its own local media folder) share one database
and one S3-compatible store (moto's server): an import's dry run made on one is confirmed on the other, and the
dry run's file is gone from the store afterwards. On local disk the second server could not see the file."""

import os
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.db import connection

from audits.models import AuditedCase
from forces.roles import Role
from tests.factories import InspectionFactory, make_user
from tests.object_store import free_port, s3_server
from tests.test_case_import import GOOD, HEADER

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


class SharedDatabase:
    """The database both servers use: this worker's own test database, already migrated (a transactional test's,
    so whatever the servers write is emptied afterwards, as after any transactional test). On PostgreSQL they
    connect to it by name; SQLite's test database lives in this process's memory, so they use a copy of it in
    a file, taken with SQLite's backup when the test has written what the servers need."""

    def __init__(self, folder: Path):
        self.copy = folder / "shared.sqlite3"

    def url(self) -> str:
        if connection.vendor == "postgresql":
            return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(
                path=f"/{connection.settings_dict['NAME']}"))
        connection.ensure_connection()
        with closing(sqlite3.connect(self.copy)) as target:
            connection.connection.backup(target)
        return f"sqlite:///{self.copy}"

    def imported(self) -> int:
        """The cases the servers imported (IMP-…), read where they wrote them."""
        if connection.vendor == "postgresql":
            return AuditedCase.objects.filter(reference__startswith="IMP-").count()
        with closing(sqlite3.connect(self.copy)) as shared:
            return shared.execute(f"SELECT count(*) FROM {AuditedCase._meta.db_table} "
                                  "WHERE reference LIKE 'IMP-%'").fetchone()[0]


@pytest.fixture
def database(reference_data, tmp_path):
    return SharedDatabase(tmp_path)


def serve(environ, media):
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "60", "--graceful-timeout", "5"],
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
    make_user("two-servers", Role.INSPECTOR, is_staff=True)
    inspection = InspectionFactory(status="moderation").pk
    url = database.url()  # on SQLite, the copy is taken now: with the user and the inspection
    with s3_server() as store:
        environ = {**os.environ, **store.environ(), "DJANGO_SETTINGS_MODULE": "config.settings_test",
                   "DATABASE_URL": url, "DJANGO_DEBUG": "0"}
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
            assert database.imported() == 2
            assert store.names("imports/") == []
        finally:
            for process, _ in servers:  # stopped before the database is emptied: none may keep a connection
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:  # a loaded machine: stop it outright rather than fail
                    process.kill()
                    process.wait(timeout=30)
