"""Re-audit pages: the draw, the blind entry case by case, the submission, and the agreement results."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audits import selectors as audit_selectors
from audits.models import AccessRecord, CountingRule, Inspection
from audits.rules import ErrorKind, default_rule_code
from audits.services.access import record_access
from core.downloads import csv_response
from forces.roles import can_edit_audits
from reaudits import selectors, services
from reaudits.filters import ReAuditFilter
from reaudits.forms import DrawForm, verdicts_from_post


def _ensure_editor(request):
    if not can_edit_audits(request.user):
        raise PermissionDenied


def reaudit_list(request):
    listed = ReAuditFilter(request.GET or None, queryset=selectors.reaudits_for(request.user))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reaudits/list.html", {
        "page": Paginator(listed.qs, settings.PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(), "filter": listed,
        "can_edit": can_edit_audits(request.user)})


def reaudit_new(request, pk):
    _ensure_editor(request)
    self_audit = get_object_or_404(audit_selectors.inspections_for(request.user), pk=pk)
    form = DrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reaudit = services.reaudit_draw(self_audit=self_audit, size=form.cleaned_data["size"],
                                                seed=form.cleaned_data["seed"], by=request.user)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"{reaudit.size} case{'s' if reaudit.size != 1 else ''} drawn with seed "
                                          f"{reaudit.seed}. Record your own verdict on each; the force's stay hidden "
                                          "until you submit.")
                return redirect("reaudits:case", pk=reaudit.pk, position=1)
        status = 400
    return render(request, "reaudits/new.html", {
        "self_audit": self_audit, "form": form,
        "is_self_audit": self_audit.kind == Inspection.Kind.FORCE_SELF_AUDIT,
        "eligible": selectors.eligible_cases(self_audit).count(),
        "unfinished": selectors.unfinished_cases(self_audit).count(),
    }, status=status)


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def reaudit_detail(request, pk):
    reaudit = get_object_or_404(selectors.reaudits_for(request.user), pk=pk)
    if reaudit.is_submitted:
        return render(request, "reaudits/results.html", {
            "reaudit": reaudit, "results": selectors.reaudit_results(reaudit)})
    cases = list(selectors.reaudit_cases(reaudit))
    return render(request, "reaudits/progress.html", {
        "reaudit": reaudit, "cases": cases, "done": sum(1 for row in cases if row.entered_at),
        "is_drawer": reaudit.drawn_by_id == request.user.pk})


EXPORTS = {
    "agreement": (selectors.AGREEMENT_HEADER, selectors.agreement_rows),
    "disagreements": (selectors.DISAGREEMENT_HEADER, selectors.disagreement_rows),
}


def reaudit_export(request, pk, table):
    """One table of a submitted re-audit's results as CSV (an unsubmitted one has no results to export)."""
    reaudit = get_object_or_404(selectors.reaudits_for(request.user).filter(submitted_at__isnull=False), pk=pk)
    if table not in EXPORTS:
        raise Http404("No such table.")
    record_access(request, AccessRecord.Kind.EXPORT, reaudit.self_audit_id)
    header, rows = EXPORTS[table]
    return csv_response(f"re-audit-{reaudit.pk}-{table}.csv", header, rows(selectors.reaudit_results(reaudit)))


def reaudit_case(request, pk, position):
    _ensure_editor(request)
    reaudit = get_object_or_404(selectors.reaudits_for(request.user), pk=pk)
    if reaudit.is_submitted:
        return redirect(reaudit)
    row = get_object_or_404(selectors.reaudit_cases(reaudit), position=position)
    crimes = list(selectors.blind_crimes(row.case))
    problems = []
    if request.method == "POST":
        verdicts, problems = verdicts_from_post(request.POST, [crime.pk for crime in crimes])
        if not problems:
            try:
                services.reaudit_case_save(reaudit_case=row, verdicts=verdicts, by=request.user)
            except ValidationError as error:
                problems = error.messages
            else:
                if position < reaudit.size and request.POST.get("then") != "stay":
                    # No banner: GOV.UK's success banner takes the focus, which belongs on the next case's first
                    # choice (its caption says which case of how many it is).
                    return redirect("reaudits:case", pk=reaudit.pk, position=position + 1)
                messages.success(request, f"Case {row.case.reference} saved.")
                return redirect(reaudit)
        entered = {crime_id: kinds for crime_id, (kinds, _) in verdicts.items()}
        none = {crime.pk for crime in crimes if "none" in request.POST.getlist(f"crime-{crime.pk}")}
        chosen = {crime_id: rules for crime_id, (_, rules) in verdicts.items()}
    else:
        saved = selectors.inspector_findings(row)
        entered = {crime_id: [finding.kind for finding in found] for crime_id, found in saved.items()}
        chosen = {crime_id: {finding.kind: finding.rule.code for finding in found} for crime_id, found in saved.items()}
        none = ({crime.pk for crime in crimes if crime.pk not in saved} if row.entered_at else set())
    rules = list(CountingRule.objects.filter(is_active=True))
    return render(request, "reaudits/case.html", {
        "reaudit": reaudit, "row": row, "case": row.case, "problems": problems,
        "crimes": [_crime_form(crime, entered.get(crime.pk, []), chosen.get(crime.pk, {}), crime.pk in none, rules)
                   for crime in crimes],
        "previous": position - 1 if position > 1 else None, "is_last": position >= reaudit.size,
        "is_drawer": reaudit.drawn_by_id == request.user.pk,
    }, status=400 if problems else 200)


def _crime_form(crime, kinds, chosen, none, rules):
    return {"crime": crime, "none": none, "kinds": [
        {"value": kind, "label": label, "checked": kind in kinds,
         "usual": default_rule_code(kind, crime.cancellation_code),
         "rules": [(rule.code, str(rule), chosen.get(kind) == rule.code) for rule in rules]}
        for kind, label in ErrorKind.choices]}


@require_POST
def reaudit_submit_view(request, pk):
    _ensure_editor(request)
    reaudit = get_object_or_404(selectors.reaudits_for(request.user), pk=pk)
    try:
        services.reaudit_submit(reaudit=reaudit, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Re-audit submitted. The force's verdicts are shown beside yours below.")
    return redirect(reaudit)
