"""Limits on evidence files: size, number and total size per update, and a type allow-list checked by
extension and by content. Evidence is stored, never opened by the server, but what is stored must be what it
claims to be and safe to hand on: a text file is UTF-8 throughout with no NUL, and a document (a zip
archive) is a readable archive that does not unpack to a bomb and holds no XML document type declaration."""

import codecs
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 5  # per update
MAX_EVIDENCE_TOTAL_BYTES = 20 * 1024 * 1024  # per update
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # a document's archive, in total
MAX_INFLATE_RATIO = 100  # for a member over 1 MB, as the spreadsheet reader (core.table_reader)
MAX_ARCHIVE_MEMBERS = 1_000
CHUNK = 64 * 1024
ZIP = b"PK\x03\x04"
# extension -> (content type to serve it as, the bytes it must start with, or None for plain text)
ALLOWED = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    ".csv": ("text/csv", None),
    ".txt": ("text/plain", None),
}


def served_content_type(name):
    return ALLOWED.get(PurePath(name).suffix.lower(), ("application/octet-stream", None))[0]


def validate_evidence(upload):
    name = upload.name or ""
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED:
        raise ValidationError(f"“{name}”: evidence must be one of {', '.join(sorted(ALLOWED))}.")
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(f"“{name}” is larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB.")
    if upload.size == 0:
        raise ValidationError(f"“{name}” is empty.")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    signature = ALLOWED[extension][1]
    if signature is not None and not head.startswith(signature):
        raise ValidationError(f"“{name}” is not really a {extension} file.")
    if signature is None:
        _check_text(upload, name)
    elif signature == ZIP:
        _check_archive(upload, name, extension)
    upload.seek(0)


def validate_evidence_set(files: Sequence[Any]) -> None:
    """The limits on one update's evidence, before any file is looked at."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise ValidationError(f"Attach at most {MAX_EVIDENCE_FILES} files to one update (you chose {len(files)}); "
                              "add the others in another update.")
    total = sum(upload.size or 0 for upload in files)
    if total > MAX_EVIDENCE_TOTAL_BYTES:
        raise ValidationError(f"The files come to {total / (1024 * 1024):.1f} MB; one update may attach at most "
                              f"{MAX_EVIDENCE_TOTAL_BYTES // (1024 * 1024)} MB in total.")


def _check_text(upload: Any, name: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        while chunk := upload.read(CHUNK):
            if b"\x00" in chunk:
                raise ValidationError(f"“{name}” contains NUL bytes, so it is not a plain text file (is it UTF-16?). "
                                      "Save it as UTF-8 text.")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ValidationError(f"“{name}” is not a plain UTF-8 text file: save it as UTF-8 text.") from None
    finally:
        upload.seek(0)


def _check_archive(upload: Any, name: str, extension: str) -> None:
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
        members = archive.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise ValidationError(f"“{name}” holds {len(members):,} files; a document may hold at most "
                                  f"{MAX_ARCHIVE_MEMBERS:,}.")
        if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
            raise ValidationError(f"“{name}” unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB: refused "
                                  "as a “zip bomb”.")
        for info in members:
            if info.file_size > 1024 * 1024 and info.file_size > MAX_INFLATE_RATIO * max(info.compress_size, 1):
                raise ValidationError(f"“{name}” unpacks more than {MAX_INFLATE_RATIO} times larger than it is "
                                      "packed: refused as a “zip bomb”.")
        expected = {".docx": "word/", ".xlsx": "xl/", ".odt": "content.xml", ".ods": "content.xml"}[extension]
        if not any(info.filename.startswith(expected) for info in members):
            raise ValidationError(f"“{name}” is a zip archive but not a {extension} document.")
        for info in members:
            if info.filename.endswith((".xml", ".rels")):
                _check_xml_member(archive, info, name)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise ValidationError(f"“{name}” is damaged or truncated: it cannot be opened as a {extension} "
                              "document.") from None
    finally:
        upload.seek(0)


def _check_xml_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Every byte is read (so that a damaged member is found) and a DTD, which documents do not need and which
    carries entity expansion and external entities, is refused."""
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise ValidationError(f"“{name}” contains an XML document type declaration (used for XML entity "
                                      "attacks): save it again from its program.")
            tail = window[-16:]
