"""Vendor-side workspace pages under /o/<org_slug>/workspaces/."""

from django.urls import path

from workspaces import views_digests, views_vendor

app_name = "workspaces-org"

urlpatterns = [
    path("", views_vendor.OrgWorkspaceListView.as_view(), name="list"),
    path("new/", views_vendor.DealRoomCreateView.as_view(), name="create"),
    path("partner-tab/<int:partner_pk>/", views_vendor.PartnerTabView.as_view(), name="partner_tab"),
    # Digests and next best actions (workspaces.views_digests)
    path("digests/", views_digests.OrgDigestListView.as_view(), name="digests"),
    path("digests/settings/", views_digests.DigestSettingsView.as_view(), name="digest_settings"),
    path("attention/", views_digests.AttentionView.as_view(), name="attention"),
    path("attention/<int:pk>/<slug:action>/", views_digests.AttentionView.as_view(), name="attention_action"),
    path("partner-nba/<int:partner_pk>/", views_digests.PartnerNbaTabView.as_view(), name="partner_nba_tab"),
]
