"""Personal API tokens: created, listed and revoked by their owner; stored as SHA-256 hashes."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from forces.models import ApiToken

PREFIX_LENGTH = 8
MAX_DAYS = 366


def _hash(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name, expires_in_days=90, read_only=False):
    """Returns (token, raw): the raw value is shown to the user once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. what will use it."})
    if len(name) > 80:  # refused, never cut short
        raise ValidationError({"name": f"Keep the name to 80 characters (it has {len(name):,})."})
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise ValidationError({"expires_in_days": f"A token lasts between 1 and {MAX_DAYS} days."})
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:PREFIX_LENGTH], key_hash=_hash(raw), read_only=read_only,
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    return token, raw


def token_revoke(*, user, token_id):
    updated = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        raise ValidationError("No such active token.")


def token_user(raw):
    """The (user, token) a raw token belongs to, or None if it is unknown, revoked or expired."""
    token = ApiToken.objects.select_related("user").filter(prefix=raw[:PREFIX_LENGTH]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(raw)):
        return None
    now = timezone.now()
    if token.revoked_at or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
