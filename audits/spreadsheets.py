"""Reading uploaded spreadsheets (CSV or XLSX) into rows, and UK dates and times in them."""

import csv
import io
from datetime import datetime

from django.utils import timezone
from openpyxl import load_workbook

DATE_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                "%d/%m/%Y"]


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why."""


def read_table(upload, filename, columns):
    """The rows of the first sheet as dicts of ``columns`` (header matched case-insensitively), without
    blank rows. Raises SpreadsheetError naming what is wrong."""
    name = filename.lower()
    if name.endswith(".csv"):
        data = upload.read()
        try:
            text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise SpreadsheetError("The CSV file is not UTF-8 text: save it as “CSV UTF-8”.") from None
        rows = list(csv.reader(io.StringIO(text)))
    elif name.endswith(".xlsx"):
        try:
            sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            raise SpreadsheetError("The file is not a readable .xlsx workbook.") from None
        rows = [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    else:
        raise SpreadsheetError("Choose a .csv or .xlsx file.")
    rows = [row for row in rows if any(str(cell).strip() for cell in row)]
    if not rows:
        raise SpreadsheetError("The file is empty.")
    header = [str(cell).strip().lower() for cell in rows[0]]
    missing = [column for column in columns if column not in header]
    if missing:
        raise SpreadsheetError(f"The file has no column {', '.join(missing)} (expected {', '.join(columns)}).")
    if len(rows) == 1:
        raise SpreadsheetError("The file has a header but no rows.")
    at = {column: header.index(column) for column in columns}
    return [{column: row[at[column]] if at[column] < len(row) else "" for column in columns} for row in rows[1:]]


def parse_moment(value):
    """A cell as an aware date and time (UK time), None when empty; ValueError when it is not one."""
    if isinstance(value, datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ValueError(text)


def format_moment(moment):
    """An aware date and time as UK local time, dd/mm/yyyy hh:mm; empty for None."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""
