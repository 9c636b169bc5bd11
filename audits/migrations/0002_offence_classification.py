import csv
from pathlib import Path

from django.db import migrations

SUBGROUPS_CSV = Path(__file__).resolve().parent.parent / "data" / "offence_subgroups.csv"


def load_offences(apps, schema_editor):
    OffenceGroup = apps.get_model("audits", "OffenceGroup")
    OffenceSubgroup = apps.get_model("audits", "OffenceSubgroup")
    with SUBGROUPS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            group, _ = OffenceGroup.objects.get_or_create(name=row["group"])
            OffenceSubgroup.objects.update_or_create(
                name=row["subgroup"], defaults={"group": group, "category": row["category"]}
            )


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]
    operations = [migrations.RunPython(load_offences, migrations.RunPython.noop)]
