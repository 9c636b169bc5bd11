from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from core import jobs, stored_files
from forces.filters import ForceFilter
from forces.forms import ApiTokenForm, PrcUploadForm
from forces.models import Force, RecordedCrimeVolume
from forces.prc import PrcImportError, import_prc
from forces.roles import audit_editors_only
from forces.scoping import SELF_AUDIT_KIND
from forces.tasks import import_prc_job
from forces.tokens import token_create, token_revoke

# A recorded crime file larger than this (about 8,000 rows of CSV) is imported by a background job with a
# progress page (audits' job page: /jobs/<pk>/), so no request waits on it.
PRC_IN_WORKER_BYTES = 1024 * 1024


def force_list(request):
    forces = Force.objects.for_user(request.user)
    regions = sorted(set(forces.values_list("region", flat=True)))
    region = request.GET.get("region", "")
    forces = ForceFilter(request.GET, queryset=forces).qs
    return render(request, "forces/force_list.html", {"forces": forces, "regions": regions, "region": region})


def force_detail(request, slug):
    force = get_object_or_404(Force.objects.for_user(request.user), slug=slug)
    # The force's inspections through their own related manager (scoped as ever), so forces never imports audits.
    inspections = force.inspections.for_user(request.user).select_related("force").with_case_count()
    return render(request, "forces/force_detail.html", {
        "force": force, "inspections": inspections.exclude(kind=SELF_AUDIT_KIND),
        # The force's own audits, apart and labelled so: never taken for the inspectorate's.
        "self_audits": inspections.filter(kind=SELF_AUDIT_KIND).order_by("-audit_period_start", "-id")})


@login_not_required
def favicon(request):
    # Resolved per request: the hashed static name only exists once collectstatic has run.
    return redirect(static("govuk/assets/images/favicon.ico"), permanent=False)


@login_not_required
def health(request):
    """For load balancers: the process is up. Says nothing about any data."""
    return HttpResponse("ok", content_type="text/plain")


@audit_editors_only
def prc_upload(request):
    form = PrcUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        source = form.cleaned_data["source"] or None
        if upload.size > PRC_IN_WORKER_BYTES:
            job = jobs.create(kind="prc_import", title="Import of police recorded crime", owner=request.user,
                              back_url=request.path)
            kept = stored_files.save_pending(upload, upload.name)
            jobs.enqueue(job, import_prc_job, kept, upload.name, source, file=kept)
            return redirect("audits:job", pk=job.pk)
        try:
            result = import_prc(upload, upload.name, source)
        except PrcImportError as error:
            problems = error.problems
        else:
            messages.success(request, f"{result.rows_read} rows read, {result.rows_dropped} fraud or non-force rows "
                                      f"dropped, {result.volumes_written} 12-month volumes stored.")
            return redirect("forces:prc_upload")
    volumes = (RecordedCrimeVolume.objects.for_user(request.user).select_related("force")
               .order_by("-period_end", "force__name", "category")[:200])
    return render(request, "forces/prc_upload.html", {"form": form, "problems": problems, "volumes": volumes})


def api_tokens(request):
    """The user's own API tokens: create (shown once), list, revoke."""
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_token = token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    tokens = request.user.api_tokens.all()
    return render(request, "forces/api_tokens.html", {"form": form, "tokens": tokens, "new_token": new_token})


@require_POST
def api_token_revoke(request, pk):
    try:
        token_revoke(user=request.user, token_id=pk)
    except ValidationError:
        raise Http404 from None
    messages.success(request, "Token revoked: it no longer works.")
    return redirect("forces:api_tokens")
