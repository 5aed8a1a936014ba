from django.urls import path
from rest_framework.routers import SimpleRouter

from reports.api import benchmarks, dashboards, packs, scores, views

app_name = "reports-api"

router = SimpleRouter()
router.register("scores", scores.ScoreViewSet, basename="score")
router.register("scoring-models", scores.ScoringModelViewSet, basename="scoringmodel")
router.register("score-targets", scores.ScoreTargetViewSet, basename="scoretarget")

_benchmarks = SimpleRouter()
_benchmarks.register("benchmarks/values", benchmarks.MetricValueViewSet, basename="benchmark-value")
_benchmarks.register("benchmarks/percentiles", benchmarks.PercentileViewSet, basename="benchmark-percentile")
_benchmarks.register("benchmarks/distributions", benchmarks.DistributionViewSet, basename="benchmark-distribution")

_packs = SimpleRouter()  # QBR packs and scheduled reports (issue 12)
_packs.register("qbr-packs", packs.QbrPackViewSet, basename="qbr-pack")
_packs.register("report-subscriptions", packs.ReportSubscriptionViewSet, basename="report-subscription")

urlpatterns = [
    path("reports/portfolio/", views.PortfolioSummaryView.as_view(), name="portfolio"),
    path("reports/dashboards/<slug:key>/", dashboards.DashboardDataView.as_view(), name="dashboard"),
    *router.urls,
    # Benchmarks (issue 10)
    path("benchmarks/metrics/", benchmarks.MetricCatalogueView.as_view(), name="benchmark-metrics"),
    path("benchmarks/reference/", benchmarks.ReferenceFigureView.as_view(), name="benchmark-reference"),
    path("benchmarks/peer-organizations/", benchmarks.PeerOrganizationsView.as_view(), name="benchmark-peers"),
    path("benchmarks/goals/", benchmarks.GoalView.as_view(), name="benchmark-goals"),
    *_benchmarks.urls,
    *_packs.urls,
]
