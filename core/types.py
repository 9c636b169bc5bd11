"""Type aliases for annotations, imported only under ``typing.TYPE_CHECKING`` (so nothing here runs)."""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User

# Whoever is asking, as ``request.user``: a signed-in user or the anonymous one.
AnyUser: TypeAlias = User | AnonymousUser
