"""Benchmark pages, included from `reports.urls` under benchmarks/ (issue 10)."""

from django.urls import path

from reports import views_benchmarks as views

urlpatterns = [
    path("", views.CompareView.as_view(), name="benchmarks"),
    path("goals/<slug:metric>/", views.GoalSetView.as_view(), name="benchmark_goal"),
    path("maturity/", views.MaturityView.as_view(), name="maturity"),
    path("partners/<int:partner_pk>/tab/", views.PartnerBenchmarksTabView.as_view(), name="benchmarks_partner_tab"),
]
