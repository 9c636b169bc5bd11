"""League tables: each force's latest published figure for one category or result, from the published record
only, with the forces that have none listed and the reason why, and how far the intervals let the order be read.

A figure is shown as the inspectorate published it ("81.6% ± 1.88", or "62 of 63" where it published counts and
no interval) beside the figure computed from the audited cases where there were any. An interval is called
*published* only when the report printed one; an interval computed from published counts says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from audits.models import Inspection
from audits.scope import CARRIED_FORWARD
from core.categories import RESULT_AREA_CHOICES, RESULT_AREA_LABELS, ReportCategory
from forces.models import Force
from reports.figures import Figure
from reports.models import ResultVersion
from reports.selectors import InspectionFigures, figures_for
from reports.statistics import IntervalMethod, estimate_rate, joined_reasons, published_too_small_reason

if TYPE_CHECKING:
    from core.types import AnyUser

ALL_CRIME = ReportCategory.ALL_CRIME.value
LEAGUE_AREAS = [value for value, _ in RESULT_AREA_CHOICES]

NEVER_INSPECTED = "Never inspected"
NO_PUBLISHED_INSPECTION = "Inspected, but no inspection published yet"
NOT_IN_PUBLISHED_RECORD = "No published inspection"


@dataclass(frozen=True)
class ShownFigure:
    """A rate with the interval it is read with, and where each came from, in the words tables print."""

    rate: float
    low: float | None
    high: float | None
    margin: float | None
    recorded: int | None
    audited: int | None
    interval_source: str  # "published", "computed" or "" (no interval)
    # Why it is shown as "x of y" (sample too small): Figure.small_sample_reason's words, or "".
    reason: str = ""

    @property
    def summary(self) -> str:
        counts = f"{self.recorded} of {self.audited}" if self.audited else ""
        rate = f"{self.rate * 100:.1f}%"
        margin = f" ± {self.margin * 100:.2f}" if self.margin is not None else ""
        if counts:
            return f"{counts} ({rate}{margin})" if margin else f"{counts} ({rate})"
        return f"{rate}{margin}"


def published_shown(figures: InspectionFigures, area: str, method: IntervalMethod) -> ShownFigure | None:
    """The figure as the report printed it: its interval only if the report gave one (never one computed from its
    counts and then called published)."""
    if not figures.scope.audits(area):
        return None
    row = figures.published_rows.get(area)
    if row is None:
        return None
    if row.rate is None and not row.audited:
        return None
    rate = float(row.rate) / 100 if row.rate is not None else (row.recorded or 0) / row.audited  # type: ignore[operator]
    if row.interval is not None:
        margin = float(row.interval) / 100
        return ShownFigure(rate, max(rate - margin, 0.0), min(rate + margin, 1.0), margin, row.recorded, row.audited,
                           "published")
    return ShownFigure(rate, None, None, None, row.recorded, row.audited, "",
                       published_too_small_reason(row.recorded or 0, row.audited or 0, has_interval=False))


def computed_shown(figure: Figure | None) -> ShownFigure | None:
    if figure is None:
        return None
    return ShownFigure(figure.rate, figure.low, figure.high, figure.margin, figure.recorded, figure.audited,
                       "computed" if figure.margin is not None else "", figure.small_sample_reason)


def shown_reasons(*shown: ShownFigure | None) -> str:
    """The distinct "sample too small" reasons of the figures shown side by side, in order, or ""."""
    return joined_reasons(figure.reason for figure in shown if figure is not None)


def comparison_figure(published: ShownFigure | None, computed: ShownFigure | None,
                      method: IntervalMethod) -> ShownFigure | None:
    """What a row is ranked and compared by: the published figure where there is one, else the computed one. A
    published "x of y" without a published interval is compared with the interval its counts give, labelled
    computed."""
    if published is None:
        return computed
    if published.margin is None and published.audited:
        estimate = estimate_rate(published.recorded or 0, published.audited, method)
        if estimate.low is not None and estimate.high is not None:
            return ShownFigure(published.rate, estimate.low, estimate.high, estimate.margin, published.recorded,
                               published.audited, "computed from the published counts", published.reason)
    return published


@dataclass
class LeagueRow:
    force: Force
    figures: InspectionFigures | None  # the inspection the figure comes from (or the latest, for a reason)
    published: ShownFigure | None = None
    computed: ShownFigure | None = None
    compared: ShownFigure | None = None
    reason: str = ""  # why there is no figure
    position: int | None = None
    overlaps_next: bool | None = None  # its interval overlaps the next ranked force's

    @property
    def why(self) -> str:
        """Why the row has no figure, or why a figure of it is shown as "x of y" (sample too small)."""
        return self.reason or shown_reasons(self.published, self.computed)

    @property
    def year(self) -> int | None:
        return self.figures.year if self.figures and self.compared else None

    @property
    def published_on(self) -> date | None:
        return self.figures.inspection.published_on if self.figures and self.compared else None

    @property
    def synthetic(self) -> bool:
        return bool(self.figures and self.compared and self.figures.synthetic)


@dataclass
class League:
    area: str
    rows: list[LeagueRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return RESULT_AREA_LABELS[self.area]

    @property
    def ranked(self) -> list[LeagueRow]:
        return [row for row in self.rows if row.compared is not None]

    @property
    def without_figure(self) -> list[LeagueRow]:
        return [row for row in self.rows if row.compared is None]

    @property
    def pairs(self) -> int:
        return sum(1 for row in self.ranked if row.overlaps_next is not None)

    @property
    def overlapping(self) -> int:
        return sum(1 for row in self.ranked if row.overlaps_next)

    @property
    def reading(self) -> str:
        """The interval-overlap reading of the table, in words."""
        if len(self.ranked) < 2:
            return "Fewer than two forces have a figure, so there is no order to read."
        if not self.pairs:
            return "No two neighbouring forces both have an interval, so the order cannot be tested."
        if self.pairs == 1:
            return ("The one pair of neighbouring forces with intervals overlaps: neither can be said to record "
                    "better than the other." if self.overlapping else "The one pair of neighbouring forces with "
                    "intervals does not overlap: the higher rate is clearly higher.")
        if self.overlapping == self.pairs:
            return (f"Every one of the {self.pairs} pairs of neighbouring forces with intervals overlaps: no force "
                    "can be said to record better than the one ranked just below it.")
        return (f"{self.overlapping} of {self.pairs} pairs of neighbouring forces with intervals overlap: for those "
                "the order may be chance. Only where intervals do not overlap is one force's rate clearly higher.")


def _not_found_reason(figures: InspectionFigures, area: str) -> str:
    label = RESULT_AREA_LABELS[area].lower()
    title = figures.title
    if not figures.scope.audits(area):
        if figures.scope.treatment(area) == CARRIED_FORWARD:
            return f"Not audited in {title}; carried forward, and no earlier inspection published a figure"
        return f"Not audited in {title}"
    if figures.has_cases:
        return f"Category not audited: {title} audited no {label} crimes"
    return f"{title} published no {label} figure"


def latest_figure(figures_newest_first: Sequence[InspectionFigures], area: str,
                  method: IntervalMethod) -> tuple[InspectionFigures | None, ShownFigure | None, ShownFigure | None,
                                                   str]:
    """The force's most recent own figure for ``area``: (its inspection, as published, as computed, reason if
    none)."""
    for item in figures_newest_first:
        published = published_shown(item, area, method)
        computed = computed_shown(item.computed(area) if item.has_cases else None)
        if published or computed:
            return item, published, computed, ""
    if not figures_newest_first:
        return None, None, None, ""
    latest = figures_newest_first[0]
    return latest, None, None, _not_found_reason(latest, area)


def _newest_first(figures: Iterable[InspectionFigures]) -> list[InspectionFigures]:
    return sorted(figures, key=lambda f: (f.inspection.published_on or date.min, f.inspection.pk), reverse=True)


def build_league(forces: Iterable[Force], figures: Iterable[InspectionFigures], area: str,
                 method: IntervalMethod, inspected_ids: set[int] | None = None) -> League:
    """The league of ``forces`` for ``area`` from their published ``figures``. ``inspected_ids``: forces with any
    inspection (published or not), to tell "never inspected" from "not yet published"; None for the public."""
    by_force: dict[int, list[InspectionFigures]] = {}
    for item in figures:
        by_force.setdefault(item.inspection.force_id, []).append(item)
    league = League(area)
    for force in forces:
        found = _newest_first(by_force.get(force.pk, []))
        item, published, computed, reason = latest_figure(found, area, method)
        if item is None:
            if inspected_ids is None:
                reason = NOT_IN_PUBLISHED_RECORD
            else:
                reason = NO_PUBLISHED_INSPECTION if force.pk in inspected_ids else NEVER_INSPECTED
        league.rows.append(LeagueRow(force, item, published, computed,
                                     comparison_figure(published, computed, method), reason))
    ranked = sorted(league.ranked, key=lambda row: (-row.compared.rate, row.force.name))  # type: ignore[union-attr]
    for position, (row, below) in enumerate(zip(ranked, [*ranked[1:], None]), start=1):
        row.position = position
        if below is not None and row.compared and below.compared and row.compared.low is not None \
                and below.compared.high is not None:
            row.overlaps_next = below.compared.high >= row.compared.low
    league.rows = ranked + sorted(league.without_figure, key=lambda row: row.force.name)
    return league


# Comparison groups ----------------------------------------------------------------------------------------

ALL_FORCES = "all"
REGION = "region"
PICKED = "picked"
GROUP_CHOICES = [(ALL_FORCES, "All forces"), (REGION, "A region"), (PICKED, "Forces I pick")]


def published_record_inspections() -> QuerySet[Inspection]:
    """Every inspection with a published result record, of every force: the published record is public (what the
    inspectorate published for anyone to read). Only the public pages call this; signed-in pages start from
    ``Inspection.objects.for_user``."""
    return Inspection.objects.inspections().filter(Exists(ResultVersion.objects.filter(inspection=OuterRef("pk"))))


def league_for(forces: QuerySet[Force], inspections: QuerySet[Inspection], area: str, method: IntervalMethod,
               *, tell_unpublished: bool) -> League:
    """The league of ``forces`` (already scoped and chosen) from the published record of ``inspections`` (already
    scoped), in a fixed number of queries."""
    forces = list(forces)
    force_ids = [force.pk for force in forces]
    chosen = inspections.filter(force_id__in=force_ids)
    figures = figures_for(chosen.filter(Exists(ResultVersion.objects.filter(inspection=OuterRef("pk")))), method,
                          groups={area, ALL_CRIME})  # all crime: whether it had cases
    inspected = set(inspections.filter(force_id__in=force_ids).values_list("force_id", flat=True).distinct()) \
        if tell_unpublished else None
    return build_league(forces, figures, area, method, inspected)


def scoped_league(user: AnyUser, area: str, method: IntervalMethod, forces: QuerySet[Force]) -> League:
    """A signed-in user's league: only forces and inspections they may see."""
    return league_for(forces, Inspection.objects.for_user(user).inspections(), area, method, tell_unpublished=True)
