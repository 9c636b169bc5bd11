"""Downloads of report tables: CSV (all tables, one after another), XLSX (a sheet a table) and PDF
(the same table templates as the pages, rendered without any network access)."""

import io

from django.template.loader import render_to_string
from xhtml2pdf import pisa

from core.downloads import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, SafeWorkbook, attachment, csv_text

FORMATS = ("csv", "xlsx", "pdf")


def tables_csv(tables, filename, preamble=()):
    def rows():
        for line in preamble:
            yield [line]
        for table in tables:
            yield [table.title]
            yield table.header
            yield from table.rows
            if table.note:
                yield [table.note]
            yield []
    return attachment(csv_text(rows()), CSV_CONTENT_TYPE, f"{filename}.csv")


def tables_xlsx(tables, filename, preamble=()):
    workbook = SafeWorkbook()
    for table in tables:
        sheet = workbook.sheet(table.title)
        sheet.extend([line] for line in preamble)
        sheet.append(table.header, bold=True)
        sheet.extend(table.rows)
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    if workbook.empty:
        workbook.sheet("Empty").append(["No figures for this selection."])
    return attachment(workbook.content(), XLSX_CONTENT_TYPE, f"{filename}.xlsx")


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
