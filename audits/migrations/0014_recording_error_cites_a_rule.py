"""Every recording error cites a rule (0010 gave each stored error its usual one).

SQLite rebuilds audits_recordingerror to make the column NOT NULL: the triggers of 0003 on that table go with
it, and the one on audits_auditedcrime, which reads it, stops the rebuilt table being renamed into place. So on
SQLite all three are dropped first and created again after. PostgreSQL alters the column in place and keeps them.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

TRIGGERS = importlib.import_module("audits.migrations.0003_error_kind_triggers")


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in TRIGGERS.SQLITE_BACKWARD:
            schema_editor.execute(statement)


def create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        drop_sqlite_triggers(apps, schema_editor)
        for statement in TRIGGERS.SQLITE_FORWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audits", "0013_counting_rules_starter_list")]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.AlterField(
            model_name="recordingerror",
            name="rule",
            field=models.ForeignKey(
                help_text="The NCRS or HOCR provision the error breaks; the usual one for its kind unless another "
                          "is chosen.",
                on_delete=django.db.models.deletion.PROTECT, related_name="errors", to="audits.countingrule"),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
