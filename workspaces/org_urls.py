"""Vendor-side workspace pages under /o/<org_slug>/workspaces/."""

from django.urls import path

from workspaces import digest_views, views

app_name = "workspaces-org"

urlpatterns = [
    path("", views.OrgWorkspaceListView.as_view(), name="list"),
    path("new/", views.DealRoomCreateView.as_view(), name="create"),
    path("partner-tab/<int:partner_pk>/", views.PartnerTabView.as_view(), name="partner_tab"),
    # Digests and next best actions (workspaces.digest_views)
    path("digests/", digest_views.OrgDigestListView.as_view(), name="digests"),
    path("digests/settings/", digest_views.DigestSettingsView.as_view(), name="digest_settings"),
    path("attention/", digest_views.AttentionView.as_view(), name="attention"),
    path("attention/<int:pk>/<slug:action>/", digest_views.AttentionView.as_view(), name="attention_action"),
    path("partner-nba/<int:partner_pk>/", digest_views.PartnerNbaTabView.as_view(), name="partner_nba_tab"),
]
