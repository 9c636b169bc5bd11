"""Downloads of report tables: CSV (one table a file), a ZIP of CSVs, XLSX (a sheet a table;
reports.export_tables) and PDF (reports.pdf: the same tables and charts as the pages, rendered without any
network access)."""

from django.shortcuts import redirect

from reports import export_tables, pdf

FORMATS = ("csv", "zip", "xlsx", "pdf")


def old_csv_link(request, fmt):
    """``report.csv`` without ``?table=`` once stacked every table of a report, titled, in one file, which no
    spreadsheet or script reads cleanly; that file is gone. A report of several tables now sends such a link
    (an old bookmark, a script, a saved page) to its ZIP, a clean CSV a table with a README of their titles:
    whoever followed it still gets every table the link gave them, each readable, where answering only the
    first table would quietly drop the rest. Called after the scoping check and before the access is recorded,
    so the ZIP's request is the one recorded export. None when the request names a table or is not a CSV."""
    if fmt != "csv" or "table" in request.GET:
        return None
    query = request.GET.urlencode()
    return redirect(request.path[:-len("csv")] + "zip" + (f"?{query}" if query else ""))


def export(fmt, tables, filename, *, pdf_context=None, preamble=(), table=None):
    """``report.csv?table=<key>`` is one table (a report of one table, the national overview, is that table
    without ``?table=``; a report of several sends ``report.csv`` to its ZIP: ``old_csv_link``);
    ``report.zip`` a CSV a table; ``report.xlsx`` a sheet a table; ``report.pdf`` the report."""
    if fmt == "csv":
        if table is None and len(tables) == 1:
            table = tables[0].key
        return export_tables.csv_export(tables, filename, preamble, table or "")
    if fmt == "zip":
        return export_tables.tables_zip(tables, filename, preamble)
    if fmt == "xlsx":
        return export_tables.tables_xlsx(tables, filename, preamble)
    return pdf.response("reports/pdf/report.html", {**(pdf_context or {}), "tables": tables}, filename)
