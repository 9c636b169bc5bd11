"""Indexes for the admin's audited case list at national scale (issue 13): its sort orders, its "recording
error" filter and, on PostgreSQL only, trigram indexes for its search (Django's ``icontains`` is
``UPPER(column::text) LIKE UPPER('%term%')``, which a btree index cannot serve). The trigram indexes are raw
SQL, not in the models' Meta: SQLite has neither pg_trgm nor GIN, and the migration skips them there."""

from django.conf import settings
from django.db import migrations, models

TRIGRAM_INDEXES = {
    "case_reference_trgm_idx": ("audits_auditedcase", "reference"),
    "crime_force_reference_trgm_idx": ("audits_auditedcrime", "force_crime_reference"),
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("audits", "0017_inspection_challenges_close_on"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditedcase",
            index=models.Index(fields=["reference", "-id"], name="case_reference_order_idx"),
        ),
        migrations.AddIndex(
            model_name="auditedcase",
            index=models.Index(fields=["reported_at", "-id"], name="case_reported_at_order_idx"),
        ),
        migrations.AddIndex(
            model_name="recordingerror",
            index=models.Index(fields=["kind", "crime"], name="error_kind_crime_idx"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
