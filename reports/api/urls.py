from django.urls import path
from rest_framework.routers import SimpleRouter

from reports.api import scores, views

app_name = "reports-api"

router = SimpleRouter()
router.register("scores", scores.ScoreViewSet, basename="score")
router.register("scoring-models", scores.ScoringModelViewSet, basename="scoringmodel")
router.register("score-targets", scores.ScoreTargetViewSet, basename="scoretarget")

urlpatterns = [
    path("reports/portfolio/", views.PortfolioSummaryView.as_view(), name="portfolio"),
    *router.urls,
]
