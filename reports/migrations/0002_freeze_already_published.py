"""Once froze inspections published before the result record existed, using the freezing code of its day.
That code now reads and writes columns added by later migrations, so it cannot run at this point of an
upgrade: reports.publication.freeze_unversioned_published does it after ``migrate`` instead (post_migrate).
Kept, doing nothing, so the migration history stays as deployed."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_result_record"),
        ("audits", "0008_inspection_reopen_reason"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
