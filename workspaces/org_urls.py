"""Vendor-side workspace pages under /o/<org_slug>/workspaces/."""

app_name = "workspaces-org"

urlpatterns: list = []
