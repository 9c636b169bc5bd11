"""Reads behind the compliance reports. Every queryset starts from ``for_user``.

Published figures come from the published result record (reports.models, reports.record); an
inspection that has never been published has only *provisional* figures, computed live from its
audited cases (reports.results). Provisional figures appear on the inspection's own pages, and
elsewhere only when an inspector asks for them, always labelled.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery

from audits.models import AuditedCrime, Inspection, PublishedResult, SampleDraw
from core.categories import ReportCategory
from forces.models import RecordedCrimeVolume
from reports import record
from reports.figures import computed_figure, published_figure
from reports.models import FrozenComputedResult, ResultVersion
from reports.results import CATEGORIES, results_for
from reports.statistics import ExtrapolationMethod, IntervalMethod, compare, estimate_unrecorded

ALL_CRIME = ReportCategory.ALL_CRIME.value
# A recorded-crime volume matches an audit period if its 12 months end at most this long before it.
VOLUME_MATCH_DAYS = 92
def published_inspections(user):
    """Inspections the user may see that have a published result record."""
    return Inspection.objects.for_user(user).filter(Exists(ResultVersion.objects.filter(inspection=OuterRef("pk"))))


def inspections_with_results(user, include_provisional=False):
    """Published inspections the user may see; with ``include_provisional``, also unpublished ones that
    have published-report figures or audited crimes."""
    has_version = Exists(ResultVersion.objects.filter(inspection=OuterRef("pk")))
    if not include_provisional:
        return Inspection.objects.for_user(user).filter(has_version)
    has_published = PublishedResult.objects.filter(inspection=OuterRef("pk"))
    has_crimes = AuditedCrime.objects.filter(case__inspection=OuterRef("pk"))
    return Inspection.objects.for_user(user).filter(Q(has_version) | Q(Exists(has_published)) | Q(Exists(has_crimes)))


@dataclass
class InspectionFigures:
    """Every category's headline figure for one inspection, computed and published side by side, from
    one version of its published record, or provisional (computed live) when ``version`` is None."""

    inspection: Inspection
    results: object  # reports.results.InspectionResults
    published: dict  # category -> Figure
    method: IntervalMethod
    version: ResultVersion | None = None
    versions: list = field(default_factory=list)  # every version, newest first

    @property
    def provisional(self):
        return self.version is None

    @property
    def synthetic(self):
        if self.version is not None:
            return self.version.is_synthetic
        return self.inspection.sample_is_synthetic and self.has_cases

    @property
    def status_label(self):
        return "Provisional — not published" if self.provisional else "Published"

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


def _published_figures(results, method):
    return {r.category: f for r in results if (f := published_figure(r, method))}


def live_figures_for(inspections, method=IntervalMethod.NORMAL):
    """Provisional InspectionFigures computed from the audit data now, in three queries whatever the count."""
    inspections = list(inspections.select_related("force").prefetch_related(
        Prefetch("published_results", queryset=PublishedResult.objects.order_by("category"))))
    results = results_for([i.pk for i in inspections], method)
    return [InspectionFigures(i, results[i.pk], _published_figures(i.published_results.all(), method), method)
            for i in inspections]


def _versions_prefetch(groups=None):
    """Every version with its computed rows (only ``groups``' when given) and published rows. Not
    "unrecorded": only the one version whose estimates a page shows reads them (reports.record)."""
    computed = FrozenComputedResult.objects.all() if groups is None else FrozenComputedResult.objects.filter(
        group__in=groups)
    return Prefetch("result_versions", queryset=ResultVersion.objects.order_by("-number").prefetch_related(
        Prefetch("computed", queryset=computed), "published"))


def frozen_figures(inspection, version, method, versions=()):
    return InspectionFigures(inspection, record.frozen_results(version, method),
                             _published_figures(version.published.all(), method), method, version, list(versions))


def figures_for(inspections, method=IntervalMethod.NORMAL, include_provisional=False, version_number=None,
                groups=None):
    """InspectionFigures for each inspection (a scoped queryset) in a fixed number of queries: published
    ones from their record (the latest version, or ``version_number``), the rest provisional and only
    with ``include_provisional``. ``groups`` limits the computed groups read to those a page shows."""
    inspections = list(inspections.select_related("force").prefetch_related(_versions_prefetch(groups)))
    figures, unpublished = {}, []
    for inspection in inspections:
        versions = list(inspection.result_versions.all())
        chosen = next((v for v in versions if version_number in (None, v.number)), None)
        if chosen is not None:
            figures[inspection.pk] = frozen_figures(inspection, chosen, method, versions)
        elif include_provisional and not (versions and version_number):
            unpublished.append(inspection.pk)
    if unpublished:
        for live in live_figures_for(Inspection.objects.filter(pk__in=unpublished), method):
            figures[live.inspection.pk] = live
    return [figures[i.pk] for i in inspections if i.pk in figures]


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
    """Each force's most recent inspection: an unpublished one (no date yet; only there when provisional
    figures were asked for) is more recent than any published one, on every database."""
    latest = inspections.filter(force=OuterRef("force")).order_by(
        F("published_on").desc(nulls_first=True), "-pk").values("pk")[:1]
    return inspections.filter(pk=Subquery(latest))


def national_overview(filtered_inspections, method=IntervalMethod.NORMAL, sort="rate", include_provisional=False):
    latest = latest_per_force(filtered_inspections)
    rows = [OverviewRow(f, f.headline())
            for f in figures_for(latest, method, include_provisional, groups=[ALL_CRIME])]
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


def latest_with_cases(figures):
    """The most recent inspection whose figures were computed from audited cases."""
    return max((f for f in figures if f.has_cases),
               key=lambda f: (f.inspection.published_on is not None, f.inspection.published_on, f.inspection.pk),
               default=None)


def sample_draw(inspection):
    return SampleDraw.objects.filter(frame__inspection=inspection).first()


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


def unrecorded_estimates(figures, method: ExtrapolationMethod):
    """Estimated unrecorded crimes a year per category: as frozen in the record for published figures."""
    if figures.version is not None:
        return record.frozen_unrecorded(figures.version, figures.method, method)
    return live_unrecorded_estimates(figures, method)


def live_unrecorded_estimates(figures, method: ExtrapolationMethod):
    """Estimated unrecorded crimes a year per category, where both a rate and a volume are known."""
    volumes = matching_volumes(figures.inspection)
    estimates = []
    for group in CATEGORIES:
        figure, volume = figures.headline(group.key), volumes.get(group.key)
        if figure and figure.estimate and volume:
            estimates.append((group, figure, volume, estimate_unrecorded(volume.count, figure.estimate, method)))
    return estimates
