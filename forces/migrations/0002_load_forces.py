import csv
from pathlib import Path

from django.db import migrations

FORCES_CSV = Path(__file__).resolve().parent.parent / "data" / "forces.csv"


def load_forces(apps, schema_editor):
    Force = apps.get_model("forces", "Force")
    with FORCES_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Force.objects.update_or_create(
                slug=row["slug"], defaults={"name": row["name"], "region": row["region"], "country": row["country"]}
            )


class Migration(migrations.Migration):
    dependencies = [("forces", "0001_initial")]
    operations = [migrations.RunPython(load_forces, migrations.RunPython.noop)]
