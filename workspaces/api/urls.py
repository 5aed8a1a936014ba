"""Vendor-side workspace API under /api/o/<org_slug>/."""

from rest_framework.routers import SimpleRouter

from workspaces.api import digests, views

app_name = "workspaces-api"

router = SimpleRouter()
router.register("workspaces", views.WorkspaceViewSet, basename="workspace")
router.register("workspace-members", views.WorkspaceMemberViewSet, basename="member")
router.register("workspace-invitations", views.WorkspaceInvitationViewSet, basename="invitation")
router.register("workspace-comments", views.CommentViewSet, basename="comment")
router.register("workspace-files", views.FileViewSet, basename="file")
router.register("digests", digests.DigestViewSet, basename="digest")
router.register("suggestions", digests.SuggestionViewSet, basename="suggestion")

urlpatterns = [*router.urls]
