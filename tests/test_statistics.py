"""Intervals, tests and extrapolation, checked against published figures and statsmodels itself."""

import math

import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from reports.statistics import (
    ExtrapolationMethod,
    IntervalMethod,
    compare,
    estimate_rate,
    estimate_unrecorded,
    implied_sample_size,
)


def test_headline_interval_reproduces_the_inspectorates_published_figure():
    # Thames Valley 2017: 80.4% ± 1.75% with 1,970 crimes audited.
    recorded = round(0.804 * 1970)
    estimate = estimate_rate(recorded, 1970)
    assert round(estimate.rate * 100, 1) == 80.4
    assert round(estimate.margin * 100, 2) == 1.75
    by_hand = 1.96 * math.sqrt(estimate.rate * (1 - estimate.rate) / 1970)
    assert estimate.margin == pytest.approx(by_hand, abs=5e-5)


@pytest.mark.parametrize("method", list(IntervalMethod))
@pytest.mark.parametrize("recorded,audited", [(126, 138), (87, 117), (1584, 1970), (3, 4)])
def test_every_interval_method_matches_statsmodels(method, recorded, audited):
    estimate = estimate_rate(recorded, audited, method)
    low, high = proportion_confint(recorded, audited, alpha=0.05, method=method.statsmodels_name)
    if method is IntervalMethod.NORMAL and high >= 1:
        # statsmodels clips the normal interval at 100%; the published "±" stays symmetric.
        assert estimate.low == pytest.approx(low) and estimate.high > 1
        assert estimate.margin == pytest.approx(1.959964 * math.sqrt(0.75 * 0.25 / 4), abs=1e-6)
    else:
        assert (estimate.low, estimate.high) == pytest.approx((low, high))


def test_wilson_and_clopper_pearson_stay_inside_0_to_100_where_normal_does_not():
    normal = estimate_rate(20, 20)
    assert normal.margin == 0
    wilson = estimate_rate(19, 20, IntervalMethod.WILSON)
    exact = estimate_rate(19, 20, IntervalMethod.CLOPPER_PEARSON)
    assert 0 <= exact.low < wilson.low < wilson.high <= 1 and exact.high <= 1
    assert estimate_rate(19, 20).high > 1  # the published formula overshoots on small samples


def test_small_samples_are_flagged_for_x_of_y_first():
    assert estimate_rate(126, 138).is_small
    assert not estimate_rate(1584, 1970).is_small
    assert estimate_rate(0, 0).rate is None


def test_change_between_inspections_uses_the_two_proportion_test():
    before, after = estimate_rate(1584, 1970), estimate_rate(1250, 1419)
    change = compare(before, after)
    _, expected = proportions_ztest([1250, 1584], [1419, 1970])
    assert change.p_value == pytest.approx(expected)
    assert change.significant
    assert change.in_words.startswith("Up 7.7 percentage points: a statistically significant change")


def test_a_small_change_is_not_called_significant():
    change = compare(estimate_rate(126, 138), estimate_rate(120, 135))
    assert not change.significant
    assert "not statistically significant" in change.in_words


def test_implied_sample_size_recovers_the_audit_size_from_a_published_interval():
    assert implied_sample_size(0.804, 0.0175) == pytest.approx(1970, rel=0.01)
    assert implied_sample_size(0.9, None) is None


def test_unrecorded_estimate_both_methods_and_their_interval():
    estimate = estimate_rate(1584, 1970)
    per_recorded = estimate_unrecorded(144_000, estimate)
    assert per_recorded.central == pytest.approx(144_000 * (1 - estimate.rate) / estimate.rate)
    assert per_recorded.low < per_recorded.central < per_recorded.high
    assert per_recorded.low == pytest.approx(144_000 * (1 - estimate.high) / estimate.high)
    share = estimate_unrecorded(144_000, estimate, ExtrapolationMethod.SHARE_OF_RECORDED)
    assert share.central == pytest.approx(144_000 * (1 - estimate.rate))
    assert share.central < per_recorded.central
    # Thames Valley 2017 published 35,200 unrecorded a year at 80.4%: R(1-p)/p with R of about 144,000.
    assert round(per_recorded.central, -2) == pytest.approx(35_100, abs=200)


def test_method_keys_fall_back_to_the_published_defaults():
    assert IntervalMethod.from_key("wilson") is IntervalMethod.WILSON
    assert IntervalMethod.from_key("nonsense") is IntervalMethod.NORMAL
    assert ExtrapolationMethod.from_key("share_of_recorded") is ExtrapolationMethod.SHARE_OF_RECORDED
    assert ExtrapolationMethod.from_key(None) is ExtrapolationMethod.PER_RECORDED
