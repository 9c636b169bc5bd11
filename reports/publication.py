"""Freezing an inspection's figures into its published result record (reports.models).

Runs inside the publishing transaction, with the inspection's row lock held by the caller
(audits.services.inspection_change_status sends ``inspection_published`` under that lock), so the
figures frozen are exactly the audit data that was published.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Max

from audits.models import Inspection
from reports import selectors
from reports.models import (
    FrozenCancellationResult,
    FrozenComputedResult,
    FrozenIncorrectCancellation,
    FrozenPublishedResult,
    FrozenUnrecordedEstimate,
    ResultVersion,
)
from reports.results import cancellation_results_for
from reports.statistics import ExtrapolationMethod, IntervalMethod, RateEstimate, estimate_rate, headline_estimate
from reports.weighted import stratum_counts, weighted_estimate

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PUBLISHED_FIELDS = ["category", "rate", "interval", "recorded", "audited", "unrecorded_per_year",
                    "additional_recorded_per_year"]


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


def freeze_results(inspection: Inspection, *, by: User | None = None, reason: str = "") -> ResultVersion:
    """Compute the inspection's figures from its audit data and store them as its next version."""
    inspection = Inspection.objects.get(pk=inspection.pk)  # as stored, not as the caller last saw it
    number = (ResultVersion.objects.filter(inspection=inspection).aggregate(last=Max("number"))["last"] or 0) + 1
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
    )
    if figures.has_cases:
        FrozenComputedResult.objects.bulk_create([
            FrozenComputedResult(version=version, group=result.group.key, audited=result.audited,
                                 recorded=result.recorded, timed=result.timed, timely=result.timely,
                                 errors=result.errors, bounds=_bounds(result.recorded, result.audited))
            for result in figures.results.categories + figures.results.flags
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
    return version


def freeze_published_figures(sender: type[Inspection] | None = None, *, inspection: Inspection, by: User | None = None,
                             reason: str = "", **kwargs: Any) -> None:
    """Receiver of audits.signals.inspection_published: the record is written in the publishing transaction."""
    freeze_results(inspection, by=by, reason=reason)


def freeze_loaded_figures(sender: type[Inspection] | None = None, *, inspection: Inspection, **kwargs: Any) -> None:
    """Receiver of audits.signals.published_figures_loaded: the first version, once."""
    if not ResultVersion.objects.filter(inspection=inspection).exists():
        freeze_results(inspection)
