"""Headline figures published in real inspection reports (audits/data/published_cdi_results.csv),
loaded as published inspections with their PublishedResult rows, and the results by source or flag the
same reports give as "x of y" (audits/data/published_cdi_results_by_source.csv, one row a figure, each with
the report's wording and its source). Idempotent: an inspection already loaded is left as it is, since its
published figures are frozen."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from audits.grading import grade_problem, scheme_for, year_in_report_address
from audits.models import Inspection, PublishedResult
from audits.signals import published_figures_loaded
from core.categories import ReportCategory, SourceResult
from forces.models import Force

PUBLISHED_CSV = Path(__file__).resolve().parent.parent / "data" / "published_cdi_results.csv"
BY_SOURCE_CSV = PUBLISHED_CSV.with_name("published_cdi_results_by_source.csv")


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


def _inspection_key(row):
    return row["force"], row["kind"], row["published"]


def _by_source_results(path, inspection_keys):
    """The by-source file's PublishedResult fields per inspection (force, kind, published month). Every row
    must name an inspection of the headline file and a result by source or flag."""
    results = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if _inspection_key(row) not in inspection_keys:
                raise ValueError(f"{path.name} line {line}: no inspection {', '.join(_inspection_key(row))} in "
                                 "the headline figures.")
            if row["result"] not in SourceResult.values:
                raise ValueError(f"{path.name} line {line}: “{row['result']}” is not a result by source or flag.")
            results.setdefault(_inspection_key(row), {})[row["result"]] = {
                "recorded": _int(row["recorded"]), "audited": _int(row["audited"]), "rate": _decimal(row["rate"]),
                "described_as": row["described_as"],
            }
    return results


@transaction.atomic
def load_published_results(path=PUBLISHED_CSV, *, freeze=True, by_source_path=BY_SOURCE_CSV):
    """Load the file's inspections; with ``freeze`` their figures are frozen at once (the demo adds
    synthetic samples first, then calls ``freeze_loaded``)."""
    forces = {force.slug: force for force in Force.objects.all()}
    inspections = []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: (row["force"], row["published"]))
    by_source = _by_source_results(by_source_path, {_inspection_key(row) for row in rows}) if by_source_path else {}
    for row in rows:
        force = forces[row["force"]]
        published_on = _month(row["published"])
        scheme = scheme_for(published_on=published_on)
        if problem := grade_problem(scheme, row["grade"]):
            raise ValueError(f"{path}: {row['force']} published {row['published']}: {problem}")
        inspection, created = Inspection.objects.get_or_create(
            force=force,
            kind=row["kind"],
            published_on=published_on,
            defaults={
                "audit_period_start": _date(row["audit_period_start"]),
                "audit_period_end": _date(row["audit_period_end"]),
                # The file's grade is the overall grade, under the scheme in force when the report came out.
                "grade": row["grade"],
                "grading_scheme": scheme,
                # Titled as HMICFRS titled the report: the year its address ends with, else the publication year
                # (a news item about a re-inspection has no year in its address).
                "year": year_in_report_address(row["source"]) or published_on.year,
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
        if created:
            PublishedResult.objects.bulk_create([
                PublishedResult(inspection=inspection, category=category, **known)
                for category, figures in [*_results(row).items(), *by_source.get(_inspection_key(row), {}).items()]
                if (known := {name: value for name, value in figures.items() if value not in (None, "")})
            ])
        inspections.append(inspection)
    if freeze:
        freeze_loaded(inspections)
    return inspections


def freeze_loaded(inspections):
    """Freeze each loaded inspection's figures as its first published version, if it has none yet."""
    for inspection in inspections:
        published_figures_loaded.send(sender=Inspection, inspection=inspection)
