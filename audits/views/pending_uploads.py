"""Files kept between an import's dry run and its confirm: stored under a random token that only the session
which made the dry run knows, one session key per kind of import."""

import uuid
from pathlib import PurePath

from django.core.files.storage import default_storage
from django.http import Http404


class PendingUploads:
    def __init__(self, session_key: str):
        self.session_key = session_key

    def keep(self, request, upload) -> str:
        """Store ``upload`` (from its start) for the confirm; its token."""
        token = uuid.uuid4().hex
        upload.seek(0)
        path = default_storage.save(f"imports/{token}{PurePath(upload.name).suffix.lower()}", upload)
        request.session.setdefault(self.session_key, {})[token] = path
        request.session.modified = True
        return token

    def path(self, request, token: str) -> str:
        """The stored file of this session's ``token``; 404 for any other."""
        path = request.session.get(self.session_key, {}).get(token)
        if not path or not default_storage.exists(path):
            raise Http404
        return path

    def forget(self, request, token: str) -> None:
        """Remove the stored file once its import is written."""
        default_storage.delete(self.path(request, token))
        request.session[self.session_key].pop(token, None)
        request.session.modified = True
