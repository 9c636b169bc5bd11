"""The bounded reader on its own: ordinary workbooks read as before (dates, numbers, shared strings, the sheet
with the columns), and each limit, set small here, is answered by a message naming it."""

import io
import sys
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.table_reader import Limits, SpreadsheetError, read_table

sys.path.insert(0, str(Path(__file__).parent / "data" / "hostile"))
COLUMNS = ["reference", "occurred_at", "stratum"]


def xlsx(sheets: dict[str, list[list]]) -> io.BytesIO:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_an_ordinary_workbook_reads_dates_numbers_and_text_from_the_sheet_with_the_columns():
    upload = xlsx({"Notes": [["anything"], ["else"]],
                   "Frame": [["Stratum", "Reference", "Occurred_At"], ["cad", "R-1", datetime(2024, 3, 1, 9, 5)],
                             [None, None, None], ["cad", 42, "02/03/2024 10:00"], ["cad", True, 3.5]]})
    rows = read_table(upload, "frame.xlsx", COLUMNS)
    assert rows == [{"reference": "R-1", "occurred_at": datetime(2024, 3, 1, 9, 5), "stratum": "cad"},
                    {"reference": 42, "occurred_at": "02/03/2024 10:00", "stratum": "cad"},
                    {"reference": True, "occurred_at": 3.5, "stratum": "cad"}]


def test_a_csv_with_a_byte_order_mark_and_quoted_newlines_reads():
    data = "\ufeffreference,occurred_at,stratum\r\n\"R-1\nmore\",01/03/2024 09:00,cad\r\n".encode()
    assert read_table(io.BytesIO(data), "f.csv", COLUMNS) == [
        {"reference": "R-1\nmore", "occurred_at": "01/03/2024 09:00", "stratum": "cad"}]


def shared_strings(count: int) -> io.BytesIO:
    from generate import MAIN, _inline, sheet_xml
    from generate import xlsx as raw_xlsx

    strings = "".join(f"<si><t>s{i}</t></si>" for i in range(count))
    sheet = sheet_xml(_inline(1, COLUMNS) + '<row r="2"><c r="A2" t="s"><v>1</v></c></row>')
    return io.BytesIO(raw_xlsx(sheet, f'<sst xmlns="{MAIN}">{strings}</sst>'.encode()))


def csv_file(rows: int, width: int = 3, cell: str = "x") -> io.BytesIO:
    lines = [",".join(COLUMNS + [f"c{i}" for i in range(width - 3)])]
    lines += [",".join([cell] * width) for _ in range(rows)]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


@pytest.mark.parametrize("upload,limits,message", [
    (lambda: csv_file(11), Limits(rows=10), "more than 10 rows"),
    (lambda: csv_file(10), Limits(rows=10), None),
    (lambda: csv_file(5, width=5), Limits(cells=20), "more than 20 filled cells"),
    (lambda: csv_file(1, width=9), Limits(columns=8), "has 9 columns; the most a file may have is 8"),
    (lambda: csv_file(1, cell="y" * 101), Limits(cell_chars=100), "longer than 100 characters"),
    (lambda: csv_file(2000), Limits(file_bytes=1000), "larger than 0 MB"),
    (lambda: xlsx({"S": [COLUMNS] + [["x", "y", "z"]] * 11}), Limits(rows=10), "declares 12 rows"),
    (lambda: xlsx({"S": [COLUMNS + ["w"] * 6] + [["x"] * 9]}), Limits(columns=8), "declares 9 columns"),
    (lambda: xlsx({"S": [COLUMNS] + [["é" * 101, "y", "z"]]}), Limits(cell_chars=100), "longer than 100"),
    (lambda: shared_strings(30), Limits(shared_strings=20), "more than 20 shared strings"),
])
def test_each_limit_is_named(upload, limits, message):
    if message is None:
        assert len(read_table(upload(), "f.csv", COLUMNS, limits=limits)) == 10
        return
    data = upload()
    name = "f.xlsx" if data.getvalue().startswith(b"PK") else "f.csv"
    with pytest.raises(SpreadsheetError, match=message):
        read_table(data, name, COLUMNS, limits=limits)


def test_shared_strings_within_the_limit_read():
    assert read_table(shared_strings(3), "f.xlsx", COLUMNS)[0]["reference"] == "s1"


def test_a_csv_row_of_empty_columns_beyond_the_limit_is_not_a_problem():
    data = io.BytesIO(b"reference,occurred_at,stratum" + b"," * 100 + b"\nR,01/03/2024 09:00,cad" + b"," * 100 + b"\n")
    assert len(read_table(data, "f.csv", COLUMNS)) == 1
