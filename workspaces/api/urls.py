"""Vendor-side workspace API under /api/o/<org_slug>/."""

from rest_framework.routers import SimpleRouter

app_name = "workspaces-api"

router = SimpleRouter()

urlpatterns = [*router.urls]
