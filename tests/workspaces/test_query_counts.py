"""Lists stay within a fixed number of queries however much data there is."""

import pytest
from django.urls import reverse

from tests.factories import (
    CommentFactory,
    NotificationFactory,
    PartnershipFactory,
    UpdateFactory,
    UserFactory,
    WorkspaceMemberFactory,
)
from workspaces import services


@pytest.mark.parametrize("size", [1, 12])
def test_vendor_workspace_list_queries_are_bounded(org, owner, client_for, django_assert_max_num_queries, size):
    for _ in range(size):
        partnership = PartnershipFactory(organization=org, partner__organization=org)
        ws = services.workspace_ensure_for_partnership(org=org, actor=owner, partnership=partnership)
        WorkspaceMemberFactory(workspace=ws)
    client = client_for(owner)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("workspaces-org:list", args=[org.slug]))
    assert response.status_code == 200
    assert response.content.decode().count("/w/") >= size


@pytest.mark.parametrize("size", [1, 15])
def test_workspace_page_queries_are_bounded(world, client_for, django_assert_max_num_queries, size):
    for _ in range(size):
        comment = CommentFactory(workspace=world.workspace, author=world.vendor_owner)
        comment.mentions.through.objects.create(organization=world.org, comment=comment, user=world.ws_editor)
        UpdateFactory(workspace=world.workspace, kind="comment", comment=comment)
        UpdateFactory(workspace=world.workspace, kind="checkin", actor=world.ws_editor)
    client = client_for(world.ws_editor)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("workspaces:detail", args=[world.workspace.public_id]))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 20])
def test_notifications_and_members_pages_are_bounded(world, client_for, django_assert_max_num_queries, size):
    NotificationFactory.create_batch(size, workspace=world.workspace, user=world.ws_owner)
    for _ in range(size):
        WorkspaceMemberFactory(workspace=world.workspace, user=UserFactory())
    client = client_for(world.ws_owner)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("workspaces:notifications")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("workspaces:members", args=[world.workspace.public_id])).status_code == 200


@pytest.mark.parametrize("size", [1, 20])
def test_guest_api_lists_are_bounded(world, api_client_for, django_assert_max_num_queries, size):
    for _ in range(size):
        CommentFactory(workspace=world.workspace, author=world.vendor_owner)
        UpdateFactory(workspace=world.workspace)
    client = api_client_for(world.ws_editor)
    for name in ("comment-list", "feed-list", "member-list", "file-list"):
        with django_assert_max_num_queries(10):
            response = client.get(reverse(f"workspaces-guest-api:{name}", args=[world.workspace.public_id]))
        assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 10])
def test_vendor_api_lists_are_bounded(world, api_client_for, django_assert_max_num_queries, size):
    for _ in range(size):
        CommentFactory(workspace=world.workspace, author=world.vendor_owner)
        partnership = PartnershipFactory(organization=world.org, partner__organization=world.org)
        services.workspace_ensure_for_partnership(org=world.org, actor=None, partnership=partnership)
    client = api_client_for(world.vendor_viewer)
    for name in ("workspace-list", "comment-list", "member-list", "invitation-list", "file-list"):
        with django_assert_max_num_queries(10):
            response = client.get(reverse(f"workspaces-api:{name}", args=[world.org.slug]))
        assert response.status_code == 200, name


@pytest.mark.parametrize("size", [1, 8])
def test_partner_home_is_bounded(world, client_for, django_assert_max_num_queries, size):
    for _ in range(size):
        partnership = PartnershipFactory(organization=world.org, partner__organization=world.org)
        ws = services.workspace_ensure_for_partnership(org=world.org, actor=None, partnership=partnership)
        WorkspaceMemberFactory(workspace=ws, user=world.ws_editor)
    client = client_for(world.ws_editor)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("workspaces:home")).status_code == 200
