"""How many records to audit: the sample size for a wanted margin of error, and its proportional
allocation across strata."""

from __future__ import annotations

import math
from collections.abc import Mapping

from django.core.exceptions import ValidationError

from core.confidence import Z_95


def sample_size(margin: float, expected_rate: float, population: int | None = None) -> int:
    """Records to audit for a ± ``margin`` (0..1) 95% interval around ``expected_rate``, with the finite
    population correction when the population is known."""
    if not 0 < margin < 1 or not 0 < expected_rate < 1:
        raise ValidationError("The margin and the expected rate must be between 0% and 100%.")
    n0 = Z_95 * Z_95 * expected_rate * (1 - expected_rate) / (margin * margin)
    if population:
        n0 = n0 / (1 + (n0 - 1) / population)
        return min(population, math.ceil(n0))
    return math.ceil(n0)


def allocate(total: int, populations: Mapping[str, int]) -> dict[str, int]:
    """Proportional allocation of ``total`` across strata (largest remainder), never above a stratum's size."""
    population = sum(populations.values())
    if total > population:
        raise ValidationError(f"The frame has only {population} records; you asked for {total}.")
    shares = {stratum: total * size / population for stratum, size in populations.items()}
    sizes = {stratum: math.floor(share) for stratum, share in shares.items()}
    for stratum in sorted(shares, key=lambda s: (shares[s] - sizes[s], s), reverse=True)[: total - sum(sizes.values())]:
        sizes[stratum] += 1
    return dict(sorted(sizes.items()))
