"""Reading the published result record back as the objects the report tables render.

A frozen figure never recomputes its interval: its bounds are read from the version, so a later
change to the statistics code or to reference data cannot move what was published.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from audits.grading import GradeLine, Grades, Question, grades_from
from reports.models import ResultVersion
from reports.results import (
    CATEGORIES,
    GROUPS,
    RESULT_GROUPS,
    CancellationResults,
    CaseOutcomes,
    CitedRule,
    Group,
    GroupResult,
    IncorrectCancellation,
    InspectionResults,
    cancellation_results,
)
from reports.scope import AdditionalRow
from reports.statistics import ExtrapolationMethod, IntervalMethod, RateEstimate, UnrecordedEstimate
from reports.weighted import WeightedEstimate


@dataclass
class FrozenGroupResult(GroupResult):
    # interval method key -> {"estimate": …, "headline": …}, as JSON (reports.publication)
    bounds: dict[str, dict[str, dict[str, Any]]] | None = None

    def _restored(self, which: str) -> RateEstimate:
        stored = cast(dict[str, dict[str, dict[str, Any]]], self.bounds)[self.method.key][which]  # frozen with bounds
        return RateEstimate(self.recorded, self.audited, stored["rate"], stored["low"], stored["high"],
                            IntervalMethod.from_key(stored["method"]), half_width=stored["half_width"],
                            one_sided=stored["one_sided"])

    @property
    def estimate(self) -> RateEstimate:
        return self._restored("estimate")

    @property
    def headline(self) -> RateEstimate:
        return self._restored("headline")


def frozen_results(version: ResultVersion, method: IntervalMethod) -> InspectionResults:
    """The version's computed results, shaped like reports.results.results_for's."""
    stored = {row.group: row for row in version.computed.all()}
    groups: dict[str, GroupResult] = {}
    for group in RESULT_GROUPS:
        row = stored.get(group.key)
        if row is None:
            groups[group.key] = GroupResult(group, 0, 0, 0, 0, method)
        else:
            groups[group.key] = FrozenGroupResult(group, row.audited, row.recorded, row.timed, row.timely, method,
                                                  dict(row.errors), dict(row.rules or {}), bounds=row.bounds)
    rules = None if version.rules_cited is None else [CitedRule(**rule) for rule in version.rules_cited]
    return InspectionResults(version.inspection_id, groups, rules)


def frozen_weighted(version: ResultVersion) -> WeightedEstimate | None:
    if not version.weighted:
        return None
    return WeightedEstimate(**version.weighted["fields"])


@dataclass(frozen=True)
class FrozenVolume:
    count: int
    period_end: date
    source: str


@dataclass(frozen=True)
class FrozenRate:
    source: str
    rate: float


def frozen_unrecorded(
    version: ResultVersion, method: IntervalMethod, extrapolation: ExtrapolationMethod
) -> list[tuple[Group, FrozenRate, FrozenVolume, UnrecordedEstimate]]:
    """(group, figure, volume, estimate) per category, as reports.selectors.live_unrecorded_estimates."""
    groups = {group.key: group for group in GROUPS}
    return [
        (groups[row.category], FrozenRate(row.figure_source, row.rate),
         FrozenVolume(row.volume, row.volume_period_end, row.volume_source),
         UnrecordedEstimate(row.volume, extrapolation, row.central, row.low, row.high))
        for row in version.unrecorded.all()
        if row.interval_method == method.key and row.extrapolation_method == extrapolation.key
    ]


def frozen_grades(version: ResultVersion) -> Grades:
    """The grades as this version published them (reads ``version.grades`` through ``all()``, so a prefetch
    serves it)."""
    return grades_from(version.grading_scheme, {
        row.question: GradeLine(Question(row.question), row.grade, row.previous_grade, row.revised_on,
                                row.revision_reason)
        for row in version.grades.all()
    })


def frozen_additional(version: ResultVersion, published: dict[str, int]) -> list[AdditionalRow]:
    """Additionally recorded crimes a year as frozen, beside ``published`` (the version's published figures)."""
    groups = {group.key: group for group in CATEGORIES}
    return [
        AdditionalRow(groups[row.category], row.previous_title, row.earlier_rate, row.later_rate, row.volume,
                      row.volume_period_end, row.volume_source, row.additional, row.missing,
                      published.get(row.category))
        for row in version.additional.all() if row.category in groups
    ]


def frozen_cancellations(version: ResultVersion) -> CancellationResults:
    """The cancellation review as the version froze it (empty for a version frozen without one)."""
    return cancellation_results(
        {row.category: (row.reviewed, row.correct, row.victims_told) for row in version.cancellations.all()},
        [IncorrectCancellation(row.reference, row.category, row.ground, row.reason)
         for row in version.incorrect_cancellations.all()],
    )


def frozen_case_outcomes(version: ResultVersion) -> CaseOutcomes | None:
    """Records audited by source, equality information and safeguarding as the version froze them; None for a
    version frozen before they were recorded."""
    return None if version.case_outcomes is None else CaseOutcomes.from_json(version.case_outcomes)
