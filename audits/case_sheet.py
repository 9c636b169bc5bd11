"""The audited-crimes spreadsheet template, both ways: its columns and guide, reading an uploaded sheet
(CSV, XLSX or ODS, one row per audited crime) and writing cases back in the same template, so that an
export re-imported changes nothing."""

from audits.models import AuditedCase
from audits.rules import CaseOutcome, EqualityInformation, ErrorKind, Safeguarding, default_rule_code
from core.downloads import SafeWorkbook
from core.spreadsheets import SpreadsheetError, format_moment, read_table, spreadsheet_unsafe

# The first thirteen are the template's original columns, in their original places; later ones follow them.
COLUMNS = ["case_reference", "source", "reported_at", "domestic_abuse", "vulnerable_victim", "modern_slavery",
           "case_notes", "expected_offence", "force_crime_reference", "recorded_offence", "recorded_at",
           "cancellation_code", "errors", "child_victim", "safeguarding", "anonymous_report", "third_party_report",
           "equality_information", "outcome", "outcome_reason"]
#: Columns of the case (the same on each of its rows); the others describe the row's crime.
CASE_COLUMNS = ["case_reference", "source", "reported_at", "case_notes", "anonymous_report", "third_party_report",
                "equality_information", "outcome", "outcome_reason"]
GUIDE = {
    "case_reference": "The force's reference for the record audited. Rows with the same reference are one case.",
    "source": "One of: " + ", ".join(AuditedCase.Source.values),
    "reported_at": "When it was reported, UK time: dd/mm/yyyy hh:mm (or hh:mm:ss).",
    "domestic_abuse": "yes or no: this row's crime's victim (one audited crime per victim).",
    "vulnerable_victim": "yes or no: this row's crime's victim.", "modern_slavery": "yes or no: this row's crime's victim.",
    "child_victim": "yes or no: this row's crime's victim is under 18.",
    "safeguarding": "For a crime the force did not record (recorded_offence empty): was the victim safeguarded anyway? "
                    "One of: " + ", ".join(Safeguarding.values) + ". Empty for a recorded crime.",
    "anonymous_report": "yes or no: the case was reported anonymously.",
    "third_party_report": "yes or no: the case was reported by a third party.",
    "equality_information": "Did the force obtain the victim's equality information? One of: "
                            + ", ".join(EqualityInformation.values) + ", or empty (not assessed).",
    "outcome": "One of: " + ", ".join(CaseOutcome.values) + " (empty means crimes). A case ending no_crime or "
               "n100_correct (an N100 record only) is one row with every crime column empty.",
    "outcome_reason": "Why the case ends no_crime or n100_correct (required for them; empty otherwise).",
    "case_notes": "Short notes: references and codes only, no names or narrative.",
    "expected_offence": "The Home Office offence subgroup that should have been recorded, e.g. Rape.",
    "force_crime_reference": "The force's crime reference, if it recorded one.",
    "recorded_offence": "The subgroup the force recorded; empty if it recorded no crime.",
    "recorded_at": "When the force recorded it, dd/mm/yyyy hh:mm; empty if not recorded.",
    "cancellation_code": "C1, C2, C3 or C4 if the crime was cancelled; otherwise empty.",
    "errors": "Recording errors separated by “;”, from: " + ", ".join(ErrorKind.values)
              + ". Each cites the usual counting rule for its kind unless you name another after a colon, e.g. "
                "misclassified:HOCR-PCR (codes as in the counting rules list). recorded_late is worked out from "
                "the times when both are given.",
}
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


class ImportFileError(Exception):
    pass


def read_rows(upload, filename):
    """The rows, with the apostrophe our exports put before formula-like text taken off again."""
    try:
        rows = read_table(upload, filename, COLUMNS)
    except SpreadsheetError as error:
        raise ImportFileError(f"{error} Use the template: {', '.join(COLUMNS)}." if "no column" in str(error)
                              else str(error)) from None
    return [{column: spreadsheet_unsafe(value) for column, value in row.items()} for row in rows]


# Writing -------------------------------------------------------------------------------------------------


def template_rows(rows, errors):
    """``rows`` and ``errors`` as from audits.selectors.case_export_rows."""
    for row in rows:
        crime = row.crime_id is not None
        yield [row.reference, row.source, format_moment(row.reported_at, seconds=True),
               _yes(row.domestic_abuse, crime), _yes(row.vulnerable_victim, crime), _yes(row.modern_slavery, crime),
               row.notes, row.expected or "", row.crime_reference, row.recorded or "",
               format_moment(row.recorded_at, seconds=True), row.cancellation,
               ";".join(error_cells(errors.get(row.crime_id, []), row.cancellation)) if crime else "",
               _yes(row.child_victim, crime), row.safeguarding, _yes(row.anonymous_report),
               _yes(row.third_party_report), row.equality_information, row.outcome, row.outcome_reason]


def error_cells(errors, cancellation):
    """Each (kind, rule code) as the template writes it: the kind alone when it cites its usual rule."""
    return [kind if code == default_rule_code(kind, cancellation) else f"{kind}:{code}"
            for kind, code in sorted(errors)]


def _yes(value, applies=True):
    """yes or no; empty on a row without a crime, for the crime's flags."""
    if not applies:
        return ""
    return "yes" if value else "no"


def workbook_bytes(rows, with_guide=True):
    workbook = SafeWorkbook()
    sheet = workbook.sheet("Audited crimes")
    sheet.append(COLUMNS)
    sheet.extend(rows)
    sheet.all_text()
    if with_guide:
        guide = workbook.sheet("Guide")
        guide.append(["column", "what to enter"])
        guide.extend([column, GUIDE[column]] for column in COLUMNS)
    return workbook.content()
