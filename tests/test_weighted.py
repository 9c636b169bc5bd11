"""The stratified estimate: a combined ratio estimator with cases as the units, checked against hand-computed
examples."""

import pytest
from django.urls import reverse

from audits.models import AuditedCase
from audits.services import sampling
from reports import tables
from reports.weighted import RULE, stratum_counts, weighted_estimate
from tests.factories import CrimeFactory, ErrorFactory
from tests.test_sampling import fresh_inspection, upload

pytestmark = pytest.mark.django_db


def drawn(world, populations, sizes):
    """A frame with ``populations`` records per stratum and a draw of ``sizes``; the inspection and draw."""
    inspection = fresh_inspection(world)
    records = [(f"{stratum[:3].upper()}-{i:04d}", "01/03/2024 09:00", stratum)
               for stratum, count in populations.items() for i in range(count)]
    upload(inspection, world.people.inspector, records)
    draw = sampling.draw_sample(inspection=inspection, seed=11, sizes=sizes, by=world.people.inspector)
    return inspection, draw


def enter(inspection, stratum, cases):
    """``cases`` is a list of (crimes audited, crimes recorded), one per drawn case of the stratum, in order."""
    drawn_cases = list(AuditedCase.objects.filter(inspection=inspection, stratum=stratum).order_by("reference"))
    assert len(drawn_cases) == len(cases)
    for case, (audited, recorded) in zip(drawn_cases, cases):
        for _ in range(recorded):
            CrimeFactory(case=case)
        for _ in range(audited - recorded):
            CrimeFactory(case=case, recorded_offence=None, recorded_at=None)


def test_cases_are_the_units_so_a_stratum_with_more_crimes_per_case_weighs_more(world):
    # 500 records in each stratum, 20 cases drawn from each. Every incident log case has 2 crimes, 1 recorded;
    # every referral case 1 crime, recorded. Crimes in the population: 500·2 + 500·1 = 1,500, recorded
    # 500 + 500 = 1,000: 66.7%. Weighting the strata's crime rates by their records (½·50% + ½·100%) gave 75.0%.
    inspection, draw = drawn(world, {"incident_log": 500, "safeguarding_referral": 500},
                             {"incident_log": 20, "safeguarding_referral": 20})
    enter(inspection, "incident_log", [(2, 1)] * 20)
    enter(inspection, "safeguarding_referral", [(1, 1)] * 20)
    estimate = weighted_estimate(draw, stratum_counts(inspection.pk))
    assert round(estimate.rate * 100, 1) == 66.7
    assert estimate.margin == pytest.approx(0.0, abs=1e-6)  # y − R x is the same in every case of a stratum
    assert estimate.strata == [("incident_log", 500, 20, 40, 20), ("safeguarding_referral", 500, 20, 20, 20)]


def test_combined_ratio_estimate_and_its_margin_match_a_hand_computed_example(world):
    inspection, draw = drawn(world, {"incident_log": 200, "safeguarding_referral": 50},
                             {"incident_log": 4, "safeguarding_referral": 3})
    # (crimes audited x, recorded y) per case. The first incident log case's unrecorded crime was recorded and
    # then wrongly cancelled, which the all-crime rule counts as not recorded.
    enter(inspection, "incident_log", [(1, 1), (1, 1), (3, 2), (0, 0)])
    cancelled = CrimeFactory(case=AuditedCase.objects.filter(stratum="incident_log").order_by("reference")[0],
                             cancellation_code="C2")
    ErrorFactory(crime=cancelled, kind="wrongly_cancelled")
    enter(inspection, "safeguarding_referral", [(1, 0), (2, 2), (1, 1)])
    # Incident logs (N = 200, n = 4): x = 2, 1, 3, 0 (x̄ = 1.5), y = 1, 1, 2, 0 (ȳ = 1).
    # Referrals (N = 50, n = 3): x = 1, 2, 1 (x̄ = 4/3), y = 0, 2, 1 (ȳ = 1).
    # X = 200·1.5 + 50·4/3 = 1100/3; Y = 200·1 + 50·1 = 250; R = 250 / (1100/3) = 15/22 = 0.681818.
    # d = y − R x, in 22nds: incident logs −8, 7, −1, 0 (s² = 113/3 / 22² = 0.077824);
    # referrals −15, 14, 7 (s² = 458/2 / 22² = 0.473140).
    # V = [200²·(1 − 4/200)·0.077824/4 + 50²·(1 − 3/50)·0.473140/3] / X² = (762.67 + 370.63) / 134444.4 = 0.0084295;
    # margin = 1.959964·√0.0084295 = 0.17995.
    estimate = weighted_estimate(draw, stratum_counts(inspection.pk))
    assert estimate.rate == pytest.approx(15 / 22)
    assert estimate.margin == pytest.approx(0.17995, abs=5e-6)
    assert estimate.strata == [("incident_log", 200, 4, 6, 4), ("safeguarding_referral", 50, 3, 4, 3)]
    assert (estimate.without_cases, estimate.without_crimes) == ([], [])


def test_a_stratum_without_audited_cases_is_left_out_and_named(world, client_for):
    inspection, draw = drawn(world, {"incident_log": 300, "safeguarding_referral": 100, "crime_bureau": 50,
                                     "third_party_report": 40},
                             {"incident_log": 3, "safeguarding_referral": 2, "crime_bureau": 2, "third_party_report": 2})
    enter(inspection, "incident_log", [(1, 1), (1, 0), (2, 2)])
    enter(inspection, "safeguarding_referral", [(1, 1), (1, 1)])
    AuditedCase.objects.filter(inspection=inspection, stratum="crime_bureau").delete()  # none entered
    # Third-party reports: cases drawn but no crimes entered in them yet.
    estimate = weighted_estimate(draw, stratum_counts(inspection.pk))
    assert estimate.without_cases == ["crime_bureau"]
    assert estimate.without_crimes == ["third_party_report"]
    assert [s[0] for s in estimate.strata] == ["incident_log", "safeguarding_referral", "third_party_report"]
    # The left-out stratum's 50 records carry no weight: (300·3/3 + 100·2/2) / (300·4/3 + 100·2/2) = 400/500.
    assert estimate.rate == pytest.approx(0.8)
    note = tables.weighted_table(estimate, RULE).note
    assert "No audited cases yet, so left out: crime_bureau." in note
    assert "No crimes entered yet in the drawn cases of: third_party_report." in note
    response = client_for(world.people.inspector).get(reverse("reports:inspection", args=[inspection.pk]))
    weighted = next(t for t in response.context["tables"] if t.key == "weighted")
    assert "left out: crime_bureau" in weighted.note
    assert weighted.rows[2] == ["third_party_report", 40, 2, 0, 0, None]


def test_no_estimate_before_any_crime_is_entered(world):
    inspection, draw = drawn(world, {"incident_log": 30}, {"incident_log": 3})
    assert weighted_estimate(draw, stratum_counts(inspection.pk)) is None


def test_stratum_counts_is_one_query(world, django_assert_num_queries):
    inspection, _ = drawn(world, {"incident_log": 30, "safeguarding_referral": 20},
                          {"incident_log": 3, "safeguarding_referral": 2})
    enter(inspection, "incident_log", [(2, 1), (1, 1), (3, 0)])
    with django_assert_num_queries(1):
        counts = stratum_counts(inspection.pk)
    assert {k: counts["incident_log"][k] for k in ("cases", "audited", "recorded", "xx", "yy", "xy")} == {
        "cases": 3, "audited": 6, "recorded": 2, "xx": 4 + 1 + 9, "yy": 1 + 1 + 0, "xy": 2 + 1 + 0}
    assert {k: counts["safeguarding_referral"][k] for k in ("cases", "audited", "recorded")} == {
        "cases": 2, "audited": 0, "recorded": 0}
