"""Bounded reading of an uploaded table (CSV, XLSX or ODS): the one reader every upload goes through (case
import, sampling frame, cancellation review import, police recorded crime import and ``manage.py import_prc``).

Nothing a file declares is trusted. Before anything is built the reader checks the size of the file, of a
workbook's archive (members, each member's and the total unpacked size, the shared strings) and the dimension
a sheet declares; while streaming it counts rows, columns, cells and the characters in each cell, and stops
at the first limit passed with a message naming that limit. CSV is decoded as it streams (UTF-8, with or
without a byte order mark; anything else is refused by name); XLSX and ODS are parsed as a stream of XML events by
defusedxml's expat reader with every DTD refused, so entity expansion (billion laughs) and external entities
(XXE) never run. Every failure is a SpreadsheetError whose message says what is wrong and where.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from xml.sax import SAXException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel


@dataclass(frozen=True)
class Limits:
    """What the reader accepts. The defaults fit the largest legitimate upload (a 200,000-row import) and
    keep a hostile file's cost to a few tens of megabytes."""

    file_bytes: int = 50 * 1024 * 1024
    rows: int = 200_000  # data rows, after the header
    columns: int = 64
    cells: int = 4_000_000  # non-empty cells
    cell_chars: int = 32_767  # the most a spreadsheet program puts in a cell
    archive_members: int = 1_000
    unpacked_bytes: int = 256 * 1024 * 1024  # a workbook's XML, in total
    shared_strings_bytes: int = 64 * 1024 * 1024
    shared_strings: int = 4_000_000
    inflate_ratio: int = 100  # unpacked ÷ packed for a member over 1 MB (Apache POI's zip bomb rule)


LIMITS = Limits()
XML_CHUNK = 64 * 1024
MB = 1024 * 1024
ZIP_SIGNATURE = b"PK\x03\x04"

# The csv module's limit on one field (131,072 characters by default) is lowered to the longest cell we
# accept, so that a longer field stops the reader with csv.Error instead of being built. Module-wide, fixed.
csv.field_size_limit(LIMITS.cell_chars)


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why. ``missing`` lists the columns it lacks."""

    def __init__(self, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = list(missing)


class FormulaWithoutValue:
    """A formula cell saved without its result (written by a program that does not calculate)."""

    def __init__(self, formula: str) -> None:
        self.formula = formula

    def __str__(self) -> str:  # so that code that prints a cell never shows an empty value silently
        return f"={self.formula}"


def _n(number: int) -> str:
    return f"{number:,}"


# The public entry point -----------------------------------------------------------------------------------


def read_table(upload: IO[bytes], filename: str, columns: Sequence[str],
               extensions: Sequence[str] = (".csv", ".xlsx"), limits: Limits = LIMITS) -> list[dict[str, Any]]:
    """The rows of a sheet as dicts of ``columns`` (header matched case-insensitively), without blank rows.
    Of a workbook (.xlsx or .ods), the first sheet with all ``columns`` is read, or the first sheet when none
    has them. Only files ending in one of ``extensions`` are read. Raises SpreadsheetError naming what is
    wrong (including each limit passed)."""
    name = filename.lower()
    kind = next((extension for extension in extensions if name.endswith(extension)), None)
    if kind is None:
        raise SpreadsheetError(f"{filename}: expected a {' or '.join(extensions)} file.")
    wanted = [column.lower() for column in columns]
    try:
        if kind == ".csv":
            header, rows = _pick_sheet([("CSV", _csv_rows(upload, limits))], wanted, kind)
        else:
            archive = _open_archive(upload, kind, limits)
            sheets = _xlsx_sheets(archive, limits) if kind == ".xlsx" else _ods_sheets(archive, limits)
            header, rows = _pick_sheet(sheets, wanted, kind)
        if header is None:
            raise SpreadsheetError("The file is empty.", missing=columns)
        header_names = [_header_name(cell) for cell in header]
        if any("\x00" in name for name in header_names):
            raise SpreadsheetError("The header row contains NUL characters (zero bytes), which no text may hold: "
                                   "is the file binary, or UTF-16 text? Save it as “CSV UTF-8”.")
        missing = [column for column in columns if column.lower() not in header_names]
        if missing:
            raise SpreadsheetError(_missing_message(header_names, columns, missing, kind), missing=missing)
        at = [header_names.index(column) for column in wanted]
        table = _collect(rows, at, columns, limits)
    except (DefusedXmlException, SAXException) as error:
        raise SpreadsheetError(_xml_message(error, kind)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError) as error:
        raise SpreadsheetError(f"The file is not a readable {kind} workbook: it is damaged or truncated "
                               f"({type(error).__name__}).") from None
    if not table:
        raise SpreadsheetError("The file has a header but no rows.")
    return [dict(zip(columns, row)) for row in table]


def _header_name(cell: Any) -> str:
    return str(cell).strip().lower()


def _pick_sheet(sheets: Any, wanted: list[str], kind: str) -> tuple[list[Any] | None, Iterator[list[Any]]]:
    """The header and remaining rows of the first sheet whose header has every wanted column, else the
    first sheet's header (and no rows)."""
    first: list[Any] | None = None
    for _name, rows in sheets:
        header = next((row for row in rows if _filled(row)), None)
        if header is None:
            continue
        if set(wanted) <= {_header_name(cell) for cell in header}:
            return header, rows
        first = header if first is None else first
    return first, iter(())


def _filled(row: list[Any]) -> bool:
    return any(cell is not None and str(cell).strip() for cell in row)


def _missing_message(header: list[str], columns: Sequence[str], missing: list[str], kind: str) -> str:
    message = f"The file has no column {', '.join(missing)} (expected {', '.join(columns)})."
    joined = " ".join(header)
    for separator, name in ((";", "semicolons (;)"), ("\t", "tabs"), ("|", "vertical bars (|)")):
        parts = {part.strip().lower() for cell in header for part in cell.split(separator)}
        if separator in joined and sum(column.lower() in parts for column in columns) >= 2:
            return (f"{message} Its header separates columns with {name}, not commas, so it reads as one "
                    "column: save it as “CSV UTF-8 (comma delimited)”.")
    return message


def _collect(rows: Iterator[list[Any]], at: list[int], columns: Sequence[str], limits: Limits) -> list[tuple]:
    """The non-blank data rows, only the wanted cells, with every row, cell and formula limit checked."""
    table: list[tuple] = []
    cells = 0
    for row in rows:
        if not _filled(row):
            continue
        if len(table) >= limits.rows:
            raise SpreadsheetError(f"The file has more than {_n(limits.rows)} rows, the most one upload may "
                                   "have: split it into smaller files.")
        cells += sum(1 for cell in row if cell is not None and cell != "")
        if cells > limits.cells:
            raise SpreadsheetError(f"The file has more than {_n(limits.cells)} filled cells, the most one upload "
                                   "may have: split it into smaller files.")
        values = tuple(row[index] if index < len(row) else "" for index in at)
        for column, value in zip(columns, values):
            if isinstance(value, FormulaWithoutValue):
                raise SpreadsheetError(
                    f"Row {len(table) + 2}, column {column}: the cell holds a formula ({value}) saved without its "
                    "result, so it has no value to read. Open the file in a spreadsheet program and save it "
                    "again, or paste the values in place of the formulas.")
            if isinstance(value, str) and "\x00" in value:
                raise SpreadsheetError(f"Row {len(table) + 2}, column {column}: contains a NUL character (a zero "
                                       "byte), which no text may hold. Is the file binary, or UTF-16 text?")
        table.append(values)
    return table


def _xml_message(error: Exception, kind: str) -> str:
    if isinstance(error, DefusedXmlException):
        return (f"The {kind} workbook contains an XML document type declaration or entities ({type(error).__name__}),"
                " which spreadsheets do not need and which can be used to attack a server: it was not read. "
                "Save the sheet again from a spreadsheet program.")
    inner = getattr(error, "getException", lambda: None)()
    if isinstance(inner, SpreadsheetError):
        return str(inner)
    return f"The file is not a readable {kind} workbook: its XML is malformed ({error})."


# CSV -------------------------------------------------------------------------------------------------------


class _CountingRaw(io.RawIOBase):
    """An upload as a raw stream, counting bytes and stopping at the file size limit."""

    def __init__(self, upload: IO[bytes], head: bytes, limit: int) -> None:
        self.upload, self.head, self.limit, self.count = upload, head, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            data, self.head = self.head[:len(buffer)], self.head[len(buffer):]
        else:
            data = self.upload.read(len(buffer))
        if isinstance(data, str):  # an upload opened as text
            data = data.encode("utf-8")
        self.count += len(data)
        if self.count > self.limit:
            raise SpreadsheetError(f"The file is larger than {_n(self.limit // (1024 * 1024))} MB, the most one "
                                   "upload may be.")
        buffer[:len(data)] = data
        return len(data)


def _csv_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SpreadsheetError("The CSV file is not UTF-8 text (it is UTF-16): save it as “CSV UTF-8”.")
    if head.startswith(ZIP_SIGNATURE):
        raise SpreadsheetError("The file is a workbook (XLSX or ODS) named .csv: upload it with its own "
                               "extension, or save it as “CSV UTF-8”.")
    return "utf-8"


def _csv_rows(upload: IO[bytes], limits: Limits) -> Iterator[list[Any]]:
    head = upload.read(4)
    head = head.encode("utf-8") if isinstance(head, str) else head
    encoding = _csv_encoding(head)
    text = io.TextIOWrapper(io.BufferedReader(_CountingRaw(upload, head, limits.file_bytes)), encoding=encoding,
                            errors="strict", newline="")
    reader = csv.reader(text)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise SpreadsheetError(f"The CSV file is not UTF-8 text (line {reader.line_num + 1} has a byte that "
                                   "is not): save it as “CSV UTF-8”.") from None
        except csv.Error as error:
            if "field larger" in str(error):
                raise SpreadsheetError(f"Line {reader.line_num}: a cell is longer than {_n(limits.cell_chars)} "
                                       "characters, the most a cell may hold.") from None
            raise SpreadsheetError(f"Line {reader.line_num}: the CSV cannot be read ({error}).") from None
        if any(len(cell) > limits.cell_chars for cell in row):
            raise SpreadsheetError(f"Line {reader.line_num}: a cell is longer than {_n(limits.cell_chars)} "
                                   "characters, the most a cell may hold.")
        if len(row) > limits.columns and any(cell.strip() for cell in row[limits.columns:]):
            raise SpreadsheetError(f"Line {reader.line_num} has {_n(len(row))} columns; the most a file may have "
                                   f"is {limits.columns}.")
        yield row


# Workbooks: the archive ------------------------------------------------------------------------------------


class _Archive:
    def __init__(self, zipped: zipfile.ZipFile, limits: Limits) -> None:
        self.zip, self.limits = zipped, limits
        self.names = {info.filename for info in zipped.infolist()}

    def parse(self, name: str, handler: ContentHandler) -> None:
        """Stream one member through ``handler``, every DTD refused."""
        parser = DefusedExpatParser(forbid_dtd=True)
        parser.setFeature(feature_namespaces, True)
        parser.setContentHandler(handler)
        with self.zip.open(name) as member:
            while chunk := member.read(XML_CHUNK):
                parser.feed(chunk)
        parser.close()


def _open_archive(upload: IO[bytes], kind: str, limits: Limits) -> _Archive:
    head = upload.read(4)
    upload.seek(0)
    if not head.startswith(ZIP_SIGNATURE):
        hint = (" It looks like text: is it a CSV file named " + kind + "?"
                if head and all(32 <= byte < 127 or byte in b"\t\r\n" for byte in head.lstrip(codecs.BOM_UTF8))
                else " It is an older .xls or a password-protected workbook: save it as " + kind + " without a "
                "password." if head.startswith(b"\xd0\xcf\x11\xe0") else "")
        raise SpreadsheetError(f"The file is not a readable {kind} workbook (a workbook is a zip archive).{hint}")
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    if size > limits.file_bytes:
        raise SpreadsheetError(f"The file is larger than {_n(limits.file_bytes // (1024 * 1024))} MB, the most one "
                               "upload may be.")
    zipped = zipfile.ZipFile(upload)
    members = zipped.infolist()
    if len(members) > limits.archive_members:
        raise SpreadsheetError(f"The workbook holds {_n(len(members))} files; the most a workbook may hold is "
                               f"{_n(limits.archive_members)}.")
    unpacked = sum(info.file_size for info in members)
    if unpacked > limits.unpacked_bytes:  # zipfile never yields more than a member declares (CRC checked)
        raise SpreadsheetError(
            f"The workbook unpacks to {_n(unpacked // (1024 * 1024))} MB, more than the {_n(limits.unpacked_bytes // (1024 * 1024))} "
            "MB a workbook may unpack to (a “zip bomb”, or far too large to import).")
    for info in members:
        if info.file_size > MB and info.file_size > limits.inflate_ratio * max(info.compress_size, 1):
            raise SpreadsheetError(
                f"The workbook's {info.filename[:60]} unpacks {_n(info.file_size // max(info.compress_size, 1))} times "
                f"larger than it is packed; more than {limits.inflate_ratio} times is refused as a “zip bomb”.")
    return _Archive(zipped, limits)


class _RowHandler(ContentHandler):
    """Collects rows from XML events into a list the generator drains, so that parsing pauses between
    chunks and memory stays bounded by one chunk's rows."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits
        self.ready: list[list[Any]] = []
        self.text: list[str] = []
        self.text_length = 0
        self.collecting = False
        self.row_elements = self.cell_elements = 0

    def count_element(self, kind: str) -> None:
        """Rows and cells are counted as elements too, empty or not, so that a file of millions of empty
        elements (a zip bomb within the unpacked limit) costs no more than a full one."""
        if kind == "row":
            self.row_elements += 1
            if self.row_elements > 2 * self.limits.rows:
                raise SpreadsheetError(f"The sheet has more than {_n(2 * self.limits.rows)} rows, counting empty "
                                       f"ones; the most one upload may have is {_n(self.limits.rows)} rows.")
        else:
            self.cell_elements += 1
            if self.cell_elements > self.limits.cells:
                raise SpreadsheetError(f"The sheet has more than {_n(self.limits.cells)} cells, counting empty ones, "
                                       "the most one upload may have: split it into smaller files.")

    def start_text(self) -> None:
        self.text, self.text_length, self.collecting = [], 0, True

    def characters(self, content: str) -> None:
        if self.collecting:
            self.text_length += len(content)
            if self.text_length > self.limits.cell_chars:
                raise SpreadsheetError(f"A cell is longer than {_n(self.limits.cell_chars)} characters, the most a "
                                       "cell may hold.")
            self.text.append(content)


def _stream_rows(archive: _Archive, member: str, handler: _RowHandler) -> Iterator[list[Any]]:
    parser = DefusedExpatParser(forbid_dtd=True)
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    with archive.zip.open(member) as source:
        while chunk := source.read(XML_CHUNK):
            parser.feed(chunk)
            yield from handler.ready
            handler.ready.clear()
    parser.close()  # a document cut short is malformed
    yield from handler.ready
    handler.ready.clear()


# XLSX ------------------------------------------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _local(name: tuple[str | None, str]) -> str:
    return name[1]


class _WorkbookHandler(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)
        self.date1904 = False

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        local = _local(name)
        if local == "sheet":
            rid = next((value for (uri, key), value in attrs.items() if key == "id" and uri), "")
            self.sheets.append((attrs.get((None, "name"), ""), rid))
        elif local == "workbookPr":
            self.date1904 = attrs.get((None, "date1904"), "0").lower() in ("1", "true")


class _RelsHandler(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.targets: dict[str, str] = {}

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        if _local(name) == "Relationship":
            self.targets[attrs.get((None, "Id"), "")] = attrs.get((None, "Target"), "")


class _StylesHandler(ContentHandler):
    """Which cell styles format a number as a date."""

    def __init__(self) -> None:
        super().__init__()
        self.formats: dict[int, str] = dict(BUILTIN_FORMATS)
        self.xf_formats: list[int] = []
        self.in_cell_xfs = False

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        local = _local(name)
        if local == "numFmt":
            try:
                self.formats[int(attrs.get((None, "numFmtId"), ""))] = attrs.get((None, "formatCode"), "")
            except ValueError:
                pass
        elif local == "cellXfs":
            self.in_cell_xfs = True
        elif local == "xf" and self.in_cell_xfs:
            try:
                self.xf_formats.append(int(attrs.get((None, "numFmtId"), "0")))
            except ValueError:
                self.xf_formats.append(0)

    def endElementNS(self, name: Any, qname: Any) -> None:
        if _local(name) == "cellXfs":
            self.in_cell_xfs = False

    def date_styles(self) -> set[int]:
        return {index for index, number in enumerate(self.xf_formats)
                if is_date_format(self.formats.get(number, "") or "")}


class _SharedStringsHandler(_RowHandler):
    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self.strings: list[str] = []
        self.total = 0
        self.in_phonetic = False

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        local = _local(name)
        if local == "si":
            if len(self.strings) >= self.limits.shared_strings:
                raise SpreadsheetError(f"The workbook has more than {_n(self.limits.shared_strings)} shared "
                                       "strings, the most a workbook may have.")
            self.text, self.text_length = [], 0
        elif local == "rPh":
            self.in_phonetic = True
        elif local == "t" and not self.in_phonetic:
            self.collecting = True

    def endElementNS(self, name: Any, qname: Any) -> None:
        local = _local(name)
        if local == "t":
            self.collecting = False
        elif local == "rPh":
            self.in_phonetic = False
        elif local == "si":
            self.strings.append("".join(self.text))


class _SheetHandler(_RowHandler):
    def __init__(self, limits: Limits, strings: list[str], date_styles: set[int], epoch: Any) -> None:
        super().__init__(limits)
        self.strings, self.date_styles, self.epoch = strings, date_styles, epoch
        self.row: list[Any] | None = None
        self.cell: dict[str, Any] = {}
        self.value: str | None = None
        self.formula: str | None = None
        self.target = ""

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        local = _local(name)
        if local == "dimension":
            self._check_dimension(attrs.get((None, "ref"), ""))
        elif local == "row":
            self.count_element("row")
            self.row = []
        elif local == "c" and self.row is not None:
            self.count_element("cell")
            self.cell = {"r": attrs.get((None, "r")), "t": attrs.get((None, "t"), "n"), "s": attrs.get((None, "s"))}
            self.value = self.formula = None
            self.inline: list[str] = []
        elif local in ("v", "f") or (local == "t" and self.cell):
            self.target = local
            self.start_text()

    def endElementNS(self, name: Any, qname: Any) -> None:
        local = _local(name)
        if local in ("v", "f", "t") and self.collecting:
            text = "".join(self.text)
            self.collecting = False
            if local == "v":
                self.value = text
            elif local == "f":
                self.formula = text
            else:
                self.inline.append(text)
        elif local == "c" and self.row is not None and self.cell:
            self._end_cell()
            self.cell = {}
        elif local == "row" and self.row is not None:
            self.ready.append(self.row)
            self.row = None

    def _check_dimension(self, ref: str) -> None:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
        except (ValueError, TypeError):
            return
        if max_row is not None and max_row > self.limits.rows + 1:
            raise SpreadsheetError(f"The sheet declares {_n(max_row)} rows ({ref}); the most one upload may have is "
                                   f"{_n(self.limits.rows)} rows.")
        if max_col is not None and max_col > self.limits.columns:
            raise SpreadsheetError(f"The sheet declares {_n(max_col)} columns ({ref}); the most a file may have is "
                                   f"{self.limits.columns}.")

    def _end_cell(self) -> None:
        assert self.row is not None
        reference = self.cell["r"]
        if reference:
            match = re.fullmatch(r"([A-Za-z]{1,3})(\d+)", reference)
            if not match:
                raise SpreadsheetError(f"The sheet has a cell with a malformed reference “{reference[:20]}”.")
            column = _column_number(match.group(1))
        else:
            column = len(self.row) + 1
        value = self._value()
        if value is None or value == "":
            return
        if column > self.limits.columns:
            raise SpreadsheetError(f"The sheet has a filled cell in column {_n(column)}; the most a file may have is "
                                   f"{self.limits.columns} columns.")
        if column > len(self.row):
            self.row.extend([""] * (column - len(self.row)))
        self.row[column - 1] = value

    def _value(self) -> Any:
        kind, value = self.cell["t"], self.value
        if kind == "inlineStr":
            return "".join(self.inline)
        if value is None or value == "":
            return FormulaWithoutValue(self.formula) if self.formula else None
        if kind == "s":
            try:
                return self.strings[int(value)]
            except (ValueError, IndexError):
                raise SpreadsheetError(f"Cell {self.cell['r']} refers to a shared string the workbook does not "
                                       "have.") from None
        if kind == "b":
            return value == "1"
        if kind in ("str", "e", "d"):
            return value
        try:
            number: Any = float(value)
        except ValueError:
            return value
        if number.is_integer() and "." not in value and "e" not in value.lower():
            number = int(value)
        style = self.cell["s"]
        if style and style.isdigit() and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (OverflowError, ValueError):
                return value
        return number


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _rels_path(member: str) -> str:
    folder, name = posixpath.split(member)
    return posixpath.join(folder, "_rels", name + ".rels")


def _xlsx_sheets(archive: _Archive, limits: Limits) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    workbook_path = "xl/workbook.xml"
    if "_rels/.rels" in archive.names:
        rels = _RelsHandler()
        archive.parse("_rels/.rels", rels)
        workbook_path = next((target.lstrip("/") for target in rels.targets.values()
                              if target.lstrip("/") in archive.names and target.endswith(".xml")
                              and "workbook" in target), workbook_path)
    if workbook_path not in archive.names:
        raise SpreadsheetError("The file is not a readable .xlsx workbook: it has no workbook part (is it an ODS "
                               "or another kind of file named .xlsx?).")
    workbook = _WorkbookHandler()
    archive.parse(workbook_path, workbook)
    targets = _RelsHandler()
    if _rels_path(workbook_path) in archive.names:
        archive.parse(_rels_path(workbook_path), targets)
    folder = posixpath.dirname(workbook_path)

    def member(target: str) -> str:
        return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))

    parts = {posixpath.basename(target).lower(): member(target) for target in targets.targets.values()}
    strings: list[str] = []
    shared = parts.get("sharedstrings.xml")
    if shared in archive.names:
        size = archive.zip.getinfo(shared).file_size
        if size > limits.shared_strings_bytes:
            raise SpreadsheetError(
                f"The workbook's shared strings unpack to {_n(size // (1024 * 1024))} MB, more than the "
                f"{_n(limits.shared_strings_bytes // (1024 * 1024))} MB a workbook may have.")
        handler = _SharedStringsHandler(limits)
        archive.parse(shared, handler)
        strings = handler.strings
    date_styles: set[int] = set()
    styles_part = parts.get("styles.xml")
    if styles_part in archive.names:
        styles = _StylesHandler()
        archive.parse(styles_part, styles)
        date_styles = styles.date_styles()
    epoch = CALENDAR_MAC_1904 if workbook.date1904 else CALENDAR_WINDOWS_1900
    for name, rid in workbook.sheets:
        path = member(targets.targets.get(rid, ""))
        if path in archive.names:
            yield name, _stream_rows(archive, path, _SheetHandler(limits, strings, date_styles, epoch))


# ODS -------------------------------------------------------------------------------------------------------

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
NUMERIC_TYPES = {"float", "percentage", "currency"}
TABLE_MARK = object()  # the first item of the marker row that starts each table


class _OdsHandler(_RowHandler):
    """Each table's rows. Repeated rows and cells are expanded only when they hold something, and only
    after checking that the expansion stays within the limits; trailing empty repeats (a sheet's usual
    padding to its edge) are never built."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self.rows_so_far = 0
        self.row: list[Any] | None = None
        self.row_repeat = 1
        self.pending_empty = 0
        self.cell: dict[str, Any] | None = None
        self.paragraphs = 0
        self.annotation = 0  # inside a comment, whose text is not the cell's

    def _repeat(self, attrs: Any, key: str) -> int:
        text = attrs.get((TABLE, key), "1")
        try:
            return max(1, int(text))
        except ValueError:
            raise SpreadsheetError(f"The sheet has a malformed {key} “{text[:20]}”.") from None

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        uri, local = name
        if uri == TABLE and local == "table":
            self.ready.append([TABLE_MARK, attrs.get((TABLE, "name"), "")])
        elif uri == OFFICE and local == "annotation":
            self.annotation += 1
        elif uri == TABLE and local == "table-row":
            self.count_element("row")
            self.row, self.row_repeat, self.pending_empty = [], self._repeat(attrs, "number-rows-repeated"), 0
        elif uri == TABLE and local in ("table-cell", "covered-table-cell") and self.row is not None:
            self.count_element("cell")
            self.cell = {"repeat": self._repeat(attrs, "number-columns-repeated"),
                         "type": attrs.get((OFFICE, "value-type"), ""), "value": attrs.get((OFFICE, "value"))}
            self.start_text()
            self.paragraphs = 0
        elif self.cell is not None and uri == TEXT and not self.annotation:
            if local == "p" and self.paragraphs:
                self.characters("\n")
            if local == "p":
                self.paragraphs += 1
            elif local == "s":
                self.characters(" " * min(self._repeat_text(attrs), self.limits.cell_chars + 1))
            elif local == "tab":
                self.characters("\t")
            elif local == "line-break":
                self.characters("\n")

    def characters(self, content: str) -> None:
        if not self.annotation:
            super().characters(content)

    def _repeat_text(self, attrs: Any) -> int:
        try:
            return max(1, int(attrs.get((TEXT, "c"), "1")))
        except ValueError:
            return 1

    def endElementNS(self, name: Any, qname: Any) -> None:
        uri, local = name
        if uri == OFFICE and local == "annotation":
            self.annotation -= 1
        elif uri == TABLE and local in ("table-cell", "covered-table-cell") and self.cell is not None:
            self._end_cell()
            self.cell, self.collecting = None, False
        elif uri == TABLE and local == "table-row" and self.row is not None:
            if self.row:  # blank rows are skipped, however often repeated
                if self.rows_so_far + self.row_repeat > self.limits.rows + 1:
                    raise SpreadsheetError(f"The sheet has more than {_n(self.limits.rows)} rows (a row repeated "
                                           f"{_n(self.row_repeat)} times), the most one upload may have.")
                self.rows_so_far += self.row_repeat
                self.ready.extend([self.row] * self.row_repeat)  # the same list: no copies are built
            self.row = None
        elif uri == TABLE and local == "table":
            self.rows_so_far = 0

    def _end_cell(self) -> None:
        assert self.cell is not None and self.row is not None
        repeat = self.cell["repeat"]
        text = "".join(self.text)
        value = self.cell["value"] if self.cell["type"] in NUMERIC_TYPES and self.cell["value"] else text
        if value == "":
            self.pending_empty += repeat
            return
        width = len(self.row) + self.pending_empty + repeat
        if width > self.limits.columns:
            raise SpreadsheetError(f"The sheet has a filled cell beyond column {self.limits.columns} (column "
                                   f"{_n(width)}), the most a file may have.")
        self.row.extend([""] * self.pending_empty)
        self.row.extend([value] * repeat)
        self.pending_empty = 0


def _ods_sheets(archive: _Archive, limits: Limits) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    if "content.xml" not in archive.names:
        raise SpreadsheetError("The file is not a readable .ods workbook: it has no content.xml (is it an XLSX or "
                               "another kind of file named .ods?).")
    events = _stream_rows(archive, "content.xml", _OdsHandler(limits))
    marker: list[Any] | None = next(events, None)
    while marker is not None:
        name = marker[1]
        state: dict[str, list[Any] | None] = {"next": None}

        def table_rows(state: dict[str, list[Any] | None] = state) -> Iterator[list[Any]]:
            for row in events:
                if row and row[0] is TABLE_MARK:
                    state["next"] = row
                    return
                yield row

        rows = table_rows()
        yield name, rows
        for _ in rows:  # the rest of this table, if the caller stopped at its header
            pass
        marker = state["next"]


# What the database will refuse, checked while planning -----------------------------------------------------


def text_problem(column: str, text: str, max_length: int) -> str | None:
    """Why ``text`` cannot be stored in a column of ``max_length`` characters (a NUL, which PostgreSQL cannot
    hold, or too many characters: never cut short), or None."""
    if "\x00" in text:
        return f"{column} contains a NUL character (a zero byte), which no text may hold."
    if len(text) > max_length:
        return f"{column} is {_n(len(text))} characters long; the most it may have is {_n(max_length)}."
    return None
