"""Recording rates, their confidence intervals, change between inspections and extrapolation.

Counts come from database aggregates (reports.results); this module turns counts into estimates
with statsmodels' interval and test functions rather than hand-written formulas.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import cast

from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from core.confidence import CONFIDENCE, Z_95

SIGNIFICANCE = 0.05
# Below this many audited crimes a category is shown as "x of y" first, its rate second.
SMALL_SAMPLE = 200
# The normal approximation also needs this many crimes recorded and this many not recorded.
ADEQUATE_COUNT = 10
# Smaller p-values are printed as "p < 0.001".
P_VALUE_FLOOR = 0.001
NORMAL_APPROXIMATION_RULE = (
    f"The normal approximation is used only where at least {SMALL_SAMPLE} crimes were audited, of which at "
    f"least {ADEQUATE_COUNT} were recorded and at least {ADEQUATE_COUNT} were not. Otherwise the figure is "
    "shown as “x of y” with a Wilson score interval; where none or all of the crimes were recorded, with the "
    "exact (Clopper–Pearson) one-sided 95% bound instead, so the rate is at most, or at least, that bound."
)


class IntervalMethod(Enum):
    NORMAL = ("normal", f"Normal approximation, p ± {Z_95:.2f}·√(p(1−p)/n), as HMICFRS publishes")
    WILSON = ("wilson", "Wilson score interval")
    CLOPPER_PEARSON = ("beta", "Clopper–Pearson exact interval")

    def __init__(self, statsmodels_name: str, description: str) -> None:
        self.statsmodels_name = statsmodels_name
        self.description = description

    @property
    def key(self) -> str:
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str | None) -> "IntervalMethod":
        return {method.key: method for method in cls}.get((key or "").lower(), cls.NORMAL)


@dataclass(frozen=True)
class RateEstimate:
    recorded: int
    audited: int
    rate: float | None
    low: float | None
    high: float | None
    method: IntervalMethod
    # The normal interval's z·√(p(1−p)/n): the published "±" even where the bounds are clipped to 0–100%.
    half_width: float | None = None
    one_sided: bool = False  # a one-sided bound for none or all recorded (see one_sided_estimate)

    @property
    def margin(self) -> float | None:
        """The "± x%" of a published figure: the normal interval's half width, else half the interval's width."""
        if self.rate is None:
            return None
        # A rate always comes with both bounds.
        return self.half_width if self.half_width is not None else (cast(float, self.high) - cast(float, self.low)) / 2

    @property
    def description(self) -> str:
        """The interval's method in words, to say which one a figure used."""
        if not self.one_sided:
            return self.method.description
        side = "upper" if self.recorded == 0 else "lower"
        return f"Clopper–Pearson exact one-sided 95% {side} bound"

    @property
    def is_small(self) -> bool:
        return self.audited < SMALL_SAMPLE

    @property
    def unrecorded(self) -> int:
        return self.audited - self.recorded


def estimate_rate(recorded: int, audited: int, method: IntervalMethod = IntervalMethod.NORMAL) -> RateEstimate:
    if not audited:
        return RateEstimate(recorded, 0, None, None, None, method)
    rate = recorded / audited
    if method is IntervalMethod.NORMAL:
        # The published "±" is z·√(p(1−p)/n) and stays symmetric; only the bounds stop at 0 and 100%.
        margin = Z_95 * math.sqrt(rate * (1 - rate) / audited)
        return RateEstimate(recorded, audited, rate, max(rate - margin, 0.0), min(rate + margin, 1.0), method,
                            half_width=margin)
    low, high = proportion_confint(recorded, audited, alpha=1 - CONFIDENCE, method=method.statsmodels_name)
    return RateEstimate(recorded, audited, rate, float(low), float(high), method)


def normal_approximation_adequate(recorded: int, audited: int) -> bool:
    """The rule in NORMAL_APPROXIMATION_RULE."""
    return audited >= SMALL_SAMPLE and recorded >= ADEQUATE_COUNT and audited - recorded >= ADEQUATE_COUNT


def sample_too_small_reason(recorded: int, audited: int) -> str:
    """Why a computed figure is shown as "x of y" with a small-sample interval and not as "rate ± margin" (by
    NORMAL_APPROXIMATION_RULE), in words beginning "Sample too small"; "" when the sample is large enough."""
    if not audited or normal_approximation_adequate(recorded, audited):
        return ""
    if audited < SMALL_SAMPLE:
        return (f"Sample too small for a ± figure: {audited} crimes audited, fewer than {SMALL_SAMPLE}, so shown as "
                "“x of y” with an interval suited to small samples")
    unrecorded = audited - recorded
    few = "recorded" if recorded < ADEQUATE_COUNT else "not recorded"
    count = recorded if recorded < ADEQUATE_COUNT else unrecorded
    return (f"Sample too small for a ± figure: only {count} of the {audited} audited crimes {few} (fewer than "
            f"{ADEQUATE_COUNT}), so shown as “x of y” with an interval suited to small samples")


TOO_SMALL_PREFIX = "Sample too small for a ± figure: "


def joined_reasons(reasons: Iterable[str]) -> str:
    """Distinct reasons as one text, in order; "Sample too small for a ± figure: " said once for all of them."""
    distinct = list(dict.fromkeys(reason for reason in reasons if reason))
    small = [reason.removeprefix(TOO_SMALL_PREFIX) for reason in distinct if reason.startswith(TOO_SMALL_PREFIX)]
    others = [reason for reason in distinct if not reason.startswith(TOO_SMALL_PREFIX)]
    return "; ".join(([TOO_SMALL_PREFIX + "; ".join(small)] if small else []) + others)


def published_too_small_reason(recorded: int, audited: int, *, has_interval: bool) -> str:
    """Why a published "x of y" is printed without an interval: a sample of fewer than SMALL_SAMPLE crimes published
    without one (none is invented for it); "" otherwise."""
    if not audited or has_interval or audited >= SMALL_SAMPLE:
        return ""
    return (f"Sample too small for a ± figure: published as “{recorded} of {audited}” (fewer than "
            f"{SMALL_SAMPLE} crimes audited) with no interval")


def one_sided_estimate(recorded: int, audited: int) -> RateEstimate:
    """None or all of ``audited`` recorded: the exact (Clopper–Pearson) one-sided 95% bound, [0, 1 − 0.05^(1/n)]
    for 0 of n and [0.05^(1/n), 1] for n of n; a two-sided interval would put 2.5% on a side that cannot miss."""
    if recorded not in (0, audited) or not audited:
        raise ValueError("A one-sided bound is for none or all recorded.")
    bound = (1 - CONFIDENCE) ** (1 / audited)
    low, high = (0.0, 1 - bound) if recorded == 0 else (bound, 1.0)
    return RateEstimate(recorded, audited, recorded / audited, low, high, IntervalMethod.CLOPPER_PEARSON,
                        one_sided=True)


def headline_estimate(recorded: int, audited: int, requested: IntervalMethod = IntervalMethod.NORMAL) -> RateEstimate:
    """The estimate a headline figure shows, by NORMAL_APPROXIMATION_RULE: the requested method where the normal
    approximation is adequate (or another method was requested), a Wilson interval where it is not, and the
    one-sided bound for none or all recorded. ``.description`` says which was used."""
    if audited and recorded in (0, audited):
        return one_sided_estimate(recorded, audited)
    if requested is not IntervalMethod.NORMAL or normal_approximation_adequate(recorded, audited):
        return estimate_rate(recorded, audited, requested)
    return estimate_rate(recorded, audited, IntervalMethod.WILSON)


def implied_sample_size(rate: float | None, margin: float | None) -> int | None:
    """The n behind a published "p ± m" (normal interval), for comparing published figures."""
    if not rate or not margin or rate >= 1:
        return None
    return round(rate * (1 - rate) * (Z_95 / margin) ** 2)


def format_p_value(p: float) -> str:
    """A p-value as printed: to 3 decimal places, or "< 0.001" below that."""
    return f"< {P_VALUE_FLOOR}" if p < P_VALUE_FLOOR else f"{p:.3f}"


@dataclass(frozen=True)
class Change:
    before: RateEstimate
    after: RateEstimate
    difference: float
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE

    @property
    def in_words(self) -> str:
        points = abs(self.difference) * 100
        direction = "up" if self.difference > 0 else "down" if self.difference < 0 else "unchanged"
        if direction == "unchanged":
            return "No change."
        if self.p_value is None:
            return f"{direction.capitalize()} {points:.1f} percentage points (not enough data to test)."
        verdict = ("a statistically significant change" if self.significant
                   else "not statistically significant")
        shown = format_p_value(self.p_value)
        p_text = f"p {shown}" if shown.startswith("<") else f"p = {shown}"
        return f"{direction.capitalize()} {points:.1f} percentage points: {verdict} ({p_text})."


def compare(before: RateEstimate, after: RateEstimate) -> Change | None:
    """Two-proportion z-test of the change from ``before`` to ``after``."""
    if before.rate is None or after.rate is None:
        return None
    difference = after.rate - before.rate
    pooled = (before.recorded + after.recorded) / (before.audited + after.audited)
    if pooled in (0, 1):
        return Change(before, after, difference, None if difference else 1.0)
    _, p_value = proportions_ztest([after.recorded, before.recorded], [after.audited, before.audited])
    return Change(before, after, difference, float(p_value))


class ExtrapolationMethod(Enum):
    PER_RECORDED = ("R × (1 − p) / p", "crimes that should have been recorded, given R were: R / p − R")
    SHARE_OF_RECORDED = ("R × (1 − p)", "the unrecorded share applied to the recorded volume")

    def __init__(self, formula: str, explanation: str) -> None:
        self.formula = formula
        self.explanation = explanation

    @property
    def key(self) -> str:
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str | None) -> "ExtrapolationMethod":
        return {method.key: method for method in cls}.get((key or "").lower(), cls.PER_RECORDED)

    def apply(self, volume: int, rate: float | None) -> float | None:
        if rate is None or rate <= 0:
            return None
        rate = min(rate, 1.0)
        return volume * (1 - rate) / rate if self is ExtrapolationMethod.PER_RECORDED else volume * (1 - rate)


@dataclass(frozen=True)
class UnrecordedEstimate:
    volume: int
    method: ExtrapolationMethod
    central: float | None
    low: float | None
    high: float | None


def estimate_unrecorded(volume: int, estimate: RateEstimate,
                        method: ExtrapolationMethod = ExtrapolationMethod.PER_RECORDED) -> UnrecordedEstimate:
    """Unrecorded crimes a year, with the interval carried from the rate's interval (a higher rate
    means fewer unrecorded crimes, so the bounds swap)."""
    if estimate.rate is None:
        return UnrecordedEstimate(volume, method, None, None, None)
    return UnrecordedEstimate(
        volume,
        method,
        method.apply(volume, estimate.rate),
        method.apply(volume, min(cast(float, estimate.high), 1.0)),  # a rate always comes with both bounds
        method.apply(volume, max(cast(float, estimate.low), 0.0)),
    )


ADDITIONAL_FORMULA = "R × (1 − p₁ / p₂)"
ADDITIONAL_EXPLANATION = (
    "Additionally recorded crimes a year = R × (1 − p₁ / p₂), where R is police recorded crime excluding fraud "
    "for the 12 months to the end of the later audit period, p₁ the earlier inspection's recording rate and p₂ "
    "the later one's. Recording a share p₂ of crime, the force's R recorded crimes stand for R / p₂ crimes that "
    "should have been recorded; at the earlier rate it would have recorded p₁ × R / p₂ of them, so it now records "
    "R − p₁ × R / p₂ more a year. For example, R = 100,000, p₁ = 80% and p₂ = 90% give 100,000 × (1 − 0.8 / 0.9) "
    "= 11,111 more crimes a year."
)


def additional_recorded_per_year(volume: int, earlier_rate: float, later_rate: float) -> float | None:
    """ADDITIONAL_EXPLANATION's R × (1 − p₁ / p₂); negative when the rate fell. None without a later rate."""
    if later_rate <= 0:
        return None
    return volume * (1 - earlier_rate / min(later_rate, 1.0))


# Control charts ------------------------------------------------------------------------------------------------

#: The p-chart's limits: z for the 95% warning limits and the 99.8% action limits (two-sided).
P_CHART_LIMITS = ((0.95, 1.96), (0.998, 3.09))


def p_chart_limits(p_bar: float, n: int, z: float) -> tuple[float, float]:
    """A p-chart's limits for a point of ``n`` around the centre line ``p_bar``: p̄ ± z·√(p̄(1−p̄)/n), clipped to
    [0, 1]."""
    half = z * math.sqrt(p_bar * (1 - p_bar) / n)
    return max(p_bar - half, 0.0), min(p_bar + half, 1.0)


@dataclass(frozen=True)
class ControlPoint:
    """One point of a p-chart: its count, rate and limits (95% and 99.8%), and whether it falls outside them."""

    recorded: int
    audited: int
    p_bar: float
    low_95: float
    high_95: float
    low_998: float
    high_998: float

    @property
    def rate(self) -> float:
        return self.recorded / self.audited

    @property
    def outside_998(self) -> bool:
        return not self.low_998 <= self.rate <= self.high_998

    @property
    def outside_95(self) -> bool:
        return not self.low_95 <= self.rate <= self.high_95

    @property
    def signal(self) -> str:
        """"above"/"below" the 99.8% limits, "above_95"/"below_95" between the 95% and 99.8% limits, or ""."""
        side = "above" if self.rate > self.p_bar else "below"
        if self.outside_998:
            return side
        return f"{side}_95" if self.outside_95 else ""


def p_chart(counts: list[tuple[int, int]]) -> tuple[float | None, list[ControlPoint | None]]:
    """The centre line p̄ (recorded over audited, all points pooled) and each point's limits from its own n, for
    ``counts`` as (recorded, audited); None for a point with nothing audited (and p̄ None when no point has any)."""
    audited = sum(n for _, n in counts)
    if not audited:
        return None, [None for _ in counts]
    p_bar = sum(x for x, _ in counts) / audited
    (_, z95), (_, z998) = P_CHART_LIMITS
    return p_bar, [ControlPoint(x, n, p_bar, *p_chart_limits(p_bar, n, z95), *p_chart_limits(p_bar, n, z998))
                   if n else None for x, n in counts]


# Two audits of the same records: the force's own against the inspectorate's -------------------------------------

OVER_STATES = "the force's audits over-state compliance"
UNDER_STATES = "the force's audits under-state compliance"
AGREES = "the force's audits agree with the inspectorate's findings"
TOO_FEW = "too few audited crimes to compare"


@dataclass(frozen=True)
class Agreement:
    """The force's own rate against the inspectorate's: their difference (force − inspectorate) with its 95%
    interval (unpooled: d ± 1.96·√(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂)), and the two-proportion z-test's p-value."""

    force: RateEstimate
    inspectorate: RateEstimate
    change: Change | None

    @property
    def difference(self) -> float | None:
        return self.change.difference if self.change else None

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.change is None or self.force.rate is None or self.inspectorate.rate is None:
            return None
        p1, n1, p2, n2 = self.force.rate, self.force.audited, self.inspectorate.rate, self.inspectorate.audited
        half = Z_95 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        return self.change.difference - half, self.change.difference + half

    @property
    def statement(self) -> str:
        """The plain reading: over-states (force significantly higher), under-states (significantly lower), agrees."""
        if self.change is None or self.change.p_value is None:
            return TOO_FEW if self.change is None else AGREES
        if not self.change.significant:
            return AGREES
        return OVER_STATES if self.change.difference > 0 else UNDER_STATES


def agreement(force_recorded: int, force_audited: int, inspectorate_recorded: int,
              inspectorate_audited: int) -> Agreement:
    """The force's rate against the inspectorate's, tested as reports test a change (``compare``)."""
    force = estimate_rate(force_recorded, force_audited)
    inspectorate = estimate_rate(inspectorate_recorded, inspectorate_audited)
    return Agreement(force, inspectorate, compare(inspectorate, force))
