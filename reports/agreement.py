"""Agreement between two auditors on the same records: percentage agreement and Cohen's kappa with its 95%
interval, for a binary verdict (compliant / not compliant). Pure arithmetic on counts; no database.

Kappa's standard error is the asymptotic one (Fleiss, Cohen and Everitt 1969), as
``statsmodels.stats.inter_rater.cohens_kappa`` computes it; the interval is kappa ± 1.96 standard errors.
Kappa is undefined when both auditors put every record in the same class (chance agreement is then 100%):
it is reported as undefined, never as a division by zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.confidence import Z_95

# Landis & Koch (1977): a convention for reading kappa, not a test. Upper bounds, inclusive.
LANDIS_KOCH_BANDS: list[tuple[float, str]] = [
    (0.0, "poor agreement (no better than chance)"),
    (0.20, "slight agreement"),
    (0.40, "fair agreement"),
    (0.60, "moderate agreement"),
    (0.80, "substantial agreement"),
    (1.0, "almost perfect agreement"),
]
CONVENTION = "Landis and Koch's (1977) bands, a convention rather than a test"


@dataclass(frozen=True)
class AgreementTable:
    """Counts of records by the two verdicts: the force's (rows) and the inspectorate's (columns)."""

    both_compliant: int = 0
    force_only_compliant: int = 0  # the force found it compliant, the inspectorate did not
    inspectorate_only_compliant: int = 0  # the inspectorate found it compliant, the force did not
    neither_compliant: int = 0

    def __post_init__(self) -> None:
        for name in ("both_compliant", "force_only_compliant", "inspectorate_only_compliant", "neither_compliant"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number, 0 or more.")

    @property
    def total(self) -> int:
        return self.both_compliant + self.force_only_compliant + self.inspectorate_only_compliant \
            + self.neither_compliant

    @property
    def agreed(self) -> int:
        return self.both_compliant + self.neither_compliant

    @property
    def matrix(self) -> list[list[int]]:
        """[[force compliant & inspectorate compliant, force compliant & inspectorate not], [..., ...]]."""
        return [[self.both_compliant, self.force_only_compliant],
                [self.inspectorate_only_compliant, self.neither_compliant]]


@dataclass(frozen=True)
class Agreement:
    table: AgreementTable
    agreement: float | None  # observed proportion agreeing, None with no records
    expected: float | None  # agreement expected by chance
    kappa: float | None  # None when undefined
    standard_error: float | None
    low: float | None
    high: float | None
    undefined_reason: str = ""

    @property
    def x_of_y(self) -> str:
        return f"{self.table.agreed:,} of {self.table.total:,}"

    @property
    def percent(self) -> str:
        """The percentage agreement to one decimal place, "—" with no records."""
        return "—" if self.agreement is None else f"{100 * self.agreement:.1f}%"

    @property
    def band(self) -> str:
        """Kappa in plain English, without the convention (pages state it once)."""
        if self.kappa is None:
            return self.undefined_reason
        words = describe_kappa(self.kappa).capitalize()
        table = self.table
        one_sided = (0 in (table.both_compliant + table.force_only_compliant,
                           table.inspectorate_only_compliant + table.neither_compliant)
                     or 0 in (table.both_compliant + table.inspectorate_only_compliant,
                              table.force_only_compliant + table.neither_compliant))
        if one_sided:
            return (f"{words}: one side found every record in the same class, so kappa is 0 whatever the other "
                    "found, and its interval says nothing; read the percentage agreement and the table.")
        return f"{words}."

    @property
    def reading(self) -> str:
        """Kappa in plain English, naming the convention."""
        if self.kappa is None:
            return self.undefined_reason
        return f"{self.band[:-1] if self.band.endswith('.') else self.band} ({CONVENTION})."


def describe_kappa(kappa: float) -> str:
    for upper, words in LANDIS_KOCH_BANDS:
        if kappa <= upper + 1e-12:
            return words
    return LANDIS_KOCH_BANDS[-1][1]


def cohens_kappa(table: AgreementTable) -> Agreement:
    n = table.total
    if n == 0:
        return Agreement(table, None, None, None, None, None, None,
                         "No records were re-audited in this category, so there is nothing to compare.")
    counts = table.matrix
    p = [[cell / n for cell in row] for row in counts]
    rows = [sum(row) for row in p]  # the force's marginal proportions
    cols = [p[0][j] + p[1][j] for j in range(2)]  # the inspectorate's
    observed = p[0][0] + p[1][1]
    expected = rows[0] * cols[0] + rows[1] * cols[1]
    if math.isclose(expected, 1.0, abs_tol=1e-12):
        return Agreement(table, observed, expected, None, None, None, None,
                         "Kappa is undefined here: both the force and the inspectorate found every record in the "
                         "same class, so agreement by chance alone would be 100% and kappa divides by zero. The "
                         "percentage agreement stands on its own.")
    kappa = (observed - expected) / (1 - expected)
    term_a = sum(p[i][i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(2))
    term_b = (1 - kappa) ** 2 * sum(p[i][j] * (cols[i] + rows[j]) ** 2 for i in range(2) for j in range(2) if i != j)
    term_c = (kappa - expected * (1 - kappa)) ** 2
    variance = max((term_a + term_b - term_c) / (1 - expected) ** 2 / n, 0.0)
    error = math.sqrt(variance)
    return Agreement(table, observed, expected, kappa, error, kappa - Z_95 * error, kappa + Z_95 * error)
