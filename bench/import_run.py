"""Time a 20,000-row import of audited crimes (dry run, then the confirmed import) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdi_bench .venv/bin/python bench/import_run.py
"""

import io
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

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


if __name__ == "__main__":
    main()
