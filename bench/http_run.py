"""Benchmark the app as its users meet it: over HTTP, served by gunicorn with DEBUG off, on PostgreSQL.

    .venv/bin/python bench/http_run.py              # 1×: database cdi_bench
    .venv/bin/python bench/http_run.py --scale 10   # 10×: database cdi_bench_10x (or BENCH_SCALE=10)

`make bench` runs it after bench/run.py (which creates and fills the database on first run; this script
fills it too if run alone). It collects the static files, starts gunicorn on 127.0.0.1 with production
settings (`config.settings`, DEBUG off) and a throwaway secret key and allowed host, signs in through the
sign-in form as each role (inspector, administrator, manager, force staff; the public without signing in),
then requests every report page, export, API list and admin list, filter, search, page and autocomplete
BENCH_REPEAT times (default 20) and prints median, 95th percentile and the query count of each. The queries
are counted by core.query_log.QueryLogMiddleware, which config.settings adds only when CDI_QUERY_LOG names
a file, as this script does for the gunicorn it starts. The table goes into bench/README.md between the
markers of its scale (`--no-write` leaves the README alone).

Environment: DATABASE_URL (default cdi_bench / cdi_bench_10x on 127.0.0.1), BENCH_REPEAT, BENCH_WORKERS
(gunicorn workers, default 2), BENCH_PORT (default 8765).
"""

import http.cookiejar
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
HOST = "127.0.0.1"
BASE = f"http://{HOST}:{PORT}"
#: Targets for the admin lists (issue 13).
TARGET_MEDIAN_MS, TARGET_P95_MS = 300, 500


def _scale():
    if "--scale" in sys.argv:
        return int(sys.argv[sys.argv.index("--scale") + 1])
    return int(os.environ.get("BENCH_SCALE", "1"))


SCALE = _scale()
# Production settings, served over plain HTTP on the loopback interface with a secret made for this run.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
    "DJANGO_ALLOWED_HOSTS": HOST,
    "DJANGO_SECURE_SSL": "0",
    "DJANGO_DEBUG": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cdi_bench"
                                   + ("" if SCALE == 1 else f"_{SCALE}x")),
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken  # noqa: E402

from audits.admin import FromEitherEndPaginator  # noqa: E402
from audits.models import AuditedCase, Inspection  # noqa: E402
from bench.generate import MARKER, analyze, freeze_unfrozen, generate, generated_scale  # noqa: E402
from forces.models import Force, ForceMembership  # noqa: E402
from forces.roles import Role  # noqa: E402
from recommendations.models import Finding  # noqa: E402

PASSWORD = secrets.token_urlsafe(24)


def prepare_database():
    if connection.vendor != "postgresql":
        sys.exit("Run the benchmark on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    found = generated_scale()
    if found is None:
        started = time.perf_counter()
        count = generate(scale=SCALE)
        print(f"Generated and froze {count} inspections at {SCALE}× in {time.perf_counter() - started:.0f} s")
        analyze()
    elif found != SCALE:
        sys.exit(f"Database {connection.settings_dict['NAME']} holds the {found:g}× dataset, not {SCALE}×.")
    elif freeze_unfrozen():
        analyze()
    if not Finding.objects.filter(reference__startswith="BENCH-").exists():
        # A few findings, so that the findings pages and the admin's finding list have rows to show.
        Finding.objects.bulk_create([
            Finding(inspection=inspection, kind=Finding.Kind.RECOMMENDATION, reference=f"BENCH-{inspection.pk}-R1",
                    text="Make sure every crime reported is recorded within 24 hours.",
                    timescale=Finding.Timescale.THREE_MONTHS, due_on=inspection.published_on)
            for inspection in Inspection.objects.filter(notes=MARKER)])


def bench_user(username, role, force=None, staff=False):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(PASSWORD)
    user.is_staff = staff
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    ForceMembership.objects.filter(user=user).delete()
    if force is not None:
        ForceMembership.objects.create(user=user, force=force)
    # Inspectors and administrators sign in with a second factor (production's CDI_TWO_FACTOR_REQUIRED): each
    # bench user has recovery codes, and Browser.sign_in enters one, as a person who lost their phone would.
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in RECOVERY_CODES])
    return user


RECOVERY_CODES = [secrets.token_hex(4) for _ in range(10)]


class Browser:
    """A user's browser: a cookie jar, signing in through the sign-in form as a person would."""

    def __init__(self, username=None):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  NoRedirect())
        if username:
            self.sign_in(username)

    def get(self, path):
        """Status, body length and the milliseconds until the whole body was read."""
        started = time.perf_counter()
        try:
            with self.opener.open(BASE + path, timeout=300) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        return status, len(body), (time.perf_counter() - started) * 1000, body

    def sign_in(self, username):
        login = reverse("login")
        status, _, _, body = self.get(login)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token}).encode()
        self.post(login, data)
        assert any(cookie.name == "sessionid" for cookie in self.jar), f"{username} could not sign in"
        verify = reverse("forces:two_factor_verify")
        status, _, _, body = self.get(verify)
        if status == 200:  # asked for a second factor: a recovery code (each is used once)
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
            status = self.post(verify, urllib.parse.urlencode({"code": RECOVERY_CODES.pop(),
                                                               "csrfmiddlewaretoken": token}).encode())
            assert status == 302, f"{username}: the recovery code was refused ({status})"

    def post(self, path, data):
        request = urllib.request.Request(BASE + path, data=data, headers={"Referer": BASE + path})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            if error.code != 302:
                raise
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class QueryLog:
    """Reads the lines core.query_log.QueryLogMiddleware appends: queries, CPU ms, method and path."""

    def __init__(self, path):
        self.path = Path(path)
        self.seen = 0

    def entries(self, path, expected):
        """(queries, CPU ms) of the requests for ``path`` logged since the last call (waits briefly for a
        stream's last line)."""
        found = []
        for _ in range(100):
            lines = self.path.read_text().splitlines()[self.seen:]
            self.seen += len(lines)
            for line in lines:
                count, cpu, request = line.split("\t", 2)
                if request.split(" ", 1)[1] == path:
                    found.append((int(count), float(cpu)))
            if len(found) >= expected:
                break
            time.sleep(0.02)
        return found


def pages(inspection, force, case_id):
    """(role, group, name, path): every report page and export, API list and admin list the bench times."""
    admin_cases = reverse("admin:audits_auditedcase_changelist")
    autocomplete = reverse("admin:autocomplete")
    thames = force.slug
    ref = f"B{inspection.pk}-0004"
    rows = [
        ("public", "Reports", "National overview (not signed in: sent to sign in)", reverse("reports:overview")),
        ("manager", "Reports", "National overview", reverse("reports:overview")),
        ("manager", "Reports", "Force report", reverse("reports:force", args=[thames])),
        ("manager", "Reports", "Inspection report", reverse("reports:inspection", args=[inspection.pk])),
        ("force staff", "Reports", "Force report (own force)", reverse("reports:force", args=[thames])),
        ("force staff", "Reports", "Inspection report (own force)",
         reverse("reports:inspection", args=[inspection.pk])),
        ("inspector", "Pages", "Home", reverse("audits:home")),
        ("inspector", "Pages", "Inspection page", reverse("audits:inspection", args=[inspection.pk])),
        ("inspector", "Pages", "Case page", reverse("audits:case", args=[case_id])),
        ("inspector", "Pages", "Findings", reverse("recommendations:list")),
        ("manager", "Exports", "National overview CSV", reverse("reports:overview_export", args=["csv"])),
        ("manager", "Exports", "National overview XLSX", reverse("reports:overview_export", args=["xlsx"])),
        ("manager", "Exports", "Force report CSV", reverse("reports:force_export", args=[thames, "csv"])),
        ("manager", "Exports", "Inspection report CSV", reverse("reports:inspection_export", args=[inspection.pk, "csv"])),
        ("inspector", "Exports", "Inspection cases CSV", reverse("audits:inspection_cases_csv", args=[inspection.pk])),
        ("inspector", "Exports", "Findings CSV", reverse("recommendations:list_csv")),
        ("inspector", "API", "Forces", reverse("api:force-list")),
        ("inspector", "API", "Inspections", reverse("api:inspection-list")),
        ("inspector", "API", "Inspection's cases", reverse("api:inspection-case-list", args=[inspection.pk])),
        ("inspector", "API", "Inspection's cases, last page",
         reverse("api:inspection-case-list", args=[inspection.pk]) + "?page=last"),
        ("inspector", "API", "Inspection's cancellation reviews",
         reverse("api:inspection-cancellation-review-list", args=[inspection.pk])),
        ("inspector", "API", "Published results", reverse("api:published-result-list")),
        ("inspector", "API", "Recorded crime volumes", reverse("api:volume-list")),
        ("inspector", "API", "Findings", reverse("api:finding-list")),
        ("inspector", "API", "Challenges", reverse("api:challenge-list")),
        ("force staff", "API", "Inspections (own force)", reverse("api:inspection-list")),
        ("force staff", "API", "Inspection's cases (own force)",
         reverse("api:inspection-case-list", args=[inspection.pk])),
        ("inspector", "Admin", "Audited case list", admin_cases),
        ("inspector", "Admin", "… filtered by force", f"{admin_cases}?force={thames}"),
        ("inspector", "Admin", "… filtered by inspection", f"{admin_cases}?inspection__id__exact={inspection.pk}"),
        ("inspector", "Admin", "… filtered by source", f"{admin_cases}?source__exact=incident_log"),
        ("inspector", "Admin", "… filtered by category", f"{admin_cases}?category=rape"),
        ("inspector", "Admin", "… filtered by error kind", f"{admin_cases}?error=misclassified"),
        ("inspector", "Admin", "… filtered by moderation state", f"{admin_cases}?moderation_state__exact=draft"),
        ("inspector", "Admin", "… filtered by year reported", f"{admin_cases}?reported=2018"),
        ("inspector", "Admin", "… filtered by a flag (domestic abuse)", f"{admin_cases}?victim=domestic_abuse"),
        ("inspector", "Admin", "… filtered by a flag no crime has (modern slavery)",
         f"{admin_cases}?victim=modern_slavery"),
        ("inspector", "Admin", "… force, error kind and flag", f"{admin_cases}?force={thames}&error=not_recorded"
                                                               "&victim=vulnerable_victim"),
        ("inspector", "Admin", "… searched by reference", f"{admin_cases}?q={ref}"),
        ("inspector", "Admin", "… searched by part of a reference", f"{admin_cases}?q=-0004"),
        ("inspector", "Admin", "… sorted by date reported", f"{admin_cases}?o=-4"),
        ("inspector", "Admin", "… page 100", f"{admin_cases}?p=100"),
        ("inspector", "Admin", "… last page", f"{admin_cases}?p=LAST"),
        ("inspector", "Admin", "Inspection list", reverse("admin:audits_inspection_changelist")),
        ("inspector", "Admin", "Finding list", reverse("admin:recommendations_finding_changelist")),
        ("inspector", "Admin", "Cancellation review list", reverse("admin:audits_cancellationreview_changelist")),
        ("inspector", "Admin", "Published result list", reverse("admin:audits_publishedresult_changelist")),
        ("inspector", "Admin", "Inspection autocomplete (case form)",
         f"{autocomplete}?app_label=audits&model_name=auditedcase&field_name=inspection&term=thames"),
        ("inspector", "Admin", "Inspection autocomplete, every inspection",
         f"{autocomplete}?app_label=audits&model_name=auditedcase&field_name=inspection&term="),
        ("inspector", "Admin", "Offence autocomplete",
         f"{autocomplete}?app_label=audits&model_name=auditedcrime&field_name=expected_offence&term=rap"),
        ("administrator", "Admin", "Audited case list (administrator)", admin_cases),
        ("administrator", "Admin", "User list", reverse("admin:auth_user_changelist")),
    ]
    return rows


def wait_for_server(process):
    for _ in range(300):
        if process.poll() is not None:
            sys.exit("gunicorn stopped")
        try:
            with urllib.request.urlopen(BASE + reverse("forces:health"), timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


def measure(browser, log, path):
    for _ in range(2):  # warm both workers' caches
        browser.get(path)
    log.entries(path, 2)
    samples, statuses = [], set()
    for _ in range(REPEAT):
        status, size, ms, _ = browser.get(path)
        statuses.add(status)
        samples.append(ms)
    entries = log.entries(path, REPEAT)
    counts = sorted({count for count, _ in entries})
    samples.sort()
    return {"median": statistics.median(samples), "p95": samples[max(0, round(0.95 * len(samples)) - 1)],
            "cpu": statistics.median(cpu for _, cpu in entries) if entries else float("nan"),
            "queries": "–".join(str(count) for count in counts) if counts else "?",
            "status": "/".join(str(s) for s in sorted(statuses)), "size": size, "load": os.getloadavg()[0]}


HEADER = "| role | group | page | median ms | p95 ms | server CPU ms (median) | queries | status | load (1 min) |"
RULE = "|---|---|---|---|---|---|---|---|---|"


def table(results):
    lines = [HEADER, RULE]
    for (role, group, name, _), result in results:
        flag = ""
        if group == "Admin" and (result["median"] >= TARGET_MEDIAN_MS or result["p95"] >= TARGET_P95_MS):
            flag = " ✗"
        lines.append(f"| {role} | {group} | {name} | **{result['median']:.0f}**{flag} | {result['p95']:.0f} | "
                     f"{result['cpu']:.0f} | {result['queries']} | {result['status']} | {result['load']:.1f} |")
    return "\n".join(lines)


def write_readme(text):
    readme = ROOT / "bench" / "README.md"
    start, end = f"<!-- http-bench {SCALE}x start -->", f"<!-- http-bench {SCALE}x end -->"
    content = readme.read_text()
    block = f"{start}\n{text}\n{end}"
    if start in content:
        content = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, content, flags=re.S)
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(content)


def main():
    prepare_database()
    call_command("collectstatic", interactive=False, verbosity=0)
    thames = Force.objects.get(slug="thames-valley")
    users = {
        "inspector": bench_user("bench-inspector", Role.INSPECTOR, staff=True),
        "administrator": bench_user("bench-administrator", Role.ADMINISTRATOR, staff=True),
        "manager": bench_user("bench-manager", Role.MANAGER),
        "force staff": bench_user("bench-force-staff", Role.FORCE_STAFF, force=thames),
    }
    inspection = Inspection.objects.filter(force=thames, notes=MARKER).order_by("-published_on").first()
    case_id = inspection.cases.order_by("reference").values_list("pk", flat=True)[4]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audits_auditedcase")
        case_count = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM audits_auditedcrime")
        crime_count = cursor.fetchone()[0]
    # The case list's own last page: its page count comes from the planner's estimate above 10,000 cases.
    last_page = FromEitherEndPaginator(AuditedCase.objects.order_by("inspection_id", "reference"), 100).num_pages
    connection.close()

    log_file = tempfile.NamedTemporaryFile(prefix="cdi-bench-queries-", suffix=".log", delete=False)
    log_file.close()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind", f"{HOST}:{PORT}", "--workers", WORKERS,
         "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **SERVER_ENV, "CDI_QUERY_LOG": log_file.name})
    try:
        wait_for_server(server)
        browsers = {role: Browser(user.username) for role, user in users.items()}
        browsers["public"] = Browser()
        log = QueryLog(log_file.name)
        load_before = os.getloadavg()
        started = time.perf_counter()
        results = []
        print(HEADER + "\n" + RULE)
        for row in pages(inspection, thames, case_id):
            role, group, name, path = row
            path = path.replace("p=LAST", f"p={last_page}")
            row = (role, group, name, path)
            result = measure(browsers[role], log, path)
            if role != "public" and result["status"] != "200":  # not what the user sees: no figure
                sys.exit(f"{role}: {name} answered {result['status']}, not 200")
            results.append((row, result))
            print(table([(row, result)]).splitlines()[-1], flush=True)
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
        os.unlink(log_file.name)

    admin = [result for (_, group, _, _), result in results if group == "Admin"]
    misses = [row[2] for row, result in results if row[1] == "Admin"
              and (result["median"] >= TARGET_MEDIAN_MS or result["p95"] >= TARGET_P95_MS)]
    summary = (
        f"Measured {datetime.now(UTC):%d %B %Y %H:%M} UTC over HTTP: gunicorn ({WORKERS} sync workers, DEBUG off), "
        f"PostgreSQL database `{SERVER_ENV['DATABASE_URL'].rsplit('/', 1)[-1]}` at {SCALE}× "
        f"({case_count:,} audited cases, {crime_count:,} audited crimes), {REPEAT} requests a row after two "
        f"warm-up requests, one at a time; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
        f"({elapsed:.0f} s on {os.cpu_count()} cores shared with other work). Times are to the last byte of the "
        f"body; server CPU is the gunicorn worker's own CPU time for the request (what other load on the machine does not "
        f"inflate); queries counted by `core.query_log`, the same for every request of a row; load is the machine's 1-minute load average as the row ended. Admin rows: target median < "
        f"{TARGET_MEDIAN_MS} ms and p95 < {TARGET_P95_MS} ms; ✗ marks a miss"
        + (f" ({len(misses)} of {len(admin)}: {', '.join(misses)})." if misses else f" (none of {len(admin)}).")
    )
    text = summary + "\n\n" + table(results)
    print("\n" + summary)
    if "--no-write" not in sys.argv:
        write_readme(text)
        print("Written into bench/README.md")


if __name__ == "__main__":
    main()
