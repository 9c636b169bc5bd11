"""Existing inspections get their grading scheme and year from what is stored (their grade stays the overall
grade). The rules are copied here as they are at this release (audits/grading.py), so that later changes to
them do not change what this migration did.

- Scheme: the one in force when the report was published (else at fieldwork, else at the end of the audit
  period): CDI 2016 before January 2017, CDI 2017 until March 2021, PEEL 2021/22 from April 2021. An
  inspection with no date keeps PEEL 2021/22, and one already graded "adequate" does too, since that is the
  only scheme with that grade.
- Year: the trailing year of the report's address (HMICFRS names reports ``…-inspection-2017/``), else the
  year the audit period ends, else the year of fieldwork, else the year it was published (what its title
  showed until now).
"""

import re
from datetime import date

from django.db import migrations

CDI_2017_FROM = date(2017, 1, 1)
PEEL_2021_FROM = date(2021, 4, 1)
SLUG_YEAR = re.compile(r"-((?:19|20)\d\d)/?$")
GRADE_FIELDS = ("grade", "effectiveness_grade", "systems_grade", "leadership_grade")


def scheme_of(inspection):
    if any(getattr(inspection, field) == "adequate" for field in GRADE_FIELDS):
        return "peel_2021"
    day = (inspection.published_on or inspection.fieldwork_start or inspection.fieldwork_end
           or inspection.audit_period_end)
    if day is None or day >= PEEL_2021_FROM:
        return "peel_2021"
    return "cdi_2017" if day >= CDI_2017_FROM else "cdi_2016"


def year_of(inspection):
    found = SLUG_YEAR.search((inspection.report_reference or "").strip())
    if found:
        return int(found.group(1))
    day = (inspection.audit_period_end or inspection.fieldwork_start or inspection.fieldwork_end
           or inspection.published_on)
    return day.year if day else None


def fill(apps, schema_editor):
    Inspection = apps.get_model("audits", "Inspection")
    for inspection in Inspection.objects.all():
        Inspection.objects.filter(pk=inspection.pk).update(
            grading_scheme=scheme_of(inspection),
            year=inspection.year if inspection.year is not None else year_of(inspection))


class Migration(migrations.Migration):
    dependencies = [("audits", "0009_inspection_grades_and_year")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
