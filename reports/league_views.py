"""League tables for signed-in users: each force they may see, its latest published figure for a category or
result, forces without one listed with the reason, compared with all forces, a region or forces they pick."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.downloads import csv_response
from forces.models import Force
from reports.league import scoped_league
from reports.league_forms import LeagueForm
from reports.public import league_table
from reports.statistics import IntervalMethod


@require_GET
def league(request, fmt=None):
    form = LeagueForm(request.GET, forces=Force.objects.for_user(request.user).order_by("name"))
    if not form.is_valid():
        return render(request, "reports/league.html", {"form": form}, status=400)
    method = IntervalMethod.from_key(request.GET.get("interval"))
    table_league = scoped_league(request.user, form.cleaned_data["category"], method, form.chosen_forces())
    table = league_table(table_league)
    if fmt == "csv":
        return csv_response(f"league-{table_league.area}.csv", table.header, table.rows)
    return render(request, "reports/league.html", {
        "form": form, "league": table_league, "table": table, "query": request.GET.urlencode(),
    })
