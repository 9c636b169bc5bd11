from django.urls import path

from forces import idle, views

app_name = "forces"

urlpatterns = [
    path("forces/", views.force_list, name="list"),
    path("forces/<slug:slug>/", views.force_detail, name="detail"),
    path("recorded-crime/import/", views.prc_upload, name="prc_upload"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("healthz", views.health, name="health"),
    path("account/session/keep-alive/", idle.session_keep_alive, name="session_keep_alive"),
    path("account/session/status/", idle.session_status, name="session_status"),
    path("account/session/ended/", idle.session_ended, name="session_ended"),
]
