from django.urls import path

from recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("findings/", views.finding_list, name="list"),
    path("findings/findings.csv", views.finding_list_csv, name="list_csv"),
    path("findings/overdue/", views.overdue, name="overdue"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:finding_pk>/evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("inspections/<int:inspection_pk>/findings/new/", views.finding_create, name="create"),
    path("inspections/<int:inspection_pk>/verdicts/new/", views.verdict_create, name="verdict_create"),
]
