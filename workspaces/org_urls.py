"""Vendor-side workspace pages under /o/<org_slug>/workspaces/."""

from django.urls import path

from workspaces import views

app_name = "workspaces-org"

urlpatterns = [
    path("", views.OrgWorkspaceListView.as_view(), name="list"),
    path("new/", views.DealRoomCreateView.as_view(), name="create"),
    path("partner-tab/<int:partner_pk>/", views.PartnerTabView.as_view(), name="partner_tab"),
]
