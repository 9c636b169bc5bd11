"""Reading uploaded spreadsheets (CSV, XLSX or ODS) into rows, UK dates and times in them, and the escaping
of cells that every CSV and XLSX writer applies (and the case import undoes)."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

# Reading is bounded against hostile files in one module; its names are imported from here as they always were.
from core.table_reader import SpreadsheetError as SpreadsheetError
from core.table_reader import read_table as read_table

DATE_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                "%d/%m/%Y"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
