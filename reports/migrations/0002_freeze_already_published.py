"""Inspections published before the result record existed get their figures frozen as version 1, so they
stay published (and never show as provisional) after upgrading. Uses the freezing code as it is at this
release: on a new database there is nothing to freeze."""

from django.db import migrations


def freeze_published(apps, schema_editor):
    from audits.models import Inspection
    from reports.publication import freeze_results

    for inspection in Inspection.objects.filter(status="published", result_versions__isnull=True):
        freeze_results(inspection)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_result_record"),
        ("audits", "0008_inspection_reopen_reason"),
    ]

    operations = [migrations.RunPython(freeze_published, migrations.RunPython.noop)]
