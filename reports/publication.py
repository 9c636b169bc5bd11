"""Freezing an inspection's figures into its published result record (reports.models).

Runs inside the publishing transaction, with the inspection's row lock held by the caller
(audits.services.inspection_change_status sends ``inspection_published`` under that lock), so the
figures frozen are exactly the audit data that was published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db import transaction
from django.db.models import Max

from audits.models import Inspection
from audits.selectors import inspection_grades
from reports import selectors
from reports.models import (
    FrozenAdditionalEstimate,
    FrozenCancellationResult,
    FrozenComputedResult,
    FrozenGrade,
    FrozenIncorrectCancellation,
    FrozenPublishedResult,
    FrozenScope,
    FrozenUnrecordedEstimate,
    ResultVersion,
)
from reports.results import cancellation_results_for, case_outcomes_for
from reports.statistics import ExtrapolationMethod, IntervalMethod, RateEstimate, estimate_rate, headline_estimate
from reports.weighted import stratum_counts, weighted_estimate

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PUBLISHED_FIELDS = ["category", "rate", "interval", "recorded", "audited", "unrecorded_per_year",
                    "additional_recorded_per_year", "described_as"]


def _stored(estimate: RateEstimate) -> dict[str, Any]:
    return {"rate": estimate.rate, "low": estimate.low, "high": estimate.high, "half_width": estimate.half_width,
            "method": estimate.method.key, "one_sided": estimate.one_sided}


def _bounds(recorded: int, audited: int) -> dict[str, dict[str, dict[str, Any]]]:
    """For each interval method asked for: its estimate, and the headline estimate the rule picks for it."""
    return {method.key: {"estimate": _stored(estimate_rate(recorded, audited, method)),
                         "headline": _stored(headline_estimate(recorded, audited, method))}
            for method in IntervalMethod}


def _weighted(inspection: Inspection) -> dict[str, Any] | None:
    draw = selectors.sample_draw(inspection)
    if draw is None:
        return None
    estimate = weighted_estimate(draw, stratum_counts(inspection.pk))
    if estimate is None:
        return None
    return {"fields": dataclasses.asdict(estimate), "low": estimate.low, "high": estimate.high}


def _next_number(inspection: Inspection) -> int:
    return (ResultVersion.objects.filter(inspection=inspection).aggregate(last=Max("number"))["last"] or 0) + 1


def _freeze_grades(inspection: Inspection, version: ResultVersion) -> None:
    """The inspection's grades as they stand, each revised one with the grade it replaced."""
    FrozenGrade.objects.bulk_create([
        FrozenGrade(version=version, question=line.question.value, grade=line.grade,
                    previous_grade=line.previous_grade, revised_on=line.revised_on, revision_reason=line.reason)
        for line in inspection_grades(inspection).lines if line.grade
    ])


def freeze_results(inspection: Inspection, *, by: User | None = None, reason: str = "") -> ResultVersion:
    """Compute the inspection's figures from its audit data and store them, with its grades and year, as its
    next version."""
    inspection = Inspection.objects.get(pk=inspection.pk)  # as stored, not as the caller last saw it
    if inspection.is_self_audit:  # never reached (a self-audit cannot be published); refused, never frozen
        raise ValueError("A force's own audit is never published: it has no published result record.")
    number = _next_number(inspection)
    live = {method: selectors.live_figures_for(Inspection.objects.filter(pk=inspection.pk), method)[0]
            for method in IntervalMethod}
    figures = live[IntervalMethod.NORMAL]
    cancellations = cancellation_results_for(inspection.pk)
    version = ResultVersion.objects.create(
        # An inspection whose figures are frozen has been published, so it has a publication date.
        inspection=inspection, number=number, published_on=cast(date, inspection.published_on), frozen_by=by,
        reason=reason.strip() if number > 1 else "", has_cases=figures.has_cases,
        is_synthetic=inspection.sample_is_synthetic and (figures.has_cases or cancellations.has_reviews),
        weighted=_weighted(inspection),
        year=inspection.year, grading_scheme=inspection.grading_scheme,
        rules_cited=[dataclasses.asdict(rule) for rule in figures.results.rules or []],
        case_outcomes=case_outcomes_for(inspection.pk).as_json(),
    )
    _freeze_grades(inspection, version)
    if figures.has_cases:
        FrozenComputedResult.objects.bulk_create([
            FrozenComputedResult(version=version, group=result.group.key, audited=result.audited,
                                 recorded=result.recorded, timed=result.timed, timely=result.timely,
                                 errors=result.errors, rules=result.rules,
                                 bounds=_bounds(result.recorded, result.audited))
            for result in figures.results.frozen_groups
        ])
    FrozenCancellationResult.objects.bulk_create([
        FrozenCancellationResult(version=version, category=row.category, reviewed=row.reviewed, correct=row.correct,
                                 victims_told=row.victims_told)
        for row in cancellations.categories if row.reviewed
    ])
    FrozenIncorrectCancellation.objects.bulk_create([
        FrozenIncorrectCancellation(version=version, reference=row.reference, category=row.category, ground=row.ground,
                                    reason=row.reason)
        for row in cancellations.incorrect
    ])
    FrozenPublishedResult.objects.bulk_create([
        FrozenPublishedResult(version=version, **{name: getattr(result, name) for name in PUBLISHED_FIELDS})
        for result in inspection.published_results.all()
    ])
    FrozenUnrecordedEstimate.objects.bulk_create([
        FrozenUnrecordedEstimate(
            version=version, category=group.key, interval_method=method.key, extrapolation_method=extrapolation.key,
            figure_source=figure.source, rate=figure.rate, volume=volume.count,
            volume_period_end=volume.period_end, volume_source=volume.source,
            central=estimate.central, low=estimate.low, high=estimate.high,
        )
        for method, method_figures in live.items()
        for extrapolation in ExtrapolationMethod
        for group, figure, volume, estimate in selectors.live_unrecorded_estimates(method_figures, extrapolation)
    ])
    if figures.scope.recorded:
        FrozenScope.objects.create(
            version=version, audited=list(figures.scope.audited), carried_forward=list(figures.scope.carried_forward),
            previous_inspection_id=inspection.previous_inspection_id, previous_version=figures.scope.previous_version,
            previous_title=figures.scope.previous_title)
    FrozenAdditionalEstimate.objects.bulk_create([
        FrozenAdditionalEstimate(
            version=version, category=row.group.key, previous_title=row.previous_title, earlier_rate=row.earlier_rate,
            later_rate=row.later_rate, volume=row.volume, volume_period_end=row.volume_period_end,
            volume_source=row.volume_source, additional=row.additional, missing=row.missing)
        for row in selectors.live_additional_estimates(figures)
    ])
    return version


FrozenRow = TypeVar("FrozenRow", FrozenComputedResult, FrozenPublishedResult, FrozenUnrecordedEstimate,
                    FrozenAdditionalEstimate, FrozenCancellationResult, FrozenIncorrectCancellation, FrozenScope)


def _copied(rows: Iterable[FrozenRow], version: ResultVersion) -> list[FrozenRow]:
    """New rows for ``version`` with the values of ``rows``."""
    copies = list(rows)
    for row in copies:
        row.pk, row.version = None, version
    return copies


def revise_grades(inspection: Inspection, *, by: User | None = None, reason: str) -> ResultVersion:
    """The next version after a grade revision: the latest version's figures copied as they were frozen (not
    recomputed, so reference data changed since cannot move them), with the grades as revised."""
    inspection = Inspection.objects.get(pk=inspection.pk)
    latest = ResultVersion.objects.filter(inspection=inspection).order_by("-number").first()
    if latest is None:  # published before it had a record: freeze everything now
        return freeze_results(inspection, by=by, reason=reason)
    version = ResultVersion.objects.create(
        inspection=inspection, number=latest.number + 1, published_on=latest.published_on, frozen_by=by,
        reason=reason.strip(), has_cases=latest.has_cases, is_synthetic=latest.is_synthetic, weighted=latest.weighted,
        year=latest.year, grading_scheme=latest.grading_scheme, rules_cited=latest.rules_cited,
        case_outcomes=latest.case_outcomes,
    )
    FrozenComputedResult.objects.bulk_create(_copied(latest.computed.order_by("id"), version))
    FrozenPublishedResult.objects.bulk_create(_copied(latest.published.order_by("id"), version))
    FrozenUnrecordedEstimate.objects.bulk_create(_copied(latest.unrecorded.order_by("id"), version))
    FrozenAdditionalEstimate.objects.bulk_create(_copied(latest.additional.order_by("id"), version))
    FrozenCancellationResult.objects.bulk_create(_copied(latest.cancellations.order_by("id"), version))
    FrozenIncorrectCancellation.objects.bulk_create(_copied(latest.incorrect_cancellations.order_by("id"), version))
    scope = FrozenScope.objects.filter(version=latest).first()
    if scope is not None:
        FrozenScope.objects.bulk_create(_copied([scope], version))
    _freeze_grades(inspection, version)
    return version


def freeze_revised_grades(sender: type[Inspection] | None = None, *, inspection: Inspection, by: User | None = None,
                          reason: str = "", **kwargs: Any) -> None:
    """Receiver of audits.signals.grades_revised, in the revising transaction under the row lock."""
    revise_grades(inspection, by=by, reason=reason)


def freeze_published_figures(sender: type[Inspection] | None = None, *, inspection: Inspection, by: User | None = None,
                             reason: str = "", **kwargs: Any) -> None:
    """Receiver of audits.signals.inspection_published: the record is written in the publishing transaction."""
    freeze_results(inspection, by=by, reason=reason)


def freeze_loaded_figures(sender: type[Inspection] | None = None, *, inspection: Inspection, **kwargs: Any) -> None:
    """Receiver of audits.signals.published_figures_loaded: the first version, once."""
    if not ResultVersion.objects.filter(inspection=inspection).exists():
        freeze_results(inspection)


def freeze_unversioned_published(sender: object = None, **kwargs: Any) -> int:
    """After ``migrate``: freeze, as version 1, any published inspection without a record (one published before
    the record existed). Run once the whole schema is in place, never from inside a migration, because it uses
    today's freezing code. Returns how many it froze; on an up-to-date database, none (one query)."""
    unversioned = list(Inspection.objects.filter(status=Inspection.Status.PUBLISHED, result_versions__isnull=True))
    for inspection in unversioned:
        with transaction.atomic():
            freeze_results(inspection)
    return len(unversioned)
