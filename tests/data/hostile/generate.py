"""The hostile-file corpus: every file an upload must answer with a clear message, built by this script so
that no hand-made binary lives in the repository.

    python tests/data/hostile/generate.py OUT_DIR     # writes every file into OUT_DIR

tests/test_hostile_files.py builds the corpus once per test run (shared by the xdist workers) into a
temporary folder with ``write_corpus`` and sends every file to every upload path. Each entry's ``expect`` is a fragment the
message must contain (case-insensitive), so a file answered with the wrong reason fails the test.
"""

from __future__ import annotations

import io
import random
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# A header with every column any upload path asks for, so that each path reaches the problem the file is
# about rather than stopping at a missing column.
COLUMNS = [
    "case_reference", "source", "reported_at", "domestic_abuse", "vulnerable_victim", "modern_slavery", "case_notes",
    "expected_offence", "force_crime_reference", "recorded_offence", "recorded_at", "cancellation_code", "errors",
    "child_victim", "safeguarding", "anonymous_report", "third_party_report", "equality_information", "outcome",
    "outcome_reason", "reference", "occurred_at", "stratum", "category", "ground", "avi_evidenced", "ddm_authorised", "victim_told",
    "verdict", "reason", "Financial Year", "Financial Quarter", "Force Name", "Offence Description", "Offence Group",
    "Offence Subgroup", "Offence Code", "Number of Offences",
]
# A row no upload path accepts as it is (dates are not dates, codes not codes), so the file reaches each
# path's row checks and must be refused there.
ROW = ["HOST-1", "nowhere", "not a date", "maybe", "no", "no", "", "Nothing", "", "", "", "C9", "",
       "perhaps", "", "no", "no", "", "", "", "HOST-1", "not a date", "", "nothing", "C9", "", "", "", "perhaps", "", "2017", "9", "Narnia", "x", "x", "x",
       "x", "lots"]
MB = 1024 * 1024


@dataclass(frozen=True)
class Hostile:
    name: str
    expect: str  # a fragment of the message every upload path that reads the file must give
    build: Callable[[], bytes]


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    return "".join(delimiter.join(row) + "\r\n" for row in rows).encode("utf-8")


def _zip(members: dict[str, bytes | Callable[[zipfile.ZipFile, str], None]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if callable(content):
                content(archive, name)
            else:
                archive.writestr(name, content, compress_type=zipfile.ZIP_STORED if name == "mimetype"
                                 else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _streamed(head: bytes, filler: bytes, total: int, tail: bytes) -> Callable[[zipfile.ZipFile, str], None]:
    """A member written in chunks: ``total`` bytes of ``filler`` between head and tail (a zip bomb)."""
    def write(archive: zipfile.ZipFile, name: str) -> None:
        chunk = filler * (MB // len(filler))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(head)
            for _ in range(total // len(chunk)):
                member.write(chunk)
            member.write(tail)
    return write


# XLSX ------------------------------------------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                 b'2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.'
            'org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
            '</workbook>').encode()
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
                 b'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                 b'Target="sharedStrings.xml"/></Relationships>')


def _column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _inline(row: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{_column(i)}{row}" t="inlineStr"><is><t>{value}</t></is></c>'
                    for i, value in enumerate(values, start=1) if value)
    return f'<row r="{row}">{cells}</row>'


def sheet_xml(rows: str, dimension: str = "", prolog: str = "") -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}'
            '</sheetData></worksheet>').encode()


def xlsx(sheet: bytes | Callable[[zipfile.ZipFile, str], None], shared: bytes | Callable | None = None,
         workbook: bytes = WORKBOOK) -> bytes:
    members: dict[str, bytes | Callable[[zipfile.ZipFile, str], None]] = {
        "[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/worksheets/sheet1.xml": sheet}
    if shared is not None:
        members["xl/sharedStrings.xml"] = shared
    return _zip(members)


def table_xlsx(rows: list[list[str]], dimension: str = "") -> bytes:
    return xlsx(sheet_xml("".join(_inline(number, row) for number, row in enumerate(rows, start=1)), dimension))


BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                            for i in range(1, 10)) + "]>")
XXE = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def xlsx_with_prolog(prolog: str, cell: str) -> bytes:
    return xlsx(sheet_xml(_inline(1, COLUMNS) + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{cell}</t></is></c></row>',
                          prolog=prolog))


def formula_xlsx() -> bytes:
    header = _inline(1, COLUMNS)
    cells = "".join(f'<c r="{_column(i)}2"><f>CONCATENATE("HOST-",{i})</f></c>' for i in range(1, len(COLUMNS) + 1))
    return xlsx(sheet_xml(header + f'<row r="2">{cells}</row>'))


def huge_shared_string(compressible: bool) -> bytes:
    """One 70 MB shared string: all "A" (packs 1,000 to 1), or letters that pack only about 40 to 1, so that
    the shared strings' own limit is what refuses it."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    sheet = sheet_xml(_inline(1, COLUMNS) + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>')
    if compressible:
        return xlsx(sheet, _streamed(head, b"A", 70 * MB, b"</t></si></sst>"))
    letters = bytes(65 + (byte % 6 if byte < 6 else 0) for byte in range(256))  # mostly "A"
    text = random.Random(14).randbytes(70 * MB).translate(letters)
    return xlsx(sheet, head + text + b"</t></si></sst>")


def long_shared_string() -> bytes:
    shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t>' + "A" * 40_000
              + "</t></si></sst>").encode()
    return xlsx(sheet_xml(_inline(1, COLUMNS) + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'), shared)


def xlsx_bomb() -> bytes:
    head = sheet_xml(_inline(1, COLUMNS)).split(b"</sheetData>")[0]
    return xlsx(_streamed(head, b"<row/>" * 64, 300 * MB, b"</sheetData></worksheet>"))


def empty_elements_xlsx(filler: bytes, opening: bytes = b"", closing: bytes = b"") -> bytes:
    """Within the unpacked limit (200 MB) but millions of empty rows or cells: time, not memory."""
    head = sheet_xml(_inline(1, COLUMNS)).split(b"</sheetData>")[0] + opening
    return xlsx(_streamed(head, filler * 64, 200 * MB, closing + b"</sheetData></worksheet>"))


def wide_row_xlsx() -> bytes:
    return xlsx(sheet_xml(_inline(1, COLUMNS) + '<row r="2"><c r="ZZ2" t="inlineStr"><is><t>x</t></is></c></row>'))


# ODS -------------------------------------------------------------------------------------------------------

ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
MANIFEST = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
            b'"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml"'
            b' manifest:media-type="text/xml"/></manifest:manifest>')


def ods_row(values: list[str], repeat: int = 1) -> str:
    cells = "".join(f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
                    if value else "<table:table-cell/>" for value in values)
    attribute = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attribute}>{cells}</table:table-row>"


def content_xml(rows: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {ODS_NS}><office:body>'
            f'<office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet>'
            "</office:body></office:document-content>").encode()


def ods(content: bytes | Callable[[zipfile.ZipFile, str], None]) -> bytes:
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "META-INF/manifest.xml": MANIFEST,
                 "content.xml": content})


def ods_bomb() -> bytes:
    head = content_xml(ods_row(COLUMNS)).split(b"</table:table>")[0]
    return ods(_streamed(head, b"<table:table-row><table:table-cell/></table:table-row>", 300 * MB,
                         b"</table:table></office:spreadsheet></office:body></office:document-content>"))


def ods_repeated_rows() -> bytes:
    return ods(content_xml(ods_row(COLUMNS) + ods_row(ROW, repeat=10_000_000)))


def ods_repeated_cells() -> bytes:
    return ods(content_xml(ods_row(COLUMNS) + '<table:table-row><table:table-cell table:number-columns-repeated='
                           '"1000000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'))


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


# The corpus ------------------------------------------------------------------------------------------------

GOOD_ROWS = [COLUMNS, ROW]


def corpus() -> list[Hostile]:
    return [
        Hostile("dimension_xfd.xlsx", "declares 1,048,576 rows", lambda: table_xlsx(GOOD_ROWS, "A1:XFD1048576")),
        Hostile("dimension_zz.xlsx", "declares 702 columns", lambda: table_xlsx(GOOD_ROWS, "A1:ZZ200000")),
        Hostile("zip_bomb.xlsx", "zip bomb", xlsx_bomb),
        Hostile("zip_bomb.ods", "zip bomb", ods_bomb),
        Hostile("empty_rows.xlsx", "zip bomb", lambda: empty_elements_xlsx(b"<row/>")),
        Hostile("empty_cells.xlsx", "zip bomb", lambda: empty_elements_xlsx(b"<c/>", b"<row>", b"</row>")),
        Hostile("repeated_rows.ods", "more than 200,000 rows", ods_repeated_rows),
        Hostile("repeated_cells.ods", "beyond column 64", ods_repeated_cells),
        Hostile("wide_row.xlsx", "column 702", wide_row_xlsx),
        Hostile("shared_string_bomb.xlsx", "zip bomb", lambda: huge_shared_string(compressible=True)),
        Hostile("huge_shared_string.xlsx", "shared strings unpack to 70 mb", lambda: huge_shared_string(False)),
        Hostile("long_shared_string.xlsx", "longer than 32,767 characters", long_shared_string),
        Hostile("xxe.xlsx", "document type declaration", lambda: xlsx_with_prolog(XXE, "&xxe;")),
        Hostile("billion_laughs.xlsx", "document type declaration",
                lambda: xlsx_with_prolog(BILLION_LAUGHS, "&lol9;")),
        Hostile("xxe.ods", "document type declaration",
                lambda: ods(content_xml(ods_row(COLUMNS) + ods_row(["&xxe;"]), prolog=XXE))),
        Hostile("billion_laughs.ods", "document type declaration",
                lambda: ods(content_xml(ods_row(COLUMNS) + ods_row(["&lol9;"]), prolog=BILLION_LAUGHS))),
        Hostile("nul.csv", "nul character", lambda: csv_bytes([COLUMNS, [cell + "\x00" for cell in ROW]])),
        Hostile("nul.xlsx", "malformed", lambda: xlsx_with_prolog("", "HOST&#0;-1")),
        Hostile("nul.ods", "malformed", lambda: ods(content_xml(ods_row(COLUMNS) + ods_row(["HOST&#0;-1"])))),
        Hostile("latin1.csv", "not utf-8", lambda: "\n".join([",".join(COLUMNS), ",".join(
            ["Café-1", *ROW[1:]])]).encode("latin-1")),
        Hostile("utf16.csv", "not utf-8", lambda: "\n".join([",".join(COLUMNS), ",".join(ROW)]).encode("utf-16")),
        Hostile("utf16_no_bom.csv", "nul character",
                lambda: "\n".join([",".join(COLUMNS), ",".join(ROW)]).encode("utf-16-le")),
        Hostile("utf8_bom.csv", "row", lambda: b"\xef\xbb\xbf" + csv_bytes(GOOD_ROWS)),
        Hostile("long_field.csv", "longer than 32,767 characters",
                lambda: csv_bytes([COLUMNS, ["A" * 140_000, *ROW[1:]]])),
        Hostile("many_columns.csv", "the most a file may have is 64",
                lambda: csv_bytes([COLUMNS, ROW + ["x"] * 100])),
        Hostile("corrupt.ods", "malformed", lambda: ods(b"<?xml version='1.0'?><office:document-content <<<")),
        Hostile("corrupt.xlsx", "malformed", lambda: xlsx(b"<worksheet><sheetData><row>")),
        Hostile("csv_named.ods", "csv file named .ods", lambda: csv_bytes(GOOD_ROWS)),
        Hostile("csv_named.xlsx", "csv file named .xlsx", lambda: csv_bytes(GOOD_ROWS)),
        Hostile("ods_named.csv", "workbook (xlsx or ods) named .csv",
                lambda: ods(content_xml("".join(ods_row(row) for row in GOOD_ROWS)))),
        Hostile("xlsx_named.csv", "workbook (xlsx or ods) named .csv", lambda: table_xlsx(GOOD_ROWS)),
        Hostile("ods_named.xlsx", "no workbook part",
                lambda: ods(content_xml("".join(ods_row(row) for row in GOOD_ROWS)))),
        Hostile("truncated.xlsx", "damaged or truncated", lambda: truncated(table_xlsx(GOOD_ROWS * 50))),
        Hostile("truncated.ods", "damaged or truncated",
                lambda: truncated(ods(content_xml("".join(ods_row(row) for row in GOOD_ROWS * 50))))),
        Hostile("semicolon.csv", "semicolons", lambda: csv_bytes(GOOD_ROWS, delimiter=";")),
        Hostile("formula.xlsx", "formula", formula_xlsx),
        Hostile("empty.csv", "empty", lambda: b""),
        Hostile("random.xlsx", "zip archive", lambda: bytes(range(256)) * 8),
    ]


def write_corpus(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for entry in corpus():
        path = folder / entry.name
        if not path.exists():  # written whole under a temporary name, so a file that exists is complete
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(entry.build())
            partial.rename(path)
        paths[entry.name] = path
    return paths


if __name__ == "__main__":
    for written in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")).values():
        print(written, written.stat().st_size)
