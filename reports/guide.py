"""Plain-English help for the reports: the short notes shown beside the statistics, and the method in full
(the /reports/method/ page and the method section of every PDF report). Built from the same rule texts the
figures are computed by, so the words cannot drift from the arithmetic."""

from dataclasses import dataclass

from reports.results import (
    CANCELLATION_REVIEW_RULE,
    COUNTING_RULE,
    EQUALITY_RULE,
    N100_RULE,
    RECORDS_RULE,
    SAFEGUARDING_RULE,
    TIMELINESS_RULE,
)
from reports.statistics import (
    ADDITIONAL_EXPLANATION,
    NORMAL_APPROXIMATION_RULE,
    SIGNIFICANCE,
    SMALL_SAMPLE,
    ExtrapolationMethod,
    IntervalMethod,
)
from reports.weighted import RULE as WEIGHTING_RULE


@dataclass(frozen=True)
class Note:
    key: str
    summary: str
    text: str


MARGIN = Note(
    "margin", "What “±” and the 95% interval mean",
    "A recording rate comes from a sample of crimes, not from every crime, so it is an estimate. “80.4% ± 1.75” "
    "means the rate is 80.4% with a margin of error of 1.75 percentage points: the 95% interval runs from 78.7% "
    "to 82.2%. If the audit were repeated with fresh random samples, about 95 in 100 intervals worked out this way "
    "would contain the force's true rate. A narrower interval means a larger or more consistent sample.")
SIGNIFICANT = Note(
    "significant", "What “statistically significant” means here",
    f"A change between two inspections is called statistically significant when it is larger than the play of "
    f"chance in two random samples would plausibly produce: a two-proportion z-test gives a p-value below "
    f"{SIGNIFICANCE:g}. It does not mean the change is large or important. A change that is not significant may "
    "still be real: the samples are too small to tell it from chance. Where two forces' or two inspections' "
    "intervals overlap, treat their difference with the same caution.")
COMPUTED_PUBLISHED = Note(
    "computed", "Computed and published figures",
    "Published figures are those printed in the inspectorate's report, exactly as printed. Computed figures are "
    "worked out here from the audited cases entered into this system, by the counting rules below. Where both "
    "exist they should agree; a difference means the cases entered, or the rules applied, differ from the "
    "report's. Each figure is labelled with where it comes from.")
SMALL_SAMPLES = Note(
    "small", "Why some figures are shown as “x of y”",
    f"Where fewer than {SMALL_SAMPLE} crimes were audited, or very few were recorded or not recorded, a "
    "percentage on its own suggests more precision than the sample has: 9 of 10 is 90%, but the next crime could "
    "move it by ten points. Such figures are shown first as “x of y” (x crimes recorded of y audited), with a "
    "wider interval suited to small samples.")
UNRECORDED = Note(
    "unrecorded", "How unrecorded crimes are estimated",
    "The estimate scales the audit's recording rate up to the force's whole year of recorded crime: if the force "
    "records a share p of crimes and recorded R, about R / p crimes should have been recorded, so R / p − R were "
    "not. It is an estimate with a range, carried from the rate's 95% interval, not a count of crimes.")

NOTES = {note.key: note for note in (MARGIN, SIGNIFICANT, COMPUTED_PUBLISHED, SMALL_SAMPLES, UNRECORDED)}


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    paragraphs: tuple[str, ...]


def method_sections() -> list[Section]:
    """The method in full, in the order a reader needs it."""
    intervals = "; ".join(method.description for method in IntervalMethod)
    estimates = "; ".join(f"{method.formula}: {method.explanation}" for method in ExtrapolationMethod)
    return [
        Section("sample", "What was audited", (
            "Inspectors draw a sample of incidents and records (calls for service, crime-related incidents, "
            "reports from other agencies, N100 rape records) from an audit period, and decide for each crime the "
            "incident disclosed whether it should have been recorded, and whether and how the force recorded it.",
            RECORDS_RULE, N100_RULE)),
        Section("counting", "How crimes are counted", (COUNTING_RULE, TIMELINESS_RULE)),
        Section("published", COMPUTED_PUBLISHED.summary, (COMPUTED_PUBLISHED.text,)),
        Section("intervals", MARGIN.summary, (
            MARGIN.text, NORMAL_APPROXIMATION_RULE, SMALL_SAMPLES.text,
            f"The interval method can be chosen on each report: {intervals}. The normal approximation is the one "
            "the inspectorate publishes.")),
        Section("weighting", "Stratified samples", (WEIGHTING_RULE,)),
        Section("changes", SIGNIFICANT.summary, (
            SIGNIFICANT.text,
            "Published rates printed without their counts are tested with the sample size their published "
            "interval implies.")),
        Section("unrecorded", UNRECORDED.summary, (
            UNRECORDED.text,
            f"R is police recorded crime excluding fraud for the 12 months to the end of the audit period. The "
            f"method can be chosen on each report: {estimates}.", ADDITIONAL_EXPLANATION)),
        Section("other", "Cancellations, safeguarding and equality", (
            CANCELLATION_REVIEW_RULE, SAFEGUARDING_RULE, EQUALITY_RULE)),
        Section("status", "Published, provisional and synthetic figures", (
            "Published figures are frozen when an inspection is published and do not change afterwards; a revision "
            "is a new version, dated and with its reason. Provisional figures come from an inspection not yet "
            "published and may change; they are shown only to inspectors who ask for them and are labelled on "
            "every page and download. Synthetic figures come from made-up demonstration cases.",)),
    ]
