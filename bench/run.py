"""Benchmark the report pages on PostgreSQL at a chosen dataset size.

    .venv/bin/python bench/run.py              # 1×: database cdi_bench
    .venv/bin/python bench/run.py --scale 10   # 10×: database cdi_bench_10x (or BENCH_SCALE=10)

DATABASE_URL, if set, names the database instead (`make bench` and `make bench-10x` set it).
Creates the schema and the national dataset on first run (bench/generate.py: 1,500 × scale cases per
inspection, every inspection published and its figures frozen), then requests each page REPEAT
times through Django's test client as a manager and reports median and 95th-percentile time, the fastest
request, the median CPU time of the Django process (robust to other load on the machine) and the
query count. Beside each page it times the raw SQL that page stands on, written by hand: for the
published pages (overview, force, inspection, overview CSV) reading their frozen result record; for
the cases CSV, which still lists every audited crime, the crimes themselves.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def _scale():
    if "--scale" in sys.argv:
        return int(sys.argv[sys.argv.index("--scale") + 1])
    return int(os.environ.get("BENCH_SCALE", "1"))


SCALE = _scale()
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cdi_bench"
                      + ("" if SCALE == 1 else f"_{SCALE}x"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from audits.models import Inspection  # noqa: E402
from bench.generate import MARKER, analyze, freeze_unfrozen, generate, generated_scale  # noqa: E402
from forces.models import Force  # noqa: E402

# What the published pages stand on now: the latest version of each inspection's result record with
# its computed, published and unrecorded rows (reports.selectors.figures_for), read by hand.
LATEST_VERSIONS = """
SELECT DISTINCT ON (inspection_id) id FROM reports_resultversion
WHERE inspection_id = ANY(%s) ORDER BY inspection_id, number DESC
"""
RECORD_SQL = [
    f"SELECT v.* FROM reports_resultversion v WHERE v.id IN ({LATEST_VERSIONS})",
    f"SELECT c.* FROM reports_frozencomputedresult c WHERE c.version_id IN ({LATEST_VERSIONS})",
    f"SELECT p.* FROM reports_frozenpublishedresult p WHERE p.version_id IN ({LATEST_VERSIONS})",
    f"SELECT u.* FROM reports_frozenunrecordedestimate u WHERE u.version_id IN ({LATEST_VERSIONS})",
]


def record_sql(inspection_ids):
    return [(sql, [inspection_ids]) for sql in RECORD_SQL]


CASES_CSV_SQL = """
SELECT c.reference, c.source, c.reported_at, ex.name, ro.name, cr.recorded_at, cr.cancellation_code,
       string_agg(e.kind, '; ')
FROM audits_auditedcrime cr JOIN audits_auditedcase c ON c.id = cr.case_id
JOIN audits_offencesubgroup ex ON ex.id = cr.expected_offence_id
LEFT JOIN audits_offencesubgroup ro ON ro.id = cr.recorded_offence_id
LEFT JOIN audits_recordingerror e ON e.crime_id = cr.id
WHERE c.inspection_id = %s GROUP BY c.reference, c.source, c.reported_at, ex.name, ro.name, cr.id
ORDER BY c.reference, cr.id
"""


def timed(action):
    """Median, 95th percentile and fastest wall-clock ms, median CPU ms of this process, query count."""
    samples, cpu, queries = [], [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            start, start_cpu = time.perf_counter(), time.process_time()
            action()
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        queries = len(captured)
    samples.sort()
    return (statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)], samples[0],
            statistics.median(cpu), queries)


def raw(sql_and_params):
    def run():
        with connection.cursor() as cursor:
            for sql, params in sql_and_params:
                cursor.execute(sql, params)
                cursor.fetchall()
    return run


def page(client, url):
    def run():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)
        else:
            response.content  # noqa: B018
    return run


def main():
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
        sys.exit(f"Database {connection.settings_dict['NAME']} holds the {found:g}× dataset, not {SCALE}×: "
                 "use another database (DATABASE_URL) or drop it.")
    elif frozen := freeze_unfrozen():  # a dataset generated before the published result record existed
        print(f"Froze the figures of {frozen} benchmark inspections")
        analyze()
    unfrozen = Inspection.objects.filter(notes=MARKER, result_versions__isnull=True).count()
    assert unfrozen == 0, f"{unfrozen} benchmark inspections have no published result record"
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    manager, _ = get_user_model().objects.get_or_create(username="bench-manager")
    manager.groups.set([Group.objects.get(name="Manager")])
    client = Client()
    client.force_login(manager)

    force = Force.objects.get(slug="thames-valley")
    inspection = Inspection.objects.filter(force=force, notes=MARKER).order_by("-published_on").first()
    latest_ids = [i.pk for i in Inspection.objects.filter(notes=MARKER).order_by(
        "force_id", "-published_on").distinct("force_id")]
    force_ids = list(Inspection.objects.filter(force=force).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audits_auditedcrime")
        crimes = cursor.fetchone()[0]
    print(f"Dataset {SCALE}×: {Inspection.objects.count()} inspections, {crimes:,} audited crimes; "
          f"{REPEAT} requests each\n")

    rows = [
        ("National overview", reverse("reports:overview"), record_sql(latest_ids)),
        ("Force page", reverse("reports:force", args=[force.slug]), record_sql(force_ids)),
        ("Inspection report", reverse("reports:inspection", args=[inspection.pk]), record_sql([inspection.pk])),
        ("National overview CSV", reverse("reports:overview_export", args=["csv"]), record_sql(latest_ids)),
        ("Inspection cases CSV", reverse("audits:inspection_cases_csv", args=[inspection.pk]),
         [(CASES_CSV_SQL, [inspection.pk])]),
    ]
    print("| page | median ms | p95 ms | fastest ms | CPU ms (median) | queries | raw SQL median ms | ratio (median) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, url, sql in rows:
        page(client, url)()  # warm caches
        median, p95, fastest, cpu, queries = timed(page(client, url))
        raw_median = timed(raw(sql))[0]
        print(f"| {name} | {median:.1f} | {p95:.1f} | {fastest:.1f} | {cpu:.1f} | {queries} | {raw_median:.1f} | "
              f"{median / raw_median:.1f}× |", flush=True)
    print(f"\nDEBUG={settings.DEBUG}; database {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    main()
