"""Partner-facing pages under /w/ (partner home, workspace pages)."""

app_name = "workspaces"

urlpatterns: list = []
