from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from audits.api.views import (
    CaseViewSet,
    ChallengeViewSet,
    InspectionCancellationReviewViewSet,
    InspectionCaseViewSet,
    InspectionViewSet,
    PublishedResultViewSet,
)
from config.api import api_urls
from forces.api import ApiTokenViewSet, ForceViewSet, RecordedCrimeVolumeViewSet
from reaudits.api import ReAuditViewSet
from recommendations.api import FindingViewSet, FollowUpViewSet
from reports.api import CancellationResultsView, CaseOutcomesView, InspectionResultsView

app_name = "api"


class Router(DefaultRouter):
    include_root_view = False


router = Router()
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("forces", ForceViewSet, basename="force")
router.register("recorded-crime-volumes", RecordedCrimeVolumeViewSet, basename="volume")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register(r"inspections/(?P<inspection_pk>\d+)/cases", InspectionCaseViewSet, basename="inspection-case")
router.register(r"inspections/(?P<inspection_pk>\d+)/cancellation-reviews", InspectionCancellationReviewViewSet,
                basename="inspection-cancellation-review")
router.register("cases", CaseViewSet, basename="case")
router.register("published-results", PublishedResultViewSet, basename="published-result")
router.register("challenges", ChallengeViewSet, basename="challenge")
router.register("re-audits", ReAuditViewSet, basename="reaudit")
router.register("findings", FindingViewSet, basename="finding")
router.register(r"findings/(?P<finding_pk>\d+)/follow-ups", FollowUpViewSet, basename="follow-up")

urlpatterns = [
    path("inspections/<int:pk>/results/", login_not_required(InspectionResultsView.as_view()),
         name="inspection-results"),
    path("inspections/<int:pk>/results/cancellations/", login_not_required(CancellationResultsView.as_view()),
         name="inspection-cancellation-results"),
    path("inspections/<int:pk>/results/records/", login_not_required(CaseOutcomesView.as_view()),
         name="inspection-records-results"),
] + api_urls(router) + [
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    # The split view serves its script as a file: the Content-Security-Policy allows no inline script.
    path("docs/", login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]
