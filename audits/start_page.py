"""What a start page shows beyond the audit data: apps above audits (findings) add their own parts of each role's
start page by registering a provider when they load, so the page is built in one place while audits never
imports them (the same direction as the signals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.types import AnyUser
    from forces.roles import Role


@dataclass(frozen=True)
class StartContext:
    user: AnyUser
    role: Role | None
    since: datetime  # what changed is shown from here (the previous visit, or the last 30 days)


Provider = Callable[[StartContext], dict[str, Any]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add ``provider``'s context to every start page (once per name, however often the app loads)."""
    _providers[name] = provider


def provided(context: StartContext) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for provider in _providers.values():
        extra.update(provider(context))
    return extra
