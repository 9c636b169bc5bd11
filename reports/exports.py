"""Downloads of report tables: CSV (all tables, one after another), XLSX (a sheet a table) and PDF
(the same table templates as the pages, rendered without any network access)."""

import csv
import io

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font
from xhtml2pdf import pisa

from core.downloads import XLSX_CONTENT_TYPE, attachment
from core.spreadsheets import spreadsheet_safe

FORMATS = ("csv", "xlsx", "pdf")


def tables_csv(tables, filename, preamble=()):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in preamble:
        writer.writerow([spreadsheet_safe(line)])
    for table in tables:
        writer.writerow([spreadsheet_safe(table.title)])
        writer.writerow([spreadsheet_safe(h) for h in table.header])
        writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in table.rows])
        if table.note:
            writer.writerow([spreadsheet_safe(table.note)])
        writer.writerow([])
    return attachment("\ufeff" + buffer.getvalue(), "text/csv; charset=utf-8", f"{filename}.csv")


def tables_xlsx(tables, filename, preamble=()):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31].replace("/", "-"))
        for line in preamble:
            sheet.append([spreadsheet_safe(line)])
        sheet.append([spreadsheet_safe(h) for h in table.header])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([spreadsheet_safe(cell) for cell in row])
        if table.note:
            sheet.append([])
            sheet.append([spreadsheet_safe(table.note)])
    if not workbook.sheetnames:
        workbook.create_sheet("Empty").append(["No figures for this selection."])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return attachment(
        buffer.getvalue(), XLSX_CONTENT_TYPE, f"{filename}.xlsx"
    )


def _no_network(uri, rel):
    """xhtml2pdf asks here for every linked resource: nothing is fetched, least of all from the internet."""
    return ""


def tables_pdf(template, context, filename):
    html = render_to_string(template, context)
    buffer = io.BytesIO()
    result = pisa.CreatePDF(html, dest=buffer, link_callback=_no_network, encoding="utf-8")
    if result.err:
        raise RuntimeError(f"PDF rendering failed for {filename}")
    return attachment(buffer.getvalue(), "application/pdf", f"{filename}.pdf")


def export(fmt, tables, filename, *, pdf_template=None, pdf_context=None, preamble=()):
    if fmt == "csv":
        return tables_csv(tables, filename, preamble)
    if fmt == "xlsx":
        return tables_xlsx(tables, filename, preamble)
    return tables_pdf(pdf_template, {**(pdf_context or {}), "tables": tables, "preamble": preamble}, filename)
