"""Every report table, defined once: the pages render these and the CSV, XLSX and PDF exports write them.

Cells hold plain values (text, whole numbers, percentages to 1 decimal place, margins to 2); None is
"no figure".
"""

from dataclasses import dataclass, field

from audits.rules import ErrorKind
from reports.results import CANCELLATION_RULE, CATEGORIES, COUNTING_RULE, TIMELINESS_RULE
from reports.statistics import P_VALUE_FLOOR, format_p_value


@dataclass
class Table:
    key: str
    title: str
    header: list
    rows: list = field(default_factory=list)
    note: str = ""
    numeric_from: int = 1  # columns from this index on are numbers (right-aligned)
    numeric_until: int | None = None  # ... up to (not including) this one: the label columns after them

    def is_numeric(self, index):
        return index >= self.numeric_from and (self.numeric_until is None or index < self.numeric_until)

    @property
    def numeric_flags(self):
        return [self.is_numeric(index) for index in range(len(self.header))]


def pct(value):
    return None if value is None else round(value * 100, 1)


def points(value):
    return None if value is None else round(value * 100, 2)


def x_of_y(recorded, audited):
    return f"{recorded} of {audited}" if audited else None


def p_value_cell(p: float | None) -> float | str | None:
    """A number to 4 decimal places, or the text "< 0.001" below that."""
    if p is None:
        return None
    return format_p_value(p) if p < P_VALUE_FLOOR else round(p, 4)


def figure_cells(figure):
    if figure is None:
        return [None, None, None, None, None]
    return [figure.source, pct(figure.rate), points(figure.margin), pct(figure.low), pct(figure.high)]


def month(day):
    return day.strftime("%B %Y") if day else None


SYNTHETIC_LINE = ("SYNTHETIC DATA: figures marked synthetic are computed from made-up demonstration cases, "
                  "not from a real audit of the force's records.")
PROVISIONAL_LINE = ("PROVISIONAL — NOT PUBLISHED: figures marked provisional come from an inspection that has not "
                    "been published; they may still change.")


def labels_lines(figures_list):
    """The warnings an export carries when any of its figures is synthetic or provisional."""
    figures_list = list(figures_list)
    lines = []
    if any(f.synthetic for f in figures_list):
        lines.append(SYNTHETIC_LINE)
    if any(f.provisional for f in figures_list):
        lines.append(PROVISIONAL_LINE)
    return lines


def marked_provisional(table, figures):
    """A table built from one inspection's figures says in its title when they are provisional (a force
    report's errors and estimates come from its latest inspection with cases, which an inspector asking
    for provisional figures may get)."""
    if figures.provisional:
        table.title = f"{table.title} — {figures.status_label}"
    return table


def revision_line(version):
    return f"Revised on {version.frozen_at:%d/%m/%Y}: {version.reason}"


def sample_label(figures):
    if figures.synthetic:
        return "Synthetic"
    return "Audited cases" if figures.has_cases else "Report only"


def point_label(figures):
    label = month(figures.inspection.published_on) or "Unpublished"
    return f"{label} (provisional)" if figures.provisional else label


def overview_table(rows, method):
    return Table(
        "overview",
        "Latest recording rate per force (all crime)",
        ["Force", "Region", "Inspection", "Published", "Grade", "Figure", "Rate (%)", "± (points)",
         "Low (%)", "High (%)", "Recorded of audited", "Status", "Sample"],
        [
            [row.inspection.force.name, row.inspection.force.region, row.inspection.get_kind_display(),
             month(row.inspection.published_on), row.inspection.get_grade_display() or None,
             *figure_cells(row.headline),
             x_of_y(row.headline.recorded, row.headline.audited) if row.headline else None,
             row.figures.status_label, sample_label(row.figures)]
            for row in rows
        ],
        note=f"95% intervals: {method.description}. {COUNTING_RULE}",
        numeric_from=6, numeric_until=11,
    )


def categories_table(figures):
    results = figures.results
    return Table(
        "categories",
        "Recording rates computed from audited cases",
        ["Category", "Should have been recorded", "Recorded", "Rate (%)", "± (points)", "Low (%)", "High (%)",
         "Recorded within 24 hours (%)"],
        [
            [r.group.label, r.audited, r.recorded, pct(r.estimate.rate), points(r.estimate.margin),
             pct(r.estimate.low), pct(r.estimate.high), pct(r.timeliness)]
            for r in results.categories
        ],
        note=f"{COUNTING_RULE} 95% intervals: {figures.method.description}. Timeliness: {TIMELINESS_RULE}",
    )


def errors_table(figures):
    results = figures.results
    return Table(
        "errors",
        "Recording errors by kind and category (a crime can have more than one)",
        ["Error", *[group.label for group in CATEGORIES]],
        [[kind.label, *[results.groups[g.key].errors.get(kind.value, 0) for g in CATEGORIES]] for kind in ErrorKind],
        note="Errors found on every audited crime, including crimes correctly cancelled and so left out of the "
             "rates (a victim not told of a correct cancellation is still an error).",
    )


def flags_table(figures):
    return Table(
        "flags",
        "Crimes in cases with a flag",
        ["Flag", "Recorded of audited", "Rate (%)", "± (points)"],
        [[r.group.label, x_of_y(r.recorded, r.audited), pct(r.estimate.rate), points(r.estimate.margin)]
         for r in figures.results.flags],
        note="All-crime counting rule.",
    )


def cancellations_table(review):
    return Table(
        "cancellations",
        "Cancellation review by category",
        ["Category", "Reviewed", "Correct", "Incorrect", "Correct of reviewed", "Correct (%)", "Victim told"],
        [
            [row.label, row.reviewed, row.correct, row.incorrect, x_of_y(row.correct, row.reviewed),
             pct(row.correct / row.reviewed) if row.reviewed else None, x_of_y(row.victims_told, row.reviewed)]
            for row in [*review.categories, review.overall]
        ],
        note=CANCELLATION_RULE,
    )


def incorrect_cancellations_table(review):
    return Table(
        "incorrect_cancellations",
        "Incorrect cancellations and why",
        ["Crime reference", "Category", "Ground claimed", "Why incorrect"],
        [[row.reference, row.category_label, row.ground_label, row.reason] for row in review.incorrect],
        numeric_from=4,
    )


def comparison_table(figures):
    return Table(
        "computed_vs_published",
        "Computed from cases and as published",
        ["Category", "Computed rate (%)", "Computed ± (points)", "Published rate (%)", "Published ± (points)",
         "Difference (points)"],
        [
            [group.label, pct(computed.rate) if computed else None, points(computed.margin) if computed else None,
             pct(published.rate) if published else None, points(published.margin) if published else None,
             points(difference)]
            for group, computed, published, difference in figures.side_by_side()
        ],
        note="Computed figures come from the audited cases entered here; published figures from the report.",
    )


def unrecorded_table(estimates, method):
    return Table(
        "unrecorded",
        "Estimated unrecorded crimes a year",
        ["Category", "Recorded crimes (12 months to)", "Volume", "Rate used (%)", "Estimate", "Low", "High"],
        [
            [group.label, volume.period_end.strftime("%d/%m/%Y"), volume.count, pct(figure.rate),
             _whole(estimate.central), _whole(estimate.low), _whole(estimate.high)]
            for group, figure, volume, estimate in estimates
        ],
        note=f"Method: {method.formula} ({method.explanation}), where R is police recorded crime excluding fraud "
             "for the 12 months to the end of the audit period and p the recording rate; the range carries the "
             "rate's 95% interval.",
        numeric_from=2,
    )


def _whole(value):
    return None if value is None else round(value)


def trend_table(trends):
    return Table(
        "trend",
        "Recording rates across inspections",
        ["Category", "Inspection", "Published", "Figure", "Rate (%)", "± (points)", "Low (%)", "High (%)", "Status",
         "Sample"],
        [
            [trend.category.label, item.inspection.get_kind_display(), month(item.inspection.published_on),
             *figure_cells(figure), item.status_label, sample_label(item)]
            for trend in trends
            for item, figure in trend.points
        ],
        numeric_from=4, numeric_until=8,
    )


def changes_table(trends):
    return Table(
        "changes",
        "Change between inspections",
        ["Category", "From", "To", "Change (points)", "p-value", "Statistically significant", "In words", "Status",
         "Sample"],
        [
            [trend.category.label, point_label(before), point_label(after),
             points(change.difference), p_value_cell(change.p_value),
             "Yes" if change.significant else "No", change.in_words,
             "Provisional — not published" if before.provisional or after.provisional else "Published",
             "Synthetic" if before.synthetic or after.synthetic else sample_label(after)]
            for trend in trends
            for before, after, change in trend.changes
        ],
        note="Two-proportion z-test at the 5% level. Published rates without counts are tested with the sample "
             "size their published interval implies.",
        numeric_from=3, numeric_until=5,
    )


def weighted_table(estimate, rule: str) -> Table:
    return Table(
        "weighted",
        "Stratified sample: all-crime rate weighted by stratum",
        ["Stratum", "Records in the frame", "Cases drawn", "Crimes audited", "Recorded", "Rate (%)"],
        [[stratum, population, cases, audited, recorded, pct(recorded / audited) if audited else None]
         for stratum, population, cases, audited, recorded in estimate.strata]
        + [["Weighted estimate", sum(s[1] for s in estimate.strata), sum(s[2] for s in estimate.strata),
            sum(s[3] for s in estimate.strata), sum(s[4] for s in estimate.strata), pct(estimate.rate)]],
        note=f"Weighted rate {pct(estimate.rate)}% ± {points(estimate.margin)} points "
             f"({pct(estimate.low)}% to {pct(estimate.high)}%). {_unaudited_strata(estimate)}{rule}",
    )


def _unaudited_strata(estimate) -> str:
    text = ""
    if estimate.without_cases:
        text += f"No audited cases yet, so left out: {', '.join(estimate.without_cases)}. "
    if estimate.without_crimes:
        text += f"No crimes entered yet in the drawn cases of: {', '.join(estimate.without_crimes)}. "
    return text
