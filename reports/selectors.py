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

from audits.grading import Grades
from audits.models import AuditedCrime, Inspection, PublishedResult, SampleDraw, inspection_kind_title, inspection_title
from audits.selectors import inspection_grades
from core.categories import ReportCategory
from forces.models import RecordedCrimeVolume
from reports import record
from reports.figures import Figure, computed_figure, published_figure
from reports.models import FrozenComputedResult, FrozenPublishedResult, FrozenScope, ResultVersion
from reports.record import FrozenRate, FrozenVolume
from reports.results import (
    CATEGORIES,
    CancellationResults,
    CaseOutcomes,
    Group,
    InspectionResults,
    cancellation_results_for,
    case_outcomes_for,
    results_for,
)
from reports.scope import NOT_IN_OLD_RECORD, AdditionalRow, Scope, carried_from_title
from reports.statistics import (
    Change,
    ExtrapolationMethod,
    IntervalMethod,
    UnrecordedEstimate,
    additional_recorded_per_year,
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
    """Inspections the user may see that have a published result record (never a force's own audit)."""
    inspections: QuerySet[Inspection] = Inspection.objects.for_user(user).inspections()  # never a force's own audit
    return inspections.filter(Exists(ResultVersion.objects.filter(inspection=OuterRef("pk"))))


def inspections_with_results(user: AnyUser, include_provisional: bool = False) -> QuerySet[Inspection]:
    """Published inspections the user may see; with ``include_provisional``, also unpublished ones that
    have published-report figures or audited crimes."""
    has_version = Exists(ResultVersion.objects.filter(inspection=OuterRef("pk")))
    inspections: QuerySet[Inspection] = Inspection.objects.for_user(user).inspections()  # never a force's own audit
    if not include_provisional:
        return inspections.filter(has_version)
    has_published = PublishedResult.objects.filter(inspection=OuterRef("pk"))
    has_crimes = AuditedCrime.objects.filter(case__inspection=OuterRef("pk"))
    return inspections.filter(Q(has_version) | Q(Exists(has_published)) | Q(Exists(has_crimes)))


@dataclass
class InspectionFigures:
    """Every category's and result's figure for one inspection, computed and published side by side, from
    one version of its published record, or provisional (computed live) when ``version`` is None.

    ``scope`` says what the inspection audited: for anything else it has no figure of its own (``computed``,
    ``as_published`` and ``headline`` give None) and reports show the figure carried forward from its
    previous inspection instead (``headline_or_carried``), labelled so."""

    inspection: Inspection
    results: InspectionResults
    published: dict[str, Figure]  # category or result -> Figure
    method: IntervalMethod
    version: ResultVersion | None = None
    versions: list[ResultVersion] = field(default_factory=list)  # every version, newest first
    published_rows: dict[str, PublishedResult | FrozenPublishedResult] = field(default_factory=dict)
    scope: Scope = field(default_factory=Scope)
    # Provisional figures only: the previous inspection's latest published figures, for additional crimes a year.
    previous: InspectionFigures | None = None

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

    @property
    def grades(self) -> Grades:
        """As this version published them; provisional (as they stand) when there is no version."""
        if self.version is not None:
            return record.frozen_grades(self.version)
        return inspection_grades(self.inspection)

    @property
    def year(self) -> int | None:
        """The year the report is titled by, as published in this version."""
        return self.version.year if self.version is not None else self.inspection.year

    @property
    def kind_title(self) -> str:
        if self.inspection.is_self_audit:  # "Own audit, March 2026": never taken for an inspection
            return str(self.inspection.kind_title)
        return inspection_kind_title(self.inspection.get_kind_display(), self.year)

    @property
    def title(self) -> str:
        if self.inspection.is_self_audit:
            return str(self.inspection.title)
        return inspection_title(self.inspection.force.name, self.inspection.get_kind_display(), self.year)

    def computed(self, area: str) -> Figure | None:
        return computed_figure(self.results.groups[area]) if self.scope.audits(area) else None

    def as_published(self, area: str) -> Figure | None:
        return self.published.get(area) if self.scope.audits(area) else None

    def headline(self, area: str = ALL_CRIME) -> Figure | None:
        """The inspection's own figure: computed where it has cases, otherwise as published; None for what it
        did not audit."""
        return (self.computed(area) if self.has_cases else None) or self.as_published(area)

    def headline_or_carried(self, area: str = ALL_CRIME) -> Figure | None:
        """Its own figure, or for what it carried forward the previous inspection's, labelled carried forward."""
        return self.headline(area) or self.scope.carried_figure(area)

    def described_as(self, area: str) -> str:
        row = self.published_rows.get(area)
        return row.described_as if row is not None else ""

    @property
    def published_additional(self) -> dict[str, int]:
        """Additionally recorded crimes a year as the report published them, per category."""
        return {area: row.additional_recorded_per_year for area, row in self.published_rows.items()
                if row.additional_recorded_per_year is not None}

    def side_by_side(self, groups: Iterable[Group] = CATEGORIES
                     ) -> list[tuple[Group, Figure | None, Figure | None, float | None]]:
        rows: list[tuple[Group, Figure | None, Figure | None, float | None]] = []
        for group in groups:
            computed, published = self.computed(group.key), self.as_published(group.key)
            if computed or published:
                difference = computed.rate - published.rate if computed and published else None
                rows.append((group, computed, published, difference))
        return rows


def _published_figures(results: Iterable[PublishedResult | FrozenPublishedResult],
                       method: IntervalMethod) -> dict[str, Figure]:
    return {r.category: f for r in results if (f := published_figure(r, method))}


def _figures(inspection: Inspection, results: InspectionResults,
             rows: Iterable[PublishedResult | FrozenPublishedResult], method: IntervalMethod,
             version: ResultVersion | None = None, versions: Iterable[ResultVersion] = ()) -> InspectionFigures:
    rows = list(rows)
    return InspectionFigures(inspection, results, _published_figures(rows, method), method, version, list(versions),
                             published_rows={row.category: row for row in rows})


def live_figures_for(inspections: QuerySet[Inspection],
                     method: IntervalMethod = IntervalMethod.NORMAL) -> list[InspectionFigures]:
    """Provisional InspectionFigures computed from the audit data now, in a fixed number of queries whatever
    the count (a few more when some follow a published inspection)."""
    loaded = list(inspections.select_related("force", "previous_inspection__force").prefetch_related(
        Prefetch("published_results", queryset=PublishedResult.objects.order_by("category")), "grade_revisions"))
    results = results_for([i.pk for i in loaded], method)
    figures = [_figures(i, results[i.pk], i.published_results.all(), method) for i in loaded]
    previous = _previous_records({(i.previous_inspection_id, None) for i in loaded if i.previous_inspection_id},
                                 method)
    for item in figures:
        inspection = item.inspection
        item.previous = previous.get((inspection.previous_inspection_id, None)) if inspection.previous_inspection_id \
            else None
        if inspection.records_scope:
            title = carried_from_title(inspection.previous_inspection) if inspection.previous_inspection else ""
            item.scope = _scope(inspection.audited_areas, inspection.carried_forward_areas, title, item.previous)
    return figures


def _versions_prefetch(groups: Iterable[str] | None = None) -> Prefetch:
    """Every version with its computed rows (only ``groups``' when given), published rows and scope. Not
    "unrecorded" or "additional": only the one version whose estimates a page shows reads them (reports.record)."""
    computed = FrozenComputedResult.objects.all() if groups is None else FrozenComputedResult.objects.filter(
        group__in=groups)
    return Prefetch("result_versions", queryset=ResultVersion.objects.order_by("-number").prefetch_related(
        Prefetch("computed", queryset=computed), "published", "grades", "frozen_scope"))


def _frozen_scope_of(version: ResultVersion) -> FrozenScope | None:
    return getattr(version, "frozen_scope", None)  # a reverse one-to-one raises AttributeError when absent


def frozen_figures(inspection: Inspection, version: ResultVersion, method: IntervalMethod,
                   versions: Iterable[ResultVersion] = ()) -> InspectionFigures:
    """The version's figures, with its scope but without the figures it carries forward (see _with_carried)."""
    figures = _figures(inspection, record.frozen_results(version, method), version.published.all(), method, version,
                       versions)
    if (frozen := _frozen_scope_of(version)) is not None:
        figures.scope = Scope(tuple(frozen.audited), tuple(frozen.carried_forward), frozen.previous_title,
                              frozen.previous_version)
    return figures


def _scope(audited: Iterable[str], carried_forward: Iterable[str], previous_title: str,
           previous: InspectionFigures | None) -> Scope:
    """A scope with the previous inspection's own figures for what it carries forward (not what that one had
    itself carried forward from an earlier one: only an inspection's own figures are carried)."""
    carried = {area: figure.carried_forward_from(previous_title) for area in carried_forward
               if previous is not None and (figure := previous.headline(area))}
    return Scope(tuple(audited), tuple(carried_forward), previous_title,
                 previous.version.number if previous is not None and previous.version else None, carried)


def _previous_records(wanted: set[tuple[int, int | None]], method: IntervalMethod,
                      groups: Iterable[str] | None = None) -> dict[tuple[int, int | None], InspectionFigures]:
    """Figures of (inspection id, version number) from the published record, None for the latest version, in a
    fixed number of queries. Callers have scoped the inspections that refer to these (same force)."""
    if not wanted:
        return {}
    loaded = Inspection.objects.filter(pk__in={pk for pk, _ in wanted}).select_related("force").prefetch_related(
        _versions_prefetch(groups))
    found: dict[tuple[int, int | None], InspectionFigures] = {}
    for inspection in loaded:
        versions = list(inspection.result_versions.all())
        for pk, number in wanted:
            chosen = next((v for v in versions if number in (None, v.number)), None) if pk == inspection.pk else None
            if chosen is not None:
                found[(pk, number)] = frozen_figures(inspection, chosen, method, versions)
    return found


def _with_carried(figures: Iterable[InspectionFigures], method: IntervalMethod,
                  groups: Iterable[str] | None = None) -> None:
    """Give each frozen figures' scope the figures it carries forward, from the version of the previous
    inspection's record it named when it was published."""
    carrying = [(item, frozen) for item in figures if item.version is not None
                and (frozen := _frozen_scope_of(item.version)) is not None and frozen.carried_forward]
    previous = _previous_records({(frozen.previous_inspection_id, frozen.previous_version) for _, frozen in carrying
                                  if frozen.previous_inspection_id and frozen.previous_version}, method, groups)
    for item, frozen in carrying:
        earlier = previous.get((frozen.previous_inspection_id, frozen.previous_version)) \
            if frozen.previous_inspection_id else None
        item.scope = _scope(frozen.audited, frozen.carried_forward, frozen.previous_title, earlier)


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
    _with_carried(figures.values(), method, groups)
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
    # A re-inspection that did not audit all crime shows the figure it carried forward, labelled so.
    rows = [OverviewRow(f, f.headline_or_carried())
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


# Additionally recorded crimes a year ----------------------------------------------------------------


def additional_estimates(figures: InspectionFigures) -> list[AdditionalRow]:
    """Additionally recorded crimes a year per category, computed beside the published figure: as frozen in the
    record for published figures."""
    if figures.version is None:
        return live_additional_estimates(figures)
    rows = record.frozen_additional(figures.version, figures.published_additional)
    if rows or not figures.published_additional:
        return rows
    groups = {group.key: group for group in CATEGORIES}
    return [AdditionalRow(groups[key], "", None, None, None, None, "", None, NOT_IN_OLD_RECORD, published)
            for key, published in figures.published_additional.items() if key in groups]


def _additional_missing(figures: InspectionFigures, group: Group, earlier: Figure | None, later: Figure | None,
                        volume: RecordedCrimeVolume | None) -> str:
    """Why a category has no computed figure, or "" when it can have one."""
    previous = figures.previous
    label = group.label.lower()
    if previous is None:
        return ("No previous inspection to compare with." if figures.inspection.previous_inspection_id is None
                else "The previous inspection has no published figures.")
    if earlier is None:
        return f"No {label} rate in the previous inspection's published record."
    if later is None:
        if not figures.scope.audits(group.key):
            return f"This inspection did not audit {label} ({figures.scope.treatment_label(group.key).lower()})."
        return f"This inspection has no {label} rate."
    if figures.inspection.audit_period_end is None:
        return "No audit period, so no recorded-crime volume for it."
    if volume is None:
        return f"No {label} recorded-crime volume for the 12 months to the end of the audit period."
    return ""


def live_additional_estimates(figures: InspectionFigures) -> list[AdditionalRow]:
    """Per category with a figure to show: R × (1 − p₁ / p₂) from the previous inspection's rate (its latest
    published record), this inspection's own rate and the recorded-crime volume for its audit period."""
    previous = figures.previous
    volumes = matching_volumes(figures.inspection) if previous is not None else {}
    title = carried_from_title(figures.inspection.previous_inspection) if figures.inspection.previous_inspection_id \
        else ""
    rows: list[AdditionalRow] = []
    for group in CATEGORIES:
        earlier = previous.headline(group.key) if previous is not None else None
        later, volume = figures.headline(group.key), volumes.get(group.key)
        published = figures.published_additional.get(group.key)
        if not (previous is not None and later) and published is None:
            continue
        missing = _additional_missing(figures, group, earlier, later, volume)
        additional = None
        if not missing and earlier is not None and later is not None and volume is not None:
            additional = additional_recorded_per_year(volume.count, earlier.rate, later.rate)
        rows.append(AdditionalRow(
            group, title, earlier.rate if earlier else None, later.rate if later else None,
            volume.count if volume else None, volume.period_end if volume else None, volume.source if volume else "",
            additional, missing, published))
    return rows


def cancellation_review(figures: InspectionFigures) -> CancellationResults:
    """The inspection's cancellation review: as frozen in the record for published figures, live for provisional
    ones."""
    if figures.version is not None:
        return record.frozen_cancellations(figures.version)
    return cancellation_results_for(figures.inspection.pk)


def case_outcomes(figures: InspectionFigures) -> CaseOutcomes | None:
    """Records audited by source, N100 used correctly, equality information and safeguarding: as frozen in the
    record for published figures (None for a version frozen before they were recorded), live for provisional
    ones."""
    if figures.version is not None:
        return record.frozen_case_outcomes(figures.version)
    return case_outcomes_for(figures.inspection.pk)
