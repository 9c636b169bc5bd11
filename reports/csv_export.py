"""CSV downloads that are safe to open in a spreadsheet."""

import csv

from django.http import StreamingHttpResponse

from audits.spreadsheets import spreadsheet_safe


class _Echo:
    def write(self, value):
        return value


def csv_response(filename, header, rows):
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # byte-order mark so spreadsheet programs read UTF-8
        yield writer.writerow([spreadsheet_safe(cell) for cell in header])
        for row in rows:
            yield writer.writerow([spreadsheet_safe(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
