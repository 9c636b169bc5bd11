from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from audits.filters import ChallengeFilter
from audits.forms import ChallengeForm, ChallengeResolveForm
from audits.models import Challenge, RecordingError
from audits.services.challenges import challenge_raise, challenge_resolve
from forces.roles import Role, can_edit_audits, role_of


def challenge_list(request):
    status = request.GET.get("status", "open")
    challenges = ChallengeFilter({"status": status}, queryset=Challenge.objects.for_user(request.user).select_related(
        "case__inspection__force", "raised_by", "resolved_by").order_by("-raised_at")).qs
    return render(request, "audits/challenge_list.html", {
        "page": Paginator(challenges, settings.PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status, "statuses": Challenge.Status.choices, "query": f"status={status}",
    })


def challenge_new(request, error_pk):
    if role_of(request.user) != Role.FORCE_STAFF:
        raise Http404
    error = get_object_or_404(RecordingError.objects.for_user(request.user)
                              .select_related("crime__case__inspection", "crime__expected_offence"), pk=error_pk)
    form = ChallengeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = challenge_raise(error_id=error.pk, by=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as problem:
            form.add_error(None, problem.messages if isinstance(problem, ValidationError) else str(problem))
        else:
            messages.success(request, "Your challenge has been sent to the inspectors.")
            return redirect(challenge)
    return render(request, "audits/challenge_new.html", {"form": form, "error": error, "case": error.crime.case})


def challenge_detail(request, pk):
    challenge = get_object_or_404(Challenge.objects.for_user(request.user)
                                  .select_related("case__inspection__force", "raised_by", "resolved_by"), pk=pk)
    form = None
    if can_edit_audits(request.user) and challenge.status == Challenge.Status.OPEN:
        form = ChallengeResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                challenge_resolve(challenge_id=challenge.pk, by=request.user, outcome=form.cleaned_data["outcome"],
                                  note=form.cleaned_data["note"])
            except ValidationError as problem:
                form.add_error(None, problem.messages)
            else:
                messages.success(request, "Challenge resolved.")
                return redirect(challenge)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "audits/challenge_detail.html", {"challenge": challenge, "form": form})
