"""Time a 20,000-row import of audited crimes (dry run, then the confirmed import) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdi_bench .venv/bin/python bench/import_run.py

With --http it imports as a user does instead, through gunicorn (production settings) and a `db_worker`:
uploads the file, follows the dry run's job page until it offers the confirm, confirms, and follows the
import's job page to the inspection, timing every request; for each size in BENCH_IMPORT_SIZES (default
20000,200000; files over 20 MB of CSV go as XLSX) it prints rows, cases, dry run and import times and the
longest web request, and writes that table into bench/README.md between its markers (--no-write leaves it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdi_bench .venv/bin/python bench/import_run.py --http
"""

import io
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "--http" in sys.argv:
    from bench import http_run  # noqa: F401  (production settings, as the server it starts uses)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from audits.case_sheet import COLUMNS, read_rows  # noqa: E402
from audits.models import Inspection  # noqa: E402
from audits.services.case_import import import_cases, plan_import  # noqa: E402
from forces.models import Force  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "20000"))
OFFENCES = ["Violence with injury", "Violence without injury", "Stalking and harassment", "Rape",
            "Other sexual offences", "Criminal damage", "Public order offences"]


def make_csv(rows, rng):
    lines = [",".join(COLUMNS)]
    case, start = 0, datetime(2025, 1, 1, 0, 0)
    while len(lines) <= rows:
        case += 1
        reported = start + timedelta(minutes=rng.randint(0, 170 * 24 * 60))
        for offence in rng.sample(OFFENCES, 2 if rng.random() < 0.2 else 1):  # a case's crimes differ
            if rng.random() < 0.1:
                crime = f"{offence},,,,,not_recorded,no,not_known"
            else:
                recorded = reported + timedelta(hours=rng.choice([2, 3, 30]))
                crime = f"{offence},CR{case},{offence},{recorded:%d/%m/%Y %H:%M},,"
            lines.append(f"B{case:06d},incident_log,{reported:%d/%m/%Y %H:%M},no,no,no,,{crime}")
    return "\n".join(lines[: rows + 1]).encode()


def main():
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    inspector, _ = get_user_model().objects.get_or_create(username="bench-inspector", defaults={"is_staff": True})
    inspector.groups.set([Group.objects.get(name="Inspector")])
    inspection = Inspection.objects.create(force=Force.objects.get(slug="kent"), kind="cdi",
                                           audit_period_start=date(2025, 1, 1), audit_period_end=date(2025, 6, 30),
                                           status="fieldwork", notes="import benchmark")
    content = make_csv(ROWS, random.Random(7))
    started = time.perf_counter()
    plan = plan_import(inspection, read_rows(io.BytesIO(content), "bench.csv"), "add")
    checked = time.perf_counter()
    assert plan.ok, plan.problems[:5]
    counts = import_cases(plan, inspector)
    done = time.perf_counter()
    print(f"{ROWS} rows, {counts['added']} cases: dry run {checked - started:.1f} s, "
          f"import {done - checked:.1f} s, total {done - started:.1f} s")
    inspection.cases.all().delete()
    inspection.delete()


MAX_CSV_BYTES = 20 * 1024 * 1024  # the import form's limit
README = Path(__file__).resolve().parent / "README.md"
START, END = "<!-- import-http:start -->", "<!-- import-http:end -->"


def upload_body(name, content, fields):
    boundary = "----cdi-bench-" + os.urandom(8).hex()
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def as_file(content):
    if len(content) <= MAX_CSV_BYTES:
        return "bench.csv", content
    return "bench.xlsx", xlsx_of([line.split(",") for line in content.decode().splitlines()])


XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XLSX_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{XLSX_PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{XLSX_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'<workbook xmlns="{XLSX_MAIN}" xmlns:r="{XLSX_RELATIONSHIPS}"><sheets>'
        '<sheet name="Audited crimes" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{XLSX_PACKAGE_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{XLSX_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{XLSX_RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>'),
}


def xlsx_of(rows):
    """A one-sheet workbook of text cells (shared strings, as spreadsheet programs write them), written
    directly: openpyxl's writer (without lxml) took 20 minutes for 200,000 rows on a loaded machine."""
    import zipfile
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(n) for n in range(1, max(len(row) for row in rows) + 1)]
    strings = {}
    sheet = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{XLSX_MAIN}"><sheetData>']
    for number, row in enumerate(rows, 1):
        cells = "".join(f'<c r="{letter}{number}" t="s"><v>{strings.setdefault(value, len(strings))}</v></c>'
                        for letter, value in zip(letters, row, strict=False) if value != "")
        sheet.append(f'<row r="{number}">{cells}</row>')
    sheet.append("</sheetData></worksheet>")
    shared = "".join(f"<si><t>{escape(value)}</t></si>" for value in strings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in XLSX_PARTS.items():
            archive.writestr(name, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{xml}')
        archive.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
        archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         f'<sst xmlns="{XLSX_MAIN}" uniqueCount="{len(strings)}">{shared}</sst>')
    return buffer.getvalue()


class Timed:
    """A signed-in browser (bench.http_run.Browser) that remembers its slowest request."""

    def __init__(self, browser):
        self.browser, self.longest, self.requests = browser, (0.0, ""), 0

    def send(self, method, path, data=None, content_type=None):
        import urllib.error
        import urllib.request

        request = urllib.request.Request(http_run.BASE + path, data=data, method=method,
                                         headers={"Referer": http_run.BASE + path,
                                                  **({"Content-Type": content_type} if content_type else {})})
        started = time.perf_counter()
        try:
            with self.browser.opener.open(request, timeout=600) as response:
                status, body, location = response.status, response.read(), response.headers.get("Location")
        except urllib.error.HTTPError as error:
            status, body, location = error.code, error.read(), error.headers.get("Location")
        seconds = time.perf_counter() - started
        self.requests += 1
        self.longest = max(self.longest, (seconds, f"{method} {path.split('?')[0]}"))
        return status, body, location

    def csrf(self, path):
        import re

        status, body, _ = self.send("GET", path)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()

    def follow_job(self, path):
        """Poll a job's page (as its meta refresh does, but every half second) until it stops refreshing."""
        while True:
            status, body, location = self.send("GET", path)
            if status == 302:
                return location, body
            if b'http-equiv="refresh"' not in body:
                return None, body
            time.sleep(0.5)


def http_main(write=True):
    import re
    import urllib.parse

    from forces.roles import Role

    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    http_run.bench_user("bench-importer", Role.INSPECTOR, staff=True)
    sizes = [int(size) for size in os.environ.get("BENCH_IMPORT_SIZES", "20000,200000").split(",")]
    env = {**os.environ, **http_run.SERVER_ENV, "DJANGO_TASKS_BACKEND": "database"}
    connection.close()
    server = subprocess.Popen([str(http_run.ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind",
                               f"{http_run.HOST}:{http_run.PORT}", "--workers", http_run.WORKERS,
                               "--log-level", "warning"], cwd=http_run.ROOT, env=env)
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2",
                               "--no-reload", "--verbosity", "0"], cwd=http_run.ROOT, env=env)
    rows_out = []
    try:
        http_run.wait_for_server(server)
        for size in sizes:
            inspection = Inspection.objects.create(
                force=Force.objects.get(slug="kent"), kind="cdi", audit_period_start=date(2025, 1, 1),
                audit_period_end=date(2025, 6, 30), status="fieldwork", notes="import benchmark")
            name, content = as_file(make_csv(size, random.Random(7)))
            browser = Timed(http_run.Browser("bench-importer"))
            page = reverse("audits:case_import", args=[inspection.pk])
            body, content_type = upload_body(name, content, {"csrfmiddlewaretoken": browser.csrf(page), "mode": "add"})
            started = time.perf_counter()
            status, _, location = browser.send("POST", page, body, content_type)
            assert status == 302, status
            _, job_page = browser.follow_job(location)
            checked = time.perf_counter()
            token = re.search(rb'name="token" value="([0-9a-f]+)"', job_page)
            assert token, job_page[-3000:]
            form = urllib.parse.urlencode({"csrfmiddlewaretoken": browser.csrf(location), "confirm": "1",
                                           "token": token.group(1).decode(), "mode": "add"}).encode()
            status, _, location = browser.send("POST", page, form, "application/x-www-form-urlencoded")
            assert status == 302, status
            landed, job_page = browser.follow_job(location)
            done = time.perf_counter()
            assert landed == inspection.get_absolute_url(), job_page[-3000:]
            cases = inspection.cases.count()
            rows_out.append((size, cases, name.rsplit(".", 1)[1].upper(), len(content), checked - started,
                             done - checked, browser.requests, browser.longest))
            print(table(rows_out[-1:]).splitlines()[-1], flush=True)
            inspection.cases.all().delete()
            inspection.delete()
            connection.close()
    finally:
        for process in (worker, server):
            process.terminate()
            process.wait(timeout=60)
    text = table(rows_out)
    print(text)
    if write:
        readme = README.read_text()
        measured = (f"Measured {time.strftime('%d %B %Y %H:%M', time.gmtime())} UTC: gunicorn "
                    f"({http_run.WORKERS} sync workers, default 30 s timeout), one `db_worker`, PostgreSQL, "
                    f"all on one machine with {os.cpu_count()} cores.\n\n")
        before, rest = readme.split(START, 1)
        README.write_text(before + START + "\n" + measured + text + "\n" + END + rest.split(END, 1)[1])


def table(rows):
    lines = ["| rows | cases | file | size | dry run (worker) | import (worker) | web requests | longest request |",
             "|---|---|---|---|---|---|---|---|"]
    for size, cases, kind, length, check, write, requests, (longest, which) in rows:
        lines.append(f"| {size:,} | {cases:,} | {kind} | {length / 1e6:.1f} MB | {check:.1f} s | {write:.1f} s | "
                     f"{requests} | {longest:.2f} s ({which}) |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--http" in sys.argv:
        http_main(write="--no-write" not in sys.argv)
    else:
        main()
