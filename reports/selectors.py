"""Reads behind the compliance reports. Every queryset starts from ``for_user``.

Published figures come from the published result record (reports.models, reports.record); an
inspection that has never been published has only *provisional* figures, computed live from its
audited cases (reports.results). Provisional figures appear on the inspection's own pages, and
elsewhere only when an inspector asks for them, always labelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from audits.models import AuditedCrime, Inspection, PublishedResult, SampleDraw
from core.categories import ReportCategory
from forces.models import RecordedCrimeVolume
from reports import record
from reports.figures import Figure, computed_figure, published_figure
from reports.models import FrozenComputedResult, FrozenPublishedResult, ResultVersion
from reports.record import FrozenRate, FrozenVolume
from reports.results import (
    CATEGORIES,
    CancellationResults,
    Group,
    InspectionResults,
    cancellation_results_for,
    results_for,
)
from reports.statistics import (
    Change,
    ExtrapolationMethod,
    IntervalMethod,
    UnrecordedEstimate,
    compare,
    estimate_unrecorded,
)

if TYPE_CHECKING:

    from core.types import AnyUser

ALL_CRIME = ReportCategory.ALL_CRIME.value
# A recorded-crime volume matches an audit period if its 12 months end at most this long before it.
VOLUME_MATCH_DAYS = 92
def version_number(value: str | None) -> int | None:
    """A ``?version=`` value as a number, None when absent; ValueError for anything but ASCII digits
    (``str.isdigit`` alone lets "１" through)."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"Not a version number: {value!r}")
    return int(value)


def published_inspections(user: AnyUser) -> QuerySet[Inspection]:
    """Inspections the user may see that have a published result record."""
    return Inspection.objects.for_user(user).filter(Exists(ResultVersion.objects.filter(inspection=OuterRef("pk"))))


def inspections_with_results(user: AnyUser, include_provisional: bool = False) -> QuerySet[Inspection]:
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
    results: InspectionResults
    published: dict[str, Figure]  # category -> Figure
    method: IntervalMethod
    version: ResultVersion | None = None
    versions: list[ResultVersion] = field(default_factory=list)  # every version, newest first

    @property
    def provisional(self) -> bool:
        return self.version is None

    @property
    def synthetic(self) -> bool:
        if self.version is not None:
            return self.version.is_synthetic
        return self.inspection.sample_is_synthetic and self.has_cases

    @property
    def status_label(self) -> str:
        return "Provisional — not published" if self.provisional else "Published"

    @property
    def has_cases(self) -> bool:
        return self.results.has_cases

    def computed(self, category: str) -> Figure | None:
        return computed_figure(self.results.groups[category])

    def headline(self, category: str = ALL_CRIME) -> Figure | None:
        return (self.computed(category) if self.has_cases else None) or self.published.get(category)

    def side_by_side(self) -> list[tuple[Group, Figure | None, Figure | None, float | None]]:
        rows: list[tuple[Group, Figure | None, Figure | None, float | None]] = []
        for group in CATEGORIES:
            computed, published = self.computed(group.key), self.published.get(group.key)
            if computed or published:
                difference = computed.rate - published.rate if computed and published else None
                rows.append((group, computed, published, difference))
        return rows


def _published_figures(results: Iterable[PublishedResult | FrozenPublishedResult],
                       method: IntervalMethod) -> dict[str, Figure]:
    return {r.category: f for r in results if (f := published_figure(r, method))}


def live_figures_for(inspections: QuerySet[Inspection],
                     method: IntervalMethod = IntervalMethod.NORMAL) -> list[InspectionFigures]:
    """Provisional InspectionFigures computed from the audit data now, in three queries whatever the count."""
    loaded = list(inspections.select_related("force").prefetch_related(
        Prefetch("published_results", queryset=PublishedResult.objects.order_by("category"))))
    results = results_for([i.pk for i in loaded], method)
    return [InspectionFigures(i, results[i.pk], _published_figures(i.published_results.all(), method), method)
            for i in loaded]


def _versions_prefetch(groups: Iterable[str] | None = None) -> Prefetch:
    """Every version with its computed rows (only ``groups``' when given) and published rows. Not
    "unrecorded": only the one version whose estimates a page shows reads them (reports.record)."""
    computed = FrozenComputedResult.objects.all() if groups is None else FrozenComputedResult.objects.filter(
        group__in=groups)
    return Prefetch("result_versions", queryset=ResultVersion.objects.order_by("-number").prefetch_related(
        Prefetch("computed", queryset=computed), "published"))


def frozen_figures(inspection: Inspection, version: ResultVersion, method: IntervalMethod,
                   versions: Iterable[ResultVersion] = ()) -> InspectionFigures:
    return InspectionFigures(inspection, record.frozen_results(version, method),
                             _published_figures(version.published.all(), method), method, version, list(versions))


def figures_for(inspections: QuerySet[Inspection], method: IntervalMethod = IntervalMethod.NORMAL,
                include_provisional: bool = False, version_number: int | None = None,
                groups: Iterable[str] | None = None) -> list[InspectionFigures]:
    """InspectionFigures for each inspection (a scoped queryset) in a fixed number of queries: published
    ones from their record (the latest version, or ``version_number``), the rest provisional and only
    with ``include_provisional``. ``groups`` limits the computed groups read to those a page shows."""
    loaded = list(inspections.select_related("force").prefetch_related(_versions_prefetch(groups)))
    figures: dict[int, InspectionFigures] = {}
    unpublished: list[int] = []
    for inspection in loaded:
        versions = list(inspection.result_versions.all())
        chosen = next((v for v in versions if version_number in (None, v.number)), None)
        if chosen is not None:
            figures[inspection.pk] = frozen_figures(inspection, chosen, method, versions)
        elif include_provisional and not (versions and version_number):
            unpublished.append(inspection.pk)
    if unpublished:
        for live in live_figures_for(Inspection.objects.filter(pk__in=unpublished), method):
            figures[live.inspection.pk] = live
    return [figures[i.pk] for i in loaded if i.pk in figures]


# National overview -------------------------------------------------------------------------------


@dataclass
class OverviewRow:
    figures: InspectionFigures
    headline: Figure | None

    @property
    def inspection(self) -> Inspection:
        return self.figures.inspection


SORTS: dict[str, Callable[[OverviewRow], Any]] = {
    "rate": (lambda row: (row.headline is None, -(row.headline.rate if row.headline else 0))),
    "-rate": (lambda row: (row.headline is None, row.headline.rate if row.headline else 0)),
    "force": (lambda row: row.inspection.force.name),
    "region": (lambda row: (row.inspection.force.region, row.inspection.force.name)),
    "published": (lambda row: (-(row.inspection.published_on.toordinal() if row.inspection.published_on else 0))),
}


def latest_per_force(inspections: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """Each force's most recent inspection: an unpublished one (no date yet; only there when provisional
    figures were asked for) is more recent than any published one, on every database."""
    latest = inspections.filter(force=OuterRef("force")).order_by(
        F("published_on").desc(nulls_first=True), "-pk").values("pk")[:1]
    return inspections.filter(pk=Subquery(latest))


def national_overview(filtered_inspections: QuerySet[Inspection], method: IntervalMethod = IntervalMethod.NORMAL,
                      sort: str = "rate", include_provisional: bool = False) -> list[OverviewRow]:
    latest = latest_per_force(filtered_inspections)
    rows = [OverviewRow(f, f.headline())
            for f in figures_for(latest, method, include_provisional, groups=[ALL_CRIME])]
    rows.sort(key=SORTS.get(sort, SORTS["rate"]))
    return rows


def overlapping_neighbours(rows: Iterable[OverviewRow]) -> tuple[int, int]:
    """How many pairs of neighbouring rows (in rate order) have overlapping intervals."""
    ranked = sorted((r.headline for r in rows if r.headline and r.headline.margin is not None),
                    key=lambda f: f.rate, reverse=True)
    pairs = list(zip(ranked, ranked[1:]))
    # Figures with a margin have both bounds.
    return sum(1 for higher, lower in pairs if cast(float, lower.high) >= cast(float, higher.low)), len(pairs)


# Force and inspection reports --------------------------------------------------------------------


@dataclass
class Trend:
    category: Group
    points: list[tuple[InspectionFigures, Figure]] = field(default_factory=list)
    # (before, after, the change between their figures)
    changes: list[tuple[InspectionFigures, InspectionFigures, Change | None]] = field(default_factory=list)


def force_trends(figures: Iterable[InspectionFigures]) -> list[Trend]:
    """Each category's figure across the force's inspections, oldest first, with the change between
    consecutive inspections."""
    ordered = sorted(figures, key=lambda f: (f.inspection.published_on is None, f.inspection.published_on, f.inspection.pk))
    trends: list[Trend] = []
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


def latest_with_cases(figures: Iterable[InspectionFigures]) -> InspectionFigures | None:
    """The most recent inspection whose figures were computed from audited cases."""
    return max((f for f in figures if f.has_cases),
               key=lambda f: (f.inspection.published_on is not None, f.inspection.published_on, f.inspection.pk),
               default=None)


def sample_draw(inspection: Inspection) -> SampleDraw | None:
    return SampleDraw.objects.filter(frame__inspection=inspection).first()


def matching_volumes(inspection: Inspection) -> dict[str, RecordedCrimeVolume]:
    """The recorded-crime volume per category for the 12 months to the end of the audit period."""
    end = inspection.audit_period_end
    if end is None:
        return {}
    volumes = RecordedCrimeVolume.objects.filter(
        force_id=inspection.force_id, period_end__lte=end, period_end__gt=end - timedelta(days=VOLUME_MATCH_DAYS)
    ).order_by("category", "-period_end")
    chosen: dict[str, RecordedCrimeVolume] = {}
    for volume in volumes:
        chosen.setdefault(volume.category, volume)
    return chosen


# (group, the figure its rate came from, the recorded-crime volume, the estimate), live or as frozen.
UnrecordedRow = tuple[Group, Figure | FrozenRate, RecordedCrimeVolume | FrozenVolume, UnrecordedEstimate]


def unrecorded_estimates(figures: InspectionFigures, method: ExtrapolationMethod) -> Sequence[UnrecordedRow]:
    """Estimated unrecorded crimes a year per category: as frozen in the record for published figures."""
    if figures.version is not None:
        return record.frozen_unrecorded(figures.version, figures.method, method)
    return live_unrecorded_estimates(figures, method)


def live_unrecorded_estimates(
    figures: InspectionFigures, method: ExtrapolationMethod
) -> list[tuple[Group, Figure, RecordedCrimeVolume, UnrecordedEstimate]]:
    """Estimated unrecorded crimes a year per category, where both a rate and a volume are known."""
    volumes = matching_volumes(figures.inspection)
    estimates: list[tuple[Group, Figure, RecordedCrimeVolume, UnrecordedEstimate]] = []
    for group in CATEGORIES:
        figure, volume = figures.headline(group.key), volumes.get(group.key)
        if figure and figure.estimate and volume:
            estimates.append((group, figure, volume, estimate_unrecorded(volume.count, figure.estimate, method)))
    return estimates


def cancellation_review(figures: InspectionFigures) -> CancellationResults:
    """The inspection's cancellation review: as frozen in the record for published figures, live for provisional
    ones."""
    if figures.version is not None:
        return record.frozen_cancellations(figures.version)
    return cancellation_results_for(figures.inspection.pk)
