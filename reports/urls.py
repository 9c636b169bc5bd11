from django.urls import path

from reports import method_views, views

app_name = "reports"

urlpatterns = [
    path("reports/", views.overview, name="overview"),
    path("reports/overview.<str:fmt>", views.overview, name="overview_export"),
    path("reports/forces/<slug:slug>/", views.force_report, name="force"),
    path("reports/forces/<slug:slug>/report.<str:fmt>", views.force_report, name="force_export"),
    path("reports/inspections/<int:pk>/", views.inspection_report, name="inspection"),
    path("inspections/<int:pk>/publish/", views.publish, name="publish"),
    path("reports/inspections/<int:pk>/report.<str:fmt>", views.inspection_report, name="inspection_export"),
    path("reports/method/", method_views.method, name="method"),
]
