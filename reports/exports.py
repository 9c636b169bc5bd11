"""Downloads of report tables: CSV (one table, or all one after another), a ZIP of CSVs, XLSX (a sheet a
table; reports.export_tables) and PDF
(reports.pdf: the same tables and charts as the pages, rendered without any network access)."""

from core.downloads import CSV_CONTENT_TYPE, attachment, csv_text
from reports import export_tables, pdf

FORMATS = ("csv", "zip", "xlsx", "pdf")


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


def export(fmt, tables, filename, *, pdf_context=None, preamble=(), table=None):
    """``report.csv?table=<key>`` is one table; ``report.csv`` alone, every table one after another (the
    older download, kept for links and scripts that read it); ``report.zip`` a CSV a table."""
    if fmt == "csv":
        if table is not None:
            return export_tables.csv_export(tables, filename, preamble, table)
        return tables_csv(tables, filename, preamble)
    if fmt == "zip":
        return export_tables.tables_zip(tables, filename, preamble)
    if fmt == "xlsx":
        return export_tables.tables_xlsx(tables, filename, preamble)
    return pdf.response("reports/pdf/report.html", {**(pdf_context or {}), "tables": tables}, filename)
