"""The cancellation review spreadsheet, both ways: its columns and guide, reading an uploaded sheet (CSV or
XLSX, one row per reviewed cancelled or transferred record) and writing an inspection's reviews back in the
same layout, so that an export re-imported changes nothing. Notes are not in the sheet: they are kept."""

from audits.models import CancellationReview
from audits.rules import AviEvidenced
from core.categories import CancellationCategory
from core.downloads import SafeWorkbook
from core.spreadsheets import SpreadsheetError, read_table, spreadsheet_unsafe

COLUMNS = ["reference", "category", "ground", "avi_evidenced", "ddm_authorised", "victim_told", "verdict", "reason"]
GUIDE = {
    "reference": "The force's crime reference of the cancelled or transferred record; once per inspection.",
    "category": "One of: " + ", ".join(CancellationCategory.values),
    "ground": "The ground claimed: C1 (transferred to another force), C2 (additional verifiable information shows "
              "no crime), C3 (duplicate) or C4 (recorded in error).",
    "avi_evidenced": "For C2: yes or no, was the additional verifiable information evidenced? Otherwise empty "
                     "(or not_applicable).",
    "ddm_authorised": "yes or no: authorised by a designated decision maker.",
    "victim_told": "yes or no: the victim was told of the cancellation.",
    "verdict": "correct or incorrect.",
    "reason": "Why the cancellation was incorrect (required when it was); empty when correct.",
}
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}
NOT_APPLICABLE = {"", "not_applicable", "not applicable", "n/a", "na"}
SHEET_TITLE = "Cancellation reviews"


def read_rows(upload, filename):
    """The rows, with the apostrophe our exports put before formula-like text taken off again.
    Raises SpreadsheetError naming what is wrong with the file."""
    try:
        rows = read_table(upload, filename, COLUMNS)
    except SpreadsheetError as error:
        if error.missing:
            raise SpreadsheetError(f"{error} Use the template: {', '.join(COLUMNS)}.", missing=error.missing) from None
        raise
    return [{column: spreadsheet_unsafe(value) for column, value in row.items()} for row in rows]


def row_of(review: CancellationReview) -> list[str]:
    avi = "" if review.avi_evidenced == AviEvidenced.NOT_APPLICABLE else review.avi_evidenced
    return [review.reference, review.category, review.ground, avi, _yes(review.ddm_authorised),
            _yes(review.victim_told), review.verdict, review.reason]


def _yes(value):
    return "yes" if value else "no"


def workbook_bytes(rows, with_guide=True):
    workbook = SafeWorkbook()
    sheet = workbook.sheet(SHEET_TITLE)
    sheet.append(COLUMNS)
    sheet.extend(rows)
    sheet.all_text()
    if with_guide:
        guide = workbook.sheet("Guide")
        guide.append(["column", "what to enter"])
        guide.extend([column, GUIDE[column]] for column in COLUMNS)
    return workbook.content()
