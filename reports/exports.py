"""Downloads of report tables: CSV (all tables, one after another), XLSX (a sheet a table) and PDF
(reports.pdf: the same tables and charts as the pages, rendered without any network access)."""

from core.downloads import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, SafeWorkbook, attachment, csv_text
from reports import pdf

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


def export(fmt, tables, filename, *, pdf_context=None, preamble=()):
    if fmt == "csv":
        return tables_csv(tables, filename, preamble)
    if fmt == "xlsx":
        return tables_xlsx(tables, filename, preamble)
    return pdf.response("reports/pdf/report.html", {**(pdf_context or {}), "tables": tables}, filename)
