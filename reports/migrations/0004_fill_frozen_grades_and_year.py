"""Versions frozen before grades were part of the record get them: each version's year and scheme are its
inspection's (both new, so nothing older exists), and its grades are the inspection's as they stood when the
version was frozen, read from the inspection's history (its current grades where the history has nothing
that old). Grades were frozen while published, so this is what each version published."""

from django.db import migrations

QUESTIONS = (("overall", "grade"), ("effectiveness", "effectiveness_grade"), ("systems", "systems_grade"),
             ("leadership", "leadership_grade"))


def fill(apps, schema_editor):
    ResultVersion = apps.get_model("reports", "ResultVersion")
    FrozenGrade = apps.get_model("reports", "FrozenGrade")
    HistoricalInspection = apps.get_model("audits", "HistoricalInspection")
    for version in ResultVersion.objects.select_related("inspection").filter(grades__isnull=True):
        inspection = version.inspection
        ResultVersion.objects.filter(pk=version.pk).update(year=inspection.year,
                                                           grading_scheme=inspection.grading_scheme)
        as_then = (HistoricalInspection.objects.filter(id=inspection.pk, history_date__lte=version.frozen_at)
                   .order_by("-history_date", "-history_id").first()) or inspection
        FrozenGrade.objects.bulk_create([
            FrozenGrade(version_id=version.pk, question=question, grade=getattr(as_then, field, ""))
            for question, field in QUESTIONS if getattr(as_then, field, "")
        ])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_frozen_grades_and_year"),
        ("audits", "0010_fill_inspection_scheme_and_year"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
