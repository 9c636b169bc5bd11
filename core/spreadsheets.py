"""Reading uploaded spreadsheets (CSV, XLSX or ODS) into rows, UK dates and times in them, and the escaping
of cells that every CSV and XLSX writer applies (and the case import undoes)."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from openpyxl import load_workbook

DATE_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                "%d/%m/%Y"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why. ``missing`` lists the columns it lacks."""

    def __init__(self, message, missing=()):
        super().__init__(message)
        self.missing = list(missing)


def read_table(upload, filename, columns, extensions=(".csv", ".xlsx")):
    """The rows of a sheet as dicts of ``columns`` (header matched case-insensitively), without blank rows.
    A CSV must be UTF-8; of a workbook (.xlsx or .ods), the first sheet with all ``columns`` is read, or the
    first sheet when none has them. Only files ending in one of ``extensions`` are read. Raises
    SpreadsheetError naming what is wrong."""
    name = filename.lower()
    kind = next((extension for extension in extensions if name.endswith(extension)), None)
    if kind is None:
        raise SpreadsheetError(f"{filename}: expected a {' or '.join(extensions)} file.")
    if kind == ".csv":
        data = upload.read()
        try:
            text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise SpreadsheetError("The CSV file is not UTF-8 text: save it as “CSV UTF-8”.") from None
        rows = _first_sheet_with([csv.reader(io.StringIO(text))], columns)
    else:
        try:
            sheets = _xlsx_sheets(upload) if kind == ".xlsx" else _ods_sheets(upload, len(columns))
            rows = _first_sheet_with(sheets, columns)
        except Exception:  # openpyxl and odfpy raise many kinds for a file that is not a workbook
            raise SpreadsheetError(f"The file is not a readable {kind} workbook.") from None
    if not rows:
        raise SpreadsheetError("The file is empty.", missing=columns)
    header = [str(cell).strip().lower() for cell in rows[0]]
    missing = [column for column in columns if column.lower() not in header]
    if missing:
        raise SpreadsheetError(f"The file has no column {', '.join(missing)} (expected {', '.join(columns)}).",
                               missing=missing)
    if len(rows) == 1:
        raise SpreadsheetError("The file has a header but no rows.")
    at = {column: header.index(column.lower()) for column in columns}
    return [{column: row[at[column]] if at[column] < len(row) else "" for column in columns} for row in rows[1:]]


def _first_sheet_with(sheets, columns):
    """The non-blank rows of the first sheet whose header has all ``columns``, else of the first sheet."""
    first = None
    for sheet in sheets:
        rows = [row for row in sheet if any(str(cell).strip() for cell in row)]
        if rows and {column.lower() for column in columns} <= {str(cell).strip().lower() for cell in rows[0]}:
            return rows
        first = rows if first is None else first
    return first or []


def _xlsx_sheets(upload):
    workbook = load_workbook(upload, read_only=True, data_only=True)
    for sheet in workbook.worksheets:
        yield [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def _ods_sheets(upload, width):
    """Each table of an OpenDocument spreadsheet as rows of strings (a repeated cell at most ``width`` + 5
    times, so that a row of empty cells repeated to the sheet's edge stays short)."""
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    for table in load(upload).spreadsheet.getElementsByType(Table):
        rows = []
        for row in table.getElementsByType(TableRow):
            cells = []
            for cell in row.getElementsByType(TableCell):
                value = cell.getAttribute("value") or "".join(str(node) for node in cell.childNodes)
                repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
                cells.extend([value] * min(repeat, width + 5))
            rows.append(cells)
        yield rows


def parse_moment(value, formats=DATE_FORMATS):
    """A cell as an aware date and time (UK time), None when empty; ValueError when it is not one."""
    if isinstance(value, datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    for fmt in formats:
        try:
            return timezone.make_aware(datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ValueError(text)


def format_moment(moment, seconds=False):
    """An aware date and time as UK local time, dd/mm/yyyy hh:mm (hh:mm:ss with ``seconds``, as parse_moment
    reads back exactly); empty for None."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M") if moment else ""


def _is_escaped_form(text):
    """Text that a spreadsheet could read as a formula, behind any number of apostrophes: it gets one more
    on writing, so that reading back can take exactly one off."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def spreadsheet_safe(value):
    """A cell for any CSV or XLSX we write: stops it being read as a formula (CSV injection) by prefixing an
    apostrophe. Numbers are left as they are; None is empty."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    text = str(value)
    return "'" + text if _is_escaped_form(text) else text


def spreadsheet_unsafe(value):
    """A cell read back from a file we wrote: exactly the apostrophe spreadsheet_safe added taken off."""
    if isinstance(value, str) and value.startswith("'") and _is_escaped_form(value[1:]):
        return value[1:]
    return value
