"""The findings parts of each role's start page (registered with audits.start_page when the app loads)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from forces.roles import Role
from recommendations import selectors
from recommendations.services import today

if TYPE_CHECKING:
    from audits.start_page import StartContext

LIMIT = 10


def findings_parts(context: StartContext) -> dict[str, Any]:
    if context.role == Role.FORCE_STAFF:
        due = selectors.findings_due(context.user)
        return {"findings_due": list(due[:LIMIT]), "findings_due_total": due.count(), "today": today()}
    if context.role == Role.MANAGER:
        moved = selectors.findings_moved_since(context.user, context.since)
        return {"findings_moved": list(moved[:LIMIT]), "findings_moved_total": moved.count(),
                "overdue_by_force": [row for row in selectors.ageing_by_force(context.user) if row["overdue"]]}
    return {}
