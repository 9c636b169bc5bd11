from django.urls import path

from audits import challenge_views, views

app_name = "audits"

urlpatterns = [
    path("", views.home, name="home"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/cases.csv", views.inspection_cases_csv, name="inspection_cases_csv"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("challenges/", challenge_views.challenge_list, name="challenges"),
    path("challenges/<int:pk>/", challenge_views.challenge_detail, name="challenge"),
    path("errors/<int:error_pk>/challenge/", challenge_views.challenge_new, name="challenge_new"),
]
