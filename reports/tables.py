"""Every report table, defined once: the pages render these and the CSV, XLSX and PDF exports write them.

Cells hold plain values (text, whole numbers, percentages to 1 decimal place, margins to 2); None is
"no figure".
"""

from dataclasses import dataclass, field

from audits.grading import QUESTION_SHORT, Question
from audits.rules import EqualityInformation, ErrorKind, Safeguarding
from audits.scope import CARRIED_FORWARD
from core.categories import RESULT_AREA_CHOICES, SourceResult
from reports.results import (
    CANCELLATION_REVIEW_RULE,
    CANCELLATION_RULE,
    CATEGORIES,
    COUNTING_RULE,
    EQUALITY_RULE,
    N100_RULE,
    RECORDS_RULE,
    SAFEGUARDING_RULE,
    TIMELINESS_RULE,
)
from reports.statistics import (
    ADDITIONAL_EXPLANATION,
    P_VALUE_FLOOR,
    format_p_value,
    joined_reasons,
    sample_too_small_reason,
)


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
    return [figure.origin, pct(figure.rate), points(figure.margin), pct(figure.low), pct(figure.high)]


def figure_summary(figure):
    """A figure in words: "9 of 20 (45.0%)", or "80.4% ± 1.75" for a published rate without counts."""
    if figure is None:
        return None
    if figure.audited:
        return f"{figure.recorded} of {figure.audited} ({pct(figure.rate)}%)"
    margin = f" ± {points(figure.margin)}" if figure.margin is not None else ""
    return f"{pct(figure.rate)}%{margin}"


def figure_with_interval(figure):
    """A figure with its interval where it has one: "81.9% ± 3.54 (372 of 454)", "62 of 63 (98.4%)", "96.6%"."""
    if figure is None:
        return None
    counts = f" ({figure.recorded} of {figure.audited})" if figure.audited else ""
    if figure.margin is not None:
        return f"{pct(figure.rate)}% ± {points(figure.margin)}{counts}"
    return figure_summary(figure)


def scope_cell(figures, area):
    """What the inspection did with an area: audited, carried forward (with the figure carried), or not audited."""
    label = figures.scope.label(area)
    if figures.scope.treatment(area) != CARRIED_FORWARD:
        return label
    carried = figures.scope.carried_figure(area)
    if carried is None:
        return "Carried forward: the previous inspection published no figure for it"
    return f"{label}: {figure_summary(carried)}"


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


# The column that says why a figure is missing, or shown as "x of y" (reports.statistics.sample_too_small_reason).
WHY_COLUMN = "Why no figure, or why “x of y”"
NOT_AUDITED_REASON = "Category not audited in this inspection"
NO_CASES_REASON = "Category not audited: the sample has no crimes of this category"
NO_SAMPLE_REASON = "No audited cases entered for this inspection: its figures are as published"


def category_reason(figures, group_result):
    """Why a category's computed figure is missing (not audited, no cases of it) or shown as "x of y" (sample too
    small); None when there is nothing to explain."""
    if not figures.scope.audits(group_result.group.key):
        return NOT_AUDITED_REASON
    if not figures.has_cases:
        return NO_SAMPLE_REASON
    if not group_result.audited:
        return NO_CASES_REASON
    return sample_too_small_reason(group_result.recorded, group_result.audited) or None


def trend_reason(figures, area, figure):
    """Why a trend row's figures are missing or shown as "x of y": the headline's and the published figure's
    sample-too-small reasons, and why there is no computed figure; None when there is nothing to explain."""
    published = figures.as_published(area)
    computed = figures.computed(area) if figures.has_cases else None
    reasons = [f.small_sample_reason for f in (figure, published, computed) if f is not None]
    if computed is None:
        reasons.append(NO_CASES_REASON if figures.has_cases else NO_SAMPLE_REASON)
    return joined_reasons(reasons) or None


NO_FLAG_REASON = "No audited crime has a victim with this flag"
NOT_AUDITED_FLAG_REASON = "Flag not audited in this inspection"


def flag_reason(figures, group_result):
    """Why a flag's figure is missing (not audited, no audited cases, no victim with the flag) or shown as "x of y"
    (sample too small); None when there is nothing to explain."""
    if not figures.scope.audits(group_result.group.key):
        return NOT_AUDITED_FLAG_REASON
    if not figures.has_cases:
        return NO_SAMPLE_REASON
    if not group_result.audited:
        return NO_FLAG_REASON
    return sample_too_small_reason(group_result.recorded, group_result.audited) or None


def overview_table(rows, method):
    return Table(
        "overview",
        "Latest recording rate per force (all crime)",
        ["Force", "Region", "Inspection", "Published", "Grade", "Figure", "Rate (%)", "± (points)",
         "Low (%)", "High (%)", "Recorded of audited", WHY_COLUMN, "Status", "Sample"],
        [
            [row.inspection.force.name, row.inspection.force.region, row.figures.kind_title,
             month(row.inspection.published_on), _overall_grade(row.figures),
             *figure_cells(row.headline),
             x_of_y(row.headline.recorded, row.headline.audited) if row.headline else None,
             (row.headline.small_sample_reason or None) if row.headline else NOT_AUDITED_REASON,
             row.figures.status_label, sample_label(row.figures)]
            for row in rows
        ],
        note=f"95% intervals: {method.description}. {COUNTING_RULE}",
        numeric_from=6, numeric_until=11,
    )


def _overall_grade(figures):
    overall = figures.grades.overall
    return overall.short_text if overall.grade else None


def grades_table(figures):
    """The overall grade and the three questions' under the inspection's scheme; a revised grade shows the
    grade it replaced, when and why."""
    grades = figures.grades
    return Table(
        "grades",
        f"Grades under the {grades.scheme_name} scheme",
        ["Question", "Grade"],
        [[line.label, line.text] for line in grades.lines],
        note=f"Grading scheme: {grades.scheme_label}. A grade revised after publication is shown with the grade it "
             "replaced, the date and the reason.",
        numeric_from=2,
    )


def force_grades_table(figures_list):
    """Each inspection's grades, oldest first."""
    ordered = sorted(figures_list, key=lambda f: (f.inspection.published_on is None, f.inspection.published_on,
                                                  f.inspection.pk))
    return Table(
        "grades",
        "Grades by inspection",
        ["Inspection", "Published", "Grading scheme", *[QUESTION_SHORT[question] for question in Question], "Status"],
        [[item.kind_title, month(item.inspection.published_on), item.grades.scheme_label,
          *[line.text for line in item.grades.lines], item.status_label]
         for item in ordered],
        note="A grade revised after publication is shown with the grade it replaced, the date and the reason.",
        numeric_from=8,
    )


def scope_sentence(figures, area):
    """An area the inspection did not audit, in words for a headline."""
    if figures.scope.treatment(area) == CARRIED_FORWARD:
        return f"{scope_cell(figures, area)}. Not audited in this inspection."
    return "Not audited in this inspection: no figure of its own."


SCOPE_NOTE = ("This inspection audited only some categories and results: it has no figure of its own for the "
              "others, and a figure carried forward is the previous inspection's, as published.")


def categories_table(figures):
    results = figures.results
    scoped = figures.scope.recorded
    return Table(
        "categories",
        "Recording rates computed from audited cases",
        ["Category", "Should have been recorded", "Recorded", "Rate (%)", "± (points)", "Low (%)", "High (%)",
         "Recorded within 24 hours (%)", WHY_COLUMN, *(["Scope"] if scoped else [])],
        [
            [r.group.label,
             *([r.audited, r.recorded, pct(r.estimate.rate), points(r.estimate.margin), pct(r.estimate.low),
                pct(r.estimate.high), pct(r.timeliness)] if figures.scope.audits(r.group.key) else [None] * 7),
             category_reason(figures, r),
             *([scope_cell(figures, r.group.key)] if scoped else [])]
            for r in results.categories
        ],
        note=f"{COUNTING_RULE} 95% intervals: {figures.method.description}. Timeliness: {TIMELINESS_RULE}"
             + (f" {SCOPE_NOTE}" if scoped else ""),
        numeric_until=8,
    )


def errors_table(figures):
    results = figures.results
    audited = [g for g in CATEGORIES if figures.scope.audits(g.key)]
    return Table(
        "errors",
        "Recording errors by kind and category (a crime can have more than one)",
        ["Error", *[group.label for group in CATEGORIES]],
        [[kind.label, *[results.groups[g.key].errors.get(kind.value, 0) if g in audited else None for g in CATEGORIES]]
         for kind in ErrorKind],
        note="Errors found on every audited crime, including crimes correctly cancelled and so left out of the "
             "rates (a victim not told of a correct cancellation is still an error).",
    )


RULES_NOT_FROZEN = ("This version was published before recording errors cited the rule they break, so it has no "
                    "breakdown by rule.")


def rules_table(figures):
    """Recording errors by the NCRS or HOCR rule they cite, per category, in the rule list's order; only the
    rules this inspection's errors cite."""
    results = figures.results
    return Table(
        "rules",
        "Recording errors by rule and category (a crime can have more than one)",
        ["Rule", "Set out in", *[group.label for group in CATEGORIES]],
        [[f"{rule.code}: {rule.title}", rule.source, *[results.groups[g.key].rules.get(rule.code, 0) for g in CATEGORIES]]
         for rule in results.rules or []],
        note=RULES_NOT_FROZEN if results.rules is None else
        "Each error cites the usual rule for its kind unless the inspector chose another. Rules no error cites "
        "are left out.",
        numeric_from=2,
    )


def flags_table(figures):
    return Table(
        "flags",
        "Crimes whose victim has a flag",
        ["Flag", "Recorded of audited", "Rate (%)", "± (points)", WHY_COLUMN],
        [[r.group.label, x_of_y(r.recorded, r.audited), pct(r.estimate.rate), points(r.estimate.margin),
          flag_reason(figures, r)]
         if figures.scope.audits(r.group.key) else [r.group.label, None, None, None, flag_reason(figures, r)]
         for r in figures.results.flags],
        note="All-crime counting rule. A flag describes one crime's victim, so a case's other crimes are counted "
             "under it only if their own victims have it.",
        numeric_until=4,
    )


def by_source_table(figures):
    """Results by source and flag, computed beside published, as comparison_table does for the categories."""
    rows = []
    for area in SourceResult:
        computed, published = figures.computed(area.value), figures.as_published(area.value)
        difference = computed.rate - published.rate if computed and published else None
        rows.append([
            area.label,
            x_of_y(computed.recorded, computed.audited) if computed else None,
            pct(computed.rate) if computed else None, points(computed.margin) if computed else None,
            x_of_y(published.recorded, published.audited) if published else None,
            pct(published.rate) if published else None, points(published.margin) if published else None,
            points(difference), scope_cell(figures, area.value), figures.described_as(area.value) or None,
        ])
    return Table(
        "by_source",
        "Results by source and flag, computed from cases and as published",
        ["Result", "Computed: recorded of audited", "Computed rate (%)", "Computed ± (points)",
         "Published: recorded of audited", "Published rate (%)", "Published ± (points)", "Difference (points)",
         "Scope", "As the report put it"],
        rows,
        note=f"Vulnerable victims, domestic abuse and modern slavery: crimes whose own victim has that flag, by the all-crime "
             f"counting rule. {N100_RULE} {CANCELLATION_RULE} Recorded within 24 hours: {TIMELINESS_RULE} Computed "
             f"figures come from the audited cases entered here; published figures from the report. 95% intervals: "
             f"{figures.method.description}.",
        numeric_until=8,
    )


def additional_table(rows):
    return Table(
        "additional",
        "Additionally recorded crimes a year, computed and as published",
        ["Category", "Earlier inspection", "Earlier rate (%)", "Later rate (%)", "Recorded crimes (12 months to)",
         "Volume (R)", "Computed a year", "Published a year", "Difference", "Why no computed figure"],
        [
            [row.group.label, row.previous_title or None, pct(row.earlier_rate), pct(row.later_rate),
             row.volume_period_end.strftime("%d/%m/%Y") if row.volume_period_end else None, row.volume,
             _whole(row.additional), row.published,
             _whole(row.additional - row.published) if row.additional is not None and row.published is not None
             else None,
             row.missing or None]
            for row in rows
        ],
        note=f"{ADDITIONAL_EXPLANATION} The later rate is this inspection's own figure (computed from its cases where "
             "it has them, otherwise as published), the earlier one the previous inspection's in its published "
             "record.",
        numeric_from=2, numeric_until=9,
    )


def scope_table(figures):
    """What the inspection audited and carried forward, with each figure carried forward."""
    scope = figures.scope
    rows = []
    for area, label in RESULT_AREA_CHOICES:
        carried = scope.carried_figure(area)
        rows.append([label, scope.treatment_label(area),
                     scope.previous_title if scope.treatment(area) == CARRIED_FORWARD else None,
                     carried.source if carried else None, pct(carried.rate) if carried else None,
                     points(carried.margin) if carried else None,
                     x_of_y(carried.recorded, carried.audited) if carried else None])
    return Table(
        "scope",
        "Scope of this inspection, what it audited and what it carried forward",
        ["Category or result", "Scope", "Carried forward from", "Figure carried forward", "Rate (%)", "± (points)",
         "Recorded of audited"],
        rows,
        note=SCOPE_NOTE, numeric_from=4,
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
        note=CANCELLATION_REVIEW_RULE,
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


def unrecorded_table(estimates, method, missing=()):
    """``missing``: (category label, why it has no estimate) for the categories without one."""
    return Table(
        "unrecorded",
        "Estimated unrecorded crimes a year",
        ["Category", "Recorded crimes (12 months to)", "Volume", "Rate used (%)", "Estimate", "Low", "High",
         "As reports print it", "Why no estimate"],
        [
            [group.label, volume.period_end.strftime("%d/%m/%Y"), volume.count, pct(figure.rate),
             _whole(estimate.central), _whole(estimate.low), _whole(estimate.high),
             published_way(estimate.central), None if estimate.central is not None else "The rate is 0%, so "
             "R × (1 − p) / p has no value"]
            for group, figure, volume, estimate in estimates
        ] + [[label, None, None, None, None, None, None, None, reason] for label, reason in missing],
        note=f"Method: {method.formula} ({method.explanation}), where R is police recorded crime excluding fraud "
             "for the 12 months to the end of the audit period and p the recording rate; the range carries the "
             "rate's 95% interval. Reports print the estimate rounded down to the hundred (“over 35,200”).",
        numeric_from=2, numeric_until=7,
    )


def published_way(count):
    """An estimate of unrecorded crimes as inspection reports print it: rounded down to the hundred, "over 35,200"
    (below a hundred, the whole number)."""
    if count is None:
        return None
    whole = int(count)
    if whole < 100:
        return f"{round(count):,}"
    return f"over {whole // 100 * 100:,}"


def _whole(value):
    return None if value is None else round(value)


def trend_table(trends):
    return Table(
        "trend",
        "Recording rates across inspections",
        ["Category", "Inspection", "Published", "Figure", "Rate (%)", "± (points)", "Low (%)", "High (%)", "Status",
         "Sample", "As published", "Computed from audited cases", WHY_COLUMN],
        [
            [trend.category.label, item.kind_title, month(item.inspection.published_on),
             *figure_cells(figure), item.status_label, sample_label(item),
             figure_with_interval(item.as_published(trend.category.key)) or "None published",
             figure_with_interval(item.computed(trend.category.key) if item.has_cases else None) or "No audited cases",
             trend_reason(item, trend.category.key, figure)]
            for trend in trends
            for item, figure in trend.points
        ],
        note="Figure: the headline, computed from audited cases where there are cases, otherwise as published; the "
             "charts draw both. "
             "Both are shown; a published figure has an interval only where the report printed one.",
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


NOT_IN_THIS_RECORD = ("Not in this version's published record: it was frozen before records audited by source, "
                      "equality information and safeguarding were recorded.")


def records_table(outcomes):
    """Records audited by source, with how many disclosed no crime or were correctly N100 (``outcomes`` from
    reports.selectors.case_outcomes; None for a version frozen before it was recorded)."""
    if outcomes is None:
        return Table("records", "Records audited by source", ["Source", "Records audited"],
                     [["All sources", None]], note=NOT_IN_THIS_RECORD)
    rows = [[row.label, row.cases, row.with_crimes, row.no_crime, row.n100_correct] for row in outcomes.source_rows]
    rows.append(["All sources", outcomes.records_audited, sum(row.with_crimes for row in outcomes.source_rows),
                 outcomes.no_crime, outcomes.n100_correct[0]])
    return Table("records", "Records audited by source",
                 ["Source", "Records audited", "Disclosed crimes", "No crime disclosed", "N100 used correctly"],
                 rows, note=RECORDS_RULE)


def case_results_table(outcomes):
    """N100 used correctly and equality information obtained, "x of y" each."""
    header = ["Result", "x of y", "Per cent", "Not counted"]
    if outcomes is None:
        return Table("case_results", "N100 records and equality information", header,
                     [["N100 used correctly", None, None, None], ["Equality information obtained", None, None, None]],
                     note=NOT_IN_THIS_RECORD, numeric_until=3)
    n100, n100_of = outcomes.n100_correct
    equality, equality_of = outcomes.equality_obtained
    not_counted = (f"{outcomes.equality.get(EqualityInformation.NOT_APPLICABLE, 0)} not applicable, "
                   f"{outcomes.equality.get('', 0)} not assessed")
    return Table("case_results", "N100 records and equality information", header, [
        ["N100 used correctly", x_of_y(n100, n100_of), pct(n100 / n100_of) if n100_of else None, None],
        ["Equality information obtained", x_of_y(equality, equality_of),
         pct(equality / equality_of) if equality_of else None, not_counted],
    ], note=f"N100 used correctly: y is the N100 records audited, x those found correctly classified N100 (how this "
            f"relates to “N100 used wrongly” errors is under records audited by source). {EQUALITY_RULE}",
        numeric_until=3)


def safeguarding_table(outcomes):
    """Unrecorded crimes by whether the victim was safeguarded anyway."""
    header = ["Safeguarding provided", "Unrecorded crimes", "Per cent"]
    if outcomes is None:
        return Table("safeguarding", "Safeguarding of unrecorded crimes", header,
                     [["All unrecorded crimes", None, None]], note=NOT_IN_THIS_RECORD)
    total = outcomes.unrecorded
    rows = [[label, outcomes.safeguarding.get(value, 0),
             pct(outcomes.safeguarding.get(value, 0) / total) if total else None]
            for value, label in Safeguarding.choices]
    rows.append(["All unrecorded crimes", total, 100.0 if total else None])
    return Table("safeguarding", "Safeguarding of unrecorded crimes", header, rows,
                 note=SAFEGUARDING_RULE)
