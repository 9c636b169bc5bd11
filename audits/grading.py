"""Grades of an inspection: the schemes HMICFRS graded under, the questions it grades, which grades
each scheme has, and how an inspection's year and scheme follow from its dates when not given.

Pure: no queries. The model, the services, the loader and the migrations' copies follow these rules;
the database refuses "adequate" outside the five-tier scheme as a backstop (audits.models).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import models


class Grade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class GradingScheme(models.TextChoices):
    CDI_2016 = "cdi_2016", "CDI 2016 (four tiers)"
    CDI_2017 = "cdi_2017", "CDI 2017 (four tiers, revised criteria)"
    PEEL_2021 = "peel_2021", "PEEL 2021/22 (five tiers)"


class Question(models.TextChoices):
    OVERALL = "overall", "Overall grade"
    EFFECTIVENESS = "effectiveness", "How effective is the force at recording reported crime?"
    SYSTEMS = "systems", ("How efficiently do the force's systems and processes support accurate crime "
                          "recording?")
    LEADERSHIP = "leadership", ("How well does the force show the leadership and culture needed for accurate "
                                "crime recording?")


#: The Inspection field holding each question's grade.
GRADE_FIELDS: dict[Question, str] = {
    Question.OVERALL: "grade",
    Question.EFFECTIVENESS: "effectiveness_grade",
    Question.SYSTEMS: "systems_grade",
    Question.LEADERSHIP: "leadership_grade",
}

#: Short names for table columns.
QUESTION_SHORT: dict[Question, str] = {
    Question.OVERALL: "Overall",
    Question.EFFECTIVENESS: "Effectiveness",
    Question.SYSTEMS: "Systems and processes",
    Question.LEADERSHIP: "Leadership and culture",
}

#: The scheme's name in a sentence ("not a grade of the CDI 2016 scheme").
SCHEME_NAMES: dict[GradingScheme, str] = {
    GradingScheme.CDI_2016: "CDI 2016",
    GradingScheme.CDI_2017: "CDI 2017",
    GradingScheme.PEEL_2021: "PEEL 2021/22",
}

FOUR_TIERS = (Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE)
SCHEME_GRADES: dict[GradingScheme, tuple[Grade, ...]] = {
    GradingScheme.CDI_2016: FOUR_TIERS,
    GradingScheme.CDI_2017: FOUR_TIERS,
    GradingScheme.PEEL_2021: tuple(Grade),
}

# HMIC revised the CDI grading in January 2017; PEEL took crime data integrity in from 2021/22.
CDI_2017_FROM = date(2017, 1, 1)
PEEL_2021_FROM = date(2021, 4, 1)


def scheme_on(day: date) -> GradingScheme:
    """The scheme in force on ``day``."""
    if day >= PEEL_2021_FROM:
        return GradingScheme.PEEL_2021
    return GradingScheme.CDI_2017 if day >= CDI_2017_FROM else GradingScheme.CDI_2016


def scheme_for(*, published_on: date | None = None, fieldwork_start: date | None = None,
               fieldwork_end: date | None = None, audit_period_end: date | None = None,
               today: date | None = None) -> GradingScheme:
    """The scheme an inspection was graded under: the one in force when it was published (grades are
    given in the report), else at fieldwork, else at the end of its audit period; a new inspection
    with no dates is graded under today's scheme."""
    day = published_on or fieldwork_start or fieldwork_end or audit_period_end or today or date.today()
    return scheme_on(day)


def year_for(*, audit_period_end: date | None = None, fieldwork_start: date | None = None,
             fieldwork_end: date | None = None) -> int | None:
    """The year an inspection is titled by when none is given: the year its audit period ends, else the
    year of its fieldwork. Never the publication date (a 2017 inspection is often published in 2018)."""
    day = audit_period_end or fieldwork_start or fieldwork_end
    return day.year if day else None


_SLUG_YEAR = re.compile(r"-((?:19|20)\d\d)/?$")


def year_in_report_address(address: str) -> int | None:
    """The trailing year of a report's address, as HMICFRS names its reports
    (``…/thames-valley-police-crime-data-integrity-inspection-2017/`` → 2017); None when it has none."""
    found = _SLUG_YEAR.search(address.strip())
    return int(found.group(1)) if found else None


def grade_problem(scheme: str, grade: str) -> str | None:
    """Why ``grade`` cannot be given under ``scheme``, or None (also when either is not a known value: the
    field's own validation says so)."""
    if grade not in Grade.values or scheme not in GradingScheme.values:
        return None
    allowed = SCHEME_GRADES[GradingScheme(scheme)]
    if grade in allowed:
        return None
    *others, last = [g.label.lower() for g in allowed]
    return (f"“{Grade(grade).label}” is not a grade of the {SCHEME_NAMES[GradingScheme(scheme)]} scheme, whose "
            f"grades are {', '.join(others)} and {last}. Only the five-tier "
            f"{SCHEME_NAMES[GradingScheme.PEEL_2021]} scheme has “{Grade.ADEQUATE.label}”.")


def grade_label(grade: str) -> str:
    return Grade(grade).label if grade else "Not graded"


@dataclass(frozen=True)
class GradeLine:
    """One question's grade as a report shows it, with the grade it replaced when it was revised."""

    question: Question
    grade: str = ""
    previous_grade: str = ""
    revised_on: date | None = None
    reason: str = ""

    @property
    def label(self) -> str:
        return self.question.label

    @property
    def short_label(self) -> str:
        return QUESTION_SHORT[self.question]

    @property
    def grade_label(self) -> str:
        return grade_label(self.grade)

    @property
    def is_revised(self) -> bool:
        return self.revised_on is not None

    @property
    def revision_text(self) -> str:
        """"revised on 09/02/2017 from requires improvement: reason", or "" when not revised."""
        if self.revised_on is None:
            return ""
        when = f"{self.revised_on:%d/%m/%Y}"
        if self.previous_grade:
            return f"revised on {when} from {grade_label(self.previous_grade).lower()}: {self.reason}"
        return f"graded on {when}, after publication: {self.reason}"

    @property
    def text(self) -> str:
        """The grade, and what it was before when it was revised (both, as the report must show)."""
        return f"{self.grade_label} ({self.revision_text})" if self.is_revised else self.grade_label

    @property
    def short_text(self) -> str:
        """The grade, and the grade it was revised from, without the date and reason (lists)."""
        if not self.is_revised:
            return self.grade_label
        if self.previous_grade:
            return f"{self.grade_label} (revised from {grade_label(self.previous_grade).lower()})"
        return f"{self.grade_label} (graded after publication)"


@dataclass(frozen=True)
class Grades:
    """An inspection's grades under its scheme: the overall grade first, then the three questions."""

    scheme: str
    lines: tuple[GradeLine, ...]

    @property
    def scheme_label(self) -> str:
        """"CDI 2016 (four tiers)"."""
        return GradingScheme(self.scheme).label if self.scheme else "Not stated"

    @property
    def scheme_name(self) -> str:
        """"CDI 2016"."""
        return SCHEME_NAMES[GradingScheme(self.scheme)] if self.scheme else "unstated"

    @property
    def overall(self) -> GradeLine:
        return self.lines[0]

    @property
    def graded(self) -> bool:
        return any(line.grade for line in self.lines)

    @property
    def revised(self) -> bool:
        return any(line.is_revised for line in self.lines)


def grades_from(scheme: str, lines: dict[str, GradeLine]) -> Grades:
    """Every question in order, ungraded where ``lines`` (by question value) has none."""
    return Grades(scheme, tuple(lines.get(question.value) or GradeLine(question) for question in Question))
