"""Reads behind the compliance reports. Every queryset starts from ``for_user``; every count comes from
reports.results (database aggregates)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery

from audits.categories import ReportCategory
from audits.models import AuditedCrime, Inspection, PublishedResult
from forces.models import RecordedCrimeVolume
from reports.figures import computed_figure, published_figure
from reports.results import CATEGORIES, results_for
from reports.statistics import IntervalMethod, compare, estimate_unrecorded

ALL_CRIME = ReportCategory.ALL_CRIME.value
# A recorded-crime volume matches an audit period if its 12 months end at most this long before it.
VOLUME_MATCH_DAYS = 92


def inspections_with_results(user):
    """Inspections the user may see that have published figures or audited crimes."""
    has_published = PublishedResult.objects.filter(inspection=OuterRef("pk"))
    has_crimes = AuditedCrime.objects.filter(case__inspection=OuterRef("pk"))
    return Inspection.objects.for_user(user).filter(Q(Exists(has_published)) | Q(Exists(has_crimes)))


def _with_published(inspections):
    return inspections.select_related("force").prefetch_related(
        Prefetch("published_results", queryset=PublishedResult.objects.order_by("category"))
    )


@dataclass
class InspectionFigures:
    """Every category's headline figure for one inspection, computed and published side by side."""

    inspection: Inspection
    results: object  # reports.results.InspectionResults
    published: dict  # category -> Figure
    method: IntervalMethod

    @property
    def has_cases(self):
        return self.results.has_cases

    def computed(self, category):
        return computed_figure(self.results.groups[category])

    def headline(self, category=ALL_CRIME):
        return (self.computed(category) if self.has_cases else None) or self.published.get(category)

    def side_by_side(self):
        rows = []
        for group in CATEGORIES:
            computed, published = self.computed(group.key), self.published.get(group.key)
            if computed or published:
                difference = computed.rate - published.rate if computed and published else None
                rows.append((group, computed, published, difference))
        return rows


def figures_for(inspections, method=IntervalMethod.NORMAL):
    """InspectionFigures for each inspection (a scoped queryset), in three queries whatever the count."""
    inspections = list(_with_published(inspections))
    results = results_for([i.pk for i in inspections], method)
    return [
        InspectionFigures(
            inspection,
            results[inspection.pk],
            {r.category: f for r in inspection.published_results.all() if (f := published_figure(r, method))},
            method,
        )
        for inspection in inspections
    ]


# National overview -------------------------------------------------------------------------------


@dataclass
class OverviewRow:
    figures: InspectionFigures
    headline: object  # Figure or None

    @property
    def inspection(self):
        return self.figures.inspection


SORTS = {
    "rate": (lambda row: (row.headline is None, -(row.headline.rate if row.headline else 0))),
    "-rate": (lambda row: (row.headline is None, row.headline.rate if row.headline else 0)),
    "force": (lambda row: row.inspection.force.name),
    "region": (lambda row: (row.inspection.force.region, row.inspection.force.name)),
    "published": (lambda row: (-(row.inspection.published_on.toordinal() if row.inspection.published_on else 0))),
}


def latest_per_force(inspections):
    latest = inspections.filter(force=OuterRef("force")).order_by("-published_on", "-pk").values("pk")[:1]
    return inspections.filter(pk=Subquery(latest))


def national_overview(filtered_inspections, method=IntervalMethod.NORMAL, sort="rate"):
    rows = [OverviewRow(f, f.headline()) for f in figures_for(latest_per_force(filtered_inspections), method)]
    rows.sort(key=SORTS.get(sort, SORTS["rate"]))
    return rows


def overlapping_neighbours(rows):
    """How many pairs of neighbouring rows (in rate order) have overlapping intervals."""
    ranked = sorted((r.headline for r in rows if r.headline and r.headline.margin is not None),
                    key=lambda f: f.rate, reverse=True)
    pairs = list(zip(ranked, ranked[1:]))
    return sum(1 for higher, lower in pairs if lower.high >= higher.low), len(pairs)


# Force and inspection reports --------------------------------------------------------------------


@dataclass
class Trend:
    category: object  # reports.results.Group
    points: list = field(default_factory=list)  # (InspectionFigures, Figure)
    changes: list = field(default_factory=list)  # (before InspectionFigures, after InspectionFigures, Change)


def force_trends(figures):
    """Each category's figure across the force's inspections, oldest first, with the change between
    consecutive inspections."""
    ordered = sorted(figures, key=lambda f: (f.inspection.published_on is None, f.inspection.published_on, f.inspection.pk))
    trends = []
    for group in CATEGORIES:
        trend = Trend(group)
        for item in ordered:
            figure = item.headline(group.key)
            if figure:
                trend.points.append((item, figure))
        for (before, old), (after, new) in zip(trend.points, trend.points[1:]):
            if old.estimate and new.estimate:
                trend.changes.append((before, after, compare(old.estimate, new.estimate)))
        trends.append(trend)
    return trends


def matching_volumes(inspection):
    """The recorded-crime volume per category for the 12 months to the end of the audit period."""
    end = inspection.audit_period_end
    if end is None:
        return {}
    volumes = RecordedCrimeVolume.objects.filter(
        force_id=inspection.force_id, period_end__lte=end, period_end__gt=end - timedelta(days=VOLUME_MATCH_DAYS)
    ).order_by("category", "-period_end")
    chosen = {}
    for volume in volumes:
        chosen.setdefault(volume.category, volume)
    return chosen


def unrecorded_estimates(figures, method):
    """Estimated unrecorded crimes a year per category, where both a rate and a volume are known."""
    volumes = matching_volumes(figures.inspection)
    estimates = []
    for group in CATEGORIES:
        figure, volume = figures.headline(group.key), volumes.get(group.key)
        if figure and figure.estimate and volume:
            estimates.append((group, figure, volume, estimate_unrecorded(volume.count, figure.estimate, method)))
    return estimates
