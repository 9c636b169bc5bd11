"""Report tables as files people can use: one table to a CSV file (its header the first row, nothing stacked
above or below), all of a report's tables as a ZIP of such CSVs with a README of their titles and notes, and
XLSX sheets named in a few whole words (at most 31 characters, Excel's limit). Every CSV and XLSX is written by
core/downloads.py."""

import io
import re
import zipfile

from django.http import HttpResponseBadRequest

from core.downloads import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, SafeWorkbook, attachment, csv_text
from reports.tables import PROVISIONAL_LINE, SYNTHETIC_LINE

ZIP_CONTENT_TYPE = "application/zip"
SHEET_LIMIT = 31

# A short title for each table's sheet (and file name), in words a reader would use.
SHEET_TITLES = {
    "overview": "Latest rate per force",
    "grades": "Grades",
    "scope": "Scope",
    "categories": "Recording rates",
    "weighted": "Weighted estimate",
    "errors": "Errors by kind",
    "rules": "Errors by rule",
    "flags": "Victim flags",
    "computed_vs_published": "Computed and published",
    "by_source": "Results by source",
    "additional": "Additionally recorded",
    "unrecorded": "Unrecorded estimate",
    "records": "Records audited",
    "case_results": "N100 and equality",
    "safeguarding": "Safeguarding",
    "cancellations": "Cancellation review",
    "incorrect_cancellations": "Incorrect cancellations",
    "trend": "Rates across inspections",
    "changes": "Changes",
}


def short_title(text, limit=SHEET_LIMIT):
    """``text`` cut to at most ``limit`` characters at a word boundary, never mid-word."""
    text = " ".join(text.replace("/", "-").split())
    if len(text) <= limit:
        return text
    head = text[:limit + 1]
    if " " not in head:  # one word longer than the limit: nothing to do but cut it
        return text[:limit]
    cut = head.rsplit(" ", 1)[0]
    if cut.count("(") > cut.count(")"):  # never leave a bracket open: drop the unfinished aside
        cut = cut[:cut.rindex("(")]
    return cut.rstrip(" ,;:—-")


def sheet_title(table):
    return short_title(SHEET_TITLES.get(table.key) or table.title)


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _label_suffix(preamble):
    """The file names of provisional or synthetic figures say so, as the files' own rows cannot."""
    return "".join(suffix for line, suffix in ((PROVISIONAL_LINE, "-PROVISIONAL"), (SYNTHETIC_LINE, "-SYNTHETIC"))
                   if line in preamble)


def table_rows(table):
    yield table.header
    yield from table.rows


def table_csv(table, filename, preamble=()):
    return attachment(csv_text(table_rows(table)), CSV_CONTENT_TYPE,
                      f"{filename}-{_slug(sheet_title(table))}{_label_suffix(preamble)}.csv")


def unknown_table(key, tables):
    return HttpResponseBadRequest(
        f"This report has no table “{key}”. Its tables are: "
        + ", ".join(f"{table.key} ({table.title})" for table in tables) + ".",
        content_type="text/plain; charset=utf-8")


def csv_export(tables, filename, preamble, key):
    """The CSV of the table ``key``."""
    chosen = [table for table in tables if table.key == key]
    if not chosen:
        return unknown_table(key, tables)
    return table_csv(chosen[0], filename, preamble)


def file_names(tables):
    return [f"{number:02d}-{_slug(sheet_title(table))}.csv" for number, table in enumerate(tables, start=1)]


def readme(tables, preamble):
    lines = [*preamble, "", "One table to a file; each file's first row is its header.", ""]
    for name, table in zip(file_names(tables), tables):
        lines += [f"{name}: {table.title}", *([f"  {table.note}"] if table.note else []), ""]
    return "\n".join(lines)


def tables_zip(tables, filename, preamble=()):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(tables, preamble))
        for name, table in zip(file_names(tables), tables):
            archive.writestr(name, csv_text(table_rows(table)))
    return attachment(buffer.getvalue(), ZIP_CONTENT_TYPE, f"{filename}{_label_suffix(preamble)}.zip")


def tables_xlsx(tables, filename, preamble=()):
    workbook = SafeWorkbook()
    used = set()
    for table in tables:
        title = sheet_title(table)
        number = 2
        while title.lower() in used:  # two tables of one kind: "Grades", "Grades 2"
            title = f"{short_title(sheet_title(table), SHEET_LIMIT - 2 - len(str(number)))} {number}"
            number += 1
        used.add(title.lower())
        sheet = workbook.sheet(title)
        sheet.extend([line] for line in preamble)
        sheet.append(table.header, bold=True)
        sheet.extend(table.rows)
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    if workbook.empty:
        workbook.sheet("Empty").append(["No figures for this selection."])
    return attachment(workbook.content(), XLSX_CONTENT_TYPE, f"{filename}.xlsx")
