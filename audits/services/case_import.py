"""Bulk import of audited cases from the audited-crimes template (audits.case_sheet reads and writes it).

Every row is checked first (a dry run lists each row's problems); a confirmed import then writes all
rows or none, in bulk, with history. Existing case references are refused when adding, or updated
(their crimes replaced) when updating; a case whose rows match what is stored (rules cited included) is
left alone. An error is written ``kind`` (citing its usual rule) or ``kind:CODE`` (citing that rule).
"""

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from audits.case_sheet import NO, YES
from audits.models import AuditedCase, AuditedCrime, CountingRule, Inspection, OffenceSubgroup, RecordingError
from audits.rules import (
    NO_CRIME_OUTCOMES,
    REPORT_FLAGS,
    VICTIM_FLAGS,
    CaseOutcome,
    EqualityInformation,
    ErrorKind,
    Safeguarding,
    case_outcome_problems,
    crime_error_kinds,
    default_rule_code,
    error_kinds_problems,
    recording_time_problem,
    report_date_problem,
    rule_citation_problem,
    safeguarding_problem,
)
from audits.services.guards import ensure_can_write, ensure_unlocked
from audits.services.locking import locked_message
from core.spreadsheets import (
    parse_moment,
)
from core.table_reader import text_problem

MODES = {"add": "Add new cases only", "update": "Add new cases and update existing ones"}


@dataclass
class CasePlan:
    reference: str
    values: dict
    crimes: list = field(default_factory=list)  # (crime field values, error kinds, rules chosen by kind)
    rows: list = field(default_factory=list)
    existing: AuditedCase | None = None
    action: str = "add"


@dataclass
class ImportPlan:
    inspection: Inspection
    mode: str
    cases: "OrderedDict[str, CasePlan]"
    problems: list  # (row number or None, message)
    rows: int
    rules: dict = field(default_factory=dict)  # every counting rule by code

    @property
    def ok(self):
        return not self.problems

    def count(self, action):
        return sum(1 for case in self.cases.values() if case.action == action)


# Reading -------------------------------------------------------------------------------------------


def _text(value):
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _max_length(model, name):
    return model._meta.get_field(name).max_length


# Text cells and the model field each is stored in: checked for what the database would refuse.
TEXT_FIELDS = {"case_reference": (AuditedCase, "reference"), "case_notes": (AuditedCase, "notes"),
               "outcome_reason": (AuditedCase, "outcome_reason"),
               "force_crime_reference": (AuditedCrime, "force_crime_reference")}


def _row_key(row):
    """A row as compared for exact duplicates: every cell, trimmed, in the column order."""
    return tuple(_text(row[column]).lower() for column in sorted(row))


def _flag(value):
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(text)


def _choice(row, column, choices, problem):
    """The stored value of a choice column (its value or its label, any case), "" when empty."""
    text = _text(row[column])
    if not text:
        return ""
    value = choices.get(text.lower())
    if value is None:
        problem(f"{column} “{text[:60]}” is not one of {', '.join(sorted(set(choices.values())))}.")
        return ""
    return value


def _choices(choices):
    return {**{value: value for value, _ in choices}, **{str(label).lower(): value for value, label in choices}}


OUTCOMES, EQUALITY, SAFEGUARDING = (_choices(c.choices) for c in (CaseOutcome, EqualityInformation, Safeguarding))
# A case ending with no crime has one row, with these empty (flags may say "no").
CRIME_COLUMNS = ["expected_offence", "force_crime_reference", "recorded_offence", "recorded_at", "cancellation_code",
                 "errors", "safeguarding", *VICTIM_FLAGS]
CASE_DETAIL_COLUMNS = ["source", "reported_at", "case_notes", *REPORT_FLAGS, "equality_information", "outcome",
                       "outcome_reason"]


def _errors(cell, rules):
    """The errors of a cell such as "misclassified:HOCR-PCR; not_recorded": (kinds, rules chosen by kind,
    problems)."""
    given, chosen, problems = {}, {}, []  # given: kind -> the rule code written after it ("" for none)
    for entry in _text(cell).replace(",", ";").split(";"):
        kind, colon, code = (part.strip() for part in entry.partition(":"))
        code = code.upper()
        if not kind:
            continue
        if colon and not code:
            problems.append(f"errors: “{entry.strip()}” names no rule after the colon.")
        elif kind in given and given[kind] != code:
            problems.append(f"errors: {kind} is given twice with different rules.")
        elif code and code not in rules:
            problems.append(f"errors: rule “{code}” (for {kind}) is not a counting rule code.")
        elif code:
            chosen[kind] = rules[code]
        given.setdefault(kind, code)
    return list(given), chosen, problems


# Checking ------------------------------------------------------------------------------------------


def plan_import(inspection, rows, mode="add", progress=None):
    """Check every row; nothing is written. Returns an ImportPlan listing each row's problems. ``progress``, if
    given, is told (rows checked, rows) as it goes (a background job's progress, core.jobs.Progress)."""
    offences = {o.name.lower(): o for o in OffenceSubgroup.objects.all()}
    rules = {rule.code: rule for rule in CountingRule.objects.all()}
    inactive = []  # (row, case reference, kind, rule): allowed only where the stored case already cites it
    sources = {value: value for value in AuditedCase.Source.values}
    sources.update({label.lower(): value for value, label in AuditedCase.Source.choices})
    problems, cases = [], OrderedDict()
    seen_rows = {}  # each distinct row -> the first row number it is on
    if inspection.is_locked:
        problems.append((None, locked_message(inspection)))
    for number, row in enumerate(rows, start=2):
        if progress is not None and number % 500 == 0:
            progress(number - 2, len(rows))
        row_problems = []

        def problem(message):
            row_problems.append((number, message))

        reference = _text(row["case_reference"])
        if not reference:
            problem("case_reference is empty.")
        for column, (model, name) in TEXT_FIELDS.items():
            if message := text_problem(column, _text(row[column]), _max_length(model, name)):
                problem(message)
        key = _row_key(row)
        if key in seen_rows:
            problem(f"the row repeats row {seen_rows[key]} exactly: a crime is listed once (delete the copy, or "
                    "tell the two crimes apart, e.g. by their force crime references).")
        seen_rows.setdefault(key, number)
        source = sources.get(_text(row["source"]).lower())
        if source is None:
            problem(f"source “{_text(row['source'])}” is not one of {', '.join(AuditedCase.Source.values)}.")
        moments = {}
        for column in ("reported_at", "recorded_at"):
            try:
                moments[column] = parse_moment(row[column])
            except ValueError as bad:
                problem(f"{column} “{bad}” is not a date and time (dd/mm/yyyy hh:mm).")
                moments[column] = None
        if moments["reported_at"] is None and not any(p for p in row_problems if "reported_at" in p[1]):
            problem("reported_at is empty.")
        flags = {}
        for column in (*VICTIM_FLAGS, *REPORT_FLAGS):
            try:
                flags[column] = _flag(row[column])
            except ValueError as bad:
                problem(f"{column} “{bad}” is not yes or no.")
        outcome, equality, safeguarding = (_choice(row, column, choices, problem) for column, choices in (
            ("outcome", OUTCOMES), ("equality_information", EQUALITY), ("safeguarding", SAFEGUARDING)))
        outcome = outcome or CaseOutcome.CRIMES
        outcome_reason = _text(row["outcome_reason"])
        without_crime = outcome in NO_CRIME_OUTCOMES
        if without_crime:
            if filled := [column for column in CRIME_COLUMNS if _text(row[column]).lower() not in ("", "no")]:
                problem(f"case {reference} ends {outcome}, so its row has no crime: {', '.join(filled)} must be "
                        "empty.")
        for message in case_outcome_problems(outcome=outcome, reason=outcome_reason, source=source or "",
                                             crime_count=0).values():
            problem(f"{message} (outcome {outcome}, outcome_reason)")
        expected = offences.get(_text(row["expected_offence"]).lower())
        if expected is None and not without_crime:
            problem(f"expected_offence “{_text(row['expected_offence'])}” is not a known offence subgroup.")
        recorded_name = _text(row["recorded_offence"])
        recorded = offences.get(recorded_name.lower()) if recorded_name else None
        if recorded_name and recorded is None:
            problem(f"recorded_offence “{recorded_name}” is not a known offence subgroup.")
        cancellation = _text(row["cancellation_code"]).upper()
        if cancellation and cancellation not in AuditedCrime.Cancellation.values:
            problem(f"cancellation_code “{cancellation}” is not C1, C2, C3 or C4.")
        kinds, chosen, error_problems = _errors(row["errors"], rules)
        for message in error_problems:
            problem(message)
        unknown = [kind for kind in kinds if kind not in ErrorKind.values]
        if unknown:
            problem(f"errors: {', '.join(unknown)} not known (use {', '.join(ErrorKind.values)}).")
        inactive += [(number, reference, kind, rule) for kind, rule in chosen.items()
                     if not rule.is_active and kind not in unknown]
        if moments["recorded_at"] and not recorded_name:
            problem("recorded_at is given but recorded_offence is empty.")
        if cancellation and not recorded_name:
            problem("cancellation_code is given but the crime was not recorded.")
        if not unknown:
            for message in error_kinds_problems(kinds, recorded=bool(recorded_name), cancelled=bool(cancellation)):
                problem(message)
        if message := recording_time_problem(moments["reported_at"], moments["recorded_at"]):
            problem(message)
        if message := report_date_problem(inspection, moments["reported_at"]):
            problem(message)
        if not without_crime and (message := safeguarding_problem(recorded=bool(recorded_name),
                                                                  safeguarding=safeguarding)):
            problem(f"safeguarding: {message}")

        case_values = {"source": source, "reported_at": moments["reported_at"],
                       **{flag: flags.get(flag, False) for flag in REPORT_FLAGS},
                       "equality_information": equality, "outcome": outcome, "outcome_reason": outcome_reason,
                       "notes": _text(row["case_notes"])}
        plan = cases.get(reference)
        if plan is None and reference:
            plan = cases[reference] = CasePlan(reference, case_values)
        elif plan is not None and plan.values != case_values:
            problem(f"case {reference} has different case details ({', '.join(CASE_DETAIL_COLUMNS)}) "
                    f"from its first row, row {plan.rows[0]}.")
        elif plan is not None and without_crime:
            problem(f"case {reference} ends {outcome}: give it one row only (its first is row {plan.rows[0]}).")
        if plan is not None:
            plan.rows.append(number)
            if not without_crime:
                plan.crimes.append(({"expected_offence": expected, "recorded_offence": recorded,
                                     "recorded_at": moments["recorded_at"], "force_crime_reference":
                                         _text(row["force_crime_reference"]), "cancellation_code": cancellation,
                                     **{flag: flags.get(flag, False) for flag in VICTIM_FLAGS},
                                     "safeguarding": safeguarding},
                                    set(kinds), chosen))
        problems += row_problems

    existing = {case.reference: case for case in AuditedCase.objects.filter(
        inspection=inspection, reference__in=[ref for ref in cases if "\x00" not in ref]).prefetch_related(
            "crimes__errors__rule", "crimes__expected_offence", "crimes__recorded_offence")}
    for number, reference, kind, rule in inactive:
        stored = existing.get(reference) if mode == "update" else None
        already_cited = stored is not None and any(
            error.kind == kind and error.rule_id == rule.pk for crime in stored.crimes.all() for error in crime.errors.all())
        if message := rule_citation_problem(kind, rule.code, active=False, already_cited=already_cited):
            problems.append((number, message))
    for reference, plan in cases.items():
        plan.existing = existing.get(reference)
        if plan.existing is None:
            continue
        if mode == "add":
            problems.append((plan.rows[0], f"case {reference} is already in this inspection "
                                           "(choose “update existing” to replace its crimes)."))
        else:
            plan.action = "update" if problems or not _same(plan, plan.existing, rules) else "unchanged"
    return ImportPlan(inspection, mode, cases, sorted(problems, key=lambda p: (p[0] or 0)), len(rows), rules)


def _crime_key(values, citations):
    return (values["expected_offence"].pk if values["expected_offence"] else None,
            values["recorded_offence"].pk if values["recorded_offence"] else None,
            values["recorded_at"], values["force_crime_reference"], values["cancellation_code"],
            values["safeguarding"], *(values[flag] for flag in VICTIM_FLAGS), frozenset(citations))


def _same(plan, case, rules):
    if any(getattr(case, name) != value for name, value in plan.values.items()):
        return False
    stored = sorted((_crime_key({"expected_offence": c.expected_offence, "recorded_offence": c.recorded_offence,
                                 "recorded_at": c.recorded_at, "force_crime_reference": c.force_crime_reference,
                                 "cancellation_code": c.cancellation_code, "safeguarding": c.safeguarding,
                                 **{flag: getattr(c, flag) for flag in VICTIM_FLAGS}},
                                {(error.kind, error.rule.code) for error in c.errors.all()})
                     for c in case.crimes.all()), key=repr)
    planned = sorted((_crime_key(values, {(kind, rule.code) for kind, rule in
                                          _citations(values, kinds, chosen, plan.values["reported_at"], rules)})
                      for values, kinds, chosen in plan.crimes), key=repr)
    return stored == planned


def _citations(values, kinds, chosen, reported_at, rules):
    """The errors a planned crime gets, as (kind, rule): its kinds with lateness derived from the times,
    each citing the rule chosen for it or its usual rule."""
    probe = AuditedCrime(recorded_at=values["recorded_at"], case=AuditedCase(reported_at=reported_at))
    return [(kind, chosen.get(kind) or rules[default_rule_code(kind, values["cancellation_code"])])
            for kind in sorted(crime_error_kinds(probe, kinds))]


# Writing -------------------------------------------------------------------------------------------


@transaction.atomic
def import_cases(plan, by, progress=None):
    """Write a checked plan: all of it or none. Returns counts of cases added, updated and unchanged.
    ``progress``, if given, is told each stage of the writing (core.jobs.Progress)."""
    ensure_can_write(by)
    if not plan.ok:
        raise ValueError("A plan with problems cannot be imported.")
    # One import at a time, never into a published inspection (or closed self-audit), only where ``by`` may write.
    ensure_unlocked(plan.inspection, by)
    new = [case for case in plan.cases.values() if case.action == "add"]
    changed = [case for case in plan.cases.values() if case.action == "update"]

    def stage(name, step):  # the rows appear only when the transaction commits: the stage is all there is to show
        if progress is not None:
            progress(0, 0, stage=f"{name}: step {step} of 3, {plan.rows:,} rows in one transaction (all or none)")

    stage("Writing the cases", 1)
    for case_plan in changed:
        case = case_plan.existing
        for name, value in case_plan.values.items():
            setattr(case, name, value)
        case.moderation_state = AuditedCase.Moderation.DRAFT
        case.submitted_by = case.submitted_at = case.moderated_by = case.moderated_at = None
        # A new version, saved before its crimes change so the case's history attributes them to it.
        case.version = AuditedCase.objects.select_for_update().values_list("version", flat=True).get(pk=case.pk) + 1
        case.save()
        case.crimes.all().delete()
    created = bulk_create_with_history(
        [AuditedCase(inspection=plan.inspection, reference=case.reference, auditor=by, **case.values) for case in new],
        AuditedCase, batch_size=2000, default_user=by)
    cases = {case.reference: case for case in created} | {case.reference: case.existing for case in changed}
    stage("Writing the crimes", 2)
    crimes, citations_of = [], []
    for case_plan in new + changed:
        case = cases[case_plan.reference]
        for values, kinds, chosen in case_plan.crimes:
            crimes.append(AuditedCrime(case=case, **values))
            citations_of.append(_citations(values, kinds, chosen, case.reported_at, plan.rules))
    crimes = bulk_create_with_history(crimes, AuditedCrime, batch_size=2000, default_user=by)
    stage("Writing the recording errors", 3)
    bulk_create_with_history([RecordingError(crime=crime, kind=kind, rule=rule)
                              for crime, citations in zip(crimes, citations_of) for kind, rule in citations],
                             RecordingError, batch_size=2000, default_user=by)
    return {"added": len(new), "updated": len(changed), "unchanged": plan.count("unchanged")}
