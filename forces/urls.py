from django.urls import path

from forces import idle, twofactor, views

app_name = "forces"

urlpatterns = [
    path("forces/", views.force_list, name="list"),
    path("forces/<slug:slug>/", views.force_detail, name="detail"),
    path("recorded-crime/import/", views.prc_upload, name="prc_upload"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/two-factor/", twofactor.two_factor, name="two_factor"),
    path("account/two-factor/set-up/", twofactor.two_factor_enrol, name="two_factor_enrol"),
    path("account/two-factor/verify/", twofactor.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/recovery-codes/", twofactor.two_factor_recovery, name="two_factor_recovery"),
    path("account/two-factor/recovery-codes/new/", twofactor.two_factor_new_codes, name="two_factor_new_codes"),
    path("healthz", views.health, name="health"),
    path("account/session/keep-alive/", idle.session_keep_alive, name="session_keep_alive"),
    path("account/session/status/", idle.session_status, name="session_status"),
    path("account/session/ended/", idle.session_ended, name="session_ended"),
]
