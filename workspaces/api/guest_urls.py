"""Workspace API for members (partner people included) under /api/w/."""

app_name = "workspaces-guest-api"

urlpatterns: list = []
