"""What the public pages show: only the frozen published record (reports.models) and the published findings of
published inspections, with their status and dates. Never a provisional figure, a case, an internal note, a
username or an evidence file: nothing here reads them.

Each figure is shown as published beside the figure computed from the audited cases, every empty figure says why,
and a one-point series says there is no trend yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from core.categories import ReportCategory
from forces.models import Force
from recommendations.models import Finding, FollowUp
from reports.charts import chart_values, rate_range, trend_chart
from reports.league import (
    League,
    ShownFigure,
    computed_shown,
    league_for,
    published_record_inspections,
    published_shown,
    shown_reasons,
)
from reports.models import FrozenUnrecordedEstimate, ResultVersion
from reports.selectors import InspectionFigures, figures_for
from reports.statistics import ExtrapolationMethod, IntervalMethod
from reports.tables import NO_CASES_REASON, WHY_COLUMN, Table, month, pct, points, published_way

METHOD = IntervalMethod.NORMAL  # the interval the inspectorate publishes
EXTRAPOLATION = ExtrapolationMethod.PER_RECORDED
CATEGORY_AREAS = [category.value for category in ReportCategory]


def public_forces() -> QuerySet[Force]:
    """Every force: their names and regions are public."""
    return Force.objects.order_by("name")


def public_league(area: str, forces: QuerySet[Force]) -> League:
    return league_for(forces, published_record_inspections(), area, METHOD, tell_unpublished=False)


# Force page ---------------------------------------------------------------------------------------------

NO_TREND_YET = "One published figure so far: no trend yet."


@dataclass
class TrendPoint:
    figures: InspectionFigures
    published: ShownFigure | None
    computed: ShownFigure | None

    @property
    def charted(self) -> ShownFigure:
        return self.published or self.computed  # type: ignore[return-value]  # a point has one or the other

    @property
    def label(self) -> str:
        return str(self.figures.year or month(self.figures.inspection.published_on))

    @property
    def reason(self) -> str:
        """Why a figure of the point is shown as "x of y" (sample too small), or ""."""
        return shown_reasons(self.published, self.computed)


@dataclass
class PublicTrend:
    area: str
    label: str
    points: list[TrendPoint] = field(default_factory=list)
    chart: dict[str, Any] | None = None

    @property
    def reason(self) -> str:
        if not self.points:
            return f"No published inspection of this force has a {self.label.lower()} figure."
        if len(self.points) == 1:
            return NO_TREND_YET
        return ""


def force_figures(force: Force) -> list[InspectionFigures]:
    """The force's published inspections, oldest first, from the published record (latest version each)."""
    figures = figures_for(published_record_inspections().filter(force=force), METHOD, groups=CATEGORY_AREAS)
    return sorted(figures, key=lambda f: (f.inspection.published_on or date.min, f.inspection.pk))


def force_trends(figures: list[InspectionFigures]) -> list[PublicTrend]:
    """Each category's published and computed figures over time, with one chart each on a shared y-axis."""
    labels = dict(ReportCategory.choices)
    trends = []
    for area in CATEGORY_AREAS:
        trend = PublicTrend(area, labels[area])
        for item in figures:
            published = published_shown(item, area, METHOD)
            computed = computed_shown(item.computed(area) if item.has_cases else None)
            if published or computed:
                trend.points.append(TrendPoint(item, published, computed))
        trends.append(trend)
    # Both figures of each point on the chart, on one y-axis for every chart of the page.
    shared_low, _ = rate_range(chart_values([(p.label, p.published, p.computed) for t in trends for p in t.points]))
    for trend in trends:
        if len(trend.points) > 1:
            trend.chart = trend_chart([(p.label, p.published, p.computed) for p in trend.points], low=shared_low)
    return trends


def trends_table(trends: list[PublicTrend]) -> Table:
    return Table(
        "published_results",
        "Published results by inspection",
        ["Category", "Inspection", "Published", "As published", "Published rate (%)", "Published ± (points)",
         "Computed from audited cases", "Computed rate (%)", "Computed ± (points)", "Sample", WHY_COLUMN],
        [[trend.label, point.figures.kind_title, month(point.figures.inspection.published_on),
          point.published.summary if point.published else _no_published(point),
          pct(point.published.rate) if point.published else None,
          points(point.published.margin) if point.published else None,
          point.computed.summary if point.computed else "No audited cases in this category",
          pct(point.computed.rate) if point.computed else None,
          points(point.computed.margin) if point.computed else None,
          "Synthetic" if point.figures.synthetic else ("Audited cases" if point.figures.has_cases else "Report only"),
          point.reason or None]
         for trend in trends for point in trend.points],
        note="As published: the figure the inspection report printed, with its interval only where the report gave "
             "one. Computed: worked out here from the audited cases, with a 95% interval "
             f"({METHOD.description}).",
        numeric_from=4, numeric_until=6,
    )


def _no_published(point: TrendPoint) -> str:
    return "The report published no figure for this category"


@dataclass
class UnrecordedLine:
    label: str
    published: int | None
    computed: float | None
    low: float | None
    high: float | None
    volume: int | None
    period_end: date | None
    reason: str

    @property
    def published_text(self) -> str | None:
        return published_way(self.published)

    @property
    def computed_text(self) -> str | None:
        return published_way(self.computed)


def unrecorded_lines(latest: InspectionFigures | None) -> list[UnrecordedLine]:
    """Estimated unrecorded crimes a year per category in the latest published inspection, as published and as
    computed, or why there is none."""
    if latest is None or latest.version is None:
        return []
    version: ResultVersion = latest.version
    frozen = {row.category: row for row in FrozenUnrecordedEstimate.objects.filter(
        version=version, interval_method=METHOD.key, extrapolation_method=EXTRAPOLATION.key)}
    lines = []
    for category in ReportCategory:
        row = frozen.get(category.value)
        published_row = latest.published_rows.get(category.value)
        published = published_row.unrecorded_per_year if published_row is not None else None
        reason = ""
        if row is None or row.central is None:
            reason = _unrecorded_reason(latest, category.value)
        lines.append(UnrecordedLine(
            category.label, published, row.central if row else None, row.low if row else None,
            row.high if row else None, row.volume if row else None, row.volume_period_end if row else None, reason))
    return lines


def missing_unrecorded(figures: InspectionFigures, estimated: set[str]) -> list[tuple[str, str]]:
    """(category label, why there is no estimate) for each category without an estimate of unrecorded crimes."""
    return [(category.label, _unrecorded_reason(figures, category.value)) for category in ReportCategory
            if category.value not in estimated]


def _unrecorded_reason(figures: InspectionFigures, area: str) -> str:
    if not figures.scope.audits(area):
        return "Category not audited in this inspection"
    if figures.headline(area) is None:
        # Audited cases, none of them in this category: the category was not audited (tables.NO_CASES_REASON).
        return NO_CASES_REASON if figures.has_cases else "No recording rate for this category"
    if figures.inspection.audit_period_end is None:
        return "No audit period recorded, so no recorded-crime base to estimate from"
    headline = figures.headline(area)
    if headline is not None and headline.estimate is None:
        return "The published rate has neither counts nor an interval to estimate from"
    return "No recorded-crime figure for the 12 months to the end of the audit period"


def unrecorded_table(lines: list[UnrecordedLine]) -> Table:
    return Table(
        "unrecorded",
        "Estimated unrecorded crimes a year, latest inspection",
        ["Category", "As published", "Computed (as reports print it)", "Computed exactly", "Low", "High",
         "Recorded crimes (base)", "Base: 12 months to", "Why no computed figure"],
        [[line.label, line.published_text or ("Not published" if line.reason == "" else None),
          line.computed_text, None if line.computed is None else round(line.computed),
          None if line.low is None else round(line.low), None if line.high is None else round(line.high),
          line.volume, line.period_end.strftime("%d/%m/%Y") if line.period_end else None, line.reason or None]
         for line in lines],
        note=f"Estimated with {EXTRAPOLATION.formula} ({EXTRAPOLATION.explanation}), R being police recorded crime "
             "for the 12 months to the end of the audit period. Reports print these rounded down to the hundred "
             "(“over 35,200”); the exact figure is beside it.",
        numeric_from=3, numeric_until=8,
    )


# Findings -----------------------------------------------------------------------------------------------

def public_findings(force: Force) -> QuerySet[Finding]:
    """The force's findings from published inspections, with the date their status last changed in an entry the
    force could see (never an internal note's date)."""
    published = Exists(ResultVersion.objects.filter(inspection=OuterRef("inspection")))
    return (Finding.objects.filter(published, inspection__force=force)
            .select_related("inspection")
            .annotate(status_since=Max("follow_ups__created_at", filter=Q(
                follow_ups__visibility=FollowUp.Visibility.FORCE) & ~Q(follow_ups__status_to="")))
            .order_by("-inspection__published_on", "reference"))


def findings_table(findings: QuerySet[Finding]) -> Table:
    return Table(
        "findings",
        "Published findings and their status",
        ["Reference", "Kind", "Finding", "Published", "Timescale", "Due", "Status", "Status since"],
        [[finding.reference, finding.get_kind_display(), finding.text,
          finding.inspection.published_on.strftime("%d/%m/%Y") if finding.inspection.published_on else None,
          finding.get_timescale_display(), finding.due_on.strftime("%d/%m/%Y") if finding.due_on else None,
          finding.get_status_display(),
          (finding.status_since.strftime("%d/%m/%Y") if finding.status_since else
           (finding.inspection.published_on.strftime("%d/%m/%Y") if finding.inspection.published_on else None))]
         for finding in findings],
        note="“Implemented” is the force's own claim; “Complete” means an inspector has verified it. Status since: "
             "the date of its latest status change, or the publication date if it has not changed.",
        numeric_from=8,
    )


# National table --------------------------------------------------------------------------------------------

def league_table(league: League) -> Table:
    return Table(
        f"league_{league.area}",
        f"{league.label}: each force's latest published figure",
        ["Position", "Force", "Region", "Inspection year", "Published", "As published", "Computed from audited cases",
         "Rate compared (%)", "Interval low (%)", "Interval high (%)", "Interval from", "Overlaps the next force",
         "Sample", WHY_COLUMN],
        [[row.position, row.force.name, row.force.region, row.year, month(row.published_on),
          row.published.summary if row.published else None,
          row.computed.summary if row.computed else None,
          pct(row.compared.rate) if row.compared else None,
          pct(row.compared.low) if row.compared else None, pct(row.compared.high) if row.compared else None,
          (row.compared.interval_source or "no interval") if row.compared else None,
          {True: "Yes", False: "No", None: None}[row.overlaps_next],
          ("Synthetic" if row.synthetic else ("Audited cases" if row.figures and row.figures.has_cases
                                              else "Report only")) if row.compared else None,
          row.why or None]
         for row in league.rows],
        note=f"{league.reading} Ranked by the published figure where there is one, otherwise the computed one. An "
             "interval is called published only where the inspection report printed it.",
        numeric_from=7, numeric_until=10,
    )
