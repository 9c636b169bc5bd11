"""The all-crime rate of a stratified sample: the combined ratio estimator with cases as the sampling units,
its variance by linearisation with the finite population correction."""

import math
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from audits.models import AuditedCase, AuditedCrime, SampleDraw
from reports.results import CATEGORIES, IN_RECORDING_SAMPLE, with_wrongly_cancelled
from reports.statistics import Z_95

ALL_CRIME = CATEGORIES[0]
RULE = ("Combined ratio estimate with the drawn cases as the units: R = Σ N_h ȳ_h / Σ N_h x̄_h, where x is the "
        "number of crimes audited in a case (correctly cancelled ones left out), y the number recorded (all-crime "
        "rule), ȳ_h and x̄_h their means over the n_h cases drawn from stratum h (a case with no crimes counts as "
        "0 of 0) and N_h the stratum's records in the frame. "
        f"95% interval R ± {Z_95:.2f}·√V, V = Σ N_h² (1 − n_h/N_h) s²_h / n_h ÷ (Σ N_h x̄_h)², where s²_h is "
        "the variance within stratum h of y − R x (linearisation, with the finite population correction). Strata "
        "with no audited cases yet are left out of the estimate.")


@dataclass(frozen=True)
class WeightedEstimate:
    rate: float
    margin: float
    # (stratum, population N_h, cases drawn n_h, crimes audited, recorded) of the strata estimated from
    # (lists rather than tuples once read back from a frozen version's JSON: reports.record)
    strata: list[tuple[str, int, int, int, int]]
    without_cases: list[str] = field(default_factory=list)  # frame strata with no audited cases yet: left out
    without_crimes: list[str] = field(default_factory=list)  # strata whose cases have no crimes entered yet

    @property
    def low(self) -> float:
        return max(self.rate - self.margin, 0.0)

    @property
    def high(self) -> float:
        return min(self.rate + self.margin, 1.0)


def _crimes_per_case(recorded_only: bool) -> Coalesce:
    crimes = with_wrongly_cancelled(AuditedCrime.objects.filter(case=OuterRef("pk"))).filter(IN_RECORDING_SAMPLE)
    if recorded_only:
        crimes = crimes.filter(ALL_CRIME.recorded_in())
    return Coalesce(Subquery(crimes.order_by().values("case").annotate(n=Count("id")).values("n")), 0)


# Per stratum: "stratum", and the counts "cases", "audited", "recorded", "xx", "yy" and "xy".
StratumCounts = dict[str, Any]


def stratum_counts(inspection_id: int) -> dict[str, StratumCounts]:
    """Per stratum, over its drawn cases (with or without crimes): cases n_h, Σx (crimes audited), Σy (recorded,
    all-crime rule), Σx², Σy² and Σxy, where x and y are a case's counts. One grouped query."""
    # Rows as plain dicts: the stubs cannot see the sums that annotate() adds to an alias.
    rows = cast("QuerySet[AuditedCase, StratumCounts]", AuditedCase.objects.filter(inspection_id=inspection_id).exclude(stratum="")
            .alias(x=_crimes_per_case(recorded_only=False), y=_crimes_per_case(recorded_only=True))
            .values("stratum")
            .annotate(cases=Count("id"), audited=Sum("x"), recorded=Sum("y"),
                      xx=Sum(F("x") * F("x")), yy=Sum(F("y") * F("y")), xy=Sum(F("x") * F("y")))
            .order_by("stratum"))
    return {row["stratum"]: row for row in rows}


def _variance_term(population: int, row: StratumCounts, rate: float) -> float:
    """N_h² (1 − n_h/N_h) s²_d / n_h for d = y − R x; s²_d has n_h − 1 as its denominator, so needs two cases."""
    n: int = row["cases"]
    if n < 2:
        return 0.0
    sum_d: float = row["recorded"] - rate * row["audited"]
    sum_d_squared: float = row["yy"] - 2 * rate * row["xy"] + rate * rate * row["xx"]
    s2 = max(sum_d_squared - sum_d * sum_d / n, 0.0) / (n - 1)  # max: rounding can leave a tiny negative
    return population * population * max(1 - n / population, 0.0) * s2 / n


def weighted_estimate(draw: SampleDraw, counts: dict[str, StratumCounts]) -> WeightedEstimate | None:
    """The combined ratio estimate (see RULE) from a SampleDraw and stratum_counts; None before any crime is
    entered."""
    strata = sorted(draw.populations)
    entered = [s for s in strata if counts.get(s) and counts[s]["cases"]]
    audited_total = sum(draw.populations[s] * counts[s]["audited"] / counts[s]["cases"] for s in entered)
    if not audited_total:
        return None
    recorded_total = sum(draw.populations[s] * counts[s]["recorded"] / counts[s]["cases"] for s in entered)
    rate = recorded_total / audited_total
    variance = sum(_variance_term(draw.populations[s], counts[s], rate) for s in entered) / audited_total ** 2
    return WeightedEstimate(
        rate,
        Z_95 * math.sqrt(variance),
        [(s, draw.populations[s], counts[s]["cases"], counts[s]["audited"], counts[s]["recorded"]) for s in entered],
        without_cases=[s for s in strata if s not in entered],
        without_crimes=[s for s in entered if not counts[s]["audited"]],
    )
