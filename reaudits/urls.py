from django.urls import path

from reaudits import views

app_name = "reaudits"

urlpatterns = [
    path("re-audits/", views.reaudit_list, name="list"),
    path("inspections/<int:pk>/re-audit/", views.reaudit_new, name="new"),
    path("re-audits/<int:pk>/", views.reaudit_detail, name="detail"),
    path("re-audits/<int:pk>/<str:table>.csv", views.reaudit_export, name="export"),
    path("re-audits/<int:pk>/cases/<int:position>/", views.reaudit_case, name="case"),
    path("re-audits/<int:pk>/submit/", views.reaudit_submit_view, name="submit"),
]
