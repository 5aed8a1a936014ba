"""Reports pages inside a shared workspace (/w/<workspace_id>/…), mounted in pom/urls.py."""

from django.urls import path

from reports import views_benchmarks, views_scores

app_name = "reports-ws"

urlpatterns = [
    path("<uuid:workspace_id>/scores/", views_scores.WorkspaceScoresView.as_view(), name="scores"),
    path("<uuid:workspace_id>/benchmarks/", views_benchmarks.WorkspaceBenchmarksView.as_view(), name="benchmarks"),
]
