from django.urls import path

from audits import views

app_name = "audits"

urlpatterns = [
    path("", views.home, name="home"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/cases.csv", views.inspection_cases_csv, name="inspection_cases_csv"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
]
