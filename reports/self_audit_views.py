"""The pages of a force's own audits: the monthly series (p-charts) and the force against the inspectorate."""

from django.shortcuts import get_object_or_404, render

from audits.models import AccessRecord
from audits.services.access import record_access
from forces.models import Force
from reports import self_audits
from reports.statistics import AGREES, OVER_STATES, P_CHART_LIMITS, TOO_FEW, UNDER_STATES


def _force(request, slug):
    return get_object_or_404(Force.objects.for_user(request.user), slug=slug)


def series(request, slug):
    """The force's closed self-audits by month and category: a p-chart of each category with its table."""
    force = _force(request, slug)
    record_access(request, AccessRecord.Kind.REPORT)
    return render(request, "reports/self_audit_series.html", {
        "force": force, "series": self_audits.monthly_series(request.user, force),
        "open_audits": list(self_audits.open_self_audits(request.user, force)),
        "limits": P_CHART_LIMITS,
    })


def comparison(request, slug):
    """The force's own audits against the inspectorate's published findings where their audit periods overlap."""
    force = _force(request, slug)
    record_access(request, AccessRecord.Kind.REPORT)
    return render(request, "reports/self_audit_comparison.html", {
        "force": force, "comparisons": self_audits.comparisons(request.user, force),
        "OVER_STATES": OVER_STATES, "UNDER_STATES": UNDER_STATES, "AGREES": AGREES, "TOO_FEW": TOO_FEW,
    })
