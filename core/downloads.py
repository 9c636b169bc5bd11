"""Downloads: files sent as attachments, and the one writer of every CSV and XLSX the app produces.

Every cell of every spreadsheet passes through ``spreadsheet_safe`` here (text that a spreadsheet could read
as a formula gets an apostrophe before it), so no export can carry a live formula however its rows were
made. No other module writes CSV or XLSX (tests/test_spreadsheet_escaping.py checks the source)."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from core.spreadsheets import spreadsheet_safe

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # byte-order mark so spreadsheet programs read UTF-8

Row = Sequence[Any]


def attachment(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def safe_row(row: Row) -> list[str]:
    return [spreadsheet_safe(cell) for cell in row]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Row]) -> Iterator[str]:
    """Each row as one escaped CSV line, the first preceded by the byte-order mark."""
    writer = csv.writer(_Echo())
    yield BOM
    for row in rows:
        yield writer.writerow(safe_row(row))


def csv_text(rows: Iterable[Row]) -> str:
    return "".join(csv_lines(rows))


def csv_response(filename: str, header: Row, rows: Iterable[Row]) -> StreamingHttpResponse:
    def everything() -> Iterator[Row]:
        yield header
        yield from rows

    response = StreamingHttpResponse(csv_lines(everything()), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SafeSheet:
    """One worksheet of a SafeWorkbook: rows appended are escaped."""

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet

    def append(self, row: Row, *, bold: bool = False) -> None:
        self._sheet.append(safe_row(row))
        if bold:
            for cell in self._sheet[self._sheet.max_row]:
                cell.font = Font(bold=True)

    def extend(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.append(row)

    def all_text(self) -> None:
        """Every cell so far formatted as text, so that spreadsheet programs do not reinterpret references or
        dates."""
        for column in self._sheet.columns:
            for cell in column:
                cell.number_format = "@"


class SafeWorkbook:
    """An XLSX workbook whose sheets escape every cell; ``content()`` is the file."""

    def __init__(self) -> None:
        self._workbook = Workbook()
        self._workbook.remove(self._workbook.active)

    def sheet(self, title: str) -> SafeSheet:
        return SafeSheet(self._workbook.create_sheet(title[:31].replace("/", "-")))

    @property
    def empty(self) -> bool:
        return not self._workbook.sheetnames

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self._workbook.save(buffer)
        return buffer.getvalue()
