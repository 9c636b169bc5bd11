"""The moderation queue: the cases waiting for this inspector, agreed or queried one by one from the case
page (then on to the next) or agreed as a selection."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audits import selectors, services
from audits.filters import ModerationFilter
from audits.forms import CaseQueryForm
from audits.views.inspections import render_case
from forces.roles import can_write_audits


def _ensure_moderator(request):
    if not can_write_audits(request.user):  # a force auditor: their own force's self-audits (cases_to_moderate)
        raise PermissionDenied


def _selected_ids(request):
    return [int(raw) for raw in request.POST.getlist("case") if raw.isascii() and raw.isdigit() and len(raw) < 12]


def moderation_queue(request):
    _ensure_moderator(request)
    queue = ModerationFilter(request.GET or None, queryset=selectors.cases_to_moderate(request.user), request=request)
    if request.method == "POST":
        chosen = list(queue.qs.filter(pk__in=_selected_ids(request)))
        if not chosen:
            messages.error(request, "Select the cases to agree.")
        else:
            _agree_all(request, chosen)
        return redirect(f"{reverse('audits:moderation')}?{request.GET.urlencode()}")
    cases = queue.qs
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audits/moderation.html", {
        "filter": queue, "total": cases.count(), "query": query.urlencode(),
        "page": Paginator(cases, settings.PAGE_SIZE).get_page(request.GET.get("page")),
    })


def _agree_all(request, cases):
    refused = []
    for case in cases:
        try:
            services.case_agree(case=case, by=request.user)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
    agreed = len(cases) - len(refused)
    if agreed:
        messages.success(request, f"{agreed} case{'s' if agreed != 1 else ''} agreed.")
    if refused:
        messages.error(request, f"{len(refused)} not agreed: " + " ".join(refused))


@require_POST
def moderate_case(request, pk):
    """Agree or query one case, then go on to the next case waiting."""
    _ensure_moderator(request)
    case = get_object_or_404(selectors.cases_for(request.user), pk=pk)
    form = CaseQueryForm(request.POST) if request.POST.get("decision") == "query" else None
    try:
        if form is None:
            services.case_agree(case=case, by=request.user)
            done = f"Case {case.reference} agreed."
        elif form.is_valid():
            services.case_query(case=case, by=request.user, reason=form.cleaned_data["reason"])
            done = f"Case {case.reference} queried: it is back with its auditor."
        else:
            return render_case(request, case, query_form=form, status=400)
    except ValidationError as error:  # moved on meanwhile, or one's own case
        messages.error(request, " ".join(error.messages))
        return redirect(case)
    following = selectors.next_case_to_moderate(request.user, case)
    if following is None:
        messages.success(request, f"{done} No more cases are waiting for you.")
        return redirect("audits:moderation")
    messages.success(request, done)
    return redirect(following)
