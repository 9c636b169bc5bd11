from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static

from audits.selectors import inspections_for
from forces.models import Force


def force_list(request):
    forces = Force.objects.for_user(request.user)
    regions = sorted(set(forces.values_list("region", flat=True)))
    region = request.GET.get("region", "")
    if region:
        forces = forces.filter(region=region)
    return render(request, "forces/force_list.html", {"forces": forces, "regions": regions, "region": region})


def force_detail(request, slug):
    force = get_object_or_404(Force.objects.for_user(request.user), slug=slug)
    inspections = inspections_for(request.user).filter(force=force).with_case_count()
    return render(request, "forces/force_detail.html", {"force": force, "inspections": inspections})


@login_not_required
def favicon(request):
    # Resolved per request: the hashed static name only exists once collectstatic has run.
    return redirect(static("govuk/assets/images/favicon.ico"), permanent=False)


@login_not_required
def health(request):
    """For load balancers: the process is up. Says nothing about any data."""
    return HttpResponse("ok", content_type="text/plain")
