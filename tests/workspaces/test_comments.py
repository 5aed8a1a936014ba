"""Comments, @mentions and internal notes."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from workspaces import notification_services, services
from workspaces.mentions import resolve_mentions
from workspaces.models import Comment, Notification, NotificationPreference, Update
from workspaces.selectors import workspace_access


def _access(world, user):
    return workspace_access(user=user, workspace=world.workspace)


def test_mention_by_email_and_by_name_notifies_in_app_and_by_email(world, django_capture_on_commit_callbacks):
    world.ws_editor.name = "Eddie Edwards"
    world.ws_editor.save()
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(
            access=_access(world, world.vendor_manager),
            actor=world.vendor_manager,
            body=f"@eddie can you confirm? cc @{world.ws_owner.email}.",
        )
    assert set(comment.mentions.all()) == {world.ws_editor, world.ws_owner}
    assert Notification.objects.filter(user=world.ws_editor, kind="mention").count() == 1
    assert {m.to[0] for m in mail.outbox} == {world.ws_editor.email, world.ws_owner.email}
    assert Notification.objects.get(user=world.ws_editor).emailed_at is not None


def test_mention_respects_the_daily_and_off_preferences(world, django_capture_on_commit_callbacks):
    notification_services.preference_set(user=world.ws_editor, mode=NotificationPreference.Mode.DAILY)
    notification_services.preference_set(user=world.ws_owner, mode=NotificationPreference.Mode.OFF)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(
            access=_access(world, world.vendor_manager),
            actor=world.vendor_manager,
            body=f"@{world.ws_editor.email} @{world.ws_owner.email} see the deck",
        )
    assert mail.outbox == []
    assert Notification.objects.filter(kind="mention").count() == 2


def test_mention_of_a_non_member_is_refused_and_nothing_is_saved(world, client_for):
    client = client_for(world.ws_editor)
    response = client.post(
        reverse("workspaces:comment_create", args=[world.workspace.public_id]),
        {"body": f"hey @{world.other_partner.email} look"},
    )
    assert response.status_code == 400
    assert f"@{world.other_partner.email}: no such person in this workspace" in response.content.decode()
    assert not Comment.objects.exists()
    assert not Notification.objects.exists()


def test_ambiguous_first_name_asks_for_the_email(world):
    world.ws_editor.name = "Sam One"
    world.ws_editor.save()
    world.ws_viewer.name = "Sam Two"
    world.ws_viewer.save()
    with pytest.raises(ValidationError, match="matches several people"):
        services.comment_create(access=_access(world, world.vendor_owner), actor=world.vendor_owner, body="@sam hi")


def test_resolve_mentions_ignores_plain_email_addresses_in_text(world):
    found, unknown, _ = resolve_mentions("write to someone@example.com please", [world.ws_editor])
    assert found == [] and unknown == []


def test_internal_note_is_vendor_only_and_clearly_marked(world, client_for):
    services.comment_create(
        access=_access(world, world.vendor_manager), actor=world.vendor_manager, body="Margin is thin", internal=True
    )
    url = reverse("workspaces:detail", args=[world.workspace.public_id])
    vendor_page = client_for(world.vendor_viewer).get(url).content.decode()
    assert "Margin is thin" in vendor_page and "Internal · vendor only" in vendor_page
    for partner in (world.ws_owner, world.ws_editor, world.ws_viewer):
        assert "Margin is thin" not in client_for(partner).get(url).content.decode()
        api = client_for(partner).get(reverse("workspaces-guest-api:comment-list", args=[world.workspace.public_id]))
        assert "Margin is thin" not in api.content.decode()


def test_partner_cannot_write_an_internal_note(world, client_for):
    with pytest.raises(PermissionDenied):
        services.comment_create(access=_access(world, world.ws_owner), actor=world.ws_owner, body="x", internal=True)
    response = client_for(world.ws_owner).post(
        reverse("workspaces-guest-api:comment-list", args=[world.workspace.public_id]), {"body": "x", "internal": True}
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_internal_note_cannot_mention_a_partner(world):
    with pytest.raises(ValidationError, match="vendor side"):
        services.comment_create(
            access=_access(world, world.vendor_owner),
            actor=world.vendor_owner,
            body=f"@{world.ws_editor.email} secret",
            internal=True,
        )


def test_viewer_cannot_comment(world, client_for):
    response = client_for(world.ws_viewer).post(
        reverse("workspaces:comment_create", args=[world.workspace.public_id]), {"body": "hello"}
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_htmx_comment_returns_the_refreshed_feed(world, client_for):
    response = client_for(world.ws_editor).post(
        reverse("workspaces:comment_create", args=[world.workspace.public_id]),
        {"body": "Posted from the partner side"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Posted from the partner side" in response.content.decode()
    assert Update.objects.filter(kind="comment").count() == 1
