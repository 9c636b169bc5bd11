"""Intervals, tests and extrapolation, checked against published figures and statsmodels itself."""

import math
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from reports.figures import computed_figure, published_figure
from reports.statistics import (
    NORMAL_APPROXIMATION_RULE,
    Z_95,
    ExtrapolationMethod,
    IntervalMethod,
    compare,
    estimate_rate,
    estimate_unrecorded,
    format_p_value,
    headline_estimate,
    implied_sample_size,
    normal_approximation_adequate,
)
from reports.tables import changes_table


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
    # statsmodels clips the normal interval at 100% too.
    assert (estimate.low, estimate.high) == pytest.approx((low, high))
    if method is IntervalMethod.NORMAL and high >= 1:
        # The bound is clipped; the published "±" stays symmetric.
        assert estimate.high == 1
        assert estimate.margin == pytest.approx(1.959964 * math.sqrt(0.75 * 0.25 / 4), abs=1e-6)


def test_wilson_and_clopper_pearson_stay_inside_0_to_100_where_normal_does_not():
    normal = estimate_rate(20, 20)
    assert normal.margin == 0
    wilson = estimate_rate(19, 20, IntervalMethod.WILSON)
    exact = estimate_rate(19, 20, IntervalMethod.CLOPPER_PEARSON)
    assert 0 <= exact.low < wilson.low < wilson.high <= 1 and exact.high <= 1
    # The published formula overshoots 100% on small samples: the bound stops there, the "±" does not.
    overshooting = estimate_rate(19, 20)
    assert overshooting.high == 1 and overshooting.rate + overshooting.margin > 1


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


@pytest.mark.parametrize("method", list(IntervalMethod))
@pytest.mark.parametrize("recorded,audited", [(62, 63), (1, 2), (0, 2), (2, 2), (0, 1), (1, 1), (1969, 1970), (1, 1970)])
def test_no_interval_bound_falls_outside_0_to_100(method, recorded, audited):
    estimate = estimate_rate(recorded, audited, method)
    assert 0 <= estimate.low <= estimate.rate <= estimate.high <= 1


def test_the_normal_interval_is_clipped_but_keeps_its_published_margin():
    # 62 of 63: 98.4% ± 3.1%, printed as "95.3% to 101.5%" before; 1 of 2: "−19.3% to 119.3%".
    nearly_all = estimate_rate(62, 63)
    assert (round(nearly_all.low * 100, 1), nearly_all.high) == (95.3, 1.0)
    assert round(nearly_all.margin * 100, 1) == 3.1
    half = estimate_rate(1, 2)
    assert (half.low, half.high) == (0.0, 1.0)
    assert half.margin == pytest.approx(1.959964 * math.sqrt(0.25 / 2), abs=1e-6)


def test_one_z_value():
    assert Z_95 == pytest.approx(1.959964, abs=1e-6)
    assert "1.96" in IntervalMethod.NORMAL.description


@pytest.mark.parametrize("recorded,audited,adequate", [
    (1584, 1970, True), (190, 200, True), (10, 200, True),
    (126, 138, False),  # fewer than 200 audited
    (191, 200, False), (9, 300, False),  # fewer than 10 not recorded, fewer than 10 recorded
])
def test_the_normal_approximation_rule(recorded, audited, adequate):
    assert normal_approximation_adequate(recorded, audited) is adequate
    headline = headline_estimate(recorded, audited)
    assert headline.method is (IntervalMethod.NORMAL if adequate else IntervalMethod.WILSON)
    expected = estimate_rate(recorded, audited, headline.method)
    assert (headline.low, headline.high, headline.margin) == (expected.low, expected.high, expected.margin)
    assert headline.description == headline.method.description


def test_the_headline_keeps_a_method_other_than_the_normal_one():
    assert headline_estimate(126, 138, IntervalMethod.CLOPPER_PEARSON).method is IntervalMethod.CLOPPER_PEARSON
    assert headline_estimate(126, 138, IntervalMethod.WILSON).method is IntervalMethod.WILSON


def test_the_headline_reproduces_the_published_figure_where_the_sample_is_large():
    estimate = headline_estimate(round(0.804 * 1970), 1970)
    assert estimate.method is IntervalMethod.NORMAL and round(estimate.margin * 100, 2) == 1.75


@pytest.mark.parametrize("method", list(IntervalMethod))
def test_none_or_all_recorded_get_a_one_sided_exact_bound(method):
    # Clopper–Pearson one-sided 95%: 0 of n is at most 1 − 0.05^(1/n); n of n at least 0.05^(1/n).
    none = headline_estimate(0, 2, method)
    assert (none.low, none.high) == pytest.approx((0.0, 1 - 0.05 ** 0.5))  # 0% to 77.6%, not "0.0% to 0.0%"
    assert none.one_sided and none.description == "Clopper–Pearson exact one-sided 95% upper bound"
    every = headline_estimate(1970, 1970, method)
    assert (every.low, every.high) == pytest.approx((0.05 ** (1 / 1970), 1.0))
    assert round(every.low * 100, 2) == 99.85
    assert every.description == "Clopper–Pearson exact one-sided 95% lower bound"
    # The exact one-sided bound: the chance of seeing no failures at the bound is 5%.
    assert every.low ** 1970 == pytest.approx(0.05)
    assert "Wilson score interval" in NORMAL_APPROXIMATION_RULE and "200" in NORMAL_APPROXIMATION_RULE


@pytest.mark.parametrize("p,shown", [(0.0423, "0.042"), (0.001, "0.001"), (0.00099, "< 0.001"), (1e-12, "< 0.001")])
def test_p_values_print_to_three_places_or_as_below_0_001(p, shown):
    assert format_p_value(p) == shown


def test_a_tiny_p_value_is_printed_as_below_0_001():
    change = compare(estimate_rate(1584, 1970), estimate_rate(1900, 1970))
    assert change.p_value < 0.001
    assert change.in_words.endswith("(p < 0.001).")
    assert "p = 0.000" not in change.in_words
    assert compare(estimate_rate(126, 138), estimate_rate(120, 135)).in_words.endswith(
        f"(p = {compare(estimate_rate(126, 138), estimate_rate(120, 135)).p_value:.3f}).")


def test_a_changes_table_prints_a_tiny_p_value_as_below_0_001():
    inspection = SimpleNamespace(published_on=date(2024, 1, 1))
    point = SimpleNamespace(inspection=inspection, provisional=False, synthetic=False, has_cases=True)
    trends = [SimpleNamespace(category=SimpleNamespace(label="All crime"), changes=[
        (point, point, compare(estimate_rate(1584, 1970), estimate_rate(1900, 1970))),
        (point, point, compare(estimate_rate(126, 138), estimate_rate(120, 135))),
    ])]
    tiny, ordinary = changes_table(trends).rows
    assert tiny[4] == "< 0.001" and tiny[6].endswith("(p < 0.001).")
    assert ordinary[4] == round(ordinary[4], 4) and 0.05 < ordinary[4] < 1


def test_figures_keep_their_bounds_inside_0_to_100():
    published = published_figure(SimpleNamespace(audited=None, recorded=None, rate=Decimal("99.00"),
                                                 interval=Decimal("1.50")), IntervalMethod.NORMAL)
    assert (published.low, published.high, published.margin) == (pytest.approx(0.975), 1.0, 0.015)
    result = SimpleNamespace(headline=estimate_rate(62, 63))
    computed = computed_figure(result)
    assert computed.high == 1.0 and computed.low == result.headline.low
    wilson = computed_figure(SimpleNamespace(headline=estimate_rate(62, 63, IntervalMethod.WILSON)))
    assert (wilson.low, wilson.high) == (wilson.estimate.low, wilson.estimate.high)
