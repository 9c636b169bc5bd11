from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from forces import views as forces_views
from forces.visits import SignInView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("favicon.ico", forces_views.favicon, name="favicon"),
    path("", include("forces.urls")),
    path("", include("audits.urls")),
    path("", include("reports.urls")),
    path("", include("reaudits.urls")),
    path("", include("recommendations.urls")),
    path("", include("notifications.urls")),
    path("", include("search.urls")),
]

handler400 = "config.api.bad_request"
handler403 = "config.api.permission_denied"
handler404 = "config.api.not_found"
handler500 = "config.api.server_error"
