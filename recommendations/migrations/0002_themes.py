from django.db import migrations

THEMES = ["Leadership and governance", "Crime recording processes", "Training and awareness", "Audit and supervision",
          "Rape and N100", "Cancelled crimes", "Vulnerable victims", "Domestic abuse", "Modern slavery",
          "Timeliness", "Victim service"]


def load_themes(apps, schema_editor):
    Theme = apps.get_model("recommendations", "Theme")
    for name in THEMES:
        Theme.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]
    operations = [migrations.RunPython(load_themes, migrations.RunPython.noop)]
