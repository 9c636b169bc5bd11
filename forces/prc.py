"""Import of the Home Office police recorded crime (PRC) open data table.

The long layout: Financial Year, Financial Quarter, Force Name, Offence Description, Offence Group,
Offence Subgroup, Offence Code, Number of Offences; one row per force, quarter and offence. Fraud
and rows for bodies that are not territorial forces (Action Fraud, CIFAS, UK Finance, British
Transport Police) are dropped. Quarterly counts become 12-month volumes per force and category, one
for each quarter that ends four consecutive quarters. A file with any bad row stores nothing.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from core.categories import ReportCategory
from core.spreadsheets import SpreadsheetError, read_table
from forces.models import Force, RecordedCrimeVolume

COLUMNS = ["Financial Year", "Financial Quarter", "Force Name", "Offence Description", "Offence Group",
           "Offence Subgroup", "Offence Code", "Number of Offences"]
FRAUD_GROUPS = {"fraud offences", "fraud"}
# PRC names that normalisation alone does not match to our forces.
ALIASES = {"london, city of": "city-of-london", "hampshire": "hampshire"}
MAX_PROBLEMS = 20


class PrcImportError(Exception):
    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PrcImportResult:
    rows_read: int
    rows_dropped: int
    volumes_written: int


def normalise(name):
    name = re.sub(r"\s+", " ", name.strip().lower().replace("&", "and"))
    for suffix in (" police service", " constabulary", " police"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


NOT_TERRITORIAL_FORCES = {normalise(name) for name in ("Action Fraud", "CIFAS", "UK Finance",
                                                        "British Transport Police")}


def force_lookup():
    forces = list(Force.objects.all())
    lookup = {normalise(force.name): force for force in forces}
    lookup.update({force.slug.replace("-", " "): force for force in forces})
    by_slug = {force.slug: force for force in forces}
    lookup.update({alias: by_slug[slug] for alias, slug in ALIASES.items() if slug in by_slug})
    return lookup


def quarter_end(financial_year, quarter):
    """'2018/19' quarter 1 ends 30 June 2018; quarter 4 ends 31 March 2019."""
    match = re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", financial_year.strip())
    number = re.fullmatch(r"(?:Q)?([1-4])", quarter.strip(), re.IGNORECASE)
    if not match or not number:
        raise ValueError
    start = int(match.group(1))
    return {1: date(start, 6, 30), 2: date(start, 9, 30), 3: date(start, 12, 31), 4: date(start + 1, 3, 31)}[
        int(number.group(1))]


def previous_quarter_ends(end, count=3):
    ends, current = [], end
    for _ in range(count):
        month, year = current.month - 3, current.year
        if month <= 0:
            month, year = month + 12, year - 1
        last_day = {3: 31, 6: 30, 9: 30, 12: 31}[month]
        current = date(year, month, last_day)
        ends.append(current)
    return ends


def categories_of(group, subgroup):
    categories = [ReportCategory.ALL_CRIME]
    if group == "violence against the person":
        categories.append(ReportCategory.VIOLENCE)
    if group == "sexual offences":
        categories.append(ReportCategory.SEXUAL)
        if subgroup == "rape":
            categories.append(ReportCategory.RAPE)
    return categories


def read_rows(upload, filename):
    """The file's rows as dicts of COLUMNS, from CSV or ODS."""
    try:
        return read_table(upload, filename, COLUMNS, extensions=(".csv", ".ods"))
    except SpreadsheetError as error:
        if error.missing:
            message = str(error)
            said = [message] if message.startswith("The file is empty") else []  # or why columns are missing:
            said += [message[message.index(" Its header"):].strip()] if " Its header" in message else []
            raise PrcImportError(said + [f"The file has no column “{column}”." for column in error.missing]
                                 + [f"Expected columns: {', '.join(COLUMNS)}."]) from None
        raise PrcImportError([str(error)]) from None


SOURCE_LENGTH = 200  # RecordedCrimeVolume.source


def _offence_key(cell):
    """What makes a row one force's count for one quarter and offence: a second row with the same key is a
    duplicate, refused rather than added in."""
    return (normalise(cell("Force Name")), re.sub(r"\s+", "", cell("Financial Year")),
            cell("Financial Quarter").upper().lstrip("Q"), cell("Offence Code").upper(),
            cell("Offence Description").lower())


def _quiet(*args, **kwargs):
    pass


def quarterly_totals(rows, progress=_quiet):
    """Totals per (force, quarter end, category), how many rows were dropped and how many read."""
    progress(0, len(rows), stage="Checking every row")
    forces = force_lookup()
    totals, problems, dropped = defaultdict(int), [], 0
    first_row = {}
    for number, row in enumerate(rows, start=2):
        progress(number - 1, len(rows))
        cell = lambda column: str(row[column]).strip()  # noqa: E731
        force_name, group = cell("Force Name"), cell("Offence Group").lower()
        if normalise(force_name) in NOT_TERRITORIAL_FORCES or group in FRAUD_GROUPS:
            dropped += 1
            continue
        key = _offence_key(cell)
        if key in first_row:
            problems.append(f"Row {number}: {force_name}, {cell('Financial Year')} quarter "
                            f"{cell('Financial Quarter')}, offence {cell('Offence Code')} "
                            f"“{cell('Offence Description')}” is also on row {first_row[key]}: each count is "
                            "given once (duplicates would be added together).")
        first_row.setdefault(key, number)
        force = forces.get(normalise(force_name))
        if force is None:
            problems.append(f"Row {number}: unknown force “{force_name}”.")
        try:
            end = quarter_end(cell("Financial Year"), cell("Financial Quarter"))
        except ValueError:
            problems.append(f"Row {number}: “{cell('Financial Year')}” quarter “{cell('Financial Quarter')}” "
                            "is not a financial year (e.g. 2018/19) and quarter (1 to 4).")
            end = None
        try:
            count = int(cell("Number of Offences").replace(",", ""))
            if count < 0:
                raise ValueError
        except ValueError:
            problems.append(f"Row {number}: number of offences “{cell('Number of Offences')}” is not a whole number.")
            count = None
        if len(problems) >= MAX_PROBLEMS:
            problems.append("Stopped after 20 problems.")
            break
        if force and end and count is not None:
            for category in categories_of(group, cell("Offence Subgroup").lower()):
                totals[(force, end, category)] += count
    if problems:
        raise PrcImportError(problems)
    return totals, dropped, len(rows)


def default_source(filename):
    """The source stored when none is given: the file's name, visibly shortened if it would not fit."""
    name = filename if len(filename) <= 150 else filename[:138] + "…" + filename[-11:]
    return f"Police recorded crime: {name}"


@transaction.atomic
def import_prc(upload, filename, source=None, progress=_quiet):
    """Every row checked, then the 12-month volumes written: all or none. ``progress(done, total, stage=...)`` is
    told as it goes (a background job's, forces.tasks)."""
    source = default_source(filename) if source is None else source
    if len(source) > SOURCE_LENGTH or "\x00" in source:
        raise PrcImportError([f"The source is {len(source):,} characters long or holds a NUL; it may have at most "
                              f"{SOURCE_LENGTH} characters."])
    totals, dropped, read = quarterly_totals(read_rows(upload, filename), progress)
    written = 0
    progress(0, len(totals), stage="Writing the 12-month volumes")
    for number, ((force, end, category), count) in enumerate(totals.items(), start=1):
        progress(number, len(totals))
        earlier = [totals.get((force, previous, category)) for previous in previous_quarter_ends(end)]
        if any(value is None for value in earlier):
            continue  # fewer than four consecutive quarters: no 12-month figure
        RecordedCrimeVolume.objects.update_or_create(
            force=force, period_end=end, category=category,
            defaults={"count": count + sum(earlier), "source": source},
        )
        written += 1
    return PrcImportResult(read, dropped, written)
