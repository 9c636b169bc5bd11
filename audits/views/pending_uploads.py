"""Files kept between an import's dry run and its confirm: stored under a random token that only the session
which made the dry run knows, one session key per kind of import.

They live in the shared file store (core/stored_files.py), so the confirm may reach any server. A file waits
``settings.PENDING_UPLOAD_MAX_AGE`` for its confirm: after that it is refused here and ``manage.py purge_uploads``
removes it."""

from pathlib import PurePath

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from core import stored_files

FOLDER = stored_files.PENDING_FOLDER


class PendingUploads:
    def __init__(self, session_key: str):
        self.session_key = session_key

    def keep(self, request, upload) -> str:
        """Store ``upload`` (from its start) for the confirm; its token."""
        path = stored_files.save_pending(upload, upload.name)
        token = PurePath(path).stem
        request.session.setdefault(self.session_key, {})[token] = path
        request.session.modified = True
        return token

    def path(self, request, token: str) -> str:
        """The stored file of this session's ``token``; 404 for any other, and once it has expired."""
        path = request.session.get(self.session_key, {}).get(token)
        written = stored_files.modified(path) if path else None
        if written is None or written < timezone.now() - settings.PENDING_UPLOAD_MAX_AGE:
            raise Http404
        return path

    def forget(self, request, token: str) -> None:
        """Remove the stored file once its import is written (or the user cancels it)."""
        path = request.session.get(self.session_key, {}).pop(token, None)
        request.session.modified = True
        if path:
            stored_files.remove(path)
