from django.urls import path

from reports.api import views

app_name = "reports-api"

urlpatterns = [
    path("reports/portfolio/", views.PortfolioSummaryView.as_view(), name="portfolio"),
]
