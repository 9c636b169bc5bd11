from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from audits import selectors
from audits.filters import AuditedCaseFilter
from audits.forms import CaseQueryForm
from audits.models import AccessRecord, AuditedCase, Inspection
from audits.rules import CaseOutcome, EqualityInformation, ErrorKind, Safeguarding
from audits.scope import area_list
from audits.services.access import record_access
from audits.start_page import StartContext, provided
from core.categories import OffenceCategory
from core.downloads import csv_response
from core.spreadsheets import format_moment
from forces.models import Force
from forces.roles import Role, can_edit_audits, can_write_audits, role_of
from forces.scoping import scope_of
from forces.visits import FIRST_VISIT_DAYS, changes_since


def _listed(queryset, context, name, limit=selectors.START_LIMIT):
    """The first ``limit`` rows of ``queryset`` and how many there are in all, as ``name`` and ``name``_total."""
    context[name] = list(queryset[:limit])
    context[f"{name}_total"] = queryset.count()


def home(request):
    """Each role's start page: the work waiting for them, and what changed since they last came."""
    user = request.user
    role = role_of(user)
    scope = scope_of(user)
    since, since_visit = changes_since(request)
    context = {"role": role, "Role": Role, "since": since, "since_visit": since_visit,
               "first_visit_days": FIRST_VISIT_DAYS, "today": timezone.localdate()}
    if scope.force_id:
        context["own_force"] = Force.objects.get(pk=scope.force_id)
    if role in (Role.INSPECTOR, Role.ADMINISTRATOR):
        _listed(selectors.cases_to_moderate(user), context, "awaiting_moderation", limit=20)
        _listed(selectors.queried_cases_of(user), context, "queried")
        context["in_progress"] = list(selectors.inspections_in_progress(user)[:20])
        _listed(selectors.challenges_to_decide(user), context, "challenges")
    elif role == Role.FORCE_AUDITOR:  # their force's own audits: moderation waiting, queries back, audits open
        _listed(selectors.cases_to_moderate(user), context, "awaiting_moderation", limit=20)
        _listed(selectors.queried_cases_of(user), context, "queried")
        context["in_progress"] = list(selectors.inspections_in_progress(user).filter(
            kind=Inspection.Kind.FORCE_SELF_AUDIT)[:20])
    elif role == Role.FORCE_STAFF:
        context["open_to_challenge"] = list(selectors.inspections_open_to_challenge(user, context["today"])[:5])
        _listed(selectors.decisions_on_challenges_of(user), context, "decisions")
        context["recent"] = selectors.inspections_for(user).filter(status=Inspection.Status.PUBLISHED)[:5]
    elif role == Role.MANAGER:
        _listed(selectors.inspections_published_since(user, timezone.localdate(since)), context, "published_since")
    if role is not None:
        context.update(provided(StartContext(user=user, role=role, since=since)))
    return render(request, "home.html", context)


def _filtered_cases(request, inspection):
    cases = selectors.cases_for(request.user).filter(inspection=inspection)
    return AuditedCaseFilter(request.GET or None, queryset=cases)


def inspection_detail(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    record_access(request, AccessRecord.Kind.CASES, inspection.pk)
    case_filter = _filtered_cases(request, inspection)
    cases = case_filter.qs.with_crime_count().order_by("reference")
    page = Paginator(cases, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audits/inspection_detail.html",
        {
            "inspection": inspection,
            "summary": selectors.inspection_summary(inspection),
            "grades": selectors.inspection_grades(inspection),
            "cancellations": selectors.cancellation_review_counts(inspection),
            "published": selectors.published_results(inspection),
            "scope_audited": area_list(inspection.audited_areas),
            "scope_carried": area_list(inspection.carried_forward_areas),
            "filter": case_filter,
            "page": page,
            "query": query.urlencode(),
            "verdicts": inspection.verdicts.select_related("finding__inspection"),
            "can_edit": selectors.may_audit_inspection(request.user, inspection),
            "can_edit_inspections": can_edit_audits(request.user),
            "today": timezone.localdate(),
        },
    )


CASE_EXPORT_HEADER = ["case reference", "source", "reported at", "outcome", "outcome reason", "anonymous report",
                      "third-party report", "equality information", "moderation", "expected offence", "category",
                      "force crime reference", "recorded offence", "recorded at", "cancellation code",
                      "domestic abuse", "vulnerable victim", "modern slavery", "child victim", "safeguarding provided",
                      "recording errors", "rules cited"]


def inspection_cases_csv(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    record_access(request, AccessRecord.Kind.EXPORT, inspection.pk)
    cases = _filtered_cases(request, inspection).qs
    crimes, errors = selectors.case_export_rows(request.user, cases)
    sources, states = dict(AuditedCase.Source.choices), dict(AuditedCase.Moderation.choices)
    outcomes, equality = dict(CaseOutcome.choices), dict(EqualityInformation.choices)
    safeguarding = dict(Safeguarding.choices)
    categories, kinds = dict(OffenceCategory.choices), dict(ErrorKind.choices)

    def rows():
        for row in crimes:
            crime = row.crime_id is not None
            flags = [row.domestic_abuse, row.vulnerable_victim, row.modern_slavery, row.child_victim] if crime \
                else ["", "", "", ""]
            yield [row.reference, sources[row.source], format_moment(row.reported_at), outcomes[row.outcome],
                   row.outcome_reason, row.anonymous_report, row.third_party_report,
                   equality.get(row.equality_information, "Not assessed"), states[row.moderation_state],
                   row.expected or "", categories[row.category] if row.category else "", row.crime_reference,
                   row.recorded or "", format_moment(row.recorded_at), row.cancellation, *flags,
                   safeguarding.get(row.safeguarding, ""),
                   "; ".join(kinds[kind] for kind, _ in errors.get(row.crime_id, [])) if crime else "",
                   "; ".join(code for _, code in errors.get(row.crime_id, [])) if crime else ""]

    synthetic = "-synthetic" if inspection.sample_is_synthetic else ""
    return csv_response(f"{inspection.force.slug}-inspection-{inspection.pk}-cases{synthetic}.csv",
                        CASE_EXPORT_HEADER, rows())


def case_detail(request, pk):
    case = get_object_or_404(selectors.cases_for(request.user), pk=pk)
    record_access(request, AccessRecord.Kind.CASES, case.inspection_id)
    return render_case(request, case)


def render_case(request, case, *, query_form=None, status=200):
    """A case's page; for an inspector who may moderate it, with Agree, Query and the next case waiting."""
    can_moderate = can_write_audits(request.user) and selectors.cases_to_moderate(request.user).filter(
        pk=case.pk).exists()
    return render(request, "audits/case_detail.html", {
        "case": case, "crimes": selectors.case_crimes(case),
        "challenges": case.challenges.select_related("raised_by"),
        "can_challenge": (role_of(request.user) == Role.FORCE_STAFF and not case.inspection.is_locked
                          and not case.inspection.challenges_closed),
        "can_moderate": can_moderate,
        "query_form": (query_form or CaseQueryForm()) if can_moderate else None,
        "next_case": selectors.next_case_to_moderate(request.user, case) if can_moderate else None,
    }, status=status)
