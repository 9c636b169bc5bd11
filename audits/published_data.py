"""Headline figures published in real inspection reports (audits/data/published_cdi_results.csv),
loaded as published inspections with their PublishedResult rows. Idempotent."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from audits.categories import ReportCategory
from audits.models import Inspection, PublishedResult
from forces.models import Force

PUBLISHED_CSV = Path(__file__).resolve().parent / "data" / "published_cdi_results.csv"


def _decimal(value):
    return Decimal(value) if value else None


def _int(value):
    return int(value) if value else None


def _date(value):
    return date.fromisoformat(value) if value else None


def _month(value):
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def _results(row):
    return {
        ReportCategory.ALL_CRIME: {
            "rate": _decimal(row["all_crime_rate"]),
            "interval": _decimal(row["all_crime_ci"]),
            "unrecorded_per_year": _int(row["unrecorded_per_year"]),
            "additional_recorded_per_year": _int(row["additional_recorded_per_year"]),
        },
        ReportCategory.VIOLENCE: {"rate": _decimal(row["violence_rate"]), "interval": _decimal(row["violence_ci"])},
        ReportCategory.SEXUAL: {"rate": _decimal(row["sexual_rate"])},
        ReportCategory.RAPE: {"recorded": _int(row["rape_recorded"]), "audited": _int(row["rape_audited"])},
    }


@transaction.atomic
def load_published_results(path=PUBLISHED_CSV):
    forces = {force.slug: force for force in Force.objects.all()}
    inspections = []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: (row["force"], row["published"]))
    for row in rows:
        force = forces[row["force"]]
        inspection, _ = Inspection.objects.update_or_create(
            force=force,
            kind=row["kind"],
            published_on=_month(row["published"]),
            defaults={
                "audit_period_start": _date(row["audit_period_start"]),
                "audit_period_end": _date(row["audit_period_end"]),
                "grade": row["grade"],
                "status": Inspection.Status.PUBLISHED,
                "report_reference": row["source"],
                "notes": row["note"],
                "previous_inspection": (
                    Inspection.objects.filter(force=force, published_on__lt=_month(row["published"]))
                    .order_by("-published_on")
                    .first()
                ),
            },
        )
        for category, figures in _results(row).items():
            figures = {name: value for name, value in figures.items() if value is not None}
            if figures:
                PublishedResult.objects.update_or_create(inspection=inspection, category=category, defaults=figures)
        inspections.append(inspection)
    return inspections
