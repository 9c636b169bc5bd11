"""Reads of audit data for pages and admin. Every queryset here is scoped with ``for_user``."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.db.models import Case, Count, F, Q, QuerySet, When

from audits.grading import GRADE_FIELDS, GradeLine, Grades, grades_from
from audits.models import (
    AuditedCase,
    AuditedCrime,
    CancellationReview,
    Challenge,
    CountingRule,
    GradeRevision,
    Inspection,
    OffenceCode,
    PublishedResult,
    RecordingError,
    SamplingFrame,
    normalise_offence_code,
)
from audits.rules import ErrorKind, Verdict
from core.categories import RESULT_AREA_ORDER
from forces.roles import can_edit_audits, can_write_audits
from forces.scoping import may_audit

if TYPE_CHECKING:
    from django.http import HttpRequest

    from core.types import AnyUser
    from forces.models import Force

HISTORY_LIMIT = 50

# A django-simple-history historical queryset: the history models are built at runtime, so untyped.
HistoryQuerySet = Any


class ExportRow(NamedTuple):
    """A row of case_export_rows: one audited crime with its case's values, or a case ending with no crime (its
    crime values empty)."""

    crime_id: int | None
    reference: str
    source: str
    reported_at: datetime
    outcome: str
    outcome_reason: str
    anonymous_report: bool
    third_party_report: bool
    equality_information: str
    moderation_state: str
    notes: str
    expected: str | None = None
    category: str | None = None
    crime_reference: str = ""
    recorded: str | None = None
    recorded_at: datetime | None = None
    cancellation: str = ""
    domestic_abuse: bool = False
    vulnerable_victim: bool = False
    modern_slavery: bool = False
    child_victim: bool = False
    safeguarding: str = ""


CASE_EXPORT_FIELDS = ["reference", "source", "reported_at", "outcome", "outcome_reason", "anonymous_report",
                      "third_party_report", "equality_information", "moderation_state", "notes"]

INCLUDE_PROVISIONAL = "provisional"


def wants_provisional(request: HttpRequest) -> bool:
    """Provisional figures outside an inspection's own pages only when an inspector asks for them
    (``?include=provisional``)."""
    return request.GET.get("include") == INCLUDE_PROVISIONAL and can_edit_audits(request.user)


def inspection_grades(inspection: Inspection) -> Grades:
    """The inspection's grades as they stand, each revised one with the grade it replaced (from its latest
    revision, while the grade is still the one that revision gave). Reads ``grade_revisions`` through
    ``all()``, so a prefetch serves it."""
    latest: dict[str, GradeRevision] = {}
    for made in sorted(inspection.grade_revisions.all(), key=lambda made: made.pk):
        latest[made.question] = made
    lines: dict[str, GradeLine] = {}
    for question, field in GRADE_FIELDS.items():
        grade = getattr(inspection, field)
        revision = latest.get(question.value)
        if grade and revision is not None and revision.grade == grade:
            lines[question.value] = GradeLine(question, grade, revision.previous_grade, revision.revised_on,
                                              revision.reason)
        else:
            lines[question.value] = GradeLine(question, grade)
    return grades_from(inspection.grading_scheme, lines)


def inspections_for(user: AnyUser) -> QuerySet[Inspection]:
    return Inspection.objects.for_user(user).select_related("force")


def may_audit_inspection(user: AnyUser, inspection: Inspection) -> bool:
    """Whether ``user`` may write this inspection's audit data (forces.scoping.may_audit): inspectors and
    administrators any, a force auditor their own force's self-audits."""
    return may_audit(user, force_id=inspection.force_id, kind=inspection.kind)


def self_audits_for(user: AnyUser, force: Force | None = None) -> QuerySet[Inspection]:
    """The forces' own audits the user may see (their force's only, for a force's people), optionally of one force,
    by audit period: what the series, comparison and re-audit pages start from."""
    audits = inspections_for(user).filter(kind=Inspection.Kind.FORCE_SELF_AUDIT)
    if force is not None:
        audits = audits.filter(force=force)
    return audits.order_by("audit_period_start", "id")


def cases_for(user: AnyUser) -> QuerySet[AuditedCase]:
    return AuditedCase.objects.for_user(user).select_related("inspection__force", "auditor")


def case_export_rows(
    user: AnyUser, cases: QuerySet[AuditedCase]
) -> tuple[list[ExportRow], dict[int, list[tuple[str, str]]]]:
    """One row of plain values per audited crime of ``cases``, and one per case without crimes (a case ending
    with no crime, or one not yet entered), by case reference; and each crime's errors as (kind, code of the
    rule cited), by kind: three queries, no model instances (exports run to thousands of rows)."""
    crimes = (
        AuditedCrime.objects.for_user(user).filter(case__in=cases.values("pk"))
        .order_by("case__reference", "id")
        .values_list("id", *(f"case__{name}" for name in CASE_EXPORT_FIELDS),
                     "expected_offence__name", "expected_offence__category", "force_crime_reference",
                     "recorded_offence__name", "recorded_at", "cancellation_code", "domestic_abuse",
                     "vulnerable_victim", "modern_slavery", "child_victim", "safeguarding")
    )
    without_crimes = (
        AuditedCase.objects.for_user(user).filter(pk__in=cases.values("pk"), crimes__isnull=True)
        .order_by("reference").values_list(*CASE_EXPORT_FIELDS)
    )
    # Sorted here (stable: a case's crimes stay in order), as the database's collation may differ from Python's.
    rows = sorted([*(ExportRow(*row) for row in crimes), *(ExportRow(None, *row) for row in without_crimes)],
                  key=lambda row: row.reference)
    errors: dict[int, list[tuple[str, str]]] = {}
    for crime_id, kind, code in RecordingError.objects.filter(crime__case__in=cases.values("pk")).order_by(
            "crime_id", "kind").values_list("crime_id", "kind", "rule__code"):
        errors.setdefault(crime_id, []).append((kind, code))
    return rows, errors


def counting_rules(active_only: bool = False) -> QuerySet[CountingRule]:
    """The counting rules errors cite (reference data, the same for every force), in display order."""
    rules = CountingRule.objects.all()
    return rules.filter(is_active=True) if active_only else rules


def case_crimes(case: AuditedCase) -> QuerySet[AuditedCrime]:
    return case.crimes.select_related("expected_offence", "recorded_offence").prefetch_related("errors__rule")


def inspection_summary(inspection: Inspection) -> dict[str, Any]:
    """Crimes audited and recorded, and errors by kind, as two aggregate queries."""
    crimes = AuditedCrime.objects.filter(case__inspection=inspection).aggregate(
        audited=Count("id"),
        recorded=Count("id", filter=Q(recorded_offence__isnull=False)),
        recorded_as_expected=Count("id", filter=Q(recorded_offence=F("expected_offence"))),
        cases=Count("case", distinct=True),
    )
    by_kind = dict(
        RecordingError.objects.filter(crime__case__inspection=inspection)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    crimes["errors"] = [(kind, by_kind.get(kind.value, 0)) for kind in ErrorKind]
    return crimes


def published_results(inspection: Inspection) -> QuerySet[PublishedResult]:
    """In the order reports give them: all crime, violence against the person, sexual offences, rape, then the
    results by source or flag."""
    in_report_order = Case(*[When(category=area, then=i) for i, area in enumerate(RESULT_AREA_ORDER)])
    return PublishedResult.objects.filter(inspection=inspection).order_by(in_report_order)


def _entries(records: HistoryQuerySet, label: str) -> list[tuple[Any, str]]:
    return [(record, label) for record in records.select_related("history_user")[:HISTORY_LIMIT]]


def change_history(*parts: tuple[HistoryQuerySet, str]) -> list[tuple[Any, str]]:
    """Newest-first history entries (record, label) from several historical querysets."""
    entries = [entry for records, label in parts for entry in _entries(records, label)]
    entries.sort(key=lambda entry: entry[0].history_date, reverse=True)
    return entries[:HISTORY_LIMIT]


def case_change_history(case: AuditedCase) -> list[tuple[Any, str]]:
    crime_ids = AuditedCrime.history.filter(case_id=case.pk).values("id")
    return change_history(
        (AuditedCase.history.filter(id=case.pk), "Case"),
        (AuditedCrime.history.filter(case_id=case.pk), "Crime"),
        (RecordingError.history.filter(crime_id__in=crime_ids), "Recording error"),
    )


def inspection_change_history(inspection: Inspection) -> list[tuple[Any, str]]:
    return change_history(
        (Inspection.history.filter(id=inspection.pk), "Inspection"),
        (PublishedResult.history.filter(inspection_id=inspection.pk), "Published result"),
        (CancellationReview.history.filter(inspection_id=inspection.pk), "Cancellation review"),
    )


def cancellation_reviews_for(user: AnyUser, inspection: Inspection) -> QuerySet[CancellationReview]:
    """The inspection's reviewed cancellations, by reference."""
    # The scoped manager's queryset class is built at runtime (scoped_queryset), so its type is not known.
    return cast("QuerySet[CancellationReview]",
                CancellationReview.objects.for_user(user).filter(inspection=inspection).order_by("reference"))


def cancellation_review_counts(inspection: Inspection) -> dict[str, int]:
    """Records reviewed and cancelled correctly, as they stand now (the report reads published ones from
    the published record)."""
    return CancellationReview.objects.filter(inspection=inspection).aggregate(
        reviewed=Count("id"), correct=Count("id", filter=Q(verdict=Verdict.CORRECT)))


def frame_populations(frame: SamplingFrame) -> dict[str, int]:
    return dict(frame.records.values_list("stratum").annotate(n=Count("id")).order_by("stratum"))


def cases_to_moderate(user: AnyUser) -> QuerySet[AuditedCase]:
    """Submitted cases this inspector (or force auditor: their own force's self-audits) may agree or query: audited
    and submitted by someone else, oldest first."""
    cases = cases_for(user)
    if not can_edit_audits(user):  # a force auditor moderates only self-audits (their force's: the scope)
        cases = cases.filter(inspection__kind=Inspection.Kind.FORCE_SELF_AUDIT) if can_write_audits(user) \
            else cases.none()
    return (cases.filter(moderation_state=AuditedCase.Moderation.SUBMITTED)
            .exclude(auditor_id=user.pk).exclude(submitted_by_id=user.pk)
            .select_related("inspection__force", "auditor", "submitted_by").order_by("submitted_at", "id"))


def next_case_to_moderate(user: AnyUser, after: AuditedCase) -> AuditedCase | None:
    """The case waiting after ``after`` in the queue's order, else the first still waiting (never ``after``)."""
    waiting = cases_to_moderate(user).exclude(pk=after.pk)
    if after.submitted_at is not None:
        later = waiting.filter(Q(submitted_at__gt=after.submitted_at) | Q(submitted_at=after.submitted_at,
                                                                           id__gt=after.pk)).first()
        if later is not None:
            return later
    return waiting.first()


# Start pages ----------------------------------------------------------------------------------------------------

#: How many rows each part of a start page lists (each says how many there are in all).
START_LIMIT = 10


def queried_cases_of(user: AnyUser) -> QuerySet[AuditedCase]:
    """Cases this user audited that a moderator queried: back with them to put right, latest query first."""
    return (cases_for(user).filter(moderation_state=AuditedCase.Moderation.QUERIED, auditor_id=user.pk)
            .select_related("inspection__force", "moderated_by").order_by(F("moderated_at").desc(nulls_last=True),
                                                                          "id"))


def inspections_in_progress(user: AnyUser) -> QuerySet[Inspection]:
    """Inspections in fieldwork or moderation, each with its cases by moderation state (one query)."""
    state = AuditedCase.Moderation
    return (inspections_for(user).filter(status__in=[Inspection.Status.FIELDWORK, Inspection.Status.MODERATION])
            .annotate(case_count=Count("cases"),
                      agreed_count=Count("cases", filter=Q(cases__moderation_state=state.AGREED)),
                      submitted_count=Count("cases", filter=Q(cases__moderation_state=state.SUBMITTED)),
                      queried_count=Count("cases", filter=Q(cases__moderation_state=state.QUERIED)))
            .order_by("status", "fieldwork_start", "id"))


def challenges_to_decide(user: AnyUser) -> QuerySet[Challenge]:
    """Open challenges, oldest first: they hold up publication."""
    challenges: QuerySet[Challenge] = Challenge.objects.for_user(user)  # the scoped manager is built at runtime
    return (challenges.filter(status=Challenge.Status.OPEN)
            .select_related("case__inspection__force", "raised_by").order_by("raised_at", "id"))


def inspections_open_to_challenge(user: AnyUser, today: date) -> QuerySet[Inspection]:
    """Inspections whose findings the force may still challenge: in fieldwork or moderation, and their closing date
    (if any) not passed; the soonest to close first."""
    return (inspections_for(user).filter(status__in=[Inspection.Status.FIELDWORK, Inspection.Status.MODERATION])
            .filter(Q(challenges_close_on__isnull=True) | Q(challenges_close_on__gte=today))
            .annotate(error_count=Count("cases__crimes__errors"))
            .order_by(F("challenges_close_on").asc(nulls_last=True), "id"))


def decisions_on_challenges_of(user: AnyUser) -> QuerySet[Challenge]:
    """The user's own challenges that an inspector has decided, latest first."""
    challenges: QuerySet[Challenge] = Challenge.objects.for_user(user)  # the scoped manager is built at runtime
    return (challenges.filter(raised_by_id=user.pk).exclude(status=Challenge.Status.OPEN)
            .select_related("case__inspection__force", "resolved_by").order_by("-resolved_at", "-id"))


def inspections_published_since(user: AnyUser, since: date) -> QuerySet[Inspection]:
    return (inspections_for(user).filter(status=Inspection.Status.PUBLISHED, published_on__gte=since)
            .order_by("-published_on", "-id"))


def offence_codes_named(term: str) -> QuerySet[OffenceCode]:
    """The Home Office codes a typed code names, however written (8n, 008N, 4/1): the code itself, or failing
    that its class (1/1 is class 1, Murder), or failing that the codes it begins (105: 105A and 105B)."""
    code = normalise_offence_code(term)
    for candidates in (OffenceCode.objects.filter(code=code),
                       OffenceCode.objects.filter(code=code.split(".")[0]) if re.fullmatch(r"\d+[A-Z]?\.\d+", code)
                       else None,
                       OffenceCode.objects.filter(code__startswith=code)):
        if candidates is not None and candidates.exists():
            return candidates
    return OffenceCode.objects.none()


def offence_codes_matching(term: str) -> QuerySet[OffenceCode]:
    """The codes a typed term finds: those it names as a code, and any whose description holds it."""
    named = offence_codes_named(term)
    return OffenceCode.objects.filter(Q(pk__in=named.values("pk")) | Q(description__icontains=term.strip()))


def case_to_copy(user: AnyUser, inspection_id: int) -> AuditedCase | None:
    """The case the user last saved in this inspection (in their scope), with its crimes: the one "Copy the
    previous case" starts the next from."""
    return (AuditedCase.objects.for_user(user).filter(inspection_id=inspection_id, auditor_id=user.pk)
            .prefetch_related("crimes").order_by("-pk").first())
