"""Which recording errors make sense for which audited crimes, and what a cancellation review's verdict
must agree with.

The error table drives the form validation (clear messages) and the database triggers in
migration 0002 (the backstop); keep them in step. The cancellation review rules have their backstop
in CancellationReview's check constraints.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from audits.models import AuditedCrime, Inspection


class ErrorKind(models.TextChoices):
    NOT_RECORDED = "not_recorded", "Not recorded"
    MISCLASSIFIED = "misclassified", "Misclassified"
    N100_MISUSED = "n100_misused", "N100 used wrongly"
    RECORDED_LATE = "recorded_late", "Recorded late (over 24 hours)"
    WRONGLY_CANCELLED = "wrongly_cancelled", "Wrongly cancelled"
    ADDITIONAL_CRIME_MISSED = "additional_crime_missed", "Additional crime missed"
    VICTIM_NOT_TOLD = "victim_not_told", "Victim not told of cancellation"


class CancellationGround(models.TextChoices):
    """The grounds on which the Home Office Counting Rules let a recorded crime be cancelled."""

    C1 = "C1", "C1 — transferred to another force"
    C2 = "C2", "C2 — additional verifiable information shows no crime"
    C3 = "C3", "C3 — duplicate"
    C4 = "C4", "C4 — recorded in error"


class AviEvidenced(models.TextChoices):
    """Was the additional verifiable information evidenced? Only asked of a C2 cancellation."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable (not C2)"


class Verdict(models.TextChoices):
    CORRECT = "correct", "Correct"
    INCORRECT = "incorrect", "Incorrect"


class Needs(models.TextChoices):
    RECORDED = "recorded", "a crime the force recorded"
    UNRECORDED = "unrecorded", "a crime the force did not record"
    CANCELLED = "cancelled", "a recorded crime that was cancelled"


ERROR_NEEDS = {
    ErrorKind.NOT_RECORDED: Needs.UNRECORDED,
    ErrorKind.N100_MISUSED: Needs.UNRECORDED,
    ErrorKind.ADDITIONAL_CRIME_MISSED: Needs.UNRECORDED,
    ErrorKind.MISCLASSIFIED: Needs.RECORDED,
    ErrorKind.RECORDED_LATE: Needs.RECORDED,
    ErrorKind.WRONGLY_CANCELLED: Needs.CANCELLED,
    ErrorKind.VICTIM_NOT_TOLD: Needs.CANCELLED,
}

LATE_AFTER_HOURS = 24

# The rule an error of each kind cites unless another is chosen (codes of audits.CountingRule, loaded by
# migration 0010). A wrongly cancelled crime breaks the conditions of the ground it was cancelled on.
DEFAULT_RULE_CODES: dict[ErrorKind, str | None] = {
    ErrorKind.NOT_RECORDED: "NCRS-DECISION",
    ErrorKind.MISCLASSIFIED: "HOCR-CLASS",
    ErrorKind.N100_MISUSED: "N100",
    ErrorKind.RECORDED_LATE: "HOCR-24H",
    ErrorKind.WRONGLY_CANCELLED: None,
    ErrorKind.ADDITIONAL_CRIME_MISSED: "HOCR-OCPV",
    ErrorKind.VICTIM_NOT_TOLD: "CANCEL-VICTIM",
}
CANCELLATION_GROUND_CODES = ("C1", "C2", "C3", "C4")
# Rules the app relies on as defaults: they cannot be deleted, made inactive or recoded.
BUILT_IN_RULE_CODES = frozenset({code for code in DEFAULT_RULE_CODES.values() if code} | set(CANCELLATION_GROUND_CODES))
# A rule code: capitals, digits and hyphens, so that it can sit in a spreadsheet cell as "kind:CODE; kind".
RULE_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,29}\Z"


def default_rule_code(kind: str, cancellation_code: str = "") -> str:
    """The code of the rule an error of ``kind`` cites unless another is chosen."""
    code = DEFAULT_RULE_CODES[ErrorKind(kind)]
    if code is None:
        # A crime cancelled wrongly breaks its ground's conditions; without a ground (never stored: the
        # database refuses it) the crime should simply have stayed recorded.
        return cancellation_code if cancellation_code in CANCELLATION_GROUND_CODES else "NCRS-DECISION"
    return code


def rule_citation_problem(kind: str, code: str, *, active: bool, already_cited: bool) -> str | None:
    """Why an error of ``kind`` cannot newly cite the rule ``code``, or None. An inactive rule stays on the
    errors that already cite it, but is not cited afresh."""
    if active or already_cited:
        return None
    return f"“{ErrorKind(kind).label}” cannot cite {code}: that rule is no longer in use (inactive)."


def built_in_rule_use(code: str) -> str | None:
    """What the app uses a built-in rule for ("the usual rule for “Misclassified”"), or None."""
    kinds = [ErrorKind(kind).label for kind, usual in DEFAULT_RULE_CODES.items() if usual == code]
    if kinds:
        return "the usual rule for " + " and ".join(f"“{label}”" for label in kinds)
    if code in CANCELLATION_GROUND_CODES:
        return f"the usual rule for “{ErrorKind.WRONGLY_CANCELLED.label}” on cancellation ground {code}"
    return None


def default_rule_description(kind: str) -> str:
    """How a form names the usual rule of ``kind`` before the crime's cancellation ground is known."""
    return DEFAULT_RULE_CODES[ErrorKind(kind)] or "its ground"


def error_contradiction(kind: str, *, recorded: bool, cancelled: bool) -> str | None:
    """A sentence saying why ``kind`` cannot apply to such a crime, or None when it can."""
    needs = ERROR_NEEDS[ErrorKind(kind)]
    fits = {
        Needs.RECORDED: recorded,
        Needs.UNRECORDED: not recorded,
        Needs.CANCELLED: recorded and cancelled,
    }[needs]
    if fits:
        return None
    return f"“{ErrorKind(kind).label}” can only be recorded against {needs.label}."


def report_date_problem(inspection: Inspection, reported_at: datetime | None) -> str | None:
    """Why a case's report time cannot belong to this inspection, or None."""
    start, end = inspection.audit_period_start, inspection.audit_period_end
    if not reported_at or not (start or end):
        return None
    day = reported_at.date()
    if (start and day < start) or (end and day > end):
        return (f"The report date must fall within the audit period ({start:%d/%m/%Y} to {end:%d/%m/%Y})."
                if start and end else "The report date must fall within the audit period.")
    return None


def recording_time_problem(reported_at: datetime | None, recorded_at: datetime | None) -> str | None:
    if reported_at and recorded_at and recorded_at < reported_at:
        return "A crime cannot be recorded before it was reported."
    return None


def late_by_timestamps(reported_at: datetime | None, recorded_at: datetime | None) -> bool | None:
    """True or False when both times are known, None when either is missing."""
    if reported_at is None or recorded_at is None:
        return None
    return recorded_at - reported_at > timedelta(hours=LATE_AFTER_HOURS)


def error_kinds_problems(kinds: Iterable[str], *, recorded: bool, cancelled: bool) -> list[str]:
    return [
        problem
        for kind in kinds
        if (problem := error_contradiction(kind, recorded=recorded, cancelled=cancelled))
    ]


def crime_error_kinds(crime: AuditedCrime, requested_kinds: Iterable[str]) -> set[str]:
    """The kinds a crime should carry: as requested, with 'recorded late' worked out from the
    timestamps whenever both are known."""
    kinds = set(requested_kinds)
    late = late_by_timestamps(crime.case.reported_at, crime.recorded_at)
    if late is True:
        kinds.add(ErrorKind.RECORDED_LATE)
    elif late is False:
        kinds.discard(ErrorKind.RECORDED_LATE)
    return kinds


def cancellation_review_problems(*, ground: str, avi_evidenced: str, ddm_authorised: bool, verdict: str,
                                 reason: str) -> dict[str, str]:
    """What is inconsistent in a cancellation review, by field ({} when nothing is). A C2 cancellation is
    correct only with the additional verifiable information evidenced and a designated decision maker's
    authority (HOCR section C); whether the victim was told is reported beside the verdict, not part of it."""
    problems: dict[str, str] = {}
    if ground == CancellationGround.C2 and avi_evidenced not in (AviEvidenced.YES, AviEvidenced.NO):
        problems["avi_evidenced"] = ("A C2 cancellation needs an answer: was the additional verifiable information "
                                     "evidenced, yes or no?")
    elif ground in CancellationGround.values and ground != CancellationGround.C2 \
            and avi_evidenced != AviEvidenced.NOT_APPLICABLE:
        problems["avi_evidenced"] = (f"Additional verifiable information is assessed only for C2 cancellations: "
                                     f"for {ground} choose “not applicable”.")
    if verdict == Verdict.INCORRECT and not reason.strip():
        problems["reason"] = "Say why the cancellation was incorrect."
    elif verdict == Verdict.CORRECT and reason.strip():
        problems["reason"] = ("A reason is given only for an incorrect cancellation: clear it, or put the remark "
                              "in the notes.")
    if verdict == Verdict.CORRECT and ground == CancellationGround.C2:
        if avi_evidenced == AviEvidenced.NO:
            problems["verdict"] = ("A C2 cancellation without the additional verifiable information evidenced "
                                   "cannot be correct.")
        elif not ddm_authorised:
            problems["verdict"] = ("A C2 cancellation not authorised by a designated decision maker cannot be "
                                   "correct.")
    return problems


# Case outcomes, victim flags and safeguarding --------------------------------------------------------------


class CaseOutcome(models.TextChoices):
    """How an audited record ended. Most disclose one or more crimes; some disclose none (an incident log with
    no crime in it), and an N100 record can be found correctly classified (no rape to record)."""

    CRIMES = "crimes", "Crimes disclosed"
    NO_CRIME = "no_crime", "No crime disclosed"
    N100_CORRECT = "n100_correct", "N100 used correctly"


#: Outcomes of a case with no audited crimes: they need a reason, and the case cannot carry crimes.
NO_CRIME_OUTCOMES = frozenset({CaseOutcome.NO_CRIME.value, CaseOutcome.N100_CORRECT.value})
N100_SOURCE = "n100_record"  # AuditedCase.Source.N100_RECORD (the model imports this module)


class Safeguarding(models.TextChoices):
    """For a crime the force did not record: was the victim safeguarded anyway? ("A recording failure, not a
    service failure.") Asked only of unrecorded crimes."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"


class EqualityInformation(models.TextChoices):
    """Did the force obtain the victim's equality information (e.g. ethnicity) for the record?"""

    YES = "yes", "Obtained"
    NO = "no", "Not obtained"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


#: The flags that describe a victim: one audited crime per victim (HOCR), so they belong to the crime.
VICTIM_FLAGS = ("domestic_abuse", "vulnerable_victim", "modern_slavery", "child_victim")
#: The flags that describe how the record reached the force: they belong to the case.
REPORT_FLAGS = ("anonymous_report", "third_party_report")


def case_outcome_problems(*, outcome: str, reason: str, source: str, crime_count: int) -> dict[str, str]:
    """What is inconsistent in a case's outcome, by field ({} when nothing is). A case ending with no crime
    (no crime disclosed, N100 used correctly) gives its reason and has no audited crimes; a case disclosing
    crimes has no such reason; only an N100 record can be found "N100 used correctly"."""
    problems: dict[str, str] = {}
    if outcome not in CaseOutcome.values:
        return {"outcome": f"“{outcome}” is not an outcome: use {', '.join(CaseOutcome.values)}."}
    label = CaseOutcome(outcome).label
    if outcome in NO_CRIME_OUTCOMES:
        if not reason.strip():
            problems["outcome_reason"] = f"Say why the case ends “{label}”."
        if crime_count:
            problems["outcome"] = (f"A case with audited crimes cannot end “{label}”: remove its crimes, or choose "
                                   f"“{CaseOutcome.CRIMES.label}”.")
        if outcome == CaseOutcome.N100_CORRECT and source != N100_SOURCE:
            problems.setdefault("outcome", f"“{label}” is an outcome of an N100 record only.")
    elif reason.strip():
        problems["outcome_reason"] = ("A reason is given only when the case ends with no crime (no crime disclosed, "
                                      "N100 used correctly): clear it, or put the remark in the notes.")
    return problems


def safeguarding_problem(*, recorded: bool, safeguarding: str) -> str | None:
    """Safeguarding is answered (yes, no, not known) for every crime the force did not record, and only for
    those: a recorded crime's victim was dealt with through the crime record."""
    if recorded and safeguarding:
        return "Safeguarding is asked only of a crime the force did not record: leave it empty."
    if not recorded and safeguarding not in Safeguarding.values:
        return "Say whether the victim of this unrecorded crime was safeguarded: yes, no or not known."
    return None
