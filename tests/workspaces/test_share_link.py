"""View-only share link: on, copy, revoke; read-only content without internal notes, members or files."""

from django.urls import reverse

from workspaces import services
from workspaces.selectors import workspace_access


def test_owner_turns_the_link_on_and_anyone_with_it_reads_plan_and_feed(world, client_for, client):
    response = client_for(world.ws_owner).post(
        reverse("workspaces:share_link", args=[world.workspace.public_id]), {"action": "enable"}
    )
    assert response.status_code == 200
    link = response.context["share_url"]
    assert "/w/share/" in link
    access = workspace_access(user=world.vendor_owner, workspace=world.workspace)
    services.comment_create(access=access, actor=world.vendor_owner, body="Secret margin", internal=True)
    services.comment_create(access=access, actor=world.vendor_owner, body="Public kickoff note")
    page = client.get(link.split("127.0.0.1:8000")[-1])
    body = page.content.decode()
    assert page.status_code == 200
    assert "FY26 joint plan" in body and "Public kickoff note" in body
    assert "Secret margin" not in body
    assert world.ws_editor.email not in body
    assert "Check in" not in body and "/files/" not in body


def test_share_link_is_404_after_revocation_and_replacing_kills_the_old_one(world, client):
    access = workspace_access(user=world.vendor_admin, workspace=world.workspace)
    first = services.share_link_enable(access=access, actor=world.vendor_admin)
    second = services.share_link_enable(access=access, actor=world.vendor_admin)
    assert client.get(reverse("workspaces:share", args=[first])).status_code == 404
    assert client.get(reverse("workspaces:share", args=[second])).status_code == 200
    services.share_link_revoke(access=access, actor=world.vendor_admin)
    assert client.get(reverse("workspaces:share", args=[second])).status_code == 404
    world.workspace.refresh_from_db()
    assert world.workspace.share_token_hash is None and world.workspace.share_revoked_at is not None


def test_share_token_is_stored_hashed(world):
    access = workspace_access(user=world.vendor_admin, workspace=world.workspace)
    raw = services.share_link_enable(access=access, actor=world.vendor_admin)
    world.workspace.refresh_from_db()
    assert len(raw) >= 40 and raw not in world.workspace.share_token_hash
    assert world.workspace.share_token_hash == services.hash_token(raw)


def test_editor_cannot_turn_the_link_on(world, client_for):
    response = client_for(world.vendor_manager).post(
        reverse("workspaces:share_link", args=[world.workspace.public_id]), {"action": "enable"}
    )
    assert response.status_code == 403
    world.workspace.refresh_from_db()
    assert not world.workspace.share_enabled
