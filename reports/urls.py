from django.urls import include, path

from reports import views, views_dashboards, views_scores

app_name = "reports"

urlpatterns = [
    path("", views.ReportsIndexView.as_view(), name="index"),
    path("scores/", views_scores.ScoresPortfolioView.as_view(), name="scores"),
    path("scores/model/", views_scores.ScoringModelView.as_view(), name="scoring_model"),
    path("scores/partners/<int:partner_pk>/tab/", views_scores.PartnerScoresTabView.as_view(), name="partner_tab"),
    path("scores/partnerships/<int:pk>/targets/", views_scores.TargetSetView.as_view(), name="targets"),
    path("scores/partnerships/<int:pk>/recompute/", views_scores.PartnershipRecomputeView.as_view(), name="recompute"),
    path(
        "scores/partnerships/<int:pk>/<slug:element>/<slug:code>/",
        views_scores.SignalRowsView.as_view(),
        name="signal_rows",
    ),
    path("benchmarks/", include("reports.benchmark_urls")),  # benchmarks (issue 10)
    path("", include("reports.packs_urls")),  # QBR packs, Wrapped, schedules (issue 12)
    path("dashboards/<slug:key>/", views_dashboards.DashboardView.as_view(), name="dashboard"),
    path("dashboards/<slug:key>/refresh/", views_dashboards.DashboardRefreshView.as_view(), name="dashboard_refresh"),
    path(
        "dashboards/<slug:key>/panels/<slug:panel>/<slug:fmt>/",
        views_dashboards.DashboardPanelExportView.as_view(),
        name="dashboard_panel_export",
    ),
    path(
        "exports/<slug:list_key>/", views_dashboards.ListExportView.as_view(), name="list_export"
    ),  # benchmarks (issue 10)
]
