"""The audited-crimes spreadsheet template, both ways: its columns and guide, reading an uploaded sheet
(CSV, XLSX or ODS, one row per audited crime) and writing cases back in the same template, so that an
export re-imported changes nothing."""

from audits.models import AuditedCase
from audits.rules import ErrorKind, default_rule_code
from core.downloads import SafeWorkbook
from core.spreadsheets import SpreadsheetError, format_moment, read_table, spreadsheet_unsafe

COLUMNS = ["case_reference", "source", "reported_at", "domestic_abuse", "vulnerable_victim", "modern_slavery",
           "case_notes", "expected_offence", "force_crime_reference", "recorded_offence", "recorded_at",
           "cancellation_code", "errors"]
GUIDE = {
    "case_reference": "The force's reference for the record audited. Rows with the same reference are one case.",
    "source": "One of: " + ", ".join(AuditedCase.Source.values),
    "reported_at": "When it was reported, UK time: dd/mm/yyyy hh:mm (or hh:mm:ss).",
    "domestic_abuse": "yes or no", "vulnerable_victim": "yes or no", "modern_slavery": "yes or no",
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


def template_rows(crimes, errors):
    """``crimes`` and ``errors`` as from audits.selectors.case_export_rows."""
    for (crime_id, reference, source, reported_at, domestic_abuse, vulnerable_victim, modern_slavery, _state,
         expected, _category, crime_reference, recorded, recorded_at, cancellation, notes) in crimes:
        yield [reference, source, format_moment(reported_at, seconds=True), _yes(domestic_abuse), _yes(vulnerable_victim),
               _yes(modern_slavery), notes, expected, crime_reference, recorded or "", format_moment(recorded_at, seconds=True),
               cancellation, ";".join(error_cells(errors.get(crime_id, []), cancellation))]


def error_cells(errors, cancellation):
    """Each (kind, rule code) as the template writes it: the kind alone when it cites its usual rule."""
    return [kind if code == default_rule_code(kind, cancellation) else f"{kind}:{code}"
            for kind, code in sorted(errors)]


def _yes(value):
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
