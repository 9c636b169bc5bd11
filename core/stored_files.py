"""Uploaded files in the shared file store (``STORAGES["default"]``: local disk, or an S3-compatible bucket that
every server sees), kept in step with the database.

- A file saved inside a service's transaction with :func:`save` is removed again when that transaction fails
  (:func:`atomic`), so a database error after the write leaves no file behind.
- Whatever a killed process or an outer rollback still leaves behind is found by :func:`orphans` and removed by
  ``manage.py purge_uploads``, as are import files whose dry run was never confirmed (:func:`expired`).
"""

import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import wraps
from pathlib import PurePath
from typing import IO, Any, ParamSpec, TypeVar

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

try:  # an object that another server removed a moment ago answers 404 from S3
    from botocore.exceptions import ClientError as _S3Error
except ImportError:  # pragma: no cover - botocore comes with django-storages[s3]
    _S3Error = FileNotFoundError


def _gone(error: Exception) -> bool:
    if isinstance(error, FileNotFoundError):
        return True
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code in ("404", "NoSuchKey")

# Where an import's dry-run file waits for its confirm (audits/views/pending_uploads.py), and a file waits for
# its background job.
PENDING_FOLDER = "imports"
# Where a PDF report made by a background job waits for its owner to download it (reports/pdf_jobs.py). Both
# expire after settings.PENDING_UPLOAD_MAX_AGE (``purge_uploads``).
REPORTS_FOLDER = "reports"

P = ParamSpec("P")
R = TypeVar("R")

_written: ContextVar[list[str] | None] = ContextVar("stored_files_written", default=None)


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service that saves files: if the transaction fails (in the function or at
    its commit) every file the function saved with :func:`save` is removed before the error goes on."""

    @wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        outer = _written.get()
        written: list[str] = []
        token = _written.set(written)
        try:
            with transaction.atomic():
                result = func(*args, **kwargs)
        except BaseException:
            for name in written:
                default_storage.delete(name)
            raise
        finally:
            _written.reset(token)
        if outer is not None:  # part of a larger transaction: its failure removes these too
            outer.extend(written)
        return result

    return inner


def save(name: str, content: IO[Any]) -> str:
    """Save ``content`` under ``name`` (or a free name like it); the name it got. Inside :func:`atomic` the
    file is removed again if the transaction fails."""
    content.seek(0)
    saved = default_storage.save(name, content)
    written = _written.get()
    if written is not None:
        written.append(saved)
    return saved


def save_pending(upload: IO[Any], name: str) -> str:
    """Keep an upload in the pending folder for a later step (a confirm, a background job); it expires with the
    other pending files (``purge_uploads``). ``name`` is the upload's own, for its extension only."""
    return save(f"{PENDING_FOLDER}/{uuid.uuid4().hex}{PurePath(name).suffix.lower()}", upload)


def modified(name: str) -> datetime | None:
    """When the file was written; ``None`` once it is gone (possibly removed by another server just now)."""
    try:
        return default_storage.get_modified_time(name)
    except (FileNotFoundError, _S3Error) as error:
        if _gone(error):
            return None
        raise


def walk(folder: str) -> Iterator[str]:
    """Every file under ``folder`` in the store."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # nothing was ever stored there (S3 lists an empty folder instead)
        return
    for file in files:
        yield f"{folder}/{file}"
    for sub in folders:
        yield from walk(f"{folder}/{sub}")


def older_than(folder: str, age: timedelta, now: datetime | None = None) -> Iterator[str]:
    """Files under ``folder`` written more than ``age`` ago."""
    cutoff = (now or timezone.now()) - age
    for name in walk(folder):
        written = modified(name)
        if written is not None and written < cutoff:
            yield name


def remove(name: str) -> None:
    """Remove a file; nothing happens if it is already gone (two servers purging at once)."""
    default_storage.delete(name)
