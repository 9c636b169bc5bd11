"""The access record: who read or exported an inspection's cases, reports and evidence (audits.AccessRecord).

``record_access`` is called by every page, API view and export that reads them: one row per request (a
second call in the same request writes nothing), one INSERT. ``prune_access_records`` enforces the
retention period (``CDI_ACCESS_RECORD_DAYS``; the ``prune_access_records`` command)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from audits.models import AccessRecord
from forces.lockout import client_ip

_RECORDED = "_cdi_access_recorded"


def record_access(request: Any, kind: str, inspection_id: int | None = None) -> None:
    """Records that the request's user read ``kind`` of the inspection (None: across inspections)."""
    http = getattr(request, "_request", request)  # a DRF request wraps Django's
    user = request.user
    if getattr(http, _RECORDED, False) or not user.is_authenticated:
        return
    setattr(http, _RECORDED, True)
    AccessRecord.objects.create(user_id=user.pk, username=user.get_username()[:150], inspection_id=inspection_id,
                                kind=kind, path=http.get_full_path()[:500], ip_address=client_ip(http) or None)


def mark_recorded(request: Any) -> None:
    """The request's access is already recorded (a background job working for the request that recorded it)."""
    setattr(request, _RECORDED, True)


def prune_access_records(now: Any = None) -> int:
    """Deletes the records older than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CDI_ACCESS_RECORD_DAYS)
    deleted, _ = AccessRecord.objects.filter(at__lt=cutoff).prune()
    return deleted
