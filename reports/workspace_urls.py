"""Reports pages inside a shared workspace (/w/<workspace_id>/…), mounted in pom/urls.py."""

from django.urls import path

from reports import views_benchmarks, views_packs, views_scores

app_name = "reports-ws"

urlpatterns = [
    path("<uuid:workspace_id>/scores/", views_scores.WorkspaceScoresView.as_view(), name="scores"),
    path("<uuid:workspace_id>/benchmarks/", views_benchmarks.WorkspaceBenchmarksView.as_view(), name="benchmarks"),
    # QBR packs and Partner Wrapped (issue 12)
    path("<uuid:workspace_id>/packs/", views_packs.WorkspacePackListView.as_view(), name="packs"),
    path("<uuid:workspace_id>/packs/<int:pk>/", views_packs.WorkspacePackDetailView.as_view(), name="pack"),
    path(
        "<uuid:workspace_id>/packs/<int:pk>/pdf/",
        views_packs.WorkspacePackDetailView.as_view(),
        {"fmt": "pdf"},
        name="pack_pdf",
    ),
    path(
        "<uuid:workspace_id>/packs/<int:pk>/pptx/",
        views_packs.WorkspacePackDetailView.as_view(),
        {"fmt": "pptx"},
        name="pack_pptx",
    ),
    path("<uuid:workspace_id>/packs/jobs/<int:pk>/", views_packs.WorkspacePackJobView.as_view(), name="pack_job"),
    path("<uuid:workspace_id>/wrapped/", views_packs.WorkspaceWrappedListView.as_view(), name="wrapped_list"),
    path(
        "<uuid:workspace_id>/wrapped/<int:partnership_pk>/<int:year>/",
        views_packs.WorkspaceWrappedView.as_view(),
        name="wrapped",
    ),
    path(
        "<uuid:workspace_id>/wrapped/<int:partnership_pk>/<int:year>/pdf/",
        views_packs.WorkspaceWrappedView.as_view(),
        {"fmt": "pdf"},
        name="wrapped_pdf",
    ),
    path(
        "<uuid:workspace_id>/wrapped/<int:partnership_pk>/<int:year>/png/",
        views_packs.WorkspaceWrappedView.as_view(),
        {"fmt": "png"},
        name="wrapped_png",
    ),
]
