"""Reads of findings for pages and exports. Every queryset starts from ``for_user``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, F, Q, QuerySet

from recommendations.models import Evidence, Finding, FollowUp, Verdict
from recommendations.services import today

if TYPE_CHECKING:
    from core.types import AnyUser

# Days overdue, as (label, lowest, highest); None is open-ended.
AGEING_BANDS: list[tuple[str, int, int | None]] = [("1 to 30 days", 1, 30), ("31 to 90 days", 31, 90), ("91 to 180 days", 91, 180),
                ("over 180 days", 181, None)]


def findings_for(user: AnyUser) -> QuerySet[Finding]:
    return Finding.objects.for_user(user).with_seen_version(user).select_related("inspection__force", "parent")


def timeline(finding: Finding, user: AnyUser) -> QuerySet[FollowUp]:
    return (FollowUp.objects.visible_to(user).with_seen_version(user).filter(finding=finding).select_related("author")
            .prefetch_related("evidence"))


def verdicts_on(finding: Finding, user: AnyUser) -> QuerySet[Verdict]:
    verdicts: QuerySet[Verdict] = Verdict.objects.for_user(user)  # Verdict's manager is built at runtime: untyped
    return verdicts.filter(finding=finding).select_related("inspection")


def evidence_for(user: AnyUser, finding_id: int, evidence_id: int) -> Evidence:
    return Evidence.objects.visible_to(user).select_related("follow_up__finding").get(
        pk=evidence_id, follow_up__finding_id=finding_id)


def ageing_by_force(user: AnyUser) -> list[dict[str, Any]]:
    """Per force: open findings, how many are overdue and by how long. One aggregate query."""
    day = today()
    overdue_days: dict[str, Q] = {}
    for label, lowest, highest in AGEING_BANDS:
        window = Q(due_on__lte=day - timedelta(days=lowest))
        if highest is not None:
            window &= Q(due_on__gte=day - timedelta(days=highest))
        overdue_days[label] = window
    aggregates = {"open": Count("id"), "overdue": Count("id", filter=Q(due_on__lt=day))}
    aggregates.update({f"band_{i}": Count("id", filter=window) for i, window in enumerate(overdue_days.values())})
    # The stubs cannot see the fields annotate(**aggregates) adds, so the rows are plain dicts to them.
    rows = cast("QuerySet[Finding, dict[str, Any]]", (
        Finding.objects.for_user(user).open()
        .values(force_name=F("inspection__force__name"), force_slug=F("inspection__force__slug"))
        .annotate(**aggregates).order_by("-overdue", "force_name")))  # type: ignore[misc]
    return [{**row, "bands": [row[f"band_{i}"] for i in range(len(AGEING_BANDS))]} for row in rows]


def status_summary(findings: QuerySet[Finding]) -> dict[str, int]:
    """Counts by status and overdue for a queryset of findings (force report summary)."""
    day = today()
    counts = findings.aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(status__in=Finding.OPEN_STATUSES, due_on__lt=day)),
        **{status.value: Count("id", filter=Q(status=status)) for status in Finding.Status},
    )
    return counts


#: Findings due within this many days are "due" on a force's start page.
DUE_SOON_DAYS = 90


def findings_due(user: AnyUser) -> QuerySet[Finding]:
    """Open findings with a due date within DUE_SOON_DAYS, or passed: the most overdue first."""
    return (findings_for(user).filter(status__in=Finding.OPEN_STATUSES, due_on__isnull=False,
                                      due_on__lte=today() + timedelta(days=DUE_SOON_DAYS))
            .order_by("due_on", "id"))


def findings_moved_since(user: AnyUser, since: datetime) -> QuerySet[FollowUp]:
    """Status changes on findings since ``since``, latest first, as the user may see them."""
    return (FollowUp.objects.visible_to(user).filter(created_at__gte=since).exclude(status_to="")
            .select_related("finding__inspection__force", "author").order_by("-created_at", "-id"))
