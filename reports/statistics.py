"""Recording rates, their confidence intervals, change between inspections and extrapolation.

Counts come from database aggregates (reports.results); this module turns counts into estimates
with statsmodels' interval and test functions rather than hand-written formulas.
"""

import math
from dataclasses import dataclass
from enum import Enum

from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

CONFIDENCE = 0.95
SIGNIFICANCE = 0.05
# Below this many audited crimes a category is shown as "x of y" first, its rate second.
SMALL_SAMPLE = 200


class IntervalMethod(Enum):
    NORMAL = ("normal", "Normal approximation, p ± 1.96·√(p(1−p)/n), as HMICFRS publishes")
    WILSON = ("wilson", "Wilson score interval")
    CLOPPER_PEARSON = ("beta", "Clopper–Pearson exact interval")

    def __init__(self, statsmodels_name, description):
        self.statsmodels_name = statsmodels_name
        self.description = description

    @property
    def key(self):
        return self.name.lower()

    @classmethod
    def from_key(cls, key):
        return {method.key: method for method in cls}.get((key or "").lower(), cls.NORMAL)


@dataclass(frozen=True)
class RateEstimate:
    recorded: int
    audited: int
    rate: float | None
    low: float | None
    high: float | None
    method: IntervalMethod

    @property
    def margin(self):
        """Half the interval's width: the "± x%" of a published figure."""
        return None if self.rate is None else (self.high - self.low) / 2

    @property
    def is_small(self):
        return self.audited < SMALL_SAMPLE

    @property
    def unrecorded(self):
        return self.audited - self.recorded


def estimate_rate(recorded, audited, method=IntervalMethod.NORMAL):
    if not audited:
        return RateEstimate(recorded, 0, None, None, None, method)
    rate = recorded / audited
    if method is IntervalMethod.NORMAL:
        # The published interval is p ± z·√(p(1−p)/n), symmetric even where it passes 0 or 100%
        # (statsmodels clips it there, which would misstate the "±").
        margin = norm.ppf(1 - (1 - CONFIDENCE) / 2) * math.sqrt(rate * (1 - rate) / audited)
        return RateEstimate(recorded, audited, rate, rate - margin, rate + margin, method)
    low, high = proportion_confint(recorded, audited, alpha=1 - CONFIDENCE, method=method.statsmodels_name)
    return RateEstimate(recorded, audited, rate, float(low), float(high), method)


def implied_sample_size(rate, margin):
    """The n behind a published "p ± m" (normal interval), for comparing published figures."""
    if not rate or not margin or rate >= 1:
        return None
    return round(rate * (1 - rate) * (1.959964 / margin) ** 2)


@dataclass(frozen=True)
class Change:
    before: RateEstimate
    after: RateEstimate
    difference: float
    p_value: float | None

    @property
    def significant(self):
        return self.p_value is not None and self.p_value < SIGNIFICANCE

    @property
    def in_words(self):
        points = abs(self.difference) * 100
        direction = "up" if self.difference > 0 else "down" if self.difference < 0 else "unchanged"
        if direction == "unchanged":
            return "No change."
        if self.p_value is None:
            return f"{direction.capitalize()} {points:.1f} percentage points (not enough data to test)."
        verdict = ("a statistically significant change" if self.significant
                   else "not statistically significant")
        return f"{direction.capitalize()} {points:.1f} percentage points: {verdict} (p = {self.p_value:.3f})."


def compare(before, after):
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

    def __init__(self, formula, explanation):
        self.formula = formula
        self.explanation = explanation

    @property
    def key(self):
        return self.name.lower()

    @classmethod
    def from_key(cls, key):
        return {method.key: method for method in cls}.get((key or "").lower(), cls.PER_RECORDED)

    def apply(self, volume, rate):
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


def estimate_unrecorded(volume, estimate, method=ExtrapolationMethod.PER_RECORDED):
    """Unrecorded crimes a year, with the interval carried from the rate's interval (a higher rate
    means fewer unrecorded crimes, so the bounds swap)."""
    if estimate.rate is None:
        return UnrecordedEstimate(volume, method, None, None, None)
    return UnrecordedEstimate(
        volume,
        method,
        method.apply(volume, estimate.rate),
        method.apply(volume, min(estimate.high, 1.0)),
        method.apply(volume, max(estimate.low, 0.0)),
    )
