"""Workspace API for members (partner people included) under /api/w/."""

from django.urls import path

from workspaces.api import digests, views
from workspaces.api import mapping_views as mapping

app_name = "workspaces-guest-api"

W = "<uuid:workspace_id>/"

urlpatterns = [
    path("workspaces/", views.GuestWorkspaceViewSet.as_view({"get": "list"}), name="workspace-list"),
    path(
        "workspaces/<uuid:public_id>/",
        views.GuestWorkspaceViewSet.as_view({"get": "retrieve"}),
        name="workspace-detail",
    ),
    path(W + "members/", views.GuestMemberViewSet.as_view({"get": "list"}), name="member-list"),
    path(W + "feed/", views.GuestFeedViewSet.as_view({"get": "list"}), name="feed-list"),
    path(W + "comments/", views.GuestCommentViewSet.as_view({"get": "list", "post": "create"}), name="comment-list"),
    path(W + "files/", views.GuestFileViewSet.as_view({"get": "list", "post": "create"}), name="file-list"),
    path(
        W + "files/<uuid:file_id>/",
        views.GuestFileViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="file-detail",
    ),
    path(W + "check-ins/", views.GuestCheckinViewSet.as_view({"post": "create"}), name="checkin-list"),
    # Digests and next best actions (workspaces.api.digests)
    path(W + "digests/", digests.GuestDigestViewSet.as_view({"get": "list"}), name="digest-list"),
    path(W + "digests/<int:pk>/", digests.GuestDigestViewSet.as_view({"get": "retrieve"}), name="digest-detail"),
    path(W + "suggestions/", digests.GuestSuggestionViewSet.as_view({"get": "list"}), name="suggestion-list"),
    *[
        path(
            W + f"suggestions/<int:pk>/{verb}/",
            digests.GuestSuggestionViewSet.as_view({"post": verb}),
            name=f"suggestion-{verb}",
        )
        for verb in ("accept", "dismiss", "snooze")
    ],
    # Account mapping and co-sell (workspaces.api.mapping_views)
    path(W + "mapping/", mapping.GuestMappingViewSet.as_view({"get": "matrix"}), name="mapping-matrix"),
    path(W + "mapping/overlaps/", mapping.GuestMappingViewSet.as_view({"get": "overlaps"}), name="mapping-overlaps"),
    path(
        W + "mapping/their-accounts/",
        mapping.GuestMappingViewSet.as_view({"get": "their_accounts"}),
        name="mapping-their-accounts",
    ),
    path(W + "mapping/lists/", mapping.GuestMappingViewSet.as_view({"post": "upload"}), name="mapping-lists"),
    path(W + "cosell-requests/", mapping.GuestCoSellViewSet.as_view({"get": "list"}), name="cosell-list"),
    path(
        W + "cosell-requests/<int:pk>/answer/",
        mapping.GuestCoSellViewSet.as_view({"post": "answer"}),
        name="cosell-answer",
    ),
]
