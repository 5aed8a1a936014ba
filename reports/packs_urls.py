"""QBR packs, Partner Wrapped and scheduled reports under /o/<org>/reports/ (included from reports/urls.py)."""

from django.urls import path

from reports import views_packs, views_schedules

urlpatterns = [
    path("packs/", views_packs.PackListView.as_view(), name="packs"),
    path("packs/<int:pk>/", views_packs.PackDetailView.as_view(), name="pack"),
    path("packs/<int:pk>/pdf/", views_packs.PackDetailView.as_view(), {"fmt": "pdf"}, name="pack_pdf"),
    path("packs/<int:pk>/pptx/", views_packs.PackDetailView.as_view(), {"fmt": "pptx"}, name="pack_pptx"),
    path("packs/jobs/<int:pk>/", views_packs.PackJobView.as_view(), name="pack_job"),
    path("wrapped/", views_packs.WrappedRollupView.as_view(), name="wrapped_rollup"),
    path("wrapped/<int:partnership_pk>/<int:year>/", views_packs.WrappedView.as_view(), name="wrapped"),
    path(
        "wrapped/<int:partnership_pk>/<int:year>/pdf/",
        views_packs.WrappedView.as_view(),
        {"fmt": "pdf"},
        name="wrapped_pdf",
    ),
    path(
        "wrapped/<int:partnership_pk>/<int:year>/png/",
        views_packs.WrappedView.as_view(),
        {"fmt": "png"},
        name="wrapped_png",
    ),
    path("schedules/", views_schedules.SubscriptionListView.as_view(), name="schedules"),
    path("schedules/<int:pk>/", views_schedules.SubscriptionView.as_view(), name="schedule"),
]
