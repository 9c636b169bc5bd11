from django.urls import path

from reports import league_views, method_views, public_views, self_audit_views, views

app_name = "reports"

urlpatterns = [
    path("reports/", views.overview, name="overview"),
    path("reports/overview.<str:fmt>", views.overview, name="overview_export"),
    path("reports/forces/<slug:slug>/", views.force_report, name="force"),
    path("reports/forces/<slug:slug>/report.<str:fmt>", views.force_report, name="force_export"),
    path("reports/inspections/<int:pk>/", views.inspection_report, name="inspection"),
    path("inspections/<int:pk>/publish/", views.publish, name="publish"),
    path("reports/inspections/<int:pk>/report.<str:fmt>", views.inspection_report, name="inspection_export"),
    # A force's own audits (never published; never in the national figures, league or public pages).
    path("reports/forces/<slug:slug>/own-audits/", self_audit_views.series, name="self_audit_series"),
    path("reports/forces/<slug:slug>/own-audits/against-inspections/", self_audit_views.comparison,
         name="self_audit_comparison"),
    path("reports/method/", method_views.method, name="method"),
    path("reports/league/", league_views.league, name="league"),
    path("reports/league.csv", league_views.league, {"fmt": "csv"}, name="league_csv"),
    # The public pages: no sign-in (reports/public_views.py).
    path("public/", public_views.national, name="public"),
    path("public/results.csv", public_views.national_csv, name="public_csv"),
    path("public/forces/<slug:slug>/", public_views.force, name="public_force"),
    path("public/forces/<slug:slug>/results.csv", public_views.force_results_csv, name="public_force_csv"),
    path("public/forces/<slug:slug>/findings.csv", public_views.force_findings_csv, name="public_findings_csv"),
]
