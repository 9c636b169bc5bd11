from django.urls import path

from audits import challenge_views, import_views, sampling_views, views

app_name = "audits"

urlpatterns = [
    path("", views.home, name="home"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/cases.csv", views.inspection_cases_csv, name="inspection_cases_csv"),
    path("inspections/<int:pk>/sample/", sampling_views.sample_page, name="sample"),
    path("inspections/<int:pk>/import/", import_views.import_page, name="case_import"),
    path("inspections/<int:pk>/audited-crimes.<str:fmt>", import_views.template_export, name="case_export"),
    path("audited-cases-template.<str:fmt>", import_views.template_download, name="case_template"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("challenges/", challenge_views.challenge_list, name="challenges"),
    path("challenges/<int:pk>/", challenge_views.challenge_detail, name="challenge"),
    path("errors/<int:error_pk>/challenge/", challenge_views.challenge_new, name="challenge_new"),
]
