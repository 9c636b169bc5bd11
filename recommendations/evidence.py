"""Limits on evidence files: size, and a type allow-list checked by extension and by content."""

from pathlib import PurePath

from django.core.exceptions import ValidationError

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
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
    if signature is None:
        try:
            upload.read(64 * 1024).decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(f"“{name}” is not a plain text file.") from None
        finally:
            upload.seek(0)
    elif not head.startswith(signature):
        raise ValidationError(f"“{name}” is not really a {extension} file.")
