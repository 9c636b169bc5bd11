"""Reading a report's downloads in tests: a CSV is one table (``report.csv?table=<key>``) and a ZIP holds a CSV
a table with a README of the report's lines (filters, labels) and the tables' titles."""

import csv
import io
import zipfile


def csv_rows(response):
    """The rows of a one-table CSV download (streamed or not), header first."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def table_rows(client, url, key, query=None):
    """The rows of the table ``key`` of the report at ``url`` (its ``.csv`` address), header first."""
    response = client.get(url, {**(query or {}), "table": key})
    assert response.status_code == 200, (key, response.content[:300])
    return csv_rows(response)


def zip_files(response):
    """Each file of a ZIP download, name: text."""
    assert response.status_code == 200 and response["Content-Type"] == "application/zip", response.status_code
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def zip_readme(response):
    return zip_files(response)["README.txt"]


def zip_rows(response):
    """Every row of every CSV in a ZIP download, file after file (the README left out)."""
    return [row for name, text in zip_files(response).items() if name.endswith(".csv")
            for row in csv.reader(io.StringIO(text, newline=""))]


def zip_text(response):
    """The README and every CSV of a ZIP download as one text, for a test that looks for a phrase anywhere."""
    return "\n".join(zip_files(response).values())


def zip_tables(response):
    """{title: (header, rows)} of a ZIP download, each title as its README names the file."""
    files = zip_files(response)
    titles = dict(line.split(": ", 1) for line in files["README.txt"].splitlines()
                  if line.split(": ", 1)[0].endswith(".csv") and line.split(": ", 1)[0] in files)
    tables = {}
    for name, title in titles.items():
        rows = list(csv.reader(io.StringIO(files[name], newline="")))
        tables[title] = (rows[0], rows[1:])
    return tables


def zip_lines(response):
    """A ZIP download read as the report's lines: the README's lines (the report's title, filters and labels,
    each a one-cell row) then every row of every CSV."""
    return [[line] for line in zip_readme(response).splitlines() if line] + zip_rows(response)
