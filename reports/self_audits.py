"""A force's own audits (self-audits) as reports read them: the monthly series as a p-chart per category, and the
force's own results against the inspectorate's where their audit periods overlap.

Self-audits are never published, so they are read live from their audit data (reports.results.results_for), only
once closed, and only through ``audits.selectors.self_audits_for`` (the user's scope). They never reach the national
figures, league tables or public pages, which read inspections only (``InspectionQuerySet.inspections``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audits.models import Inspection
from audits.selectors import self_audits_for
from reports.charts import p_chart_geometry
from reports.results import CATEGORIES, Group, InspectionResults, results_for
from reports.selectors import InspectionFigures, figures_for, published_inspections
from reports.statistics import Agreement, ControlPoint, agreement, p_chart

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from core.types import AnyUser
    from forces.models import Force


def closed_self_audits(user: AnyUser, force: Force) -> QuerySet[Inspection]:
    """The force's closed self-audits the user may see, by audit period: the ones the series and comparison count
    (an audit still open may yet change)."""
    audits: QuerySet[Inspection] = self_audits_for(user, force).filter(status=Inspection.Status.CLOSED)
    return audits


def open_self_audits(user: AnyUser, force: Force) -> QuerySet[Inspection]:
    """The force's self-audits not yet closed, which the pages list but do not count."""
    audits: QuerySet[Inspection] = self_audits_for(user, force).exclude(status=Inspection.Status.CLOSED)
    return audits


def month_label(audit: Inspection) -> str:
    start = audit.audit_period_start
    return f"{start:%b %Y}" if start else audit.audit_period_label


@dataclass
class CategorySeries:
    group: Group
    p_bar: float | None
    rows: list[tuple[Inspection, ControlPoint | None]]
    chart: dict[str, Any] | None

    @property
    def signals(self) -> int:
        return sum(1 for _, point in self.rows if point is not None and point.outside_95)


def monthly_series(user: AnyUser, force: Force) -> list[CategorySeries]:
    """For each report category, the force's closed self-audits in order with each one's p-chart point (its
    limits from its own n around the pooled p̄). Five queries however many months."""
    audits = list(closed_self_audits(user, force))
    results = results_for([audit.pk for audit in audits])
    series = []
    for group in CATEGORIES:
        counts = [(results[a.pk].groups[group.key].recorded, results[a.pk].groups[group.key].audited) for a in audits]
        p_bar, points = p_chart(counts)
        chart = p_chart_geometry(p_bar, [(month_label(a), point) for a, point in zip(audits, points)])
        series.append(CategorySeries(group, p_bar, list(zip(audits, points)), chart))
    return series


@dataclass
class ComparisonRow:
    group: Group
    result: Agreement | None  # None: the inspection did not audit this category itself


@dataclass
class Comparison:
    """One inspection of the force against the force's own closed audits whose periods overlap its audit period."""

    figures: InspectionFigures
    self_audits: list[Inspection]
    rows: list[ComparisonRow]

    @property
    def inspection(self) -> Inspection:
        return self.figures.inspection


def _pooled(results: dict[int, InspectionResults], audits: list[Inspection], key: str) -> tuple[int, int]:
    return (sum(results[a.pk].groups[key].recorded for a in audits),
            sum(results[a.pk].groups[key].audited for a in audits))


def overlapping(audits: list[Inspection], inspection: Inspection) -> list[Inspection]:
    """The self-audits whose audit period shares at least a day with the inspection's."""
    start, end = inspection.audit_period_start, inspection.audit_period_end
    if start is None or end is None:
        return []
    return [a for a in audits if a.audit_period_start is not None and a.audit_period_end is not None
            and a.audit_period_start <= end and a.audit_period_end >= start]


def comparisons(user: AnyUser, force: Force) -> list[Comparison]:
    """Each published inspection of the force (its published record: never unpublished data) whose audit period
    overlaps closed self-audits, against those self-audits pooled, per category. A fixed number of queries."""
    audits = list(closed_self_audits(user, force))
    inspections = published_inspections(user).filter(force=force, audit_period_start__isnull=False,
                                                     audit_period_end__isnull=False)
    found = [(figures, overlapping(audits, figures.inspection))
             for figures in figures_for(inspections, groups=[group.key for group in CATEGORIES])]
    found = [(figures, matched) for figures, matched in found if matched]
    results = results_for(sorted({a.pk for _, matched in found for a in matched}))
    compared = []
    for figures, matched in found:
        rows = []
        for group in CATEGORIES:
            theirs = figures.results.groups[group.key]
            if not figures.scope.audits(group.key) or not figures.has_cases:
                rows.append(ComparisonRow(group, None))
                continue
            rows.append(ComparisonRow(group, agreement(*_pooled(results, matched, group.key), theirs.recorded,
                                                       theirs.audited)))
        compared.append(Comparison(figures, matched, rows))
    return compared
