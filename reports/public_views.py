"""The public pages at /public/: no sign-in. They read only the published record (reports.public) and are the only
pages exempt from the sign-in requirement (login_not_required on each view, nothing broader)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.downloads import csv_response
from reports import public
from reports.league_forms import LeagueForm


def _league(request):
    """The league the query asks for, or None (with the form's errors) when the query is not valid."""
    form = LeagueForm(request.GET, forces=public.public_forces())
    if not form.is_valid():
        return form, None
    return form, public.public_league(form.cleaned_data["category"], form.chosen_forces())


@login_not_required
@require_GET
def national(request):
    form, league = _league(request)
    if league is None:
        return render(request, "public/national.html", {"form": form}, status=400)
    return render(request, "public/national.html", {
        "form": form, "league": league, "table": public.league_table(league), "query": request.GET.urlencode(),
    })


@login_not_required
@require_GET
def national_csv(request):
    form, league = _league(request)
    if league is None:
        return render(request, "public/national.html", {"form": form}, status=400)
    table = public.league_table(league)
    return csv_response(f"published-results-{league.area}.csv", table.header, table.rows)


def _force_page(slug):
    force = get_object_or_404(public.public_forces(), slug=slug)
    figures = public.force_figures(force)
    trends = public.force_trends(figures)
    return force, figures, trends


@login_not_required
@require_GET
def force(request, slug):
    force, figures, trends = _force_page(slug)
    latest = figures[-1] if figures else None
    unrecorded = public.unrecorded_lines(latest)
    findings = public.findings_table(public.public_findings(force))
    return render(request, "public/force.html", {
        "force": force, "figures": figures, "latest": latest, "trends": trends,
        "results_table": public.trends_table(trends),
        "unrecorded": unrecorded, "unrecorded_table": public.unrecorded_table(unrecorded) if unrecorded else None,
        "findings_table": findings, "synthetic": any(f.synthetic for f in figures),
    })


@login_not_required
@require_GET
def force_results_csv(request, slug):
    force, _, trends = _force_page(slug)
    table = public.trends_table(trends)
    return csv_response(f"{force.slug}-published-results.csv", table.header, table.rows)


@login_not_required
@require_GET
def force_findings_csv(request, slug):
    force = get_object_or_404(public.public_forces(), slug=slug)
    table = public.findings_table(public.public_findings(force))
    return csv_response(f"{force.slug}-published-findings.csv", table.header, table.rows)
