"""Estimates for a stratified sample, weighted by stratum with the finite population correction."""

import math
from dataclasses import dataclass

from django.db.models import Count, FilteredRelation, Q
from scipy.stats import norm

from audits.models import AuditedCrime
from audits.rules import ErrorKind
from reports.results import CATEGORIES

ALL_CRIME = CATEGORIES[0]
RULE = ("Weighted by stratum: Σ W_h p_h with W_h = N_h / N, 95% interval from Σ W_h² (1 − f_h) p_h (1 − p_h) / "
        "(n_h − 1) where f_h is the share of the stratum's records drawn (finite population correction); crimes "
        "are the units within a stratum and counted by the all-crime rule.")


@dataclass(frozen=True)
class WeightedEstimate:
    rate: float
    margin: float
    strata: list  # (stratum, population N_h, cases drawn, crimes audited, recorded)

    @property
    def low(self):
        return self.rate - self.margin

    @property
    def high(self):
        return self.rate + self.margin


def stratum_counts(inspection_id):
    """Crimes audited and recorded (all-crime rule) and cases, per stratum: one aggregate query."""
    rows = (AuditedCrime.objects.filter(case__inspection_id=inspection_id).exclude(case__stratum="")
            .annotate(wrongly_cancelled=FilteredRelation("errors", condition=Q(errors__kind=ErrorKind.WRONGLY_CANCELLED)))
            .values("case__stratum")
            .annotate(audited=Count("id"), recorded=Count("id", filter=ALL_CRIME.recorded_in()),
                      cases=Count("case", distinct=True))
            .order_by("case__stratum"))
    return {row["case__stratum"]: row for row in rows}


def weighted_estimate(draw, counts, confidence=0.95):
    total = sum(draw.populations[stratum] for stratum in draw.sizes)
    rate = variance = 0.0
    strata = []
    for stratum in sorted(draw.sizes):
        row, population = counts.get(stratum), draw.populations[stratum]
        if not row or not row["audited"]:
            continue
        weight, p = population / total, row["recorded"] / row["audited"]
        rate += weight * p
        if row["audited"] > 1:
            variance += weight ** 2 * (1 - row["cases"] / population) * p * (1 - p) / (row["audited"] - 1)
        strata.append((stratum, population, row["cases"], row["audited"], row["recorded"]))
    if not strata:
        return None
    return WeightedEstimate(rate, norm.ppf(1 - (1 - confidence) / 2) * math.sqrt(variance), strata)
