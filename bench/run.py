"""Benchmark the report pages on PostgreSQL against the raw SQL aggregate each one stands on.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdi_bench .venv/bin/python bench/run.py

Creates the schema and the national dataset on first run (bench/generate.py), then requests each
page REPEAT times through Django's test client as a manager and reports median and 95th-percentile
time, query count, and the same statistics for the equivalent raw SQL, with the ratio.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from audits.models import Inspection  # noqa: E402
from bench.generate import already_generated, generate  # noqa: E402
from forces.models import Force  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))

def _counts_sql():
    """The same counts the report computes (audited, recorded, timed, timely for each category and
    flag), written by hand in SQL: the floor the ORM query is measured against."""
    groups = {
        "all": ("TRUE", "TRUE"),
        "violence": ("ex.category = 'violence_against_the_person'", "ro.category = 'violence_against_the_person'"),
        "sexual": ("ex.category IN ('rape', 'other_sexual_offences')",
                   "ro.category IN ('rape', 'other_sexual_offences')"),
        "rape": ("ex.category = 'rape'", "ro.category = 'rape'"),
        "domestic_abuse": ("c.domestic_abuse", "TRUE"),
        "vulnerable_victim": ("c.vulnerable_victim", "TRUE"),
        "modern_slavery": ("c.modern_slavery", "TRUE"),
    }
    recorded = "cr.recorded_offence_id IS NOT NULL AND wc.id IS NULL"
    timed = "cr.recorded_offence_id IS NOT NULL AND cr.recorded_at IS NOT NULL"
    columns = []
    for name, (crimes, in_category) in groups.items():
        columns += [
            f"COUNT(*) FILTER (WHERE {crimes}) AS {name}_audited",
            f"COUNT(*) FILTER (WHERE {crimes} AND {recorded} AND {in_category}) AS {name}_recorded",
            f"COUNT(*) FILTER (WHERE {crimes} AND {timed}) AS {name}_timed",
            f"COUNT(*) FILTER (WHERE {crimes} AND {timed} AND cr.recorded_at <= c.reported_at + interval '24 hours')"
            f" AS {name}_timely",
        ]
    return (
        "SELECT c.inspection_id, " + ", ".join(columns) + """
FROM audits_auditedcrime cr
JOIN audits_auditedcase c ON c.id = cr.case_id
JOIN audits_offencesubgroup ex ON ex.id = cr.expected_offence_id
LEFT JOIN audits_offencesubgroup ro ON ro.id = cr.recorded_offence_id
LEFT JOIN audits_recordingerror wc ON wc.crime_id = cr.id AND wc.kind = 'wrongly_cancelled'
WHERE c.inspection_id = ANY(%s)
GROUP BY c.inspection_id"""
    )


CATEGORY_SQL = _counts_sql()
ERRORS_SQL = """
SELECT c.inspection_id, e.kind, COUNT(*) FILTER (WHERE ex.category = 'violence_against_the_person'),
       COUNT(*) FILTER (WHERE ex.category IN ('rape', 'other_sexual_offences')),
       COUNT(*) FILTER (WHERE ex.category = 'rape'), COUNT(*) FILTER (WHERE c.domestic_abuse),
       COUNT(*) FILTER (WHERE c.vulnerable_victim), COUNT(*) FILTER (WHERE c.modern_slavery), COUNT(*)
FROM audits_recordingerror e
JOIN audits_auditedcrime cr ON cr.id = e.crime_id
JOIN audits_auditedcase c ON c.id = cr.case_id
JOIN audits_offencesubgroup ex ON ex.id = cr.expected_offence_id
WHERE c.inspection_id = ANY(%s) GROUP BY c.inspection_id, e.kind
"""
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
    samples, queries = [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            action()
            samples.append((time.perf_counter() - start) * 1000)
        queries = len(captured)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)], queries


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
    if not already_generated():
        started = time.perf_counter()
        count = generate()
        print(f"Generated {count} inspections in {time.perf_counter() - started:.0f} s")
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    manager, _ = get_user_model().objects.get_or_create(username="bench-manager")
    manager.groups.set([Group.objects.get(name="Manager")])
    client = Client()
    client.force_login(manager)

    force = Force.objects.get(slug="thames-valley")
    inspection = Inspection.objects.filter(force=force, notes="benchmark dataset").order_by("-published_on").first()
    latest_ids = [i.pk for i in Inspection.objects.filter(notes="benchmark dataset").order_by(
        "force_id", "-published_on").distinct("force_id")]
    force_ids = list(Inspection.objects.filter(force=force).values_list("pk", flat=True))
    crimes = connection.cursor()
    crimes.execute("SELECT COUNT(*) FROM audits_auditedcrime")
    print(f"Dataset: {Inspection.objects.count()} inspections, {crimes.fetchone()[0]} audited crimes; "
          f"{REPEAT} requests each\n")

    rows = [
        ("National overview", reverse("reports:overview"), [(CATEGORY_SQL, [latest_ids]), (ERRORS_SQL, [latest_ids])]),
        ("Force page", reverse("reports:force", args=[force.slug]),
         [(CATEGORY_SQL, [force_ids]), (ERRORS_SQL, [force_ids])]),
        ("Inspection report", reverse("reports:inspection", args=[inspection.pk]),
         [(CATEGORY_SQL, [[inspection.pk]]), (ERRORS_SQL, [[inspection.pk]])]),
        ("National overview CSV", reverse("reports:overview_export", args=["csv"]),
         [(CATEGORY_SQL, [latest_ids]), (ERRORS_SQL, [latest_ids])]),
        ("Inspection cases CSV", reverse("audits:inspection_cases_csv", args=[inspection.pk]),
         [(CASES_CSV_SQL, [inspection.pk])]),
    ]
    header = "| page | median ms | p95 ms | queries | raw SQL median ms | raw p95 ms | ratio (median) |"
    print(header)
    print("|---|---|---|---|---|---|---|")
    for name, url, sql in rows:
        page(client, url)()  # warm caches
        median, p95, queries = timed(page(client, url))
        raw_median, raw_p95, _ = timed(raw(sql))
        print(f"| {name} | {median:.0f} | {p95:.0f} | {queries} | {raw_median:.0f} | {raw_p95:.0f} | "
              f"{median / raw_median:.1f}× |")
    print(f"\nDEBUG={settings.DEBUG}; database {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    main()
