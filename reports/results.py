"""Results computed from audited cases, as database aggregates: one grouped query for the crime counts
of any number of inspections, one for their recording errors by kind, one for them by the rule they cite.

The counting rule (stated on every page that shows a rate, see COUNTING_RULE): a crime counts as
recorded for the all-crime rate if the force recorded it at all (late, or under another
classification) and did not wrongly cancel it; for a category rate only if it was recorded in that
category, so a rape recorded as another sexual offence is an unrecorded rape. A crime the force
recorded and then correctly cancelled is not in the crime-recording sample at all (IN_RECORDING_SAMPLE).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from django.db.models import Count, F, FilteredRelation, Q, QuerySet

from audits.models import AuditedCase, AuditedCrime, CancellationReview, RecordingError
from audits.rules import (
    LATE_AFTER_HOURS,
    CancellationGround,
    CaseOutcome,
    EqualityInformation,
    ErrorKind,
    Safeguarding,
    Verdict,
)
from core.categories import REPORT_CATEGORY_MEMBERS, CancellationCategory, ReportCategory, SourceResult
from reports.statistics import IntervalMethod, RateEstimate, estimate_rate, headline_estimate

COUNTING_RULE = (
    "For the all-crime rate a crime counts as recorded if the force recorded it at all, even late or under "
    "another classification, unless it was wrongly cancelled. For a category rate it counts only if it was "
    "recorded in that category: a rape recorded as another sexual offence is an unrecorded rape. A crime the force "
    "recorded and then correctly cancelled (C1 transferred to another force, C2 additional verifiable information "
    "shows no crime, C3 duplicate, C4 recorded in error) is left out of every rate: the cancellation showed it is "
    "not a crime for this force's books. Cancellations are judged in the cancellation review, reported on its own."
)
TIMELINESS_RULE = (
    f"Share of recorded crimes with both times known that were recorded within {LATE_AFTER_HOURS} hours of the "
    "report. For all crime any recorded crime counts; for a category only crimes recorded in that category, so a "
    "rape recorded as another sexual offence does not count towards rape timeliness."
)


CANCELLATION_RULE = (
    "Cancelled crime records: of the cancelled or transferred records in the cancellation review, those "
    "cancelled correctly (the review's own sample, never part of a recording rate)."
)
N100_RULE = "N100 records: crimes found in N100 records audited, counted as recorded by the all-crime rule."

# Which audited crimes the recording rates are computed over. The crime-recording sample asks whether a crime
# that should be on the force's books is on them. A crime recorded and then correctly cancelled was recorded,
# but the cancellation showed it should not stay on the books (no crime after all, a duplicate, recorded in
# error, or another force's crime), and police recorded crime, the base R of the unrecorded estimate
# R × (1 − p) / p, leaves cancelled crimes out; counting it as recorded inflated p with crimes outside R (a
# correct C2 rape turned "1 of 2" into "2 of 3"). So it is in neither the numerator nor the denominator of any
# rate or timeliness figure, and its cancellation is judged in the cancellation review instead. A wrongly
# cancelled crime should be on the books and is not: it stays in the sample, as not recorded. Needs the
# ``wrongly_cancelled`` annotation of ``with_wrongly_cancelled``.
IN_RECORDING_SAMPLE = Q(cancellation_code="") | Q(wrongly_cancelled__isnull=False)


def with_wrongly_cancelled(crimes: QuerySet[AuditedCrime]) -> QuerySet[AuditedCrime]:
    """Crimes with their "wrongly cancelled" error as ``wrongly_cancelled``: one LEFT JOIN (a crime has at most
    one error of a kind) rather than a subquery per count."""
    return crimes.annotate(
        wrongly_cancelled=FilteredRelation("errors", condition=Q(errors__kind=ErrorKind.WRONGLY_CANCELLED)))


@dataclass(frozen=True)
class Group:
    """A row of results: a report category, crimes in cases carrying a flag, or crimes found in records of one
    source (``source``, an AuditedCase.Source)."""

    key: str
    label: str
    is_flag: bool = False
    source: str = ""

    def crimes_in(self, prefix: str = "") -> Q:
        if self.source:
            return Q(**{f"{prefix}case__source": self.source})
        if self.is_flag:  # a victim's flag: on the crime itself, never its siblings in the case
            return Q(**{f"{prefix}{self.key}": True})
        members = REPORT_CATEGORY_MEMBERS[ReportCategory(self.key)]
        return Q() if members is None else Q(**{f"{prefix}expected_offence__category__in": members})

    def recorded_as(self) -> Q:
        """Recorded under an offence of this category (no condition for all crime, flags and sources)."""
        members = None if self.is_flag or self.source else REPORT_CATEGORY_MEMBERS[ReportCategory(self.key)]
        return Q() if members is None else Q(recorded_offence__category__in=members)

    def recorded_in(self) -> Q:
        return Q(recorded_offence__isnull=False, wrongly_cancelled__isnull=True) & self.recorded_as()


CATEGORIES = [Group(c.value, c.label) for c in ReportCategory]
FLAGS = [
    Group("domestic_abuse", "Domestic abuse", is_flag=True),
    Group("vulnerable_victim", "Vulnerable victim", is_flag=True),
    Group("modern_slavery", "Modern slavery", is_flag=True),
    Group("child_victim", "Child victim", is_flag=True),
]
SOURCES = [Group(SourceResult.N100.value, "Crimes found in N100 records", source=AuditedCase.Source.N100_RECORD)]
# Counted from the others, not by _crime_aggregates: see results_for.
CANCELLATIONS = Group(SourceResult.CANCELLATIONS.value, SourceResult.CANCELLATIONS.label)
TIMELINESS = Group(SourceResult.TIMELINESS.value, SourceResult.TIMELINESS.label)
GROUPS = CATEGORIES + FLAGS + SOURCES
RESULT_GROUPS = GROUPS + [CANCELLATIONS, TIMELINESS]


@dataclass
class GroupResult:
    group: Group
    audited: int
    recorded: int
    timed: int
    timely: int
    method: IntervalMethod
    errors: dict[str, int] = field(default_factory=dict)  # error kind -> crimes with it
    rules: dict[str, int] = field(default_factory=dict)  # counting rule code -> errors citing it

    @property
    def estimate(self) -> RateEstimate:
        return estimate_rate(self.recorded, self.audited, self.method)

    @property
    def headline(self) -> RateEstimate:
        """The estimate a headline figure shows: ``estimate`` where the normal approximation is adequate, otherwise
        a Wilson interval or a one-sided bound (statistics.NORMAL_APPROXIMATION_RULE); ``.description`` says which."""
        return headline_estimate(self.recorded, self.audited, self.method)

    @property
    def timeliness(self) -> float | None:
        return self.timely / self.timed if self.timed else None

    @property
    def error_rows(self) -> list[tuple[ErrorKind, int]]:
        return [(kind, self.errors.get(kind.value, 0)) for kind in ErrorKind]


@dataclass(frozen=True)
class CitedRule:
    """A counting rule cited by an inspection's errors, as it read when the figures were computed or frozen."""

    code: str
    title: str
    source: str


@dataclass
class InspectionResults:
    inspection_id: int
    groups: dict[str, GroupResult]  # key -> GroupResult
    # The rules its errors cite, in the list's display order; None for a version frozen before errors cited rules.
    rules: list[CitedRule] | None = field(default_factory=list)

    @property
    def categories(self) -> list[GroupResult]:
        return [self.groups[g.key] for g in CATEGORIES]

    @property
    def flags(self) -> list[GroupResult]:
        return [self.groups[g.key] for g in FLAGS]

    @property
    def by_source(self) -> list[GroupResult]:
        """The results by source or flag (core.categories.SourceResult), "x of y" each: flags, crimes found in
        N100 records, correct cancellations, and all crime recorded within 24 hours."""
        return [self.groups[key] for key in SourceResult.values]

    @property
    def frozen_groups(self) -> list[GroupResult]:
        """Every group publication freezes."""
        return [self.groups[g.key] for g in RESULT_GROUPS]

    @property
    def all_crime(self) -> GroupResult:
        return self.groups[ReportCategory.ALL_CRIME.value]

    @property
    def has_cases(self) -> bool:
        return self.all_crime.audited > 0


def _crime_aggregates() -> dict[str, Count]:
    within_a_day = Q(recorded_at__lte=F("case__reported_at") + timedelta(hours=LATE_AFTER_HOURS))
    timed = Q(recorded_offence__isnull=False, recorded_at__isnull=False)
    aggregates: dict[str, Count] = {}
    for group in GROUPS:
        crimes = group.crimes_in() & IN_RECORDING_SAMPLE
        aggregates[f"{group.key}__audited"] = Count("id", filter=crimes)
        aggregates[f"{group.key}__recorded"] = Count("id", filter=crimes & group.recorded_in())
        timed_here = crimes & timed & group.recorded_as()
        aggregates[f"{group.key}__timed"] = Count("id", filter=timed_here)
        aggregates[f"{group.key}__timely"] = Count("id", filter=timed_here & within_a_day)
    return aggregates


def results_for(inspection_ids: Iterable[int],
                method: IntervalMethod = IntervalMethod.NORMAL) -> dict[int, InspectionResults]:
    """Computed results of each inspection in ``inspection_ids`` (already scoped by the caller)."""
    inspection_ids = list(inspection_ids)
    # Rows as plain dicts: the stubs cannot see the counts that annotate(**...) adds.
    crime_rows = cast("QuerySet[AuditedCrime, dict[str, Any]]", (
        with_wrongly_cancelled(AuditedCrime.objects.filter(case__inspection_id__in=inspection_ids))
        .values("case__inspection_id")
        .annotate(**_crime_aggregates())
        .order_by()
    ))
    error_rows = cast("QuerySet[RecordingError, dict[str, Any]]", (
        RecordingError.objects.filter(crime__case__inspection_id__in=inspection_ids)
        .values("crime__case__inspection_id", "kind")
        .annotate(**{group.key: Count("id", filter=group.crimes_in("crime__")) for group in GROUPS})
        .order_by()
    ))
    rule_rows = cast("QuerySet[RecordingError, dict[str, Any]]", (
        RecordingError.objects.filter(crime__case__inspection_id__in=inspection_ids)
        .values("crime__case__inspection_id", "rule__code", "rule__title", "rule__source", "rule__display_order")
        .annotate(**{group.key: Count("id", filter=group.crimes_in("crime__")) for group in GROUPS})
        .order_by("crime__case__inspection_id", "rule__display_order", "rule__code")
    ))
    counts = {row["case__inspection_id"]: row for row in crime_rows}
    cancellations = cancellation_counts(inspection_ids)
    errors: dict[tuple[int, str], dict[str, int]] = {}
    for row in error_rows:
        for group in GROUPS:
            errors.setdefault((row["crime__case__inspection_id"], group.key), {})[row["kind"]] = row[group.key]
    rules: dict[tuple[int, str], dict[str, int]] = {}
    cited: dict[int, list[CitedRule]] = {}
    for row in rule_rows:
        inspection_id = row["crime__case__inspection_id"]
        cited.setdefault(inspection_id, []).append(CitedRule(row["rule__code"], row["rule__title"], row["rule__source"]))
        for group in GROUPS:
            rules.setdefault((inspection_id, group.key), {})[row["rule__code"]] = row[group.key]

    results: dict[int, InspectionResults] = {}
    for inspection_id in inspection_ids:
        row = counts.get(inspection_id, {})
        groups = {
            group.key: GroupResult(
                group,
                audited=row.get(f"{group.key}__audited", 0),
                recorded=row.get(f"{group.key}__recorded", 0),
                timed=row.get(f"{group.key}__timed", 0),
                timely=row.get(f"{group.key}__timely", 0),
                method=method,
                errors=errors.get((inspection_id, group.key), {}),
                rules=rules.get((inspection_id, group.key), {}),
            )
            for group in GROUPS
        }
        reviewed, correct = cancellations.get(inspection_id, (0, 0))
        groups[CANCELLATIONS.key] = GroupResult(CANCELLATIONS, reviewed, correct, 0, 0, method)
        all_crime = groups[ReportCategory.ALL_CRIME.value]
        groups[TIMELINESS.key] = GroupResult(TIMELINESS, all_crime.timed, all_crime.timely, 0, 0, method)
        results[inspection_id] = InspectionResults(inspection_id, groups, cited.get(inspection_id, []))
    return results


def cancellation_counts(inspection_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(cancelled or transferred records reviewed, of which cancelled correctly) per inspection, from its
    cancellation review (CANCELLATION_RULE): the one place the computed cancellation figure comes from."""
    rows = cast("QuerySet[CancellationReview, dict[str, Any]]", (
        CancellationReview.objects.filter(inspection_id__in=list(inspection_ids)).values("inspection_id")
        .annotate(reviewed=Count("id"), correct=Count("id", filter=Q(verdict=Verdict.CORRECT)))
        .order_by()
    ))
    return {row["inspection_id"]: (row["reviewed"], row["correct"]) for row in rows}


# Cancellation review -------------------------------------------------------------------------------------
# Its own sample, "x of y correct" per category: never part of a recording rate.

CANCELLATION_REVIEW_RULE = (
    "Each cancelled or transferred crime record reviewed is judged against the Home Office Counting Rules: the "
    "ground claimed (C1 transferred to another force, C2 additional verifiable information shows no crime, C3 "
    "duplicate, C4 recorded in error) must be met, and a C2 cancellation is correct only with the additional "
    "verifiable information evidenced and a designated decision maker's authority. Whether the victim was told is "
    "shown beside the verdict. The review is a sample of its own and never part of any recording rate."
)
ALL_REVIEWED = "all"


@dataclass(frozen=True)
class CancellationRow:
    category: str  # a CancellationCategory value, or ALL_REVIEWED
    label: str
    reviewed: int
    correct: int
    victims_told: int

    @property
    def incorrect(self) -> int:
        return self.reviewed - self.correct


@dataclass(frozen=True)
class IncorrectCancellation:
    reference: str
    category: str
    ground: str
    reason: str

    @property
    def category_label(self) -> str:
        return CancellationCategory(self.category).label

    @property
    def ground_label(self) -> str:
        return CancellationGround(self.ground).label


@dataclass(frozen=True)
class CancellationResults:
    categories: list[CancellationRow]  # every category, in CancellationCategory's order
    incorrect: list[IncorrectCancellation]  # by category, then reference

    @property
    def overall(self) -> CancellationRow:
        return CancellationRow(ALL_REVIEWED, "All reviewed", sum(r.reviewed for r in self.categories),
                               sum(r.correct for r in self.categories), sum(r.victims_told for r in self.categories))

    @property
    def has_reviews(self) -> bool:
        return self.overall.reviewed > 0


def cancellation_results(counts: dict[str, tuple[int, int, int]],
                         incorrect: Iterable[IncorrectCancellation]) -> CancellationResults:
    """From (reviewed, correct, victims told) per category, live or as frozen."""
    order = {category: index for index, category in enumerate(CancellationCategory.values)}
    return CancellationResults(
        [CancellationRow(category.value, category.label, *counts.get(category.value, (0, 0, 0)))
         for category in CancellationCategory],
        sorted(incorrect, key=lambda row: (order.get(row.category, len(order)), row.reference)),
    )


def cancellation_results_for(inspection_id: int) -> CancellationResults:
    """The inspection's cancellation review as it stands now: one grouped query, one for the incorrect ones."""
    rows = cast("QuerySet[CancellationReview, dict[str, Any]]", (
        CancellationReview.objects.filter(inspection_id=inspection_id).values("category")
        .annotate(reviewed=Count("id"), correct=Count("id", filter=Q(verdict=Verdict.CORRECT)),
                  victims_told=Count("id", filter=Q(victim_told=True)))
        .order_by()
    ))
    incorrect = CancellationReview.objects.filter(inspection_id=inspection_id, verdict=Verdict.INCORRECT).values_list(
        "reference", "category", "ground", "reason")
    return cancellation_results({row["category"]: (row["reviewed"], row["correct"], row["victims_told"])
                                 for row in rows}, [IncorrectCancellation(*row) for row in incorrect])


# Records audited, case outcomes, equality information and safeguarding ------------------------------------
# Counted per case (records audited by source, N100 used correctly, equality information) or per unrecorded
# crime (safeguarding), never part of a recording rate.

RECORDS_RULE = (
    "Records audited: every case audited, by the source it was drawn from, including records that disclosed no "
    "crime. N100 used correctly, x of y: y is the N100 records audited, x those the auditors found correctly "
    "classified N100 (no rape to record). An N100 record that should have been a rape crime is in y but not x, and "
    "its crime, with its “N100 used wrongly” error, is in the recording rates as any other; an “N100 used wrongly” "
    "error on a crime found in another source (an incident log, say) is in the errors by kind but not in this "
    "figure, which counts N100 records."
)
EQUALITY_RULE = (
    "Equality information obtained, x of y: y is the cases where it applied (answered obtained or not obtained), x "
    "those where the force obtained it. Cases where it does not apply, or that were not assessed, are shown apart."
)
SAFEGUARDING_RULE = (
    "For every crime the force did not record, whether the victim was safeguarded anyway (“a recording failure, not "
    "a service failure”). Recorded crimes are not asked."
)


@dataclass(frozen=True)
class SourceCount:
    source: str
    cases: int
    no_crime: int
    n100_correct: int

    @property
    def label(self) -> str:
        return AuditedCase.Source(self.source).label

    @property
    def with_crimes(self) -> int:
        return self.cases - self.no_crime - self.n100_correct


@dataclass(frozen=True)
class CaseOutcomes:
    """An inspection's records audited by source, its equality information answers (choice value → cases, ""
    for not assessed) and its unrecorded crimes' safeguarding answers (choice value → crimes)."""

    sources: dict[str, SourceCount]
    equality: dict[str, int]
    safeguarding: dict[str, int]

    @property
    def source_rows(self) -> list[SourceCount]:
        """Every source with a case, in the sources' order."""
        return [self.sources[source] for source in AuditedCase.Source.values
                if source in self.sources and self.sources[source].cases]

    @property
    def records_audited(self) -> int:
        return sum(row.cases for row in self.sources.values())

    @property
    def no_crime(self) -> int:
        return sum(row.no_crime for row in self.sources.values())

    @property
    def n100_correct(self) -> tuple[int, int]:
        """(N100 records found correctly N100, N100 records audited)."""
        row = self.sources.get(AuditedCase.Source.N100_RECORD.value)
        return (row.n100_correct, row.cases) if row else (0, 0)

    @property
    def equality_obtained(self) -> tuple[int, int]:
        """(cases where the force obtained equality information, cases where it applied)."""
        yes, no = self.equality.get(EqualityInformation.YES, 0), self.equality.get(EqualityInformation.NO, 0)
        return yes, yes + no

    @property
    def unrecorded(self) -> int:
        return sum(self.safeguarding.values())

    def as_json(self) -> dict[str, Any]:
        return {"sources": {source: [row.cases, row.no_crime, row.n100_correct] for source, row in self.sources.items()},
                "equality": dict(self.equality), "safeguarding": dict(self.safeguarding)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CaseOutcomes":
        return cls({source: SourceCount(source, *counts) for source, counts in data.get("sources", {}).items()},
                   dict(data.get("equality", {})), dict(data.get("safeguarding", {})))


def case_outcomes_for(inspection_id: int) -> CaseOutcomes:
    """The inspection's case outcomes as they stand now: one grouped query over its cases, one over its
    unrecorded crimes."""
    case_rows = cast("QuerySet[AuditedCase, dict[str, Any]]", (
        AuditedCase.objects.filter(inspection_id=inspection_id).values("source")
        .annotate(cases=Count("id"), no_crime=Count("id", filter=Q(outcome=CaseOutcome.NO_CRIME)),
                  n100_correct=Count("id", filter=Q(outcome=CaseOutcome.N100_CORRECT)),
                  **{f"equality_{value or 'none'}": Count("id", filter=Q(equality_information=value))
                     for value in ["", *EqualityInformation.values]})
        .order_by()
    ))
    sources: dict[str, SourceCount] = {}
    equality: dict[str, int] = {}
    for row in case_rows:
        sources[row["source"]] = SourceCount(row["source"], row["cases"], row["no_crime"], row["n100_correct"])
        for value in ["", *EqualityInformation.values]:
            equality[value] = equality.get(value, 0) + row[f"equality_{value or 'none'}"]
    safeguarding = cast(dict[str, int], AuditedCrime.objects.filter(
        case__inspection_id=inspection_id, recorded_offence__isnull=True).aggregate(
        **{value: Count("id", filter=Q(safeguarding=value)) for value in Safeguarding.values}))
    return CaseOutcomes(sources, {key: value for key, value in equality.items() if value}, safeguarding)
