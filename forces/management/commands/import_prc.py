from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forces.prc import PrcImportError, import_prc


class Command(BaseCommand):
    help = "Import the Home Office police recorded crime open data table (CSV or ODS) as 12-month volumes."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", help="Where the file comes from (stored with each volume).")

    def handle(self, file, source=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            with path.open("rb") as upload:
                result = import_prc(upload, path.name, source)
        except PrcImportError as error:
            raise CommandError("Nothing was imported:\n  " + "\n  ".join(error.problems)) from None
        self.stdout.write(self.style.SUCCESS(
            f"{result.rows_read} rows read, {result.rows_dropped} fraud or non-force rows dropped, "
            f"{result.volumes_written} 12-month volumes stored."))
